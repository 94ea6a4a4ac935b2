use crate::auth;
use crate::i18n::t;
use crate::sync::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use wasm_bindgen::JsCast;

/// What was typed into the page's own login form (index.html) while the app's code
/// arrived, and whether 登录 was tapped: the app's form starts from it (issue 18).
#[derive(Default)]
pub struct BootForm {
    phone: String,
    password: String,
    submitted: bool,
}

thread_local! {
    static BOOT: RefCell<Option<BootForm>> = const { RefCell::new(None) };
}

impl BootForm {
    /// Reads the page's form before the app replaces it (`main.rs`). Returns the app's
    /// field matching the one the person was typing in, for [`BootForm::refocus`].
    pub fn take() -> Option<&'static str> {
        let doc = document();
        let value = |id: &str| {
            doc.get_element_by_id(id)
                .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
                .map(|i| i.value())
                .unwrap_or_default()
        };
        let form = BootForm {
            phone: value("boot-phone"),
            password: value("boot-password"),
            submitted: doc
                .document_element()
                .is_some_and(|h| h.class_list().contains("boot-submitted")),
        };
        BOOT.with(|b| *b.borrow_mut() = Some(form));
        match doc.active_element().map(|e| e.id()).as_deref() {
            Some("boot-phone") => Some("login-phone"),
            Some("boot-password") => Some("login-password"),
            _ => None,
        }
    }

    /// After the app is on screen: the typing goes on in the app's own field. (The login
    /// page has taken the form by then, so the field is passed in, not read from it.)
    pub fn refocus(field: Option<&'static str>) {
        if let Some(input) = field
            .and_then(|id| document().get_element_by_id(id))
            .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        {
            let _ = input.focus();
        }
    }
}

/// 登录: phone number and password. The first login needs the network; afterwards the
/// saved session lets the app work offline until it expires.
#[component]
pub fn LoginPage() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    // Once only: a later logout shows an empty form.
    let boot = BOOT.with(|b| b.borrow_mut().take()).unwrap_or_default();
    let (phone, set_phone) = signal(boot.phone);
    let (password, set_password) = signal(boot.password);
    let (error, set_error) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let submit = move || {
        let phone = phone.get_untracked().trim().to_string();
        let password = password.get_untracked();
        if phone.len() != 11 || !phone.bytes().all(|b| b.is_ascii_digit()) {
            set_error.set(Some(t("login.bad_phone").into()));
            return;
        }
        if password.is_empty() {
            set_error.set(Some(t("login.no_password").into()));
            return;
        }
        set_busy.set(true);
        set_error.set(None);
        spawn_local(async move {
            match auth::login(&phone, &password).await {
                Ok(session) => sync.logged_in(session),
                Err(e) => set_error.set(Some(e)),
            }
            set_busy.set(false);
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit();
    };
    if boot.submitted {
        // 登录 was tapped on the page's form before the app had loaded.
        submit();
    }
    view! {
        // Issue 13: why the server ended a login, and the way out for unsynced entries.
        <crate::components::unsynced_rescue::UnsyncedRescue />
        <form class="card" id="login" on:submit=on_submit novalidate>
            <h2>{t("login.title")}</h2>
            <label for="login-phone">{t("login.phone")}</label>
            <input id="login-phone" type="tel" inputmode="numeric" autocomplete="username"
                maxlength="11" prop:value=phone
                on:input=move |ev| set_phone.set(event_target_value(&ev)) />
            <label for="login-password">{t("login.password")}</label>
            <input id="login-password" type="password" autocomplete="current-password"
                prop:value=password
                on:input=move |ev| set_password.set(event_target_value(&ev)) />
            {move || error.get().map(|m| view! { <p class="field-error" id="login-error" role="alert">{m}</p> })}
            <button id="login-ok" type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { t("login.busy") } else { t("login.title") }}
            </button>
            <p class="hint">{t("login.hint")}</p>
        </form>
        // Issue 13: a first login with the activation code of a 登录凭条.
        <crate::components::first_login::FirstLogin />
    }
}

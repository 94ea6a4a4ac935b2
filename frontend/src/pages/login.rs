use crate::auth;
use crate::i18n::t;
use crate::sync::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// 登录: phone number and password. The first login needs the network; afterwards the
/// saved session lets the app work offline until it expires.
#[component]
pub fn LoginPage() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let (phone, set_phone) = signal(String::new());
    let (password, set_password) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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

//! 首次登录 (issue 13): there is no SMS, so a person's first login uses the one-time
//! activation code printed on their 登录凭条. They enter phone and code, then choose their
//! own password (twice, with the length rule); the server checks the code, sets the
//! password and answers like a login, so the phone is logged in at once.

use crate::auth;
use crate::i18n::t;
use crate::sync::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The server's rule, from `shared`, checked here first so the person hears it before the
/// code is spent on a refused password; the server stays the judge.
use shared::registry_admin::MIN_PASSWORD_CHARS;

fn password_problem(p: &str) -> Option<String> {
    (p.chars().count() < MIN_PASSWORD_CHARS).then(|| t("activate.too_short").to_string())
}

async fn activate(phone: &str, code: &str, password: &str) -> Result<(), String> {
    #[derive(serde::Serialize)]
    struct Activation<'a> {
        phone: &'a str,
        code: &'a str,
        password: &'a str,
        device: Option<String>,
    }
    let body = Activation {
        phone,
        code,
        password,
        device: auth::device_id(),
    };
    let resp = gloo_net::http::Request::post(ACTIVATE_PATH)
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| t("activate.offline").to_string())?;
    if !resp.ok() {
        return Err(auth::error_text(&resp).await);
    }
    Ok(())
}

const ACTIVATE_PATH: &str = "/api/activate";

#[component]
pub fn FirstLogin() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        {move || if open.get() {
            view! { <ActivateForm on_cancel=Callback::new(move |()| open.set(false)) /> }.into_any()
        } else {
            view! {
                <p class="first-login">
                    <button type="button" id="first-login" class="wide" on:click=move |_| open.set(true)>
                        {t("activate.open")}
                    </button>
                </p>
            }.into_any()
        }}
    }
}

#[component]
fn ActivateForm(on_cancel: Callback<()>) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = phone.get_untracked().trim().to_string();
        // Codes are printed in groups for reading; spaces and dashes typed with them go.
        let c: String = code
            .get_untracked()
            .chars()
            .filter(|ch| ch.is_ascii_alphanumeric())
            .collect::<String>()
            .to_uppercase();
        let pw = password.get_untracked();
        let problem = if p.len() != 11 || !p.bytes().all(|b| b.is_ascii_digit()) {
            Some(t("login.bad_phone").to_string())
        } else if c.is_empty() {
            Some(t("activate.no_code").to_string())
        } else if let Some(m) = password_problem(&pw) {
            Some(m)
        } else if pw != again.get_untracked() {
            Some(t("activate.mismatch").to_string())
        } else {
            None
        };
        if let Some(m) = problem {
            error.set(Some(m));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            // The code sets the password; then the ordinary login (which also registers
            // this phone's actors) proves it works and keeps auth.rs the one place a
            // session is stored.
            let result = match activate(&p, &c, &pw).await {
                Ok(()) => auth::login(&p, &pw).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(session) => sync.logged_in(session),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card" id="activate" on:submit=submit novalidate>
            <h2>{t("activate.title")}</h2>
            <p class="hint">{t("activate.how")}</p>
            <label for="activate-phone">{t("login.phone")}</label>
            <input id="activate-phone" type="tel" inputmode="numeric" autocomplete="username"
                maxlength="11" bind:value=phone />
            <label for="activate-code">{t("activate.code")}</label>
            <input id="activate-code" type="text" autocomplete="one-time-code" autocapitalize="characters"
                bind:value=code />
            <label for="activate-password">{t("activate.password")}</label>
            <input id="activate-password" type="password" autocomplete="new-password" bind:value=password />
            <label for="activate-again">{t("activate.again")}</label>
            <input id="activate-again" type="password" autocomplete="new-password" bind:value=again />
            <p class="hint">{t("activate.rule")}</p>
            {move || error.get().map(|m| view! { <p class="field-error" id="activate-error" role="alert">{m}</p> })}
            <button id="activate-ok" type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { t("login.busy") } else { t("activate.ok") }}
            </button>
            <button type="button" class="link" id="activate-cancel" on:click=move |_| on_cancel.run(())>
                {t("activate.cancel")}
            </button>
        </form>
    }
}

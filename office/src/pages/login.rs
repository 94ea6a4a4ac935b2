//! The console's own login: phone number and password, the phone's login API. A field
//! user is told where their app is instead of being let into pages that refuse them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::registry_admin::Session;

#[component]
pub fn LoginPage(#[prop(into)] on_login: Callback<Session>) -> impl IntoView {
    let phone = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result =
                crate::auth::login(phone.get_untracked().trim(), &password.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(s) => on_login.run(s),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <main class="login-screen">
            <form class="card login" id="office-login" on:submit=submit>
                <h1>"三联共建 · 县委组织部工作台"</h1>
                <p class="meta">"供县委组织部、党（工）委工作人员使用"</p>
                <label>"手机号"
                    <input id="login-phone" type="tel" inputmode="numeric" autocomplete="username"
                        bind:value=phone required />
                </label>
                <label>"密码"
                    <input id="login-password" type="password" autocomplete="current-password"
                        bind:value=password required />
                </label>
                <button type="submit" id="login-submit" disabled=move || busy.get()>"登录"</button>
                {move || error.get().map(|e| {
                    let field = e == crate::auth::FIELD_ROLE;
                    view! {
                        <p class="warning" id="login-error" role="alert">{e}" "
                            {field.then(|| view! { <a href="/" id="phone-app-link">"打开手机记录"</a> })}
                        </p>
                    }
                })}
            </form>
        </main>
    }
}

//! 账号 (issue 13): every person the manager may manage, with or without an account —
//! name, role, branch, last login, last sync, enabled — and what is done with them: issue
//! one-time activation codes (to one person, or to everyone of a branch who has not logged
//! in yet), issue a new code as a password reset, disable and enable. Codes come back
//! once and are printed as 登录凭条 from this page.

use crate::components::api::{enc, fetched, loaded, notice};
use crate::components::login_slips::LoginSlips;
use crate::components::post::{post_empty, post_json};
use crate::i18n::t;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::registry_admin::{AccountRow, LoginSlip, SlipRequest};

/// Seconds since the epoch as the browser's local `YYYY-MM-DD HH:MM`; 0 is never.
fn when(secs: i64) -> String {
    if secs <= 0 {
        return "—".into();
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

#[component]
pub fn OfficeAccountsPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let list = fetched::<Vec<AccountRow>>(move || {
        reload.track();
        Some("/api/office/accounts".to_string())
    });
    let filter = RwSignal::new(String::new());
    let branch = RwSignal::new(String::new());
    let issued = RwSignal::new(Vec::<LoginSlip>::new());
    let message = RwSignal::new(None::<Result<String, String>>);

    let add_slips = move |slips: Vec<LoginSlip>| {
        let n = slips.len();
        issued.update(|v| {
            // A newer code replaces the earlier slip of the same person.
            v.retain(|c| !slips.iter().any(|s| s.person == c.person));
            v.extend(slips);
        });
        message.set(Some(Ok(t("accounts.issued").replace("{}", &n.to_string()))));
        reload.update(|n| *n += 1);
    };
    let issue_one = move |person: String| {
        message.set(None);
        spawn_local(async move {
            let url = format!("/api/office/accounts/{}/activation", enc(&person));
            match post_empty::<LoginSlip>(&url).await {
                Ok(s) => add_slips(vec![s]),
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };
    let issue_branch = move |_| {
        let b = branch.get_untracked();
        message.set(None);
        spawn_local(async move {
            let req = SlipRequest {
                branch: Some(b),
                only_new: true,
                ..Default::default()
            };
            match post_json::<_, Vec<LoginSlip>>("/api/office/accounts/activation", &req).await {
                Ok(s) if s.is_empty() => message.set(Some(Ok(t("accounts.none_new").to_string()))),
                Ok(s) => add_slips(s),
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };
    let set_enabled = move |person: String, enable: bool| {
        message.set(None);
        spawn_local(async move {
            let verb = if enable { "enable" } else { "disable" };
            let url = format!("/api/office/accounts/{}/{verb}", enc(&person));
            match post_empty::<AccountRow>(&url).await {
                Ok(_) => {
                    let done = if enable {
                        t("accounts.enabled_done")
                    } else {
                        t("accounts.disabled_done")
                    };
                    message.set(Some(Ok(done.to_string())));
                    reload.update(|n| *n += 1);
                }
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };

    let body = loaded(list, move |all: Vec<AccountRow>| {
        let mut orgs: Vec<(String, String)> = all
            .iter()
            .filter(|a| !a.org.is_empty())
            .map(|a| (a.org.clone(), a.org_name.clone()))
            .collect();
        orgs.sort();
        orgs.dedup();
        let f = filter.get();
        let f = f.trim();
        let b = branch.get();
        let rows: Vec<AccountRow> = all
            .into_iter()
            .filter(|a| b.is_empty() || a.org == b)
            .filter(|a| f.is_empty() || a.name.contains(f) || a.phone.contains(f))
            .collect();
        let n = rows.len();
        let rows = rows
            .into_iter()
            .map(|a| account_row(a, issue_one, set_enabled))
            .collect_view();
        view! {
            <div class="filters">
                <label>{t("accounts.search")}
                    <input type="search" id="accounts-search" bind:value=filter /></label>
                <label>{t("accounts.branch")}
                    <select id="accounts-branch" on:change=move |ev| branch.set(event_target_value(&ev))>
                        <option value="">{t("accounts.all")}</option>
                        {orgs.into_iter().map(|(id, name)| {
                            let id2 = id.clone();
                            view! { <option value=id selected=move || branch.get() == id2>{name}</option> }
                        }).collect_view()}
                    </select></label>
                {move || (!branch.get().is_empty()).then(|| view! {
                    <button type="button" id="issue-branch" on:click=issue_branch>{t("accounts.issue_branch")}</button>
                })}
            </div>
            <p class="stamp">{t("accounts.count").replace("{}", &n.to_string())}</p>
            <div class="scroll">
                <table class="office-table accounts" id="accounts-table">
                    <thead><tr>
                        <th>{t("accounts.name")}</th><th>{t("accounts.phone")}</th><th>{t("accounts.role")}</th>
                        <th>{t("accounts.branch")}</th><th>{t("accounts.last_login")}</th>
                        <th>{t("accounts.last_sync")}</th><th>{t("accounts.state")}</th><th>{t("accounts.actions")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    view! {
        <section class="card office wide-page no-print" id="office-accounts">
            <h2>{t("accounts.title")}</h2>
            <p class="hint">{t("accounts.how")}</p>
            {move || message.get().map(|m| notice("accounts-message", m))}
            {body}
        </section>
        {move || {
            let slips = issued.get();
            (!slips.is_empty()).then(|| view! { <LoginSlips slips=slips /> })
        }}
    }
}

fn account_row(
    a: AccountRow,
    issue: impl Fn(String) + Copy + 'static,
    set_enabled: impl Fn(String, bool) + Copy + 'static,
) -> impl IntoView {
    let state = if !a.in_registry {
        t("accounts.not_in_registry")
    } else if a.has_account && !a.enabled {
        t("accounts.disabled")
    } else if a.activation_pending {
        t("accounts.code_pending")
    } else if a.last_login > 0 || a.has_account {
        t("accounts.active")
    } else {
        t("accounts.no_login")
    };
    let code_label = if a.has_account && !a.activation_pending && a.last_login > 0 {
        t("accounts.reset")
    } else {
        t("accounts.issue")
    };
    let can_code = a.in_registry && !a.phone.is_empty() && (!a.has_account || a.enabled);
    let (p1, p2, enabled) = (a.person.clone(), a.person.clone(), a.enabled);
    let off = a.has_account && !a.enabled;
    view! {
        <tr data-person=a.person.clone() class:retired=off || !a.in_registry>
            <td class="name">{a.name.clone()}</td>
            <td>{a.phone.clone()}</td>
            <td>{a.role_label.clone()}</td>
            <td>{a.org_name.clone()}</td>
            <td class="last-login">{when(a.last_login)}</td>
            <td class="last-sync">{when(a.last_sync)}</td>
            <td class="account-state">{state}</td>
            <td class="actions">
                {can_code.then(|| view! {
                    <button type="button" class="issue-code" on:click=move |_| issue(p1.clone())>{code_label}</button>
                })}
                {a.has_account.then(|| view! {
                    <button type="button" class="toggle-enabled" on:click=move |_| set_enabled(p2.clone(), !enabled)>
                        {if enabled { t("accounts.disable") } else { t("accounts.enable") }}
                    </button>
                })}
            </td>
        </tr>
    }
}

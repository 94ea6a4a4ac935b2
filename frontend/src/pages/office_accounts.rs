//! 账号 (issue 13): every account the manager may manage — name, role, branch, last login,
//! last sync, enabled — and what they do with them: issue one-time activation codes (to one
//! person, or to everyone of a branch without a login yet), issue a new code as a password
//! reset, disable and enable. Issued codes come back once and are printed as 登录凭条.

use crate::components::login_slips::LoginSlips;
use crate::components::office_api::{enc, fetch_json};
use crate::components::office_post::post_json;
use crate::i18n::t;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::office::{AccountList, AccountRow, IssueCodes, IssuedCodes, SetEnabled};

#[component]
pub fn OfficeAccountsPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        reload.track();
        fetch_json::<AccountList>("/api/office/accounts".to_string())
    });
    let filter = RwSignal::new(String::new());
    let branch = RwSignal::new(String::new());
    let issued = RwSignal::new(Vec::<shared::office::IssuedCode>::new());
    let message = RwSignal::new(None::<Result<String, String>>);

    let issue = move |req: IssueCodes| {
        message.set(None);
        spawn_local(async move {
            match post_json::<_, IssuedCodes>("/api/office/accounts/codes", &req).await {
                Ok(r) => {
                    let n = r.codes.len();
                    issued.update(|v| {
                        // A newer code replaces the earlier slip of the same person.
                        v.retain(|c| !r.codes.iter().any(|n| n.person == c.person));
                        v.extend(r.codes);
                    });
                    message.set(Some(Ok(t("accounts.issued").replace("{}", &n.to_string()))));
                    reload.update(|n| *n += 1);
                }
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };
    let set_enabled = move |id: String, enabled: bool| {
        message.set(None);
        spawn_local(async move {
            let url = format!("/api/office/accounts/{}/enabled", enc(&id));
            match post_json::<_, serde_json::Value>(&url, &SetEnabled { enabled }).await {
                Ok(_) => {
                    let done = if enabled { t("accounts.enabled_done") } else { t("accounts.disabled_done") };
                    message.set(Some(Ok(done.to_string())));
                    reload.update(|n| *n += 1);
                }
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };

    let body = move || match list.get() {
        None => view! { <p class="empty">{t("office.loading")}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="warning">{e}</p> }.into_any(),
        Some(Ok(list)) => {
            let branches = list.branches.clone();
            let f = filter.get();
            let b = branch.get();
            let rows: Vec<AccountRow> = list
                .accounts
                .into_iter()
                .filter(|a| b.is_empty() || a.branch == b)
                .filter(|a| f.is_empty() || a.name.contains(&f) || a.phone.contains(&f))
                .collect();
            let n = rows.len();
            let rows = rows
                .into_iter()
                .map(|a| account_row(a, issue, set_enabled))
                .collect_view();
            view! {
                <div class="filters">
                    <label>{t("accounts.search")}
                        <input type="search" id="accounts-search" bind:value=filter /></label>
                    <label>{t("accounts.branch")}
                        <select id="accounts-branch" on:change=move |ev| branch.set(event_target_value(&ev))>
                            <option value="">{t("accounts.all")}</option>
                            {branches.into_iter().map(|b| view! { <option value=b.id.clone()>{b.name.clone()}</option> }).collect_view()}
                        </select></label>
                    {move || (!branch.get().is_empty()).then(|| view! {
                        <button type="button" id="issue-branch" on:click=move |_| issue(IssueCodes {
                            people: Vec::new(), branch: Some(branch.get_untracked()),
                        })>{t("accounts.issue_branch")}</button>
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
            .into_any()
        }
    };
    view! {
        <section class="card office wide-page no-print" id="office-accounts">
            <p><a href="/office/registry">{t("registry.back")}</a></p>
            <h2>{t("accounts.title")}</h2>
            <p class="hint">{t("accounts.how")}</p>
            {move || message.get().map(|m| match m {
                Ok(s) => view! { <p id="accounts-message" class="stamp" role="status">{s}</p> }.into_any(),
                Err(e) => view! { <p id="accounts-message" class="warning" role="alert">{e}</p> }.into_any(),
            })}
            {body}
        </section>
        {move || {
            let codes = issued.get();
            (!codes.is_empty()).then(|| view! { <LoginSlips codes=codes /> })
        }}
    }
}

fn account_row(
    a: AccountRow,
    issue: impl Fn(IssueCodes) + Copy + 'static,
    set_enabled: impl Fn(String, bool) + Copy + 'static,
) -> impl IntoView {
    let person = a.person.clone();
    let id = a.id.clone();
    let state = if !a.enabled {
        t("accounts.disabled")
    } else if a.activated {
        t("accounts.active")
    } else if a.code_pending {
        t("accounts.code_pending")
    } else {
        t("accounts.no_login")
    };
    let code_label = if a.activated { t("accounts.reset") } else { t("accounts.issue") };
    let can_code = a.enabled && !a.person.is_empty();
    let toggle = {
        let id = id.clone();
        let enabled = a.enabled;
        move |_| set_enabled(id.clone(), !enabled)
    };
    view! {
        <tr data-id=a.id.clone() data-person=a.person.clone() class:retired=!a.enabled>
            <td>{a.name.clone()}</td>
            <td>{a.phone.clone()}</td>
            <td>{a.role_label.clone()}</td>
            <td>{a.branch_name.clone()}</td>
            <td>{a.last_login.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{a.last_sync.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="account-state">{state}</td>
            <td class="actions">
                {can_code.then(|| view! {
                    <button type="button" class="issue-code" on:click=move |_| issue(IssueCodes {
                        people: vec![person.clone()], branch: None,
                    })>{code_label}</button>
                })}
                {(!a.id.is_empty()).then(|| view! {
                    <button type="button" class="toggle-enabled" on:click=toggle>
                        {if a.enabled { t("accounts.disable") } else { t("accounts.enable") }}
                    </button>
                })}
            </td>
        </tr>
    }
}

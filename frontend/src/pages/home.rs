use crate::components::{entry_list::EntryList, sync_bar::SyncBar, visit_form::VisitForm};
use crate::pages::login::LoginPage;
use crate::sync::SyncState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ids::DocId;

#[component]
pub fn HomePage() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let log_out = move |_| {
        if let Some(session) = sync.session.get_untracked() {
            let pending = sync.pending.get_untracked();
            let warning =
                format!("还有 {pending} 条记录未同步，需本人再次登录后才能同步。确定退出？");
            if pending > 0 && !window().confirm_with_message(&warning).unwrap_or(false) {
                return;
            }
            spawn_local(async move {
                crate::auth::logout(&session).await;
                // A fresh start gives the next user a fresh actor: an actor belongs to one user.
                let _ = window().location().reload();
            });
        }
    };
    let body = move || {
        let Some(session) = sync.session.get() else {
            return view! { <LoginPage /> }.into_any();
        };
        let me_bar = {
            let session = session.clone();
            move |detail: String| {
                view! {
                    <section class="me">
                        <strong id="me-name">{session.account.name.clone()}</strong>
                        <span>{detail}</span>
                        <button id="logout" type="button" class="link" on:click=log_out>"退出"</button>
                    </section>
                }
            }
        };
        if !session.is_field() {
            return view! {
                {me_bar(session.role_label().to_string())}
                <p class="empty">"您的账号查看全县汇总，不在手机上记录。"</p>
            }
            .into_any();
        }
        let Some(registry) = sync.registry.get() else {
            return view! {
                <p class="empty">"首次使用需要联网下载名册，联网后会自动下载。"</p>
            }
            .into_any();
        };
        let Some(person) = registry.person(&session.account.id).cloned() else {
            return view! {
                {me_bar(session.role_label().to_string())}
                <p class="empty">"名册中还没有您的信息，请联系县委组织部。"</p>
            }
            .into_any();
        };
        let Ok(branch) = DocId::branch(person.branch.clone()) else {
            return view! { <p class="empty">"名册中的支部编号有误，请联系县委组织部"</p> }
                .into_any();
        };
        let branch_name = registry
            .branches
            .get(&person.branch)
            .map(|b| b.name.clone())
            .unwrap_or_default();
        view! {
            {me_bar(format!("{} · {}", person.role.label(), branch_name))}
            <VisitForm person=person.clone() branch=branch.clone() registry=registry.clone() />
            <EntryList me=person.id.clone() branch=branch registry=registry />
        }
        .into_any()
    };
    view! {
        <SyncBar />
        {body}
    }
}

use crate::components::{
    entry_list::EntryList, sync_bar::SyncBar, visit_form::VisitForm, who_picker::WhoPicker,
};
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::ids::DocId;

#[component]
pub fn HomePage() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let body = move || {
        let Some(registry) = sync.registry.get() else {
            return view! {
                <p class="empty">"首次使用需要联网下载名册，联网后会自动下载。"</p>
            }
            .into_any();
        };
        let person = sync.me.get().and_then(|me| registry.person(&me).cloned());
        let Some(person) = person else {
            return view! { <WhoPicker registry=registry /> }.into_any();
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
            <section class="me">
                <strong>{person.name.clone()}</strong>
                <span>{format!("{} · {}", person.role.label(), branch_name)}</span>
                <button type="button" class="link" on:click=move |_| sync.me.set(None)>"切换"</button>
            </section>
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

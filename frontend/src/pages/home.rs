use crate::components::{
    entry_list::EntryList, findings::MyFindings, record_form::RecordForm, sync_bar::SyncBar,
    who_picker::WhoPicker,
};
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::forms::{forms_for, FormKind};
use shared::ids::DocId;

#[component]
pub fn HomePage() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    // The form last used is the likeliest next one; kept across reloads.
    let chosen =
        RwSignal::new(crate::storage::get::<String>("form").and_then(|s| FormKind::from_slug(&s)));
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
        let kinds = forms_for(person.role);
        let current = move || {
            chosen
                .get()
                .filter(|k| kinds.contains(k))
                .unwrap_or(kinds[0])
        };
        let form = {
            let (person, branch, registry) = (person.clone(), branch.clone(), registry.clone());
            move || {
                let kind = current();
                view! {
                    <RecordForm kind=kind person=person.clone() branch=branch.clone()
                        registry=registry.clone() />
                }
            }
        };
        view! {
            <section class="me">
                <strong>{person.name.clone()}</strong>
                <span>{format!("{} · {}", person.role.label(), branch_name)}</span>
                <button type="button" class="link" on:click=move |_| sync.me.set(None)>"切换"</button>
            </section>
            <MyFindings me=person.id.clone() branch=branch.clone() registry=registry.clone() />
            <nav class="form-tabs" aria-label="记录类别">
                {kinds.iter().map(|k| {
                    let k = *k;
                    view! {
                        <button type="button" id=format!("tab-{}", k.slug())
                            aria-pressed=move || (current() == k).to_string()
                            on:click=move |_| {
                                let _ = crate::storage::set("form", k.slug());
                                chosen.set(Some(k));
                            }>
                            {k.label()}
                        </button>
                    }
                }).collect_view()}
            </nav>
            {form}
            <crate::components::conflicts::Conflicts branch=branch.clone() me=person.id.clone() />
            <EntryList me=person branch=branch registry=registry />
            <crate::components::export_import::ExportImport />
        }
        .into_any()
    };
    view! {
        <SyncBar />
        {body}
    }
}

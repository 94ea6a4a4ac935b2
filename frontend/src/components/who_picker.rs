use crate::sync::SyncState;
use leptos::prelude::*;
use shared::model::Registry;

/// "我是谁": until accounts exist, a person picks themselves from the roster.
#[component]
pub fn WhoPicker(registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let (chosen, set_chosen) = signal(String::new());
    let groups: Vec<_> = registry
        .writing_branches()
        .map(|b| {
            let people: Vec<_> = registry
                .people
                .values()
                .filter(|p| p.branch == b.id)
                .cloned()
                .collect();
            (b.name.clone(), people)
        })
        .collect();
    view! {
        <section class="card">
            <h2>"我是谁"</h2>
            <label for="who">"选择本人姓名"</label>
            <select id="who" on:change=move |ev| set_chosen.set(event_target_value(&ev))>
                <option value="">"— 请选择 —"</option>
                {groups.into_iter().map(|(branch, people)| view! {
                    <optgroup label=branch>
                        {people.into_iter().map(|p| view! {
                            <option value=p.id.clone()>{format!("{}（{}）", p.name, p.role.label())}</option>
                        }).collect_view()}
                    </optgroup>
                }).collect_view()}
            </select>
            <button id="who-ok" type="button" class="primary"
                disabled=move || chosen.get().is_empty()
                on:click=move |_| sync.choose_me(chosen.get_untracked())>
                "确定"
            </button>
        </section>
    }
}

//! "需确认": fields two people changed offline at the same time. The merged document
//! shows one value; this lists the others so nothing is silently hidden, and lets a
//! person with the right pick the value to keep (the others stay in the history).

use crate::clock;
use crate::components::history::History;
use crate::i18n::{self, t};
use crate::repo::{self, show_scalar};
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::ids::DocId;

#[component]
pub fn Conflicts(branch: DocId, me: String) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let error = RwSignal::new(None::<String>);
    let list = move || {
        sync.revision.track();
        let registry = sync.registry.get_untracked();
        let conflicts = repo::with(|r| r.conflicts(&branch));
        if conflicts.is_empty() {
            return None;
        }
        let items = conflicts
            .into_iter()
            .map(|c| {
                let allowed = registry
                    .as_ref()
                    .is_some_and(|reg| repo::may_resolve(reg, &me, c.author.as_deref()));
                let values = c
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let label = if i == 0 { t("conflicts.shown") } else { t("conflicts.other") };
                        let chosen = v.clone();
                        let conflict = c.clone();
                        let choose = move |_| {
                            let result =
                                repo::with(|r| r.resolve(&conflict, &chosen, clock::now_secs()));
                            error.set(result.err());
                            sync.refresh();
                            sync.sync_now();
                        };
                        view! {
                            <li class="conflict-value">
                                <span class="meta">{label}</span> " "
                                <span class="value">{show_scalar(v)}</span>
                                {allowed.then(|| view! {
                                    <button type="button" class="choose" on:click=choose>{t("conflicts.choose")}</button>
                                })}
                            </li>
                        }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <li class="conflict" data-record=c.record.clone() data-field=c.field.clone()>
                        <strong>{i18n::field(&c.field)}</strong>
                        <ul>{values}</ul>
                        {(!allowed).then(|| view! { <p class="meta">{t("conflicts.no_right")}</p> })}
                        <History doc=c.doc.clone() map=c.map.clone() record=c.record.clone() />
                    </li>
                }
            })
            .collect::<Vec<_>>();
        Some(view! {
            <section class="card conflicts" id="conflicts">
                <h2>{t("conflicts.title")}</h2>
                <p class="meta">{t("conflicts.hint")}</p>
                <ul class="conflict-list">{items}</ul>
                {move || error.get().map(|e| view! { <p class="field-error">{e}</p> })}
            </section>
        })
    };
    view! { {list} }
}

//! Who changed what of one record, and when, read from the document's change history.

use crate::clock;
use crate::i18n::{self, t};
use crate::repo;
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::ids::DocId;

#[component]
pub fn History(doc: DocId, map: String, record: String) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let open = RwSignal::new(false);
    let lines = move || {
        if !open.get() {
            return Vec::new();
        }
        sync.revision.track();
        let registry = sync.registry.get_untracked();
        let name = |p: &Option<String>| {
            p.as_ref()
                .and_then(|id| registry.as_ref()?.person(id).map(|p| p.name.clone()))
                .or_else(|| p.clone())
                .unwrap_or_else(|| t("history.unknown").to_string())
        };
        repo::with(|r| r.history(&doc, &map, &record))
            .into_iter()
            // Genesis-era and bookkeeping fields say nothing to a reader.
            .filter(|l| l.field != "id" && l.at_secs > 0)
            .map(|l| {
                view! {
                    <li>
                        <span class="meta">{clock::format_ms(l.at_secs * 1000)}</span>
                        " " <strong>{name(&l.person)}</strong>
                        " " {i18n::field(&l.field)} " " {t("history.changed")} " "
                        <q>{l.value}</q>
                    </li>
                }
            })
            .collect::<Vec<_>>()
    };
    view! {
        <details class="history" on:toggle=move |_| open.update(|o| *o = !*o)>
            <summary>{t("history.title")}</summary>
            <ol class="history-lines">{lines}</ol>
        </details>
    }
}

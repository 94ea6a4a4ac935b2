//! Who changed what of one record, and when, read from the document's change history.
//! Any record of a branch document: the kind is known from the map it lives in, so codes
//! read as their labels, places and branches by name.

use crate::clock;
use crate::engine;
use crate::i18n::{self, t, tr};
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::domain::records::BranchRecords;
use shared::engine::Command;
use shared::forms::FormKind;
use shared::ids::DocId;
use shared::model::Registry;

#[component]
pub fn History(doc: DocId, map: String, record: String) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let open = RwSignal::new(false);
    let kind = kind_of(&map);
    let lines = move || {
        if !open.get() {
            return Vec::new();
        }
        sync.revision.track();
        let status = sync.engine.get();
        if !engine::ready() {
            // Read from the document's changes: only the engine can (issue 18).
            let text = match status {
                engine::Status::Failed(why) => why,
                _ => t("engine.loading").to_string(),
            };
            return vec![view! { <li class="meta">{text}</li> }.into_any()];
        }
        let registry = sync.registry.get_untracked();
        let name = |p: &Option<String>| {
            p.as_ref()
                .and_then(|id| registry.as_ref()?.person(id).map(|p| p.name.clone()))
                .or_else(|| p.clone())
                .unwrap_or_else(|| t("history.unknown").to_string())
        };
        let records = engine::records(&doc);
        let lines: Vec<shared::history::HistoryLine> = engine::call(&Command::History {
            doc: doc.clone(),
            map: map.clone(),
            record: record.clone(),
        })
        .unwrap_or_default();
        lines
            .into_iter()
            // Bookkeeping fields and a record's first "not withdrawn" say nothing.
            .filter(shared::history::tells)
            .map(|l| {
                let show = |v: &str| shown_value(kind, &l.field, v, registry.as_ref(), &records);
                let value = show(&l.value);
                // Issue 14: old → new, so a correction says what it corrected.
                let old = l.old.as_deref().map(|o| {
                    view! { <q class="old">{show(o)}</q> " → " }
                });
                view! {
                    <li>
                        <span class="meta">{clock::format_ms(l.at_secs * 1000)}</span>
                        " " <strong>{name(&l.person)}</strong>
                        " " {i18n::field(&l.field)} " " {t("history.changed")} " "
                        {old} <q class="new">{value}</q>
                    </li>
                }
                .into_any()
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

// Which map holds which kind, and the labels of stored codes: `shared::history`, one home
// for the phone and the console's drill-down.
pub use shared::history::{code_label, kind_of, map_of};

/// Values as people know them: names for places, branches and households, labels for
/// codes, dates in Chinese format.
fn shown_value(
    kind: Option<FormKind>,
    field: &str,
    value: &str,
    registry: Option<&Registry>,
    records: &BranchRecords,
) -> String {
    let named = match field {
        "place" => registry
            .and_then(|r| r.places.get(value))
            .map(|p| p.name.clone()),
        "partner" => registry
            .and_then(|r| r.branches.get(value))
            .map(|b| b.name.clone()),
        "target" => records.targets.get(value).map(|t| t.name.clone()),
        "date" => Some(clock::format_date(value)),
        "withdrawn" if value == "是" => Some(t("history.yes").to_string()),
        "withdrawn" if value == "否" => Some(t("history.no").to_string()),
        _ => kind.and_then(|k| code_label(k, field, value)).map(tr),
    };
    named.unwrap_or_else(|| value.to_string())
}

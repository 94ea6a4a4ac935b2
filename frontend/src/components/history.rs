//! Who changed what of one record, and when, read from the document's change history.
//! Any record of a branch document: the kind is known from the map it lives in, so codes
//! read as their labels, places and branches by name.

use crate::clock;
use crate::i18n::{self, t, tr};
use crate::repo;
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::domain::docs::Record;
use shared::domain::records::*;
use shared::forms::FormKind;
use shared::ids::DocId;
use shared::model::{Registry, Visit, VisitKind};

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
        let registry = sync.registry.get_untracked();
        let name = |p: &Option<String>| {
            p.as_ref()
                .and_then(|id| registry.as_ref()?.person(id).map(|p| p.name.clone()))
                .or_else(|| p.clone())
                .unwrap_or_else(|| t("history.unknown").to_string())
        };
        let records = repo::with(|r| r.records(&doc));
        repo::with(|r| r.history(&doc, &map, &record))
            .into_iter()
            // Bookkeeping fields say nothing to a reader: the writer is the line's person.
            .filter(|l| {
                !matches!(
                    l.field.as_str(),
                    "id" | "author" | "recorded_at" | "member" | "leader" | "branch"
                )
            })
            // Every record starts "not withdrawn"; only a withdrawal is news.
            .filter(|l| !(l.field == "withdrawn" && l.value == "否"))
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

/// The record kind whose records live in the branch document's map `map`.
pub fn kind_of(map: &str) -> Option<FormKind> {
    [
        (Visit::MAP, FormKind::Visit),
        (LeaderPoint::MAP, FormKind::Point),
        (Cultivation::MAP, FormKind::Cultivation),
        (BranchPair::MAP, FormKind::Pair),
        (Plan::MAP, FormKind::Plan),
        (Activity::MAP, FormKind::Activity),
        (Deed::MAP, FormKind::Deed),
        (HelpTarget::MAP, FormKind::Target),
        (HelpRecord::MAP, FormKind::Help),
        (Training::MAP, FormKind::Training),
    ]
    .into_iter()
    .find_map(|(m, k)| (m == map).then_some(k))
}

/// The map of a branch document holding records of `kind`.
pub fn map_of(kind: FormKind) -> &'static str {
    match kind {
        FormKind::Visit => Visit::MAP,
        FormKind::Point => LeaderPoint::MAP,
        FormKind::Cultivation => Cultivation::MAP,
        FormKind::Pair => BranchPair::MAP,
        FormKind::Plan => Plan::MAP,
        FormKind::Activity => Activity::MAP,
        FormKind::Deed => Deed::MAP,
        FormKind::Target => HelpTarget::MAP,
        FormKind::Help => HelpRecord::MAP,
        FormKind::Training => Training::MAP,
        FormKind::CommitteePlan => shared::domain::records::CommitteePlan::MAP,
    }
}

/// The label of a stored code, for the fields that hold one.
fn code_label(kind: FormKind, field: &str, code: &str) -> Option<&'static str> {
    use FormKind as K;
    match (kind, field) {
        (K::Visit, "kind") => VisitKind::from_code(code).map(VisitKind::label),
        (K::Cultivation, "kind") => CultivationKind::from_code(code).map(CultivationKind::label),
        (K::Plan, "kind") => PlanKind::from_code(code).map(PlanKind::label),
        (K::Plan, "status") => PlanStatus::from_code(code).map(PlanStatus::label),
        (K::Activity, "kind") => ActivityKind::from_code(code).map(ActivityKind::label),
        (K::Deed, "kind") => DeedKind::from_code(code).map(DeedKind::label),
        (K::Deed, "tie_in") => TieIn::from_code(code).map(TieIn::label),
        (K::Target, "kind") => TargetKind::from_code(code).map(TargetKind::label),
        (K::Target, "labour") => Labour::from_code(code).map(Labour::label),
        (K::Help, "kind") => HelpKind::from_code(code).map(HelpKind::label),
        (K::Training, "direction") => {
            TrainingDirection::from_code(code).map(TrainingDirection::label)
        }
        (K::Training, "stage") => TrainingStage::from_code(code).map(TrainingStage::label),
        _ => None,
    }
}

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
        _ => kind.and_then(|k| code_label(k, field, value)).map(tr),
    };
    named.unwrap_or_else(|| value.to_string())
}

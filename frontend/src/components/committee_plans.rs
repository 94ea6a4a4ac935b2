use crate::clock;
use crate::components::record_form::{draft_note, error_for, field_view, shown, Shown};
use crate::engine;
use crate::i18n::{t, tr};
use crate::sync::SyncState;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::domain::records::CommitteePlan;
use shared::forms::{self, FormKind, Input};
use shared::ids::DocId;
use std::collections::BTreeMap;

/// The plan form of 党（工）委 staff: the committee is no branch and its staff no person of
/// the roster, so the form is described by the day alone and saved into `committee/<id>`.
#[component]
pub fn CommitteePlanForm(committee: DocId, me: String) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let kind = FormKind::CommitteePlan;
    let slug = kind.slug();
    let form = forms::committee_form(clock::today());
    let defaults = |form: &forms::Form| -> BTreeMap<String, String> {
        shared::records::string_map(
            form.fields
                .iter()
                .map(|f| (f.name.to_string(), f.default.clone())),
        )
    };
    let draft = crate::drafts::load(&me, slug);
    let edited = RwSignal::new(draft.as_ref().map(|d| d.edited_ms));
    let values = RwSignal::new(crate::drafts::restore(defaults(&form), draft.as_ref()));
    let errors = RwSignal::new(Vec::<Shown>::new());
    let saved = RwSignal::new(false);
    let typed = {
        let me = me.clone();
        move || {
            let d = crate::drafts::keep(&me, slug, &values.get_untracked(), clock::now_ms());
            edited.set(Some(d.edited_ms));
        }
    };
    let (typed_input, typed_change) = (typed.clone(), typed);
    let discard = {
        let (me, blank) = (me.clone(), defaults(&form));
        move || {
            crate::drafts::discard(&me, slug);
            edited.set(None);
            errors.set(Vec::new());
            values.set(blank.clone());
        }
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = values.get_untracked();
        match forms::submit_committee_plan(&typed, &me, clock::today(), clock::now_ms()) {
            Ok(plan) => {
                engine::record(shared::engine::Op::CommitteePlan {
                    doc: committee.clone(),
                    plan,
                });
                crate::drafts::discard(&me, slug);
                edited.set(None);
                errors.set(Vec::new());
                saved.set(true);
                sync.refresh();
                sync.sync_now();
                // The year, kind and status stay for the next plan; the text is cleared.
                let fresh = forms::committee_form(clock::today());
                values.update(|v| {
                    for f in &fresh.fields {
                        if !matches!(f.input, Input::Choice { .. } | Input::Date | Input::Year) {
                            v.insert(f.name.to_string(), f.default.clone());
                        }
                    }
                });
            }
            Err(errs) => {
                saved.set(false);
                errors.set(shown(errs));
            }
        }
    };

    view! {
        <form class="card record-form" id=format!("{slug}-form") on:submit=on_submit novalidate
            on:input=move |_| typed_input() on:change=move |_| typed_change()>
            <h2>{tr(kind.action())}</h2>
            {draft_note(slug, edited, discard)}
            {form.fields.into_iter().map(|f| field_view(slug, f, values, errors, saved)).collect_view()}
            {error_for(errors, "form")}
            <p class="hint">{t("committee.one_a_year")}</p>
            <button id=format!("{slug}-save") type="submit" class="primary">{t("form.save")}</button>
            <Show when=move || saved.get()>
                <p class="saved" role="status">{t("form.saved")}</p>
            </Show>
        </form>
    }
}

/// The committee's plans as this phone holds them, newest year first, with their status.
#[component]
pub fn CommitteePlanList(committee: DocId) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let plans = Memo::new(move |_| {
        sync.revision.track();
        let mut plans: Vec<CommitteePlan> = engine::committee_records(&committee)
            .plans
            .into_values()
            .filter(|p| !p.withdrawn)
            .collect();
        plans.sort_by(|a, b| (b.year, &b.date).cmp(&(a.year, &a.date)));
        plans
    });
    let row = |p: CommitteePlan| {
        view! {
            <li class="entry" data-id=p.id.clone() data-kind="committee-plan">
                <div class="entry-head">
                    <span class="date">{clock::format_date(&p.date)}</span>
                    <span class="tag plan-status">{tr(p.kind.label())} " · " {tr(p.status.label())}</span>
                </div>
                <div class="place">{tr(&p.title)}</div>
                <p class="note">{p.content}</p>
                <div class="meta row">
                    <span>{t("entries.recorded")} " " {clock::format_ms(p.recorded_at)}</span>
                </div>
            </li>
        }
    };
    view! {
        <section class="card">
            <h2>{t("committee.plans")}</h2>
            <Show when=move || !plans.with(Vec::is_empty)
                fallback=|| view! { <p class="empty">{t("committee.no_plans")}</p> }>
                <ul id="committee-plans">
                    {move || plans.get().into_iter().map(row).collect_view()}
                </ul>
            </Show>
        </section>
    }
}

use crate::clock;
use crate::engine::{self, random_hex};
use crate::i18n::{msg, t, tr};
use crate::sync::SyncState;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::engine::Op;
use shared::forms::{self, Field, FormContext, FormKind, Input};
use shared::ids::DocId;
use shared::model::{Person, Registry};
use shared::validate::FieldError;
use std::collections::BTreeMap;

/// The form's description for this person, from what the phone holds right now.
fn describe(kind: FormKind, person: &Person, branch: &DocId, registry: &Registry) -> forms::Form {
    let records = engine::records(branch);
    let last_place = crate::storage::get::<String>("last-place");
    let ctx = FormContext {
        registry,
        me: person,
        records: &records,
        today: clock::today(),
        last_place: last_place.as_deref(),
    };
    forms::form(kind, &ctx)
}

fn defaults(form: &forms::Form) -> BTreeMap<String, String> {
    shared::records::string_map(
        form.fields
            .iter()
            .map(|f| (f.name.to_string(), f.default.clone())),
    )
}

/// 草稿 · 最后编辑 …, with 丢弃草稿, while the form holds a draft (`crate::drafts`).
pub(crate) fn draft_note(
    slug: &'static str,
    edited: RwSignal<Option<i64>>,
    discard: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        edited.get().map(|at| {
            let discard = discard.clone();
            view! {
                <p class="draft" id=format!("{slug}-draft") role="status">
                    <strong>{t("draft.label")}</strong>
                    " · " {t("draft.edited")} " " {clock::format_ms(at)} " "
                    <button type="button" class="link" id=format!("{slug}-discard")
                        on:click=move |_| discard()>{t("draft.discard")}</button>
                </p>
            }
        })
    }
}

/// The record an edit form was opened on, as the phone holds it now.
fn original(kind: FormKind, branch: &DocId, id: &str) -> Option<forms::Entry> {
    let records = engine::records(branch);
    forms::entry_of(&records, kind, id)
}

/// Any record a field user makes, rendered from its description in `shared::forms`.
/// Saving is local and immediate; syncing follows in the background. What is typed is
/// kept as a draft from the first keystroke until it is saved or discarded.
///
/// With `edit` (issue 14: 修改), the form opens on that record, prefilled, and saving
/// writes only the fields that changed, checked by the same rules as a new record.
#[component]
pub fn RecordForm(
    kind: FormKind,
    person: Person,
    branch: DocId,
    registry: Registry,
    #[prop(optional, into)] edit: Option<String>,
) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let nav = use_context::<crate::pages::home::Nav>();
    let slug = kind.slug();
    let editing = edit.clone();
    let form = {
        let (person, branch, registry) = (person.clone(), branch.clone(), registry.clone());
        // Re-described when the documents change: a household added on the 帮扶对象 form
        // appears at once in the 帮扶记录 form's choices.
        Memo::new(move |_| {
            sync.revision.track();
            describe(kind, &person, &branch, &registry)
        })
    };
    let me = person.id.clone();
    // A new record's draft is one per form; a correction's is one per record and holds
    // only the fields changed, laid over the record as it stands now (`drafts`).
    let draft_key = match edit.as_deref() {
        Some(id) => crate::drafts::edit_key(slug, id),
        None => slug.to_string(),
    };
    let draft = crate::drafts::load(&me, &draft_key);
    let edited = RwSignal::new(draft.as_ref().map(|d| d.edited_ms));
    // What the form comes back to on 丢弃草稿: the defaults, or the record being corrected.
    let base = {
        let mut v = defaults(&form.get_untracked());
        if let Some(o) = edit.as_deref().and_then(|id| original(kind, &branch, id)) {
            v.extend(o.values());
        }
        v
    };
    let values = RwSignal::new(crate::drafts::restore(base.clone(), draft.as_ref()));
    let errors = RwSignal::new(Vec::<Shown>::new());
    let saved = RwSignal::new(false);
    // Every input and change bubbles up to the form, after the field has stored it.
    let typed = {
        let (me, draft_key, base) = (me.clone(), draft_key.clone(), base.clone());
        let editing = editing.is_some();
        move || {
            let now = values.get_untracked();
            let kept = if editing {
                crate::drafts::changed_from(&now, &base)
            } else {
                now
            };
            if editing && kept.is_empty() {
                // Typed back to what the record says: nothing to keep.
                crate::drafts::discard(&me, &draft_key);
                edited.set(None);
                return;
            }
            let d = crate::drafts::keep(&me, &draft_key, &kept, clock::now_ms());
            edited.set(Some(d.edited_ms));
        }
    };
    let (typed_input, typed_change) = (typed.clone(), typed);
    let discard = {
        let (me, draft_key, base) = (me.clone(), draft_key.clone(), base.clone());
        move || {
            crate::drafts::discard(&me, &draft_key);
            edited.set(None);
            errors.set(Vec::new());
            values.set(base.clone());
        }
    };

    let on_submit = {
        let (person, branch, registry) = (person.clone(), branch.clone(), registry.clone());
        let (edit, me, draft_key) = (edit.clone(), me.clone(), draft_key.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let records = engine::records(&branch);
            let ctx = FormContext {
                registry: &registry,
                me: &person,
                records: &records,
                today: clock::today(),
                last_place: None,
            };
            if let Some(id) = edit.as_deref() {
                let Some(o) = forms::entry_of(&records, kind, id) else {
                    errors.set(vec![Shown {
                        field: "form",
                        text: t("edit.gone").to_string(),
                    }]);
                    return;
                };
                let typed = values.get_untracked();
                match forms::submit_edit(&typed, &ctx, &o) {
                    Ok(entry) => {
                        let op = Op::Edit {
                            doc: branch.clone(),
                            entry,
                            original: o,
                        };
                        engine::record(op);
                        crate::drafts::discard(&me, &draft_key);
                        errors.set(Vec::new());
                        sync.refresh();
                        sync.sync_now();
                        if let Some(nav) = nav {
                            nav.stop_editing();
                        }
                    }
                    Err(errs) => errors.set(shown(errs)),
                }
                return;
            }
            let id = format!("{}-{}", clock::now_ms(), random_hex(6));
            let typed = values.get_untracked();
            match forms::submit(kind, &typed, &ctx, id, clock::now_ms()) {
                Ok(entry) => {
                    // Stored at once (an op); what the engine makes of it never undoes it.
                    engine::record(Op::Save {
                        doc: branch.clone(),
                        entry,
                    });
                    if let Some(place) = typed.get("place").filter(|p| !p.is_empty()) {
                        let _ = crate::storage::set("last-place", place);
                    }
                    crate::drafts::discard(&me, &draft_key);
                    edited.set(None);
                    errors.set(Vec::new());
                    saved.set(true);
                    sync.refresh();
                    sync.sync_now();
                    // Choices stay as they were; what was typed is cleared.
                    let fresh = describe(kind, &person, &branch, &registry);
                    values.update(|v| {
                        for f in &fresh.fields {
                            if !matches!(f.input, Input::Choice { .. } | Input::Date | Input::Year)
                            {
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
        }
    };

    let error_for = move |name: &'static str| error_for(errors, name);
    let field_view = move |f: Field| field_view(slug, f, values, errors, saved);

    let is_edit = editing.is_some();
    let title = if is_edit {
        format!("{}{}", t("edit.title"), tr(kind.label()))
    } else {
        tr(kind.action())
    };
    // 取消 gives up the correction: its draft goes too (丢弃草稿 keeps the form open).
    let cancel = {
        let (me, draft_key) = (me.clone(), draft_key.clone());
        move |_| {
            crate::drafts::discard(&me, &draft_key);
            if let Some(nav) = nav {
                nav.stop_editing();
            }
        }
    };
    view! {
        <form class="card record-form" class:editing=is_edit id=format!("{slug}-form")
            data-edit=editing.clone().unwrap_or_default() on:submit=on_submit novalidate
            on:input=move |_| typed_input() on:change=move |_| typed_change()>
            <h2>{title}</h2>
            {draft_note(slug, edited, discard)}
            {move || match form.get() {
                // An edit needs no new choice: its record is there already.
                forms::Form { blocked: Some(why), .. } if !is_edit => {
                    // The next step, one tap away: 「请先确定帮扶对象」 opens that form.
                    let next = forms::unblocking_form(kind);
                    view! {
                        <p class="empty" id=format!("{slug}-blocked")>{tr(&why)}</p>
                        {next.zip(nav).map(|(k, nav)| view! {
                            <button type="button" class="primary" id=format!("{slug}-next")
                                on:click=move |_| nav.open(k)>{tr(k.action())}</button>
                        })}
                    }
                    .into_any()
                }
                f => {
                    let cancel = cancel.clone();
                    // Choices that appeared since (a new household) get their default.
                    values.update_untracked(|v| {
                        for field in &f.fields {
                            v.entry(field.name.to_string()).or_insert_with(|| field.default.clone());
                            if v.get(field.name).is_some_and(String::is_empty) && !field.default.is_empty() {
                                v.insert(field.name.to_string(), field.default.clone());
                            }
                        }
                    });
                    view! {
                        {f.fields.into_iter().map(field_view).collect_view()}
                        {error_for("form")}
                        {error_for("author")}
                        <button id=format!("{slug}-save") type="submit" class="primary">
                            {if is_edit { t("edit.save") } else { t("form.save") }}
                        </button>
                        {is_edit.then(|| view! {
                            <button id=format!("{slug}-cancel") type="button" class="link"
                                on:click=cancel>{t("entries.cancel")}</button>
                        })}
                        <Show when=move || saved.get()>
                            <p class="saved" role="status">{t("form.saved")}</p>
                        </Show>
                    }
                    .into_any()
                }
            }}
        </form>
    }
}

/// A problem shown under a field (or the whole form, `"form"`), in the user's language:
/// a validation error of `shared` rendered from its code, or the app's own (a failed save).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shown {
    pub field: &'static str,
    pub text: String,
}

/// Validation errors as shown.
pub(crate) fn shown(errors: Vec<FieldError>) -> Vec<Shown> {
    errors
        .into_iter()
        .map(|e| Shown {
            field: e.field,
            text: msg(&e.msg),
        })
        .collect()
}

/// Errors of one field (or of the whole form, `"form"`), in the user's language.
pub(crate) fn error_for(
    errors: RwSignal<Vec<Shown>>,
    name: &'static str,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static {
    move || {
        errors
            .with(|es| es.iter().find(|e| e.field == name).map(|e| e.text.clone()))
            .map(|m| view! { <p class="field-error" role="alert">{m}</p> }.into_any())
    }
}

/// One field of a form described in `shared::forms`; ids are `<slug>-<field>`.
pub(crate) fn field_view(
    slug: &'static str,
    f: Field,
    values: RwSignal<BTreeMap<String, String>>,
    errors: RwSignal<Vec<Shown>>,
    saved: RwSignal<bool>,
) -> impl IntoView {
    let error_for = move |name: &'static str| error_for(errors, name);
    let id = format!("{slug}-{}", f.name);
    let name = f.name;
    let value = move || values.with(|v| v.get(name).cloned().unwrap_or_default());
    let set = move |v: String| {
        saved.set(false);
        values.update(|m| {
            m.insert(name.to_string(), v);
        })
    };
    let control = match f.input {
        Input::Date => view! {
            <input id=id type="date" prop:value=value
                on:input=move |ev| set(event_target_value(&ev)) />
        }
        .into_any(),
        Input::Year => view! {
            <input id=id type="number" inputmode="numeric" min="2000" max="2100"
                prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
        }
        .into_any(),
        Input::Text { placeholder } => view! {
            <input id=id type="text" placeholder=tr(placeholder) prop:value=value
                on:input=move |ev| set(event_target_value(&ev)) />
        }
        .into_any(),
        Input::LongText { placeholder } => view! {
            <textarea id=id rows="3" placeholder=tr(placeholder) prop:value=value
                on:input=move |ev| set(event_target_value(&ev))></textarea>
        }
        .into_any(),
        Input::Number { unit } => view! {
            <div class="with-unit">
                <input id=id type="text" inputmode="numeric" prop:value=value
                    on:input=move |ev| set(event_target_value(&ev)) />
                <span>{tr(unit)}</span>
            </div>
        }
        .into_any(),
        Input::Choice { choices, optional } => {
            let current = value();
            let option = |c: &forms::Choice| {
                let selected = c.value == current;
                view! { <option value=c.value.clone() selected=selected>{tr(&c.label)}</option> }
            };
            let mut groups: Vec<(String, Vec<forms::Choice>)> = Vec::new();
            for c in choices {
                match groups.last_mut() {
                    Some((g, cs)) if *g == c.group => cs.push(c),
                    _ => groups.push((c.group.clone(), vec![c])),
                }
            }
            let body = groups
                .into_iter()
                .map(|(group, cs)| {
                    if group.is_empty() {
                        cs.iter().map(option).collect_view().into_any()
                    } else {
                        view! {
                            <optgroup label=group>{cs.iter().map(option).collect_view()}</optgroup>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! {
                <select id=id prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                    {optional.then(|| view! { <option value="">{t("form.none")}</option> })}
                    {body}
                </select>
            }
            .into_any()
        }
    };
    let label_for = format!("{slug}-{}", f.name);
    let shown = move || {
        f.shown_when.is_none_or(|(other, when)| {
            values.with(|v| v.get(other).is_some_and(|x| when.contains(&x.as_str())))
        })
    };
    view! {
        <div class="field" hidden=move || !shown()>
            <label for=label_for>{tr(f.label)}</label>
            {control}
            {error_for(name)}
        </div>
    }
}

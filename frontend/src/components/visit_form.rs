use crate::clock;
use crate::repo::{self, random_hex};
use crate::sync::SyncState;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::ids::DocId;
use shared::model::{Person, Registry, Role, VisitKind};
use shared::validate::{validate_visit, FieldError, VisitDraft};

/// Logs a visit. Saving is local and immediate; syncing follows in the background.
#[component]
pub fn VisitForm(person: Person, branch: DocId, registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let default_kind = if person.role == Role::Leader {
        VisitKind::BuildTeam
    } else {
        VisitKind::Help
    };
    // The place of the last visit is the likeliest place of the next one.
    let first_place = crate::storage::get::<String>("last-place")
        .filter(|p| registry.places.contains_key(p))
        .or_else(|| registry.places.keys().next().cloned())
        .unwrap_or_default();
    let (date, set_date) = signal(clock::today().format("%Y-%m-%d").to_string());
    let (place, set_place) = signal(first_place);
    let (kind, set_kind) = signal(default_kind.code().to_string());
    let (note, set_note) = signal(String::new());
    let (errors, set_errors) = signal(Vec::<FieldError>::new());
    let error_for = move |field: &'static str| {
        move || {
            errors
                .with(|es| {
                    es.iter()
                        .find(|e| e.field == field)
                        .map(|e| e.message.clone())
                })
                .map(|m| view! { <p class="field-error">{m}</p> })
        }
    };

    let mut townships: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for p in registry.places.values() {
        let township = registry
            .committees
            .get(&p.township)
            .map_or(p.township.clone(), |c| c.name.clone());
        match townships.iter_mut().find(|(t, _)| *t == township) {
            Some((_, places)) => places.push((p.id.clone(), p.name.clone())),
            None => townships.push((township, vec![(p.id.clone(), p.name.clone())])),
        }
    }

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let draft = VisitDraft {
            date: date.get_untracked(),
            place: place.get_untracked(),
            kind: kind.get_untracked(),
            note: note.get_untracked(),
        };
        let id = format!("{}-{}", clock::now_ms(), random_hex(6));
        match validate_visit(
            &draft,
            &registry,
            clock::today(),
            id,
            person.id.clone(),
            clock::now_ms(),
        ) {
            Ok(visit) => {
                let saved = repo::with(|r| r.save_visit(&branch, &visit, clock::now_secs()));
                match saved {
                    Ok(()) => {
                        let _ = crate::storage::set("last-place", &visit.place);
                        set_note.set(String::new());
                        set_errors.set(Vec::new());
                        sync.refresh();
                        sync.sync_now();
                    }
                    Err(e) => set_errors.set(vec![FieldError {
                        field: "note",
                        message: format!("保存失败：{e}"),
                    }]),
                }
            }
            Err(errs) => set_errors.set(errs),
        }
    };

    view! {
        <form class="card" on:submit=on_submit novalidate>
            <h2>"记一次到点"</h2>
            <label for="visit-date">"日期"</label>
            <input id="visit-date" type="date" prop:value=date
                on:input=move |ev| set_date.set(event_target_value(&ev)) />
            {error_for("date")}

            <label for="visit-place">"联系点"</label>
            <select id="visit-place" on:change=move |ev| set_place.set(event_target_value(&ev))>
                {townships.into_iter().map(|(township, places)| view! {
                    <optgroup label=township>
                        {places.into_iter().map(|(id, name)| {
                            let selected = place.get_untracked() == id;
                            view! { <option value=id selected=selected>{name}</option> }
                        }).collect_view()}
                    </optgroup>
                }).collect_view()}
            </select>
            {error_for("place")}

            <label for="visit-kind">"工作内容"</label>
            <select id="visit-kind" on:change=move |ev| set_kind.set(event_target_value(&ev))>
                {VisitKind::ALL.iter().map(|k| {
                    let selected = *k == default_kind;
                    view! { <option value=k.code() selected=selected>{k.label()}</option> }
                }).collect_view()}
            </select>
            {error_for("kind")}

            <label for="visit-note">"了解的情况和所做的工作"</label>
            <textarea id="visit-note" rows="4" prop:value=note
                placeholder="例：到村查看茶园，协调解决灌溉用水问题"
                on:input=move |ev| set_note.set(event_target_value(&ev))></textarea>
            {error_for("note")}
            {error_for("author")}

            <button id="visit-save" type="submit" class="primary">"保存"</button>
        </form>
    }
}

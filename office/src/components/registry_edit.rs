//! The one form of the 信息库 page: add or edit a committee, branch, person or place, and
//! merge a village into another (撤并). Moving is editing: a person's 所在党组织 or a
//! branch's 上级党组织 changed here is a move, which the server carries out as a handover
//! (`…/move`), then the other fields are saved. The server validates with the same rules as
//! the spreadsheet import and answers in Chinese; what was typed stays on an error.

use crate::components::api::enc;
use crate::components::post::{post_json, put_json};
use crate::i18n::t;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::domain::records::TieIn;
use shared::model::{BranchKind, CommitteeKind, PlaceKind, Registry, Role, StaffRole};
use shared::registry_admin::{
    BranchEdit, CommitteeEdit, Identity, ItemKind, MergePlace, MoveBranch, MovePerson, PersonEdit,
    PlaceEdit, RegistryListing, Saved,
};

/// What the form edits. `id` is empty for a new item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Editing {
    Item { kind: ItemKind, id: String },
    Merge { id: String },
}

/// The form's values, by field, from the item as it stands (or empty for a new one).
fn initial(e: &Editing, l: &RegistryListing) -> Vec<(&'static str, String)> {
    let r = &l.registry;
    let v = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    };
    match e {
        Editing::Merge { .. } => v(&[("into", "")]),
        Editing::Item { kind, id } => match kind {
            ItemKind::Committee => match r.committees.get(id) {
                Some(c) => v(&[
                    ("id", c.id.as_str()),
                    ("name", c.name.as_str()),
                    ("kind", c.kind.code()),
                ]),
                None => v(&[("id", ""), ("name", ""), ("kind", "")]),
            },
            ItemKind::Branch => match r.branches.get(id) {
                Some(b) => v(&[
                    ("id", b.id.as_str()),
                    ("name", b.name.as_str()),
                    ("kind", b.kind.code()),
                    ("committee", b.committee.as_str()),
                    ("place", b.place.as_deref().unwrap_or("")),
                ]),
                None => v(&[
                    ("id", ""),
                    ("name", ""),
                    ("kind", ""),
                    ("committee", ""),
                    ("place", ""),
                ]),
            },
            ItemKind::Place => match r.places.get(id) {
                Some(p) => {
                    let tags = l.tags.get(id).cloned().unwrap_or_default().join(",");
                    v(&[
                        ("id", p.id.as_str()),
                        ("name", p.name.as_str()),
                        ("kind", p.kind.code()),
                        ("township", p.township.as_str()),
                        ("tags", tags.as_str()),
                    ])
                }
                None => v(&[
                    ("id", ""),
                    ("name", ""),
                    ("kind", ""),
                    ("township", ""),
                    ("tags", ""),
                ]),
            },
            ItemKind::Person => {
                let phone = l.phones.get(id).cloned().unwrap_or_default();
                if let Some(p) = r.people.get(id) {
                    v(&[
                        ("id", p.id.as_str()),
                        ("name", p.name.as_str()),
                        ("phone", phone.as_str()),
                        ("org", p.branch.as_str()),
                        ("identity", identity_of_role(p.role).code()),
                        ("position", p.position.as_str()),
                    ])
                } else if let Some(s) = r.staff.get(id) {
                    let identity = match s.role {
                        StaffRole::CommitteeStaff => Identity::CommitteeStaff,
                        StaffRole::OfficeStaff => Identity::OfficeStaff,
                    };
                    v(&[
                        ("id", s.id.as_str()),
                        ("name", s.name.as_str()),
                        ("phone", phone.as_str()),
                        ("org", s.org.as_str()),
                        ("identity", identity.code()),
                        ("position", s.position.as_str()),
                    ])
                } else {
                    v(&[
                        ("id", ""),
                        ("name", ""),
                        ("phone", ""),
                        ("org", ""),
                        ("identity", Identity::Member.code()),
                        ("position", ""),
                    ])
                }
            }
        },
    }
}

pub fn identity_of_role(r: Role) -> Identity {
    match r {
        Role::Member => Identity::Member,
        Role::Leader => Identity::Leader,
        Role::Secretary => Identity::Secretary,
    }
}

/// The org (branch or committee) a person sits in now, to tell a move from an edit.
fn current_org(r: &Registry, id: &str) -> Option<String> {
    r.people
        .get(id)
        .map(|p| p.branch.clone())
        .or_else(|| r.staff.get(id).map(|s| s.org.clone()))
}

fn kind_word(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Committee => t("registry.committee"),
        ItemKind::Branch => t("registry.branch"),
        ItemKind::Person => t("registry.person"),
        ItemKind::Place => t("registry.place"),
    }
}

/// Saves what the form holds; the message to show on success.
async fn save(
    e: Editing,
    vals: Vec<(&'static str, String)>,
    listing: RegistryListing,
) -> Result<String, String> {
    let get = |k: &str| {
        vals.iter()
            .find(|(f, _)| *f == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let need = |k: &str, what: &'static str| {
        let v = get(k);
        if v.is_empty() {
            Err(t(what).to_string())
        } else {
            Ok(v)
        }
    };
    let r = &listing.registry;
    match e {
        Editing::Merge { id } => {
            let into = need("into", "registry.need_into")?;
            let url = format!("/api/office/registry/places/{}/merge", enc(&id));
            post_json::<_, Saved>(&url, &MergePlace { into }).await?;
            Ok(t("registry.merged_done").to_string())
        }
        Editing::Item { kind, id } => {
            let new = id.is_empty();
            let base = format!("/api/office/registry/{}", kind.segment());
            let code = if new {
                need("id", "registry.need_code")?
            } else {
                id.clone()
            };
            let url = format!("{base}/{}", enc(&code));
            let name = need("name", "registry.need_name")?;
            let mut warnings = Vec::new();
            macro_rules! send {
                ($body:expr) => {
                    if new {
                        post_json::<_, Saved>(&base, &$body).await?
                    } else {
                        put_json::<_, Saved>(&url, &$body).await?
                    }
                };
            }
            let saved = match kind {
                ItemKind::Committee => {
                    let kind = CommitteeKind::from_code(&get("kind"))
                        .ok_or_else(|| t("registry.need_kind").to_string())?;
                    send!(CommitteeEdit {
                        id: code,
                        name,
                        kind
                    })
                }
                ItemKind::Branch => {
                    let kind = BranchKind::from_code(&get("kind"))
                        .ok_or_else(|| t("registry.need_kind").to_string())?;
                    let committee = need("committee", "registry.need_parent")?;
                    let place = Some(get("place")).filter(|p| !p.is_empty());
                    if !new
                        && r.branches
                            .get(&code)
                            .is_some_and(|b| b.committee != committee)
                    {
                        let m = post_json::<_, Saved>(
                            &format!("{url}/move"),
                            &MoveBranch {
                                committee: committee.clone(),
                            },
                        )
                        .await?;
                        warnings.extend(m.warnings);
                    }
                    send!(BranchEdit {
                        id: code,
                        name,
                        kind,
                        committee,
                        place
                    })
                }
                ItemKind::Place => {
                    let kind = PlaceKind::from_code(&get("kind"))
                        .ok_or_else(|| t("registry.need_kind").to_string())?;
                    let township = need("township", "registry.need_township")?;
                    let tags = get("tags")
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    send!(PlaceEdit {
                        id: code,
                        name,
                        kind,
                        township,
                        tags
                    })
                }
                ItemKind::Person => {
                    let identity = Identity::from_code(&get("identity"))
                        .ok_or_else(|| t("registry.need_identity").to_string())?;
                    let org = get("org");
                    if org.is_empty() && identity != Identity::OfficeStaff {
                        return Err(t("registry.need_org").to_string());
                    }
                    if !new && current_org(r, &code).is_some_and(|o| o != org) {
                        let m = post_json::<_, Saved>(
                            &format!("{url}/move"),
                            &MovePerson { org: org.clone() },
                        )
                        .await?;
                        warnings.extend(m.warnings);
                    }
                    send!(PersonEdit {
                        id: code,
                        name,
                        phone: get("phone"),
                        org,
                        identity,
                        position: get("position")
                    })
                }
            };
            // Warnings are not errors (e.g. a person moved whose phone still holds unsynced
            // entries): the change is saved and the office is told.
            warnings.extend(saved.warnings);
            let mut message = t("registry.saved").to_string();
            for w in warnings {
                message.push('；');
                message.push_str(&w);
            }
            Ok(message)
        }
    }
}

#[component]
pub fn EditForm(
    editing: Editing,
    listing: RegistryListing,
    on_saved: Callback<String>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let fields: Vec<(&'static str, RwSignal<String>)> = initial(&editing, &listing)
        .into_iter()
        .map(|(k, v)| (k, RwSignal::new(v)))
        .collect();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let value = {
        let fields = fields.clone();
        move |f: &str| fields.iter().find(|(k, _)| *k == f).map(|(_, s)| *s)
    };
    let r = listing.registry.clone();
    let (title, item_kind, new) = match &editing {
        Editing::Merge { .. } => (t("registry.merge_title").to_string(), None, false),
        Editing::Item { kind, id } if id.is_empty() => (
            format!("{}{}", t("registry.add"), kind_word(*kind)),
            Some(*kind),
            true,
        ),
        Editing::Item { kind, id } => (
            format!("{}{}：{id}", t("registry.edit_title"), kind_word(*kind)),
            Some(*kind),
            false,
        ),
    };

    let submit = {
        let fields = fields.clone();
        let editing = editing.clone();
        let listing = listing.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let vals: Vec<(&'static str, String)> = fields
                .iter()
                .map(|(k, s)| (*k, s.get_untracked()))
                .collect();
            busy.set(true);
            error.set(None);
            let (e, l) = (editing.clone(), listing.clone());
            spawn_local(async move {
                match save(e, vals, l).await {
                    Ok(m) => on_saved.run(m),
                    Err(m) => error.set(Some(m)),
                }
                busy.set(false);
            });
        }
    };

    let text = |f: &'static str,
                label: &'static str,
                hint: Option<&'static str>,
                disabled: bool| {
        value(f).map(|s| {
            view! {
                <label>{t(label)}
                    <input id=format!("edit-{f}") type=if f == "phone" { "tel" } else { "text" } bind:value=s
                        disabled=disabled placeholder=hint.map(t).unwrap_or("") />
                </label>
            }
        })
    };
    let choice = |f: &'static str, label: &'static str, options: Vec<(String, String)>| {
        value(f).map(|s| {
            let opts = options
                .into_iter()
                .map(|(v, l)| {
                    let v2 = v.clone();
                    view! { <option value=v selected=move || s.get() == v2>{l}</option> }
                })
                .collect_view();
            view! {
                <label>{t(label)}
                    <select id=format!("edit-{f}") on:change=move |ev| s.set(event_target_value(&ev))>
                        <option value="" selected=move || s.get().is_empty()>{t("registry.choose")}</option>
                        {opts}
                    </select>
                </label>
            }
        })
    };
    fn labels<T: Copy>(
        all: &[T],
        code: fn(T) -> &'static str,
        label: fn(T) -> &'static str,
    ) -> Vec<(String, String)> {
        all.iter()
            .map(|k| (code(*k).to_string(), label(*k).to_string()))
            .collect()
    }
    let active_committees = |township_only: bool| -> Vec<(String, String)> {
        r.committees
            .values()
            .filter(|c| {
                c.status.is_active() && (!township_only || c.kind == CommitteeKind::Township)
            })
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect()
    };
    let editing_id = match &editing {
        Editing::Item { id, .. } | Editing::Merge { id } => id.clone(),
    };
    let places: Vec<(String, String)> = r
        .places
        .values()
        .filter(|p| p.status.is_active() && p.id != editing_id)
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let villages: Vec<(String, String)> = r
        .places
        .values()
        .filter(|p| p.status.is_active() && p.id != editing_id && p.kind == PlaceKind::Village)
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    // A person's org: a branch for field people, a committee for committee staff.
    let orgs: Vec<(String, String)> = r
        .branches
        .values()
        .filter(|b| b.status.is_active())
        .map(|b| {
            let c = r
                .committees
                .get(&b.committee)
                .map_or("", |c| c.name.as_str());
            (b.id.clone(), format!("{} · {c}", b.name))
        })
        .chain(
            active_committees(false)
                .into_iter()
                .map(|(id, n)| (id, format!("{n}（{}）", t("registry.committee_staff_only")))),
        )
        .collect();

    let inputs = match item_kind {
        Some(ItemKind::Committee) => view! {
            {text("id", "registry.code", Some("registry.code_hint"), !new)}
            {text("name", "registry.name", None, false)}
            {choice("kind", "registry.kind", labels(CommitteeKind::ALL, CommitteeKind::code, CommitteeKind::label))}
        }
        .into_any(),
        Some(ItemKind::Branch) => view! {
            {text("id", "registry.code", Some("registry.code_hint"), !new)}
            {text("name", "registry.name", None, false)}
            {choice("kind", "registry.kind", labels(BranchKind::ALL, BranchKind::code, BranchKind::label))}
            {choice("committee", "registry.parent", active_committees(false))}
            {choice("place", "registry.linked", places)}
        }
        .into_any(),
        Some(ItemKind::Person) => view! {
            {text("id", "registry.code", Some("registry.code_hint"), !new)}
            {text("name", "registry.person_name", None, false)}
            {text("phone", "registry.phone", None, false)}
            {choice("org", "registry.in_branch", orgs)}
            {choice("identity", "registry.role", labels(Identity::ALL, Identity::code, Identity::label))}
            {text("position", "registry.position", None, false)}
        }
        .into_any(),
        Some(ItemKind::Place) => view! {
            {text("id", "registry.code", Some("registry.code_hint"), !new)}
            {text("name", "registry.name", None, false)}
            {choice("kind", "registry.kind", labels(PlaceKind::ALL, PlaceKind::code, PlaceKind::label))}
            {choice("township", "registry.township", active_committees(true))}
            {value("tags").map(|s| view! { <TagChoice tags=s /> })}
        }
        .into_any(),
        None => {
            let name = r.places.get(&editing_id).map(|p| p.name.clone()).unwrap_or_default();
            view! {
                <p>{t("registry.merge_how").replace("{}", &name)}</p>
                {choice("into", "registry.merge_into", villages)}
            }
            .into_any()
        }
    };
    view! {
        <form class="registry-edit" id="registry-edit" on:submit=submit novalidate>
            <h3>{title}</h3>
            <div class="edit-fields">{inputs}</div>
            {move || error.get().map(|e| view! { <p class="field-error" id="edit-error" role="alert">{e}</p> })}
            <p class="filters">
                <button type="submit" class="primary" id="edit-save" disabled=move || busy.get()>{t("registry.save")}</button>
                <button type="button" id="edit-cancel" on:click=move |_| on_cancel.run(())>{t("registry.cancel")}</button>
            </p>
        </form>
    }
}

/// 五个结合 as checkboxes; the signal holds the chosen codes joined by commas.
#[component]
fn TagChoice(tags: RwSignal<String>) -> impl IntoView {
    let has = move |code: &str| tags.with(|t| t.split(',').any(|c| c == code));
    let toggle = move |code: &'static str| {
        tags.update(|t| {
            let mut list: Vec<&str> = t
                .split(',')
                .filter(|c| !c.is_empty() && *c != code)
                .collect();
            if !t.split(',').any(|c| c == code) {
                list.push(code);
            }
            *t = list.join(",");
        });
    };
    view! {
        <fieldset class="tags">
            <legend>{t("registry.tags")}</legend>
            {TieIn::ALL.iter().map(|k| {
                let code = k.code();
                view! {
                    <label class="check">
                        <input type="checkbox" data-tag=code prop:checked=move || has(code) on:change=move |_| toggle(code) />
                        {k.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

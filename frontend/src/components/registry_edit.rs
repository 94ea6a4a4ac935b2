//! The one form of the 信息库 page: add or edit a committee, branch, person or place, and
//! merge a village into another (撤并). Moving is editing: a person's 所在党组织 or a
//! branch's 上级党组织 changed here is a move, which the server carries out as a handover.
//! The server validates with the same rules as the spreadsheet import and answers in
//! Chinese; what was typed stays in the form on an error.

use crate::components::office_post::post_json;
use crate::i18n::t;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::office::{RegistryView, ViewBranch, ViewCommittee, ViewPerson, ViewPlace};

/// What is being edited: its kind, its id (empty when new) and the form's values by field.
#[derive(Clone, Debug, PartialEq)]
pub struct Editing {
    pub kind: &'static str,
    pub id: String,
    pub values: Vec<(&'static str, String)>,
}

impl Editing {
    pub fn new(kind: &'static str) -> Self {
        Editing { kind, id: String::new(), values: Vec::new() }
    }
    pub fn committee(c: &ViewCommittee) -> Self {
        Editing {
            kind: "committee",
            id: c.id.clone(),
            values: vec![("code", c.code.clone()), ("name", c.name.clone()), ("kind", c.kind_label.clone())],
        }
    }
    pub fn branch(b: &ViewBranch) -> Self {
        Editing {
            kind: "branch",
            id: b.id.clone(),
            values: vec![
                ("code", b.code.clone()),
                ("name", b.name.clone()),
                ("kind", b.kind_label.clone()),
                ("committee", b.committee.clone()),
                ("place", b.place.clone().unwrap_or_default()),
            ],
        }
    }
    pub fn person(p: &ViewPerson) -> Self {
        Editing {
            kind: "person",
            id: p.id.clone(),
            values: vec![
                ("code", p.code.clone()),
                ("name", p.name.clone()),
                ("phone", p.phone.clone()),
                ("branch", p.branch.clone()),
                ("role", p.role_label.clone()),
                ("position", p.position.clone()),
            ],
        }
    }
    pub fn place(p: &ViewPlace) -> Self {
        Editing {
            kind: "place",
            id: p.id.clone(),
            values: vec![
                ("code", p.code.clone()),
                ("name", p.name.clone()),
                ("kind", p.kind_label.clone()),
                ("township", p.township.clone()),
                ("tags", p.tags.join("、")),
            ],
        }
    }
    pub fn merge(p: &ViewPlace) -> Self {
        Editing { kind: "merge", id: p.id.clone(), values: vec![("into", String::new())] }
    }
    fn get(&self, field: &str) -> String {
        self.values.iter().find(|(k, _)| *k == field).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

const COMMITTEE_KINDS: &[&str] = &["乡镇党委", "工委", "部门党委"];
const BRANCH_KINDS: &[&str] = &["机关支部", "事业支部", "农村支部", "社区支部", "企业支部"];
const PLACE_KINDS: &[&str] = &["村", "社区", "企业"];
const ROLES: &[&str] = &["党员", "联点领导", "支部书记"];

#[component]
pub fn EditForm(
    editing: Editing,
    view: RegistryView,
    on_saved: Callback<String>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let kind = editing.kind;
    let id = editing.id.clone();
    let fields: Vec<(&'static str, RwSignal<String>)> = match kind {
        "committee" => vec!["code", "name", "kind"],
        "branch" => vec!["code", "name", "kind", "committee", "place"],
        "person" => vec!["code", "name", "phone", "branch", "role", "position"],
        "place" => vec!["code", "name", "kind", "township", "tags"],
        _ => vec!["into"],
    }
    .into_iter()
    .map(|f| (f, RwSignal::new(editing.get(f))))
    .collect();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let value = {
        let fields = fields.clone();
        move |f: &str| fields.iter().find(|(k, _)| *k == f).map(|(_, s)| *s)
    };
    let title = match (kind, id.is_empty()) {
        ("merge", _) => t("registry.merge_title"),
        (_, true) => t("registry.add"),
        (_, false) => t("registry.edit"),
    };
    let kind_word = match kind {
        "committee" => t("registry.committee"),
        "branch" => t("registry.branch"),
        "person" => t("registry.person"),
        "place" => t("registry.place"),
        _ => view.places.iter().find(|p| p.id == id).map_or("", |_| ""),
    };
    let merged_name = view
        .places
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.clone())
        .unwrap_or_default();

    let submit = {
        let fields = fields.clone();
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut body = serde_json::Map::new();
            if !id.is_empty() {
                body.insert("id".into(), id.clone().into());
            }
            for (k, s) in &fields {
                body.insert((*k).into(), s.get_untracked().trim().to_string().into());
            }
            busy.set(true);
            error.set(None);
            let url = format!("/api/office/registry/{kind}");
            spawn_local(async move {
                match post_json::<_, serde_json::Value>(&url, &body).await {
                    Ok(_) => on_saved.run(t("registry.saved").to_string()),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };

    let text = |f: &'static str, label: &'static str, hint: Option<&'static str>| {
        let s = value(f);
        s.map(|s| {
            view! {
                <label>{t(label)}
                    <input id=format!("edit-{f}") type=if f == "phone" { "tel" } else { "text" } bind:value=s
                        placeholder=hint.map(t).unwrap_or("") />
                </label>
            }
        })
    };
    let choice = |f: &'static str, label: &'static str, options: Vec<(String, String)>| {
        let s = value(f);
        s.map(|s| {
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
                        <option value="">{t("registry.choose")}</option>
                        {opts}
                    </select>
                </label>
            }
        })
    };
    let words = |list: &[&str]| list.iter().map(|w| (w.to_string(), w.to_string())).collect::<Vec<_>>();
    let committees: Vec<(String, String)> = view
        .committees
        .iter()
        .filter(|c| !c.retired)
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let townships: Vec<(String, String)> = view
        .committees
        .iter()
        .filter(|c| !c.retired && c.kind_label == "乡镇党委")
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let branches: Vec<(String, String)> = view
        .branches
        .iter()
        .filter(|b| !b.retired)
        .map(|b| (b.id.clone(), b.name.clone()))
        .collect();
    let places: Vec<(String, String)> = view
        .places
        .iter()
        .filter(|p| !p.retired && p.id != id)
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let villages: Vec<(String, String)> = view
        .places
        .iter()
        .filter(|p| !p.retired && p.id != id && p.kind_label == "村")
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();

    let inputs = match kind {
        "committee" => view! {
            {text("code", "registry.code", Some("registry.code_hint"))}
            {text("name", "registry.name", None)}
            {choice("kind", "registry.kind", words(COMMITTEE_KINDS))}
        }
        .into_any(),
        "branch" => view! {
            {text("code", "registry.code", Some("registry.code_hint"))}
            {text("name", "registry.name", None)}
            {choice("kind", "registry.kind", words(BRANCH_KINDS))}
            {choice("committee", "registry.parent", committees)}
            {choice("place", "registry.linked", places)}
        }
        .into_any(),
        "person" => view! {
            {text("code", "registry.code", Some("registry.code_hint"))}
            {text("name", "registry.name", None)}
            {text("phone", "registry.phone", None)}
            {choice("branch", "registry.in_branch", branches)}
            {choice("role", "registry.role", words(ROLES))}
            {text("position", "registry.position", None)}
        }
        .into_any(),
        "place" => view! {
            {text("code", "registry.code", Some("registry.code_hint"))}
            {text("name", "registry.name", None)}
            {choice("kind", "registry.kind", words(PLACE_KINDS))}
            {choice("township", "registry.township", townships)}
            {text("tags", "registry.tags", Some("registry.tags_hint"))}
        }
        .into_any(),
        _ => view! {
            <p>{t("registry.merge_how").replace("{}", &merged_name)}</p>
            {choice("into", "registry.merge_into", villages)}
        }
        .into_any(),
    };
    view! {
        <form class="registry-edit" id="registry-edit" on:submit=submit novalidate>
            <h3>{format!("{title}{kind_word}")}</h3>
            <div class="edit-fields">{inputs}</div>
            {move || error.get().map(|e| view! { <p class="field-error" id="edit-error" role="alert">{e}</p> })}
            <p class="filters">
                <button type="submit" class="primary" id="edit-save" disabled=move || busy.get()>{t("registry.save")}</button>
                <button type="button" id="edit-cancel" on:click=move |_| on_cancel.run(())>{t("registry.cancel")}</button>
            </p>
        </form>
    }
}

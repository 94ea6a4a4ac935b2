//! 信息库 (issue 13): the county's own tree — committees → branches → people, and the
//! villages, communities and enterprises with their township and 五个结合 tags — kept by
//! the county office (whole county) and committee staff (their own committee). Every
//! action is one request; the server writes it into the registry with the user's own
//! actor, so each item's 修改历史 names who changed what. Retired items stay, struck.

use crate::components::office_api::{enc, fetch_json};
use crate::components::office_post::post_json;
use crate::components::registry_edit::{EditForm, Editing};
use crate::i18n::t;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::office::{RegistryHistory, RegistryView, ViewBranch, ViewCommittee, ViewPerson, ViewPlace};

#[component]
pub fn OfficeRegistryPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let view_res = LocalResource::new(move || {
        reload.track();
        fetch_json::<RegistryView>("/api/office/registry".to_string())
    });
    let editing = RwSignal::new(None::<Editing>);
    let history = RwSignal::new(None::<(String, Result<RegistryHistory, String>)>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let show_retired = RwSignal::new(true);
    let filter = RwSignal::new(String::new());
    let tab = RwSignal::new("tree");

    let open_history = move |item: String, label: String| {
        history.set(Some((label.clone(), Err(t("office.loading").to_string()))));
        spawn_local(async move {
            let r = fetch_json::<RegistryHistory>(format!(
                "/api/office/registry/history?item={}",
                enc(&item)
            ))
            .await;
            history.set(Some((label, r)));
        });
    };
    let saved = Callback::new(move |m: String| {
        editing.set(None);
        message.set(Some(Ok(m)));
        reload.update(|n| *n += 1);
    });
    let actions = Actions {
        edit: Callback::new(move |e: Editing| {
            message.set(None);
            editing.set(Some(e));
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }),
        history: Callback::new(move |(item, label): (String, String)| open_history(item, label)),
        retire: Callback::new(move |(item, retired): (String, bool)| {
            spawn_local(async move {
                let body = serde_json::json!({ "item": item, "retired": retired });
                match post_json::<_, serde_json::Value>("/api/office/registry/retire", &body).await {
                    Ok(_) => saved.run(
                        if retired { t("registry.retired_done") } else { t("registry.restored_done") }.to_string(),
                    ),
                    Err(e) => message.set(Some(Err(e))),
                }
            });
        }),
    };

    let body = move || match view_res.get() {
        None => view! { <p class="empty">{t("office.loading")}</p> }.into_any(),
        Some(Err(e)) => view! { <p class="warning">{e}</p> }.into_any(),
        Some(Ok(v)) => {
            let v2 = v.clone();
            let tree = move || {
                let f = filter.get();
                let all = show_retired.get();
                view! { <Tree v=v2.clone() filter=f show_retired=all actions=actions /> }
            };
            let v3 = v.clone();
            let places = move || {
                let f = filter.get();
                let all = show_retired.get();
                view! { <Places v=v3.clone() filter=f show_retired=all actions=actions /> }
            };
            let empty = v.committees.is_empty() && v.places.is_empty();
            view! {
                {empty.then(|| view! { <p class="hint" id="registry-empty">{t("registry.empty")}</p> })}
                {move || if tab.get() == "tree" { tree().into_any() } else { places().into_any() }}
            }
            .into_any()
        }
    };
    let view_for_form = move || view_res.get().and_then(Result::ok);
    view! {
        <section class="card office wide-page" id="office-registry">
            <h2>{t("registry.title")}</h2>
            <p class="office-nav">
                <a href="/office">{t("office.overview")}</a>" · "
                <a href="/office/registry/import" id="nav-import">{t("import.title")}</a>" · "
                <a href="/office/accounts" id="nav-accounts">{t("accounts.title")}</a>
            </p>
            <div class="filters">
                <button type="button" id="tab-tree" aria-pressed=move || (tab.get() == "tree").to_string()
                    on:click=move |_| tab.set("tree")>{t("registry.tree")}</button>
                <button type="button" id="tab-places" aria-pressed=move || (tab.get() == "places").to_string()
                    on:click=move |_| tab.set("places")>{t("registry.places")}</button>
                <label>{t("registry.filter")}<input type="search" id="registry-filter" bind:value=filter /></label>
                <label class="check"><input type="checkbox" id="show-retired" bind:checked=show_retired />
                    {t("registry.show_retired")}</label>
            </div>
            <p class="filters">
                {[("committee", "registry.add_committee"), ("branch", "registry.add_branch"),
                  ("person", "registry.add_person"), ("place", "registry.add_place")]
                    .into_iter()
                    .map(|(kind, label)| view! {
                        <button type="button" id=format!("add-{kind}")
                            on:click=move |_| actions.edit.run(Editing::new(kind))>{t(label)}</button>
                    })
                    .collect_view()}
            </p>
            {move || message.get().map(|m| match m {
                Ok(s) => view! { <p id="registry-message" class="stamp" role="status">{s}</p> }.into_any(),
                Err(e) => view! { <p id="registry-message" class="warning" role="alert">{e}</p> }.into_any(),
            })}
            {move || editing.get().zip(view_for_form()).map(|(e, v)| view! {
                <EditForm editing=e view=v on_saved=saved on_cancel=Callback::new(move |()| editing.set(None)) />
            })}
            {move || history.get().map(|(label, h)| view! { <History label=label h=h on_close=Callback::new(move |()| history.set(None)) /> })}
            {body}
        </section>
    }
}

/// What a row's buttons do; `Copy` so every row gets it.
#[derive(Clone, Copy)]
struct Actions {
    edit: Callback<Editing>,
    history: Callback<(String, String)>,
    retire: Callback<(String, bool)>,
}

fn matches(f: &str, texts: &[&str]) -> bool {
    f.is_empty() || texts.iter().any(|s| s.contains(f))
}

/// The buttons of one item: 修改, 停用/撤销 (or 恢复), 修改历史.
fn row_buttons(actions: Actions, item: String, label: String, retired: bool, edit: Editing, retire_word: &'static str) -> impl IntoView {
    let (i1, i2, l2) = (item.clone(), item, label);
    view! {
        <span class="row-actions">
            <button type="button" class="link edit" on:click=move |_| actions.edit.run(edit.clone())>{t("registry.edit")}</button>
            <button type="button" class="link retire" on:click=move |_| actions.retire.run((i1.clone(), !retired))>
                {if retired { t("registry.restore") } else { t(retire_word) }}</button>
            <button type="button" class="link history" on:click=move |_| actions.history.run((i2.clone(), l2.clone()))>
                {t("registry.history")}</button>
        </span>
    }
}

#[component]
fn Tree(v: RegistryView, filter: String, show_retired: bool, actions: Actions) -> impl IntoView {
    let committees = v
        .committees
        .iter()
        .filter(|c| show_retired || !c.retired)
        .map(|c| committee_block(&v, c, &filter, show_retired, actions))
        .collect_view();
    view! { <div class="registry-tree" id="registry-tree">{committees}</div> }
}

fn committee_block(v: &RegistryView, c: &ViewCommittee, f: &str, all: bool, actions: Actions) -> impl IntoView {
    let branches: Vec<&ViewBranch> = v
        .branches
        .iter()
        .filter(|b| b.committee == c.id && (all || !b.retired))
        .collect();
    let rows = branches
        .iter()
        .map(|b| branch_block(v, b, f, all, actions))
        .collect_view();
    let edit = Editing::committee(c);
    view! {
        <details class="committee" open=true data-id=c.id.clone() class:retired=c.retired>
            <summary>
                <strong class="name">{c.name.clone()}</strong>
                " " <span class="tag">{c.kind_label.clone()}</span>
                " " <span class="code">{c.code.clone()}</span>
                {c.retired.then(|| view! { " " <span class="tag retired-tag">{t("registry.revoked")}</span> })}
                " " {row_buttons(actions, c.id.clone(), c.name.clone(), c.retired, edit, "registry.revoke")}
            </summary>
            {rows}
        </details>
    }
    .into_any()
    .pipe_if(!matches(f, &[&c.name, &c.code]) && !branches.iter().any(|b| branch_matches(v, b, f)))
}

/// Hides a block when the filter matches nothing in it.
trait PipeIf {
    fn pipe_if(self, hide: bool) -> AnyView;
}
impl PipeIf for AnyView {
    fn pipe_if(self, hide: bool) -> AnyView {
        if hide {
            ().into_any()
        } else {
            self
        }
    }
}

fn branch_matches(v: &RegistryView, b: &ViewBranch, f: &str) -> bool {
    matches(f, &[&b.name, &b.code])
        || v.people.iter().any(|p| p.branch == b.id && matches(f, &[&p.name, &p.phone, &p.code]))
}

fn branch_block(v: &RegistryView, b: &ViewBranch, f: &str, all: bool, actions: Actions) -> AnyView {
    if !branch_matches(v, b, f) {
        return ().into_any();
    }
    let show_all_people = matches(f, &[&b.name, &b.code]);
    let people = v
        .people
        .iter()
        .filter(|p| p.branch == b.id && (all || !p.retired))
        .filter(|p| show_all_people || matches(f, &[&p.name, &p.phone, &p.code]))
        .map(|p| person_row(p, actions))
        .collect_view();
    let place = b
        .place
        .as_ref()
        .and_then(|id| v.places.iter().find(|p| &p.id == id))
        .map(|p| format!("{}：{}", t("registry.linked"), p.name));
    let edit = Editing::branch(b);
    view! {
        <details class="branch" open=!f.is_empty() data-id=b.id.clone() class:retired=b.retired>
            <summary>
                <span class="name">{b.name.clone()}</span>
                " " <span class="tag">{b.kind_label.clone()}</span>
                " " <span class="code">{b.code.clone()}</span>
                {place.map(|p| view! { " " <small>{p}</small> })}
                {b.retired.then(|| view! { " " <span class="tag retired-tag">{t("registry.revoked")}</span> })}
                " " {row_buttons(actions, b.id.clone(), b.name.clone(), b.retired, edit, "registry.revoke")}
            </summary>
            <div class="scroll">
                <table class="office-table people">
                    <thead><tr><th>{t("registry.name")}</th><th>{t("registry.phone")}</th><th>{t("registry.role")}</th>
                        <th>{t("registry.position")}</th><th>{t("registry.code")}</th><th></th></tr></thead>
                    <tbody>{people}</tbody>
                </table>
            </div>
        </details>
    }
    .into_any()
}

fn person_row(p: &ViewPerson, actions: Actions) -> impl IntoView {
    let edit = Editing::person(p);
    view! {
        <tr data-id=p.id.clone() class:retired=p.retired>
            <td class="name">{p.name.clone()}</td>
            <td>{p.phone.clone()}</td>
            <td>{p.role_label.clone()}</td>
            <td>{p.position.clone()}</td>
            <td class="code">{p.code.clone()}</td>
            <td>{row_buttons(actions, p.id.clone(), p.name.clone(), p.retired, edit, "registry.retire")}</td>
        </tr>
    }
}

#[component]
fn Places(v: RegistryView, filter: String, show_retired: bool, actions: Actions) -> impl IntoView {
    let township = |id: &str| {
        v.committees
            .iter()
            .find(|c| c.id == id)
            .map_or_else(String::new, |c| c.name.clone())
    };
    let rows = v
        .places
        .iter()
        .filter(|p| show_retired || !p.retired)
        .filter(|p| matches(&filter, &[&p.name, &p.code]))
        .map(|p| place_row(p, township(&p.township), &v, actions))
        .collect_view();
    view! {
        <div class="scroll">
            <table class="office-table places" id="registry-places">
                <thead><tr><th>{t("registry.name")}</th><th>{t("registry.kind")}</th><th>{t("registry.township")}</th>
                    <th>{t("registry.tags")}</th><th>{t("registry.code")}</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn place_row(p: &ViewPlace, township: String, v: &RegistryView, actions: Actions) -> impl IntoView {
    let edit = Editing::place(p);
    let merged = p.merged_into.as_ref().map(|m| {
        let name = v.places.iter().find(|q| &q.id == m).map_or_else(|| m.clone(), |q| q.name.clone());
        format!("{} {name}", t("registry.merged_into"))
    });
    let merge = Editing::merge(p);
    view! {
        <tr data-id=p.id.clone() class:retired=p.retired>
            <td class="name">{p.name.clone()}{merged.map(|m| view! { <small class="merged">" "{m}</small> })}</td>
            <td>{p.kind_label.clone()}</td>
            <td>{township}</td>
            <td>{p.tags.join("、")}</td>
            <td class="code">{p.code.clone()}</td>
            <td>
                {row_buttons(actions, p.id.clone(), p.name.clone(), p.retired, edit, "registry.revoke")}
                {(!p.retired && p.kind_label == "村").then(|| view! {
                    <button type="button" class="link merge" on:click=move |_| actions.edit.run(merge.clone())>
                        {t("registry.merge")}</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn History(label: String, h: Result<RegistryHistory, String>, on_close: Callback<()>) -> impl IntoView {
    let body = match h {
        Err(e) => view! { <p class="stamp">{e}</p> }.into_any(),
        Ok(h) if h.changes.is_empty() => view! { <p class="empty">{t("registry.no_history")}</p> }.into_any(),
        Ok(h) => {
            let rows = h
                .changes
                .into_iter()
                .map(|c| {
                    view! {
                        <tr><td>{c.when}</td><td>{c.who}</td><td>{c.field}</td>
                            <td class="old">{c.old}</td><td class="new">{c.new}</td></tr>
                    }
                })
                .collect_view();
            view! {
                <div class="scroll">
                    <table class="office-table history-table" id="history-table">
                        <thead><tr><th>{t("history.when")}</th><th>{t("history.who")}</th><th>{t("history.field")}</th>
                            <th>{t("history.old")}</th><th>{t("history.new")}</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <div class="registry-history" id="registry-history" role="region">
            <h3>{format!("{label} · {}", t("registry.history"))}
                " " <button type="button" class="link" on:click=move |_| on_close.run(())>{t("registry.close")}</button></h3>
            {body}
        </div>
    }
}

//! 信息库 (issue 13): the county's own tree — committees → branches → people, and the
//! villages, communities and enterprises with their township and 五个结合 tags — kept by
//! the county office (whole county) and committee staff (their own committee; the server
//! sends them only that part). Every action is one request; the server writes it into the
//! registry with the user's own actor, so each item's 修改历史 names who changed what.
//! Retired items stay, struck through: nothing is ever deleted.

use crate::components::api::{enc, fetch_json, fetched, loaded, notice};
use crate::components::post::post_empty;
use crate::components::registry_edit::{EditForm, Editing};
use crate::i18n::t;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::domain::records::TieIn;
use shared::model::{Branch, Committee, Person, Place, PlaceKind, Staff};
use shared::registry_admin::{HistoryEntry, ItemKind, RegistryListing, Saved};

#[component]
pub fn OfficeRegistryPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let listing = fetched::<RegistryListing>(move || {
        reload.track();
        Some("/api/office/registry".to_string())
    });
    let editing = RwSignal::new(None::<Editing>);
    let history = RwSignal::new(None::<(String, Result<Vec<HistoryEntry>, String>)>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let show_retired = RwSignal::new(true);
    let filter = RwSignal::new(String::new());
    let tab = RwSignal::new("tree");

    let saved = Callback::new(move |m: String| {
        editing.set(None);
        message.set(Some(Ok(m)));
        reload.update(|n| *n += 1);
    });
    let actions = Actions {
        edit: Callback::new(move |e: Editing| {
            message.set(None);
            history.set(None);
            editing.set(Some(e));
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }),
        history: Callback::new(move |(kind, id, label): (ItemKind, String, String)| {
            history.set(Some((label.clone(), Err(t("office.loading").to_string()))));
            spawn_local(async move {
                let url = format!(
                    "/api/office/registry/{}/{}/history",
                    kind.segment(),
                    enc(&id)
                );
                history.set(Some((label, fetch_json::<Vec<HistoryEntry>>(url).await)));
            });
        }),
        retire: Callback::new(move |(kind, id, retire): (ItemKind, String, bool)| {
            message.set(None);
            spawn_local(async move {
                let verb = if retire { "retire" } else { "restore" };
                let url = format!(
                    "/api/office/registry/{}/{}/{verb}",
                    kind.segment(),
                    enc(&id)
                );
                match post_empty::<Saved>(&url).await {
                    Ok(_) => saved.run(
                        if retire {
                            t("registry.retired_done")
                        } else {
                            t("registry.restored_done")
                        }
                        .to_string(),
                    ),
                    Err(e) => message.set(Some(Err(e))),
                }
            });
        }),
    };

    let body = loaded(listing, move |l: RegistryListing| {
        let empty = l.registry.committees.is_empty() && l.registry.places.is_empty();
        let l2 = l.clone();
        let content = move || {
            let f = filter.get().trim().to_string();
            let all = show_retired.get();
            if tab.get() == "tree" {
                Either::Left(tree(&l2, &f, all, actions))
            } else {
                Either::Right(places(&l2, &f, all, actions))
            }
        };
        view! {
            {empty.then(|| view! { <p class="hint" id="registry-empty">{t("registry.empty")}</p> })}
            {content}
        }
    });
    let listing_now = move || listing.get().and_then(Result::ok);
    view! {
        <section class="card office wide-page" id="office-registry">
            <h2>{t("registry.title")}</h2>
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
                {[(ItemKind::Committee, "registry.add_committee"), (ItemKind::Branch, "registry.add_branch"),
                  (ItemKind::Person, "registry.add_person"), (ItemKind::Place, "registry.add_place")]
                    .into_iter()
                    .map(|(kind, label)| view! {
                        <button type="button" id=format!("add-{}", kind.segment())
                            on:click=move |_| actions.edit.run(Editing::Item { kind, id: String::new() })>{t(label)}</button>
                    })
                    .collect_view()}
            </p>
            {move || message.get().map(|m| notice("registry-message", m))}
            {move || editing.get().zip(listing_now()).map(|(e, l)| view! {
                <EditForm editing=e listing=l on_saved=saved on_cancel=Callback::new(move |()| editing.set(None)) />
            })}
            {move || history.get().map(|(label, h)| view! {
                <History label=label h=h on_close=Callback::new(move |()| history.set(None)) />
            })}
            {body}
        </section>
    }
}

/// What a row's buttons do; `Copy` so every row gets it.
#[derive(Clone, Copy)]
struct Actions {
    edit: Callback<Editing>,
    history: Callback<(ItemKind, String, String)>,
    retire: Callback<(ItemKind, String, bool)>,
}

fn hit(f: &str, texts: &[&str]) -> bool {
    f.is_empty() || texts.iter().any(|s| s.contains(f))
}

/// 修改, 停用/撤销 (or 恢复), 修改历史 of one item.
fn buttons(a: Actions, kind: ItemKind, id: &str, label: &str, retired: bool) -> impl IntoView {
    let (i1, i2, i3, l) = (
        id.to_string(),
        id.to_string(),
        id.to_string(),
        label.to_string(),
    );
    let retire_word = if kind == ItemKind::Person {
        t("registry.retire")
    } else {
        t("registry.revoke")
    };
    view! {
        <span class="row-actions">
            <button type="button" class="link edit" on:click=move |_| a.edit.run(Editing::Item { kind, id: i1.clone() })>
                {t("registry.edit")}</button>
            <button type="button" class="link retire" on:click=move |_| a.retire.run((kind, i2.clone(), !retired))>
                {if retired { t("registry.restore") } else { retire_word }}</button>
            <button type="button" class="link history" on:click=move |_| a.history.run((kind, i3.clone(), l.clone()))>
                {t("registry.history")}</button>
        </span>
    }
}

fn retired_tag(retired: bool, word: &'static str) -> impl IntoView {
    retired.then(|| view! { " " <span class="tag retired-tag">{t(word)}</span> })
}

fn person_matches(l: &RegistryListing, p: &Person, f: &str) -> bool {
    hit(
        f,
        &[
            &p.name,
            &p.id,
            l.phones.get(&p.id).map_or("", String::as_str),
        ],
    )
}

fn branch_matches(l: &RegistryListing, b: &Branch, f: &str) -> bool {
    hit(f, &[&b.name, &b.id])
        || l.registry
            .people
            .values()
            .any(|p| p.branch == b.id && person_matches(l, p, f))
}

fn tree(l: &RegistryListing, f: &str, all: bool, a: Actions) -> impl IntoView {
    let r = &l.registry;
    let office_staff: Vec<&Staff> = r
        .staff
        .values()
        .filter(|s| s.org.is_empty() && (all || s.status.is_active()) && hit(f, &[&s.name, &s.id]))
        .collect();
    let office = (!office_staff.is_empty()).then(|| {
        view! {
            <details class="committee" open=true data-id="">
                <summary><strong class="name">{t("registry.county_office")}</strong></summary>
                {staff_table(l, &office_staff, a)}
            </details>
        }
    });
    let committees = r
        .committees
        .values()
        .filter(|c| all || c.status.is_active())
        .filter(|c| {
            hit(f, &[&c.name, &c.id])
                || r.branches
                    .values()
                    .any(|b| b.committee == c.id && branch_matches(l, b, f))
        })
        .map(|c| committee_block(l, c, f, all, a))
        .collect_view();
    view! { <div class="registry-tree" id="registry-tree">{office}{committees}</div> }
}

fn committee_block(
    l: &RegistryListing,
    c: &Committee,
    f: &str,
    all: bool,
    a: Actions,
) -> impl IntoView {
    let r = &l.registry;
    let whole = hit(f, &[&c.name, &c.id]);
    let retired = !c.status.is_active();
    let staff: Vec<&Staff> = r
        .staff
        .values()
        .filter(|s| {
            s.org == c.id && (all || s.status.is_active()) && (whole || hit(f, &[&s.name, &s.id]))
        })
        .collect();
    let branches = r
        .branches
        .values()
        .filter(|b| b.committee == c.id && (all || b.status.is_active()))
        .filter(|b| whole || branch_matches(l, b, f))
        .map(|b| branch_block(l, b, if whole { "" } else { f }, all, a))
        .collect_view();
    view! {
        <details class="committee" open=true data-id=c.id.clone() class:retired=retired>
            <summary>
                <strong class="name">{c.name.clone()}</strong>
                " " <span class="tag">{c.kind.label()}</span>
                " " <span class="code">{c.id.clone()}</span>
                {retired_tag(retired, "registry.revoked")}
                " " {buttons(a, ItemKind::Committee, &c.id, &c.name, retired)}
            </summary>
            {(!staff.is_empty()).then(|| staff_table(l, &staff, a))}
            {branches}
        </details>
    }
}

fn branch_block(l: &RegistryListing, b: &Branch, f: &str, all: bool, a: Actions) -> impl IntoView {
    let r = &l.registry;
    let whole = hit(f, &[&b.name, &b.id]);
    let retired = !b.status.is_active();
    let people = r
        .people
        .values()
        .filter(|p| p.branch == b.id && (all || p.status.is_active()))
        .filter(|p| whole || person_matches(l, p, f))
        .map(|p| person_row(l, p, a))
        .collect_view();
    let place = b
        .place
        .as_ref()
        .and_then(|id| r.places.get(id))
        .map(|p| format!("{}：{}", t("registry.linked"), p.name));
    view! {
        <details class="branch" open=true data-id=b.id.clone() class:retired=retired>
            <summary>
                <span class="name">{b.name.clone()}</span>
                " " <span class="tag">{b.kind.label()}</span>
                " " <span class="code">{b.id.clone()}</span>
                {place.map(|p| view! { " " <small>{p}</small> })}
                {retired_tag(retired, "registry.revoked")}
                " " {buttons(a, ItemKind::Branch, &b.id, &b.name, retired)}
            </summary>
            <div class="scroll">
                <table class="office-table people">
                    <thead><tr><th>{t("registry.person_name")}</th><th>{t("registry.phone")}</th><th>{t("registry.role")}</th>
                        <th>{t("registry.position")}</th><th>{t("registry.code")}</th><th></th></tr></thead>
                    <tbody>{people}</tbody>
                </table>
            </div>
        </details>
    }
}

fn person_row(l: &RegistryListing, p: &Person, a: Actions) -> impl IntoView {
    let retired = !p.status.is_active();
    view! {
        <tr data-id=p.id.clone() class:retired=retired>
            <td class="name">{p.name.clone()}{retired_tag(retired, "registry.retired")}</td>
            <td>{l.phones.get(&p.id).cloned().unwrap_or_default()}</td>
            <td>{p.role.label()}</td>
            <td>{p.position.clone()}</td>
            <td class="code">{p.id.clone()}</td>
            <td>{buttons(a, ItemKind::Person, &p.id, &p.name, retired)}</td>
        </tr>
    }
}

fn staff_table(l: &RegistryListing, staff: &[&Staff], a: Actions) -> impl IntoView {
    let rows = staff
        .iter()
        .map(|s| {
            let retired = !s.status.is_active();
            view! {
                <tr data-id=s.id.clone() class:retired=retired>
                    <td class="name">{s.name.clone()}{retired_tag(retired, "registry.retired")}</td>
                    <td>{l.phones.get(&s.id).cloned().unwrap_or_default()}</td>
                    <td>{s.role.label()}</td>
                    <td>{s.position.clone()}</td>
                    <td class="code">{s.id.clone()}</td>
                    <td>{buttons(a, ItemKind::Person, &s.id, &s.name, retired)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="scroll">
            <table class="office-table people staff">
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn tag_labels(l: &RegistryListing, id: &str) -> String {
    l.tags
        .get(id)
        .map(|tags| {
            tags.iter()
                .map(|c| TieIn::from_code(c).map_or_else(|| c.clone(), |k| k.label().to_string()))
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default()
}

fn places(l: &RegistryListing, f: &str, all: bool, a: Actions) -> impl IntoView {
    let r = &l.registry;
    let rows = r
        .places
        .values()
        .filter(|p| all || p.status.is_active())
        .filter(|p| hit(f, &[&p.name, &p.id]))
        .map(|p| place_row(l, p, a))
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

fn place_row(l: &RegistryListing, p: &Place, a: Actions) -> impl IntoView {
    let r = &l.registry;
    let retired = !p.status.is_active();
    let township = r
        .committees
        .get(&p.township)
        .map_or_else(|| p.township.clone(), |c| c.name.clone());
    let merged = p.merged_into.as_ref().map(|m| {
        let name = r
            .places
            .get(m)
            .map_or_else(|| m.clone(), |q| q.name.clone());
        format!("{} {name}", t("registry.merged_into"))
    });
    let id = p.id.clone();
    let can_merge = !retired && p.kind == PlaceKind::Village;
    view! {
        <tr data-id=p.id.clone() class:retired=retired>
            <td class="name">{p.name.clone()}
                {merged.map(|m| view! { " " <small class="merged">{m}</small> })}
                {(retired && p.merged_into.is_none()).then(|| retired_tag(true, "registry.revoked"))}</td>
            <td>{p.kind.label()}</td>
            <td>{township}</td>
            <td>{tag_labels(l, &p.id)}</td>
            <td class="code">{p.id.clone()}</td>
            <td>
                {buttons(a, ItemKind::Place, &p.id, &p.name, retired)}
                {can_merge.then(|| view! {
                    <button type="button" class="link merge" on:click=move |_| a.edit.run(Editing::Merge { id: id.clone() })>
                        {t("registry.merge")}</button>
                })}
            </td>
        </tr>
    }
}

#[component]
fn History(
    label: String,
    h: Result<Vec<HistoryEntry>, String>,
    on_close: Callback<()>,
) -> impl IntoView {
    let body = match h {
        Err(e) => EitherOf3::A(view! { <p class="stamp">{e}</p> }),
        Ok(h) if h.is_empty() => {
            EitherOf3::B(view! { <p class="empty">{t("registry.no_history")}</p> })
        }
        Ok(h) => {
            // Newest first: the last change is what people look for.
            let rows = h
                .into_iter()
                .rev()
                .map(|c| {
                    let who = if c.by_name.is_empty() { t("rhistory.system").to_string() } else { c.by_name };
                    view! {
                        <tr><td>{c.when}</td><td>{who}</td>
                            <td class="what"><ul>{c.what.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul></td></tr>
                    }
                })
                .collect_view();
            EitherOf3::C(view! {
                <div class="scroll">
                    <table class="office-table history-table" id="history-table">
                        <thead><tr><th>{t("rhistory.when")}</th><th>{t("rhistory.who")}</th><th>{t("rhistory.what")}</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            })
        }
    };
    view! {
        <div class="registry-history" id="registry-history" role="region">
            <h3>{format!("{label} · {}", t("registry.history"))}
                " " <button type="button" class="link" id="history-close" on:click=move |_| on_close.run(())>{t("registry.close")}</button></h3>
            {body}
        </div>
    }
}

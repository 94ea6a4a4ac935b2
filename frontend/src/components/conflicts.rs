//! "需确认": fields two people changed offline at the same time. The merged document
//! shows one value; this lists every value with who wrote it, so nothing is silently
//! hidden, and lets the person the server's rule entitles (`shared::access`, the
//! record's owner or the branch secretary) pick the value to keep or type another in the
//! record's 修改 form. The others stay in the history.

use crate::components::history::{kind_of, History};
use crate::engine;
use crate::i18n::{self, t};
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::engine::Op;
use shared::ids::DocId;

#[component]
pub fn Conflicts(branch: DocId, me: String) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let nav = use_context::<crate::pages::home::Nav>();
    let list = move || {
        sync.revision.track();
        let registry = sync.registry.get_untracked();
        let name = |p: &Option<String>| {
            p.as_ref()
                .and_then(|id| registry.as_ref()?.person(id).map(|p| p.name.clone()))
                .or_else(|| p.clone())
                .unwrap_or_else(|| t("history.unknown").to_string())
        };
        let conflicts: Vec<_> = engine::view()
            .conflicts
            .iter()
            .filter(|c| c.doc == branch)
            .cloned()
            .collect();
        if conflicts.is_empty() {
            return None;
        }
        let items = conflicts
            .into_iter()
            .map(|c| {
                let allowed = registry.as_ref().is_some_and(|reg| {
                    shared::access::may_touch_own_branch_record(reg, &me, &c.map, c.owner.as_deref())
                });
                let values = c
                    .values
                    .iter()
                    .zip(&c.writers)
                    .enumerate()
                    .map(|(i, (v, by))| {
                        let label = if i == 0 { t("conflicts.shown") } else { t("conflicts.other") };
                        let chosen = v.clone();
                        let conflict = c.clone();
                        let choose = move |_| {
                            engine::record(Op::Resolve {
                                doc: conflict.doc.clone(),
                                map: conflict.map.clone(),
                                record: conflict.record.clone(),
                                field: conflict.field.clone(),
                                chosen: chosen.clone(),
                            });
                            sync.refresh();
                            sync.sync_now();
                        };
                        view! {
                            <li class="conflict-value">
                                <span class="meta">{label}</span> " "
                                <span class="value">{v.shown()}</span> " "
                                <span class="meta writer">{t("conflicts.by")} " " {name(by)}</span>
                                {allowed.then(|| view! {
                                    <button type="button" class="choose" on:click=choose>{t("conflicts.choose")}</button>
                                })}
                            </li>
                        }
                    })
                    .collect::<Vec<_>>();
                // A third value: the record's own form, validated like any edit.
                let other = kind_of(&c.map).zip(nav).filter(|_| allowed).map(|(kind, nav)| {
                    let id = c.record.clone();
                    view! {
                        <button type="button" class="link conflict-edit"
                            on:click=move |_| nav.edit(kind, id.clone())>{t("conflicts.type_other")}</button>
                    }
                });
                view! {
                    <li class="conflict" data-record=c.record.clone() data-field=c.field.clone()>
                        <strong>{i18n::field(&c.field)}</strong>
                        <ul>{values}</ul>
                        {other}
                        {(!allowed).then(|| view! { <p class="meta">{t("conflicts.no_right")}</p> })}
                        <History doc=c.doc.clone() map=c.map.clone() record=c.record.clone() />
                    </li>
                }
            })
            .collect::<Vec<_>>();
        Some(view! {
            <section class="card conflicts" id="conflicts">
                <h2>{t("conflicts.title")}</h2>
                <p class="meta">{t("conflicts.hint")}</p>
                <ul class="conflict-list">{items}</ul>
            </section>
        })
    };
    view! { {list} }
}

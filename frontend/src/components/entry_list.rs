use crate::clock;
use crate::components::history::{map_of, History};
use crate::engine;
use crate::i18n::{msg, t, tr};
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::engine::{Command, Op};
use shared::forms::{self, EntryLine};
use shared::ids::DocId;
use shared::model::{Person, Registry};

/// Rows drawn at first, and added per tap on 显示更早的记录.
const PAGE: usize = 30;

/// The person's own entries of every kind, newest first, straight from the local document.
#[component]
pub fn EntryList(me: Person, branch: DocId, registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let first_form = forms::forms_for(me.role).first().copied();
    let entries = {
        let branch = branch.clone();
        let (registry, me) = (registry.clone(), me.clone());
        Memo::new(move |_| {
            sync.revision.track();
            let records = engine::records(&branch);
            forms::entries(&records, &registry, &me)
        })
    };
    // A year of a busy member's records is hundreds of rows; drawing them all on a cheap
    // phone at every change is what makes a page slow, and the newest are what people check.
    let shown = RwSignal::new(PAGE);
    // Which entry asks "撤回？" — one at a time, so a stray tap never withdraws anything.
    let confirming = RwSignal::new(None::<String>);
    let nav = use_context::<crate::pages::home::Nav>();
    let may = {
        let (registry, me) = (registry.clone(), me.id.clone());
        move |e: &EntryLine| {
            let map = map_of(e.kind);
            let owner = shared::access::owner_field(map).map(|_| e.author.as_str());
            shared::access::may_touch_own_branch_record(&registry, &me, map, owner)
        }
    };
    let row = move |e: EntryLine| {
        let id = e.id.clone();
        // The server's rule: the phone offers only what the server accepts.
        let allowed = may(&e);
        let withdrawn = e.withdrawn;
        // When, from the record's history: the engine reads it (once it runs).
        let withdrawn_at = {
            let (doc, map, record) = (branch.clone(), map_of(e.kind).to_string(), id.clone());
            move || {
                sync.engine.track();
                withdrawn
                    .then(|| {
                        engine::call::<Option<i64>>(&Command::WithdrawnAt {
                            doc: doc.clone(),
                            map: map.clone(),
                            record: record.clone(),
                        })
                    })
                    .flatten()
                    .flatten()
                    .map(|s| format!(" {}", clock::format_ms(s * 1000)))
            }
        };
        let restore = {
            let (branch, id) = (branch.clone(), id.clone());
            move |_| {
                engine::record(Op::Restore {
                    doc: branch.clone(),
                    kind: e.kind,
                    id: id.clone(),
                });
                sync.refresh();
                sync.sync_now();
            }
        };
        let edit = {
            let id = id.clone();
            move |_| {
                if let Some(nav) = nav {
                    nav.edit(e.kind, id.clone());
                }
            }
        };
        let asking = {
            let id = id.clone();
            move || confirming.get().as_deref() == Some(id.as_str())
        };
        let withdraw = {
            let (branch, id) = (branch.clone(), id.clone());
            move |_| {
                engine::record(Op::Withdraw {
                    doc: branch.clone(),
                    kind: e.kind,
                    id: id.clone(),
                });
                confirming.set(None);
                sync.refresh();
                sync.sync_now();
            }
        };
        let ask = {
            let id = id.clone();
            move |_| confirming.set(Some(id.clone()))
        };
        let history = view! { <History doc=branch.clone() map=map_of(e.kind).to_string() record=id.clone() /> };
        // `elementtiming`: the browser reports when it painted the entries (the benchmark).
        let date = view! { <span class="date">{clock::format_date(&e.date)}</span> }
            .attr("elementtiming", "entry");
        view! {
            <li class="entry" class:withdrawn=withdrawn data-id=id data-kind=e.kind.slug()>
                <div class="entry-head">
                    {date}
                    <span class="tag">{tr(e.kind.label())} " · " {msg(&e.tag)}</span>
                </div>
                <div class="place">{e.title}</div>
                <p class="note">{tr(&e.detail)}</p>
                {withdrawn.then(|| view! {
                    <p class="withdrawn-note" role="note">
                        <strong>{t("entries.withdrawn")}</strong>
                        {withdrawn_at}
                    </p>
                })}
                <div class="meta row">
                    <span>{t("entries.recorded")} " " {clock::format_ms(e.recorded_at)}</span>
                    {(allowed && !withdrawn).then(|| view! {
                        <button type="button" class="link edit" on:click=edit>{t("entries.edit")}</button>
                    })}
                    {(allowed && withdrawn).then(|| view! {
                        <button type="button" class="link restore" on:click=restore>{t("entries.restore")}</button>
                    })}
                    {(allowed && !withdrawn).then(|| view! {
                        <Show when=asking.clone()
                            fallback=move || view! { <button type="button" class="link withdraw" on:click=ask.clone()>{t("entries.withdraw")}</button> }>
                            <span class="confirm">
                                {t("entries.withdraw_note")}
                                <button type="button" class="link confirm-withdraw" on:click=withdraw.clone()>{t("entries.confirm_withdraw")}</button>
                                <button type="button" class="link" on:click=move |_| confirming.set(None)>{t("entries.cancel")}</button>
                            </span>
                        </Show>
                    })}
                </div>
                {history}
            </li>
        }
    };
    view! {
        <section class="card">
            <h2>{t("entries.title")}</h2>
            <Show when=move || !entries.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="empty">{t("entries.empty")}</p>
                    // The next step: the first form of the role, one tap away.
                    {first_form.zip(nav).map(|(k, nav)| view! {
                        <button type="button" class="link" id="entries-next"
                            on:click=move |_| nav.open(k)>{tr(k.action())}</button>
                    })}
                }>
                <ul id="my-entries">
                    {
                        let row = row.clone();
                        move || {
                            let n = shown.get();
                            entries.with(|es| es.iter().take(n).cloned().map(row.clone()).collect_view())
                        }
                    }
                </ul>
                {move || {
                    let more = entries.with(Vec::len).saturating_sub(shown.get());
                    (more > 0).then(|| view! {
                        <button type="button" id="more-entries" class="link"
                            on:click=move |_| shown.update(|n| *n += PAGE)>
                            {t("entries.more").replace("{}", &more.to_string())}
                        </button>
                    })
                }}
            </Show>
        </section>
    }
}

use crate::clock;
use crate::repo;
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::forms::{self, EntryLine};
use shared::ids::DocId;
use shared::model::{Person, Registry};

/// The person's own entries of every kind, newest first, straight from the local document.
#[component]
pub fn EntryList(me: Person, branch: DocId, registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let entries = {
        let branch = branch.clone();
        Memo::new(move |_| {
            sync.revision.track();
            let records = repo::with(|r| r.records(&branch));
            forms::entries(&records, &registry, &me)
        })
    };
    // Which entry asks "撤回？" — one at a time, so a stray tap never withdraws anything.
    let confirming = RwSignal::new(None::<String>);
    let row = move |e: EntryLine| {
        let id = e.id.clone();
        let asking = {
            let id = id.clone();
            move || confirming.get().as_deref() == Some(id.as_str())
        };
        let withdraw = {
            let (branch, id) = (branch.clone(), id.clone());
            move |_| {
                if let Err(err) =
                    repo::with(|r| r.withdraw_entry(&branch, e.kind, &id, clock::now_secs()))
                {
                    sync.storage_warning.set(Some(format!("撤回失败：{err}")));
                }
                confirming.set(None);
                sync.refresh();
                sync.sync_now();
            }
        };
        let ask = {
            let id = id.clone();
            move |_| confirming.set(Some(id.clone()))
        };
        view! {
            <li class="entry" data-id=id data-kind=e.kind.slug()>
                <div class="entry-head">
                    <span class="date">{clock::format_date(&e.date)}</span>
                    <span class="tag">{e.kind.label()} " · " {e.tag}</span>
                </div>
                <div class="place">{e.title}</div>
                <p class="note">{e.detail}</p>
                <div class="meta row">
                    <span>"记录于 " {clock::format_ms(e.recorded_at)}</span>
                    <Show when=asking.clone()
                        fallback=move || view! { <button type="button" class="link withdraw" on:click=ask.clone()>"撤回"</button> }>
                        <span class="confirm">
                            "撤回后仍保留记录历史。"
                            <button type="button" class="link confirm-withdraw" on:click=withdraw.clone()>"确认撤回"</button>
                            <button type="button" class="link" on:click=move |_| confirming.set(None)>"取消"</button>
                        </span>
                    </Show>
                </div>
            </li>
        }
    };
    view! {
        <section class="card">
            <h2>"我的记录"</h2>
            <Show when=move || !entries.with(Vec::is_empty)
                fallback=|| view! { <p class="empty">"还没有记录"</p> }>
                <ul id="my-entries">
                    {
                        let row = row.clone();
                        move || entries.get().into_iter().map(row.clone()).collect_view()
                    }
                </ul>
            </Show>
        </section>
    }
}

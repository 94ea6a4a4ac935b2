use crate::clock;
use crate::repo;
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::ids::DocId;
use shared::model::Registry;

/// The person's own entries, newest first, straight from the local document.
#[component]
pub fn EntryList(me: String, branch: DocId, registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let entries = Memo::new(move |_| {
        sync.revision.track();
        let mut mine: Vec<_> = repo::with(|r| r.visits(&branch))
            .into_iter()
            .filter(|v| v.author == me && !v.withdrawn)
            .collect();
        mine.sort_by(|a, b| (&b.date, b.recorded_at).cmp(&(&a.date, a.recorded_at)));
        mine
    });
    view! {
        <section class="card">
            <h2>"我的记录"</h2>
            <Show when=move || !entries.with(Vec::is_empty)
                fallback=|| view! { <p class="empty">"还没有记录"</p> }>
                <ul id="my-entries">
                    {
                        let registry = registry.clone();
                        move || entries.get().into_iter().map(|v| {
                            let place = registry.place_name(&v.place).to_string();
                            view! {
                                <li class="entry" data-id=v.id.clone()>
                                    <div class="entry-head">
                                        <span class="date">{clock::format_date(&v.date)}</span>
                                        <span class="tag">{v.kind.label()}</span>
                                    </div>
                                    <div class="place">{place}</div>
                                    <p class="note">{v.note.clone()}</p>
                                    <div class="meta">"记录于 " {clock::format_ms(v.recorded_at)}</div>
                                </li>
                            }
                        }).collect_view()
                    }
                </ul>
            </Show>
        </section>
    }
}

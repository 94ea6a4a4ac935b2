//! The county's merged records (`/api/county`): visits per contact point and the latest
//! entries, computed on the server, never the raw documents.

use crate::components::api::fetch_json;
use crate::components::sort::sort_by_header;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::county::CountySummary;

async fn fetch_summary() -> Result<CountySummary, String> {
    fetch_json("/api/county?limit=200".to_string()).await
}

/// "11月26日 14:05" in the browser's time zone.
fn format_ms(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{}月{}日 {:02}:{:02}",
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

#[component]
pub fn CountyPage() -> impl IntoView {
    let (summary, set_summary) = signal(None::<Result<CountySummary, String>>);
    let load = move || spawn_local(async move { set_summary.set(Some(fetch_summary().await)) });
    load();
    view! {
        <section class="card office">
            <div class="row">
                <h2>"全县记录"</h2>
                <button id="county-refresh" type="button" on:click=move |_| load()>"刷新"</button>
            </div>
            {move || match summary.get() {
                None => view! { <p class="empty">"正在读取…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warning">{e}</p> }.into_any(),
                Some(Ok(s)) => view! {
                    <p>{s.county.clone()} " 共有记录 " <strong id="county-total">{s.total}</strong> " 条"</p>
                    <h3>"各联系点到点次数"</h3>
                    <table class="office-table places">
                        <thead class="sortable" on:click=sort_by_header><tr><th>"乡镇"</th><th>"联系点"</th><th>"次数"</th></tr></thead>
                        <tbody>
                            {s.places.iter().map(|p| view! {
                                <tr class:zero=p.visits == 0>
                                    <td>{p.township.clone()}</td><td>{p.name.clone()}</td><td>{p.visits}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h3>"最新记录"</h3>
                    <table class="office-table" id="county-entries">
                        <thead class="sortable" on:click=sort_by_header><tr><th>"日期"</th><th>"记录"</th><th>"记录人"</th></tr></thead>
                        <tbody>
                            {s.entries.iter().map(|e| view! {
                                <tr class="entry" data-id=e.id.clone()>
                                    <td>{e.date.clone()}</td>
                                    <td>
                                        <div><span class="tag">{e.kind.clone()}</span> {e.place_name.clone()}</div>
                                        <div class="note">{e.note.clone()}</div>
                                    </td>
                                    <td>
                                        <div class="author">{e.author_name.clone()}</div>
                                        <div class="meta">{format_ms(e.recorded_at)}</div>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

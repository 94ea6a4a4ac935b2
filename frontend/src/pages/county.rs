use crate::clock;
use crate::components::sync_bar::SyncBar;
use gloo_net::http::Request;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::county::CountySummary;

async fn fetch_summary() -> Result<CountySummary, String> {
    let Some(session) = crate::auth::load(clock::now_ms() / 1000) else {
        return Err("请先在“我的记录”页登录".to_string());
    };
    let resp = Request::get("/api/county?limit=200")
        .header("Authorization", &format!("Bearer {}", session.token))
        .send()
        .await
        .map_err(|_| "无法连接服务器，全县汇总需要联网查看".to_string())?;
    if !resp.ok() {
        return Err(crate::auth::error_text(&resp).await);
    }
    resp.json().await.map_err(|e| e.to_string())
}

/// The county office's merged view: computed on the server, never the raw documents.
#[component]
pub fn CountyPage() -> impl IntoView {
    let (summary, set_summary) = signal(None::<Result<CountySummary, String>>);
    let load = move || spawn_local(async move { set_summary.set(Some(fetch_summary().await)) });
    load();
    view! {
        <SyncBar />
        <section class="card">
            <div class="row">
                <h2>"全县汇总"</h2>
                <button id="county-refresh" type="button" on:click=move |_| load()>"刷新"</button>
            </div>
            <p><a href="/office" id="office-link">"县委组织部 · 三联共建信息库 →"</a></p>
            {move || match summary.get() {
                None => view! { <p class="empty">"正在读取…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warning">{e}</p> }.into_any(),
                Some(Ok(s)) => view! {
                    <p>{s.county.clone()} " 共有记录 " <strong id="county-total">{s.total}</strong> " 条"</p>
                    <h3>"各联系点到点次数"</h3>
                    <table class="places">
                        <thead><tr><th>"乡镇"</th><th>"联系点"</th><th>"次数"</th></tr></thead>
                        <tbody>
                            {s.places.iter().map(|p| view! {
                                <tr class:zero=p.visits == 0>
                                    <td>{p.township.clone()}</td><td>{p.name.clone()}</td><td>{p.visits}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h3>"最新记录"</h3>
                    <table id="county-entries">
                        <thead><tr><th>"日期"</th><th>"记录"</th><th>"记录人"</th></tr></thead>
                        <tbody>
                            {s.entries.iter().map(|e| view! {
                                <tr class="entry" data-id=e.id.clone()>
                                    <td>{clock::format_date(&e.date)}</td>
                                    <td>
                                        <div><span class="tag">{e.kind.clone()}</span> {e.place_name.clone()}</div>
                                        <div class="note">{e.note.clone()}</div>
                                    </td>
                                    <td>
                                        <div class="author">{e.author_name.clone()}</div>
                                        <div class="meta">{clock::format_ms(e.recorded_at)}</div>
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

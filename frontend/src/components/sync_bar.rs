use crate::sync::{Status, SyncState};
use leptos::prelude::*;

/// Always visible: what is synced, what waits, and a button to sync now.
#[component]
pub fn SyncBar() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let class = move || match sync.status.get() {
        Status::Failed(_) => "sync-bar failed",
        Status::Offline => "sync-bar offline",
        _ if sync.pending.get() > 0 => "sync-bar pending",
        _ => "sync-bar",
    };
    view! {
        <header class=class>
            <h1>"三联共建"</h1>
            <span id="sync-status" role="status">{move || sync.label()}</span>
            <button id="sync-now" type="button" on:click=move |_| sync.sync_now()>"同步"</button>
        </header>
        {move || sync.storage_warning.get().map(|e| view! {
            <p class="warning" id="storage-warning">
                "手机存储空间已满，新记录暂存在内存中，请尽快联网同步，不要关闭页面。（" {e} "）"
            </p>
        })}
    }
}

use crate::components::storage_meter::StorageMeter;
use crate::i18n::{self, t, Lang};
use crate::sync::{Status, SyncState};
use leptos::prelude::*;

/// Always visible once logged in: what is synced, what waits, and a button to sync now.
/// Before login (issue 14) only the title and the language switch: there is nothing of
/// the person's to sync or store yet.
#[component]
pub fn SyncBar() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let class = move || match sync.status.get() {
        Status::Failed(_) => "sync-bar failed",
        Status::Offline => "sync-bar offline",
        _ if sync.pending.get() > 0 => "sync-bar pending",
        _ => "sync-bar",
    };
    let other = if i18n::lang() == Lang::En {
        Lang::Zh
    } else {
        Lang::En
    };
    view! {
        <header class=class>
            <h1>{t("app.title")}</h1>
            <Show when=move || sync.session.with(Option::is_some)>
                <span id="sync-status" role="status" aria-live="polite">{move || sync.label()}</span>
                <button id="sync-now" type="button" on:click=move |_| sync.sync_now()>{t("sync.button")}</button>
            </Show>
            <button id="lang-switch" type="button" class="lang" on:click=move |_| i18n::switch_to(other)>
                {t("lang.switch")}
            </button>
        </header>
        {move || sync.storage_warning.get().map(|e| view! {
            <p class="warning" id="storage-warning" role="alert">
                {t("storage.full")}
                // A failed withdrawal says what failed; storage full needs no detail.
                {(!e.is_empty()).then(|| format!(" ({e})"))}
            </p>
        })}
        <Show when=move || sync.newer_app.get()>
            <p class="warning" id="newer-app" role="alert">{t("repo.newer_app")}</p>
        </Show>
        <Show when=move || sync.session.with(Option::is_some)>
            <StorageMeter />
        </Show>
    }
}

//! With no network at all, records still travel: export every document to one file, and
//! import (merge) such a file from another phone. Merging is idempotent, so importing the
//! same or an older file again is harmless.

use crate::clock;
use crate::components::file_pick::{FilePick, Picked};
use crate::engine;
use crate::i18n::t;
use crate::sync::SyncState;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ExportImport() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let link = RwSignal::new(None::<(String, String)>);
    let message = RwSignal::new(None::<String>);
    // Both read the documents themselves, so they wait for the engine (issue 18); it is
    // usually running long before anyone taps.
    let export = move |_| {
        spawn_local(async move {
            let bytes = match sync
                .engine_ready()
                .await
                .and_then(|()| engine::export_bundle())
            {
                Ok(bytes) => bytes,
                Err(e) => {
                    message.set(Some(e));
                    return;
                }
            };
            let today = shared::day::iso(clock::today()).replace('-', "");
            let name = format!("三联共建-{today}.sanlian");
            link.set(Some((
                format!(
                    "data:application/octet-stream;base64,{}",
                    STANDARD.encode(bytes)
                ),
                name,
            )));
        });
    };
    // The picker is labelled in the app's language (issue 14), not "Choose File".
    let import = move |p: Picked| {
        spawn_local(async move {
            let result = sync
                .engine_ready()
                .await
                .and_then(|()| engine::import_bundle(&p.bytes));
            message.set(Some(match result {
                Ok(n) => format!("{} {n}", t("import.done")),
                Err(e) => format!("{}{e}", t("import.failed")),
            }));
            sync.refresh();
            sync.sync_now();
        });
    };
    view! {
        <section class="card" id="export-import">
            <h2>{t("export.title")}</h2>
            <p class="meta">{t("export.hint")}</p>
            <button type="button" class="wide" id="export-button" on:click=export>{t("export.button")}</button>
            {move || link.get().map(|(href, name)| view! {
                <a class="wide-link" id="export-file" href=href download=name>{t("export.save")}</a>
            })}
            <p class="label">{t("import.label")}</p>
            <FilePick id="import-file" accept=".sanlian,application/octet-stream" on_pick=import />
            {move || message.get().map(|m| view! { <p id="import-result" role="status">{m}</p> })}
        </section>
    }
}

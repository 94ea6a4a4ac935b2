//! With no network at all, records still travel: export every document to one file, and
//! import (merge) such a file from another phone. Merging is idempotent, so importing the
//! same or an older file again is harmless.

use crate::clock;
use crate::i18n::t;
use crate::repo;
use crate::sync::SyncState;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The bytes of the first file chosen in an `<input type=file>`.
async fn chosen_file(input: JsValue) -> Option<Vec<u8>> {
    let files = Reflect::get(&input, &"files".into()).ok()?;
    let file = Reflect::get(&files, &0.into()).ok()?;
    if file.is_undefined() {
        return None;
    }
    let read: Function = Reflect::get(&file, &"arrayBuffer".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = read.call0(&file).ok()?.dyn_into().ok()?;
    let buffer = JsFuture::from(promise).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

#[component]
pub fn ExportImport() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let link = RwSignal::new(None::<(String, String)>);
    let message = RwSignal::new(None::<String>);
    let export = move |_| {
        let bytes = repo::with(|r| r.export_bundle());
        let today = clock::today().format("%Y%m%d");
        let name = format!("三联共建-{today}.sanlian");
        link.set(Some((
            format!(
                "data:application/octet-stream;base64,{}",
                STANDARD.encode(bytes)
            ),
            name,
        )));
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target() else { return };
        let input: JsValue = input.into();
        spawn_local(async move {
            let Some(bytes) = chosen_file(input.clone()).await else {
                return;
            };
            let result = repo::with(|r| r.import_bundle(&bytes, clock::now_ms()));
            message.set(Some(match result {
                Ok(n) => format!("{} {n}", t("import.done")),
                Err(e) => format!("{}{e}", t("import.failed")),
            }));
            // The same file may be chosen again later; clearing lets `change` fire.
            let _ = Reflect::set(&input, &"value".into(), &"".into());
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
            <label for="import-file">{t("import.label")}</label>
            <input id="import-file" type="file" accept=".sanlian,application/octet-stream" on:change=import />
            {move || message.get().map(|m| view! { <p id="import-result" role="status">{m}</p> })}
        </section>
    }
}

//! How much of the phone's browser storage the app uses and how much is left, and the
//! request that the browser keep it (navigator.storage.persist).

use crate::i18n::t;
use crate::storage;
use crate::sync::SyncState;
use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Calls `navigator.storage.<method>()` and awaits it; `None` where the browser has no
/// StorageManager (old browsers, insecure origins).
async fn storage_manager_call(method: &str) -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let manager = Reflect::get(&navigator, &"storage".into()).ok()?;
    let f: Function = Reflect::get(&manager, &method.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = f.call0(&manager).ok()?.dyn_into().ok()?;
    JsFuture::from(promise).await.ok()
}

fn kb(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        // Tenths of a MiB in integers, rounded half to even as `{:.1}` of the quotient
        // rounds it (same text): `{:.1}` of an `f64` was the phone's only use of Rust's
        // exact float formatting (≈ 8 KB of code before wasm-opt).
        let (t, r) = (bytes * 10 / (1 << 20), bytes * 10 % (1 << 20));
        let t = if r > 1 << 19 || (r == 1 << 19 && t % 2 == 1) {
            t + 1
        } else {
            t
        };
        format!("{}.{} MB", t / 10, t % 10)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[component]
pub fn StorageMeter() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let persisted = RwSignal::new(None::<bool>);
    // Asking once per start is enough; browsers answer from their own policy
    // (an installed app or a site used often is granted without a prompt).
    spawn_local(async move {
        let granted = match storage_manager_call("persisted").await {
            Some(v) if v.as_bool() == Some(true) => Some(true),
            Some(_) => storage_manager_call("persist")
                .await
                .and_then(|v| v.as_bool()),
            None => None,
        };
        persisted.set(granted);
    });
    let usage = move || {
        sync.revision.track();
        let used = storage::local_bytes_used();
        let left = storage::LOCAL_QUOTA_BYTES.saturating_sub(used);
        format!(
            "{} {} · {} {}",
            t("storage.used"),
            kb(used),
            t("storage.left"),
            kb(left)
        )
    };
    let kept = move || match persisted.get() {
        Some(true) => t("storage.persisted"),
        Some(false) => t("storage.not_persisted"),
        None => "",
    };
    view! {
        <p class="storage-meter" id="storage-meter">
            <span id="storage-usage">{usage}</span>
            " " <span class="meta">{kept}</span>
        </p>
    }
}

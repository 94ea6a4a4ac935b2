//! New versions of the app. The service worker opens the app from its cache with no
//! request at all, so the app learns of a new version from the syncs it makes anyway:
//! the server names the version it serves in every reply (`x-app-version`), and the
//! cached page carries the version it was served as. When they differ, the worker is
//! asked to fetch the new one (the script helpers are in index.html) and the user is
//! offered to switch; entries are never involved, they live in storage (see sw.js).

use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// The version this start opened, once read; `Some(None)` if it is not known.
    static OWN: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
    /// The server version already dealt with, so each is fetched once.
    static HANDLED: RefCell<Option<String>> = const { RefCell::new(None) };
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Calls `window.sanlianShell[method]()` and awaits it: the string it resolves to, if any.
async fn shell_call(method: &str) -> Result<Option<String>, JsValue> {
    let shell = Reflect::get(&window(), &"sanlianShell".into())?;
    let f: Function = Reflect::get(&shell, &method.into())?.dyn_into()?;
    let promise: Promise = f.call0(&shell)?.dyn_into()?;
    Ok(JsFuture::from(promise).await?.as_string())
}

async fn own_version() -> Option<String> {
    if let Some(own) = OWN.with_borrow(Clone::clone) {
        return own;
    }
    let own = shell_call("cachedVersion").await.ok().flatten();
    OWN.set(Some(own.clone()));
    own
}

/// A sync was answered by a server serving `server`; `new_version` is set once the new
/// version is ready to open.
pub fn seen(new_version: RwSignal<bool>, server: Option<String>) {
    let Some(server) = server else { return };
    if BUSY.get() || HANDLED.with_borrow(|h| h.as_ref() == Some(&server)) {
        return;
    }
    BUSY.set(true);
    spawn_local(async move {
        match own_version().await {
            // Opened from the network (a first visit, or no worker): it is what is served.
            None => {
                OWN.set(Some(Some(server.clone())));
                HANDLED.set(Some(server));
            }
            Some(own) if own == server => HANDLED.set(Some(server)),
            Some(_) => {
                // On failure (the network went) the next sync tries again.
                if shell_call("refresh").await.ok().flatten().as_ref() == Some(&server) {
                    HANDLED.set(Some(server));
                    new_version.set(true);
                }
            }
        }
        BUSY.set(false);
    });
}

/// Opens the new version after the sync under way (if any) has ended. What a form holds
/// is kept as a draft (`crate::drafts`) and is there again in the new version.
pub fn apply(busy: impl Fn() -> bool + 'static, waiting: RwSignal<bool>) {
    waiting.set(true);
    spawn_local(async move {
        while busy() {
            gloo_timers::future::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = window().location().reload();
    });
}

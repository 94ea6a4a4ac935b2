//! A file picker labelled in the app's language: the browser's own button says
//! "Choose File" whatever the page's language, so the real `<input type=file>` is hidden
//! behind a label styled as a button, and the chosen file's name is shown beside it.

use crate::i18n::t;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A chosen file: its name and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picked {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The name and bytes of the first file chosen in an `<input type=file>`.
pub async fn read_first(input: JsValue) -> Option<Picked> {
    let files = Reflect::get(&input, &"files".into()).ok()?;
    let file = Reflect::get(&files, &0.into()).ok()?;
    if file.is_undefined() || file.is_null() {
        return None;
    }
    let name = Reflect::get(&file, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    let read: Function = Reflect::get(&file, &"arrayBuffer".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = read.call0(&file).ok()?.dyn_into().ok()?;
    let buffer = JsFuture::from(promise).await.ok()?;
    Some(Picked {
        name,
        bytes: Uint8Array::new(&buffer).to_vec(),
    })
}

/// `id` is the hidden input's id (tests set files on it); `accept` its file types.
/// `on_pick` gets every newly chosen file.
#[component]
pub fn FilePick(
    id: &'static str,
    accept: &'static str,
    #[prop(into)] on_pick: Callback<Picked>,
) -> impl IntoView {
    let chosen = RwSignal::new(None::<String>);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(target) = ev.target() else { return };
        let input: JsValue = target.into();
        leptos::task::spawn_local(async move {
            if let Some(p) = read_first(input.clone()).await {
                chosen.set(Some(p.name.clone()));
                on_pick.run(p);
            }
            // The same file chosen again (after fixing it in Excel) must fire again.
            let _ = Reflect::set(&input, &"value".into(), &"".into());
        });
    };
    view! {
        <span class="file-pick">
            <label class="file-button" for=id>{t("file.choose")}</label>
            <input class="visually-hidden" type="file" id=id accept=accept on:change=on_change />
            <span class="file-name">
                {move || chosen.get().unwrap_or_else(|| t("file.none").to_string())}
            </span>
        </span>
    }
}

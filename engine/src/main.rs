//! The phone's document engine as a WebAssembly module of its own (issue 18): Automerge,
//! the repo over localStorage, the sync client, signing and export/import — everything
//! that reads or writes the documents, and nothing that draws a page. The pages load it
//! after they have started (index.html's `sanlianShell.engine`) and call the functions
//! below; what they mean is `shared::engine`, sans-IO and tested natively. This file only
//! turns JSON and bytes into those calls.

mod local;

use shared::engine::{Command, Engine};
use shared::ids::DocId;
use shared::repo::Fresh;
use shared::wire::SyncResponse;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

fn main() {
    console_error_panic_hook::set_once();
}

fn with<R>(f: impl FnOnce(&mut Engine) -> R) -> Result<R, JsError> {
    ENGINE.with(|e| match e.borrow_mut().as_mut() {
        Some(engine) => Ok(f(engine)),
        None => Err(JsError::new("engine not open")),
    })
}

fn parse<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, JsError> {
    serde_json::from_str(json).map_err(|e| JsError::new(&format!("engine call: {e}")))
}

/// Opens the storage of whoever is logged in (`sanlian.me`): `fresh` is this start's
/// 60 random bytes as hex (the pages drew them: they name the tab's ops and chunks),
/// `docs` (JSON) the documents the person writes, `build` this engine's file (its name
/// changes with its code). Returns `shared::engine::Opened`.
#[wasm_bindgen]
pub fn open(fresh: &str, docs: &str, build: &str) -> Result<String, JsError> {
    let bytes = shared::signing::unhex(fresh)
        .and_then(|b| <[u8; 60]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| JsError::new("engine open: 60 random bytes as hex"))?;
    let docs: Vec<DocId> = parse(docs)?;
    // A write that does not fit drops the stored views (caches) before it gives up.
    let store = Rc::new(shared::store::Evicting(local::Local));
    let (engine, opened) = Engine::open(store, Fresh::from_bytes(&bytes), docs);
    let engine = engine.with_build(build);
    ENGINE.with(|e| *e.borrow_mut() = Some(engine));
    Ok(serde_json::to_string(&opened).unwrap_or_default())
}

/// A `shared::engine::Command` (JSON); its answer as JSON.
#[wasm_bindgen]
pub fn call(command: &str) -> Result<String, JsError> {
    let command: Command = parse(command)?;
    with(|e| e.handle(command))
}

/// The view (`shared::engine::View`) as JSON.
#[wasm_bindgen]
pub fn view() -> Result<String, JsError> {
    with(Engine::view_json)
}

/// The next sync request for `docs` (JSON), with the phone's report; none when there
/// is nothing to say.
#[wasm_bindgen]
pub fn next_request(
    docs: &str,
    reset: bool,
    app_version: &str,
) -> Result<Option<Vec<u8>>, JsError> {
    let docs: Vec<DocId> = parse(docs)?;
    with(|e| {
        let report = e.report(app_version);
        e.repo().next_request(&docs, reset).map(|mut req| {
            req.report = Some(report);
            req.encode()
        })
    })
}

/// Applies the server's reply; the problems met, as a JSON list of sentences.
#[wasm_bindgen]
pub fn apply_response(body: &[u8]) -> Result<String, JsError> {
    let problems = match SyncResponse::decode(body) {
        Ok(resp) => with(|e| e.repo().apply_response(resp))?,
        // The decoder's own text is for the log, never the page.
        Err(err) => {
            web_log(&format!("sync reply: {err}"));
            vec!["服务器回复无法读取，稍后自动重试".to_string()]
        }
    };
    Ok(serde_json::to_string(&problems).unwrap_or_default())
}

/// The export file (`shared::wire::ExportFile`).
#[wasm_bindgen]
pub fn export_bundle() -> Result<Vec<u8>, JsError> {
    with(|e| e.repo().export_bundle())
}

/// Merges an export file: `{"Ok": new records}` or `{"Err": why}`.
#[wasm_bindgen]
pub fn import_bundle(file: &[u8], now_ms: f64) -> Result<String, JsError> {
    with(|e| {
        let result = e.repo().import_bundle(file, now_ms as i64);
        serde_json::to_string(&result).unwrap_or_default()
    })
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn web_log(s: &str);
}
#[cfg(test)]
mod tests {
    use gloo_storage::{LocalStorage, Storage};
    use shared::forms::Entry;
    use shared::ids::DocId;
    use shared::model::{Visit, VisitKind};
    use shared::repo::{Fresh, Repo};
    use std::rc::Rc;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn visit(id: &str) -> Entry {
        Entry::Visit(Visit {
            id: id.into(),
            author: "p1-2".into(),
            date: "2026-11-20".into(),
            place: "v1".into(),
            kind: VisitKind::Help,
            note: "走访".into(),
            recorded_at: 1,
            withdrawn: false,
        })
    }

    fn b1() -> DocId {
        DocId::branch("b1").unwrap()
    }

    /// A start of the app (a tab) with `person` logged in, with its own randomness.
    fn tab(person: &str) -> Repo {
        shared::store::set_json(&crate::local::Local, "me", person).unwrap();
        let mut bytes = [0u8; 60];
        getrandom::fill(&mut bytes).unwrap();
        Repo::open(Rc::new(crate::local::Local), Fresh::from_bytes(&bytes))
    }

    fn visit_ids(repo: &mut Repo) -> Vec<String> {
        repo.records(&b1()).visits.keys().cloned().collect()
    }

    /// Fills the origin's quota completely: halves the filler each time the browser
    /// refuses, down to a single character, so not even a small save fits.
    fn fill_storage() {
        let raw = LocalStorage::raw();
        let mut chunk = 256 * 1024;
        let mut i = 0;
        loop {
            if raw
                .set_item(&format!("filler.{i}"), &"满".repeat(chunk))
                .is_ok()
            {
                i += 1;
                assert!(i < 10_000, "storage never filled up");
            } else if chunk == 1 {
                break;
            } else {
                chunk /= 2;
            }
        }
    }

    #[wasm_bindgen_test]
    fn a_full_browser_quota_keeps_the_visit_in_memory_and_warns() {
        LocalStorage::clear();
        let mut repo = tab("p1-2");
        repo.save_entry(&b1(), &visit("before"), 1).unwrap();
        fill_storage();
        repo.save_entry(&b1(), &visit("during"), 2).unwrap();
        assert!(repo.storage_error.is_some(), "the user must be warned");
        assert_eq!(
            visit_ids(&mut repo),
            ["before", "during"],
            "nothing is dropped"
        );
        LocalStorage::clear();
    }

    /// Issue 5: what the walking skeleton left in localStorage (base64 JSON under
    /// `sanlian.doc.` and `sanlian.sync.`) loads after the update, and is removed.
    #[wasm_bindgen_test]
    fn issue_5_version_1_storage_loads_after_the_update() {
        use base64::engine::general_purpose::STANDARD_NO_PAD;
        use base64::Engine;
        LocalStorage::clear();
        let mut doc =
            shared::doc::new_document(&b1(), shared::ids::actor_for(Some("p1-2"), &[7; 12]));
        let Entry::Visit(v) = visit("old1") else {
            unreachable!()
        };
        shared::doc::put_visit(&mut doc, &v, 5).unwrap();
        LocalStorage::set("sanlian.doc.branch/b1", STANDARD_NO_PAD.encode(doc.save())).unwrap();
        LocalStorage::set("sanlian.device", "dev1").unwrap();

        let mut repo = tab("p1-2");
        assert_eq!(visit_ids(&mut repo), ["old1"]);
        assert_eq!(
            repo.pending_count(),
            1,
            "pending entries survive the update"
        );
        assert_eq!(repo.device(), "dev1");
        let raw = LocalStorage::raw();
        assert!(raw.get_item("sanlian.doc.branch/b1").unwrap().is_none());
        let chunks = shared::store::doc_chunk_keys(&crate::local::Local, "u.p1-2.", "branch/b1");
        assert_eq!(chunks.len(), 1);
        assert!(raw
            .get_item(&format!("sanlian.{}", chunks[0]))
            .unwrap()
            .is_some());
        LocalStorage::clear();
    }

    /// Issue 17: two tabs of one profile writing offline keep every entry in the real
    /// localStorage (each tab's chunks under its own names).
    #[wasm_bindgen_test]
    fn issue_17_two_tabs_keep_every_entry() {
        LocalStorage::clear();
        let mut one = tab("p1-2");
        let mut two = tab("p1-2");
        for i in 0..3 {
            one.save_entry(&b1(), &visit(&format!("one{i}")), 10 + i)
                .unwrap();
            two.save_entry(&b1(), &visit(&format!("two{i}")), 20 + i)
                .unwrap();
        }
        assert!(one.merge_all_stored());
        let all = ["one0", "one1", "one2", "two0", "two1", "two2"];
        assert_eq!(visit_ids(&mut one), all);
        assert_eq!(visit_ids(&mut tab("p1-2")), all);
        LocalStorage::clear();
    }
}

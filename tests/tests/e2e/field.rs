//! Issue 5, the field app: offline cold start, app updates with pending entries, export
//! and import between phones, conflicts shown and settled, and the 360 px screenshots.

use super::*;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, Value, ROOT};
use e2e::Driver;
use serde_json::json;

const PERSON: &str = "p1-1";

/// The documents of an export file (`shared::wire::ExportFile`, the app's own layout).
fn decode_bundle(bytes: &[u8]) -> E2eResult<Vec<(String, Vec<u8>)>> {
    shared::wire::ExportFile::decode(bytes)
        .map(|file| file.docs)
        .map_err(|e| format!("the export does not read as an export file: {e}"))
}

/// A file as another device of the same person would export it offline: its documents
/// with no signatures (the importing phone signs that person's own changes when it sends).
fn encode_bundle(docs: &[(String, Vec<u8>)]) -> Vec<u8> {
    shared::wire::ExportFile {
        docs: docs.to_vec(),
        sigs: Vec::new(),
    }
    .encode()
}

/// Clicks 导出 and returns the file the page offers for saving.
async fn export_file(b: &Browser) -> E2eResult<Vec<u8>> {
    tap(b, "button#export-button").await?;
    let link = b.wait_for("a#export-file", SHORT).await?;
    let href = link
        .attr("href")
        .await
        .context("reading the export link")?
        .unwrap_or_default();
    let name = link
        .attr("download")
        .await
        .context("reading the export name")?
        .unwrap_or_default();
    if !name.ends_with(".sanlian") || !name.starts_with("三联共建") {
        return Err(format!("[{}] export file named {name:?}", b.name));
    }
    let data = href
        .strip_prefix("data:application/octet-stream;base64,")
        .ok_or_else(|| format!("[{}] export link is {href:.60}", b.name))?;
    // The harness has no base64 crate; the browser decodes its own link.
    let bytes = b
        .execute(
            "return Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));",
            vec![json!(data)],
        )
        .await?;
    bytes
        .as_array()
        .ok_or("decoded export is not an array")?
        .iter()
        .map(|v| {
            v.as_u64()
                .map(|n| n as u8)
                .ok_or_else(|| "bad byte".to_string())
        })
        .collect()
}

/// Chooses `bytes` as a file in 导入文件 and returns the result line, which must differ
/// from the line shown before.
async fn import_file(b: &Browser, dir: &Path, name: &str, bytes: &[u8]) -> E2eResult<String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).context("writing the file to import")?;
    let before = b.text("#import-result").await.unwrap_or_default();
    let input = b.wait_for("input#import-file", SHORT).await?;
    input
        .send_keys(&path.display().to_string())
        .await
        .context(format!("[{}] choosing {name}", b.name))?;
    // Each call in these tests expects a different message from the one before.
    b.wait_text("#import-result", "a new import result", LONG, |t| {
        t.contains("导入") && t != before
    })
    .await
}

/// Signs in on a fresh phone and opens the visit form (the form tabs remember it).
async fn field_sign_in(b: &Browser, person: &str) -> E2eResult {
    let phone = super::demo_phone(person).ok_or_else(|| format!("{person} has no demo phone"))?;
    super::log_in(b, &phone).await?;
    b.wait_for("#tab-visit", LONG).await?;
    tap(b, "#tab-visit").await?;
    b.wait_for("button#visit-save", LONG).await?;
    wait_synced(b, LONG).await?;
    wait_offline_shell(b).await
}

/// Logs a visit with the first place and kind the form offers; checks it is listed.
async fn field_visit(b: &Browser, note: &str) -> E2eResult {
    if !b.exists("button#visit-save").await? {
        b.wait_for("#tab-visit", LONG).await?;
        tap(b, "#tab-visit").await?;
    }
    for select in ["select#visit-place", "select#visit-kind"] {
        let value = poll(
            format!("[{}] an option in {select}", b.name),
            LONG,
            || async {
                let v = b
                    .execute(
                        "const o = [...document.querySelectorAll(arguments[0] + ' option')] \
                       .find((o) => o.value); return o ? o.value : null;",
                        vec![json!(select)],
                    )
                    .await?;
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "none yet".to_string())
            },
        )
        .await?;
        b.select(select, &value, SHORT).await?;
    }
    b.fill("textarea#visit-note", note).await?;
    tap(b, "button#visit-save").await?;
    wait_entry(b, note, SHORT).await
}

/// Taps an element as a thumb would: scrolled to the middle of the screen first, so the
/// fixed bottom tabs never cover it.
async fn tap(b: &Browser, css: &str) -> E2eResult {
    let el = b.wait_for(css, LONG).await?;
    b.execute(
        "arguments[0].scrollIntoView({block: 'center'});",
        vec![serde_json::to_value(&el).context("element as JSON")?],
    )
    .await?;
    el.click()
        .await
        .context(format!("[{}] tapping {css}", b.name))
}

async fn server_has(base: &str, note: &str) -> E2eResult<bool> {
    Ok(server_county(base).await?.to_string().contains(note))
}

/// After one online visit, the app starts with the server gone and a browser that was
/// quit (a cold start in airplane mode), shows the stored entries, takes a new one, keeps
/// it across a reload, and delivers it once the server is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_5_airplane_mode_cold_start_after_one_online_visit() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (addr, base) = (server.addr(), server.url(""));
    let driver = Driver::start().await.unwrap_or_else(|e| panic!("{e}"));
    let mut keep: Option<Browser> = None;
    let result: E2eResult = async {
        let a = driver.browser("cold-a", &base).await?;
        field_sign_in(&a, PERSON).await?;
        let online = "冷启动前：联网时记的一条";
        field_visit(&a, online).await?;
        wait_synced(&a, LONG).await?;
        wait_offline_shell(&a).await?;
        let profile = a.close_keep_profile().await?;

        server.stop().await?;
        let a = driver
            .browser_with_profile("cold-a2", &base, profile)
            .await?;
        let a = keep.insert(a);
        a.goto("/").await?;
        if on_browser_error_page(a).await? {
            return Err("cold start with no server shows the browser's error page".into());
        }
        wait_entry(a, online, LONG).await?;
        let offline = "冷启动后：飞行模式下记的一条";
        field_visit(a, offline).await?;
        a.wait_text("#sync-status", "1 pending, oldest today", LONG, |s| {
            is_pending_or_offline(s, 1) && s.contains("1 条待同步（最早 今天）")
        })
        .await?;
        a.reload().await?;
        wait_entry(a, offline, LONG).await?;
        wait_entry(a, online, SHORT).await?;

        let _server = Server::start_on(addr, data.path(), &dist).await?;
        wait_synced(a, LONG).await?;
        if !server_has(&base, offline).await? {
            return Err("the entry made offline never reached the server".into());
        }
        Ok(())
    }
    .await;
    finish("issue_5_cold_start", result, keep.into_iter().collect()).await;
}

/// A new version of the app is deployed while a phone holds unsynced entries. The page
/// opens from the worker's cache (no request), the sync tells of the new version, the new
/// service worker takes over and the old shell cache goes; 新版本可用 opens the new page,
/// and the entries stay and sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_5_app_update_with_pending_entries_keeps_and_syncs_them() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    // The "new version": the same bundle with a new page and service worker version.
    let new_dist = tempfile::tempdir().expect("temp dist");
    copy_dir(&dist, new_dist.path()).expect("copying dist");
    bump_version(new_dist.path()).unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (addr, base) = (server.addr(), server.url(""));
    let mut server = Some(server);
    with_browsers("issue_5_update", &base, &["update-a"], async |browsers| {
        let a = &browsers[0];
        field_sign_in(a, PERSON).await?;
        server.take().expect("running").stop().await?;
        let notes = ["更新前未同步 一", "更新前未同步 二"];
        field_visit(a, notes[0]).await?;
        field_visit(a, notes[1]).await?;

        // Deploy: the server comes back serving the new version, and the phone loads it.
        server = Some(Server::start_on(addr, data.path(), new_dist.path()).await?);
        a.reload().await?;
        poll("the new service worker to take over", LONG, || async {
            let caches = a
                .execute(
                    "return caches.keys().then((k) => k.sort().join(','));",
                    vec![],
                )
                .await?;
            if caches == json!("sanlian-shell-v99") {
                Ok(())
            } else {
                Err(format!("caches: {caches}"))
            }
        })
        .await?;
        for note in notes {
            wait_entry(a, note, LONG).await?;
        }
        let page = "return document.head.innerHTML.includes('version 99');";
        if a.execute(page, vec![]).await? != json!(false) {
            return Err("the reload should open the cached (old) page, not fetch it".into());
        }
        a.wait_text("#update-ready", "the update offer", LONG, |t| {
            t.contains("新版本可用")
        })
        .await?;
        tap(a, "#update-ready").await?;
        poll("the new page after 新版本可用", LONG, || async {
            match a.execute(page, vec![]).await {
                Ok(serde_json::Value::Bool(true)) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await?;
        for note in notes {
            wait_entry(a, note, LONG).await?;
        }
        wait_synced(a, LONG).await?;
        for note in notes {
            if !server_has(&base, note).await? {
                return Err(format!("{note:?} was not synced after the update"));
            }
        }
        if a.exists("#update-ready").await? {
            return Err("the new version still offers an update".into());
        }
        Ok(())
    })
    .await;
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// What a deploy changes: the page (so the shell is re-fetched) and the worker's
/// version. Precompressed copies would shadow the edits, so they go.
fn bump_version(dist: &Path) -> E2eResult {
    for name in ["index.html", "sw.js"] {
        for ext in ["br", "gz"] {
            let _ = std::fs::remove_file(dist.join(format!("{name}.{ext}")));
        }
    }
    let sw = std::fs::read_to_string(dist.join("sw.js")).context("reading sw.js")?;
    let bumped = sw.replacen("const VERSION = 2;", "const VERSION = 99;", 1);
    if bumped == sw {
        return Err("sw.js has no `const VERSION = 2;` to bump".into());
    }
    std::fs::write(dist.join("sw.js"), bumped).context("writing sw.js")?;
    let html = std::fs::read_to_string(dist.join("index.html")).context("reading index.html")?;
    std::fs::write(
        dist.join("index.html"),
        html.replacen("<head>", "<head><!-- version 99 -->", 1),
    )
    .context("writing index.html")
}

/// Every record in 我的记录, whatever its kind, shows who wrote what and when; and the
/// phone pages switch to English and back, forms and their errors included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_5_history_on_every_record_and_english_as_second_language() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");
    const MEMBER: &str = "p1-2";
    with_browsers("issue_5_history_en", &base, &["member"], async |browsers| {
        let m = &browsers[0];
        sign_in(m, MEMBER).await?;
        let me = person_name(MEMBER);
        field_visit(m, "历史：到点看了茶园").await?;
        tap(m, "button#tab-target").await?;
        m.fill("input#target-name", "历史户").await?;
        m.fill("input#target-household_size", "4").await?;
        m.fill("input#target-baseline_income", "3000").await?;
        tap(m, "button#target-save").await?;
        wait_entry(m, "历史户", SHORT).await?;
        tap(m, "button#tab-help").await?;
        m.fill("textarea#help-detail", "历史：送去猪苗").await?;
        tap(m, "button#help-save").await?;
        wait_entry(m, "历史：送去猪苗", SHORT).await?;

        // Each kind's history: the person, the field in Chinese, the value as people know it.
        let wants = [
            ("visit", vec!["情况记录", "历史：到点看了茶园", "类别"]),
            ("target", vec!["姓名", "历史户", "家庭人口", "劳动能力"]),
            ("help", vec!["具体情况", "历史：送去猪苗", "帮扶对象", "帮扶支持"]),
        ];
        for (kind, want) in wants {
            let row = format!("#my-entries li.entry[data-kind={kind}]");
            tap(m, &format!("{row} details.history summary")).await?;
            m.wait_text(&format!("{row} .history-lines"), "the history", SHORT, |t| {
                t.contains(&me) && t.contains("改为") && want.iter().all(|w| t.contains(w))
            })
            .await?;
        }
        if m.texts("#my-entries li.entry").await?.len()
            != m.texts("#my-entries li.entry details.history summary").await?.len()
        {
            return Err("an entry without its history".into());
        }

        // English, kept across a reload; forms, errors and entries follow.
        tap(m, "button#lang-switch").await?;
        m.wait_text("button#lang-switch", "the switch back", LONG, |t| t == "中文").await?;
        m.reload().await?;
        m.wait_text("nav.tabs", "English tabs", LONG, |t| t.contains("My records")).await?;
        m.wait_text("#sync-status", "English status", LONG, |t| t.starts_with("Synced")).await?;
        tap(m, "button#tab-target").await?;
        m.wait_text("label[for=target-name]", "an English label", SHORT, |t| {
            t == "Head of household"
        })
        .await?;
        m.wait_text("button#target-save", "an English button", SHORT, |t| t == "Save").await?;
        m.wait_text("button#tab-help", "an English tab", SHORT, |t| t == "Help").await?;
        let kinds = m
            .execute(
                "return [...document.querySelectorAll('#target-labour option')].map((o) => o.textContent).join('|');",
                vec![],
            )
            .await?;
        if kinds != json!("Able to work|Has potential|Unable to work") {
            return Err(format!("choices in English: {kinds}"));
        }
        m.fill("input#target-household_size", "0").await?;
        tap(m, "button#target-save").await?;
        m.wait_text("#target-form .field-error", "English errors", SHORT, |t| {
            t.contains("Enter Head of household")
        })
        .await?;
        let page = m.text("main").await?;
        if page.contains("还没有记录") || !page.contains("My records") || !page.contains("Still to do")
        {
            return Err(format!("the home page is not in English: {page:.300}"));
        }
        tap(m, "#my-entries li.entry[data-kind=help] details.history summary").await?;
        m.wait_text("#my-entries li.entry[data-kind=help] .history-lines", "English history", SHORT, |t| {
            t.contains("Details set to") && t.contains("Support given")
        })
        .await?;

        tap(m, "button#lang-switch").await?;
        m.wait_text("button#lang-switch", "the switch to English", LONG, |t| t == "English").await?;
        m.wait_text("label[for=target-name]", "the Chinese label", LONG, |t| t == "户主姓名").await?;
        m.wait_text("nav.tabs", "Chinese tabs", SHORT, |t| t.contains("我的记录")).await?;
        Ok(())
    })
    .await;
    drop(server);
}

/// Two phones with no network at all: one exports, the other imports; the entries merge,
/// a repeated import adds nothing, a bad file is refused with a message and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_5_export_on_one_phone_import_on_another_merges() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let files = tempfile::tempdir().expect("temp files dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (addr, base) = (server.addr(), server.url(""));
    let mut server = Some(server);
    with_browsers(
        "issue_5_export",
        &base,
        &["export-a", "export-b"],
        async |browsers| {
            let [a, b] = browsers else { unreachable!() };
            field_sign_in(a, PERSON).await?;
            field_sign_in(b, PERSON).await?;
            server.take().expect("running").stop().await?;

            let (note_a, note_b) = ("A机离线记录：交换前", "B机离线记录：交换前");
            field_visit(a, note_a).await?;
            field_visit(b, note_b).await?;

            let file = export_file(a).await?;
            let docs = decode_bundle(&file)?;
            if !docs.iter().any(|(id, _)| id.starts_with("branch/")) {
                return Err(format!(
                    "export holds no branch document: {:?}",
                    docs.iter().map(|d| &d.0).collect::<Vec<_>>()
                ));
            }
            let first = import_file(b, files.path(), "a.sanlian", &file).await?;
            if !first.contains("新增记录 1") {
                return Err(format!("first import says {first:?}"));
            }
            wait_entry(b, note_a, SHORT).await?;
            wait_entry(b, note_b, SHORT).await?;
            let count = entry_texts(b).await?.len();

            let again = import_file(b, files.path(), "a-again.sanlian", &file).await?;
            if !again.contains("新增记录 0") {
                return Err(format!("repeated import says {again:?}"));
            }
            let bad = import_file(b, files.path(), "bad.sanlian", b"not an export").await?;
            if !bad.contains("导入失败") || !bad.contains("不是三联共建导出的文件") {
                return Err(format!("bad file says {bad:?}"));
            }
            let after = entry_texts(b).await?.len();
            if after != count {
                return Err(format!(
                    "entries went from {count} to {after} after repeats"
                ));
            }

            // The import survives a reload and reaches the server from phone B.
            b.reload().await?;
            wait_entry(b, note_a, LONG).await?;
            server = Some(Server::start_on(addr, data.path(), &dist).await?);
            wait_synced(b, LONG).await?;
            for note in [note_a, note_b] {
                if !server_has(&base, note).await? {
                    return Err(format!("{note:?} not on the server after B synced"));
                }
            }
            Ok(())
        },
    )
    .await;
}

/// Issue 4: a phone that imported a colleague's export still syncs. A and B are two
/// members of one branch; A's entry reaches the server through B's phone, under A's name,
/// and B's own entries are not held back by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_4_import_from_a_colleague_then_sync_works() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let files = tempfile::tempdir().expect("temp files dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (addr, base) = (server.addr(), server.url(""));
    let mut server = Some(server);
    with_browsers(
        "issue_4_relay",
        &base,
        &["relay-a", "relay-b"],
        async |browsers| {
            let [a, b] = browsers else { unreachable!() };
            field_sign_in(a, "p1-2").await?;
            field_sign_in(b, "p1-3").await?;
            server.take().expect("running").stop().await?;

            let (note_a, note_b) = ("甲的离线记录：经乙的手机上交", "乙本人的离线记录");
            field_visit(a, note_a).await?;
            let file = export_file(a).await?;
            let first = import_file(b, files.path(), "colleague.sanlian", &file).await?;
            if !first.contains("新增记录 1") {
                return Err(format!("import says {first:?}"));
            }
            field_visit(b, note_b).await?;

            server = Some(Server::start_on(addr, data.path(), &dist).await?);
            wait_synced(b, LONG).await?;
            let county = server_county(&base).await?;
            for (note, author) in [(note_a, "p1-2"), (note_b, "p1-3")] {
                let entry = county["entries"]
                    .as_array()
                    .and_then(|es| es.iter().find(|e| e["note"] == note))
                    .ok_or_else(|| format!("{note:?} not on the server after B synced"))?;
                if entry["author"] != author {
                    return Err(format!("{note:?} is attributed to {}", entry["author"]));
                }
            }
            // A's own phone still syncs the same changes without a hitch.
            wait_synced(a, LONG).await?;
            Ok(())
        },
    )
    .await;
}

/// Sets `note` of `record` on a copy of `doc` made by another device.
fn edit_actor(person: &str, salt: u8) -> ActorId {
    let mut actor = person.as_bytes().to_vec();
    actor.push(0);
    actor.extend([salt; 12]);
    ActorId::from(actor)
}

/// Registers actors to a demo person, as their phones do when they log in.
pub(crate) async fn register_actors(base: &str, person: &str, actors: &[ActorId]) -> E2eResult {
    let phone = super::demo_phone(person).ok_or("no demo phone")?;
    let token = super::api_token(base, &phone).await?;
    let hex: Vec<String> = actors.iter().map(ActorId::to_hex_string).collect();
    reqwest::Client::new()
        .post(format!("{base}/api/actors"))
        .bearer_auth(token)
        .json(&json!({ "actors": hex }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("POST /api/actors")?;
    Ok(())
}

fn edit_note(doc: &[u8], record: &str, note: &str, person: &str, salt: u8) -> E2eResult<Vec<u8>> {
    let mut doc = AutoCommit::load(doc)
        .context("loading the exported document")?
        .with_actor(edit_actor(person, salt));
    let visits = match doc.get(ROOT, "visits") {
        Ok(Some((Value::Object(ObjType::Map), id))) => id,
        _ => return Err("no visits map".into()),
    };
    let rec = match doc.get(&visits, record) {
        Ok(Some((Value::Object(ObjType::Map), id))) => id,
        _ => return Err(format!("no visit {record}")),
    };
    doc.put(&rec, "note", note).context("editing the note")?;
    doc.commit_with(CommitOptions::default().with_time(1_764_000_000));
    Ok(doc.save())
}

/// Two devices changed the same note offline. The phone shows the merged value and the
/// other under 需确认; the author picks one; the choice syncs to the second profile, and
/// the history still lists both values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_5_conflicting_edits_show_under_needs_confirmation() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let files = tempfile::tempdir().expect("temp files dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");
    with_browsers(
        "issue_5_conflict",
        &base,
        &["conflict-a", "conflict-b"],
        async |browsers| {
            let [a, b] = browsers else { unreachable!() };
            field_sign_in(a, PERSON).await?;
            field_sign_in(b, PERSON).await?;
            let original = "原始记录：冲突前";
            field_visit(a, original).await?;
            wait_synced(a, LONG).await?;

            // The phone app has no editor for old entries yet, so the two offline edits
            // are made the way another phone's would arrive: on copies of the document,
            // by other devices, brought in as a file.
            let docs = decode_bundle(&export_file(a).await?)?;
            let (branch, doc) = docs
                .iter()
                .find(|(id, _)| id.starts_with("branch/"))
                .ok_or("no branch document exported")?;
            let record = a
                .execute(
                    "return [...document.querySelectorAll('#my-entries li.entry')] \
                       .find((li) => li.textContent.includes(arguments[0]))?.dataset.id;",
                    vec![json!(original)],
                )
                .await?
                .as_str()
                .ok_or("the entry has no data-id")?
                .to_string();
            let (one, two) = ("甲改：村里已通水", "乙改：村里通水未完成");
            // Two more phones of the same member, each logged in once (so the server
            // knows their actors), edited the note without network. Another person's
            // changes would be refused when relayed: the server takes a change only from
            // the user its actor is registered to.
            let edits = vec![
                (branch.clone(), edit_note(doc, &record, one, PERSON, 1)?),
                (branch.clone(), edit_note(doc, &record, two, PERSON, 2)?),
            ];
            register_actors(
                &base,
                PERSON,
                &[edit_actor(PERSON, 1), edit_actor(PERSON, 2)],
            )
            .await?;
            import_file(a, files.path(), "edits.sanlian", &encode_bundle(&edits)).await?;

            let conflict = a.wait_for("#conflicts li.conflict", LONG).await?;
            let text = conflict.text().await.context("reading the conflict")?;
            if !(text.contains(one) && text.contains(two) && text.contains("现显示")) {
                return Err(format!("需确认 shows {text:?}"));
            }
            let heading = a.text("#conflicts h2").await?;
            if heading != "需确认" {
                return Err(format!("conflict heading {heading:?}"));
            }
            // The history lists both edits, by the people who made them.
            tap(a, "#conflicts details.history summary").await?;
            scroll_to(a, "#conflicts").await?;
            let lines = poll("both edits in the history", SHORT, || async {
                let lines = a.texts("#conflicts .history-lines li").await?;
                let joined = lines.join("\n");
                if joined.contains(one) && joined.contains(two) {
                    Ok(lines)
                } else {
                    Err(format!("{lines:?}"))
                }
            })
            .await?;
            for who in [person_name(PERSON)] {
                if !lines.iter().any(|l| l.contains(&who)) {
                    return Err(format!("history does not name {who}: {lines:?}"));
                }
            }
            phone_shot(a, "07-needs-confirmation").await?;
            // Pick the value that is not the one shown (the harder path).
            let shown = a
                .text("#conflicts .conflict-value:first-child .value")
                .await?;
            let pick = if shown == one { two } else { one };
            a.execute(
                "[...document.querySelectorAll('#conflicts .conflict-value')] \
                   .find((li) => li.textContent.includes(arguments[0])) \
                   .querySelector('button.choose').click();",
                vec![json!(pick)],
            )
            .await?;
            poll("需确认 to clear", LONG, || async {
                if a.exists("#conflicts").await? {
                    Err("still shown".into())
                } else {
                    Ok(())
                }
            })
            .await?;
            wait_entry(a, pick, SHORT).await?;
            wait_synced(a, LONG).await?;

            // The second profile gets the chosen value, with nothing left to confirm.
            wait_synced(b, LONG).await?;
            b.reload().await?;
            wait_entry(b, pick, LONG).await?;
            if b.exists("#conflicts").await? {
                return Err("the settled conflict still shows on the second phone".into());
            }
            if !server_has(&base, pick).await? {
                return Err("the chosen value is not on the server".into());
            }
            Ok(())
        },
    )
    .await;
    drop(server);
}

/// Closes browsers and fails with saved artifacts, for tests that manage their own.
async fn finish(test: &str, result: E2eResult, browsers: Vec<Browser>) {
    if let Err(e) = &result {
        let dir = artifacts_dir(test);
        for b in &browsers {
            b.save_artifacts(&dir).await;
        }
        eprintln!("{test} failed: {e}");
    }
    for b in browsers {
        b.close().await;
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Sets a 360×740 phone viewport, checks nothing is wider than the screen, and saves a
/// screenshot as `name` under $SANLIAN_SCREENSHOTS when that is set (see BENCHMARKS.md /
/// docs/screenshots for the command).
pub(super) async fn phone_shot(b: &Browser, name: &str) -> E2eResult {
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": true }),
    )
    .await?;
    // The new metrics apply asynchronously: wait until the page reports them, then for
    // two animation frames so layout and paint have caught up before measuring.
    poll(
        format!("[{}] {name}: a 360 px viewport", b.name),
        Duration::from_secs(5),
        || async {
            let w = b.execute("return window.innerWidth;", vec![]).await?;
            (w.as_u64() == Some(360))
                .then_some(())
                .ok_or_else(|| format!("innerWidth {w}"))
        },
    )
    .await?;
    b.client
        .execute_async(
            "const done = arguments[arguments.length - 1];\n\
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await
        .map_err(|e| format!("[{}] {name}: waiting for a frame: {e}", b.name))?;
    let width = b
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await?;
    if width.as_u64().is_none_or(|w| w > 360) {
        return Err(format!(
            "[{}] {name}: page is {width} px wide at 360 px",
            b.name
        ));
    }
    if let Some(dir) = std::env::var_os("SANLIAN_SCREENSHOTS") {
        let png = b.client.screenshot().await.context("taking a screenshot")?;
        std::fs::create_dir_all(&dir).context("creating the screenshot dir")?;
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png)
            .context("saving the screenshot")?;
    }
    Ok(())
}

async fn scroll_to(b: &Browser, css: &str) -> E2eResult {
    b.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); window.scrollBy(0, -70);",
        vec![json!(css)],
    )
    .await
    .map(drop)
}

/// The main pages at 360 px: nothing wider than the screen, in Chinese and in English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_5_main_pages_fit_a_360px_phone() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");
    with_browsers("issue_5_screens", &base, &["screens"], async |browsers| {
        let a = &browsers[0];
        a.goto("/").await?;
        a.wait_for("input#login-phone", LONG).await?;
        phone_shot(a, "01-login").await?;
        field_sign_in(a, PERSON).await?;
        phone_shot(a, "02-home-form").await?;
        field_visit(a, "东山村班子会：商定冬季产业计划，明确三项分工").await?;
        wait_synced(a, LONG).await?;
        scroll_to(a, "#my-entries").await?;
        phone_shot(a, "03-my-entries").await?;
        // The county pages are the county office's (their own e2e story); a member's phone
        // shows the home page in both languages.
        a.goto("/").await?;
        tap(a, "button#lang-switch").await?;
        a.wait_text("button#sync-now", "English", LONG, |t| t == "Sync")
            .await?;
        phone_shot(a, "06-home-english").await?;
        tap(a, "button#lang-switch").await?;
        a.wait_text("button#sync-now", "中文", LONG, |t| t == "同步")
            .await?;
        Ok(())
    })
    .await;
    drop(server);
}

/// Numbers for BENCHMARKS.md, not a pass/fail test: run with
/// `cargo test -p e2e --test e2e bench_issue_5 -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints numbers for BENCHMARKS.md"]
async fn bench_issue_5_field_app_numbers() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let files = tempfile::tempdir().expect("temp files dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");
    const N: usize = 1000;
    with_browsers("bench_issue_5", &base, &["bench", "slow"], async |browsers| {
        let a = &browsers[0];
        // Issue 18: a fresh phone on DevTools' "Slow 3G" (2 s latency, 50 kB/s each way):
        // when something is painted, and when the login form can be used.
        let slow = &browsers[1];
        slow.cdp("Network.enable", json!({})).await?;
        slow.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 2000,
                    "downloadThroughput": 50_000, "uploadThroughput": 50_000 }),
        )
        .await?;
        slow.goto("/").await?;
        // The page's own login form (it takes the typing while the app's code arrives).
        let form = slow
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 new PerformanceObserver((list) => { \
                   const e = list.getEntries().find((e) => e.identifier === 'boot-form'); \
                   if (e) done(e.renderTime || e.loadTime); \
                 }).observe({ type: 'element', buffered: true }); \
                 setTimeout(() => done(null), 3000);",
                vec![],
            )
            .await
            .context("timing the page's login form")?;
        let usable = slow
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const tick = () => { if (document.querySelector('input#login-phone')) \
                   done(performance.now()); else requestAnimationFrame(tick); }; tick();",
                vec![],
            )
            .await
            .context("timing the login form")?;
        let paint = slow
            .execute(
                "const p = performance.getEntriesByType('paint') \
                   .find((e) => e.name === 'first-contentful-paint'); \
                 return p ? p.startTime : null;",
                vec![],
            )
            .await?;
        // The page's own 正在加载 frame (`elementtiming="boot"`): when it was painted.
        let boot = slow
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 new PerformanceObserver((list) => { \
                   const e = list.getEntries().find((e) => e.identifier === 'boot'); \
                   if (e) done(e.renderTime || e.loadTime); \
                 }).observe({ type: 'element', buffered: true }); \
                 setTimeout(() => done(null), 3000);",
                vec![],
            )
            .await
            .context("timing the loading frame")?;
        println!(
            "Slow 3G, fresh phone: first contentful paint {paint} ms, loading frame painted {boot} ms, the page's own login form painted {form} ms, the app's login form {usable} ms after navigation"
        );
        let transferred = "return performance.getEntriesByType('navigation') \
             .concat(performance.getEntriesByType('resource')) \
             .filter((e) => !e.name.includes('/api/')) \
             .reduce((n, e) => n + e.transferSize, 0);";
        a.goto("/").await?;
        a.wait_for("input#login-phone", LONG).await?;
        let first = a.execute(transferred, vec![]).await?;
        field_sign_in(a, PERSON).await?;
        a.reload().await?;
        a.wait_for("#sync-status", LONG).await?;
        let repeat = a.execute(transferred, vec![]).await?;
        println!("first load: {first} bytes transferred (app assets, as served by the test server)");
        println!("repeat load: {repeat} bytes transferred");

        let used = "let n = 0; for (let i = 0; i < localStorage.length; i++) { \
             const k = localStorage.key(i); n += k.length + localStorage.getItem(k).length; } \
             return n * 2;";
        let before = a.execute(used, vec![]).await?.as_u64().unwrap_or(0);
        let docs = decode_bundle(&export_file(a).await?)?;
        let (branch, doc) = docs
            .iter()
            .find(|(id, _)| id.starts_with("branch/"))
            .ok_or("no branch document")?;
        // The records come from another phone of the same person, known to the server.
        let actor = ActorId::from(b"p1-1\0bench-bench".to_vec());
        register_actors(&base, PERSON, std::slice::from_ref(&actor)).await?;
        let mut doc = AutoCommit::load(doc).context("loading")?.with_actor(actor);
        for i in 0..N {
            let visit = shared::model::Visit {
                id: format!("bench{i:04}"),
                author: PERSON.into(),
                date: "2026-11-20".into(),
                place: "v1".into(),
                kind: shared::model::VisitKind::BuildTeam,
                note: format!("第{i}次到点：召开班子会，研究产业发展，走访困难群众两户"),
                recorded_at: 1_764_000_000_000 + i as i64,
                withdrawn: false,
            };
            shared::doc::put_visit(&mut doc, &visit, 1_764_000_000 + i as i64)
                .map_err(|e| e.to_string())?;
        }
        let bundle = encode_bundle(&[(branch.clone(), doc.save())]);
        let result = import_file(a, files.path(), "bench.sanlian", &bundle).await?;
        println!("import of {N} records: {result}");
        // Let the background sync finish so it does not run during the timed open.
        wait_synced(a, LONG).await?;
        let after = a.execute(used, vec![]).await?.as_u64().unwrap_or(0);
        println!(
            "localStorage: {before} B before, {after} B after {N} records: {:.0} B per record",
            (after - before) as f64 / N as f64
        );

        // Issue 18: when the browser painted the entries (drawn from the view the engine
        // stored: their `elementtiming`, so a busy main thread after the paint does not
        // delay the reading), and when the document engine had loaded and read the
        // documents (`data-engine`).
        let open = "const done = arguments[arguments.length - 1]; \
             const tick = () => { \
               if (document.documentElement.dataset.engine !== 'ready') return requestAnimationFrame(tick); \
               const engine = performance.now(); \
               new PerformanceObserver((list) => { \
                 const e = list.getEntries().filter((e) => e.identifier === 'entry'); \
                 if (e.length) done([Math.min(...e.map((e) => e.renderTime || e.loadTime)), engine]); \
               }).observe({ type: 'element', buffered: true }); }; tick();";
        for rate in [1, 4] {
            a.cdp("Emulation.setCPUThrottlingRate", json!({ "rate": rate }))
                .await?;
            let mut times = Vec::new();
            for _ in 0..3 {
                a.reload().await?;
                let v = a
                    .client
                    .execute_async(open, vec![])
                    .await
                    .context("timing the open")?;
                times.push(v);
            }
            println!("open with {N} records, CPU throttled {rate}x: [entries painted, engine ready] (ms since navigation) {times:?}");
        }
        a.cdp("Emulation.setCPUThrottlingRate", json!({ "rate": 1 }))
            .await?;
        Ok(())
    })
    .await;
    drop(server);
}

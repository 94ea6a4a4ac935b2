//! Issue 18: the county office console is its own app at `/office`, laid out for a desktop,
//! and the phone's first load carries none of its code.

use super::*;
use crate::registry::{shot, viewport};
use serde_json::json;

/// 县直机关工委's staff in the demo (README, "Demo logins").
const COMMITTEE_PHONE: &str = "13800009901";

/// The built files a page names (its wasm, js and css), as the browser requests them.
fn first_load_assets(html: &str) -> Vec<String> {
    [".wasm", ".js", ".css"]
        .iter()
        .flat_map(|suffix| asset_refs(html, suffix))
        .collect()
}

/// Text that only the office console's pages hold (its overview, its roster, its
/// inspection form, the 信息库's 撤并 and its API): none of it may reach a phone.
const OFFICE_ONLY: &[&str] = &[
    "重复联建",
    "活动花名册",
    "登记一次检查",
    "撤并村",
    "/api/office/overview",
];

/// The page and every asset it names, read from the server as a browser would.
async fn first_load(base: &str, page: &str) -> E2eResult<Vec<(String, Vec<u8>)>> {
    let http = reqwest::Client::new();
    let get = async |path: &str| -> E2eResult<Vec<u8>> {
        let url = format!("{base}{path}");
        Ok(http
            .get(&url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .context(format!("GET {url}"))?
            .bytes()
            .await
            .context(format!("reading {url}"))?
            .to_vec())
    };
    let html = get(page).await?;
    let mut files = vec![(page.to_string(), html.clone())];
    for asset in first_load_assets(&String::from_utf8_lossy(&html)) {
        let bytes = get(&asset).await?;
        files.push((asset, bytes));
    }
    Ok(files)
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

/// The first column of a table's body, top to bottom.
async fn column(b: &Browser, table: &str) -> E2eResult<Vec<String>> {
    let v = b
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr'))\
               .map(r => r.cells[0].textContent.trim());",
            vec![json!(table)],
        )
        .await?;
    serde_json::from_value(v).context("the column's texts")
}

/// Issue 18: on a slow network the page shows its own login form long before the app's
/// code has arrived; what is typed there and a tap on 登录 carry over, so the person is
/// logged in as soon as the app has loaded, having typed nothing twice.
///
/// WebDriver waits for a page's `load` before its next command, and the app's code is
/// part of the load, so the typing is done by a script the browser runs in the page as
/// it arrives (DevTools' `addScriptToEvaluateOnNewDocument`), as fast as a person could.
async fn log_in_before_the_app_loads(b: &Browser, person: &str) -> E2eResult {
    let phone = super::demo_phone(person).ok_or_else(|| format!("{person} has no demo phone"))?;
    b.cdp("Network.enable", json!({})).await?;
    // ≈ 3.5 s for the app's code: far longer than the page's form takes to appear.
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({ "offline": false, "latency": 300,
                "downloadThroughput": 200_000, "uploadThroughput": 200_000 }),
    )
    .await?;
    let typing = format!(
        "const typing = setInterval(() => {{ \
           const form = document.getElementById('boot-form'); \
           if (!form) return; \
           clearInterval(typing); \
           const shown = getComputedStyle(form).display !== 'none'; \
           document.getElementById('boot-phone').value = {phone:?}; \
           document.getElementById('boot-password').value = {password:?}; \
           document.getElementById('boot-ok').click(); \
           const wait = document.querySelector('.boot-wait'); \
           window.bootLogin = {{ shown, waitShown: getComputedStyle(wait).display !== 'none', \
             appStarted: !document.getElementById('boot') }}; \
         }}, 5);",
        password = DEMO_PASSWORD,
    );
    let script = b
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": typing }),
        )
        .await?;
    b.goto("/").await?;
    b.wait_for("#me-name", LONG).await?;
    if let Some(id) = script.get("identifier") {
        b.cdp(
            "Page.removeScriptToEvaluateOnNewDocument",
            json!({ "identifier": id }),
        )
        .await?;
    }
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({ "offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
    )
    .await?;
    let seen = b
        .execute("return window.bootLogin || null;", vec![])
        .await?;
    if seen != json!({ "shown": true, "waitShown": true, "appStarted": false }) {
        return Err(format!(
            "the page's own login form was not used before the app started: {seen}"
        ));
    }
    if b.exists("input#login-phone").await? {
        return Err("the app asks for the login again".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_18_office_console_is_its_own_app_laid_out_for_a_desktop() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");

    // The phone's first load: no office page code in it, while the console's holds it.
    let phone = first_load(&base, "/")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let office = first_load(&base, "/office")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        phone.iter().any(|(name, _)| name.ends_with(".wasm")),
        "the phone page names its wasm: {:?}",
        phone.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for text in OFFICE_ONLY {
        for (name, bytes) in &phone {
            assert!(!holds(bytes, text), "the phone's {name} holds {text:?}");
        }
        assert!(
            office.iter().any(|(_, bytes)| holds(bytes, text)),
            "the console's first load lacks {text:?}, so its absence above proves nothing"
        );
    }
    for (name, _) in &office[1..] {
        assert!(name.starts_with("/office/"), "{name} is not under /office/");
    }

    with_browsers(
        "issue_18",
        &base,
        &["office", "phone", "secretary"],
        async |browsers: &[Browser]| {
            let [b, phone, secretary] = browsers else { unreachable!() };
            log_in_office(b, OFFICE_PHONE).await?;
            b.goto("/office").await?;
            b.wait_for("#office-committees tbody tr", LONG).await?;
            // The harness emulates a phone on every page load: a desk's screen from here.
            viewport(b, 1366, 768).await?;
            poll("a 1366 px viewport", SHORT, || async {
                let w = b.execute("return window.innerWidth;", vec![]).await?;
                (w.as_u64() == Some(1366))
                    .then_some(())
                    .ok_or_else(|| format!("innerWidth {w}"))
            })
            .await?;

            // Navigation on the left, the content beside it using the width, no tab bar.
            let layout = b
                .execute(
                    "const nav = document.querySelector('#side-nav').getBoundingClientRect();\
                     const table = document.querySelector('#office-committees').getBoundingClientRect();\
                     return { navLeft: nav.left, navRight: nav.right, navHeight: nav.height,\
                              tableLeft: table.left, tableWidth: table.width,\
                              tabs: !!document.querySelector('nav.tabs') };",
                    vec![],
                )
                .await?;
            let n = |k: &str| layout[k].as_f64().unwrap_or(f64::NAN);
            if !(n("navLeft") < 1.0
                && n("navRight") <= n("tableLeft")
                && n("navHeight") >= 700.0
                && n("tableWidth") >= 900.0
                && layout["tabs"] == json!(false))
            {
                return Err(format!("the console's layout at 1366×768: {layout}"));
            }

            // Click a header: the rows sort by it; again: the other way round.
            let before = column(b, "#office-committees").await?;
            let mut sorted = before.clone();
            sorted.sort();
            b.click("#office-committees thead th:first-child").await?;
            let ascending = column(b, "#office-committees").await?;
            b.click("#office-committees thead th:first-child").await?;
            let descending = column(b, "#office-committees").await?;
            let mut reversed = sorted.clone();
            reversed.reverse();
            if ascending != sorted || descending != reversed || ascending == descending {
                return Err(format!(
                    "sorting by 党委（工委）: before {before:?}, then {ascending:?}, then {descending:?}"
                ));
            }
            let mark = b
                .execute(
                    "return document.querySelector('#office-committees thead th').getAttribute('aria-sort');",
                    vec![],
                )
                .await?;
            if mark != json!("descending") {
                return Err(format!("the header is marked {mark}"));
            }
            shot(b, "issue-18-office-1366", 1366).await?;

            // The filters: the overview narrowed to one township's committee, kept in the
            // URL (a reload keeps it; the back button undoes it).
            b.select("select#filter-committee", "t2", LONG).await?;
            b.click("button#filter-apply").await?;
            let narrowed = async || -> E2eResult {
                poll("the overview narrowed to 吕河镇党委", LONG, || async {
                    let rows = column(b, "#office-committees").await?;
                    let at = b.execute("return location.search;", vec![]).await?;
                    let chosen = b
                        .execute("return document.querySelector('#filter-committee').value;", vec![])
                        .await?;
                    (rows == ["吕河镇党委"]
                        && at.as_str().is_some_and(|q| q.contains("committee=t2"))
                        && chosen == json!("t2"))
                    .then_some(())
                    .ok_or_else(|| format!("rows {rows:?} at {at} with {chosen} chosen"))
                })
                .await
            };
            narrowed().await?;
            let figure = b.text("#fig-coverage").await?;
            if !figure.contains("/4") {
                return Err(format!("the figures are not the township's 4 places: {figure:?}"));
            }
            shot(b, "issue-18-office-filter-1366", 1366).await?;
            b.reload().await?;
            narrowed().await?;
            // Down to the committee: its back link says where it leads.
            b.click("#office-committees tbody tr a").await?;
            b.wait_for("#office-committee table", LONG).await?;
            let up = b.text("#back-to-overview").await?;
            if up != "← 县级总览" {
                return Err(format!("the county office's back link reads {up:?}"));
            }
            b.client.back().await.map_err(|e| format!("back: {e}"))?;
            narrowed().await?;
            b.client.back().await.map_err(|e| format!("back: {e}"))?;
            poll("the whole county again", LONG, || async {
                let rows = column(b, "#office-committees").await?;
                let chosen = b
                    .execute("return document.querySelector('#filter-committee').value;", vec![])
                    .await?;
                (rows.len() == before.len() && chosen == json!(""))
                    .then_some(())
                    .ok_or_else(|| format!("rows {rows:?} with {chosen} chosen"))
            })
            .await?;

            // Committee staff (县直机关工委) in the same console: their committee only.
            b.click("button#office-logout").await?;
            b.wait_for("form#office-login", LONG).await?;
            log_in_office(b, COMMITTEE_PHONE).await?;
            b.goto("/office").await?;
            b.wait_for("#office-committees tbody tr", LONG).await?;
            viewport(b, 1366, 768).await?;
            let rows = column(b, "#office-committees").await?;
            if rows != ["县直机关工委"] {
                return Err(format!("committee staff see these committees: {rows:?}"));
            }
            let nav = b.text("#side-nav").await?;
            if nav.contains("全县记录") || nav.contains("登记检查") || b.exists("#office-health").await? {
                return Err(format!("the county office's own pages are offered: {nav:?}"));
            }
            b.click("#office-committees tbody tr a").await?;
            b.wait_for("#office-committee table", LONG).await?;
            let branches = b.text("#office-committee").await?;
            if !branches.contains("县农业农村局机关党支部") {
                return Err(format!("their committee's branches are not listed: {branches:?}"));
            }
            let up = b.text("#back-to-overview").await?;
            if up != "← 本委总览" {
                return Err(format!("committee staff's back link reads {up:?}"));
            }
            shot(b, "issue-18-committee-1366", 1366).await?;
            // Another committee's page, typed in: refused by the server, said in Chinese.
            b.goto("/office/committee/t1").await?;
            b.wait_text("#office-committee", "the refusal", LONG, |t| {
                t.contains("只能查看本党（工）委")
            })
            .await?;

            // A fresh phone on a slow network logs in on the page's own form while the
            // app's code is still arriving; then its home page at 360×740, for the record.
            log_in_before_the_app_loads(phone, "p1-2").await?;
            phone.click("button#tab-visit").await?;
            phone.wait_for("button#visit-save", LONG).await?;
            wait_synced(phone, LONG).await?;
            super::field::phone_shot(phone, "issue-18-phone-home-360").await?;
            if phone.exists("#tab-branch").await? {
                return Err("a member is offered the secretary's 本支部".into());
            }

            // The secretary's 本支部, with no network: read from the branch document.
            super::sign_in(secretary, "p1-1").await?;
            wait_synced(secretary, LONG).await?;
            super::issue_14::set_offline(secretary, true).await?;
            secretary.click("#tab-branch").await?;
            secretary.wait_for("#my-branch #branch-members li.member", LONG).await?;
            let people = secretary.texts("#branch-members li.member").await?;
            let registry = registry(DemoSpec::SMALL);
            let b1: Vec<&str> = registry
                .people
                .values()
                .filter(|p| p.branch == "b1")
                .map(|p| p.name.as_str())
                .collect();
            if people.len() != b1.len() || !b1.iter().all(|n| people.iter().any(|l| l.contains(n))) {
                return Err(format!("本支部 lists {people:?}, the branch has {b1:?}"));
            }
            for id in ["branch-plans", "branch-activities", "branch-deeds"] {
                secretary.wait_for(&format!("#{id} li"), SHORT).await?;
            }
            super::field::phone_shot(secretary, "issue-18-secretary-branch-360").await?;

            // Issue 16: still offline, the secretary records a member's 民主评议参考; the
            // member's year is read from the branch document beside the conclusion.
            secretary.click("nav.tabs a[href='/']").await?;
            secretary.wait_for("button#tab-appraisal", LONG).await?;
            secretary.click("button#tab-appraisal").await?;
            secretary.select("select#appraisal-member", "p1-2", SHORT).await?;
            secretary.select("select#appraisal-grade", "Excellent", SHORT).await?;
            secretary.fill("textarea#appraisal-note", "帮扶工作扎实，群众评价好").await?;
            super::field::phone_shot(secretary, "issue-16-appraisal-form-360").await?;
            secretary.click("button#appraisal-save").await?;
            wait_entry(secretary, "支部意见：帮扶工作扎实，群众评价好", SHORT).await?;
            let line = entry_texts(secretary)
                .await?
                .into_iter()
                .find(|e| e.contains("帮扶工作扎实"))
                .unwrap_or_default();
            if !line.contains("全年走访") || !line.contains("优秀") {
                return Err(format!("the appraisal's line lacks the year or grade: {line:?}"));
            }
            super::issue_14::set_offline(secretary, false).await?;
            wait_synced(secretary, LONG).await?;
            // The committee's console shows it under the member, with the same summary.
            b.goto("/office/person/p1-2").await?;
            b.wait_text("#office-person", "the appraisal in the console", LONG, |t| {
                t.contains("民主评议参考") && t.contains("优秀") && t.contains("帮扶工作扎实")
            })
            .await?;
            shot(b, "issue-16-appraisal-console-1366", 1366).await?;
            person_pages(b, &base).await?;
            Ok(())
        },
    )
    .await;
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

/// A person with more than one page of records (the server pages by 50): 60 visits from
/// another phone of p1-1's, synced as that phone would. The page is in the URL, so a
/// reload keeps it and the back button returns to the first.
async fn person_pages(b: &Browser, base: &str) -> E2eResult {
    const PER_PAGE: usize = 50;
    let person = "p1-1";
    let token = api_token(base, &demo_phone(person).ok_or("no demo phone")?).await?;
    let actor = automerge::ActorId::from(b"p1-1\0pages-e2e".to_vec());
    super::field::register_actors(base, person, std::slice::from_ref(&actor)).await?;
    let b1 = shared::ids::DocId::branch("b1").map_err(|e| e.to_string())?;
    let mut doc = sync_doc(base, &token, &b1, automerge::AutoCommit::new()).await?;
    doc.set_actor(actor);
    for i in 0..60 {
        let visit = shared::model::Visit {
            id: format!("page{i:02}"),
            author: person.into(),
            date: format!("2026-10-{:02}", 1 + i % 28),
            place: "v1".into(),
            kind: shared::model::VisitKind::BuildTeam,
            note: format!("第{i}次到点：研究产业发展"),
            recorded_at: 1_790_000_000_000 + i as i64,
            withdrawn: false,
        };
        shared::doc::put_visit(&mut doc, &visit, 1_790_000_000 + i as i64)
            .map_err(|e| e.to_string())?;
    }
    sync_doc(base, &token, &b1, doc).await?;

    b.goto(&format!("/office/person/{person}")).await?;
    let heading = b
        .wait_text("#office-person", "the records' count", LONG, |t| {
            t.contains("记录（共")
        })
        .await?;
    let total = heading
        .split("记录（共")
        .nth(1)
        .and_then(first_number)
        .ok_or_else(|| format!("no count of records in {heading:?}"))?;
    let pages = total.div_ceil(PER_PAGE);
    if total < 60 || pages < 2 {
        return Err(format!("{person} shows {total} records in {pages} pages"));
    }
    let on_page = async |n: usize| -> E2eResult<Vec<String>> {
        poll(format!("page {n} of {pages}"), LONG, || async {
            let pager = b.text("#person-pager").await?;
            let at = b.execute("return location.search;", vec![]).await?;
            let rows = b.texts("#person-records tbody tr.record").await?;
            let want = if n < pages {
                PER_PAGE
            } else {
                total - PER_PAGE * (pages - 1)
            };
            let in_url = at.as_str().is_some_and(|q| {
                if n == 1 {
                    !q.contains("page=") || q.contains("page=1")
                } else {
                    q.contains(&format!("page={n}"))
                }
            });
            (pager.contains(&format!("第 {n} / {pages} 页")) && in_url && rows.len() == want)
                .then_some(rows.clone())
                .ok_or_else(|| format!("{pager:?} at {at} with {} rows", rows.len()))
        })
        .await
    };
    let first = on_page(1).await?;
    b.click("button#next-page").await?;
    let second = on_page(2).await?;
    if first.iter().any(|r| second.contains(r)) {
        return Err("page 2 repeats rows of page 1".into());
    }
    shot(b, "issue-18-person-page-2-1366", 1366).await?;
    b.reload().await?;
    on_page(2).await?;
    b.client.back().await.map_err(|e| format!("back: {e}"))?;
    on_page(1).await?;
    Ok(())
}

/// Holds back the phone's document engine (its own module since issue 18) until the test
/// calls `window.__releaseEngine()`, as a slow network would: the page's
/// `sanlianShell.engine` waits for the gate. Runs before the page's own scripts, at every
/// load of the page.
const ENGINE_GATE: &str = r#"(() => {
  let release;
  const gate = new Promise((done) => (release = done));
  window.__releaseEngine = () => release();
  let shell;
  Object.defineProperty(window, "sanlianShell", {
    configurable: true,
    get: () => shell,
    set: (v) => {
      const load = v.engine;
      v.engine = () => gate.then(() => load());
      shell = v;
    },
  });
})();"#;

/// The notes of branch b1's visits as the server holds them (read as the county office).
async fn server_visit_notes(base: &str) -> E2eResult<Vec<String>> {
    let token = api_token(base, OFFICE_PHONE).await?;
    let b1 = shared::ids::DocId::branch("b1").map_err(|e| e.to_string())?;
    let doc = sync_doc(base, &token, &b1, automerge::AutoCommit::new()).await?;
    let records = shared::domain::docs::read_branch_records(&doc).map_err(|e| e.to_string())?;
    Ok(records.visits.values().map(|v| v.note.clone()).collect())
}

/// Issue 18: the phone before its document engine has arrived — on one server, a
/// phone that saves and shows its entries without it, then two tabs of which only one has
/// its engine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_18_the_phone_before_its_engine_arrives() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");
    with_browsers(
        "issue_18_engine_late",
        &base,
        &["phone", "tabs"],
        async |browsers: &[Browser]| {
            saves_and_shows_before_the_engine(&browsers[0], &base).await?;
            a_tab_without_its_engine_beside_one_with_it(&browsers[1], &base).await
        },
    )
    .await;
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

/// Issue 18: the phone's pages need no document engine to show a person's data or to
/// save an entry. A fresh phone whose engine has not arrived logs in, sees its forms and
/// saves a visit (kept as an op, listed at once, 待同步); when the engine arrives it
/// writes and syncs it. A later start draws the entries the engine stored before its
/// own engine has loaded, and what needs the engine (a record's history) says it is
/// loading.
async fn saves_and_shows_before_the_engine(b: &Browser, base: &str) -> E2eResult {
    viewport(b, 360, 740).await?;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": ENGINE_GATE }),
    )
    .await?;
    let phone = demo_phone("p1-2").ok_or("no demo phone")?;
    log_in(b, &phone).await?;
    b.click("button#tab-visit").await?;
    b.wait_for("button#visit-save", LONG).await?;
    let note = "引擎未到时记的走访";
    log_visit(b, "v1", "Help", note).await?;
    let status = b
        .wait_text("#sync-status", "the entry waiting", LONG, |s| {
            is_pending_or_offline(s, 1) && s.contains("1 条待同步")
        })
        .await?;
    if server_visit_notes(base).await?.iter().any(|n| n == note) {
        return Err(format!(
            "the server has the visit before the engine ran ({status})"
        ));
    }
    shot(b, "issue-18-saved-before-engine-360", 360).await?;

    // A reload before the engine came: the entry is still listed (its op), and the
    // tab that left marked it for the next engine to apply at once.
    b.reload().await?;
    wait_entry(b, note, LONG).await?;
    let ops = b
        .execute(
            "return Object.keys(localStorage).filter((k) => k.startsWith('sanlian.u.p1-2.op.')) \
               .map((k) => Date.now() - JSON.parse(localStorage.getItem(k)).phone_ms);",
            vec![],
        )
        .await?;
    let ages: Vec<i64> = serde_json::from_value(ops).context("the ops' ages")?;
    if ages.len() != 1 || ages[0] < shared::engine::ORPHAN_AFTER_MS {
        return Err(format!(
            "the left tab's op is not marked for the next engine: ages {ages:?} ms"
        ));
    }

    // The engine arrives: it writes the entry and the session hands it in.
    b.execute("window.__releaseEngine();", vec![]).await?;
    wait_synced(b, LONG).await?;
    let notes = server_visit_notes(base).await?;
    if notes.iter().filter(|n| *n == note).count() != 1 {
        return Err(format!("the server holds {notes:?}"));
    }

    // A later start: the engine held back again. The entries are drawn from the
    // view the engine stored, and the history waits for the engine.
    b.reload().await?;
    wait_entry(b, note, LONG).await?;
    b.click("#my-entries li.entry details.history summary")
        .await?;
    b.wait_text(
        "#my-entries li.entry details.history",
        "the history waiting for the engine",
        LONG,
        |t| t.contains("正在加载"),
    )
    .await?;
    b.execute("window.__releaseEngine();", vec![]).await?;
    b.wait_text(
        "#my-entries li.entry details.history",
        "the history read by the engine",
        LONG,
        |t| t.contains(note),
    )
    .await?;
    Ok(())
}

/// Issue 18 with issue 17's two tabs: one tab has its engine, the other's is held back. An
/// entry made in the tab without an engine shows in the other at once (its op), is not
/// written twice by the engine that is there (the op is young: its own tab's engine will
/// come), and once that engine arrives the server gets it exactly once. A correction made
/// in the tab with the engine of that entry comes after it.
async fn a_tab_without_its_engine_beside_one_with_it(b: &Browser, base: &str) -> E2eResult {
    sign_in(b, "p1-2").await?;
    let with_engine = b.client.window().await.context("the first tab")?;
    let held = b
        .client
        .new_window(true)
        .await
        .context("opening a second tab")?
        .handle;
    b.client
        .switch_to_window(held.clone())
        .await
        .context("switching tabs")?;
    // This tab's engine is held back; the first tab's runs.
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": ENGINE_GATE }),
    )
    .await?;
    b.goto("/").await?;
    b.click("button#tab-visit").await?;
    b.wait_for("button#visit-save", LONG).await?;
    let note = "没有引擎的标签页记的";
    log_visit(b, "v1", "Help", note).await?;

    b.client
        .switch_to_window(with_engine.clone())
        .await
        .context("switching tabs")?;
    wait_entry(b, note, SHORT).await?;
    // Corrected here, where the engine runs: the correction must come after the
    // entry, which only the other tab's op holds so far.
    let corrected = "改过：没有引擎的标签页记的";
    crate::issue_14::edit_note(b, note, corrected).await?;

    // The held tab's engine arrives; the server gets the entry once, corrected.
    b.client
        .switch_to_window(held.clone())
        .await
        .context("switching tabs")?;
    b.execute("window.__releaseEngine();", vec![]).await?;
    wait_synced(b, LONG).await?;
    b.client
        .switch_to_window(with_engine.clone())
        .await
        .context("switching tabs")?;
    wait_synced(b, LONG).await?;
    let notes = server_visit_notes(base).await?;
    let ours: Vec<&String> = notes
        .iter()
        .filter(|n| n.contains("没有引擎的标签页记的"))
        .collect();
    if ours != [corrected] {
        return Err(format!(
            "the server holds {ours:?}, want only {corrected:?}"
        ));
    }
    Ok(())
}

//! Issue 17: the phone never loses an entry or a typed word, and never locks anyone out —
//! two tabs of one profile offline, a phone shared by three people, wrong phone clocks,
//! and drafts.

use super::field::phone_shot;
use super::*;
use serde_json::json;

/// The visits of the county as the server holds them: note → how many times.
async fn server_notes(base: &str) -> E2eResult<Vec<(String, String)>> {
    let summary = server_county(base).await?;
    Ok(summary["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["note"].as_str().unwrap_or_default().to_string(),
                e["author"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

/// Every note in `want` is on the server exactly once, by its author.
async fn on_server_once(base: &str, want: &[(&str, &str)]) -> E2eResult {
    let have = server_notes(base).await?;
    for (note, author) in want {
        let found: Vec<&(String, String)> = have.iter().filter(|(n, _)| n == note).collect();
        if found.len() != 1 || found[0].1 != *author {
            return Err(format!(
                "{note:?} by {author} is on the server {} times: {found:?}",
                found.len()
            ));
        }
    }
    Ok(())
}

/// Logs a visit at the first place the form offers, with the date it defaults to.
async fn log_any_visit(b: &Browser, note: &str) -> E2eResult {
    b.wait_for("select#visit-place option[value]:not([value=''])", LONG)
        .await?;
    let place = b
        .execute(
            "return [...document.querySelectorAll('#visit-place option')] \
               .map(o => o.value).find(v => v);",
            vec![],
        )
        .await?;
    let place = place.as_str().ok_or("no place to visit")?.to_string();
    b.select("select#visit-place", &place, SHORT).await?;
    b.fill("textarea#visit-note", note).await?;
    b.click("button#visit-save").await?;
    wait_entry(b, note, SHORT).await
}

/// Logs out, accepting the warning about unsynced entries; returns its text, if any.
async fn log_out(b: &Browser) -> E2eResult<Option<String>> {
    b.click("button#logout").await?;
    let text = poll("the logout warning or the login form", LONG, || async {
        if let Ok(text) = b.client.get_alert_text().await {
            b.client
                .accept_alert()
                .await
                .map_err(|e| format!("accepting: {e}"))?;
            return Ok(Some(text));
        }
        if b.exists("input#login-phone").await? {
            return Ok(None);
        }
        Err("neither yet".into())
    })
    .await?;
    b.wait_for("input#login-phone", LONG).await?;
    Ok(text)
}

/// What the visit form's note holds (its value, not its text).
async fn note_value(b: &Browser) -> E2eResult<String> {
    b.wait_for("textarea#visit-note", SHORT)
        .await?
        .prop("value")
        .await
        .map(Option::unwrap_or_default)
        .map_err(|e| format!("[{}] reading the note: {e}", b.name))
}

async fn switch(b: &Browser, handle: &fantoccini::wd::WindowHandle) -> E2eResult {
    b.client
        .switch_to_window(handle.clone())
        .await
        .context(format!("[{}] switching tabs", b.name))
}

/// Issue 17, 1 and 4: one profile, two tabs, offline, entries alternating; each tab shows
/// the other's within moments, both keep all after a reload, the server gets each once.
/// Then drafts: typed text survives a switch of form, the back button, a reload and the
/// server ending the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_17_two_tabs_keep_every_entry_and_drafts_survive() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addr();
    let base = server.url("");
    let mut server = Some(server);

    with_browsers(
        "issue_17_tabs",
        &base,
        &["phone"],
        async |browsers: &[Browser]| {
            let [b] = browsers else { unreachable!() };
            sign_in(b, "p1-2").await?;
            let one = b.client.window().await.context("the first tab")?;
            let two = b
                .client
                .new_window(true)
                .await
                .context("opening a second tab")?
                .handle;
            switch(b, &two).await?;
            b.goto("/").await?;
            b.click("button#tab-visit").await?;
            b.wait_for("button#visit-save", LONG).await?;

            server.take().expect("running").stop().await?;
            let notes: Vec<String> = (1..=3)
                .flat_map(|i| [format!("一号页 走访{i}"), format!("二号页 走访{i}")])
                .collect();
            for (i, note) in notes.iter().enumerate() {
                let (this, other) = if i % 2 == 0 {
                    (&one, &two)
                } else {
                    (&two, &one)
                };
                switch(b, this).await?;
                log_any_visit(b, note).await?;
                // The other tab shows it within moments, with no reload.
                switch(b, other).await?;
                wait_entry(b, note, SHORT).await?;
                switch(b, this).await?;
            }
            for tab in [&one, &two] {
                switch(b, tab).await?;
                b.wait_text("#sync-status", "6 pending", LONG, |s| {
                    is_pending_or_offline(s, 6)
                })
                .await?;
                b.reload().await?;
                for note in &notes {
                    wait_entry(b, note, LONG).await?;
                }
                b.wait_text("#sync-status", "6 pending", LONG, |s| {
                    is_pending_or_offline(s, 6)
                })
                .await?;
            }

            server = Some(Server::start_on(addr, data.path(), &dist).await?);
            for tab in [&one, &two] {
                switch(b, tab).await?;
                wait_synced(b, LONG).await?;
            }
            let want: Vec<(&str, &str)> = notes.iter().map(|n| (n.as_str(), "p1-2")).collect();
            on_server_once(&base, &want).await?;

            // Drafts, in the first tab alone.
            b.client
                .close_window()
                .await
                .context("closing the second tab")?;
            switch(b, &one).await?;
            let typed = "入户走访，还没写完";
            b.fill("textarea#visit-note", typed).await?;
            b.wait_text("#visit-draft", "草稿", SHORT, |t| {
                t.contains("草稿") && t.contains("最后编辑")
            })
            .await?;
            phone_shot(b, "17-draft").await?;
            let kept = async |how: &str| -> E2eResult {
                b.wait_for("textarea#visit-note", LONG).await?;
                poll(format!("the draft after {how}"), SHORT, || async {
                    match note_value(b).await? {
                        v if v == typed => Ok(()),
                        v => Err(v),
                    }
                })
                .await?;
                b.wait_for("#visit-draft", SHORT).await.map(drop)
            };
            // Another form and back.
            b.click("button#tab-help").await?;
            b.wait_for("#help-form", LONG).await?;
            b.click("button#tab-visit").await?;
            kept("switching forms").await?;
            // Another page, then the back button.
            b.goto("/another/page").await?;
            poll("another page", LONG, || async {
                match b.exists("textarea#visit-note").await? {
                    false => Ok(()),
                    true => Err("the form is still shown".to_string()),
                }
            })
            .await?;
            b.client.back().await.context("going back")?;
            kept("the back button").await?;
            b.reload().await?;
            kept("a reload").await?;
            // The server ends the session (as a revoke or expiry would): the login form
            // replaces the form by itself; after the login the draft is there.
            let token = b
                .execute(
                    "return JSON.parse(localStorage.getItem('sanlian.session')).token;",
                    vec![],
                )
                .await?;
            reqwest::Client::new()
                .post(format!("{base}/api/logout"))
                .bearer_auth(token.as_str().unwrap_or_default())
                .send()
                .await
                .context("ending the session")?;
            let _ = b.click("button#sync-now").await;
            b.wait_for("input#login-phone", LONG).await?;
            let phone = backend::auth::demo::demo_phone("p1-2").expect("demo phone");
            b.fill("input#login-phone", &phone).await?;
            b.fill("input#login-password", DEMO_PASSWORD).await?;
            b.click("button#login-ok").await?;
            kept("the session ending").await?;
            // Discarded: gone, and gone after a reload.
            b.click("button#visit-discard").await?;
            poll("an empty note after discarding", SHORT, || async {
                match note_value(b).await? {
                    v if v.is_empty() => Ok(()),
                    v => Err(v),
                }
            })
            .await?;
            if b.exists("#visit-draft").await? {
                return Err("the draft note stays after discarding".into());
            }
            b.reload().await?;
            b.wait_for("button#visit-save", LONG).await?;
            if b.exists("#visit-draft").await? {
                return Err("a discarded draft came back after a reload".into());
            }
            Ok(())
        },
    )
    .await;
    if let Some(server) = server {
        server.stop().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Issue 17, 2: a phone shared by three people. A logs offline and logs out; B of the
/// same branch and C of another log in, log and sync with no error; A comes back and
/// everything is on the server once, each entry by its author.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_17_a_shared_phone_never_locks_anyone_out() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addr();
    let base = server.url("");
    let mut server = Some(server);

    with_browsers(
        "issue_17_shared",
        &base,
        &["phone"],
        async |browsers: &[Browser]| {
            let [b] = browsers else { unreachable!() };
            sign_in(b, "p1-2").await?;
            server.take().expect("running").stop().await?;
            let a_notes = ["甲 离线走访一", "甲 离线走访二"];
            for note in a_notes {
                log_any_visit(b, note).await?;
            }
            let warning = log_out(b)
                .await?
                .ok_or("no warning about 2 unsynced entries")?;
            if !warning.contains('2') || !warning.contains("下次你本人在这部手机登录时自动上传")
            {
                return Err(format!("the logout warning says {warning:?}"));
            }
            server = Some(Server::start_on(addr, data.path(), &dist).await?);

            // B, same branch: their own entry syncs; nothing of A's is theirs to see or send.
            sign_in(b, "p1-3").await?;
            log_any_visit(b, "乙 走访").await?;
            wait_synced(b, LONG).await?;
            for note in a_notes {
                if entry_texts(b).await?.iter().any(|e| e.contains(note)) {
                    return Err(format!("p1-3 sees p1-2's unsynced {note:?}"));
                }
            }
            if log_out(b).await?.is_some() {
                return Err("p1-3 was warned with nothing of theirs pending".into());
            }

            // C, another branch: logs in, logs and syncs with no error.
            sign_in(b, "p2-2").await?;
            log_any_visit(b, "丙 走访").await?;
            wait_synced(b, LONG).await?;
            log_out(b).await?;

            // A returns: their entries are handed in, once.
            log_in(b, &demo_phone("p1-2").expect("demo phone")).await?;
            b.click("button#tab-visit").await?;
            for note in a_notes {
                wait_entry(b, note, LONG).await?;
            }
            wait_synced(b, LONG).await?;
            on_server_once(
                &base,
                &[
                    (a_notes[0], "p1-2"),
                    (a_notes[1], "p1-2"),
                    ("乙 走访", "p1-3"),
                    ("丙 走访", "p2-2"),
                ],
            )
            .await
        },
    )
    .await;
    if let Some(server) = server {
        server.stop().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

const DAY_MS: i64 = 86_400_000;

/// Makes the page's clock run `offset_ms` off from every new document on (a phone whose
/// clock is wrong); the real time stays readable as `__realNow()`. Returns the script's id.
pub(super) async fn skew_clock(
    b: &Browser,
    offset_ms: i64,
    old: Option<String>,
) -> E2eResult<String> {
    if let Some(id) = old {
        b.cdp(
            "Page.removeScriptToEvaluateOnNewDocument",
            json!({ "identifier": id }),
        )
        .await?;
    }
    let source = format!(
        "(() => {{ const Real = Date, off = {offset_ms}; \
           globalThis.__realNow = () => Real.now(); \
           class Skewed extends Real {{ \
             constructor(...a) {{ if (a.length === 0) super(Real.now() + off); else super(...a); }} \
             static now() {{ return Real.now() + off; }} }} \
           globalThis.Date = Skewed; }})();"
    );
    let reply = b
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await?;
    reply["identifier"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no script id: {reply}"))
}

/// The real day (not the skewed one) as a date input holds it, `days` later.
async fn real_day(b: &Browser, days: i64) -> E2eResult<String> {
    let v = b
        .execute(
            "const d = new Date(__realNow() + arguments[0]); \
             return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' \
                 + String(d.getDate()).padStart(2, '0');",
            vec![json!(days * DAY_MS)],
        )
        .await?;
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("real day came back as {v}"))
}

/// Issue 17, 3: phone clocks a year fast, a year slow and three days fast. The phone
/// learns the server's time at login: the warning shows, the form defaults to the real
/// day, an offline reload keeps the login; a visit dated after tomorrow is 需核实 on the
/// phone and for the county office, and kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_17_a_wrong_phone_clock_is_corrected_and_flagged() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addr();
    let base = server.url("");
    let mut server = Some(server);

    with_browsers(
        "issue_17_clock",
        &base,
        &["phone"],
        async |browsers: &[Browser]| {
            let [b] = browsers else { unreachable!() };
            let mut script = None;
            for (offset, shown) in [
                (366 * DAY_MS, "366天"),
                (-366 * DAY_MS, "366天"),
                (3 * DAY_MS, "3天"),
            ] {
                script = Some(skew_clock(b, offset, script).await?);
                sign_in(b, "p1-2").await?;
                b.wait_text("#clock-warning", shown, LONG, |t| {
                    t.contains("手机时间不准") && t.contains(shown)
                })
                .await?;
                let today = real_day(b, 0).await?;
                let date = b
                    .wait_for("input#visit-date", SHORT)
                    .await?
                    .prop("value")
                    .await
                    .context("reading #visit-date")?
                    .unwrap_or_default();
                if date != today {
                    return Err(format!(
                    "clock off by {offset} ms: the form defaults to {date}, the real day is {today}"
                ));
                }
                if offset == 366 * DAY_MS {
                    phone_shot(b, "17-clock-warning").await?;
                }
                // Offline, a reload keeps the login (judged by the corrected clock).
                server.take().expect("running").stop().await?;
                b.reload().await?;
                b.wait_for("#me-name", LONG).await?;
                if b.exists("input#login-phone").await? {
                    return Err(format!(
                        "clock off by {offset} ms: offline reload asked to log in"
                    ));
                }
                b.wait_for("#clock-warning", SHORT).await?;
                if offset == 366 * DAY_MS {
                    // The clock moves three more days while offline: until the next sync the
                    // phone cannot know, and the visit is dated three days ahead. Kept, and
                    // 需核实 once the server's time is known again.
                    script = Some(skew_clock(b, offset + 3 * DAY_MS, script).await?);
                    b.reload().await?;
                    b.wait_for("button#visit-save", LONG).await?;
                    let ahead = real_day(b, 3).await?;
                    let date = b
                        .wait_for("input#visit-date", SHORT)
                        .await?
                        .prop("value")
                        .await
                        .context("reading #visit-date")?
                        .unwrap_or_default();
                    if date != ahead {
                        return Err(format!("the stale offset gives {date}, expected {ahead}"));
                    }
                    log_any_visit(b, "日期填到了三天后").await?;
                    server = Some(Server::start_on(addr, data.path(), &dist).await?);
                    wait_synced(b, LONG).await?;
                    b.wait_for("#my-findings li[data-rule='DateToVerify']", LONG)
                        .await?;
                    phone_shot(b, "17-date-to-verify").await?;
                    let token = api_token(&base, OFFICE_PHONE).await?;
                    let findings: serde_json::Value = reqwest::Client::new()
                        .get(format!("{base}/api/findings"))
                        .bearer_auth(token)
                        .send()
                        .await
                        .context("GET /api/findings")?
                        .json()
                        .await
                        .context("decoding /api/findings")?;
                    let flagged = findings["findings"].as_array().is_some_and(|fs| {
                        fs.iter().any(|f| {
                            f["rule"] == "DateToVerify"
                                && f["subject"]["id"] == "p1-2"
                                && f["message"].as_str().is_some_and(|m| m.contains(&ahead))
                        })
                    });
                    if !flagged {
                        return Err(format!("no 需核实 finding for the office: {findings}"));
                    }
                    on_server_once(&base, &[("日期填到了三天后", "p1-2")]).await?;
                } else {
                    server = Some(Server::start_on(addr, data.path(), &dist).await?);
                    wait_synced(b, LONG).await?;
                }
                log_out(b).await?;
            }
            Ok(())
        },
    )
    .await;
    if let Some(server) = server {
        server.stop().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

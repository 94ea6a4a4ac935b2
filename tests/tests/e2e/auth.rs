//! Issue 4 in the browser: log in, go offline, log entries, reload, come back, and the
//! entries sync under the logged-in user.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_4_log_in_work_offline_and_sync_under_the_right_user() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = server.addr();
    let base = server.url("");
    let mut server = Some(server);

    with_browsers(
        "issue_4",
        &base,
        &["member"],
        async |browsers: &[Browser]| {
            let [phone] = browsers else {
                unreachable!("one browser was asked for")
            };
            let member = demo_phone("p1-2").expect("p1-2 has a demo phone");

            // A wrong password is refused with a message in Chinese, and nothing opens.
            phone.goto("/").await?;
            phone.fill("input#login-phone", &member).await?;
            phone.fill("input#login-password", "不是这个密码").await?;
            phone.click("button#login-ok").await?;
            phone
                .wait_text("#login-error", "手机号或密码不正确", LONG, |t| {
                    t.contains("手机号或密码不正确")
                })
                .await?;
            if phone.exists("button#visit-save").await? {
                return Err("the visit form opened after a failed login".into());
            }

            sign_in(phone, "p1-2").await?;
            let name = phone.text("#me-name").await?;
            if name != person_name("p1-2") {
                return Err(format!("logged in as p1-2 but the page shows {name:?}"));
            }

            // A member gets no county tab nor console link (issue 18), and the console's
            // login sends them back to the phone app with a sentence.
            let tabs = phone.text("nav.tabs").await?;
            if tabs.contains("全县汇总") || phone.exists("#open-office").await? {
                return Err(format!("a member's tabs read {tabs:?}"));
            }
            phone.goto("/office").await?;
            phone.wait_for("form#office-login", LONG).await?;
            phone.fill("input#login-phone", &member).await?;
            phone.fill("input#login-password", DEMO_PASSWORD).await?;
            phone.click("button#login-submit").await?;
            phone
                .wait_text("#login-error", "the console's refusal", LONG, |t| {
                    t.contains("请在手机上打开")
                })
                .await?;
            if !phone
                .exists("#login-error a#phone-app-link[href='/']")
                .await?
            {
                return Err("no link back to the phone app".into());
            }
            phone.goto("/").await?;
            phone.wait_for("button#visit-save", LONG).await?;

            // Offline: the saved session keeps the app open across a reload.
            server.take().expect("server is running").stop().await?;
            let notes = ["离线登录后记录 一", "离线登录后记录 二"];
            log_visit(phone, "v1", "Help", notes[0]).await?;
            phone.reload().await?;
            phone.wait_for("button#visit-save", LONG).await?;
            if phone.exists("input#login-phone").await? {
                return Err("offline, a reload asked to log in again".into());
            }
            // Written by this start's fresh actor, which the server has never seen.
            log_visit(phone, "v2", "Help", notes[1]).await?;
            phone
                .wait_text("#sync-status", "2 pending or 离线", LONG, |s| {
                    is_pending_or_offline(s, 2)
                })
                .await?;

            // Back online: both entries sync, attributed to p1-2.
            server = Some(Server::start_on(addr, data.path(), &dist).await?);
            wait_synced(phone, LONG).await?;
            let summary = server_county(&base).await?;
            let entries = summary["entries"].as_array().cloned().unwrap_or_default();
            for note in notes {
                let entry = entries
                    .iter()
                    .find(|e| e["note"] == note)
                    .ok_or_else(|| format!("/api/county lacks {note:?}: {entries:?}"))?;
                if entry["author"] != "p1-2" {
                    return Err(format!("{note:?} is attributed to {}", entry["author"]));
                }
            }

            // Logging out returns to the login form; the session is gone after a reload too.
            phone.click("button#logout").await?;
            phone.wait_for("input#login-phone", LONG).await?;
            phone.reload().await?;
            phone.wait_for("input#login-phone", LONG).await?;
            Ok(())
        },
    )
    .await;
    if let Some(server) = server {
        server.stop().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The demo 县直机关工委 staff's login (backend/src/auth/demo.rs).
const COMMITTEE_PHONE: &str = "13800009901";

/// A committee's plans as the server holds them, read by syncing `committee/<id>` as the
/// county office would (the county office reads every committee's document).
async fn server_committee(
    base: &str,
    committee: &str,
) -> E2eResult<shared::domain::records::CommitteeRecords> {
    use shared::ids::DocId;
    let token = api_token(base, OFFICE_PHONE).await?;
    let id = DocId::committee(committee).map_err(|e| e.to_string())?;
    let doc = super::sync_doc(base, &token, &id, automerge::AutoCommit::new()).await?;
    shared::domain::docs::read_committee(&doc).map_err(|e| format!("reading {id}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_4_committee_staff_record_their_plan_in_the_app() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");

    with_browsers(
        "issue_4_committee",
        &base,
        &["committee"],
        async |browsers: &[Browser]| {
            let [phone] = browsers else {
                unreachable!("one browser was asked for")
            };
            log_in(phone, COMMITTEE_PHONE).await?;
            // Committee staff get their own plan form, not "your account does not record".
            phone.wait_for("button#committee-plan-save", LONG).await?;
            wait_synced(phone, LONG).await?;
            let role = phone.text(".me").await?;
            if !role.contains("党（工）委工作人员") {
                return Err(format!("the home page shows {role:?} for committee staff"));
            }
            // Their console is the desktop app at /office, linked instead of office tabs.
            let link = phone.text("nav.tabs a#open-office[href='/office']").await?;
            if link != "打开县委组织部工作台" {
                return Err(format!("the console link reads {link:?}"));
            }
            let note = "分领导干部、机关支部、党员三个层次督查";
            phone
                .select("select#committee-plan-kind", "Supervision", SHORT)
                .await?;
            phone
                .select("select#committee-plan-status", "Draft", SHORT)
                .await?;
            phone.fill("textarea#committee-plan-content", note).await?;
            phone.click("button#committee-plan-save").await?;
            let row = phone
                .wait_text("#committee-plans", note, SHORT, |t| t.contains(note))
                .await?;
            if !row.contains("草拟中") || !row.contains("督查工作安排") {
                return Err(format!(
                    "the plan's kind and status are not listed: {row:?}"
                ));
            }
            wait_synced(phone, LONG).await?;
            // Usable on a 360 px phone: nothing wider than the screen.
            super::field::phone_shot(phone, "committee-home").await?;

            let held = server_committee(&base, "c1").await?;
            let plan = held
                .plans
                .values()
                .find(|p| p.content == note)
                .ok_or_else(|| format!("the server lacks the plan: {:?}", held.plans))?;
            if plan.author != "c1-staff"
                || plan.kind.code() != "Supervision"
                || plan.status.code() != "Draft"
            {
                return Err(format!("the server holds {plan:?}"));
            }
            Ok(())
        },
    )
    .await;
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

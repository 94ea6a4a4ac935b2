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

            // A member does not see the county's data.
            phone.goto("/county").await?;
            phone
                .wait_text(".warning", "仅供县委组织部查看", LONG, |t| {
                    t.contains("仅供县委组织部查看")
                })
                .await?;
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

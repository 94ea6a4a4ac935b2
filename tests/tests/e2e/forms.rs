//! Issue 3 on a phone: the forms of a member's 党员联帮 with their Chinese validation,
//! and the member's own findings updating the moment an entry is saved — the same
//! findings the server computes once the entries are synced.

use super::{api_token, demo_phone, sign_in, wait_entry, wait_synced, with_browsers};
use e2e::{dist_dir, poll, Browser, E2eResult, Server, LONG, SHORT};

async fn findings(b: &Browser) -> E2eResult<Vec<String>> {
    b.texts("#my-findings li.finding").await
}

async fn wait_finding(b: &Browser, want: &str, present: bool) -> E2eResult {
    poll(
        format!("[{}] finding {want:?} present={present}", b.name),
        LONG,
        || async {
            let all = findings(b).await?;
            if all.iter().any(|f| f.contains(want)) == present {
                Ok(())
            } else {
                Err(format!("{all:?}"))
            }
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_3_member_logs_a_household_and_sees_what_is_still_needed() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");

    with_browsers(
        "issue_3",
        &base,
        &["member"],
        async |browsers: &[Browser]| {
            let [m] = browsers else { unreachable!() };
            sign_in(m, "p1-2").await?;
            // No household yet: the finding says so and the help form asks for one first.
            wait_finding(m, "尚未确定帮扶对象", true).await?;
            m.click("button#tab-help").await?;
            m.wait_text("#help-blocked", "asks for a household first", SHORT, |t| {
                t.contains("请先确定帮扶对象")
            })
            .await?;

            // A bad number is refused in Chinese and nothing is saved.
            m.click("button#tab-target").await?;
            m.fill("input#target-name", "王某某").await?;
            m.fill("input#target-household_size", "4").await?;
            m.fill("input#target-baseline_income", "三千").await?;
            m.click("button#target-save").await?;
            m.wait_text("#target-form .field-error", "income error", SHORT, |t| {
                t.contains("年初人均纯收入须为整数")
            })
            .await?;
            m.fill("input#target-baseline_income", "3,000元").await?;
            m.click("button#target-save").await?;
            wait_entry(m, "王某某", SHORT).await?;
            wait_finding(m, "尚未确定帮扶对象", false).await?;
            wait_finding(m, "帮扶对象王某某 尚未选定发展项目", true).await?;

            // The income box appears only for an income record; 6 % growth is short of 10 %.
            m.click("button#tab-help").await?;
            m.select("select#help-kind", "Income", SHORT).await?;
            m.fill("textarea#help-detail", "入户核算全年收入").await?;
            m.fill("input#help-income", "3180").await?;
            m.click("button#help-save").await?;
            wait_entry(m, "入户核算全年收入", SHORT).await?;
            wait_finding(m, "帮扶对象王某某 收入增长 6%，未达 10%", true).await?;

            // Synced, the server judges the same records the same way.
            wait_synced(m, LONG).await?;
            let url = format!("{base}/api/findings?about=p1-2");
            // Asked as the member: everyone may read the findings about themselves.
            let phone = demo_phone("p1-2").ok_or("p1-2 has a demo phone")?;
            let token = api_token(&base, &phone).await?;
            let body = reqwest::Client::new()
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| format!("GET {url}: {e}"))?
                .text()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            if !body.contains("收入增长 6%，未达 10%") {
                return Err(format!("the server does not see the 6 % household: {body}"));
            }
            Ok(())
        },
    )
    .await;
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

//! Issue 13 on the phone, beyond the county-from-nothing story of `registry.rs`:
//! - the year rollover: on a phone whose clock has passed into next January, a leader is
//!   offered last year's contact point and confirms it through the form, offline; it
//!   syncs as this year's record and the county office sees it; a member who declines
//!   last year's household is not asked again, after a reload too;
//! - phones follow the registry: renamed places and branches read their new names after a
//!   sync; a member retired while offline is told so at the next sync, keeps what they
//!   logged and can hand it in as a file.
//!
//! The office side is driven through its API (the office pages are another story's).

use super::issue_17::skew_clock;
use super::registry::{set_offline, shot, tap, viewport};
use super::*;
use serde_json::{json, Value};

/// A field of the open form as the page holds it.
async fn value_of(b: &Browser, css: &str) -> E2eResult<String> {
    let v = b
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
            vec![json!(css)],
        )
        .await?;
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("[{}] no {css}", b.name))
}

/// Waits for the page of a logged-in field user after a reload or navigation.
async fn wait_home(b: &Browser) -> E2eResult {
    b.wait_for("#me-name", LONG).await?;
    b.wait_for("nav.form-tabs button", LONG).await.map(drop)
}

/// The county office's view of one person for a year (`GET /api/office/people/{id}`).
async fn office_person(base: &str, id: &str, year: i32) -> E2eResult<Value> {
    office_api(
        base,
        Method::Get,
        &format!("/api/office/people/{id}?year={year}"),
        None,
    )
    .await
}

enum Method {
    Get,
    Post,
    Put,
}

/// One call of the office API as the demo county office staff.
async fn office_api(
    base: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> E2eResult<Value> {
    let token = api_token(base, OFFICE_PHONE).await?;
    let url = format!("{base}{path}");
    let client = reqwest::Client::new();
    let req = match method {
        Method::Get => client.get(&url),
        Method::Post => client.post(&url),
        Method::Put => client.put(&url),
    };
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    let resp = req
        .bearer_auth(token)
        .send()
        .await
        .context(path.to_string())?;
    let status = resp.status();
    let text = resp.text().await.context(format!("reading {path}"))?;
    if !status.is_success() {
        return Err(format!("{path}: {status} {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}: {text}"))
}

/// Moves the page's clock to 5 January of next year, 10:00 on the phone, from the next
/// page load on. The login's correction (server − phone) was learned before, so the
/// corrected clock reads January too until the phone next reaches the server.
async fn next_january(b: &Browser) -> E2eResult<i32> {
    let v = b
        .execute(
            "const y = new Date().getFullYear() + 1; \
             return [y, new Date(y, 0, 5, 10).getTime() - Date.now()];",
            vec![],
        )
        .await?;
    let (year, offset) = (v[0].as_i64(), v[1].as_i64());
    let (Some(year), Some(offset)) = (year, offset) else {
        return Err(format!("next January came back as {v}"));
    };
    skew_clock(b, offset, None).await?;
    b.goto("/").await?;
    wait_home(b).await?;
    Ok(year as i32)
}

/// Issue 13, year rollover: offered, confirmed through the form offline, synced as this
/// year's, seen by the county office; a declined offer stays declined.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_13_last_years_links_are_offered_in_january_and_kept_only_when_confirmed() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");

    with_browsers(
        "issue_13_rollover",
        &base,
        &["leader", "member"],
        async |browsers: &[Browser]| {
            let [leader, member] = browsers else {
                unreachable!()
            };
            for b in browsers {
                viewport(b, 360, 740).await?;
            }
            // This year: 李 (l1) names his contact point, 张 (p1-2) her household.
            sign_in(leader, "l1").await?;
            tap(leader, "#tab-point").await?;
            leader.select("select#point-place", "v2", LONG).await?;
            leader
                .fill("textarea#point-note", "联系该村，重点抓茶叶产业")
                .await?;
            tap(leader, "button#point-save").await?;
            wait_synced(leader, LONG).await?;

            sign_in(member, "p1-2").await?;
            tap(member, "#tab-target").await?;
            member.fill("input#target-name", "王大山").await?;
            member.select("select#target-place", "v1", LONG).await?;
            member.fill("input#target-household_size", "4").await?;
            member.fill("input#target-baseline_income", "2800").await?;
            tap(member, "button#target-save").await?;
            wait_synced(member, LONG).await?;

            // In the village there is no network; the phones' clocks pass into January.
            for b in browsers {
                set_offline(b, true).await?;
            }
            let year = next_january(leader).await?;
            next_january(member).await?;
            let last = year - 1;
            let place = person_place_name("v2");

            // The leader is offered last year's point, by name; nothing is carried yet.
            let offer = leader
                .wait_text(
                    "#rollover li.offer[data-kind=\"point\"]",
                    "last year's point on offer",
                    LONG,
                    |t| t.contains(&format!("{last} 年联系点")) && t.contains(&place),
                )
                .await?;
            if !offer.contains("今年继续") || !offer.contains("不再继续") {
                return Err(format!("the offer reads {offer:?}"));
            }
            shot(leader, "13-rollover-offer", 360).await?;
            tap(
                leader,
                "#rollover li.offer[data-kind=\"point\"] button.continue",
            )
            .await?;
            // 今年继续 opens this year's form with last year's point in it, as a draft.
            leader.wait_for("#point-draft", LONG).await?;
            let filled = (
                value_of(leader, "#point-year").await?,
                value_of(leader, "#point-place").await?,
                value_of(leader, "#point-note").await?,
            );
            if filled
                != (
                    year.to_string(),
                    "v2".to_string(),
                    "联系该村，重点抓茶叶产业".to_string(),
                )
            {
                return Err(format!("this year's form was filled with {filled:?}"));
            }
            if !office_person(&base, "l1", year).await?["points"]
                .as_array()
                .is_some_and(Vec::is_empty)
            {
                return Err("a point was carried over before the leader saved it".into());
            }
            shot(leader, "13-rollover-form", 360).await?;
            tap(leader, "button#point-save").await?;
            poll("the offer gone once saved", LONG, || async {
                if leader.exists("#rollover").await? {
                    Err("still offered".to_string())
                } else {
                    Ok(())
                }
            })
            .await?;
            leader
                .wait_text("#sync-status", "the point pending", LONG, |s| {
                    s.contains("1 条待同步")
                })
                .await?;

            // The member declines last year's household: gone, and gone after a reload.
            member
                .wait_text(
                    "#rollover li.offer[data-kind=\"target\"]",
                    "last year's household on offer",
                    LONG,
                    |t| t.contains("王大山") && t.contains(&format!("{last} 年帮扶对象")),
                )
                .await?;
            tap(
                member,
                "#rollover li.offer[data-kind=\"target\"] button.stop",
            )
            .await?;
            poll("the declined offer gone", LONG, || async {
                if member.exists("#rollover").await? {
                    Err("still offered".to_string())
                } else {
                    Ok(())
                }
            })
            .await?;
            member.goto("/").await?;
            wait_home(member).await?;
            // The findings list renders from the same documents as the offers: once it is
            // there, the offers would be too.
            member.wait_for("#my-findings", LONG).await?;
            if member.exists("#rollover").await? {
                return Err("a declined offer came back after a reload".into());
            }
            shot(member, "13-rollover-declined", 360).await?;

            // Back in reach of the server: the point lands as this year's, the county
            // office sees it, and last year's stays last year's.
            set_offline(leader, false).await?;
            wait_synced(leader, LONG).await?;
            for (y, what) in [(year, "this year's"), (last, "last year's")] {
                let seen = office_person(&base, "l1", y).await?;
                let points = seen["points"].to_string();
                if !points.contains(&place) && !points.contains("v2") {
                    return Err(format!("{what} point not in the office view: {seen}"));
                }
            }
            set_offline(member, false).await?;
            Ok(())
        },
    )
    .await;
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

fn person_place_name(id: &str) -> String {
    registry(DemoSpec::SMALL).place_name(id).to_string()
}

/// Issue 13, phones follow the registry: a rename of the member's branch and of a village
/// reaches the phone with its next sync; a member retired while offline is told so at the
/// next sync, and what they logged stays on the phone, ready to be handed in as a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_13_phones_follow_renames_and_a_retirement() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");

    with_browsers(
        "issue_13_follow",
        &base,
        &["phone"],
        async |browsers: &[Browser]| {
            let [phone] = browsers else { unreachable!() };
            viewport(phone, 360, 740).await?;
            sign_in(phone, "p1-3").await?;

            // The office renames the member's branch and a village.
            let registry = registry(DemoSpec::SMALL);
            let b1 = &registry.branches["b1"];
            office_api(
                &base,
                Method::Put,
                "/api/office/registry/branches/b1",
                Some(json!({
                    "id": "b1", "name": "县财政局第一党支部", "kind": b1.kind.code(),
                    "committee": b1.committee, "place": b1.place,
                })),
            )
            .await?;
            let v1 = &registry.places["v1"];
            // Its 五个结合 tags stay as they are.
            let listing = office_api(&base, Method::Get, "/api/office/registry", None).await?;
            let tags = listing["tags"]["v1"].clone();
            office_api(
                &base,
                Method::Put,
                "/api/office/registry/places/v1",
                Some(json!({
                    "id": "v1", "name": "新名村", "kind": v1.kind.code(),
                    "township": v1.township,
                    "tags": if tags.is_null() { json!([]) } else { tags },
                })),
            )
            .await?;
            wait_synced(phone, LONG).await?;
            phone
                .wait_text(".me", "the branch's new name", LONG, |t| {
                    t.contains("县财政局第一党支部")
                })
                .await?;
            let places = phone.texts("select#visit-place option").await?;
            if !places.iter().any(|p| p == "新名村") || places.iter().any(|p| p == &v1.name) {
                return Err(format!("the visit form's places: {places:?}"));
            }
            shot(phone, "13-renamed", 360).await?;

            // Offline, a visit; meanwhile the office retires the member.
            set_offline(phone, true).await?;
            let note = "停用前离线记的一次走访";
            phone.select("select#visit-place", "v1", LONG).await?;
            phone.fill("textarea#visit-note", note).await?;
            tap(phone, "button#visit-save").await?;
            wait_entry(phone, note, SHORT).await?;
            office_api(
                &base,
                Method::Post,
                "/api/office/registry/people/p1-3/retire",
                None,
            )
            .await?;

            // Back online: told why the phone no longer syncs, and the visit is still on
            // it with 导出 to hand it in.
            set_offline(phone, false).await?;
            let _ = phone.click("button#sync-now").await;
            let told = poll("the retirement told", LONG, || async {
                for css in ["#login-refused", "#sync-status", "#registry-notice"] {
                    if phone.exists(css).await? {
                        let t = phone.text(css).await?;
                        if t.contains("停用") {
                            return Ok(t);
                        }
                    }
                }
                let _ = phone.click("button#sync-now").await;
                Err("not yet".to_string())
            })
            .await?;
            shot(phone, "13-retired", 360).await?;
            if !told.contains("导出") {
                return Err(format!("the phone says {told:?}, with no way to hand in"));
            }
            // Still on the phone, counted as waiting, with the export to hand it in.
            if !told.contains("1 条待同步") {
                return Err(format!(
                    "the phone's unsynced entry is not counted: {told:?}"
                ));
            }
            wait_entry(phone, note, SHORT).await?;
            phone.wait_for("#export-button", SHORT).await?;
            if server_county(&base).await?.to_string().contains(note) {
                return Err("a retired member's visit was accepted".into());
            }
            Ok(())
        },
    )
    .await;
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

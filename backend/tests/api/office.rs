//! Issue 6: the county office — overview and drill-downs over the merged county, the
//! official forms as .xlsx, inspections, sync health and search, all through the real
//! router, on the generator's county with its answer key.

use super::{Server, B1};
use automerge::ActorId;
use axum::http::{Method, StatusCode};
use backend::store::{DocStore, SqliteStore};
use backend::{AppState, Config};
use calamine::{Reader, Xlsx};
use shared::client::SyncClient;
use shared::doc::put_visit;
use shared::domain::docs::write_county;
use shared::domain::generator::{generate, GenSpec, Generated};
use shared::domain::records::Labour;
use shared::domain::rules::{Finding, RuleCode};
use shared::ids::DocId;
use shared::model::{Role, Visit, VisitKind};
use shared::office::*;
use shared::wire::{SyncResponse, SYNC_CONTENT_TYPE, SYNC_PATH};
use std::collections::BTreeSet;
use std::io::Cursor;

const YEAR_2008: &str = "year=2008&as_of=2008-12-31";

/// The generated small county, written into documents the way phones and the office
/// write them, stored, and opened by the server as `main` opens it.
fn generated_server(dir: &std::path::Path) -> (AppState, Generated) {
    generated_server_of(dir, GenSpec::SMALL)
}

fn generated_server_of(dir: &std::path::Path, spec: GenSpec) -> (AppState, Generated) {
    serve_generated(dir, generate(spec))
}

fn serve_generated(dir: &std::path::Path, gen: Generated) -> (AppState, Generated) {
    let mut docs =
        write_county(&gen.data, ActorId::from([3u8; 16]), 1_214_800_000).expect("county writes");
    let store = SqliteStore::open(&dir.join("sanlian.sqlite3")).expect("store opens");
    store
        .replace("registry", &docs.registry.save())
        .expect("registry stored");
    store
        .replace(&DocId::Office.to_string(), &docs.office.save())
        .expect("office stored");
    for (b, doc) in &mut docs.branches {
        store
            .replace(&format!("branch/{b}"), &doc.save())
            .expect("branch stored");
    }
    drop(store);
    let state = AppState::open(Config {
        data_dir: Some(dir.to_path_buf()),
        assets_dir: None,
        demo: false,
    })
    .expect("the server opens the stored county");
    (state, gen)
}

async fn get_json<T: serde::de::DeserializeOwned>(server: &Server, path: &str) -> T {
    let reply = server.request(Method::GET, path, None, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{path}: unexpected JSON ({e}): {}", reply.text()))
}

#[tokio::test]
async fn issue_6_findings_and_overview_match_the_answer_key_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let server = Server::in_process(&state);

    #[derive(serde::Deserialize)]
    struct Page {
        findings: Vec<Finding>,
    }
    let page: Page = get_json(&server, &format!("/api/findings?{YEAR_2008}")).await;
    let got: BTreeSet<_> = page.findings.iter().map(Finding::key).collect();
    assert_eq!(got, gen.key.keys(), "findings through the API ≠ answer key");

    let o: Overview = get_json(&server, &format!("/api/office/overview?{YEAR_2008}")).await;
    let k = &gen.key;
    let t = &o.totals;
    assert_eq!(t.places, gen.data.registry.places.len());
    assert_eq!(t.without_point, k.uncovered_by_point.len());
    assert_eq!(t.without_pair, k.uncovered_by_pair.len());
    let uncovered: BTreeSet<_> = k.uncovered_by_point.union(&k.uncovered_by_pair).collect();
    assert_eq!(t.covered, t.places - uncovered.len());
    assert_eq!(t.point_repeats, k.point_repeats.len());
    assert_eq!(t.pair_repeats, k.pair_repeats.len());
    assert_eq!(t.target_repeats, k.target_repeats.len());
    let leaders = gen
        .data
        .registry
        .people
        .values()
        .filter(|p| p.role == Role::Leader)
        .count();
    assert_eq!(t.leaders, leaders);
    assert_eq!(t.leaders_visits_ok, leaders - k.leaders_short.len());
    assert_eq!(t.members_without_target, k.members_without_target.len());
    // Households on track: every labour-capable one not named by a household rule.
    let able: BTreeSet<String> = gen
        .data
        .branches
        .values()
        .flat_map(|b| b.targets.values())
        .filter(|x| !x.withdrawn && x.year == 2008 && x.labour == Labour::Able)
        .map(|x| x.id.clone())
        .collect();
    let off: BTreeSet<&String> = k
        .targets_without_project
        .keys()
        .chain(k.targets_without_skill.keys())
        .chain(k.targets_without_income.keys())
        .chain(k.targets_under_growth.keys())
        .collect();
    assert_eq!(t.households, able.len());
    assert_eq!(t.households_on_track, able.len() - off.len());
    let missing_quarters: BTreeSet<u32> = o
        .quarters
        .iter()
        .filter(|q| q.missing)
        .map(|q| q.quarter)
        .collect();
    assert_eq!(missing_quarters, k.quarters_without_inspection);
    let per_rule: usize = o.rules.iter().map(|r| r.count).sum();
    assert_eq!(per_rule, page.findings.len());
    assert!(o.stamp.line().starts_with("数据截至"), "{}", o.stamp.line());

    // Late / missing filings show per committee as the key says.
    for ((c, kind), days) in &k.filings_late {
        let row = o
            .committees
            .iter()
            .find(|r| &r.id == c)
            .expect("committee row");
        let f = row
            .filings
            .iter()
            .find(|f| f.kind == kind.label())
            .expect("filing status");
        assert_eq!(f.status, format!("迟 {days} 天"));
        assert!(!f.ok);
    }
    for (c, kind) in k.filings_missing.keys() {
        let row = o
            .committees
            .iter()
            .find(|r| &r.id == c)
            .expect("committee row");
        let f = row.filings.iter().find(|f| f.kind == kind.label()).unwrap();
        assert!(f.status.starts_with("未报送"), "{}", f.status);
    }
}

#[tokio::test]
async fn issue_6_drill_down_goes_committee_branch_person_record() {
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let server = Server::in_process(&state);
    let k = &gen.key;

    // A township committee lists its places with who covers them.
    let t1: CommitteeDetail =
        get_json(&server, &format!("/api/office/committees/t1?{YEAR_2008}")).await;
    for p in &t1.places {
        assert_eq!(
            p.leaders.is_empty(),
            k.uncovered_by_point.contains(&p.id),
            "place {} leaders {:?}",
            p.id,
            p.leaders
        );
        assert_eq!(p.partners.is_empty(), k.uncovered_by_pair.contains(&p.id));
    }

    // The working committee lists every office branch (one page: the small county has few).
    let c1: CommitteeDetail =
        get_json(&server, &format!("/api/office/committees/c1?{YEAR_2008}")).await;
    assert_eq!((c1.page, c1.branch_total), (0, c1.branches.len()));
    let branches: Vec<&str> = c1.branches.iter().map(|b| b.id.as_str()).collect();
    let expected: Vec<&str> = gen
        .data
        .registry
        .writing_branches()
        .filter(|b| b.committee == "c1")
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(branches, expected);
    for row in &c1.branches {
        let missing = k.plans_missing.iter().filter(|(b, _)| b == &row.id).count();
        assert!(row.plans_ok <= 3 - missing, "{}: {row:?}", row.id);
        let deeds_missing = k.deeds_missing.iter().filter(|(b, _)| b == &row.id).count();
        assert_eq!(row.deeds_ok, 5 - deeds_missing, "{}", row.id);
        // Issue 16: 三个活动 held, unless the pair's activity is a planted gap or there is
        // no pair at all.
        let lacking = k.activities_missing.keys().any(|(b, _)| b == &row.id);
        let paired = k.pairs.get(&row.id).is_some_and(|p| !p.is_empty());
        assert_eq!(row.activities_ok, paired && !lacking, "{}: {row:?}", row.id);
    }
    assert!(
        c1.branches.iter().any(|b| !b.activities_ok) && c1.branches.iter().any(|b| b.activities_ok),
        "the small county has branches both ways"
    );

    // Branch → its people, with the leader's visits as the rule counts them.
    let (short_leader, visits) = k.leaders_short.iter().next().expect("a short leader");
    let branch_id = gen.data.registry.people[short_leader].branch.clone();
    let b: BranchDetail = get_json(
        &server,
        &format!("/api/office/branches/{branch_id}?{YEAR_2008}"),
    )
    .await;
    let row = b
        .people
        .iter()
        .find(|p| &p.id == short_leader)
        .expect("the leader is listed in their branch");
    assert_eq!(row.point_visits, *visits);
    assert!(row.findings > 0);

    // Person → findings and a page of their records.
    let p: PersonDetail = get_json(
        &server,
        &format!("/api/office/people/{short_leader}?{YEAR_2008}"),
    )
    .await;
    assert!(p.findings.iter().any(|f| f.rule.code() == "LeaderVisits"));
    // The console reads the same reply with each finding as its rule and message only.
    let lines: PersonDetail<FindingLine> = get_json(
        &server,
        &format!("/api/office/people/{short_leader}?{YEAR_2008}"),
    )
    .await;
    let read: Vec<(RuleCode, &str)> = lines
        .findings
        .iter()
        .map(|f| (f.rule, f.message.as_str()))
        .collect();
    let whole: Vec<(RuleCode, &str)> = p
        .findings
        .iter()
        .map(|f| (f.rule, f.message.as_str()))
        .collect();
    assert_eq!(read, whole);
    assert_eq!(lines.records, p.records);
    let authored = gen
        .data
        .branches
        .values()
        .flat_map(|b| b.visits.values())
        .filter(|v| &v.author == short_leader)
        .count();
    assert!(
        p.records.total >= authored,
        "{} < {authored}",
        p.records.total
    );
    assert!(p.records.records.len() <= p.records.per_page);
    // → record: each listed record is one of theirs, newest first.
    let dates: Vec<&str> = p.records.records.iter().map(|r| r.date.as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert!(p
        .records
        .records
        .iter()
        .all(|r| &r.author.id == short_leader));

    // A member's under-10 % household shows its growth on the member's page.
    let (target, (member, growth)) = k.targets_under_growth.iter().next().unwrap();
    let m: PersonDetail =
        get_json(&server, &format!("/api/office/people/{member}?{YEAR_2008}")).await;
    let row = m
        .targets
        .iter()
        .find(|t| &t.id == target)
        .expect("target listed");
    assert_eq!(row.growth_percent, Some(*growth));
    assert!(!row.on_track);

    // Unknown ids are a JSON 404 in Chinese; bad years a 400.
    let reply = server
        .request(Method::GET, "/api/office/branches/nope", None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text().contains("没有这个支部"), "{}", reply.text());
    let reply = server
        .request(
            Method::GET,
            "/api/office/overview?year=1900",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("年份有误"), "{}", reply.text());
    let reply = server
        .request(
            Method::GET,
            "/api/office/overview?as_of=yesterday",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("the xlsx opens");
    let range = wb
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("sheet {sheet}: {e}"));
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn issue_6_roster_and_registration_xlsx_hold_the_expected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let server = Server::in_process(&state);
    let r = &gen.data.registry;
    let k = &gen.key;

    let reply = server
        .request(
            Method::GET,
            &format!("/api/office/forms/roster.xlsx?{YEAR_2008}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        reply.content_type.contains("spreadsheetml"),
        "{}",
        reply.content_type
    );

    let leaders = sheet_rows(&reply.body, "领导联点");
    assert!(leaders[0][0].contains("花名册"), "{:?}", leaders[0]);
    assert!(leaders[1][0].starts_with("数据截至"), "{:?}", leaders[1]);
    assert!(
        leaders[1][0].contains("已知未同步 0 条"),
        "{:?}",
        leaders[1]
    );
    assert_eq!(leaders[2][..3], ["序号", "姓名", "单位及职务"]);
    let data = &leaders[3..];
    let expected_leaders: Vec<_> = r
        .writing_branches()
        .flat_map(|b| {
            r.people
                .values()
                .filter(move |p| p.branch == b.id && p.role == Role::Leader)
        })
        .collect();
    assert_eq!(data.len(), expected_leaders.len());
    for (row, l) in data.iter().zip(&expected_leaders) {
        assert_eq!(row[1], l.name);
        let points = &k.points[&l.id];
        if points.is_empty() {
            assert_eq!(row[4], "未确定");
        } else {
            for p in points {
                assert!(row[4].contains(r.place_name(p)), "{row:?} lacks {p}");
            }
        }
        let short = k.leaders_short.get(&l.id);
        let visits: usize = row[7].parse().expect("a count");
        match short {
            Some(n) => assert_eq!(visits, *n),
            None => assert!(visits >= 6, "{row:?}"),
        }
    }

    let branches = sheet_rows(&reply.body, "支部联建");
    assert_eq!(branches.len() - 3, r.writing_branches().count());
    for row in &branches[3..] {
        let b = r
            .writing_branches()
            .find(|b| b.name == row[1])
            .expect("a branch row");
        if k.pairs[&b.id].is_empty() {
            assert_eq!(row[4], "未结对");
        }
    }

    // One row per (member, target), members without one listed as 未确定.
    let members = sheet_rows(&reply.body, "党员联帮");
    let undecided = members[3..].iter().filter(|row| row[3] == "未确定").count();
    assert_eq!(undecided, k.members_without_target.len());
    let targets = gen
        .data
        .branches
        .values()
        .flat_map(|b| b.targets.values())
        .filter(|t| !t.withdrawn && t.year == 2008)
        .count();
    assert_eq!(members.len() - 3, targets + undecided);

    // 登记表: one per link — points, pairs, targets.
    let reply = server
        .request(
            Method::GET,
            &format!("/api/office/forms/registration.xlsx?{YEAR_2008}&committee=c1"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let rows = sheet_rows(&reply.body, "登记表");
    assert_eq!(
        rows[2],
        [
            "序号",
            "联建形式",
            "帮联人（单位）",
            "联建对象",
            "基本情况",
            "存在问题",
            "帮扶内容",
            "具体措施"
        ]
    );
    let links = &rows[3..];
    let points: usize = k.points.values().map(|p| p.len()).sum();
    let pairs: usize = k.pairs.values().map(|p| p.len()).sum();
    let count = |kind: &str| links.iter().filter(|r| r[1] == kind).count();
    assert_eq!(count("领导联点"), points);
    assert_eq!(count("支部联建"), pairs);
    assert_eq!(count("党员联帮"), targets);
    // A household's basic situation and its income line.
    let (target, (_, growth)) = k.targets_under_growth.iter().next().unwrap();
    let t = gen
        .data
        .branches
        .values()
        .find_map(|b| b.targets.get(target))
        .unwrap();
    let row = links
        .iter()
        .find(|row| row[3] == t.name && row[4].contains(&format!("{}口人", t.household_size)))
        .expect("the household's form");
    assert!(row[4].contains(&t.baseline_income.to_string()), "{row:?}");
    assert!(row[7].contains(&format!("增长 {growth}%")), "{row:?}");

    // The printable page gets the same form as JSON; unknown forms and committees are 404.
    let form: Form = get_json(
        &server,
        &format!("/api/office/forms/roster?{YEAR_2008}&committee=c1"),
    )
    .await;
    assert_eq!(form.sheets.len(), 3);
    assert_eq!(form.sheets[0].rows.len(), expected_leaders.len());
    for path in [
        "/api/office/forms/ledger.xlsx",
        "/api/office/forms/roster?committee=zz",
    ] {
        let reply = server.request(Method::GET, path, None, Vec::new()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.text().contains("没有这个"), "{}", reply.text());
    }
}

async fn post_json(server: &Server, path: &str, body: serde_json::Value) -> super::Reply {
    server
        .request(
            Method::POST,
            path,
            Some("application/json"),
            serde_json::to_vec(&body).unwrap(),
        )
        .await
}

#[tokio::test]
async fn issue_6_an_inspection_is_validated_recorded_and_clears_the_quarter() {
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let server = Server::in_process(&state);
    let q = *gen
        .key
        .quarters_without_inspection
        .iter()
        .next()
        .expect("a quarter without inspection");
    let day = format!("2008-{:02}-15", 3 * q - 1);

    let cases = [
        (
            serde_json::json!({"date": "15/05/2008", "kind": "Quarterly", "inspectors": "王某", "findings": [{"org": "b1", "found": "台帐齐全"}]}),
            "检查日期格式",
        ),
        (
            serde_json::json!({"date": "2999-01-01", "kind": "Quarterly", "inspectors": "王某", "findings": [{"org": "b1", "found": "台帐齐全"}]}),
            "不能晚于今天",
        ),
        (
            serde_json::json!({"date": day, "kind": "Weekly", "inspectors": "王某", "findings": [{"org": "b1", "found": "台帐齐全"}]}),
            "检查类别",
        ),
        (
            serde_json::json!({"date": day, "kind": "Quarterly", "inspectors": " ", "findings": [{"org": "b1", "found": "台帐齐全"}]}),
            "请填写检查人",
        ),
        (
            serde_json::json!({"date": day, "kind": "Quarterly", "inspectors": "王某", "findings": []}),
            "至少填写一个",
        ),
        (
            serde_json::json!({"date": day, "kind": "Quarterly", "inspectors": "王某", "findings": [{"org": "x9", "found": "台帐齐全"}]}),
            "没有这个党组织",
        ),
        (
            serde_json::json!({"date": day, "kind": "Quarterly", "inspectors": "王某", "findings": [{"org": "b1", "found": ""}]}),
            "检查发现",
        ),
        (serde_json::json!({"date": day}), "检查记录无法读取"),
    ];
    let before = state.hub().county_data().unwrap().office;
    for (body, message) in cases {
        let reply = post_json(&server, "/api/office/inspections", body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reply.text().contains(message), "{body}: {}", reply.text());
    }
    assert_eq!(
        state.hub().county_data().unwrap().office,
        before,
        "nothing written"
    );

    let reply = post_json(
        &server,
        "/api/office/inspections",
        serde_json::json!({"date": day, "kind": "季度检查", "inspectors": "县委组织部组织股",
            "findings": [{"org": "c1", "found": "督查到位", "follow_up": ""},
                         {"org": "b1", "found": "帮扶台帐不全", "follow_up": "月底前补齐"}]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let office = state.hub().county_data().unwrap().office;
    let stored = office
        .inspections
        .values()
        .find(|i| i.date == day && i.inspectors == "县委组织部组织股")
        .expect("the inspection is in the county-office document");
    assert_eq!(
        stored.findings["b1"],
        "发现：帮扶台帐不全；整改要求：月底前补齐"
    );

    let o: Overview = get_json(&server, &format!("/api/office/overview?{YEAR_2008}")).await;
    let quarter = &o.quarters[q as usize - 1];
    assert!(!quarter.missing, "{quarter:?}");
    assert_eq!(quarter.quarterly, 1);

    // It survives a restart: written through the hub, durably.
    drop(server);
    drop(state);
    let state = AppState::open(Config {
        data_dir: Some(dir.path().to_path_buf()),
        assets_dir: None,
        demo: false,
    })
    .unwrap();
    assert!(state
        .hub()
        .county_data()
        .unwrap()
        .office
        .inspections
        .values()
        .any(|i| i.inspectors == "县委组织部组织股"));
}

/// A phone of b1's secretary syncs one help visit to b1, reporting `report`.
async fn sync_with_report(
    server: &Server,
    state: &AppState,
    device: &str,
    report: DeviceReport,
) -> Visit {
    let mut phone = SyncClient::new(device);
    let actor = ActorId::from([9u8; 16]);
    // The test server syncs as b1's secretary (main.rs): this phone's actor is theirs.
    state
        .auth()
        .bind_actors("p1-1", &[actor.to_hex_string()])
        .expect("the actor binds");
    let b1 = DocId::branch("b1").unwrap();
    phone.insert(b1.clone(), shared::doc::new_document(&b1, actor), None);
    let visit = Visit {
        id: "1214900000000-hh".into(),
        author: "p1-2".into(),
        date: "2008-07-01".into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: "走访".into(),
        recorded_at: 1_214_900_000_000,
        withdrawn: false,
    };
    put_visit(phone.doc(&b1).unwrap(), &visit, 1).unwrap();
    phone.report = Some(report);
    let ids = [b1];
    let mut reset = true;
    while let Some(req) = phone.next_request(&ids, reset) {
        reset = false;
        let reply = server
            .request(
                Method::POST,
                SYNC_PATH,
                Some(SYNC_CONTENT_TYPE),
                req.encode(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        phone.apply(SyncResponse::decode(&reply.body).unwrap());
    }
    visit
}

#[tokio::test]
async fn issue_6_sync_health_lists_what_phones_report_and_forms_stamp_it() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _gen) = generated_server(dir.path());
    let server = Server::in_process(&state);

    let report = DeviceReport {
        app_version: "0.1.0-test".into(),
        user: Some("p1-2".into()),
        pending: 4,
        oldest_pending_ms: Some(0),
    };
    let visit = sync_with_report(&server, &state, "phone-health", report).await;

    let h: SyncHealth = get_json(&server, "/api/office/sync-health?silent_days=3").await;
    let d = h
        .devices
        .iter()
        .find(|d| d.device == "phone-health")
        .expect("the phone is listed");
    assert_eq!(d.app_version, "0.1.0-test");
    assert_eq!(d.pending, 4);
    assert_eq!(d.user.as_ref().map(|u| u.id.as_str()), Some("p1-2"));
    assert!(d.oldest_unsynced_days.unwrap() > 365, "{d:?}");
    assert!(h.silent.is_empty(), "it just synced");
    assert_eq!(h.unsynced, 4);

    // The forms say how much is known to be still on phones.
    let form: Form = get_json(
        &server,
        &format!("/api/office/forms/roster?{YEAR_2008}&committee=c1"),
    )
    .await;
    assert_eq!(form.stamp.unsynced, 4);
    assert!(
        form.stamp.line().contains("已知未同步 4 条"),
        "{}",
        form.stamp.line()
    );

    let reply = server
        .request(
            Method::GET,
            "/api/office/sync-health?silent_days=0",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    // The synced visit is searchable at once (the cached view follows the hub).
    let page: RecordPage = get_json(
        &server,
        &format!("/api/office/search?{YEAR_2008}&q=走访&person=p1-2"),
    )
    .await;
    assert!(page.records.iter().any(|r| r.id == visit.id), "{page:?}");
    let _ = B1;
}

#[tokio::test]
async fn issue_6_search_filters_by_text_date_branch_and_tag() {
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let server = Server::in_process(&state);

    // Without a year, every year's records (issue 18: a year narrows to its records).
    let all: RecordPage = get_json(&server, "/api/office/search").await;
    assert_eq!(all.total, gen.data.record_count() - count_links(&gen));
    assert_eq!(all.records.len(), all.per_page.min(all.total));

    // Text search over notes: pick a word from a real note.
    let note_visit = gen
        .data
        .branches
        .values()
        .flat_map(|b| b.visits.values())
        .find(|v| v.note.chars().count() >= 4)
        .expect("a visit with a note");
    let word: String = note_visit.note.chars().take(4).collect();
    let page: RecordPage = get_json(
        &server,
        &format!("/api/office/search?{YEAR_2008}&q={}", urlencode(&word)),
    )
    .await;
    assert!(page.total > 0);
    assert!(page.records.iter().all(|r| r.note.contains(&word)
        || r.place.contains(&word)
        || r.author.name.contains(&word)
        || r.kind.contains(&word)));

    let page: RecordPage = get_json(
        &server,
        &format!("/api/office/search?{YEAR_2008}&branch=b2&from=2008-03-01&to=2008-03-31"),
    )
    .await;
    assert!(page
        .records
        .iter()
        .all(|r| r.branch.id == "b2" && r.date.starts_with("2008-03")));
    let expected = gen.data.branches["b2"]
        .visits
        .values()
        .filter(|v| v.date.starts_with("2008-03"))
        .count();
    assert!(page.total >= expected);

    // Issue 18: a household is found by its head's name, with what it is.
    let household = gen
        .data
        .branches
        .values()
        .flat_map(|b| b.targets.values())
        .next()
        .expect("a household");
    let page: RecordPage = get_json(
        &server,
        &format!(
            "/api/office/search?{YEAR_2008}&q={}",
            urlencode(&household.name)
        ),
    )
    .await;
    let row = page
        .records
        .iter()
        .find(|r| r.id == household.id)
        .unwrap_or_else(|| panic!("{} not found: {page:?}", household.name));
    assert_eq!(row.record, "帮扶对象");
    assert_eq!(row.author.id, household.member);
    assert!(
        row.note
            .contains(&format!("{}口人", household.household_size)),
        "{row:?}"
    );

    for (q, msg) in [
        ("tag=NotATag", "五个结合"),
        ("from=2008-05-01&to=2008-04-01", "起始日期"),
    ] {
        let reply = server
            .request(
                Method::GET,
                &format!("/api/office/search?{q}"),
                None,
                Vec::new(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(reply.text().contains(msg), "{}", reply.text());
    }
}

/// Links (points, pairs) and the office's own records are not listed in search;
/// households (targets) are, since issue 18.
fn count_links(gen: &Generated) -> usize {
    gen.data
        .branches
        .values()
        .map(|b| b.points.len() + b.pairs.len())
        .sum::<usize>()
        + gen.data.office.tags.len()
        + gen.data.office.filings.len()
        + gen.data.office.inspections.len()
        + gen.data.office.publicity.len()
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn issue_6_assessment_lists_outcomes_per_leader_branch_and_member() {
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let server = Server::in_process(&state);
    let a: Assessment = get_json(&server, "/api/office/assessment?year=2008&committee=c1").await;
    let k = &gen.key;
    for l in &a.leaders {
        let short = k.leaders_short.contains_key(&l.id)
            || k.leaders_without_cultivation.contains(&l.id)
            || k.points.get(&l.id).is_none_or(|p| p.len() != 1);
        assert_eq!(l.outcome == "未完成", short, "{l:?}");
    }
    for m in &a.members {
        if k.members_without_target.contains_key(&m.id) {
            assert_eq!(m.outcome, "未完成");
        }
    }
    let branches_with_gaps: BTreeSet<&String> = k
        .plans_missing
        .iter()
        .map(|(b, _)| b)
        .chain(k.deeds_missing.iter().map(|(b, _)| b))
        .collect();
    for b in &branches_with_gaps {
        let row = a.branches.iter().find(|r| &&r.id == b).unwrap();
        assert_eq!(row.outcome, "未完成", "{row:?}");
    }
    let reply = server
        .request(
            Method::GET,
            "/api/office/assessment?year=2008",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("请选择党委"), "{}", reply.text());
}

#[tokio::test]
async fn issue_6_sync_health_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _gen) = generated_server(dir.path());
    let server = Server::in_process(&state);
    let first = DeviceReport {
        app_version: "0.1.0-old".into(),
        user: Some("p1-2".into()),
        pending: 4,
        oldest_pending_ms: Some(0),
    };
    sync_with_report(&server, &state, "phone-a", first).await;
    // A second sync right after: health is stored in batches, this one not yet on disk.
    let second = DeviceReport {
        app_version: "0.2.0-new".into(),
        user: Some("p1-2".into()),
        pending: 1,
        oldest_pending_ms: Some(1_214_000_000_000),
    };
    sync_with_report(&server, &state, "phone-b", second.clone()).await;
    let before: SyncHealth = get_json(&server, "/api/office/sync-health").await;
    assert_eq!(before.devices.len(), 2, "{before:?}");

    drop(server);
    drop(state);
    let state = AppState::open(Config {
        data_dir: Some(dir.path().to_path_buf()),
        assets_dir: None,
        demo: false,
    })
    .unwrap();
    let server = Server::in_process(&state);
    let after: SyncHealth = get_json(&server, "/api/office/sync-health").await;
    assert_eq!(
        after.devices, before.devices,
        "the devices, their last sync and reports are as before the restart"
    );
    let b = after
        .devices
        .iter()
        .find(|d| d.device == "phone-b")
        .expect("the last device is listed");
    assert_eq!((b.app_version.as_str(), b.pending), ("0.2.0-new", 1));
    assert_eq!(after.unsynced, 5);

    // A device that syncs again after the restart keeps one line, with its new report.
    sync_with_report(&server, &state, "phone-a", second).await;
    let again: SyncHealth = get_json(&server, "/api/office/sync-health").await;
    assert_eq!(again.devices.len(), 2);
    assert_eq!(again.unsynced, 2);
}

#[tokio::test]
async fn issue_6_committee_branches_come_a_page_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let spec = GenSpec {
        demo: shared::demo::DemoSpec {
            townships: 1,
            places_per_township: 4,
            office_branches: 60,
            members_per_branch: 1,
        },
        help_visits: (1, 1),
        ..GenSpec::SMALL
    };
    let (state, gen) = generated_server_of(dir.path(), spec);
    let server = Server::in_process(&state);
    let expected: Vec<String> = gen
        .data
        .registry
        .writing_branches()
        .filter(|b| b.committee == "c1")
        .map(|b| b.id.clone())
        .collect();
    assert!(expected.len() > 50, "{} branches", expected.len());

    let mut seen = Vec::new();
    for page in 0.. {
        let c: CommitteeDetail = get_json(
            &server,
            &format!("/api/office/committees/c1?{YEAR_2008}&page={page}"),
        )
        .await;
        assert_eq!((c.page, c.branch_total), (page, expected.len()));
        assert!(c.branches.len() <= c.per_page);
        if c.branches.is_empty() {
            break;
        }
        seen.extend(c.branches.into_iter().map(|b| b.id));
    }
    assert_eq!(
        seen, expected,
        "every branch once, in order, over the pages"
    );

    let reply = server
        .request(
            Method::GET,
            &format!("/api/office/committees/c1?{YEAR_2008}&page=x"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
}

#[tokio::test]
async fn issue_6_the_view_after_a_change_equals_one_computed_afresh() {
    use backend::office::view::{Filter, View};
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let (year, as_of) = (
        gen_year(),
        chrono::NaiveDate::from_ymd_opt(2008, 12, 31).unwrap(),
    );
    let before = state.view(year, as_of).unwrap();

    // One branch document changes: a visit by one of b2's people.
    let author = gen
        .data
        .registry
        .people
        .values()
        .find(|p| p.branch == "b2")
        .expect("b2 has people")
        .id
        .clone();
    let visit = Visit {
        id: "1215000000000-zz".into(),
        author: author.clone(),
        date: "2008-12-30".into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: "年终走访回访".into(),
        recorded_at: 1_215_000_000_000,
        withdrawn: false,
    };
    let b2 = DocId::branch("b2").unwrap();
    state
        .hub()
        .modify(&b2, |doc| put_visit(doc, &visit, 2))
        .unwrap();

    let after = state.view(year, as_of).unwrap();
    // Built from nothing: no previous view lends it any listing.
    let fresh = View::build(
        std::sync::Arc::new(state.hub().county_data().unwrap()),
        state.hub().shared_registry().unwrap(),
        year,
        as_of,
        after.today,
        None,
    );
    let listed = gen.data.branches.len();
    assert_eq!(
        after.reused_listings(),
        listed - 1,
        "only the changed document is listed again"
    );
    assert_eq!(fresh.reused_listings(), 0);
    assert_eq!(before.reused_listings(), 0);

    let stamp = || backend::office::stamp(&state);
    assert_eq!(after.overview(stamp()), fresh.overview(stamp()));
    let all = Filter::default();
    let newest = after.search(&all, 0);
    assert_eq!(newest, fresh.search(&all, 0));
    assert_eq!(newest.records[0].id, visit.id, "newest first");
    assert_eq!(newest.total, before.search(&all, 0).total + 1);
    let last = newest.total / newest.per_page;
    assert_eq!(after.search(&all, last), fresh.search(&all, last));
    let text = Filter {
        text: Some("回访".into()),
        ..Default::default()
    };
    assert_eq!(after.search(&text, 0), fresh.search(&text, 0));
    assert!(after
        .search(&text, 0)
        .records
        .iter()
        .any(|r| r.id == visit.id));
    for person in [author.as_str(), "p1-1", "p1-2"] {
        assert_eq!(after.person(person, 0), fresh.person(person, 0), "{person}");
        let a: Vec<_> = after.records_of(person).cloned().collect();
        let f: Vec<_> = fresh.records_of(person).cloned().collect();
        assert_eq!(a, f, "{person}");
    }
    for c in gen.data.registry.committees.keys() {
        assert_eq!(after.committee(c, 0), fresh.committee(c, 0), "{c}");
    }
}

fn gen_year() -> i32 {
    GenSpec::SMALL.year
}

/// Issue 18: committee staff use the same console, and the server scopes every page to
/// their committee's branches, people and places; another committee's part, and what is
/// the county office's alone (sync health, inspections), is refused in Chinese.
#[tokio::test]
async fn issue_18_committee_staff_see_their_committee_only() {
    use backend::auth::store::Account;
    use shared::access::AccountRole;
    let dir = tempfile::tempdir().unwrap();
    // The generated county's 机关 branches are all under 县直机关工委; put every other one
    // under a township's committee, so two committees each have branches with people.
    let mut gen = generate(GenSpec::SMALL);
    let township = gen
        .data
        .registry
        .committees
        .keys()
        .find(|c| *c != "c1")
        .cloned()
        .expect("a township committee");
    let office_branches: Vec<String> = gen
        .data
        .registry
        .writing_branches()
        .map(|b| b.id.clone())
        .collect();
    for b in office_branches.iter().step_by(2) {
        gen.data.registry.branches.get_mut(b).unwrap().committee = township.clone();
    }
    let (state, gen) = serve_generated(dir.path(), gen);
    let server = Server::in_process(&state);
    let reg = &gen.data.registry;
    // Two committees that each have 机关 branches with people.
    let with_people: Vec<&str> = reg
        .committees
        .keys()
        .map(String::as_str)
        .filter(|c| {
            reg.writing_branches()
                .any(|b| b.committee == *c && reg.people.values().any(|p| p.branch == b.id))
        })
        .collect();
    let [mine, other, ..] = with_people[..] else {
        panic!("the generated county has two committees with office branches: {with_people:?}");
    };
    let hash = backend::auth::hash_password(super::DEMO_PASSWORD).expect("a hash");
    state
        .auth()
        .insert(
            &Account {
                id: "staff-mine".into(),
                name: "工委干事".into(),
                phone: "13900000001".into(),
                role: AccountRole::CommitteeStaff,
                org: mine.into(),
                previous: None,
                handover_until: 0,
            },
            &hash,
        )
        .expect("a committee staff account");
    let token = super::login_token(&state, "13900000001");
    let get = |path: String| {
        let (server, token) = (&server, token.clone());
        async move {
            server
                .request_as(Some(&token), Method::GET, &path, None, Vec::new())
                .await
        }
    };
    let ok = |reply: &super::Reply, what: &str| {
        assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text());
    };
    let refused = |reply: &super::Reply, what: &str| {
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{what}: {}",
            reply.text()
        );
        assert!(
            reply.text().contains("党（工）委") || reply.text().contains("县委组织部"),
            "{what}: not a Chinese refusal: {}",
            reply.text()
        );
    };
    let branch_of = |c: &str| {
        reg.writing_branches()
            .find(|b| b.committee == c && reg.people.values().any(|p| p.branch == b.id))
            .map(|b| b.id.clone())
            .expect("a branch with people")
    };
    let person_of = |b: &str| {
        reg.people
            .values()
            .find(|p| p.branch == b)
            .map(|p| p.id.clone())
            .expect("a person")
    };
    let (my_branch, other_branch) = (branch_of(mine), branch_of(other));

    // The overview is theirs: one committee, its places, its findings.
    let reply = get(format!("/api/office/overview?{YEAR_2008}")).await;
    ok(&reply, "overview");
    let o: Overview = serde_json::from_slice(&reply.body).expect("an overview");
    assert_eq!(
        o.committees
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        vec![mine]
    );
    let my_places = reg
        .places
        .values()
        .filter(|p| p.township == mine && p.status.is_active())
        .count();
    assert_eq!(o.totals.places, my_places);
    let county: Overview = get_json(&server, &format!("/api/office/overview?{YEAR_2008}")).await;
    assert!(
        county.committees.len() > 1,
        "the county office still sees all"
    );
    let sum = |o: &Overview| o.rules.iter().map(|r| r.count).sum::<usize>();
    assert!(
        sum(&o) < sum(&county),
        "findings are the committee's, not the county's"
    );

    // Their committee, branches and people open; another committee's do not.
    ok(
        &get(format!("/api/office/committees/{mine}?{YEAR_2008}")).await,
        "own committee",
    );
    refused(
        &get(format!("/api/office/committees/{other}?{YEAR_2008}")).await,
        "other committee",
    );
    ok(
        &get(format!("/api/office/branches/{my_branch}?{YEAR_2008}")).await,
        "own branch",
    );
    refused(
        &get(format!("/api/office/branches/{other_branch}?{YEAR_2008}")).await,
        "other branch",
    );
    let (me_p, other_p) = (person_of(&my_branch), person_of(&other_branch));
    ok(
        &get(format!("/api/office/people/{me_p}?{YEAR_2008}")).await,
        "own person",
    );
    refused(
        &get(format!("/api/office/people/{other_p}?{YEAR_2008}")).await,
        "other person",
    );

    // Search and the forms cover their committee whatever is asked.
    let reply = get(format!("/api/office/search?{YEAR_2008}")).await;
    ok(&reply, "search");
    let page: RecordPage = serde_json::from_slice(&reply.body).expect("a page");
    assert!(page.total > 0, "their branches' records are found");
    for r in &page.records {
        let b = reg.branches.get(&r.branch.id).expect("a known branch");
        assert_eq!(b.committee, mine, "a record of another committee: {r:?}");
    }
    refused(
        &get(format!("/api/office/search?{YEAR_2008}&committee={other}")).await,
        "search of another committee",
    );
    let reply = get(format!("/api/office/forms/roster?{YEAR_2008}")).await;
    ok(&reply, "roster");
    let form: Form = serde_json::from_slice(&reply.body).expect("a form");
    assert_eq!(
        form.scope, reg.committees[mine].name,
        "the roster is their committee's"
    );
    refused(
        &get(format!(
            "/api/office/forms/roster?{YEAR_2008}&committee={other}"
        ))
        .await,
        "another committee's roster",
    );
    ok(
        &get(format!("/api/office/assessment?{YEAR_2008}")).await,
        "their own assessment",
    );

    // The county office's own pages stay its own.
    refused(&get("/api/office/sync-health".into()).await, "sync health");
    let reply = server
        .request_as(
            Some(&token),
            Method::POST,
            "/api/office/inspections",
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await;
    refused(&reply, "an inspection");
    refused(&get("/api/admin/audit".into()).await, "the audit");
}

/// Issue 18: a record's 修改历史 in the console's drill-down — each correction old → new,
/// who (by name) and when — for the county office and the record's committee only.
#[tokio::test]
async fn issue_18_a_records_history_shows_every_correction_by_name() {
    use backend::auth::store::Account;
    use shared::access::AccountRole;
    use shared::ids::actor_for;
    let state = super::open(None);
    let server = Server::in_process(&state);
    let b1 = DocId::branch("b1".to_string()).unwrap();
    let mut visit = Visit {
        id: "1764000000000-abcdef".into(),
        author: "p1-2".into(),
        date: "2026-11-20".into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: "原来的备注".into(),
        recorded_at: 1_764_000_000_000,
        withdrawn: false,
    };
    state
        .hub()
        .modify_as(&b1, &actor_for(Some("p1-2"), &[7; 8]), |doc| {
            put_visit(doc, &visit, 1_764_000_000)
        })
        .expect("the member's visit");
    visit.note = "书记更正后的备注".into();
    state
        .hub()
        .modify_as(&b1, &actor_for(Some("p1-1"), &[8; 8]), |doc| {
            put_visit(doc, &visit, 1_764_003_600)
        })
        .expect("the secretary's correction");

    let path = format!("/api/office/records/b1/{}/history", visit.id);
    let rows: Vec<HistoryRow> = get_json(&server, &path).await;
    let reg = state.hub().registry().unwrap();
    let note: Vec<&HistoryRow> = rows.iter().filter(|r| r.field == "情况记录").collect();
    assert_eq!(note.len(), 2, "{rows:?}");
    assert_eq!(note[0].value, "原来的备注");
    assert_eq!(note[0].who.name, reg.people["p1-2"].name);
    assert_eq!(note[1].old.as_deref(), Some("原来的备注"));
    assert_eq!(note[1].value, "书记更正后的备注");
    assert_eq!(note[1].who.name, reg.people["p1-1"].name);
    assert_eq!(note[1].at, "2025-11-25 01:00", "county time of the change");
    let kind = rows.iter().find(|r| r.field == "类别").expect("the kind");
    assert_eq!(kind.value, "帮扶", "codes read as their labels");
    let place = rows.iter().find(|r| r.field == "地点").expect("the place");
    assert_eq!(place.value, reg.places["v1"].name, "places by name");
    assert!(
        rows.iter()
            .all(|r| r.field != "记录人" && r.field != "已撤回"),
        "{rows:?}"
    );

    let missing = server
        .request(
            Method::GET,
            "/api/office/records/b1/nothing/history",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text());
    assert!(
        missing.text().contains("没有这条记录"),
        "{}",
        missing.text()
    );

    // Staff of another committee are refused it; b1's committee reads it.
    let hash = backend::auth::hash_password(super::DEMO_PASSWORD).expect("a hash");
    state
        .auth()
        .insert(
            &Account {
                id: "t1-staff".into(),
                name: "镇党委干事".into(),
                phone: "13900000002".into(),
                role: AccountRole::CommitteeStaff,
                org: "t1".into(),
                previous: None,
                handover_until: 0,
            },
            &hash,
        )
        .expect("a township's staff account");
    let other = super::login_token(&state, "13900000002");
    let reply = server
        .request_as(Some(&other), Method::GET, &path, None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    let c1 = super::login_token(&state, "13800009901");
    let reply = server
        .request_as(Some(&c1), Method::GET, &path, None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

/// Issue 18: a committee's own plans (kept in its own document) show on its page, for
/// its staff and the county office.
#[tokio::test]
async fn issue_18_a_committees_own_plans_show_on_its_page() {
    use shared::domain::records::{CommitteePlan, CommitteePlanKind, PlanStatus};
    let state = super::open(None);
    let server = Server::in_process(&state);
    let c1 = DocId::committee("c1".to_string()).unwrap();
    let plan = CommitteePlan {
        id: format!("2026-{}", CommitteePlanKind::ALL[0].code()),
        year: 2026,
        kind: CommitteePlanKind::ALL[0],
        status: PlanStatus::Adopted,
        date: "2026-07-01".into(),
        title: "县直机关工委2026年三联共建活动方案".into(),
        content: "分三批开展".into(),
        author: "c1-staff".into(),
        recorded_at: 1,
        withdrawn: false,
    };
    state
        .hub()
        .modify_as(
            &c1,
            &shared::ids::actor_for(Some("c1-staff"), &[9; 8]),
            |doc| shared::domain::docs::put(doc, &plan, 1_782_000_000),
        )
        .expect("the committee's plan");
    let staff = super::login_token(&state, "13800009901");
    for token in [None, Some(staff.as_str())] {
        let path = "/api/office/committees/c1?year=2026&as_of=2026-12-31";
        let reply = match token {
            None => server.request(Method::GET, path, None, Vec::new()).await,
            Some(t) => {
                server
                    .request_as(Some(t), Method::GET, path, None, Vec::new())
                    .await
            }
        };
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let detail: CommitteeDetail = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(detail.plans.len(), 1, "{:?}", detail.plans);
        assert_eq!(detail.plans[0].title, plan.title);
        assert_eq!(detail.plans[0].status, "已制定");
    }
    let other: CommitteeDetail = get_json(&server, "/api/office/committees/c1?year=2025").await;
    assert!(other.plans.is_empty(), "another year's page holds none");
}

/// A committee staff account for `committee`, logged in: its bearer token.
fn staff_token(state: &AppState, committee: &str, phone: &str) -> String {
    use backend::auth::store::Account;
    use shared::access::AccountRole;
    let hash = backend::auth::hash_password(super::DEMO_PASSWORD).expect("a hash");
    state
        .auth()
        .insert(
            &Account {
                id: format!("staff-{committee}"),
                name: "工委干事".into(),
                phone: phone.into(),
                role: AccountRole::CommitteeStaff,
                org: committee.into(),
                previous: None,
                handover_until: 0,
            },
            &hash,
        )
        .expect("a committee staff account");
    super::login_token(state, phone)
}

/// Issue 18: the county office narrows the overview to one 党（工）委 (a township is its
/// committee) with `committee=`, and is told every township for the 乡镇 filter; committee
/// staff asking for theirs get theirs, and another committee through the filter is refused.
#[tokio::test]
async fn issue_18_the_overview_narrows_to_one_committee() {
    let dir = tempfile::tempdir().unwrap();
    let (state, gen) = generated_server(dir.path());
    let server = Server::in_process(&state);
    let reg = &gen.data.registry;
    let township = reg
        .committees
        .values()
        .find(|c| c.kind == shared::model::CommitteeKind::Township)
        .map(|c| c.id.clone())
        .expect("a township");

    let county: Overview = get_json(&server, &format!("/api/office/overview?{YEAR_2008}")).await;
    assert!(
        county.committees.len() > 2,
        "the county sees every committee"
    );
    let townships: Vec<&str> = county.townships.iter().map(|t| t.id.as_str()).collect();
    let expected: Vec<&str> = reg
        .committees
        .values()
        .filter(|c| c.kind == shared::model::CommitteeKind::Township)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(townships, expected, "every township, for the 乡镇 filter");
    assert!(!townships.contains(&"c1"), "县直机关工委 is no township");

    let one: Overview = get_json(
        &server,
        &format!("/api/office/overview?{YEAR_2008}&committee={township}"),
    )
    .await;
    assert_eq!(
        one.committees
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        vec![township.as_str()],
        "the table holds the committee asked for"
    );
    let row = county
        .committees
        .iter()
        .find(|c| c.id == township)
        .expect("its row in the county's table");
    assert_eq!(
        one.committees[0].totals, row.totals,
        "its row's figures are the same"
    );
    assert_eq!(one.totals, row.totals, "the figures are the committee's");
    assert_eq!(
        one.totals.places,
        reg.places
            .values()
            .filter(|p| p.township == township && p.status.is_active())
            .count()
    );
    assert_eq!(one.year, 2008);
    assert_eq!(one.townships, county.townships, "the filter's choices stay");
    assert_eq!(one.choices, county.choices);
    assert_eq!(county.choices.len(), reg.committees.len());
    // Last year's: the year is the filter's too.
    let last: Overview = get_json(
        &server,
        &format!("/api/office/overview?year=2007&as_of=2007-12-31&committee={township}"),
    )
    .await;
    assert_eq!(
        (last.year, last.as_of.as_str(), last.committees.len()),
        (2007, "2007-12-31", 1)
    );
    let reply = server
        .request(
            Method::GET,
            "/api/office/overview?committee=nowhere",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text());
    assert!(
        reply.text().contains("没有这个党委（工委）"),
        "{}",
        reply.text()
    );

    // Committee staff: their own through the filter; never another's.
    let token = staff_token(&state, "c1", "13900000011");
    let get = |path: String| {
        let (server, token) = (&server, token.clone());
        async move {
            server
                .request_as(Some(&token), Method::GET, &path, None, Vec::new())
                .await
        }
    };
    let reply = get(format!("/api/office/overview?{YEAR_2008}&committee=c1")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let mine: Overview = serde_json::from_slice(&reply.body).expect("an overview");
    assert_eq!(mine.committees.len(), 1);
    assert_eq!(mine.committees[0].id, "c1");
    assert_eq!(
        mine.choices
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["c1"],
        "their filter offers their committee only"
    );
    assert_eq!(
        mine.townships, county.townships,
        "every township, to narrow by"
    );
    for asked in [township.as_str(), "nowhere"] {
        let reply = get(format!(
            "/api/office/overview?{YEAR_2008}&committee={asked}"
        ))
        .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{asked}: {}",
            reply.text()
        );
        assert!(
            reply.text().contains("只能查看本党（工）委"),
            "{}",
            reply.text()
        );
    }
}

/// Every page of a search, as the console pages through it: as `token`, else the county
/// office.
async fn all_pages(server: &Server, token: Option<&str>, q: &str) -> Vec<RecordRow> {
    let mut rows = Vec::new();
    for page in 0.. {
        let path = format!("/api/office/search?page={page}&{q}");
        let reply = match token {
            Some(t) => {
                server
                    .request_as(Some(t), Method::GET, &path, None, Vec::new())
                    .await
            }
            None => server.request(Method::GET, &path, None, Vec::new()).await,
        };
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
        let p: RecordPage = serde_json::from_slice(&reply.body).expect("a page");
        let done = (page + 1) * p.per_page >= p.total;
        rows.extend(p.records);
        if done {
            break;
        }
    }
    rows
}

/// Issue 18: search narrows by township (the place's) and by year (the records' dates),
/// alone and with the committee; committee staff filtering by a township get their own
/// committee's records there, never another committee's.
#[tokio::test]
async fn issue_18_search_narrows_by_township_and_year_within_the_scope() {
    let dir = tempfile::tempdir().unwrap();
    let mut gen = generate(GenSpec::SMALL);
    // One visit moved to last year, one copy of it, so a year has something to tell apart.
    let (bid, visit) = gen
        .data
        .branches
        .iter()
        .find_map(|(b, r)| Some((b.clone(), r.visits.values().find(|v| !v.withdrawn)?.clone())))
        .expect("a visit");
    let mut old = visit.clone();
    old.id = "1200000000000-lastyear".into();
    old.date = "2007-06-01".into();
    std::sync::Arc::make_mut(gen.data.branches.get_mut(&bid).unwrap())
        .visits
        .insert(old.id.clone(), old.clone());
    let township = gen.data.registry.places[&old.place].township.clone();
    // Half the other 机关 branches under that township's committee: the township then has
    // records of two committees, so a township filter could widen a scope if it were wrong.
    let moved: Vec<String> = gen
        .data
        .registry
        .writing_branches()
        .filter(|b| b.committee == "c1" && b.id != bid)
        .map(|b| b.id.clone())
        .step_by(2)
        .collect();
    for b in &moved {
        gen.data.registry.branches.get_mut(b).unwrap().committee = township.clone();
    }
    let (state, gen) = serve_generated(dir.path(), gen);
    let server = Server::in_process(&state);
    let reg = &gen.data.registry;
    let places_of = |t: &str| -> BTreeSet<String> {
        reg.places
            .values()
            .filter(|p| p.township == t)
            .map(|p| p.name.clone())
            .collect()
    };
    let everything = all_pages(&server, None, "").await;
    assert!(
        everything.iter().any(|r| r.id == old.id),
        "no year: every year"
    );

    // By township: every record at one of its places, and all of those.
    let here = places_of(&township);
    let rows = all_pages(&server, None, &format!("township={township}")).await;
    assert!(
        !rows.is_empty() && rows.len() < everything.len(),
        "{}",
        rows.len()
    );
    assert!(
        rows.iter().all(|r| here.contains(&r.place)),
        "a record elsewhere"
    );
    assert_eq!(
        rows.len(),
        everything
            .iter()
            .filter(|r| here.contains(&r.place))
            .count(),
        "every record at the township's places"
    );

    // By year: only that year's records, last year's included when asked for.
    let this = all_pages(&server, None, YEAR_2008).await;
    assert!(this.iter().all(|r| r.date.starts_with("2008-")));
    assert_eq!(
        this.len(),
        everything
            .iter()
            .filter(|r| r.date.starts_with("2008-"))
            .count(),
        "every record of the year"
    );
    assert!(this.len() < everything.len() && this.iter().all(|r| r.id != old.id));
    let last = all_pages(&server, None, "year=2007").await;
    assert!(last.iter().all(|r| r.date.starts_with("2007-")));
    assert!(last.iter().any(|r| r.id == old.id), "last year's visit");
    assert_eq!(
        last.len(),
        everything
            .iter()
            .filter(|r| r.date.starts_with("2007-"))
            .count()
    );

    // Committee and township together: both hold.
    let c1 = all_pages(&server, None, &format!("committee=c1&township={township}")).await;
    assert!(c1
        .iter()
        .all(|r| reg.branches[&r.branch.id].committee == "c1" && here.contains(&r.place)));

    // 县直机关工委's staff: a township narrows their committee's records, never widens them.
    let token = staff_token(&state, "c1", "13900000012");
    let theirs = all_pages(&server, Some(&token), "").await;
    assert!(theirs
        .iter()
        .all(|r| reg.branches[&r.branch.id].committee == "c1"));
    let there = all_pages(&server, Some(&token), &format!("township={township}")).await;
    assert_eq!(
        there.iter().map(|r| &r.id).collect::<Vec<_>>(),
        c1.iter().map(|r| &r.id).collect::<Vec<_>>(),
        "their records in the township, as the county office sees them"
    );
    assert!(!there.is_empty(), "their records in the township");
    assert!(there.len() < rows.len(), "not every record in the township");
    let last = all_pages(&server, Some(&token), "year=2007").await;
    assert!(last
        .iter()
        .all(|r| r.date.starts_with("2007-") && reg.branches[&r.branch.id].committee == "c1"));
    let reply = server
        .request_as(
            Some(&token),
            Method::GET,
            &format!("/api/office/search?committee={township}&township={township}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert!(
        reply.text().contains("只能查看本党（工）委"),
        "{}",
        reply.text()
    );
}

//! Issue 13: the county's own 信息库 — registry edits by role, the workbook round trip
//! with every validation error by row and column, accounts with activation codes, and
//! disabled / moved accounts as their phones see them. Through the real router.

use super::{open, Phone, Server, DEMO_PASSWORD, MEMBER_B1, OFFICE};
use axum::http::{Method, StatusCode};
use backend::AppState;
use rust_xlsxwriter::Workbook;
use shared::ids::DocId;
use shared::registry_admin::*;
use std::sync::Arc;

const COMMITTEE_C1: &str = "13800009901";
const ADMIN: &str = "13800009999";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn token(state: &AppState, phone: &str) -> String {
    state
        .auth()
        .login(phone, DEMO_PASSWORD, None, &[], super::now_secs())
        .expect("a demo login")
        .token
}

async fn call(
    server: &Server,
    token: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> super::Reply {
    let (ct, bytes) = match body {
        Some(b) => (Some("application/json"), b.to_string().into_bytes()),
        None => (None, Vec::new()),
    };
    server
        .request_as(Some(token), method, path, ct, bytes)
        .await
}

async fn ok<T: serde::de::DeserializeOwned>(reply: super::Reply, what: &str) -> T {
    assert!(
        reply.status.is_success(),
        "{what}: {} {}",
        reply.status,
        reply.text()
    );
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{what}: unexpected JSON ({e}): {}", reply.text()))
}

fn error_of(reply: &super::Reply) -> String {
    let v: serde_json::Value = serde_json::from_slice(&reply.body).expect("a JSON error");
    v["error"].as_str().expect("an error message").to_string()
}

fn heads(state: &AppState, doc: &DocId) -> Vec<automerge::ChangeHash> {
    state
        .hub()
        .snapshot(doc)
        .expect("the document reads")
        .get_heads()
}

/// A workbook of the given sheets, every cell a string (as a clerk types them).
fn workbook(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, *v).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

const ORG_H: [&str; 6] = ["编码", "名称", "类别", "上级编码", "联建对象编码", "状态"];
const PLACE_H: [&str; 6] = ["编码", "名称", "类型", "所属乡镇", "五个结合", "状态"];
const PEOPLE_H: [&str; 7] = [
    "编码",
    "姓名",
    "手机号",
    "所在党组织编码",
    "身份",
    "单位及职务",
    "状态",
];

async fn import(server: &Server, token: &str, bytes: Vec<u8>, dry_run: bool) -> ImportReport {
    let reply = server
        .request_as(
            Some(token),
            Method::POST,
            &format!("/api/office/registry/import?dry_run={dry_run}"),
            Some(XLSX),
            bytes,
        )
        .await;
    ok(reply, "import").await
}

async fn download(server: &Server, token: &str, path: &str) -> Vec<u8> {
    let reply = server
        .request_as(Some(token), Method::GET, path, None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    assert_eq!(reply.content_type, XLSX);
    reply.body
}

/// A new county from the demo one: a township, a village, its branch, an office branch,
/// people — with one mistake of every kind the issue lists.
fn bad_workbook() -> Vec<u8> {
    let mut people = vec![PEOPLE_H.to_vec()];
    // Rows 2..=11 are fine people of B01; row 12 names a branch that does not exist.
    let names = [
        "P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10",
    ];
    let phones = [
        "13900000001",
        "13900000002",
        "13900000003",
        "13900000004",
        "13900000005",
        "13900000006",
        "13900000007",
        "13900000008",
        "13900000009",
        "13900000010",
    ];
    for (code, phone) in names.iter().zip(phones) {
        people.push(vec![code, "张三", phone, "B01", "党员", "县财政局干部", ""]);
    }
    people.push(vec!["P11", "李四", "13900000011", "B017", "党员", "", ""]); // row 12
    people.push(vec!["P12", "王五", "13900000001", "B01", "党员", "", ""]); // 13: duplicate phone
    people.push(vec!["P13", "赵六", "1390000", "B01", "党员", "", ""]); // 14: malformed phone
    people.push(vec!["P14", "钱七", "", "B01", "队长", "", ""]); // 15: unknown 身份
    people.push(vec!["P15", "孙八", "", "T01", "联点领导", "", ""]); // 16: leader in a committee
    people.push(vec!["P01", "周九", "", "B01", "党员", "", ""]); // 17: duplicate code
    people.push(vec!["P16", "吴十", "", "B01", "党员", "", "退休"]); // 18: bad 状态
    workbook(&[
        (
            "党组织",
            vec![
                ORG_H.to_vec(),
                vec!["T01", "城关镇党委", "乡镇党委", "", "", ""], // 2
                vec!["W01", "县直机关工委", "工委", "", "", ""],   // 3
                vec!["B01", "县财政局机关党支部", "机关支部", "W01", "", ""], // 4
                vec!["VB01", "东坡村党支部", "农村支部", "T01", "V01", ""], // 5
                vec!["B02", "县税务局机关党支部", "机关支部", "B01", "", ""], // 6: parent is a branch
                vec!["B03", "县水利局党支部", "机关党组", "W01", "", ""],     // 7: unknown 类别
                vec!["B01", "重复", "机关支部", "W01", "", ""],               // 8: duplicate code
                vec!["VB02", "西坡村党支部", "农村支部", "T01", "V99", ""],   // 9: unknown place
            ],
        ),
        (
            "村社区企业",
            vec![
                PLACE_H.to_vec(),
                vec!["V01", "东坡村", "村", "T01", "特困村、受灾村", ""], // 2
                vec!["V02", "南坡村", "村", "W01", "", ""],               // 3: township is a 工委
                vec!["V03", "北坡村", "村", "T01", "明星村", ""],         // 4: unknown tag
                vec!["V04", "中坡村", "镇", "T01", "", ""],               // 5: unknown 类型
            ],
        ),
        ("人员", people.iter().map(|r| r.to_vec()).collect()),
    ])
}

#[tokio::test]
async fn issue_13_import_lists_every_bad_row_with_sheet_row_column_and_message() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let before = heads(&state, &DocId::Registry);
    let report = import(&server, &office, bad_workbook(), true).await;
    assert!(!report.ok);
    let got: Vec<(String, u32, String)> = report
        .errors
        .iter()
        .map(|e| (e.sheet.clone(), e.row, e.column.clone()))
        .collect();
    let want = [
        ("党组织", 6, "上级编码"),
        ("党组织", 7, "类别"),
        ("党组织", 8, "编码"),
        ("党组织", 9, "联建对象编码"),
        ("村社区企业", 3, "所属乡镇"),
        ("村社区企业", 4, "五个结合"),
        ("村社区企业", 5, "类型"),
        ("人员", 12, "所在党组织编码"),
        ("人员", 13, "手机号"),
        ("人员", 14, "手机号"),
        ("人员", 15, "身份"),
        ("人员", 16, "所在党组织编码"),
        ("人员", 17, "编码"),
        ("人员", 18, "状态"),
    ];
    for (sheet, row, column) in want {
        assert!(
            got.contains(&(sheet.to_string(), row, column.to_string())),
            "missing {sheet} {row} {column} in {:#?}",
            report.errors
        );
    }
    assert_eq!(got.len(), want.len(), "{:#?}", report.errors);
    let messages: Vec<&str> = report.errors.iter().map(|e| e.message.as_str()).collect();
    assert!(
        messages.contains(&"人员 第 12 行 所在党组织编码：没有编码为 B017 的党组织"),
        "{messages:#?}"
    );
    assert!(messages.contains(&"党组织 第 6 行 上级编码：B01 是支部，不是乡镇党委、工委或部门党委"));
    assert!(messages
        .iter()
        .any(|m| m.starts_with("人员 第 13 行 手机号：手机号 13900000001 与")));
    assert!(messages
        .iter()
        .all(|m| !m.contains("Error") && !m.contains("{")));
    // Not stored, dry run or not: all or nothing.
    assert_eq!(heads(&state, &DocId::Registry), before);
    let report = import(&server, &office, bad_workbook(), false).await;
    assert!(!report.ok && !report.errors.is_empty());
    assert_eq!(
        heads(&state, &DocId::Registry),
        before,
        "a bad file stores nothing"
    );
}

fn good_workbook() -> Vec<u8> {
    workbook(&[
        (
            "党组织",
            vec![
                ORG_H.to_vec(),
                vec!["T01", "城关镇党委", "乡镇党委", "", "", ""],
                vec!["D01", "县教育局党委", "部门党委", "", "", ""],
                vec!["B01", "县一中党支部", "事业支部", "D01", "", ""],
                vec!["VB01", "东坡村党支部", "农村支部", "T01", "V01", ""],
            ],
        ),
        (
            "村社区企业",
            vec![
                PLACE_H.to_vec(),
                vec!["V01", "东坡村", "村", "T01", "特困村、受灾村", ""],
            ],
        ),
        (
            "人员",
            vec![
                PEOPLE_H.to_vec(),
                vec![
                    "P01",
                    "张三",
                    "13900000001",
                    "B01",
                    "支部书记",
                    "县一中教师",
                    "",
                ],
                vec![
                    "P02",
                    "李四",
                    "13900000002",
                    "B01",
                    "党员",
                    "县一中教师",
                    "",
                ],
                vec![
                    "S01",
                    "王五",
                    "13900000003",
                    "T01",
                    "党（工）委工作人员",
                    "城关镇组织委员",
                    "",
                ],
            ],
        ),
    ])
}

#[tokio::test]
async fn issue_13_dry_run_stores_nothing_then_the_import_adds_everything_once() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let before = (
        heads(&state, &DocId::Registry),
        heads(&state, &DocId::Office),
    );
    let dry = import(&server, &office, good_workbook(), true).await;
    assert!(dry.ok, "{:#?}", dry.errors);
    assert!(dry.dry_run);
    assert_eq!(dry.summary["党组织"].added, 4);
    assert_eq!(dry.summary["村社区企业"].added, 1);
    assert_eq!(dry.summary["人员"].added, 3);
    assert_eq!(
        (
            heads(&state, &DocId::Registry),
            heads(&state, &DocId::Office)
        ),
        before,
        "a dry run writes nothing"
    );
    let real = import(&server, &office, good_workbook(), false).await;
    assert!(real.ok && !real.dry_run);
    assert_eq!(real.summary, dry.summary);
    let reg = state.hub().registry().unwrap();
    assert_eq!(
        reg.committees["D01"].kind,
        shared::model::CommitteeKind::Department
    );
    assert_eq!(reg.people["P01"].branch, "B01");
    assert_eq!(reg.staff["S01"].org, "T01");
    let listing: RegistryListing = ok(
        call(&server, &office, Method::GET, "/api/office/registry", None).await,
        "listing",
    )
    .await;
    assert_eq!(listing.phones["P02"], "13900000002");
    assert_eq!(listing.tags["V01"], ["Destitute", "Disaster"]);
    // The same file again changes nothing.
    let after = heads(&state, &DocId::Registry);
    let again = import(&server, &office, good_workbook(), false).await;
    assert!(again.ok);
    assert!(again
        .summary
        .values()
        .all(|s| s.added + s.changed + s.retired == 0));
    assert_eq!(heads(&state, &DocId::Registry), after);
}

#[tokio::test]
async fn issue_13_export_then_import_changes_nothing_and_the_template_has_its_sheets() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let template = download(&server, &office, "/api/office/registry/template.xlsx").await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(template)).unwrap();
    use calamine::Reader;
    assert_eq!(wb.sheet_names(), ["党组织", "村社区企业", "人员", "说明"]);
    let people = wb.worksheet_range("人员").unwrap();
    let header: Vec<String> = people
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header, PEOPLE_H);
    // The demo county, exported and imported back.
    let export = download(&server, &office, "/api/office/registry/export.xlsx").await;
    let before = (
        heads(&state, &DocId::Registry),
        heads(&state, &DocId::Office),
    );
    let report = import(&server, &office, export.clone(), false).await;
    assert!(report.ok, "{:#?}", report.errors);
    assert!(
        report
            .summary
            .values()
            .all(|s| s.added + s.changed + s.retired == 0),
        "{:#?}",
        report.summary
    );
    assert!(report.summary["人员"].unchanged > 0);
    assert_eq!(
        (
            heads(&state, &DocId::Registry),
            heads(&state, &DocId::Office)
        ),
        before
    );
    // Committee staff may not import or export.
    let c1 = token(&state, COMMITTEE_C1);
    let reply = server
        .request_as(
            Some(&c1),
            Method::POST,
            "/api/office/registry/import?dry_run=true",
            Some(XLSX),
            export,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn issue_13_bad_files_get_a_clear_chinese_error() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let first = |r: &ImportReport| {
        r.errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default()
    };
    let r = import(&server, &office, b"name,phone\n".to_vec(), true).await;
    assert!(!r.ok && first(&r).contains("不是 Excel 工作簿"), "{r:?}");
    let r = import(
        &server,
        &office,
        b"PK\x03\x04 but not really a zip".to_vec(),
        true,
    )
    .await;
    assert!(!r.ok && first(&r).contains("无法读取"), "{r:?}");
    let r = import(
        &server,
        &office,
        workbook(&[
            ("党组织", vec![ORG_H.to_vec()]),
            ("人员", vec![PEOPLE_H.to_vec()]),
        ]),
        true,
    )
    .await;
    assert_eq!(
        first(&r),
        "村社区企业：缺少工作表“村社区企业”（可下载模板对照）"
    );
    let r = import(
        &server,
        &office,
        workbook(&[
            ("党组织", vec![ORG_H.to_vec()]),
            ("村社区企业", vec![PLACE_H.to_vec()]),
            ("人员", vec![vec!["编码", "姓名"]]),
        ]),
        true,
    )
    .await;
    assert_eq!(r.errors.len(), 1);
    assert_eq!(
        (r.errors[0].row, r.errors[0].column.as_str()),
        (1, "手机号")
    );
    assert!(r.errors[0]
        .message
        .starts_with("人员 第 1 行 手机号：缺少表头"));
    let junk = vec![b'x'; 10 * 1024 * 1024];
    let reply = server
        .request_as(
            Some(&office),
            Method::POST,
            "/api/office/registry/import?dry_run=true",
            Some(XLSX),
            junk,
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(error_of(&reply).contains("请求过大"));
}

#[tokio::test]
async fn issue_13_each_role_manages_only_its_part_of_the_tree_and_history_names_them() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let c1 = token(&state, COMMITTEE_C1);
    let member = token(&state, MEMBER_B1);
    let committee = serde_json::json!({"id": "D01", "name": "县卫健局党委", "kind": "Department"});
    // A member manages nothing; committee staff no committees; the office does.
    for t in [&member, &c1] {
        let r = call(
            &server,
            t,
            Method::POST,
            "/api/office/registry/committees",
            Some(committee.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    }
    let saved: Saved = ok(
        call(
            &server,
            &office,
            Method::POST,
            "/api/office/registry/committees",
            Some(committee),
        )
        .await,
        "add committee",
    )
    .await;
    assert!(saved.changed);
    // Committee staff: branches and people of their own committee only.
    let branch = |id: &str, committee: &str| serde_json::json!({"id": id, "name": format!("{id} 机关党支部"), "kind": "Office", "committee": committee});
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/branches",
        Some(branch("b90", "c1")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/branches",
        Some(branch("b91", "t1")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/branches",
        Some(branch("b92", "nowhere")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let person = serde_json::json!({
        "id": "p90-1", "name": "新党员", "phone": "13900000090", "org": "b90",
        "identity": "Member", "position": "干部"
    });
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/people",
        Some(person),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Moving inside c1 is theirs; moving a branch between committees is the office's.
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/people/p90-1/move",
        Some(serde_json::json!({"org": "b2"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/people/p90-1/move",
        Some(serde_json::json!({"org": "vb1"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/branches/b90/move",
        Some(serde_json::json!({"committee": "D01"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/branches/b90/move",
        Some(serde_json::json!({"committee": "D01"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A bad edit says what is wrong.
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people/p90-1/move",
        Some(serde_json::json!({"org": "t1"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(error_of(&r).contains("应属于支部"), "{}", error_of(&r));
    // Retire: the person stays, with their name.
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/people/p90-1/retire",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let reg = state.hub().registry().unwrap();
    assert_eq!(reg.people["p90-1"].name, "新党员");
    assert!(!reg.people["p90-1"].status.is_active());
    // 修改历史 names who did what.
    let history: Vec<HistoryEntry> = ok(
        call(
            &server,
            &office,
            Method::GET,
            "/api/office/registry/people/p90-1/history",
            None,
        )
        .await,
        "history",
    )
    .await;
    assert!(history.len() >= 3, "{history:#?}");
    assert!(
        history
            .iter()
            .all(|h| h.by == "c1-staff" && h.by_name == "工委干事"),
        "{history:#?}"
    );
    assert!(
        history
            .iter()
            .any(|h| h.what.iter().any(|w| w == "所在党组织：b2")),
        "{history:#?}"
    );
    assert!(
        history
            .iter()
            .any(|h| h.what.iter().any(|w| w.starts_with("手机号"))),
        "{history:#?}"
    );
    // Phones receive the change with their next slice of the registry (issue 15).
    let mut phone = Phone::new("issue-13-phone", 71);
    phone.sync(&server).await;
    assert_eq!(phone.slice(&server).await.branches["b90"].committee, "D01");
}

#[tokio::test]
async fn issue_13_a_merged_village_shows_under_its_successor() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let c1 = token(&state, COMMITTEE_C1);
    let r = call(
        &server,
        &c1,
        Method::POST,
        "/api/office/registry/places/v2/merge",
        Some(serde_json::json!({"into": "v1"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/places/v2/merge",
        Some(serde_json::json!({"into": "v1"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let reg = state.hub().registry().unwrap();
    assert_eq!(reg.resolve_place("v2"), "v1");
    assert!(
        !reg.places["v2"].name.is_empty(),
        "the merged village keeps its name"
    );
    let detail: serde_json::Value = ok(
        call(
            &server,
            &office,
            Method::GET,
            "/api/office/committees/t1",
            None,
        )
        .await,
        "committee",
    )
    .await;
    let ids: Vec<&str> = detail["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"v1") && !ids.contains(&"v2"), "{ids:?}");
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/places/v1/merge",
        Some(serde_json::json!({"into": "v2"})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "no merging into oneself through a chain"
    );
}

async fn activate(server: &Server, phone: &str, code: &str, password: &str) -> super::Reply {
    let body =
        serde_json::json!({"phone": phone, "code": code, "password": password, "actors": []});
    server
        .request_as(
            None,
            Method::POST,
            "/api/activate",
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
}

#[tokio::test]
async fn issue_13_activation_codes_are_single_use_and_expire() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    // A new person of b1 with a phone: their slip creates the account.
    let person = serde_json::json!({
        "id": "p1-90", "name": "新同志", "phone": "13900000190", "org": "b1", "identity": "Member"
    });
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people",
        Some(person),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let slip: LoginSlip = ok(
        call(
            &server,
            &office,
            Method::POST,
            "/api/office/accounts/p1-90/activation",
            None,
        )
        .await,
        "slip",
    )
    .await;
    assert_eq!(
        (slip.phone.as_str(), slip.org.as_str()),
        ("13900000190", "b1")
    );
    assert_eq!(slip.code.len(), 8);
    let rows: Vec<AccountRow> = ok(
        call(
            &server,
            &office,
            Method::GET,
            "/api/office/accounts?branch=b1",
            None,
        )
        .await,
        "accounts",
    )
    .await;
    let row = rows.iter().find(|r| r.person == "p1-90").expect("listed");
    assert!(row.has_account && row.activation_pending && row.enabled && row.last_login == 0);
    // Wrong code, then the right one, then the right one again.
    let r = activate(&server, "13900000190", "00000000", "新密码12345").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = activate(&server, "13900000190", &slip.code, "短").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = activate(&server, "13900000190", &slip.code, "新密码12345").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = activate(&server, "13900000190", &slip.code, "另一个密码123").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a code works once");
    assert!(error_of(&r).contains("激活码"));
    state
        .auth()
        .login("13900000190", "新密码12345", None, &[], super::now_secs())
        .expect("the password the person set works");
    // An expired code (issued 8 days ago) does not.
    let (code, _) = state
        .auth()
        .issue_code("p1-90", super::now_secs() - 8 * 24 * 3600)
        .unwrap();
    let r = activate(&server, "13900000190", &code, "新密码99999").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // No account for someone not in the registry, retired, or without a phone.
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/accounts/nobody/activation",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let person =
        serde_json::json!({"id": "p1-91", "name": "无手机", "org": "b1", "identity": "Member"});
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people",
        Some(person),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/accounts/p1-91/activation",
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "no phone number, no slip"
    );
    assert!(error_of(&r).contains("没有手机号"));
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people/p1-90/retire",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/accounts/p1-90/activation",
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "no slip for someone 停用"
    );
    let body = serde_json::json!({
        "id": "ghost", "name": "不在名册", "phone": "13900000999", "role": "Member",
        "org": "b1", "password": "12345678abc"
    });
    let r = call(&server, &office, Method::POST, "/api/accounts", Some(body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(error_of(&r).contains("名册中没有"));
    // Committee staff print the slips of their own branches, grouped by branch.
    for (id, phone) in [("p2-2", "13900000202"), ("p2-3", "13900000203")] {
        let r = call(
            &server,
            &office,
            Method::PUT,
            &format!("/api/office/registry/people/{id}"),
            Some(serde_json::json!({"name": "改名", "phone": phone, "org": "b2", "identity": "Member"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let c1 = token(&state, COMMITTEE_C1);
    let slips: Vec<LoginSlip> = ok(
        call(
            &server,
            &c1,
            Method::POST,
            "/api/office/accounts/activation",
            Some(serde_json::json!({"branch": "b2", "only_new": false})),
        )
        .await,
        "bulk slips",
    )
    .await;
    let got: std::collections::BTreeSet<&str> = slips.iter().map(|s| s.person.as_str()).collect();
    assert_eq!(got, ["l2", "p2-1", "p2-2", "p2-3", "p2-4"].into());
    let p22 = slips.iter().find(|s| s.person == "p2-2").unwrap();
    assert_eq!(
        p22.phone, "13900000202",
        "the registry's phone number, which the account follows"
    );
    assert!(slips.iter().all(|s| s.org == "b2" && s.code.len() == 8));
    // By default a bulk print leaves out those who already log in.
    token(&state, "13800000204");
    let slips: Vec<LoginSlip> = ok(
        call(
            &server,
            &c1,
            Method::POST,
            "/api/office/accounts/activation",
            Some(serde_json::json!({"branch": "b2"})),
        )
        .await,
        "bulk slips",
    )
    .await;
    assert!(slips.iter().all(|s| s.person != "p2-4") && slips.len() == 4);
}

#[tokio::test]
async fn issue_13_a_disabled_account_is_refused_at_login_and_sync_and_told_why() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let mut phone = Phone::new("issue-13-disabled", 72);
    phone.login_as(&server, MEMBER_B1).await;
    phone.sync(&server).await;
    let row: AccountRow = ok(
        call(
            &server,
            &office,
            Method::POST,
            "/api/office/accounts/p1-2/disable",
            None,
        )
        .await,
        "disable",
    )
    .await;
    assert!(!row.enabled);
    let req = phone.request(true, &Default::default());
    let r = phone.post(&server, &req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["code"], ACCOUNT_DISABLED_CODE);
    assert_eq!(v["error"], ACCOUNT_DISABLED_MESSAGE);
    let err = state
        .auth()
        .login(MEMBER_B1, DEMO_PASSWORD, None, &[], super::now_secs())
        .unwrap_err();
    assert!(matches!(err, backend::AppError::Disabled));
    // Enabled again: the person logs in as before.
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/accounts/p1-2/enable",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    token(&state, MEMBER_B1);
    // Retiring the person in the registry disables the account too.
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people/p1-2/retire",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(state.auth().store().extra("p1-2").unwrap().disabled);
}

#[tokio::test]
async fn issue_13_a_moved_member_is_told_at_the_next_sync_and_keeps_handing_in() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let mut phone = Phone::new("issue-13-moved", 73);
    phone.login_as(&server, MEMBER_B1).await;
    phone.sync(&server).await;
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people/p1-2/move",
        Some(serde_json::json!({"org": "b2"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let branch_name = state.hub().registry().unwrap().branches["b2"].name.clone();
    // The old login has ended; the phone is told why.
    let req = phone.request(true, &Default::default());
    let r = phone.post(&server, &req).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&r), format!("您已调至 {branch_name}，请重新登录"));
    // Logging in again carries the notice, and the old branch still takes entries.
    phone.token = None;
    let body = serde_json::json!({"phone": MEMBER_B1, "password": DEMO_PASSWORD, "actors": [phone.actor.to_hex_string()]});
    let r = server
        .request_as(
            None,
            Method::POST,
            "/api/login",
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await;
    let login: serde_json::Value = ok(r, "login").await;
    assert_eq!(login["notice"], format!("您已调至 {branch_name}"));
    assert_eq!(login["account"]["org"], "b2");
    phone.token = Some(login["token"].as_str().unwrap().to_string());
    let v = super::visit(
        "issue13-after-move",
        "p1-2",
        "v1",
        shared::model::VisitKind::Help,
        "调动前记下的走访",
        1_800_000_000_000,
    );
    phone.add_visit(&v);
    let out = phone.sync(&server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    let stored = state
        .hub()
        .read(&DocId::branch("b1").unwrap(), |d| {
            shared::domain::docs::read_branch_records(d).unwrap().visits
        })
        .unwrap();
    assert!(stored.contains_key("issue13-after-move"));
}

#[test]
fn issue_13_create_admin_on_a_fresh_data_dir_reads_the_password_from_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let run = |password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_backend"))
            .args(["--data-dir"])
            .arg(dir.path())
            .args(["create-admin", "--phone", "13800009999", "--name", "管理员"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run("管理员的密码123");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已创建县级管理员"));
    let again = run("另一个密码1234");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("已是管理员"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // The data dir starts as a real county: no demo, one administrator, in the registry.
    let state = AppState::open(backend::Config {
        data_dir: Some(dir.path().to_path_buf()),
        assets_dir: None,
        demo: false,
    })
    .unwrap();
    let ok = state
        .auth()
        .login(
            "13800009999",
            "管理员的密码123",
            None,
            &[],
            super::now_secs(),
        )
        .expect("the administrator logs in");
    assert_eq!(ok.account.role, shared::access::AccountRole::Admin);
    let reg = state.hub().registry().unwrap();
    assert!(reg.people.is_empty() && reg.committees.is_empty());
    assert_eq!(reg.staff[&ok.account.id].name, "管理员");
    assert_eq!(ADMIN, "13800009999");
}

/// A document store whose writes to one document fail while it is named, as when the
/// disk fills up between the two documents an import writes.
#[derive(Default)]
struct FailingDoc {
    inner: backend::store::MemStore,
    failing: std::sync::Mutex<Option<String>>,
}

impl FailingDoc {
    fn check(&self, doc: &str) -> Result<(), backend::store::StoreError> {
        if self.failing.lock().unwrap().as_deref() == Some(doc) {
            return Err(std::io::Error::other("no space left on device").into());
        }
        Ok(())
    }
}

impl backend::store::DocStore for FailingDoc {
    fn load(&self, doc: &str) -> Result<Vec<Vec<u8>>, backend::store::StoreError> {
        self.inner.load(doc)
    }
    fn append(&self, doc: &str, chunk: &[u8]) -> Result<(), backend::store::StoreError> {
        self.check(doc)?;
        self.inner.append(doc, chunk)
    }
    fn replace(&self, doc: &str, full: &[u8]) -> Result<(), backend::store::StoreError> {
        self.check(doc)?;
        self.inner.replace(doc, full)
    }
    fn list(&self) -> Result<Vec<String>, backend::store::StoreError> {
        self.inner.list()
    }
    fn quarantine(
        &self,
        doc: &str,
        reason: &str,
        at: i64,
    ) -> Result<(), backend::store::StoreError> {
        self.inner.quarantine(doc, reason, at)
    }
    fn quarantined(&self) -> Result<Vec<backend::store::Quarantined>, backend::store::StoreError> {
        self.inner.quarantined()
    }
}

/// Issue 13: the real import is all or nothing across both documents it writes. A workbook
/// that renames a person (registry), gives them a new phone number and tags a village
/// (county-office) meets a disk that fails on one of the two documents: the clerk is told
/// nothing was imported, both documents read as before — in memory and for a server
/// started again over the same disk — and once the disk is back the same file imports whole.
#[tokio::test]
async fn issue_13_an_import_whose_second_write_fails_changes_neither_document() {
    use backend::registry::{load_book, sheet};
    use shared::domain::records::TieIn;
    let demo = || backend::Config {
        data_dir: None,
        assets_dir: None,
        demo: true,
    };
    for failing in ["registry", "county-office"] {
        let store = Arc::new(FailingDoc::default());
        let state = AppState::with_store(store.clone(), demo()).expect("the state opens");
        let server = Server::in_process(&state);
        let office = token(&state, OFFICE);
        let before = load_book(&state).expect("the book reads");
        let mut wanted = before.clone();
        let person = wanted.registry.people.get_mut("p1-2").expect("p1-2");
        person.name = "改了名的人".into();
        wanted.phones.insert("p1-2".into(), "13912345678".into());
        wanted
            .tags
            .entry("v1".into())
            .or_default()
            .insert(TieIn::Disaster);
        let bytes = sheet::write(Some(&wanted)).expect("the workbook writes");
        let dry = import(&server, &office, bytes.clone(), true).await;
        assert!(dry.ok && dry.summary["人员"].changed == 1, "{dry:#?}");

        *store.failing.lock().unwrap() = Some(failing.to_string());
        // Straight through the router: the test server's helper fails on any 5xx.
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/office/registry/import?dry_run=false")
            .header(axum::http::header::CONTENT_TYPE, XLSX)
            .header(
                axum::http::header::AUTHORIZATION,
                format!("Bearer {office}"),
            )
            .body(axum::body::Body::from(bytes.clone()))
            .unwrap();
        let resp = tower::ServiceExt::oneshot(backend::app(state.clone()), req)
            .await
            .expect("the router answers");
        let status = resp.status();
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("a body")
            .to_bytes();
        let said: serde_json::Value = serde_json::from_slice(&body).expect("a JSON error");
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{failing}: {said}");
        assert_eq!(
            said["error"],
            "服务器存储暂时不可用，本次导入没有写入任何内容，请稍后重新导入"
        );
        assert_eq!(
            load_book(&state).expect("the book reads"),
            before,
            "with {failing} failing, nothing of the import stands"
        );
        let restarted = AppState::with_store(
            store.clone(),
            backend::Config {
                demo: false,
                ..demo()
            },
        )
        .expect("the state opens again");
        assert_eq!(
            load_book(&restarted).expect("the stored book reads"),
            before,
            "with {failing} failing, nothing of the import is on disk"
        );

        *store.failing.lock().unwrap() = None;
        let report = import(&server, &office, bytes, false).await;
        assert!(report.ok, "{report:#?}");
        assert_eq!(load_book(&state).expect("the book reads"), wanted);
    }
}

/// Issue 13: committee staff act only inside their committee — every action on a person,
/// branch or place of another committee (a 部门党委's branch, a township's village) is refused in Chinese and
/// changes nothing — while inside it they retire and restore people and disable and
/// enable accounts; the county office does the rest; each item's 修改历史 names who did it.
#[tokio::test]
async fn issue_13_committee_staff_are_refused_outside_their_committee_for_every_action() {
    let state = open(None);
    let server = Server::in_process(&state);
    let office = token(&state, OFFICE);
    let c1 = token(&state, COMMITTEE_C1);
    // The office sets up a 部门党委 with an office branch and a member there (outside c1).
    for (path, body) in [
        (
            "/api/office/registry/committees",
            serde_json::json!({"id": "D01", "name": "县卫健局党委", "kind": "Department"}),
        ),
        (
            "/api/office/registry/branches",
            serde_json::json!({"id": "b95", "name": "县医院党支部", "kind": "Institution", "committee": "D01"}),
        ),
    ] {
        let r = call(&server, &office, Method::POST, path, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text());
    }
    let villager = serde_json::json!({
        "id": "pv-1", "name": "医院的党员", "phone": "13900000091", "org": "b95",
        "identity": "Member", "position": "医生"
    });
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people",
        Some(villager.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // With an account, from the office's login slip.
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/accounts/pv-1/activation",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let registry = state.hub().registry().unwrap();
    let (b95, v1) = (&registry.branches["b95"], &registry.places["v1"]);
    assert_ne!(v1.township, "c1");
    let mut renamed = villager.clone();
    renamed["name"] = "改名".into();
    let branch_edit = serde_json::json!({
        "name": "改名的党支部", "kind": b95.kind.code(), "committee": b95.committee,
    });
    let place_edit = serde_json::json!({
        "name": "改名村", "kind": v1.kind.code(), "township": v1.township, "tags": [],
    });
    let before = (
        heads(&state, &DocId::Registry),
        heads(&state, &DocId::Office),
    );
    let outside: [(Method, &str, Option<serde_json::Value>); 12] = [
        (
            Method::PUT,
            "/api/office/registry/people/pv-1",
            Some(renamed),
        ),
        (
            Method::POST,
            "/api/office/registry/people/pv-1/move",
            Some(serde_json::json!({"org": "b1"})),
        ),
        (
            Method::POST,
            "/api/office/registry/people/pv-1/retire",
            None,
        ),
        (
            Method::PUT,
            "/api/office/registry/branches/b95",
            Some(branch_edit),
        ),
        (
            Method::POST,
            "/api/office/registry/branches/b95/retire",
            None,
        ),
        (
            Method::PUT,
            "/api/office/registry/places/v1",
            Some(place_edit),
        ),
        (Method::POST, "/api/office/registry/places/v1/retire", None),
        (
            Method::POST,
            "/api/office/registry/places/v2/merge",
            Some(serde_json::json!({"into": "v1"})),
        ),
        (Method::POST, "/api/office/accounts/pv-1/activation", None),
        (Method::POST, "/api/office/accounts/pv-1/disable", None),
        (Method::POST, "/api/office/accounts/pv-1/enable", None),
        (
            Method::GET,
            "/api/office/registry/people/pv-1/history",
            None,
        ),
    ];
    for (method, path, body) in outside {
        let r = call(&server, &c1, method.clone(), path, body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.text()
        );
        let said = error_of(&r);
        assert!(
            !said.is_empty() && !said.is_ascii(),
            "{method} {path} says {said:?}"
        );
    }
    assert_eq!(
        (
            heads(&state, &DocId::Registry),
            heads(&state, &DocId::Office)
        ),
        before,
        "nothing refused was written"
    );
    assert!(!state.auth().store().extra("pv-1").unwrap().disabled);

    // Inside c1: p1-3 of b1 retired (account disabled) and restored (enabled again), and
    // an account disabled and enabled.
    for (path, disabled) in [
        ("/api/office/registry/people/p1-3/retire", true),
        ("/api/office/registry/people/p1-3/restore", false),
        ("/api/office/accounts/p1-4/disable", false),
        ("/api/office/accounts/p1-4/enable", false),
    ] {
        let r = call(&server, &c1, Method::POST, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        assert_eq!(
            state.auth().store().extra("p1-3").unwrap().disabled,
            disabled,
            "after {path}"
        );
    }
    assert!(state.hub().registry().unwrap().people["p1-3"]
        .status
        .is_active());
    assert!(!state.auth().store().extra("p1-4").unwrap().disabled);

    // The office retires the villager; each history names its own user.
    let r = call(
        &server,
        &office,
        Method::POST,
        "/api/office/registry/people/pv-1/retire",
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let history = |id: &'static str| {
        let server = &server;
        let office = &office;
        async move {
            ok::<Vec<HistoryEntry>>(
                call(
                    server,
                    office,
                    Method::GET,
                    &format!("/api/office/registry/people/{id}/history"),
                    None,
                )
                .await,
                "history",
            )
            .await
        }
    };
    let villager = history("pv-1").await;
    // Added (the registry entry and its phone number in county-office), then retired.
    assert!(villager.len() >= 2, "added and retired: {villager:#?}");
    assert!(
        villager[0].what.iter().any(|w| w == "新增"),
        "{villager:#?}"
    );
    assert!(
        villager
            .iter()
            .all(|h| h.by == "office" && h.by_name == "组织部干事"),
        "{villager:#?}"
    );
    // The retirement comes after the addition. Not necessarily last: the phone number is
    // kept in county-office, and entries of two documents made within one second (as
    // here) have no order between them beyond their shared timestamp.
    let retired = villager
        .iter()
        .position(|h| h.what.iter().any(|w| w.contains("撤销/停用")));
    assert!(retired.is_some_and(|i| i > 0), "{villager:#?}");
    let p13 = history("p1-3").await;
    let by_c1: Vec<&HistoryEntry> = p13.iter().filter(|h| h.by == "c1-staff").collect();
    assert_eq!(by_c1.len(), 2, "retired and restored by 工委干事: {p13:#?}");
    assert!(by_c1.iter().all(|h| h.by_name == "工委干事"));
}

//! Issue 13 in the browser: a real county starts from nothing. On a `--no-demo` server with
//! the first administrator made as `backend create-admin` makes one, the administrator
//! downloads the template, uploads a workbook with mistakes and sees them by row, fixes
//! it, imports, and prints login slips; a member activates on a phone with the slip's
//! code, sets a password, logs a visit offline and syncs; the office moves that member to
//! another branch; the phone keeps working and its earlier entries land.

use super::{artifacts_dir, wait_offline_shell, wait_synced};
use e2e::{dist_dir, poll, Browser, Context, Driver, E2eResult, Server, LONG, SHORT};
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;

const ADMIN_PHONE: &str = "13800009999";
const ADMIN_NAME: &str = "管理员";
const ADMIN_PASSWORD: &str = "县委组织部2026";
/// 张三, of 县财政局机关党支部 (B001), moved later to 县农业局机关党支部 (B002).
const MEMBER: &str = "R001";
const MEMBER_PHONE: &str = "13900000001";
const MEMBER_PASSWORD: &str = "张三自己的密码2026";

const ORGS: [&str; 6] = ["编码", "名称", "类别", "上级编码", "联建对象编码", "状态"];
const PLACES: [&str; 6] = ["编码", "名称", "类型", "所属乡镇", "五个结合", "状态"];
const PEOPLE: [&str; 7] = [
    "编码",
    "姓名",
    "手机号",
    "所在党组织编码",
    "身份",
    "单位及职务",
    "状态",
];

/// The county's lists as a clerk types them into the template. `mistakes` puts two
/// errors into 人员: row 12 names a branch B017 that does not exist, row 13 a phone
/// number one digit short.
fn county_workbook(mistakes: bool) -> Vec<u8> {
    let orgs: Vec<[&str; 6]> = vec![
        ["C01", "城关镇党委", "乡镇党委", "", "", ""],
        ["C02", "县直机关工委", "工委", "", "", ""],
        ["B001", "县财政局机关党支部", "机关支部", "C02", "", "在用"],
        ["B002", "县农业局机关党支部", "机关支部", "C02", "", ""],
        ["B003", "新村村党支部", "农村支部", "C01", "P001", ""],
    ];
    let places: Vec<[&str; 6]> = vec![
        [
            "P001",
            "新村村",
            "村",
            "C01",
            "扶贫开发重点村、无活动场所村",
            "",
        ],
        ["P002", "河东村", "村", "C01", "", ""],
        ["P003", "城南社区", "社区", "C01", "", ""],
    ];
    let mut people: Vec<[String; 7]> = vec![
        row7([
            "R001",
            "张三",
            MEMBER_PHONE,
            "B001",
            "党员",
            "县财政局科员",
            "",
        ]),
        row7([
            "R002",
            "李四",
            "13900000002",
            "B001",
            "联点领导",
            "县财政局局长",
            "",
        ]),
        row7([
            "R003",
            "王五",
            "13900000003",
            "B001",
            "支部书记",
            "县财政局办公室主任",
            "",
        ]),
    ];
    // Rows 5–11: members of B002; then row 12 and 13, where the mistakes go.
    for i in 4..=10 {
        people.push(row7([
            &format!("R{i:03}"),
            &format!("农业局党员{i}"),
            &format!("139000000{i:02}"),
            "B002",
            "党员",
            "县农业局干部",
            "",
        ]));
    }
    let (branch, phone) = if mistakes {
        ("B017", "1390000001")
    } else {
        ("B002", "13900000012")
    };
    people.push(row7([
        "R011",
        "赵六",
        "13900000011",
        branch,
        "党员",
        "",
        "",
    ]));
    people.push(row7(["R012", "钱七", phone, "B002", "党员", "", ""]));

    let mut wb = Workbook::new();
    let sheets: [Sheet; 3] = [
        (
            "党组织",
            &ORGS,
            orgs.iter()
                .map(|r| r.map(str::to_string).to_vec())
                .collect(),
        ),
        (
            "村社区企业",
            &PLACES,
            places
                .iter()
                .map(|r| r.map(str::to_string).to_vec())
                .collect(),
        ),
        (
            "人员",
            &PEOPLE,
            people.into_iter().map(|r| r.to_vec()).collect(),
        ),
    ];
    for (name, header, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).expect("a valid sheet name");
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).expect("header cell");
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32 + 1, c as u16, v).expect("cell");
                }
            }
        }
    }
    wb.save_to_buffer().expect("the workbook saves")
}

/// A sheet's name, header and rows.
type Sheet<'a> = (&'a str, &'a [&'a str], Vec<Vec<String>>);

fn row7(r: [&str; 7]) -> [String; 7] {
    r.map(str::to_string)
}

/// Sets the viewport: the office works at a 1366×768 desk screen, a member on a 360×740
/// phone. Checks nothing is wider than the screen.
pub(super) async fn viewport(b: &Browser, width: u32, height: u32) -> E2eResult {
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800 }),
    )
    .await
    .map(drop)
}

/// A screenshot into the artifacts dir (always, to be looked at) and, when
/// $SANLIAN_SCREENSHOTS is set, there too (docs/screenshots). Fails when the page is
/// wider than the screen.
pub(super) async fn shot(b: &Browser, name: &str, width: u32) -> E2eResult {
    let height = if width < 800 { 740 } else { 768 };
    viewport(b, width, height).await?;
    // The new metrics apply with the next layout: poll rather than sleep.
    poll(
        format!("[{}] {name} fits {width} px", b.name),
        SHORT,
        || async {
            let scroll = b
                .execute("return document.documentElement.scrollWidth;", vec![])
                .await?;
            if scroll.as_u64().is_some_and(|w| w <= u64::from(width)) {
                Ok(())
            } else {
                Err(format!("page is {scroll} px wide"))
            }
        },
    )
    .await?;
    let png = b.client.screenshot().await.context("taking a screenshot")?;
    let mut dirs = vec![artifacts_dir("issue_13")];
    if let Some(d) = std::env::var_os("SANLIAN_SCREENSHOTS") {
        dirs.push(d.into());
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).context("creating the screenshot dir")?;
        std::fs::write(dir.join(format!("{name}.png")), &png).context("saving the screenshot")?;
    }
    Ok(())
}

/// Taps an element as a thumb would: scrolled to the middle of the screen first.
pub(super) async fn tap(b: &Browser, css: &str) -> E2eResult {
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

/// Chooses `bytes` as the workbook in the page's file picker.
async fn choose_file(b: &Browser, dir: &Path, name: &str, bytes: &[u8]) -> E2eResult {
    let path = dir.join(name);
    std::fs::write(&path, bytes).context("writing the workbook")?;
    let input = b.wait_for("input#registry-file", SHORT).await?;
    input
        .send_keys(&path.display().to_string())
        .await
        .context(format!("[{}] choosing {name}", b.name))
}

async fn log_in(b: &Browser, phone: &str, password: &str) -> E2eResult {
    b.goto("/").await?;
    b.wait_for("input#login-phone", LONG).await?;
    b.fill("input#login-phone", phone).await?;
    b.fill("input#login-password", password).await?;
    b.click("button#login-ok").await?;
    b.wait_for("#me-name", LONG).await.map(drop)
}

async fn api_token(base: &str, phone: &str, password: &str) -> E2eResult<String> {
    let url = format!("{base}/api/login");
    let json: Value = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "phone": phone, "password": password }))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context(format!("POST {url}"))?
        .json()
        .await
        .context(format!("decoding {url}"))?;
    json["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no token from {url}: {json}"))
}

/// The county view as the server computes it (the administrator's login).
async fn server_county(base: &str) -> E2eResult<String> {
    let token = api_token(base, ADMIN_PHONE, ADMIN_PASSWORD).await?;
    let url = format!("{base}/api/county");
    let v: Value = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context(format!("GET {url}"))?
        .json()
        .await
        .context(format!("decoding {url}"))?;
    Ok(v.to_string())
}

/// Logs a visit with the first place and kind the form offers; checks it is listed.
async fn visit(b: &Browser, note: &str) -> E2eResult {
    if !b.exists("button#visit-save").await? {
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
    super::wait_entry(b, note, SHORT).await
}

/// The phone without network: DevTools' offline mode fails every request of the page,
/// as airplane mode does, while the server stays up for the office.
pub(super) async fn set_offline(b: &Browser, offline: bool) -> E2eResult {
    b.cdp("Network.enable", json!({})).await?;
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
    )
    .await
    .map(drop)
}

/// Creates the first administrator as `backend --data-dir DIR create-admin` does: the
/// state opened without the demo, then the command's own function.
fn create_admin(dir: &Path) -> E2eResult {
    let state = backend::AppState::open(backend::Config {
        data_dir: Some(dir.to_path_buf()),
        assets_dir: None,
        demo: false,
    })
    .map_err(|e| format!("opening the data dir: {e}"))?;
    backend::registry::create_admin(&state, ADMIN_PHONE, ADMIN_NAME, ADMIN_PASSWORD)
        .map(drop)
        .map_err(|e| format!("create-admin: {e}"))
}

/// Closes the browsers; on failure saves their state and fails the test.
async fn finish(test: &str, result: E2eResult, browsers: Vec<Browser>) {
    if let Err(e) = &result {
        let dir = artifacts_dir(test);
        for b in &browsers {
            for p in b.save_artifacts(&dir).await {
                eprintln!("  saved {}", p.display());
            }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_13_a_county_from_nothing_import_slips_activation_and_a_move() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let files = tempfile::tempdir().expect("temp dir for workbooks");
    create_admin(data.path()).unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start_no_demo(SocketAddr::from(([127, 0, 0, 1], 0)), data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");
    let driver = Driver::start().await.unwrap_or_else(|e| panic!("{e}"));
    let mut browsers = Vec::new();
    let result: E2eResult = async {
        browsers.push(driver.browser("office", &base).await?);
        browsers.push(driver.browser("phone", &base).await?);
        let [office, phone] = &browsers[..] else {
            unreachable!()
        };
        viewport(office, 1366, 768).await?;
        viewport(phone, 360, 740).await?;

        // No demo: the administrator's login works, and the registry is empty.
        super::log_in_office_with(office, ADMIN_PHONE, ADMIN_PASSWORD).await?;
        office.goto("/office/registry").await?;
        office.wait_for("#registry-empty", LONG).await?;

        // 模板: fetched with the login and handed to the browser as a spreadsheet file.
        office.goto("/office/registry/import").await?;
        office.wait_for("#registry-template", LONG).await?;
        office
            .execute(
                "window.__files = []; const make = URL.createObjectURL;\
                 URL.createObjectURL = function (blob) {\
                   window.__files.push([blob.size, blob.type]); return make.call(URL, blob); };",
                vec![],
            )
            .await?;
        tap(office, "#registry-template").await?;
        let said = office
            .wait_text("#registry-download", "the template's download", LONG, |t| {
                !t.starts_with("正在")
            })
            .await?;
        if !(said.starts_with("已下载") && said.contains(".xlsx")) {
            return Err(format!("the template download says {said:?}"));
        }
        let handed = office.execute("return window.__files", vec![]).await?;
        let ok = handed.as_array().is_some_and(|f| {
            f.len() == 1
                && f[0][0].as_u64().is_some_and(|n| n > 1_000)
                && f[0][1]
                    .as_str()
                    .is_some_and(|t| t.contains("spreadsheetml"))
        });
        if !ok {
            return Err(format!("files handed to the browser: {handed}"));
        }

        // The file picker speaks the app's language, not the browser's "Choose File".
        let label = office.text("label.file-button").await?;
        if label != "选择文件" {
            return Err(format!("the file picker is labelled {label:?}"));
        }

        // A workbook with mistakes: every bad row named, nothing offered for import.
        choose_file(
            office,
            files.path(),
            "信息库-有错.xlsx",
            &county_workbook(true),
        )
        .await?;
        let errors = poll("the dry run's errors", LONG, || async {
            let e = office.texts("#import-errors li").await?;
            if e.is_empty() {
                Err("none yet".to_string())
            } else {
                Ok(e)
            }
        })
        .await?;
        let want = "人员 第 12 行 所在党组织编码：没有编码为 B017 的党组织";
        if !errors.iter().any(|e| e == want) {
            return Err(format!("errors shown: {errors:?}; expected {want:?}"));
        }
        if !errors.iter().any(|e| e.starts_with("人员 第 13 行 手机号")) {
            return Err(format!(
                "no error for the short phone number in row 13: {errors:?}"
            ));
        }
        if office.exists("#import-confirm").await? {
            return Err("确认导入 is offered for a workbook with errors".into());
        }
        shot(office, "13-import-errors", 1366).await?;

        // Fixed in Excel and chosen again: the dry run says what the import will do.
        choose_file(office, files.path(), "信息库.xlsx", &county_workbook(false)).await?;
        office.wait_for("#import-confirm", LONG).await?;
        let counts = office
            .texts("#import-check .import-counts tbody tr")
            .await?;
        for (sheet, added) in [("党组织", 5), ("村社区企业", 3), ("人员", 12)] {
            let line = counts.iter().find(|r| r.starts_with(sheet));
            if line.is_none_or(|l| l.split_whitespace().nth(1) != Some(added.to_string().as_str()))
            {
                return Err(format!(
                    "dry run counts {counts:?}; expected {added} added in {sheet}"
                ));
            }
        }
        tap(office, "#import-confirm").await?;
        office
            .wait_text("#import-done", "the import's outcome", LONG, |t| {
                t.contains("已导入")
            })
            .await?;

        // The tree: committees → branches → people.
        office.goto("/office/registry").await?;
        office
            .wait_text("#registry-tree", "the imported tree", LONG, |t| {
                t.contains("县直机关工委") && t.contains("县财政局机关党支部") && t.contains("张三")
            })
            .await?;
        shot(office, "13-registry-tree", 1366).await?;

        // Login slips for the branch of 张三: one per person, with a code each.
        office.goto("/office/accounts").await?;
        office.wait_for("#accounts-table tbody tr", LONG).await?;
        office.select("#accounts-branch", "B001", LONG).await?;
        tap(office, "#issue-branch").await?;
        office
            .wait_for(".slip[data-person=\"R001\"] .slip-code", LONG)
            .await?;
        let slips = office.texts(".slip").await?;
        if slips.len() != 3 {
            return Err(format!(
                "{} slips for B001's three people: {slips:?}",
                slips.len()
            ));
        }
        let slip = office.text(".slip[data-person=\"R001\"]").await?;
        if !slip.contains(MEMBER_PHONE) || !slip.contains("有效期至") || !slip.contains(&base) {
            return Err(format!("张三's slip reads {slip:?}"));
        }
        let code = office
            .text(".slip[data-person=\"R001\"] .slip-code")
            .await?;
        shot(office, "13-accounts", 1366).await?;
        // Printed, only the slips show: the page's controls and the list do not.
        office
            .cdp("Emulation.setEmulatedMedia", json!({ "media": "print" }))
            .await?;
        let hidden = office
            .execute(
                "const shown = (css) => document.querySelector(css).getClientRects().length > 0; \
                 return !shown('#office-accounts') && !shown('#print-slips') && shown('.slip');",
                vec![],
            )
            .await?;
        if hidden != Value::Bool(true) {
            return Err("printing shows more than the slips".into());
        }
        office.execute("window.scrollTo(0, 0)", vec![]).await?;
        shot(office, "13-login-slips-print", 1366).await?;
        office
            .cdp("Emulation.setEmulatedMedia", json!({ "media": "" }))
            .await?;

        // The member's first login on a phone: phone number and the slip's code, then a
        // password of their own; the length rule is told before the code is spent.
        phone.goto("/").await?;
        tap(phone, "#first-login").await?;
        phone.fill("#activate-phone", MEMBER_PHONE).await?;
        phone.fill("#activate-code", &code).await?;
        phone.fill("#activate-password", "short").await?;
        phone.fill("#activate-again", "short").await?;
        tap(phone, "#activate-ok").await?;
        phone
            .wait_text("#activate-error", "the length rule", SHORT, |t| {
                t.contains("8")
            })
            .await?;
        phone.fill("#activate-password", MEMBER_PASSWORD).await?;
        phone.fill("#activate-again", MEMBER_PASSWORD).await?;
        shot(phone, "13-first-login", 360).await?;
        tap(phone, "#activate-ok").await?;
        phone
            .wait_text("#me-name", "the member's name", LONG, |t| t == "张三")
            .await?;
        wait_synced(phone, LONG).await?;
        wait_offline_shell(phone).await?;

        // Offline, a visit is logged and waits on the phone.
        set_offline(phone, true).await?;
        let before = "调动前离线记的一次走访";
        visit(phone, before).await?;
        phone
            .wait_text("#sync-status", "the visit pending", LONG, |s| {
                s.contains("1 条待同步")
            })
            .await?;

        // Meanwhile the office moves 张三 to 县农业局机关党支部.
        office.goto("/office/registry").await?;
        tap(
            office,
            &format!("#registry-tree tr[data-id=\"{MEMBER}\"] button.edit"),
        )
        .await?;
        office.select("#edit-org", "B002", LONG).await?;
        tap(office, "#edit-save").await?;
        office
            .wait_text("#registry-message", "the move saved", LONG, |t| {
                t.contains("已保存")
            })
            .await?;
        office
            .wait_for(
                &format!("details.branch[data-id=\"B002\"] tr[data-id=\"{MEMBER}\"]"),
                LONG,
            )
            .await?;
        // Its history names the administrator.
        tap(
            office,
            &format!("#registry-tree tr[data-id=\"{MEMBER}\"] button.history"),
        )
        .await?;
        office
            .wait_text("#history-table", "the move in the history", LONG, |t| {
                t.contains(ADMIN_NAME)
            })
            .await?;

        // Back online, the phone syncs: the visit from before the move lands, and the
        // phone says where its person went. A login that the move ended is given again.
        set_offline(phone, false).await?;
        let _ = phone.click("button#sync-now").await;
        poll("the phone syncing after the move", LONG, || async {
            if phone.exists("input#login-phone").await? {
                log_in(phone, MEMBER_PHONE, MEMBER_PASSWORD).await?;
            }
            let s = phone.text("#sync-status").await?;
            if s.starts_with("已同步") || s.starts_with("Synced") {
                Ok(())
            } else {
                let _ = phone.click("button#sync-now").await;
                Err(s)
            }
        })
        .await?;
        phone
            .wait_text("#registry-notice", "the move notice", LONG, |t| {
                t.contains("您已调至") && t.contains("县农业局机关党支部")
            })
            .await?;
        shot(phone, "13-moved-notice", 360).await?;
        if !server_county(&base).await?.contains(before) {
            return Err("the visit logged before the move never reached the server".into());
        }

        // And the phone keeps working in the new branch.
        let after = "调动后记的一次走访";
        visit(phone, after).await?;
        wait_synced(phone, LONG).await?;
        if !server_county(&base).await?.contains(after) {
            return Err("the visit logged after the move never reached the server".into());
        }
        Ok(())
    }
    .await;
    finish("issue_13", result, browsers).await;
    drop(driver);
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

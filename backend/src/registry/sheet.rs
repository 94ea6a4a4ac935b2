//! The 信息库 as a workbook (issue 13): three sheets as counties keep them in Excel —
//! 党组织, 村社区企业, 人员 — header in row 1, data from row 2, rows matched by 编码 so a
//! rename keeps a place's records. Read with calamine, written with rust_xlsxwriter.
//!
//! Importing builds the new book from the current one and the rows (a row changes the
//! item with its 编码, or adds it; items missing from the file stay as they are: only
//! 状态 撤销/停用 retires), then runs the one consistency check of [`Book::check`]. The
//! result is all or nothing: any error and nothing is stored.

use super::book::{compare, is_field, Book, Change, Member};
use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use shared::domain::records::TieIn;
use shared::model::{Branch, BranchKind, Committee, CommitteeKind, Place, PlaceKind, Status};
use shared::registry_admin::{
    Identity, ImportChange, ImportIssue, ImportReport, ItemKind, SheetSummary,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

pub const ORGS: &str = "党组织";
pub const PLACES: &str = "村社区企业";
pub const PEOPLE: &str = "人员";

pub const ORG_HEADERS: &[&str] = &["编码", "名称", "类别", "上级编码", "联建对象编码", "状态"];
pub const PLACE_HEADERS: &[&str] = &["编码", "名称", "类型", "所属乡镇", "五个结合", "状态"];
pub const PEOPLE_HEADERS: &[&str] = &[
    "编码",
    "姓名",
    "手机号",
    "所在党组织编码",
    "身份",
    "单位及职务",
    "状态",
];

/// At most this many data rows per sheet: a county has ≈ 5 000 people; more is not a
/// county's list.
const MAX_ROWS: usize = 50_000;
/// An .xlsx whose parts unpack to more than this is refused before it is read (a zip bomb).
const MAX_UNPACKED: u128 = 256 * 1024 * 1024;
/// Listed changes in a report.
const MAX_LISTED: usize = 1000;

fn sheet_of(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Committee | ItemKind::Branch => ORGS,
        ItemKind::Place => PLACES,
        ItemKind::Person => PEOPLE,
    }
}

/// The workbook: the template (`book` = None) or the export.
pub fn write(book: Option<&Book>) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let header = Format::new().set_bold().set_background_color("#DDEBF7");
    // Codes and phone numbers are text: Excel would otherwise turn 13800009999 into 1.38E+10.
    let text = Format::new().set_num_format("@");
    let sheets: [(&str, &[&str], Vec<Vec<String>>); 3] = [
        (ORGS, ORG_HEADERS, book.map(org_rows).unwrap_or_default()),
        (
            PLACES,
            PLACE_HEADERS,
            book.map(place_rows).unwrap_or_default(),
        ),
        (
            PEOPLE,
            PEOPLE_HEADERS,
            book.map(people_rows).unwrap_or_default(),
        ),
    ];
    for (name, headers, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        for (c, h) in headers.iter().enumerate() {
            let width = if *h == "名称" || *h == "单位及职务" {
                30
            } else {
                14
            };
            ws.set_column_width(c as u16, width)?;
            ws.set_column_format(c as u16, &text)?;
            ws.write_string_with_format(0, c as u16, *h, &header)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string_with_format(r as u32 + 1, c as u16, v, &text)?;
                }
            }
        }
    }
    explain(wb.add_worksheet())?;
    wb.save_to_buffer()
}

/// The 说明 sheet: what each column takes.
fn explain(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_name("说明")?;
    ws.set_column_width(0, 100)?;
    let lines = [
        "三联共建 信息库导入说明".to_string(),
        "每张表第 1 行是表头（不要修改），从第 2 行起每行一项；按“编码”对应已有的项：改名称不会丢失已有记录。".into(),
        "编码只用字母、数字、- 和 _，例如 T01、B017、V0203、P00012；同一张表中不能重复。".into(),
        "文件中没有的项保持不变；要撤销或停用一项，请把它的“状态”改为撤销（人员为停用），不要删除行。".into(),
        String::new(),
        format!("【{ORGS}】{}", ORG_HEADERS.join(" | ")),
        format!(
            "类别：{}",
            CommitteeKind::ALL
                .iter()
                .map(|k| k.label())
                .chain(BranchKind::ALL.iter().map(|k| k.label()))
                .collect::<Vec<_>>()
                .join("、")
        ),
        "上级编码：支部填所属乡镇党委、工委或部门党委的编码；党委、工委留空。".into(),
        "联建对象编码：农村支部、社区支部、企业支部填所在村、社区、企业的编码；机关支部、事业支部留空。".into(),
        "状态：在用 或 撤销（留空为在用）。".into(),
        String::new(),
        format!("【{PLACES}】{}", PLACE_HEADERS.join(" | ")),
        "类型：村、社区 或 企业；所属乡镇：乡镇党委的编码。".into(),
        format!(
            "五个结合：{}，多个用“、”分隔。",
            TieIn::ALL.iter().map(|t| t.label()).collect::<Vec<_>>().join("、")
        ),
        "状态：在用 或 撤销（撤并的村在系统中撤并后显示为撤销）。".into(),
        String::new(),
        format!("【{PEOPLE}】{}", PEOPLE_HEADERS.join(" | ")),
        format!(
            "身份：{}。",
            Identity::ALL.iter().map(|i| i.label()).collect::<Vec<_>>().join("、")
        ),
        "所在党组织编码：党员、联点领导、支部书记填所在支部；党（工）委工作人员填所在党（工）委；组织部工作人员留空。".into(),
        "手机号：11 位数字，每人不同；有手机号的在用人员可以领取登录凭条。".into(),
        "状态：在用 或 停用（留空为在用）。".into(),
        String::new(),
        "导入前可先“检查”（不保存）：所有错误按 表名 第几行 哪一列 列出；有任何错误时整份文件都不会导入。".into(),
    ];
    for (r, l) in lines.iter().enumerate() {
        ws.write_string(r as u32, 0, l)?;
    }
    Ok(())
}

fn org_status(s: Status) -> &'static str {
    if s.is_active() {
        "在用"
    } else {
        "撤销"
    }
}

fn person_status(s: Status) -> &'static str {
    if s.is_active() {
        "在用"
    } else {
        "停用"
    }
}

fn org_rows(book: &Book) -> Vec<Vec<String>> {
    let r = &book.registry;
    let mut rows: Vec<Vec<String>> = r
        .committees
        .values()
        .map(|c| {
            vec![
                c.id.clone(),
                c.name.clone(),
                c.kind.label().into(),
                String::new(),
                String::new(),
                org_status(c.status).into(),
            ]
        })
        .collect();
    rows.extend(r.branches.values().map(|b| {
        vec![
            b.id.clone(),
            b.name.clone(),
            b.kind.label().into(),
            b.committee.clone(),
            b.place.clone().unwrap_or_default(),
            org_status(b.status).into(),
        ]
    }));
    rows
}

fn place_rows(book: &Book) -> Vec<Vec<String>> {
    book.registry
        .places
        .values()
        .map(|p| {
            let tags = book
                .tags
                .get(&p.id)
                .map(|t| t.iter().map(|t| t.label()).collect::<Vec<_>>().join("、"))
                .unwrap_or_default();
            vec![
                p.id.clone(),
                p.name.clone(),
                p.kind.label().into(),
                p.township.clone(),
                tags,
                org_status(p.status).into(),
            ]
        })
        .collect()
}

fn people_rows(book: &Book) -> Vec<Vec<String>> {
    book.members()
        .into_iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.name.clone(),
                book.phones.get(&m.id).cloned().unwrap_or_default(),
                m.org.clone(),
                m.identity.label().into(),
                m.position.clone(),
                person_status(m.status).into(),
            ]
        })
        .collect()
}

/// A cell as the text a clerk typed: numbers without ".0" (a phone number or code typed
/// as a number), trimmed strings.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.into(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(dt) => dt.to_string(),
        Data::Error(_) => "#错误".into(),
    }
}

/// One data row: its sheet row number (1-based) and cells by header.
struct Row {
    n: u32,
    cells: HashMap<&'static str, String>,
}

impl Row {
    fn get(&self, h: &str) -> &str {
        self.cells.get(h).map_or("", String::as_str)
    }
}

/// Reads one sheet's rows by the headers; header problems go to `errors`.
fn read_sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &'static str,
    headers: &'static [&'static str],
    errors: &mut Vec<ImportIssue>,
) -> Option<Vec<Row>> {
    if !wb.sheet_names().iter().any(|n| n == sheet) {
        errors.push(issue(
            sheet,
            0,
            "",
            format!("缺少工作表“{sheet}”（可下载模板对照）"),
        ));
        return None;
    }
    let range = match wb.worksheet_range(sheet) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, sheet, "worksheet unreadable");
            errors.push(issue(sheet, 0, "", format!("工作表“{sheet}”无法读取")));
            return None;
        }
    };
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    // The header must be in row 1: data rows are numbered from there.
    let header_row: Vec<String> = if r0 == 0 {
        rows.next()
            .map(|r| r.iter().map(cell_text).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut columns: Vec<(usize, &'static str)> = Vec::new();
    let mut missing = Vec::new();
    for h in headers {
        match header_row.iter().position(|c| c == h) {
            Some(i) => columns.push((i, *h)),
            None => missing.push(*h),
        }
    }
    if !missing.is_empty() {
        errors.push(issue(
            sheet,
            1,
            missing[0],
            format!(
                "缺少表头“{}”；第 1 行应为：{}",
                missing.join("”“"),
                headers.join(" | ")
            ),
        ));
        return None;
    }
    let first_data = if r0 == 0 { 2 } else { r0 + 1 };
    let mut out = Vec::new();
    for (i, r) in rows.enumerate() {
        let n = first_data + i as u32;
        let mut cells = HashMap::new();
        for (col, h) in &columns {
            let idx = col.checked_sub(c0 as usize);
            let v = idx
                .and_then(|i| r.get(i))
                .map(cell_text)
                .unwrap_or_default();
            cells.insert(*h, v);
        }
        if cells.values().all(String::is_empty) {
            continue;
        }
        if out.len() >= MAX_ROWS {
            errors.push(issue(
                sheet,
                n,
                "",
                format!("行数过多：每张表最多 {MAX_ROWS} 行"),
            ));
            return None;
        }
        out.push(Row { n, cells });
    }
    Some(out)
}

fn issue(sheet: &str, row: u32, column: &str, what: String) -> ImportIssue {
    let message = match (row, column) {
        (0, _) => format!("{sheet}：{what}"),
        (_, "") => format!("{sheet} 第 {row} 行：{what}"),
        _ => format!("{sheet} 第 {row} 行 {column}：{what}"),
    };
    ImportIssue {
        sheet: sheet.into(),
        row,
        column: column.into(),
        message,
    }
}

/// 在用 (or empty) / 撤销 / 停用: either retiring word is taken on any sheet.
fn parse_status(s: &str) -> Option<Status> {
    match s {
        "" | "在用" => Some(Status::Active),
        "撤销" | "停用" => Some(Status::Retired),
        _ => None,
    }
}

/// What an import does, before it is stored.
pub struct Imported {
    pub book: Book,
    pub report: ImportReport,
}

/// Reads a workbook into a new book on top of `current`; `unsynced` is what each person's
/// phones still hold (for the move warning).
pub fn import(
    bytes: &[u8],
    current: &Book,
    unsynced: &HashMap<String, u32>,
    dry_run: bool,
) -> Imported {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let fail = |errors: Vec<ImportIssue>| Imported {
        book: current.clone(),
        report: ImportReport {
            ok: false,
            dry_run,
            errors,
            warnings: Vec::new(),
            summary: BTreeMap::new(),
            changes: Vec::new(),
        },
    };
    let whole = |message: &str| ImportIssue {
        sheet: String::new(),
        row: 0,
        column: String::new(),
        message: message.into(),
    };
    if !bytes.starts_with(b"PK\x03\x04") {
        return fail(vec![whole(
            "文件不是 Excel 工作簿（.xlsx）：请用 Excel 或 WPS 另存为“Excel 工作簿 (*.xlsx)”后再导入",
        )]);
    }
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) if z.decompressed_size().is_some_and(|n| n > MAX_UNPACKED) => {
            return fail(vec![whole("文件解压后过大，不像是信息库工作簿")]);
        }
        Ok(_) => {}
        Err(_) => {
            return fail(vec![whole("文件已损坏或不是 .xlsx 工作簿，无法读取")]);
        }
    }
    let mut wb: Xlsx<Cursor<&[u8]>> = match calamine::open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            tracing::warn!(error = %e, "import: not a readable xlsx");
            return fail(vec![whole("文件已损坏或不是 .xlsx 工作簿，无法读取")]);
        }
    };
    let orgs = read_sheet(&mut wb, ORGS, ORG_HEADERS, &mut errors);
    let places = read_sheet(&mut wb, PLACES, PLACE_HEADERS, &mut errors);
    let people = read_sheet(&mut wb, PEOPLE, PEOPLE_HEADERS, &mut errors);
    let (Some(orgs), Some(places), Some(people)) = (orgs, places, people) else {
        return fail(errors);
    };

    let mut book = current.clone();
    // Where each item came from, for messages about it.
    let mut rows: HashMap<(ItemKind, String), u32> = HashMap::new();
    let bad_code = |sheet: &str, row: &Row, errors: &mut Vec<ImportIssue>| -> Option<String> {
        let code = row.get("编码");
        if code.is_empty() {
            errors.push(issue(sheet, row.n, "编码", "请填写编码".into()));
            return None;
        }
        if !shared::ids::is_plain_id(code) || code.len() > 64 {
            errors.push(issue(
                sheet,
                row.n,
                "编码",
                format!("编码 {code} 只能用字母、数字、- 和 _（最多 64 个）"),
            ));
            return None;
        }
        Some(code.to_string())
    };
    let mut seen: HashMap<(&str, String), u32> = HashMap::new();
    let mut dup =
        |sheet: &'static str, code: &str, n: u32, errors: &mut Vec<ImportIssue>| -> bool {
            if let Some(first) = seen.insert((sheet, code.to_string()), n) {
                errors.push(issue(
                    sheet,
                    n,
                    "编码",
                    format!("编码 {code} 重复（第 {first} 行已有）"),
                ));
                seen.insert((sheet, code.to_string()), first);
                return true;
            }
            false
        };

    for row in &orgs {
        let Some(code) = bad_code(ORGS, row, &mut errors) else {
            continue;
        };
        if dup(ORGS, &code, row.n, &mut errors) {
            continue;
        }
        let name = row.get("名称").to_string();
        let Some(status) = parse_status(row.get("状态")) else {
            errors.push(issue(
                ORGS,
                row.n,
                "状态",
                format!("状态 {} 应为 在用 或 撤销", row.get("状态")),
            ));
            continue;
        };
        let kind_text = row.get("类别");
        let parent = row.get("上级编码");
        let link = row.get("联建对象编码");
        if let Some(kind) = CommitteeKind::ALL.iter().find(|k| k.label() == kind_text) {
            if !parent.is_empty() {
                errors.push(issue(
                    ORGS,
                    row.n,
                    "上级编码",
                    format!("{}没有上级党组织，上级编码应留空", kind.label()),
                ));
            }
            if !link.is_empty() {
                errors.push(issue(
                    ORGS,
                    row.n,
                    "联建对象编码",
                    format!("{}不联系村社区企业，联建对象编码应留空", kind.label()),
                ));
            }
            if current.registry.branches.contains_key(&code) {
                errors.push(issue(
                    ORGS,
                    row.n,
                    "类别",
                    format!("编码 {code} 已是一个支部，不能改为{}", kind.label()),
                ));
                continue;
            }
            rows.insert((ItemKind::Committee, code.clone()), row.n);
            book.registry.committees.insert(
                code.clone(),
                Committee {
                    id: code,
                    name,
                    kind: *kind,
                    status,
                },
            );
        } else if let Some(kind) = BranchKind::ALL.iter().find(|k| k.label() == kind_text) {
            if current.registry.committees.contains_key(&code) {
                errors.push(issue(
                    ORGS,
                    row.n,
                    "类别",
                    format!("编码 {code} 已是一个党（工）委，不能改为{}", kind.label()),
                ));
                continue;
            }
            rows.insert((ItemKind::Branch, code.clone()), row.n);
            book.registry.branches.insert(
                code.clone(),
                Branch {
                    id: code,
                    name,
                    kind: *kind,
                    committee: parent.to_string(),
                    place: (!link.is_empty()).then(|| link.to_string()),
                    status,
                },
            );
        } else {
            errors.push(issue(
                ORGS,
                row.n,
                "类别",
                format!(
                    "没有“{kind_text}”这个类别；应为 {}",
                    CommitteeKind::ALL
                        .iter()
                        .map(|k| k.label())
                        .chain(BranchKind::ALL.iter().map(|k| k.label()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
        }
    }

    for row in &places {
        let Some(code) = bad_code(PLACES, row, &mut errors) else {
            continue;
        };
        if dup(PLACES, &code, row.n, &mut errors) {
            continue;
        }
        let kind_text = row.get("类型");
        let Some(kind) = PlaceKind::ALL.iter().find(|k| k.label() == kind_text) else {
            errors.push(issue(
                PLACES,
                row.n,
                "类型",
                format!("没有“{kind_text}”这个类型；应为 村、社区 或 企业"),
            ));
            continue;
        };
        let Some(status) = parse_status(row.get("状态")) else {
            errors.push(issue(
                PLACES,
                row.n,
                "状态",
                format!("状态 {} 应为 在用 或 撤销", row.get("状态")),
            ));
            continue;
        };
        let mut tags = BTreeSet::new();
        let mut tags_ok = true;
        for t in row
            .get("五个结合")
            .split(['、', ',', '，', ';', '；'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match TieIn::ALL.iter().find(|k| k.label() == t || k.code() == t) {
                Some(k) => {
                    tags.insert(*k);
                }
                None => {
                    tags_ok = false;
                    errors.push(issue(
                        PLACES,
                        row.n,
                        "五个结合",
                        format!(
                            "没有“{t}”这个标签；应为 {}",
                            TieIn::ALL
                                .iter()
                                .map(|k| k.label())
                                .collect::<Vec<_>>()
                                .join("、")
                        ),
                    ));
                }
            }
        }
        if !tags_ok {
            continue;
        }
        rows.insert((ItemKind::Place, code.clone()), row.n);
        let merged_into = current
            .registry
            .places
            .get(&code)
            .and_then(|p| p.merged_into.clone())
            // A merged village brought back into use is no longer merged.
            .filter(|_| !status.is_active());
        book.registry.places.insert(
            code.clone(),
            Place {
                id: code.clone(),
                name: row.get("名称").to_string(),
                kind: *kind,
                township: row.get("所属乡镇").to_string(),
                status,
                merged_into,
            },
        );
        if tags.is_empty() {
            book.tags.remove(&code);
        } else {
            book.tags.insert(code, tags);
        }
    }

    for row in &people {
        let Some(code) = bad_code(PEOPLE, row, &mut errors) else {
            continue;
        };
        if dup(PEOPLE, &code, row.n, &mut errors) {
            continue;
        }
        let id_text = row.get("身份");
        let Some(identity) = Identity::ALL.iter().find(|k| k.label() == id_text) else {
            errors.push(issue(
                PEOPLE,
                row.n,
                "身份",
                format!(
                    "没有“{id_text}”这个身份；应为 {}",
                    Identity::ALL
                        .iter()
                        .map(|k| k.label())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
            continue;
        };
        let Some(status) = parse_status(row.get("状态")) else {
            errors.push(issue(
                PEOPLE,
                row.n,
                "状态",
                format!("状态 {} 应为 在用 或 停用", row.get("状态")),
            ));
            continue;
        };
        let phone = row.get("手机号").replace([' ', '-'], "");
        rows.insert((ItemKind::Person, code.clone()), row.n);
        if let Some(old) = current.member(&code) {
            if is_field(old.identity) != is_field(*identity) {
                errors.push(issue(
                    PEOPLE,
                    row.n,
                    "身份",
                    format!(
                        "身份不能由{}改为{}：请将原编码停用，以新编码添加",
                        old.identity.label(),
                        identity.label()
                    ),
                ));
                continue;
            }
            let moved = old.org != row.get("所在党组织编码") && is_field(old.identity);
            let pending = unsynced.get(&code).copied().unwrap_or(0);
            if moved && pending > 0 {
                warnings.push(issue(
                    PEOPLE,
                    row.n,
                    "所在党组织编码",
                    format!(
                        "{} 的手机上还有 {pending} 条未同步的记录；调动后原支部 {} 仍可在 14 天内接收，请提醒其尽快联网同步",
                        old.name, old.org
                    ),
                ));
            }
        }
        book.put_member(&Member {
            id: code.clone(),
            name: row.get("姓名").to_string(),
            org: row.get("所在党组织编码").to_string(),
            identity: *identity,
            position: row.get("单位及职务").to_string(),
            status,
        });
        if phone.is_empty() {
            book.phones.remove(&code);
        } else {
            book.phones.insert(code, phone);
        }
    }

    // The whole book's consistency: each problem goes to the row of its item.
    for p in book.check(current) {
        let sheet = sheet_of(p.kind);
        let column = p.field.column(p.kind);
        match rows.get(&(p.kind, p.id.clone())) {
            Some(n) => errors.push(issue(sheet, *n, column, p.message)),
            // A problem of an item the file does not list, caused by rows that are in it
            // (e.g. a committee retired while a branch not in the file stays under it).
            None => errors.push(issue(
                sheet,
                0,
                column,
                format!("编码 {}：{}", p.id, p.message),
            )),
        }
    }
    errors.sort_by(|a, b| {
        let order = |s: &str| [ORGS, PLACES, PEOPLE].iter().position(|x| *x == s);
        (order(&a.sheet), a.row).cmp(&(order(&b.sheet), b.row))
    });
    if !errors.is_empty() {
        return fail(errors);
    }
    let (summary, changes) = differences(current, &book);
    Imported {
        book,
        report: ImportReport {
            ok: true,
            dry_run,
            errors,
            warnings,
            summary,
            changes,
        },
    }
}

/// What `new` adds, changes and retires compared with `old`, per sheet.
pub fn differences(old: &Book, new: &Book) -> (BTreeMap<String, SheetSummary>, Vec<ImportChange>) {
    let mut summary: BTreeMap<String, SheetSummary> = [ORGS, PLACES, PEOPLE]
        .iter()
        .map(|s| (s.to_string(), SheetSummary::default()))
        .collect();
    let mut changes = Vec::new();
    let mut note = |sheet: &str, code: &str, name: &str, c: Change, person: bool| {
        let s = summary.entry(sheet.to_string()).or_default();
        let action = match c {
            Change::Added => {
                s.added += 1;
                "新增"
            }
            Change::Changed => {
                s.changed += 1;
                "修改"
            }
            Change::Retired => {
                s.retired += 1;
                if person {
                    "停用"
                } else {
                    "撤销"
                }
            }
            Change::Unchanged => {
                s.unchanged += 1;
                return;
            }
        };
        if changes.len() < MAX_LISTED {
            changes.push(ImportChange {
                sheet: sheet.into(),
                code: code.into(),
                name: name.into(),
                action: action.into(),
            });
        }
    };
    let (o, n) = (&old.registry, &new.registry);
    for c in n.committees.values() {
        let prev = o.committees.get(&c.id);
        note(
            ORGS,
            &c.id,
            &c.name,
            compare(prev, c, prev.map(|p| p.status), c.status),
            false,
        );
    }
    for b in n.branches.values() {
        let prev = o.branches.get(&b.id);
        note(
            ORGS,
            &b.id,
            &b.name,
            compare(prev, b, prev.map(|p| p.status), b.status),
            false,
        );
    }
    for p in n.places.values() {
        let prev = o.places.get(&p.id);
        let c = compare(prev, p, prev.map(|p| p.status), p.status);
        let c = if c == Change::Unchanged && old.tags.get(&p.id) != new.tags.get(&p.id) {
            Change::Changed
        } else {
            c
        };
        note(PLACES, &p.id, &p.name, c, false);
    }
    for m in new.members() {
        let prev = old.member(&m.id);
        let c = compare(prev.as_ref(), &m, prev.as_ref().map(|p| p.status), m.status);
        let c = if c == Change::Unchanged && old.phones.get(&m.id) != new.phones.get(&m.id) {
            Change::Changed
        } else {
            c
        };
        note(PEOPLE, &m.id, &m.name, c, true);
    }
    (summary, changes)
}

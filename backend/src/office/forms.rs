//! The notice's two official forms, built from the merged county: 《三联共建活动花名册》
//! (the roster, by level: leaders, branches, members) and 《三联共建活动登记表》 (one per
//! link: basic situation, problems, help content and measures). The same [`Form`] is sent
//! as JSON for the printable A4 page and written as .xlsx for download.

use super::view::View;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use shared::domain::records::{ActivityKind, BranchRecords, DeedKind, Labour};
use shared::model::{Role, VisitKind};
use shared::office::{Form, Sheet, Stamp};
use std::collections::BTreeMap;

/// Whose forms: the whole county or one committee's 机关/事业 branches.
pub struct Scope<'a> {
    pub committee: Option<&'a str>,
}

impl Scope<'_> {
    fn includes(&self, view: &View, branch: &str) -> bool {
        match self.committee {
            None => true,
            Some(c) => view
                .data
                .registry
                .branches
                .get(branch)
                .is_some_and(|b| b.committee == c),
        }
    }

    fn name(&self, view: &View) -> String {
        let r = &view.data.registry;
        match self.committee {
            None => r.county.clone(),
            Some(c) => r
                .committees
                .get(c)
                .map_or_else(|| c.to_string(), |c| c.name.clone()),
        }
    }
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join("、")
}

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

/// 《旬阳县"三联共建"活动花名册》: three sheets, one per level of the notice.
pub fn roster(view: &View, scope: &Scope, stamp: Stamp) -> Form {
    let r = &view.data.registry;
    let mut leaders = Vec::new();
    let mut branches = Vec::new();
    let mut members = Vec::new();
    for b in r.writing_branches().filter(|b| scope.includes(view, &b.id)) {
        let partners = view.partners_of(&b.id);
        let partner_places = partners.iter().map(|p| {
            r.branches
                .get(&p.id)
                .and_then(|vb| vb.place.as_deref())
                .map_or_else(String::new, |pl| r.place_name(pl).to_string())
        });
        branches.push(vec![
            (branches.len() + 1).to_string(),
            b.name.clone(),
            b.kind.label().to_string(),
            r.committees
                .get(&b.committee)
                .map_or_else(|| b.committee.clone(), |c| c.name.clone()),
            if partners.is_empty() {
                "未结对".to_string()
            } else {
                join(partners.iter().map(|p| p.name.clone()))
            },
            join(partner_places),
        ]);
        for p in r.people.values().filter(|p| p.branch == b.id) {
            if p.role == Role::Leader {
                let points = view.points_of(&p.id);
                let township = join(points.iter().filter_map(|pt| {
                    let place = r.places.get(&pt.id)?;
                    Some(
                        r.committees
                            .get(&place.township)
                            .map_or_else(|| place.township.clone(), |c| c.name.clone()),
                    )
                }));
                let kinds = join(
                    points
                        .iter()
                        .filter_map(|pt| Some(r.places.get(&pt.id)?.kind.label().to_string())),
                );
                leaders.push(vec![
                    (leaders.len() + 1).to_string(),
                    p.name.clone(),
                    p.position.clone(),
                    b.name.clone(),
                    if points.is_empty() {
                        "未确定".to_string()
                    } else {
                        join(points.iter().map(|pt| pt.name.clone()))
                    },
                    kinds,
                    township,
                    view.point_visit_count(&p.id).to_string(),
                ]);
                continue;
            }
            let targets: Vec<_> = view.member_targets(&p.id).collect();
            if targets.is_empty() {
                members.push(vec![
                    (members.len() + 1).to_string(),
                    p.name.clone(),
                    b.name.clone(),
                    "未确定".to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            for t in targets {
                members.push(vec![
                    (members.len() + 1).to_string(),
                    p.name.clone(),
                    b.name.clone(),
                    t.name,
                    t.kind,
                    t.labour,
                    t.place,
                    t.household_size.to_string(),
                    t.baseline_income.to_string(),
                ]);
            }
        }
    }
    Form {
        title: "旬阳县“三联共建”活动花名册".into(),
        scope: scope.name(view),
        stamp,
        sheets: vec![
            Sheet {
                name: "领导联点".into(),
                headers: headers(&[
                    "序号",
                    "姓名",
                    "单位及职务",
                    "所在支部",
                    "联系点",
                    "类别",
                    "所属乡镇",
                    "本年到点次数",
                ]),
                rows: leaders,
            },
            Sheet {
                name: "支部联建".into(),
                headers: headers(&[
                    "序号",
                    "支部名称",
                    "类别",
                    "所属党委（工委）",
                    "结对支部",
                    "结对村（社区、企业）",
                ]),
                rows: branches,
            },
            Sheet {
                name: "党员联帮".into(),
                headers: headers(&[
                    "序号",
                    "党员姓名",
                    "所在支部",
                    "帮扶对象",
                    "类别",
                    "劳动能力",
                    "所在村（社区）",
                    "家庭人口",
                    "基期人均收入（元）",
                ]),
                rows: members,
            },
        ],
    }
}

fn count_by<K: Ord>(it: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut m = BTreeMap::new();
    for k in it {
        *m.entry(k).or_default() += 1;
    }
    m
}

/// 《旬阳县"三联共建"活动登记表》: one entry per link, in one sheet.
pub fn registration(view: &View, scope: &Scope, stamp: Stamp) -> Form {
    let r = &view.data.registry;
    let empty = BranchRecords::default();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let push = |rows: &mut Vec<Vec<String>>, cells: [String; 7]| {
        let mut row = vec![(rows.len() + 1).to_string()];
        row.extend(cells);
        rows.push(row);
    };
    for b in r.writing_branches().filter(|b| scope.includes(view, &b.id)) {
        let recs = view.data.branches.get(&b.id).map_or(&empty, |r| &**r);
        let in_year = |d: &str| d.starts_with(&format!("{}-", view.year));
        // 领导联点
        for p in r
            .people
            .values()
            .filter(|p| p.branch == b.id && p.role == Role::Leader)
        {
            for pt in view.points_of(&p.id) {
                let place = r.places.get(&pt.id);
                let township = place
                    .and_then(|pl| r.committees.get(&pl.township))
                    .map_or("", |c| c.name.as_str());
                let tags = view.tags_of(&pt.id);
                let mut basic = format!(
                    "{}（{}，{}）",
                    pt.name,
                    place.map_or("", |pl| pl.kind.label()),
                    township
                );
                if !tags.is_empty() {
                    basic.push_str(&format!("；五个结合：{}", tags.join("、")));
                }
                let problems = join(
                    recs.points
                        .values()
                        .filter(|x| !x.withdrawn && x.leader == p.id && x.place == pt.id)
                        .map(|x| x.note.clone())
                        .filter(|n| !n.is_empty()),
                );
                let tasks = count_by(
                    recs.visits
                        .values()
                        .filter(|v| {
                            !v.withdrawn
                                && v.author == p.id
                                && v.place == pt.id
                                && v.kind != VisitKind::Help
                                && in_year(&v.date)
                        })
                        .map(|v| v.kind),
                );
                let content = format!(
                    "到点 {} 次：{}",
                    tasks.values().sum::<usize>(),
                    join(tasks.iter().map(|(k, n)| format!("{} {n} 次", k.label())))
                );
                let measures = join(
                    recs.cultivations
                        .values()
                        .filter(|c| !c.withdrawn && c.leader == p.id && in_year(&c.date))
                        .map(|c| format!("培养{}{}", c.kind.label(), c.name)),
                );
                push(
                    &mut rows,
                    [
                        "领导联点".into(),
                        format!("{}（{}）", p.name, p.position),
                        pt.name.clone(),
                        basic,
                        problems,
                        content,
                        measures,
                    ],
                );
            }
        }
        // 支部联建
        for partner in view.partners_of(&b.id) {
            let place = r
                .branches
                .get(&partner.id)
                .and_then(|vb| vb.place.as_deref())
                .map_or("", |pl| r.place_name(pl));
            let plans = join(
                recs.plans
                    .values()
                    .filter(|p| !p.withdrawn && p.year == view.year)
                    .map(|p| format!("{}《{}》（{}）", p.kind.label(), p.title, p.status.label())),
            );
            let activities = count_by(
                recs.activities
                    .values()
                    .filter(|a| !a.withdrawn && in_year(&a.date))
                    .map(|a| a.kind),
            );
            let deeds = count_by(
                recs.deeds
                    .values()
                    .filter(|d| !d.withdrawn && in_year(&d.date))
                    .map(|d| d.kind),
            );
            let measures = join(
                ActivityKind::ALL
                    .iter()
                    .filter_map(|k| Some(format!("{} {} 次", k.label(), activities.get(k)?)))
                    .chain(
                        DeedKind::ALL
                            .iter()
                            .filter_map(|k| Some(format!("{} {} 件", k.label(), deeds.get(k)?))),
                    ),
            );
            let problems = join(
                view.findings_concerning(&partner.id)
                    .into_iter()
                    .map(|f| f.message),
            );
            push(
                &mut rows,
                [
                    "支部联建".into(),
                    b.name.clone(),
                    partner.name.clone(),
                    format!("{}，所在：{place}", partner.name),
                    problems,
                    plans,
                    measures,
                ],
            );
        }
        // 党员联帮
        for p in r
            .people
            .values()
            .filter(|p| p.branch == b.id && p.role != Role::Leader)
        {
            for t in view.member_targets(&p.id) {
                let mut basic = format!(
                    "户主{}，{}口人，{}，{}，{}年初人均收入 {} 元",
                    t.name, t.household_size, t.kind, t.labour, view.year, t.baseline_income
                );
                basic.push_str(&format!("，住{}", t.place));
                let mut content = Vec::new();
                if !t.projects.is_empty() {
                    content.push(format!("发展项目：{}", t.projects.join("、")));
                }
                if !t.skills.is_empty() {
                    content.push(format!("实用技术：{}", t.skills.join("、")));
                }
                let mut measures: Vec<String> = recs
                    .help
                    .values()
                    .filter(|h| {
                        !h.withdrawn
                            && h.target == t.id
                            && h.kind == shared::domain::records::HelpKind::Support
                            && in_year(&h.date)
                    })
                    .map(|h| h.detail.clone())
                    .collect();
                if let (Some(i), Some(g)) = (t.latest_income, t.growth_percent) {
                    measures.push(format!("人均收入 {i} 元，增长 {g}%"));
                }
                let labour_able = t.labour == Labour::Able.label();
                if labour_able && !t.on_track {
                    measures.push("未达标".into());
                }
                push(
                    &mut rows,
                    [
                        "党员联帮".into(),
                        format!("{}（{}）", p.name, b.name),
                        t.name.clone(),
                        basic,
                        t.note.clone(),
                        content.join("；"),
                        measures.join("；"),
                    ],
                );
            }
        }
    }
    Form {
        title: "旬阳县“三联共建”活动登记表".into(),
        scope: scope.name(view),
        stamp,
        sheets: vec![Sheet {
            name: "登记表".into(),
            headers: headers(&[
                "序号",
                "联建形式",
                "帮联人（单位）",
                "联建对象",
                "基本情况",
                "存在问题",
                "帮扶内容",
                "具体措施",
            ]),
            rows,
        }],
    }
}

/// Rows of a sheet start here: title, stamp, headers above.
pub const FIRST_DATA_ROW: u32 = 3;

/// The form as an .xlsx workbook, A4 landscape, headers repeated on every printed page.
pub fn xlsx(form: &Form) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    for sheet in &form.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        // 9 is A4 in the format's paper codes.
        ws.set_paper_size(9).set_landscape();
        let last_col = sheet.headers.len().saturating_sub(1) as u16;
        ws.merge_range(
            0,
            0,
            0,
            last_col,
            &format!("{}（{}·{}）", form.title, form.scope, sheet.name),
            &title,
        )?;
        ws.merge_range(1, 0, 1, last_col, &form.stamp.line(), &Format::new())?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(2, c as u16, h, &head)?;
            let width = if c == 0 { 6 } else { 16 };
            ws.set_column_width(c as u16, width)?;
        }
        ws.set_repeat_rows(2, 2)?;
        for (i, row) in sheet.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string_with_format(FIRST_DATA_ROW + i as u32, c as u16, v, &cell)?;
            }
        }
    }
    wb.save_to_buffer()
}

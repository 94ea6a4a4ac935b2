//! A person: links, open findings, and their records one page at a time; a record opens
//! in place (drill-down levels 3 and 4).

use crate::components::api::{enc, fetched, loaded, period};
use crate::components::pager::{page_index, pager};
use crate::components::sort::sort_by_header;
use crate::pages::committee::period_link;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::office::{FindingLine, HistoryRow, PersonDetail, RecordRow};

/// Findings read as their rule and message: all this page shows.
type Detail = PersonDetail<FindingLine>;

#[component]
pub fn OfficePersonPage() -> impl IntoView {
    let params = use_params_map();
    let period = period();
    let page = page_index();
    let detail = fetched::<Detail>(move || {
        let id = params.read().get("id").unwrap_or_default();
        let p = period.get();
        let sep = if p.is_empty() { "" } else { "&" };
        Some(format!(
            "/api/office/people/{id}?page={}{sep}{p}",
            page.get()
        ))
    });
    view! {
        <section class="card office" id="office-person">
            {loaded(detail, move |d| {
                let p = period.get_untracked();
                view! { <PersonBody d=d period=p /> }
            })}
        </section>
    }
}

#[component]
fn PersonBody(d: Detail, period: String) -> impl IntoView {
    let up = period_link(format!("/office/branch/{}", d.branch.id), &period);
    let points = d
        .points
        .iter()
        .map(|p| p.name.clone())
        .collect::<Vec<_>>()
        .join("、");
    let targets = d
        .targets
        .iter()
        .map(|t| {
            let growth = t.growth_percent.map_or_else(|| "未核定".to_string(), |g| format!("{g}%"));
            view! {
                <tr data-id=t.id.clone() class:short=!t.on_track && t.labour == "有劳动能力">
                    <td>{t.name.clone()}<div class="meta">{format!("{} · {} · {}口人", t.place, t.labour, t.household_size)}</div></td>
                    <td>{t.projects.join("、")}</td>
                    <td>{t.skills.join("、")}</td>
                    <td>{growth}</td>
                </tr>
            }
        })
        .collect_view();
    let findings = d
        .findings
        .iter()
        .map(|f| view! { <li class="finding"><span class="tag">{f.rule.label()}</span>" "{f.message.clone()}</li> })
        .collect_view();
    let r = d.records.clone();
    let pages = r.total.div_ceil(r.per_page.max(1));
    let records = r.records;
    view! {
        <p><a href=up>{format!("← {}", d.branch.name)}</a></p>
        <h2>{d.name.clone()}</h2>
        <p>{format!("{} · {}", d.role, d.position)}</p>
        {(!points.is_empty()).then(|| view! { <p>"联系点：" {points}</p> })}
        <ul class="findings" id="person-findings">{findings}</ul>
        {(!d.targets.is_empty()).then(|| view! {
            <h3>"帮扶对象"</h3>
            <div class="scroll"><table class="office-table" id="person-targets">
                <thead class="sortable" on:click=sort_by_header><tr><th>"户主"</th><th>"发展项目"</th><th>"实用技术"</th><th>"收入增长"</th></tr></thead>
                <tbody>{targets}</tbody>
            </table></div>
        })}
        <h3>{format!("记录（共 {} 条）", r.total)}</h3>
        <RecordTable id="person-records" records=records />
        {pager("person-pager", "next-page", r.page, pages)}
    }
}

/// Records as a table using the width: every column sorts, and each row shows the whole
/// record (its note, what it is, who wrote it, where, its id).
#[component]
pub fn RecordTable(id: &'static str, records: Vec<RecordRow>) -> impl IntoView {
    view! {
        <div class="scroll">
            <table class="office-table records" id=id>
                <thead class="sortable" on:click=sort_by_header><tr>
                    <th>"日期"</th><th>"类别"</th><th>"地点"</th><th>"记录人"</th><th>"内容"</th>
                </tr></thead>
                <tbody>{records.into_iter().map(|r| view! { <Record r=r /> }).collect_view()}</tbody>
            </table>
        </div>
    }
}

/// One record as a table row.
#[component]
fn Record(r: RecordRow) -> impl IntoView {
    let detail = format!("{} · 编号 {}", r.record, r.id);
    view! {
        <tr class="record" class:withdrawn=r.withdrawn data-id=r.id.clone()>
            <td class="nowrap">{r.date.clone()}</td>
            <td><span class="tag">{r.kind.clone()}</span></td>
            <td>{r.place.clone()}</td>
            <td>{r.author.name.clone()}<div class="meta">{r.branch.name.clone()}</div></td>
            <td class="record-detail">
                <p class="note">{r.note.clone()}{r.withdrawn.then_some("（已撤回）")}</p>
                <p class="meta">{format!("记录人 {}", r.author.name)}" · "{detail}</p>
                <RecordHistory branch=r.branch.id.clone() id=r.id.clone() />
            </td>
        </tr>
    }
}

/// A record's 修改历史 (issue 18), asked of the server when it is opened: every
/// correction, old → new, who and when.
#[component]
fn RecordHistory(branch: String, id: String) -> impl IntoView {
    let open = RwSignal::new(false);
    // Asked only once opened: until then nothing is shown (an empty error).
    let lines = fetched::<Vec<HistoryRow>>(move || {
        open.get()
            .then(|| format!("/api/office/records/{}/{}/history", enc(&branch), enc(&id)))
    });
    view! {
        <details class="history" on:toggle=move |_| open.set(true)>
            <summary>"修改历史"</summary>
            {loaded(lines, |lines: Vec<HistoryRow>| view! {
                <ol class="history-lines">
                    {lines.into_iter().map(|l| view! {
                        <li>
                            <span class="meta">{l.at}</span>" "<strong>{l.who.name}</strong>" "
                            {l.field}"："{l.old.map(|o| view! { <q class="old">{o}</q>" → " })}
                            <q class="new">{l.value}</q>
                        </li>
                    }).collect_view()}
                </ol>
            })}
        </details>
    }
}

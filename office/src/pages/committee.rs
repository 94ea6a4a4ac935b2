//! A committee: coverage of its places and its 机关/事业 branches, a page of branches at
//! a time (drill-down level 1).

use crate::components::api::{fetched, loaded, period, ratio};
use crate::components::pager::{page_index, pager};
use crate::components::sort::sort_by_header;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::office::{CommitteeDetail, FindingLine};

/// Findings read as their rule and message: all this page shows.
type Detail = CommitteeDetail<FindingLine>;

pub fn period_link(path: String, period: &str) -> String {
    if period.is_empty() {
        path
    } else {
        format!("{path}?{period}")
    }
}

/// The back link to the overview, by what it is to the reader: committee staff's
/// overview is their own committee's (issue 18).
pub fn overview_label() -> &'static str {
    if crate::auth::is_committee_staff() {
        "← 本委总览"
    } else {
        "← 县级总览"
    }
}

#[component]
pub fn OfficeCommitteePage() -> impl IntoView {
    let params = use_params_map();
    let period = period();
    let page = page_index();
    let detail = fetched::<Detail>(move || {
        let id = params.read().get("id").unwrap_or_default();
        let p = period.get();
        let sep = if p.is_empty() { "" } else { "&" };
        Some(format!(
            "/api/office/committees/{id}?page={}{sep}{p}",
            page.get()
        ))
    });
    view! {
        <section class="card office" id="office-committee">
            <p><a id="back-to-overview" href=move || period_link("/office".into(), &period.get())>{overview_label()}</a></p>
            {loaded(detail, move |c| {
                let p = period.get_untracked();
                view! { <CommitteeBody c=c period=p /> }
            })}
        </section>
    }
}

#[component]
fn CommitteeBody(c: Detail, period: String) -> impl IntoView {
    let t = c.totals.clone();
    let places = c
        .places
        .iter()
        .map(|p| {
            let leaders = p.leaders.iter().map(|l| l.name.clone()).collect::<Vec<_>>().join("、");
            let partners = p.partners.iter().map(|b| b.name.clone()).collect::<Vec<_>>().join("、");
            let uncovered = p.leaders.is_empty() || p.partners.is_empty();
            view! {
                <tr data-id=p.id.clone() class:short=uncovered>
                    <td>{p.name.clone()}<div class="meta">{p.kind.clone()}" "{p.tags.join("、")}</div></td>
                    <td>{if leaders.is_empty() { "无联点领导".to_string() } else { leaders }}</td>
                    <td>{if partners.is_empty() { "无结对支部".to_string() } else { partners }}</td>
                    <td>{p.visits}</td>
                </tr>
            }
        })
        .collect_view();
    let branches = c
        .branches
        .iter()
        .map(|b| {
            let href = period_link(format!("/office/branch/{}", b.id), &period);
            let partners = b.partners.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join("、");
            view! {
                <tr data-id=b.id.clone()>
                    <td><a class="drill" href=href>{b.name.clone()}</a><div class="meta">{b.kind.clone()}</div></td>
                    <td>{if partners.is_empty() { "未结对".to_string() } else { partners }}</td>
                    <td>{ratio(b.plans_ok, 3)}</td>
                    <td class:short=!b.activities_ok>{if b.activities_ok { "已开展" } else { "未开展" }}</td>
                    <td>{ratio(b.deeds_ok, 5)}</td>
                    <td>{ratio(b.households_on_track, b.households)}</td>
                    <td>{b.findings}</td>
                </tr>
            }
        })
        .collect_view();
    let findings = c
        .findings
        .iter()
        .map(|f| view! { <li class="finding"><span class="tag">{f.rule.label()}</span>" "{f.message.clone()}</li> })
        .collect_view();
    let has_places = !c.places.is_empty();
    let has_branches = c.branch_total > 0;
    let pages = c.branch_total.div_ceil(c.per_page.max(1));
    let at = c.page;
    let plans = c
        .plans
        .iter()
        .map(|p| view! {
            <tr><td>{p.kind.clone()}</td><td>{p.title.clone()}</td><td>{p.status.clone()}</td><td class="nowrap">{p.date.clone()}</td></tr>
        })
        .collect_view();
    let has_plans = !c.plans.is_empty();
    view! {
        <h2>{c.name.clone()}</h2>
        <p class="meta">{c.kind.clone()}</p>
        <ul class="findings">{findings}</ul>
        <h3>"本委方案"</h3>
        {if has_plans {
            Either::Left(view! {
                <div class="scroll"><table class="office-table" id="committee-plans">
                    <thead class="sortable" on:click=sort_by_header><tr><th>"方案"</th><th>"标题"</th><th>"进度"</th><th>"日期"</th></tr></thead>
                    <tbody>{plans}</tbody>
                </table></div>
            })
        } else {
            Either::Right(view! { <p class="empty" id="committee-no-plans">"本年尚未报送活动方案和督查工作安排"</p> })
        }}
        <Show when=move || has_places>
            <h3>{format!("联系点覆盖 {}/{}", t.covered, t.places)}</h3>
        </Show>
        {has_places.then(|| view! {
            <div class="scroll"><table class="office-table" id="committee-places">
                <thead class="sortable" on:click=sort_by_header><tr><th>"村（社区、企业）"</th><th>"联点领导"</th><th>"结对支部"</th><th>"到点次数"</th></tr></thead>
                <tbody>{places}</tbody>
            </table></div>
        })}
        {has_branches.then(|| view! {
            <h3>{format!("机关、事业支部（共 {} 个）", c.branch_total)}</h3>
            <div class="scroll"><table class="office-table" id="committee-branches">
                <thead class="sortable" on:click=sort_by_header><tr><th>"支部"</th><th>"结对"</th><th>"三个方案"</th><th>"三个活动"</th><th>"实事"</th><th>"帮扶达标"</th><th>"问题"</th></tr></thead>
                <tbody>{branches}</tbody>
            </table></div>
            {(pages > 1).then(|| pager("committee-pager", "committee-next-page", at, pages))}
        })}
    }
}

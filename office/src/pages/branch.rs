//! A branch: its pair, plans, deeds and people (drill-down level 2).

use crate::components::api::{fetched, loaded, period, ratio};
use crate::components::sort::sort_by_header;
use crate::pages::committee::period_link;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::office::{BranchDetail, FindingLine};

/// Findings read as their rule and message: all this page shows.
type Detail = BranchDetail<FindingLine>;

#[component]
pub fn OfficeBranchPage() -> impl IntoView {
    let params = use_params_map();
    let period = period();
    let detail = fetched::<Detail>(move || {
        let id = params.read().get("id").unwrap_or_default();
        Some(format!("/api/office/branches/{id}?{}", period.get()))
    });
    view! {
        <section class="card office" id="office-branch">
            {loaded(detail, move |b| {
                let p = period.get_untracked();
                view! { <BranchBody b=b period=p /> }
            })}
        </section>
    }
}

#[component]
fn BranchBody(b: Detail, period: String) -> impl IntoView {
    let up = period_link(format!("/office/committee/{}", b.committee.id), &period);
    let partners = if b.partners.is_empty() {
        "未结对".to_string()
    } else {
        b.partners
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join("、")
    };
    let plans = b
        .plans
        .iter()
        .map(|p| view! { <li>{format!("{}《{}》 {} {}", p.kind, p.title, p.status, p.date)}</li> })
        .collect_view();
    let deeds = b
        .deeds
        .iter()
        .map(|(k, n)| view! { <li class:short=*n == 0>{format!("{k}：{n}")}</li> })
        .collect_view();
    let people = b
        .people
        .iter()
        .map(|p| {
            let href = period_link(format!("/office/person/{}", p.id), &period);
            let link = if p.points.is_empty() && p.role == "联点领导" {
                "未确定联系点".to_string()
            } else if !p.points.is_empty() {
                format!(
                    "{} · 到点 {} 次",
                    p.points.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join("、"),
                    p.point_visits
                )
            } else {
                format!("帮扶 {} 户", p.targets)
            };
            view! {
                <tr data-id=p.id.clone()>
                    <td><a class="drill" href=href>{p.name.clone()}</a><div class="meta">{p.role.clone()}</div></td>
                    <td>{link}</td>
                    <td>{ratio(p.targets_on_track, p.targets)}</td>
                    <td>{p.findings}</td>
                </tr>
            }
        })
        .collect_view();
    let findings = b
        .findings
        .iter()
        .map(|f| view! { <li class="finding"><span class="tag">{f.rule.label()}</span>" "{f.message.clone()}</li> })
        .collect_view();
    view! {
        <p><a href=up>{format!("← {}", b.committee.name)}</a></p>
        <h2>{b.name.clone()}</h2>
        <p>{format!("{} · 结对：{partners}", b.kind)}</p>
        <ul class="findings">{findings}</ul>
        <h3>"三个方案"</h3>
        <ul>{plans}</ul>
        <h3>"三件实事"</h3>
        <ul class="deeds">{deeds}</ul>
        <h3>"党员"</h3>
        <div class="scroll"><table class="office-table" id="branch-people">
            <thead class="sortable" on:click=sort_by_header><tr><th>"姓名"</th><th>"联建"</th><th>"帮扶达标"</th><th>"问题"</th></tr></thead>
            <tbody>{people}</tbody>
        </table></div>
    }
}

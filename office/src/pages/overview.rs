//! The county office's front page (issue 6): the year's figures per committee, each one a
//! link down to the committee; charts; deadlines and inspections; the forms; sync health.
//! Everything here is a server-side summary (≤ 50 KB for the whole county).

use crate::components::api::{
    download, fetched, joined, loaded, notice, period, query_field, query_of, ratio,
};
use crate::components::chart::{Bar, MonthColumns, ShareBars, ShareRing};
use crate::components::filter::filter_select;
use crate::components::sort::sort_by_header;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::office::{CommitteeRow, Named, Overview, SyncHealth};

#[component]
pub fn OfficePage() -> impl IntoView {
    // Year, day and committee live in the query string (issue 18): a filtered overview
    // reloads, bookmarks and comes back with the back button.
    let filter = query_of(&["year", "as_of", "committee"]);
    let period = period();
    let overview =
        fetched::<Overview>(move || Some(format!("/api/office/overview?{}", filter.get())));
    // The county office's alone: committee staff are not asked for it (the server refuses).
    let health = fetched::<SyncHealth>(|| {
        (!crate::auth::is_committee_staff()).then(|| "/api/office/sync-health".to_string())
    });
    let year = query_field("year");
    let as_of = query_field("as_of");
    let committee = query_field("committee");
    let navigate = use_navigate();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = joined([
            ("year", year.get()),
            ("as_of", as_of.get()),
            ("committee", committee.get()),
        ]);
        navigate(&format!("/office?{q}"), Default::default());
    };
    let county = !crate::auth::is_committee_staff();
    view! {
        <section class="card office" id="office-overview">
            <h2>{if county { "三联共建信息库" } else { "本委三联共建情况" }}</h2>
            <form class="period" id="office-filter" on:submit=apply>
                <label>"年度" <input type="number" inputmode="numeric" min="2000" max="2100"
                    name="year" bind:value=year placeholder="本年" /></label>
                <label>"截至" <input type="date" name="as_of" bind:value=as_of /></label>
                {county.then(|| view! {
                    <label>"党（工）委"
                        {filter_select("filter-committee", committee, "全县",
                            Signal::derive(move || committee_groups(overview.get().and_then(Result::ok))))}
                    </label>
                })}
                <button type="submit" id="filter-apply">"查看"</button>
            </form>
            {loaded(overview, move |o| {
                let (period, committee) = (period.get_untracked(), committee.get_untracked());
                view! { <OverviewBody o=o period=period committee=committee /> }
            })}
        </section>
        {county.then(|| view! {
            <section class="card office" id="office-health">
                <h2>"同步情况"</h2>
                {loaded(health, |h| view! { <Health h=h /> })}
            </section>
        })}
    }
}

/// The 党（工）委 filter's choices: townships' committees and the 工委 apart.
pub fn committee_groups(o: Option<Overview>) -> Vec<(&'static str, Vec<Named>)> {
    let Some(o) = o else { return Vec::new() };
    let (towns, others): (Vec<Named>, Vec<Named>) = o
        .choices
        .into_iter()
        .partition(|c| o.townships.iter().any(|t| t.id == c.id));
    vec![("乡镇党委", towns), ("工委", others)]
}

fn with_period(path: String, period: &str) -> String {
    if period.is_empty() {
        path
    } else if path.contains('?') {
        format!("{path}&{period}")
    } else {
        format!("{path}?{period}")
    }
}

#[component]
fn OverviewBody(o: Overview, period: String, committee: String) -> impl IntoView {
    let county = !crate::auth::is_committee_staff();
    let t = o.totals.clone();
    let townships: Vec<Bar> = o
        .committees
        .iter()
        .filter(|c| c.totals.places > 0)
        .map(|c| Bar {
            label: c.name.trim_end_matches("党委").to_string(),
            part: c.totals.covered,
            total: c.totals.places,
        })
        .collect();
    let link = {
        let period = period.clone();
        move |path: String| with_period(path, &period)
    };
    let rows = o
        .committees
        .iter()
        .map(|c| committee_row(c, link(format!("/office/committee/{}", c.id))))
        .collect_view();
    let rules = o
        .rules
        .iter()
        .filter(|r| r.count > 0)
        .map(|r| view! { <li data-rule=r.rule.clone()><span class="tag">{r.label.clone()}</span>" "{r.count}" 条"</li> })
        .collect_view();
    let quarters = o
        .quarters
        .iter()
        .map(|q| {
            view! {
                <li class:short=q.missing>
                    {format!("第{}季度：季度检查 {} 次，不定期检查 {} 次", q.quarter, q.quarterly, q.random)}
                    {q.missing.then_some(" · 未开展季度检查")}
                </li>
            }
        })
        .collect_view();
    let committees = o.committees.clone();
    // The forms' range starts at the committee the overview is narrowed to.
    let form_committee = RwSignal::new(committee.clone());
    let search = if committee.is_empty() {
        "/office/search".to_string()
    } else {
        format!("/office/search?committee={committee}")
    };
    let has_quarters = county && !o.quarters.is_empty();
    let form_link = {
        let period = period.clone();
        move |form: &'static str, xlsx: bool| {
            let c = form_committee.get();
            let mut q = Vec::new();
            if !c.is_empty() {
                q.push(format!("committee={c}"));
            }
            if !period.is_empty() {
                q.push(period.clone());
            }
            if xlsx {
                format!("/api/office/forms/{form}.xlsx?{}", q.join("&"))
            } else {
                format!("/office/print/{form}?{}", q.join("&"))
            }
        }
    };
    let fl = form_link.clone();
    let fl2 = form_link.clone();
    let fl3 = form_link.clone();
    let fl4 = form_link.clone();
    let fl5 = form_link.clone();
    let status = RwSignal::new(None::<Result<String, String>>);
    let fetch_file = move |ev: leptos::ev::MouseEvent, url: String| {
        ev.prevent_default();
        status.set(Some(Ok("正在生成并下载…".into())));
        leptos::task::spawn_local(async move {
            status.set(Some(download(url).await.map(|(name, size)| {
                format!("已下载 {name}（{} KB）", size.div_ceil(1024))
            })));
        });
    };
    view! {
        <p class="stamp" id="office-stamp">{o.stamp.line()}</p>
        <p>{format!("{} · {} 年 · 截至 {}", o.county, o.year, o.as_of)}</p>
        <div class="figures">
            <div class="figure" id="fig-coverage">
                <strong>{t.covered}"/"{t.places}</strong><span>"村（社区、企业）已覆盖"</span>
                <small>{format!("无联点领导 {} · 无结对支部 {}", t.without_point, t.without_pair)}</small>
            </div>
            <div class="figure">
                <strong>{t.point_repeats + t.pair_repeats + t.target_repeats}</strong><span>"重复联建"</span>
                <small>{format!("联系点 {} · 结对 {} · 帮扶对象 {}", t.point_repeats, t.pair_repeats, t.target_repeats)}</small>
            </div>
            <div class="figure">
                <strong>{t.leaders_visits_ok}"/"{t.leaders}</strong><span>"领导到点满 6 次"</span>
            </div>
            <div class="figure">
                <strong>{t.branches_plans_ok}"/"{t.branches}</strong><span>"支部三个方案齐全"</span>
                <small>{format!("三个活动开展 {}/{} · 三件实事齐全 {}/{}", t.branches_activities_ok, t.branches, t.branches_deeds_ok, t.branches)}</small>
            </div>
            <div class="figure">
                <strong>{t.households_on_track}"/"{t.households}</strong><span>"有劳动能力户达标"</span>
                <small>{format!("项目、技术、收入增长≥10%；未定帮扶对象党员 {}", t.members_without_target)}</small>
            </div>
        </div>
        <h3>"各党委（工委）"</h3>
        <div class="scroll">
            <table class="office-table" id="office-committees">
                <thead class="sortable" on:click=sort_by_header><tr>
                    <th>"党委（工委）"</th><th>"覆盖"</th><th>"到点达标"</th><th>"三个方案"</th>
                    <th>"三件实事"</th><th>"帮扶达标"</th><th>"方案 7/10"</th><th>"花名册 7/15"</th><th>"登记表 7/15"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="charts">
            <ShareBars title="各乡镇覆盖情况" bars=townships />
            <MonthColumns title="每月走访次数"
                first=("领导到点".to_string(), o.point_visits_by_month.clone())
                second=("党员帮扶".to_string(), o.help_visits_by_month.clone()) />
            <ShareRing title="有劳动能力户达标比例" part=t.households_on_track total=t.households />
        </div>
        <h3>"问题清单"</h3>
        <ul class="rule-counts">{rules}</ul>
        {has_quarters.then(|| view! {
            <h3>"季度检查"</h3>
            <ul class="quarters">{quarters}</ul>
            <p><a href=link("/office/inspection".into()) id="office-add-inspection">"登记一次检查"</a></p>
        })}
        <p><a href=link(search) id="office-to-search">"查询这些记录"</a></p>
        <h3>"花名册与登记表"</h3>
        <label>"范围 "
            <select id="form-committee" on:change=move |ev| form_committee.set(event_target_value(&ev))>
                {county.then(|| view! { <option value="">"全县"</option> })}
                {committees.into_iter().map(|c| {
                    let chosen = c.id == committee;
                    view! { <option value=c.id.clone() selected=chosen>{c.name.clone()}</option> }
                }).collect_view()}
            </select>
        </label>
        <ul class="forms">
            <li>"活动花名册："
                <a id="roster-print" href=move || fl("roster", false)>"打印版"</a>" · "
                <a id="roster-xlsx" href=move || fl2("roster", true)
                    on:click=move |ev| fetch_file(ev, form_link("roster", true))>"下载 xlsx"</a></li>
            <li>"活动登记表："
                <a id="registration-print" href=move || fl3("registration", false)>"打印版"</a>" · "
                <a id="registration-xlsx" href=move || fl4("registration", true)
                    on:click=move |ev| fetch_file(ev, fl5("registration", true))>"下载 xlsx"</a></li>
        </ul>
        {move || status.get().map(|m| notice("form-download", m))}
    }
}

fn committee_row(c: &CommitteeRow, href: String) -> impl IntoView {
    let t = &c.totals;
    let filings = c
        .filings
        .iter()
        .map(|f| view! { <td class:short=!f.ok>{f.status.clone()}</td> })
        .collect_view();
    view! {
        <tr data-id=c.id.clone()>
            <td><a href=href class="drill">{c.name.clone()}</a></td>
            <td>{ratio(t.covered, t.places)}</td>
            <td>{ratio(t.leaders_visits_ok, t.leaders)}</td>
            <td>{ratio(t.branches_plans_ok, t.branches)}</td>
            <td>{ratio(t.branches_deeds_ok, t.branches)}</td>
            <td>{ratio(t.households_on_track, t.households)}</td>
            {filings}
        </tr>
    }
}

#[component]
fn Health(h: SyncHealth) -> impl IntoView {
    let silent = h
        .silent
        .iter()
        .map(|d| {
            let who = d.user.as_ref().map_or_else(|| d.device.clone(), |u| u.name.clone());
            view! { <li>{format!("{who}：{} 天未同步（最后 {}），待同步 {} 条", d.silent_days, d.last_sync_text, d.pending)}</li> }
        })
        .collect_view();
    let rows = h
        .devices
        .iter()
        .map(|d| {
            let who = d
                .user
                .as_ref()
                .map_or_else(|| "未选择".to_string(), |u| u.name.clone());
            let oldest = d
                .oldest_unsynced_days
                .map_or_else(|| "—".to_string(), |n| format!("{n} 天"));
            view! {
                <tr><td>{who}</td><td>{d.last_sync_text.clone()}</td><td>{d.pending}</td>
                    <td>{oldest}</td><td>{d.app_version.clone()}</td></tr>
            }
        })
        .collect_view();
    view! {
        <p>{format!("已知未同步 {} 条；{} 天以上未同步的设备 {} 台", h.unsynced, h.silent_after_days, h.silent.len())}</p>
        <ul class="silent">{silent}</ul>
        <div class="scroll">
            <table class="office-table" id="office-devices">
                <thead><tr><th>"使用人"</th><th>"最后同步"</th><th>"待同步"</th><th>"最早未同步"</th><th>"版本"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

//! A person: links, open findings, and their records one page at a time; a record opens
//! in place (drill-down levels 3 and 4).

use crate::components::office_api::{fetch_json, loaded, period};
use crate::pages::office_committee::period_link;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::office::{PersonDetail, RecordRow};

#[component]
pub fn OfficePersonPage() -> impl IntoView {
    let params = use_params_map();
    let period = period();
    let page = RwSignal::new(0usize);
    let detail = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        let p = period.get();
        let sep = if p.is_empty() { "" } else { "&" };
        fetch_json::<PersonDetail>(format!(
            "/api/office/people/{id}?page={}{sep}{p}",
            page.get()
        ))
    });
    view! {
        <section class="card office" id="office-person">
            {loaded(detail, move |d| {
                let p = period.get_untracked();
                view! { <PersonBody d=d period=p page=page /> }
            })}
        </section>
    }
}

#[component]
fn PersonBody(d: PersonDetail, period: String, page: RwSignal<usize>) -> impl IntoView {
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
    let records = r
        .records
        .into_iter()
        .map(|x| view! { <Record r=x /> })
        .collect_view();
    view! {
        <p><a href=up>{format!("← {}", d.branch.name)}</a></p>
        <h2>{d.name.clone()}</h2>
        <p>{format!("{} · {}", d.role, d.position)}</p>
        {(!points.is_empty()).then(|| view! { <p>"联系点：" {points}</p> })}
        <ul class="findings" id="person-findings">{findings}</ul>
        {(!d.targets.is_empty()).then(|| view! {
            <h3>"帮扶对象"</h3>
            <div class="scroll"><table class="office-table" id="person-targets">
                <thead><tr><th>"户主"</th><th>"发展项目"</th><th>"实用技术"</th><th>"收入增长"</th></tr></thead>
                <tbody>{targets}</tbody>
            </table></div>
        })}
        <h3>{format!("记录（共 {} 条）", r.total)}</h3>
        <ul class="records" id="person-records">{records}</ul>
        <div class="pager">
            <button type="button" disabled=r.page == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"上一页"</button>
            <span>{format!("第 {} / {} 页", r.page + 1, pages.max(1))}</span>
            <button type="button" disabled=r.page + 1 >= pages on:click=move |_| page.update(|p| *p += 1)>"下一页"</button>
        </div>
    }
}

/// One record; tapping it shows everything it holds.
#[component]
pub fn Record(r: RecordRow) -> impl IntoView {
    let open = RwSignal::new(false);
    let detail = format!(
        "{} · {} · 记录人 {}（{}）· 编号 {}",
        r.record, r.date, r.author.name, r.branch.name, r.id
    );
    view! {
        <li class="record" class:withdrawn=r.withdrawn data-id=r.id.clone()>
            <button type="button" class="record-head" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                <span class="meta">{r.date.clone()}</span>" "
                <span class="tag">{r.kind.clone()}</span>" "
                <span>{r.place.clone()}</span>
                {r.withdrawn.then_some(" （已撤回）")}
            </button>
            <Show when=move || open.get()>
                <div class="record-detail">
                    <p class="note">{r.note.clone()}</p>
                    <p class="meta">{detail.clone()}</p>
                </div>
            </Show>
        </li>
    }
}

//! Filters and search over every record of the county: by township or committee, branch,
//! person, 五个结合 tag, date range, and Chinese text in notes. One page at a time.

use crate::components::api::{enc, fetched, loaded};
use crate::pages::person::RecordTable;
use leptos::prelude::*;
use shared::domain::records::TieIn;
use shared::office::{Overview, RecordPage};

#[component]
pub fn OfficeSearchPage() -> impl IntoView {
    let committees = fetched::<Overview>(|| Some("/api/office/overview".into()));
    let committee = RwSignal::new(String::new());
    let branch = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let page = RwSignal::new(0usize);
    // What was last submitted: results follow the form only when asked.
    let submitted = RwSignal::new(String::new());
    let results = fetched::<RecordPage>(move || {
        let q = submitted.get();
        let p = page.get();
        Some(format!("/api/office/search?page={p}&{q}"))
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pairs = [
            ("committee", committee.get()),
            ("branch", branch.get()),
            ("tag", tag.get()),
            ("from", from.get()),
            ("to", to.get()),
            ("q", text.get()),
        ];
        let q = pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", enc(v.trim())))
            .collect::<Vec<_>>()
            .join("&");
        page.set(0);
        submitted.set(q);
    };
    view! {
        <section class="card office" id="office-search">
            <h2>"查询记录"</h2>
            <form class="filters" on:submit=submit>
                <label>"党委（工委）"
                    <select on:change=move |ev| committee.set(event_target_value(&ev))>
                        <option value="">"全部"</option>
                        {move || committees.get().and_then(Result::ok).map(|o| o.committees.into_iter()
                            .map(|c| view! { <option value=c.id.clone()>{c.name.clone()}</option> })
                            .collect_view())}
                    </select>
                </label>
                <label>"支部编号" <input name="branch" bind:value=branch placeholder="如 b12" /></label>
                <label>"五个结合"
                    <select on:change=move |ev| tag.set(event_target_value(&ev))>
                        <option value="">"全部"</option>
                        {TieIn::ALL.iter().map(|t| view! { <option value=t.code()>{t.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"从" <input type="date" bind:value=from /></label>
                <label>"到" <input type="date" bind:value=to /></label>
                <label>"内容" <input id="search-text" type="search" bind:value=text placeholder="记录内容、地点、姓名" /></label>
                <button type="submit" id="search-submit">"查询"</button>
            </form>
            {loaded(results, move |r| {
                let pages = r.total.div_ceil(r.per_page.max(1));
                let last = r.page + 1 >= pages;
                view! {
                    <p id="search-total">{format!("共 {} 条", r.total)}</p>
                    <RecordTable id="search-records" records=r.records />
                    <div class="pager">
                        <button type="button" disabled=r.page == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"上一页"</button>
                        <span>{format!("第 {} / {} 页", r.page + 1, pages.max(1))}</span>
                        <button type="button" id="next-page" disabled=last on:click=move |_| page.update(|p| *p += 1)>"下一页"</button>
                    </div>
                }
            })}
        </section>
    }
}

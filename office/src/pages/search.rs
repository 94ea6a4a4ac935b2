//! Filters and search over every record of the county: by committee, township, branch,
//! person, 五个结合 tag, year, date range, and Chinese text in notes. One page at a time.
//! The filters live in the query string (issue 18): a search reloads, bookmarks and comes
//! back with the back button, page and all.

use crate::components::api::{fetched, joined, loaded, query_field, query_of};
use crate::components::filter::filter_select;
use crate::pages::overview::committee_groups;
use crate::pages::person::RecordTable;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::domain::records::TieIn;
use shared::office::{Named, Overview, RecordPage};

/// The query's filters this page reads and sets; `page` comes with them.
const FILTERS: [&str; 8] = [
    "committee",
    "township",
    "branch",
    "tag",
    "year",
    "from",
    "to",
    "q",
];
const ASKED: [&str; 9] = [
    "committee",
    "township",
    "branch",
    "tag",
    "year",
    "from",
    "to",
    "q",
    "page",
];

#[component]
pub fn OfficeSearchPage() -> impl IntoView {
    let choices = fetched::<Overview>(|| Some("/api/office/overview".into()));
    let choices = Signal::derive(move || choices.get().and_then(Result::ok));
    let asked = query_of(&ASKED);
    let results =
        fetched::<RecordPage>(move || Some(format!("/api/office/search?{}", asked.get())));
    let filters = query_of(&FILTERS);
    let fields = FILTERS.map(query_field);
    let [committee, township, branch, tag, year, from, to, text] = fields;
    let navigate = use_navigate();
    // A new search: the form's filters into the URL, from its first page; the results
    // follow the URL.
    let nav = navigate.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = joined(FILTERS.iter().copied().zip(fields.map(|f| f.get())));
        nav(&format!("/office/search?{q}"), Default::default());
    };
    // Another page of the search asked for (not of what the form holds unsubmitted).
    let go = move |at: usize| {
        let f = filters.get_untracked();
        let sep = if f.is_empty() { "" } else { "&" };
        navigate(
            &format!("/office/search?{f}{sep}page={at}"),
            Default::default(),
        );
    };
    let county = !crate::auth::is_committee_staff();
    let tags = || {
        let tags = TieIn::ALL.iter().map(|t| Named {
            id: t.code().to_string(),
            name: t.label().to_string(),
        });
        vec![("五个结合", tags.collect())]
    };
    view! {
        <section class="card office" id="office-search">
            <h2>"查询记录"</h2>
            <form class="filters" on:submit=submit>
                {county.then(|| view! {
                    <label>"党（工）委"
                        {filter_select("search-committee", committee, "全部",
                            Signal::derive(move || committee_groups(choices.get())))}
                    </label>
                })}
                <label>"乡镇"
                    {filter_select("search-township", township, "全部", Signal::derive(move || {
                        vec![("乡镇", choices.get().map(|o| o.townships).unwrap_or_default())]
                    }))}
                </label>
                <label>"支部编号" <input name="branch" bind:value=branch placeholder="如 b12" /></label>
                <label>"五个结合"
                    {filter_select("search-tag", tag, "全部", Signal::derive(tags))}
                </label>
                <label>"年度" <input id="search-year" type="number" inputmode="numeric" min="2000" max="2100"
                    bind:value=year placeholder="全部" /></label>
                <label>"从" <input type="date" bind:value=from /></label>
                <label>"到" <input type="date" bind:value=to /></label>
                <label>"内容" <input id="search-text" type="search" bind:value=text placeholder="记录内容、地点、姓名" /></label>
                <button type="submit" id="search-submit">"查询"</button>
            </form>
            {loaded(results, move |r| {
                let pages = r.total.div_ceil(r.per_page.max(1));
                let last = r.page + 1 >= pages;
                let at = r.page;
                let (back, next) = (go.clone(), go.clone());
                view! {
                    <p id="search-total">{format!("共 {} 条", r.total)}</p>
                    <RecordTable id="search-records" records=r.records />
                    <div class="pager">
                        <button type="button" disabled=at == 0 on:click=move |_| back(at.saturating_sub(1))>"上一页"</button>
                        <span>{format!("第 {} / {} 页", at + 1, pages.max(1))}</span>
                        <button type="button" id="next-page" disabled=last on:click=move |_| next(at + 1)>"下一页"</button>
                    </div>
                }
            })}
        </section>
    }
}

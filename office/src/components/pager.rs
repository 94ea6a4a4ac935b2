//! 上一页 · 第 n / m 页 · 下一页 for a list the server pages (a committee's branches, a
//! person's records). The page is the query string's `page` (counted from 1, as people
//! count), so a reload, a bookmark or the back button lands on the same page (issue 18);
//! everything else in the query (year, as-of day) stays as it is.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

/// The page shown, as an index from 0: `page=2` is index 1; none, 0 or unreadable is the
/// first page (the server clamps one past the end).
pub fn page_index() -> Signal<usize> {
    let q = use_query_map();
    Signal::derive(move || q.with(|q| index_of(q.get_str("page"))))
}

fn index_of(page: Option<&str>) -> usize {
    page.and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .saturating_sub(1)
}

/// The pager of a list at index `at` of `pages`; `next_id` names the 下一页 button.
pub fn pager(id: &'static str, next_id: &'static str, at: usize, pages: usize) -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let navigate = use_navigate();
    let go = move |index: usize| {
        let mut q = query.get_untracked();
        q.replace("page", (index + 1).to_string());
        navigate(
            &format!(
                "{}{}",
                location.pathname.get_untracked(),
                q.to_query_string()
            ),
            Default::default(),
        );
    };
    let back = go.clone();
    // A `>=` inside the view! macro's attribute would close the tag (issue 18's 下一页).
    let first = at == 0;
    let last = at + 1 >= pages;
    view! {
        <div class="pager" id=id>
            <button type="button" disabled=first on:click=move |_| back(at.saturating_sub(1))>"上一页"</button>
            <span>{format!("第 {} / {} 页", at + 1, pages.max(1))}</span>
            <button type="button" id=next_id disabled=last on:click=move |_| go(at + 1)>"下一页"</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::index_of;

    #[test]
    fn the_query_counts_pages_from_one() {
        assert_eq!(index_of(None), 0);
        assert_eq!(index_of(Some("1")), 0);
        assert_eq!(index_of(Some("3")), 2);
        assert_eq!(index_of(Some("0")), 0, "page 0 is the first");
        assert_eq!(index_of(Some("二")), 0, "unreadable: the first");
    }
}

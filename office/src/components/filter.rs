//! A filter's select (issue 18): 全部 or 全县 (any: no value) first, then the choices under their
//! heading; the chosen one is the field's value, which the page's query string sets, so it
//! follows a reload or the back button. One function for every filter, non-generic: the
//! options are re-made when the value or the choices change, with the chosen one marked,
//! instead of a reactive `selected` per option (smaller wasm).

use leptos::prelude::*;
use shared::office::Named;

pub fn filter_select(
    id: &'static str,
    value: RwSignal<String>,
    all: &'static str,
    groups: Signal<Vec<(&'static str, Vec<Named>)>>,
) -> impl IntoView {
    let options = move || {
        let v = value.get();
        let one = |c: Named| {
            let chosen = c.id == v;
            view! { <option value=c.id selected=chosen>{c.name}</option> }
        };
        let groups = groups
            .get()
            .into_iter()
            .map(|(label, list)| {
                view! { <optgroup label=label>{list.into_iter().map(one).collect_view()}</optgroup> }
            })
            .collect_view();
        let any = v.is_empty();
        view! { <option value="" selected=any>{all}</option> {groups} }
    };
    // The options' `selected` picks among new options; once the user has chosen, only the
    // property moves the choice (back to 全部 with the back button).
    view! {
        <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
            {options}
        </select>
    }
}

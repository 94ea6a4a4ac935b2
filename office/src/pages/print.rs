//! The official forms as printable A4 pages: the same rows as the .xlsx, laid out for
//! the browser's print (see the `@media print` rules in style.css).

use crate::components::api::{enc, fetched, loaded, period};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::office::Form;

#[component]
pub fn OfficePrintPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let form = fetched::<Form>(move || {
        let name = params.read().get("form").unwrap_or_default();
        let q = query.with(|q| {
            ["committee", "year", "as_of"]
                .iter()
                .filter_map(|k| Some(format!("{k}={}", enc(&q.get(k).filter(|v| !v.is_empty())?))))
                .collect::<Vec<_>>()
                .join("&")
        });
        Some(format!("/api/office/forms/{}?{q}", enc(&name)))
    });
    // Back to the overview of the same year and day.
    let period = period();
    let back = move || crate::pages::committee::period_link("/office".into(), &period.get());
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <section class="print-view" id="print-view">
            <p class="no-print">
                <a href=back>{crate::pages::committee::overview_label()}</a>" "
                <button type="button" id="print-button" on:click=print>"打印"</button>
            </p>
            {loaded(form, |f| view! { <PrintedForm f=f /> })}
        </section>
    }
}

#[component]
fn PrintedForm(f: Form) -> impl IntoView {
    let sheets = f
        .sheets
        .into_iter()
        .map(|s| {
            let rows = s
                .rows
                .into_iter()
                .map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> })
                .collect_view();
            view! {
                <div class="sheet">
                    <h2>{format!("{}（{}）", f.title, s.name)}</h2>
                    <p class="form-scope">{format!("单位：{}", f.scope)}</p>
                    <p class="stamp">{f.stamp.line()}</p>
                    <table class="form-table">
                        <thead><tr>{s.headers.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
        })
        .collect_view();
    view! { <div class="printed-form">{sheets}</div> }
}

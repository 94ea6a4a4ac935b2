//! 登录凭条: one A4-printable slip per person, grouped by branch, carrying the phone
//! number and the one-time activation code the person's first login needs (there is no
//! SMS). Codes exist only in the answer that issued them, so the slips are printed from
//! the page that issued them; the `@media print` rules hide everything else.

use crate::i18n::t;
use leptos::prelude::*;
use shared::registry_admin::LoginSlip;

/// The app's address as the person types it into their phone's browser.
fn app_address() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

#[component]
pub fn LoginSlips(slips: Vec<LoginSlip>) -> impl IntoView {
    let address = app_address();
    let mut groups: Vec<(String, Vec<LoginSlip>)> = Vec::new();
    for c in slips {
        match groups.iter_mut().find(|(b, _)| *b == c.org_name) {
            Some((_, list)) => list.push(c),
            None => groups.push((c.org_name.clone(), vec![c])),
        }
    }
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let n: usize = groups.iter().map(|(_, l)| l.len()).sum();
    let groups = groups
        .into_iter()
        .map(|(branch, list)| {
            let slips = list
                .into_iter()
                .map(|c| {
                    let address = address.clone();
                    view! {
                        <article class="slip" data-person=c.person.clone()>
                            <h3>{t("slip.title")}</h3>
                            <p class="slip-who"><strong>{c.name.clone()}</strong>" · "{c.org_name.clone()}</p>
                            <dl>
                                <dt>{t("slip.phone")}</dt><dd class="slip-phone">{c.phone.clone()}</dd>
                                <dt>{t("slip.code")}</dt><dd class="slip-code">{c.code.clone()}</dd>
                                <dt>{t("slip.valid")}</dt><dd class="slip-valid">{c.expires.clone()}</dd>
                            </dl>
                            <ol class="slip-how">
                                <li>{t("slip.step1")}" "<strong class="slip-address">{address}</strong></li>
                                <li>{t("slip.step2")}</li>
                                <li>{t("slip.step3")}</li>
                            </ol>
                            <p class="slip-note">{t("slip.note")}</p>
                        </article>
                    }
                })
                .collect_view();
            view! {
                <section class="slip-group">
                    <h2 class="slip-branch">{branch}</h2>
                    {slips}
                </section>
            }
        })
        .collect_view();
    view! {
        <div class="print-view slips" id="login-slips">
            <p class="no-print">
                {t("slip.issued").replace("{}", &n.to_string())}" "
                <button type="button" id="print-slips" on:click=print>{t("slip.print")}</button>
            </p>
            {groups}
        </div>
    }
}

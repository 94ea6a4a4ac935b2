use crate::clock;
use crate::i18n::{finding, t, tr};
use crate::repo;
use crate::sync::SyncState;
use chrono::Datelike;
use leptos::prelude::*;
use shared::domain::rules;
use shared::ids::DocId;
use shared::model::Registry;

/// The person's own open items for this year, judged on the phone from what it holds
/// (so they update the moment an entry is saved, offline too). Outcomes, not rankings.
#[component]
pub fn MyFindings(me: String, branch: DocId, registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let findings = Memo::new(move |_| {
        sync.revision.track();
        let records = repo::with(|r| r.records(&branch));
        let today = clock::today();
        let mut found = rules::for_person(&registry, &records, &me, today.year(), today);
        // 需核实: own records dated after the (corrected) today, issue 17.
        found.extend(rules::impossible_dates_for(&registry, &records, &me, today));
        found
    });
    view! {
        <section class="card findings" id="my-findings">
            <h2>{t("findings.title")}</h2>
            <Show when=move || !findings.with(Vec::is_empty)
                fallback=|| view! { <p class="empty done">{t("findings.done")}</p> }>
                <ul>
                    {move || findings.get().into_iter().map(|f| view! {
                        <li class="finding" data-rule=f.rule.code()>
                            <span class="tag">{tr(f.rule.label())}</span>
                            <span>{finding(&f.message)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </Show>
        </section>
    }
}

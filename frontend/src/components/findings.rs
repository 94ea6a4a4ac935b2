use crate::clock;
use crate::engine;
use crate::i18n::{msg, t, tr};
use crate::sync::SyncState;
use chrono::Datelike;
use leptos::prelude::*;
use shared::domain::rules;
use shared::forms::form_for_finding;
use shared::ids::DocId;
use shared::model::Registry;

/// Findings shown before 还有 N 项: a secretary's twenty would otherwise fill the screen.
const FOLDED: usize = 3;

/// The person's own open items for this year, judged on the phone from what it holds
/// (so they update the moment an entry is saved, offline too). Outcomes, not rankings.
/// Each says its next step: the form that resolves it, or (需核实) the records to check.
#[component]
pub fn MyFindings(me: String, branch: DocId, registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let nav = use_context::<crate::pages::home::Nav>();
    let findings = Memo::new(move |_| {
        sync.revision.track();
        let records = engine::records(&branch);
        let today = clock::today();
        let mut found = rules::for_person(&registry, &records, &me, today.year(), today);
        // 需核实: own records dated after the (corrected) today, issue 17.
        found.extend(rules::impossible_dates_for(&registry, &records, &me, today));
        found
    });
    let unfolded = RwSignal::new(false);
    let item = move |f: rules::Finding| {
        let next = form_for_finding(f.rule);
        let step = match (next, nav) {
            (Some(k), Some(nav)) => view! {
                <button type="button" class="link next-step" data-form=k.slug()
                    on:click=move |_| nav.open(k)>{tr(k.action())}</button>
            }
            .into_any(),
            _ => view! {
                <a class="next-step" href="#my-entries">{t("findings.check")}</a>
            }
            .into_any(),
        };
        view! {
            <li class="finding" data-rule=f.rule.code()>
                <span class="tag">{tr(f.rule.label())}</span>
                <span>{msg(&f.msg)}</span>
                " " {step}
            </li>
        }
    };
    view! {
        <section class="card findings" id="my-findings">
            <h2>{t("findings.title")}</h2>
            <Show when=move || !findings.with(Vec::is_empty)
                fallback=|| view! { <p class="empty done">{t("findings.done")}</p> }>
                <ul>
                    {move || {
                        let all = findings.get();
                        let n = if unfolded.get() { all.len() } else { FOLDED };
                        all.into_iter().take(n).map(item).collect_view()
                    }}
                </ul>
                {move || {
                    let more = findings.with(Vec::len).saturating_sub(FOLDED);
                    (more > 0).then(|| {
                        let label = move || {
                            if unfolded.get() {
                                t("findings.fold").to_string()
                            } else {
                                t("findings.more").replace("{}", &more.to_string())
                            }
                        };
                        view! {
                            <button type="button" class="link" id="findings-more"
                                on:click=move |_| unfolded.update(|u| *u = !*u)>{label}</button>
                        }
                    })
                }}
            </Show>
        </section>
    }
}

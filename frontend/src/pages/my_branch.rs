//! 本支部 (issue 18): the branch secretary's view of their branch — this year's 三个方案,
//! 三个活动 and 三件实事, and each person with their visits, households and open items.
//! Computed on the phone from the branch document (`shared::domain::my_branch`), so it
//! works offline and follows every entry saved; the county's figures stay in the office
//! console.

use crate::clock;
use crate::engine;
use crate::i18n::{msg, t, tr};
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::domain::my_branch::{branch_page, KindCount, MemberLine};
use shared::model::Role;

/// One line of kind counts: 经济发展规划 1 · 共建方案 0 …, a missing one marked.
fn counts(title: &'static str, id: &'static str, list: Vec<KindCount>) -> impl IntoView {
    view! {
        <h3>{t(title)}</h3>
        <ul class="kind-counts" id=id>
            {list.into_iter().map(|k| view! {
                <li class:short=k.count == 0>{tr(k.label)}" "<strong>{k.count}</strong></li>
            }).collect_view()}
        </ul>
    }
}

fn member(m: MemberLine) -> impl IntoView {
    let figures = format!(
        "{} · {}",
        t("branch.visits").replace("{}", &m.visits.to_string()),
        t("branch.households").replace("{}", &m.households.to_string())
    );
    let open = !m.findings.is_empty();
    view! {
        <li class="member" data-id=m.id.clone() class:short=open>
            <p><strong>{m.name.clone()}</strong>" "<span class="meta">{tr(m.role.label())}</span></p>
            <p class="meta">{figures}</p>
            {if m.findings.is_empty() {
                view! { <p class="meta done">{t("branch.nothing_open")}</p> }.into_any()
            } else {
                view! {
                    <ul class="findings">
                        {m.findings.iter().map(|f| view! {
                            <li class="finding" data-rule=f.rule.code()>
                                <span class="tag">{tr(f.rule.label())}</span>" "{msg(&f.msg)}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </li>
    }
}

#[component]
pub fn MyBranchPage() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let page = Memo::new(move |_| {
        sync.revision.track();
        let session = sync.session.get()?;
        let registry = sync.registry.get()?;
        let person = registry.person(&session.account.id)?;
        if person.role != Role::Secretary {
            return None;
        }
        let branch = sync.my_branch()?;
        let name = registry
            .branches
            .get(&person.branch)
            .map(|b| b.name.clone())
            .unwrap_or_default();
        let records = engine::records(&branch);
        branch_page(&registry, &records, &session.account.id, clock::today()).map(|p| (name, p))
    });
    move || match page.get() {
        None => view! { <p class="empty" id="my-branch-none">{t("branch.secretary_only")}</p> }
            .into_any(),
        Some((name, p)) => view! {
            <section class="card" id="my-branch">
                <h2>{t("branch.title")}" · "{name}</h2>
                {counts("branch.plans", "branch-plans", p.plans)}
                {counts("branch.activities", "branch-activities", p.activities)}
                {counts("branch.deeds", "branch-deeds", p.deeds)}
                {(!p.branch_findings.is_empty()).then(|| view! {
                    <ul class="findings" id="branch-findings">
                        {p.branch_findings.iter().map(|f| view! {
                            <li class="finding" data-rule=f.rule.code()>
                                <span class="tag">{tr(f.rule.label())}</span>" "{msg(&f.msg)}
                            </li>
                        }).collect_view()}
                    </ul>
                })}
                <h3>{t("branch.people")}</h3>
                <ul class="members" id="branch-members">
                    {p.members.into_iter().map(member).collect_view()}
                </ul>
            </section>
        }
        .into_any(),
    }
}

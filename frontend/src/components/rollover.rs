//! Year rollover on the home page (issue 13): from 1 January by the phone's corrected
//! clock, each of last year's links the person owns (their contact point, their branch's
//! pair, their households) is offered as this year's draft (`shared::rollover::offers`).
//! 「今年继续」 puts the link into the form as a draft (`crate::drafts`) and opens it: the
//! person checks it (a household's income, a new note) and saves it through the ordinary
//! form and validation — nothing is carried over unsaved. 「不再继续」 is remembered in the
//! person's own storage, so the offer goes away and stays away. All offline.

use crate::clock;
use crate::engine;
use crate::i18n::t;
use crate::sync::SyncState;
use leptos::prelude::*;
use shared::forms::FormKind;
use shared::ids::DocId;
use shared::model::{Person, Registry};
use shared::rollover::{offers, Offer};
use std::collections::BTreeSet;

/// Declined offers' keys, in the person's namespace (a shared phone's next person has
/// their own).
fn declined_key(person: &str) -> String {
    format!("{}rollover.declined", crate::storage::ns(person))
}

fn what(kind: FormKind) -> &'static str {
    match kind {
        FormKind::Point => "rollover.point",
        FormKind::Pair => "rollover.pair",
        _ => "rollover.target",
    }
}

#[component]
pub fn Rollover(me: Person, branch: DocId, registry: Registry) -> impl IntoView {
    let sync = expect_context::<SyncState>();
    // The home page's form switcher: 「今年继续」 opens the offer's form as a new record.
    let nav = expect_context::<crate::pages::home::Nav>();
    let declined = RwSignal::new(
        crate::storage::get::<BTreeSet<String>>(&declined_key(&me.id)).unwrap_or_default(),
    );
    let offered = {
        let me = me.clone();
        // Recomputed when the documents change: a link saved for this year (here, in
        // another tab or from another phone) takes its offer away.
        Memo::new(move |_| {
            sync.revision.track();
            let records = engine::records(&branch);
            offers(&registry, &records, &me, clock::today(), &declined.get())
        })
    };
    let person = me.id.clone();
    let take = move |o: Offer| {
        let slug = o.kind.slug();
        // A draft already typed into that form is the person's work: replaced only if
        // they say so.
        let replace = crate::drafts::load(&person, slug).is_none()
            || window()
                .confirm_with_message(t("rollover.replace_draft"))
                .unwrap_or(false);
        if replace {
            crate::drafts::keep(&person, slug, &o.values, clock::now_ms());
        }
        // Opened even when it is the form already open, so it is rebuilt from the draft.
        nav.open(o.kind);
    };
    let person = me.id.clone();
    let decline = move |key: String| {
        declined.update(|d| {
            d.insert(key);
        });
        // A full storage forgets the refusal only: the offer comes back, nothing is lost.
        let _ = crate::storage::set(&declined_key(&person), &declined.get_untracked());
    };
    move || {
        let list = offered.get();
        (!list.is_empty()).then(|| {
            let (take, decline) = (take.clone(), decline.clone());
            view! {
                <section class="card rollover" id="rollover" aria-labelledby="rollover-title">
                    <h2 id="rollover-title">{t("rollover.title")}</h2>
                    <p class="hint">{t("rollover.hint")}</p>
                    <ul>
                        {list.into_iter().map(|o| {
                            let (take, decline) = (take.clone(), decline.clone());
                            let (key, slug) = (o.key.clone(), o.kind.slug());
                            let shown_key = key.clone();
                            let line = t(what(o.kind))
                                .replace("{year}", &o.from_year.to_string())
                                .replace("{}", &o.summary);
                            view! {
                                <li class="offer" data-kind=slug data-key=shown_key>
                                    <p>{line}</p>
                                    <div class="actions">
                                        <button type="button" class="primary continue"
                                            on:click=move |_| take(o.clone())>{t("rollover.continue")}</button>
                                        <button type="button" class="link stop"
                                            on:click=move |_| decline(key.clone())>{t("rollover.stop")}</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="hint">{t("rollover.after")}</p>
                </section>
            }
        })
    }
}

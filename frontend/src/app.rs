use crate::i18n::t;
use crate::pages::home::HomePage;
use crate::sync::SyncState;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    // One sync engine for the whole app: every page shows its state.
    let sync = SyncState::start();
    provide_context(sync);
    // Where the document engine stands, on the page's root (`data-engine`: loading, ready
    // or failed), for whoever looks at the page from outside it: a test, a benchmark.
    Effect::new(move |_| {
        let state = match sync.engine.get() {
            crate::engine::Status::Loading => "loading",
            crate::engine::Status::Ready => "ready",
            crate::engine::Status::Failed(_) => "failed",
        };
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-engine", state);
        }
    });
    view! {
        <Router>
            <crate::components::update_banner::UpdateBanner />
            <main>
                <Routes fallback=|| view! { <p class="empty">{t("app.no_page")}</p> }>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/branch") view=crate::pages::my_branch::MyBranchPage />
                </Routes>
            </main>
            // Issue 14: before login only the login form (and the language switch).
            <Show when=move || sync.session.with(Option::is_some)>
            <nav class="tabs">
                <A href="/" exact=true>{t("tabs.mine")}</A>
                // A branch secretary's 本支部 (issue 18), worked out on the phone.
                {move || sync.session.get().is_some_and(|s| {
                    shared::access::AccountRole::from_code(&s.account.role)
                        == Some(shared::access::AccountRole::Secretary)
                }).then(|| view! {
                    <A href="/branch" attr:id="tab-branch">{t("tabs.branch")}</A>
                })}
                // The county office and committee staff work in their own desktop console
                // (issue 18), a separate app: `rel=external` makes it a real page load
                // past the router, and the service worker leaves `/office` to the network.
                {move || sync.session.get().is_some_and(|s| !s.is_field()).then(|| view! {
                    <a href="/office" rel="external" id="open-office">{t("tabs.office")}</a>
                })}
            </nav>
            </Show>
        </Router>
    }
}

use crate::i18n::t;
use crate::pages::{county::CountyPage, home::HomePage};
use crate::pages::{
    office_accounts::OfficeAccountsPage, office_registry::OfficeRegistryPage,
    office_registry_import::OfficeRegistryImportPage,
};
use crate::pages::{
    office_branch::OfficeBranchPage, office_committee::OfficeCommitteePage,
    office_inspection::OfficeInspectionPage, office_overview::OfficePage,
    office_person::OfficePersonPage, office_print::OfficePrintPage,
    office_search::OfficeSearchPage,
};
use crate::sync::SyncState;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    // One sync engine for the whole app: every page shows its state.
    let sync = SyncState::start();
    provide_context(sync);
    view! {
        <Router>
            <crate::components::update_banner::UpdateBanner />
            <main>
                <Routes fallback=|| view! { <p class="empty">{t("app.no_page")}</p> }>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/county") view=CountyPage />
                    <Route path=path!("/office") view=OfficePage />
                    <Route path=path!("/office/committee/:id") view=OfficeCommitteePage />
                    <Route path=path!("/office/branch/:id") view=OfficeBranchPage />
                    <Route path=path!("/office/person/:id") view=OfficePersonPage />
                    <Route path=path!("/office/print/:form") view=OfficePrintPage />
                    <Route path=path!("/office/search") view=OfficeSearchPage />
                    <Route path=path!("/office/inspection") view=OfficeInspectionPage />
                    <Route path=path!("/office/registry") view=OfficeRegistryPage />
                    <Route path=path!("/office/registry/import") view=OfficeRegistryImportPage />
                    <Route path=path!("/office/accounts") view=OfficeAccountsPage />
                </Routes>
            </main>
            // Issue 14: before login only the login form (and the language switch).
            <Show when=move || sync.session.with(Option::is_some)>
            <nav class="tabs">
                <A href="/">{t("tabs.mine")}</A>
                <A href="/county">{t("tabs.county")}</A>
                // The county office and committee staff keep the 信息库 (issue 13).
                {move || sync.session.get().is_some_and(|s| !s.is_field()).then(|| view! {
                    <A href="/office/registry">{t("tabs.registry")}</A>
                })}
            </nav>
            </Show>
        </Router>
    }
}

use crate::components::nav::SideNav;
use crate::pages::login::LoginPage;
use crate::pages::{
    accounts::OfficeAccountsPage, branch::OfficeBranchPage, committee::OfficeCommitteePage,
    county::CountyPage, inspection::OfficeInspectionPage, overview::OfficePage,
    person::OfficePersonPage, print::OfficePrintPage, registry::OfficeRegistryPage,
    registry_import::OfficeRegistryImportPage, search::OfficeSearchPage,
};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The login, then the console: side navigation and the page beside it.
#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(crate::auth::load());
    let logout = Callback::new(move |()| {
        spawn_logout(session);
    });
    view! {
        {move || match session.get() {
            None => Either::Left(view! { <LoginPage on_login=move |s| session.set(Some(s)) /> }),
            Some(s) => Either::Right(view! {
                <Router>
                    <div class="console">
                        <SideNav session=s on_logout=logout />
                        <main class="content">
                            <Routes fallback=|| view! { <p class="empty">"没有这个页面"</p> }>
                                <Route path=path!("/office") view=OfficePage />
                                <Route path=path!("/office/committee/:id") view=OfficeCommitteePage />
                                <Route path=path!("/office/branch/:id") view=OfficeBranchPage />
                                <Route path=path!("/office/person/:id") view=OfficePersonPage />
                                <Route path=path!("/office/print/:form") view=OfficePrintPage />
                                <Route path=path!("/office/search") view=OfficeSearchPage />
                                <Route path=path!("/office/county") view=CountyPage />
                                <Route path=path!("/office/inspection") view=OfficeInspectionPage />
                                <Route path=path!("/office/registry") view=OfficeRegistryPage />
                                <Route path=path!("/office/registry/import") view=OfficeRegistryImportPage />
                                <Route path=path!("/office/accounts") view=OfficeAccountsPage />
                            </Routes>
                        </main>
                    </div>
                </Router>
            }),
        }}
    }
}

fn spawn_logout(session: RwSignal<Option<shared::registry_admin::Session>>) {
    leptos::task::spawn_local(async move {
        crate::auth::logout().await;
        session.set(None);
    });
}

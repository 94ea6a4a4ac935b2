//! The county office's own navigation between its 信息库 pages (issue 13). One component,
//! so the desktop console that later takes these pages over moves one list of links.

use crate::i18n::t;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn OfficeNav() -> impl IntoView {
    view! {
        <nav class="office-nav no-print" aria-label=t("registry.title")>
            <A href="/office">{t("office.overview")}</A>" · "
            <A href="/office/registry" exact=true>{t("registry.title")}</A>" · "
            <A href="/office/registry/import">{t("rimport.title")}</A>" · "
            <A href="/office/accounts">{t("accounts.title")}</A>
        </nav>
    }
}

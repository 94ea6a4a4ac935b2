//! When the server ends a login (an account disabled by the county office, a session
//! revoked), the phone is back at the login page — but entries it logged and never handed
//! in are still on it. Show why (the server's own words) and offer the export to file, so a
//! colleague or the office can import them; nothing is lost by a disabled account.

use crate::components::export_import::ExportImport;
use crate::i18n::t;
use crate::sync::{Status, SyncState};
use leptos::prelude::*;

#[component]
pub fn UnsyncedRescue() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    move || {
        let pending = sync.pending.get();
        let reason = match sync.status.get() {
            Status::Failed(r) => Some(r),
            _ => None,
        };
        (pending > 0 || reason.is_some()).then(|| {
            view! {
                <section class="card notice" id="login-refused">
                    {reason.map(|r| view! { <p class="warning" id="refused-reason" role="alert">{r}</p> })}
                    {(pending > 0).then(|| view! {
                        <p id="refused-pending">{t("rescue.pending").replace("{}", &pending.to_string())}</p>
                    })}
                </section>
                {(pending > 0).then(|| view! { <ExportImport /> })}
            }
        })
    }
}

//! What the registry changed about the person on this phone (issue 13): moved to another
//! branch (「您已调至 县财政局机关党支部」) or retired. The server says so in `notice` of
//! `GET /api/me` (and the login reply) for a while after the registry changed; the phone
//! asks after each sync that reached the server, so the notice comes with the sync that
//! brought the change, and stays until the person taps 知道了. Everything logged before stays and is handed in (the old branch
//! stays writable during the handover), so the notice only informs.

use crate::sync::{Status, SyncState};
use gloo_net::http::Request;
use leptos::prelude::*;
use leptos::task::spawn_local;

async fn notice(token: &str) -> Option<String> {
    let resp = Request::get("/api/me")
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .ok()?;
    if !resp.ok() {
        return None;
    }
    /// The part of `GET /api/me` read here.
    #[derive(serde::Deserialize)]
    struct Me {
        #[serde(default)]
        notice: Option<String>,
    }
    let me: Me = resp.json().await.ok()?;
    me.notice.filter(|s| !s.is_empty())
}

#[component]
pub fn RegistryNotice() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    // Per person: another login on the same phone must not inherit the notice.
    let key = move || {
        let me = sync
            .session
            .get_untracked()
            .map(|s| s.account.id)
            .unwrap_or_default();
        format!("registry.notice.{me}")
    };
    let shown = RwSignal::new(crate::storage::get::<String>(&key()));
    Effect::new(move |_| {
        let synced = matches!(sync.status.get(), Status::Synced { .. });
        let Some(session) = sync.session.get_untracked() else {
            return;
        };
        if !synced {
            return;
        }
        spawn_local(async move {
            // The server repeats the notice for a while; one dismissed stays dismissed.
            let dismissed = crate::storage::get::<String>(&format!("{}.seen", key()));
            if let Some(n) = notice(&session.token)
                .await
                .filter(|n| Some(n) != dismissed.as_ref())
            {
                // Kept until dismissed: a notice must not vanish with a reload.
                let _ = crate::storage::set(&key(), &n);
                shown.set(Some(n));
            }
        });
    });
    let dismiss = move |_| {
        if let Some(n) = shown.get_untracked() {
            let _ = crate::storage::set(&format!("{}.seen", key()), &n);
        }
        crate::storage::remove(&key());
        shown.set(None);
    };
    move || {
        shown.get().map(|n| {
            view! {
                <section class="card notice" id="registry-notice" role="status">
                    <p><strong>{n}</strong></p>
                    <p class="hint">{crate::i18n::t("notice.kept")}</p>
                    <button type="button" class="link" id="notice-ok" on:click=dismiss>{crate::i18n::t("notice.ok")}</button>
                </section>
            }
        })
    }
}

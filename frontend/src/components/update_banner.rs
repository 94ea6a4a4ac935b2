use crate::i18n::t;
use crate::sync::SyncState;
use leptos::prelude::*;

/// "新版本可用": shown once a new version is in the phone's cache (see update.rs).
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let sync = expect_context::<SyncState>();
    let waiting = RwSignal::new(false);
    move || {
        sync.new_version.get().then(|| {
            view! {
                <button id="update-ready" type="button" class="update-ready"
                    disabled=move || waiting.get()
                    on:click=move |_| crate::update::apply(move || sync.busy(), waiting)>
                    {move || if waiting.get() { t("update.waiting") } else { t("update.ready") }}
                </button>
            }
        })
    }
}

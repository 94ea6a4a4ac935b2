//! The 三联共建 field app: a Leptos single-page app that works offline.

mod app;
mod auth;
mod clock;
mod components;
mod drafts;
mod i18n;
mod pages;
mod repo;
mod signing;
mod storage;
mod sync;
mod update;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

//! The county office console: a desktop Leptos app at `/office` for the county office,
//! administrators and committee staff. It reads and writes the server's JSON APIs only;
//! the phones' documents, sync and storage stay in the field app (`frontend/`), so
//! phones never download this code and this app never downloads Automerge.

mod app;
mod auth;
mod components;
mod i18n;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

//! The 三联共建 field app: a Leptos single-page app that works offline.

mod app;
mod auth;
mod clock;
mod components;
mod drafts;
mod engine;
mod i18n;
mod pages;
mod signing;
mod storage;
mod sync;
mod update;

fn main() {
    console_error_panic_hook::set_once();
    // The page's own 正在加载 frame (index.html) stood in while this code arrived.
    // What was typed into its login form goes on in the app's (issue 18).
    let typing_in = pages::login::BootForm::take();
    if let Some(boot) = leptos::prelude::document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
    pages::login::BootForm::refocus(typing_in);
}

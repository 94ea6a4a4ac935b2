pub mod api;
pub mod chart;
// One home for the file picker: the phone's export/import uses the same component; it
// asks `crate::i18n::t` for its two labels, which this app answers in Chinese.
#[path = "../../../frontend/src/components/file_pick.rs"]
pub mod file_pick;
pub mod filter;
pub mod login_slips;
pub mod nav;
pub mod pager;
pub mod post;
pub mod registry_edit;
pub mod sort;

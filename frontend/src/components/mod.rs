pub mod entry_list;
pub mod findings;
pub mod record_form;
pub mod sync_bar;
pub mod who_picker;
pub mod chart;
pub mod office_api;

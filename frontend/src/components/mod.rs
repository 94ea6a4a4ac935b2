pub mod entry_list;
pub mod sync_bar;
pub mod visit_form;

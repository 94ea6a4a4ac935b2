pub mod county;
pub mod home;
pub mod login;

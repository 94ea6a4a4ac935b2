pub mod county;
pub mod home;

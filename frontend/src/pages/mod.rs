pub mod home;
pub mod login;
pub mod my_branch;

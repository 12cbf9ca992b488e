//! Every page: sign-in flow (`auth`), staff app (`staff`), recipient portal (`portal`).
pub mod auth;
pub mod intake;
pub mod portal;
pub mod staff;

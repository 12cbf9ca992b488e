//! Who is signed in: the sign-in, enrolment, invitation, password-reset and first-run
//! forms (plain posts that work without JavaScript), the page guard, and the staff, roles
//! and account port of the app. (Sessions themselves are a foundation, `web::session`,
//! since every area must know its caller.)
pub mod auth;
pub mod guard;
pub mod staff;

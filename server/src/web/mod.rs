//! The HTTP edge every page and handler passes: who is calling and the answers forms give
//! ([`caller`]), staff sessions, their cookies and the principal they carry ([`session`]),
//! and the security layers: headers with a CSP nonce, the CSRF origin check, body limits
//! ([`security`]), and the address of a practice's logo ([`brand`]).
pub mod brand;
pub mod caller;
pub mod security;
pub mod session;

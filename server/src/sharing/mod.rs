//! Sharing documents: the practice's sharing settings and email template, the wizard's
//! context, guard and sending ([`settings`]), everything after a share is sent — the
//! Shared lists, revoke, extend, resend, unlock, notifications and the expiry sweep
//! ([`after`]) — and the practice's logo shown to recipients ([`branding`]).
pub mod after;
pub mod branding;
pub mod settings;

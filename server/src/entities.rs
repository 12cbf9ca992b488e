//! sea-orm entities, one per table. Tenant-owned tables all carry `practice_id`;
//! queries for staff go through `scoped` helpers that add it.
pub mod action_token;
pub mod audit_event;
pub mod client;
pub mod client_access;
pub mod client_contact;
pub mod contact;
pub mod document;
pub mod document_file;
pub mod outbox_email;
pub mod practice;
pub mod recovery_code;
pub mod role;
pub mod staff;
pub mod staff_session;
pub mod throttle;

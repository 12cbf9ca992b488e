//! sea-orm entities, one per table. Tenant-owned tables all carry `practice_id`;
//! queries for staff go through `scoped` helpers that add it.
pub mod practice;
pub mod role;
pub mod staff;
pub mod recovery_code;
pub mod staff_session;
pub mod throttle;
pub mod action_token;
pub mod outbox_email;
pub mod audit_event;

//! Server functions, grouped by area. Each one: authorise, parse, call one port, map errors.
pub mod audit;
pub mod auth;
pub mod documents;
pub mod intake;
pub mod records;
pub mod sharing;
pub mod staff;

#[cfg(feature = "ssr")]
pub(crate) mod support {
    use leptos::prelude::*;

    use crate::error::AppError;
    use crate::ports::{
        DynAuditPort, DynAuthPort, DynDocumentsPort, DynIntakePort, DynRecordsPort, DynSharingPort, DynStaffPort,
    };

    pub fn staff_port() -> Result<DynStaffPort, AppError> {
        use_context::<DynStaffPort>().ok_or(AppError::Internal { incident: "no-staff-port".into() })
    }

    pub fn records_port() -> Result<DynRecordsPort, AppError> {
        use_context::<DynRecordsPort>().ok_or(AppError::Internal { incident: "no-records-port".into() })
    }

    pub fn documents_port() -> Result<DynDocumentsPort, AppError> {
        use_context::<DynDocumentsPort>().ok_or(AppError::Internal { incident: "no-documents-port".into() })
    }

    pub fn intake_port() -> Result<DynIntakePort, AppError> {
        use_context::<DynIntakePort>().ok_or(AppError::Internal { incident: "no-intake-port".into() })
    }

    pub fn audit_port() -> Result<DynAuditPort, AppError> {
        use_context::<DynAuditPort>().ok_or(AppError::Internal { incident: "no-audit-port".into() })
    }

    pub fn sharing_port() -> Result<DynSharingPort, AppError> {
        use_context::<DynSharingPort>().ok_or(AppError::Internal { incident: "no-sharing-port".into() })
    }

    pub fn auth_port() -> Result<DynAuthPort, AppError> {
        use_context::<DynAuthPort>().ok_or(AppError::Internal { incident: "no-auth-port".into() })
    }

    /// Sets the HTTP status of a server-function response from its error (4xx for the
    /// caller's mistakes) and passes the result through.
    pub fn respond<T>(r: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &r
            && let Some(opts) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = http::StatusCode::from_u16(e.status())
        {
            opts.set_status(code);
        }
        r
    }
}

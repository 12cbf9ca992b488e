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
    use crate::ports::{Ports, StaffPrincipal};

    /// The ports, provided once per request by the server.
    pub fn ports() -> Result<Ports, AppError> {
        use_context::<Ports>().ok_or(AppError::Internal { incident: "no-ports".into() })
    }

    /// A staff server function: authenticates the caller, runs `work` with the ports and the
    /// principal, and sets the response's status from an error (see [`respond`]).
    pub async fn as_staff<T, F, Fut>(work: F) -> Result<T, AppError>
    where
        F: FnOnce(Ports, StaffPrincipal) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        respond(
            async {
                let ports = ports()?;
                let p = ports.staff.authenticate().await?;
                work(ports, p).await
            }
            .await,
        )
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

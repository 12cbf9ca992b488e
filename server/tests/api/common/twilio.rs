//! A stand-in for Twilio's REST API that records every request (texts and calls), for
//! the SMS tests.
use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode as AxStatus},
    response::IntoResponse,
    routing::post,
};
use serde_json::json;
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub authorization: String,
    pub form: HashMap<String, String>,
}

/// A stand-in for Twilio: records every request; answers 500 to the next `fail` requests
/// and 400 (invalid number) to the next `reject` ones.
#[derive(Clone, Default)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Recorded>>>,
    pub fail: Arc<AtomicUsize>,
    pub reject: Arc<AtomicUsize>,
}

impl Recorder {
    pub fn seen(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }
}

async fn twilio(
    State(r): State<Recorder>,
    Path((sid, resource)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> impl IntoResponse {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    r.seen.lock().unwrap().push(Recorded {
        path: format!("/2010-04-01/Accounts/{sid}/{resource}"),
        authorization: headers.get("authorization").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default(),
        form,
    });
    let take = |c: &AtomicUsize| c.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if take(&r.fail) {
        return (AxStatus::SERVICE_UNAVAILABLE, axum::Json(json!({ "code": 20503, "message": "Service unavailable" })));
    }
    if take(&r.reject) {
        return (AxStatus::BAD_REQUEST, axum::Json(json!({ "code": 21211, "message": "Invalid 'To' Phone Number" })));
    }
    let prefix = if resource.starts_with("Calls") { "CA" } else { "SM" };
    (AxStatus::CREATED, axum::Json(json!({ "sid": format!("{prefix}{}", uuid::Uuid::now_v7().simple()) })))
}

pub async fn start_recorder() -> (Recorder, String) {
    let rec = Recorder::default();
    let app = Router::new().route("/2010-04-01/Accounts/{sid}/{resource}", post(twilio)).with_state(rec.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rec, format!("http://{addr}"))
}

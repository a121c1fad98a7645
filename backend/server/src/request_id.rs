//! Every request gets an id, echoed as `x-request-id` and attached to logs and 500s, so a user's
//! report can be matched to the server's log line without the response echoing internals.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use uuid::Uuid;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = Uuid::new_v4().to_string();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let started = std::time::Instant::now();
    let mut res = REQUEST_ID.scope(id.clone(), next.call(req)).await?;
    let status = res.status();
    tracing::info!(
        request_id = %id,
        %method,
        %path,
        status = status.as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, value);
    }
    Ok(res)
}

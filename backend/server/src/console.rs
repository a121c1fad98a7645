//! The web console: `web/dist` (built by Vite) served at `/` from inside the binary, with every
//! path that is not a file answered by `index.html` so the console's own routes load directly
//! (a shared link, the back button, a reload). `/v1`, `/docs`, `/openapi.json` and the probes keep
//! their routes; an unknown API path stays a problem+json 404.

use crate::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse};

#[derive(rust_embed::RustEmbed)]
// Relative to this crate's Cargo.toml.
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

/// What the console may load: its own scripts and styles, its own API, nothing else. Inline
/// style attributes are allowed (layout libraries position nodes with them); inline scripts are not.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Shown when the binary was built without `web/dist`.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Versiqii</title></head><body><main><h1>Versiqii</h1><p>This server was built without \
its console. Build it with <code>npm --prefix web run build</code> (or run <code>make dev</code>) \
and build the server again. The API is at <a href=\"/docs\">/docs</a>.</p></main></body></html>";

fn is_api(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// The default service: a console file or page for a GET outside the API, the API's 404 or 405
/// otherwise.
pub async fn serve(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let method = req.method();
    if is_api(req.path()) || (method != Method::GET && method != Method::HEAD) {
        return crate::app::not_found(req).await;
    }
    let path = req.path().trim_start_matches('/');
    if !path.is_empty() {
        if let Some(file) = Assets::get(path) {
            // Vite names every built asset by its content hash: it never changes.
            let cache = if path.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            return Ok(respond(
                file.metadata.mimetype(),
                cache,
                file.data.into_owned(),
            ));
        }
        // A missing script or image is a 404, not the page: the page would only confuse.
        if path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
        {
            return crate::app::not_found(req).await;
        }
    }
    Ok(match Assets::get("index.html") {
        Some(index) => respond(
            "text/html; charset=utf-8",
            "no-cache",
            index.data.into_owned(),
        ),
        None => respond(
            "text/html; charset=utf-8",
            "no-cache",
            NOT_BUILT.as_bytes().to_vec(),
        ),
    })
}

fn respond(mime: &str, cache: &'static str, body: Vec<u8>) -> HttpResponse {
    let mut res = HttpResponse::Ok().body(body);
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    res
}

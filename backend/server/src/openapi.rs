//! The OpenAPI 3.1 document, generated from the handlers, and Swagger UI served from files
//! compiled into the binary (no network at build or run time).

use crate::routes;
use actix_web::{get, http::header, web, HttpResponse};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Versiqii API",
        description = "Version-aware configuration management: every config validated against, \
                       bound to and migrated for the exact version it runs with.\n\n\
                       Authenticate with `Authorization: Bearer <token>`, where the token is an \
                       access token from `/v1/auth/login` or an API key (`vq_live_...`). Each \
                       secured operation lists the permission it needs as its security scope. \
                       Errors are RFC 9457 `application/problem+json` with a stable `code`."
    ),
    // The route modules' parts first: the others modify what they bring.
    modifiers(&RouteModules, &BearerAuth, &TooManyRequests, &RequestErrors)
)]
pub struct ApiDoc;

/// Merges every route module's own document (its paths, the schemas they use, its tag), in
/// the order of `routes::docs()`, which is the order of the tags.
struct RouteModules;

impl Modify for RouteModules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for part in routes::docs() {
            openapi.merge(part);
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token (JWT) or an API key (vq_live_...)"))
                    .build(),
            ),
        );
    }
}

/// A problem+json response with a `Retry-After` header.
fn retry_after_problem(description: &str, seconds: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{
        content::ContentBuilder, header::HeaderBuilder, schema::Type, ObjectBuilder, Ref,
        ResponseBuilder,
    };
    ResponseBuilder::new()
        .description(description)
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some(seconds))
                .build(),
        )
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// Every secured operation may answer 429 (its tenant is over its plan's request budget) and
/// 503 (a dependency is down, or the tenant's share of the CPU pool stays taken).
struct TooManyRequests;

impl Modify for TooManyRequests {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let response = retry_after_problem(
            "The tenant is over its plan's request budget (`rate_limited`) or has used up its \
             plan's API calls this month (`call_quota_exhausted`); retry after `Retry-After` \
             seconds. Requests a little over budget wait for their turn instead.",
            "Seconds to wait",
        );
        let busy = retry_after_problem(
            "A dependency is unavailable (`unavailable`), or the tenant's earlier work holds its \
             share of the CPU pool (`compute_busy`, with `Retry-After`): retry.",
            "Seconds to wait, when known",
        );
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    op.responses
                        .responses
                        .entry("429".to_owned())
                        .or_insert_with(|| response.clone().into());
                    op.responses
                        .responses
                        .entry("503".to_owned())
                        .or_insert_with(|| busy.clone().into());
                }
            }
        }
    }
}

/// What actix's extractors answer before a handler runs, on every operation they can: 400 when
/// a path or query parameter or the body does not parse (an operation with a 400 of its own keeps
/// its description), and for a body 413 (over `http.max_body_bytes`) and 415 (not JSON).
struct RequestErrors;

impl Modify for RequestErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{content::ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let bad_request = problem(
            "`invalid_path`, `invalid_query`, `invalid_body` or `malformed_json`: a parameter \
             or the body does not parse",
        );
        let too_large = problem("`payload_too_large`: the body is over the server's limit");
        let media_type = problem("`unsupported_media_type`: send the body as application/json");
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let has_body = op.request_body.is_some();
                // A body of another type (an archive) is read as bytes, whatever its type says.
                let json_body = op
                    .request_body
                    .as_ref()
                    .is_some_and(|b| b.content.contains_key("application/json"));
                let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let responses = &mut op.responses.responses;
                if has_params || has_body {
                    responses
                        .entry("400".to_owned())
                        .or_insert_with(|| bad_request.clone().into());
                }
                if has_body {
                    responses
                        .entry("413".to_owned())
                        .or_insert_with(|| too_large.clone().into());
                }
                if json_body {
                    responses
                        .entry("415".to_owned())
                        .or_insert_with(|| media_type.clone().into());
                }
            }
        }
    }
}

/// The methods a documented path has (`GET, POST`), for the `Allow` header of a 405; `None`
/// when no path of the document matches (a 404). A template's `{param}` matches any one
/// segment; where several templates match, the one with the most literal segments is the
/// route (`/v1/configs/diff` over `/v1/configs/{id}`).
pub fn allowed_methods(path: &str) -> Option<&'static str> {
    static ROUTES: OnceLock<Vec<(Vec<Option<String>>, String)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ];
                let allow: Vec<&str> = methods
                    .iter()
                    .filter(|(_, has)| *has)
                    .map(|(m, _)| *m)
                    .collect();
                (segments, allow.join(", "))
            })
            .collect()
    });
    let asked: Vec<&str> = path.split('/').collect();
    routes
        .iter()
        .filter(|(segments, _)| {
            segments.len() == asked.len()
                && segments.iter().zip(&asked).all(|(s, a)| match s {
                    Some(literal) => literal == a,
                    None => !a.is_empty(),
                })
        })
        .max_by_key(|(segments, _)| segments.iter().filter(|s| s.is_some()).count())
        .map(|(_, allow)| allow.as_str())
}

/// The document as served and as checked in at `spec/openapi.json`.
pub fn document_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_json())
}

const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Versiqii API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>"#;

const DOCS_INIT: &str = r##"window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });"##;

#[get("/docs")]
async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_HTML)
}

#[get("/docs/{file}")]
async fn docs_asset(file: web::Path<String>) -> HttpResponse {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "swagger-ui.css" => (
            include_bytes!("../assets/swagger/swagger-ui.css"),
            "text/css",
        ),
        "swagger-ui-bundle.js" => (
            include_bytes!("../assets/swagger/swagger-ui-bundle.js"),
            "application/javascript",
        ),
        "init.js" => (DOCS_INIT.as_bytes(), "application/javascript"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type(kind)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(body)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json).service(docs).service(docs_asset);
}

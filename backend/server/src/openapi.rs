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
    modifiers(&RouteModules, &BearerAuth, &TooManyRequests)
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

/// Every secured operation may answer 429: its tenant is over its plan's request budget.
struct TooManyRequests;

impl Modify for TooManyRequests {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            content::ContentBuilder, header::HeaderBuilder, schema::Type, ObjectBuilder, Ref,
            ResponseBuilder,
        };
        let response = ResponseBuilder::new()
            .description(
                "The tenant is over its plan's request budget (`rate_limited`); retry after \
                 `Retry-After` seconds. Requests a little over budget wait for their turn \
                 instead.",
            )
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("Seconds to wait"))
                    .build(),
            )
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
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
                }
            }
        }
    }
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

//! Reads the route list from the served OpenAPI document, so a new route cannot skip the checks.

use crate::harness::{assert_problem, block_on, TestApp};
use serde_json::Value;
use versiqii_core::{Role, TenantId};
use versiqii_server::auth::rbac::Rbac;

const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/v1/auth/signup"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/refresh"),
    ("POST", "/v1/auth/logout"),
    // The console's cookie session: the cookie and its CSRF token are the credentials
    // (tests/it/browser.rs).
    ("POST", "/v1/auth/cookie/refresh"),
    ("POST", "/v1/auth/cookie/logout"),
    ("POST", "/v1/auth/password/forgot"),
    ("POST", "/v1/auth/password/reset"),
    ("POST", "/v1/auth/verify"),
    ("POST", "/v1/invites/accept/signup"),
];

struct Operation {
    method: String,
    path: String,
    /// The permission the operation declares as its bearer scope, e.g. `api-keys:write`.
    scope: Option<String>,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scope = op["security"]
                .as_array()
                .and_then(|reqs| reqs.first())
                .and_then(|req| req["bearer"].as_array())
                .and_then(|scopes| scopes.first())
                .and_then(Value::as_str)
                .map(str::to_owned);
            // Path parameters get a well-formed value that names nothing.
            let concrete = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "00000000-0000-4000-8000-000000000000"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            ops.push(Operation {
                method: method.to_uppercase(),
                path: concrete,
                scope,
            });
        }
    }
    ops
}

/// Operations only a person's session may use (a person's organisations): API keys get 403
/// `people_only` whatever their scope.
const PEOPLE_ONLY: &[(&str, &str)] = &[
    ("GET", "/v1/orgs"),
    ("POST", "/v1/orgs"),
    ("POST", "/v1/auth/switch"),
    ("POST", "/v1/members/leave"),
    ("POST", "/v1/auth/verify/resend"),
    ("POST", "/v1/invites/accept"),
];

#[test]
fn every_route_needs_credentials_and_enough_role() {
    let app = TestApp::spawn();
    let doc = app.get("/openapi.json", None).body;
    assert_eq!(doc["openapi"], "3.1.0");
    let s = app.signup("routes-co");
    let (_, viewer_key) = app.api_key(&s.access, &["read"]);
    let (_, editor_key) = app.api_key(&s.access, &["write"]);
    let rbac = block_on(Rbac::load()).unwrap();
    let tenant = TenantId(s.tenant_id.parse().unwrap());

    let ops = operations(&doc);
    assert!(
        ops.len() >= 11,
        "the document lists {} operations",
        ops.len()
    );
    let (mut unauthenticated, mut forbidden) = (0, 0);
    for op in &ops {
        let public = PUBLIC.contains(&(op.method.as_str(), op.path.as_str()));
        let Some(scope) = &op.scope else {
            assert!(public, "{} {} declares no permission", op.method, op.path);
            continue;
        };
        assert!(
            !public,
            "{} {} is public but declares {scope}",
            op.method, op.path
        );
        let r = app.request(&op.method, &op.path, None, Some("{}"));
        assert_problem(&r, 401, "unauthenticated");
        unauthenticated += 1;

        let (object, action) = scope.split_once(':').unwrap();
        for (role, key) in [(Role::Viewer, &viewer_key), (Role::Editor, &editor_key)] {
            // A well-formed body where one is needed to reach the check behind the parser.
            let body = if op.path == "/v1/auth/switch" {
                r#"{"organisation": "routes-co"}"#
            } else if op.path == "/v1/orgs" {
                r#"{"slug": "routes-new"}"#
            } else if op.path == "/v1/invites/accept" {
                r#"{"token": "vqi_unknown"}"#
            } else {
                "{}"
            };
            let r = app.request(&op.method, &op.path, Some(key), Some(body));
            if PEOPLE_ONLY.contains(&(op.method.as_str(), op.path.as_str())) {
                // Allowed by role, but an API key is no person: the keys here get `people_only`.
                assert_problem(&r, 403, "people_only");
            } else if rbac.allows(role, tenant, object, action) {
                assert!(
                    r.status != 401 && r.status != 403,
                    "{role} on {} {}: {}",
                    op.method,
                    op.path,
                    r.body
                );
            } else {
                assert_problem(&r, 403, "forbidden");
                forbidden += 1;
            }
        }
    }
    assert!(
        unauthenticated >= 5,
        "only {unauthenticated} secured operations"
    );
    assert!(forbidden >= 4, "only {forbidden} role refusals exercised");
}

#[test]
fn docs_are_served_without_network() {
    let app = TestApp::spawn();
    let html = app.get("/docs", None);
    assert_eq!(html.status, 200);
    let page = html.body.as_str().unwrap();
    assert!(page.contains("/docs/swagger-ui-bundle.js") && !page.contains("https://"));
    let js = app.get("/docs/swagger-ui-bundle.js", None);
    assert_eq!(js.status, 200);
    assert!(js.body.as_str().unwrap().len() > 100_000);
}

#[test]
fn served_document_matches_the_checked_in_spec() {
    let app = TestApp::spawn();
    let served = app.get("/openapi.json", None).body;
    let checked_in: Value =
        serde_json::from_str(include_str!("../../../../spec/openapi.json")).unwrap();
    assert_eq!(
        served, checked_in,
        "run `make openapi` and commit spec/openapi.json"
    );
}

#[test]
fn readiness_reports_its_dependencies() {
    let app = TestApp::spawn();
    let r = app.get("/readyz", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["postgres"], true);
    assert_eq!(r.body["redis"], true);
    assert_eq!(app.get("/healthz", None).status, 200);
}

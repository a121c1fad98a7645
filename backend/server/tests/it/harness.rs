use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;
use uuid::Uuid;
use versiqii_api::v1::{CreatedApiKey, NewApiKeyRequest, SignupRequest, SignupResponse};
use versiqii_api::Problem;
use versiqii_server::{AppState, Settings};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests through `make test`, which starts Postgres and Redis"
        )
    })
}

/// One runtime for all test-side database work: a connection made on a runtime that has since
/// shut down is dead, so helpers must not each build their own.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        })
        .block_on(f)
}

/// A running server with its own database.
pub struct TestApp {
    pub url: String,
    pub db_name: String,
    handle: actix_web::dev::ServerHandle,
    agent: ureq::Agent,
    directory: versiqii_server::actors::Directory,
    /// The operations, as a front other than the API (the operators' portal) reaches them.
    pub ops: versiqii_server::ops::Ops,
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    /// Response headers, names in lower case.
    pub headers: std::collections::HashMap<String, String>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The body read through the wire contract: a success (2xx) as `T`, anything else as the
    /// problem document it must be. A body that does not read as its type fails the test.
    // The problem as it is, for tests to match on; its size costs a test nothing.
    #[allow(clippy::result_large_err)]
    pub fn typed<T: DeserializeOwned>(self) -> Result<T, Problem> {
        if (200..300).contains(&self.status) {
            // 204 has no body: read it as `null`, which `()` is.
            let body = if self.status == 204 {
                Value::Null
            } else {
                self.body
            };
            Ok(serde_json::from_value(body.clone()).unwrap_or_else(|e| {
                panic!(
                    "{} answer does not read as {}: {e}; body: {body}",
                    self.status,
                    std::any::type_name::<T>()
                )
            }))
        } else {
            Err(
                serde_json::from_value(self.body.clone()).unwrap_or_else(|e| {
                    panic!(
                        "{} answer is not a problem document: {e}; body: {}",
                        self.status, self.body
                    )
                }),
            )
        }
    }
}

impl TestApp {
    pub fn spawn() -> TestApp {
        Self::spawn_with(|_| {})
    }

    pub fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let db_name = format!("t_{}", Uuid::new_v4().simple());
        block_on(async {
            let admin = Database::connect(format!("{}/postgres", env("VERSIQII_TEST_OWNER_URL")))
                .await
                .unwrap();
            let template = env("VERSIQII_TEST_TEMPLATE");
            admin
                .execute_unprepared(&format!("create database {db_name} template {template}"))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!(
                    "grant connect on database {db_name} to versiqii_app, versiqii_dispatcher, versiqii_operator"
                ))
                .await
                .unwrap();
            admin.close().await.unwrap();
        });
        Self::start(db_name, tweak)
    }

    /// A second instance on this one's database, as behind a load balancer.
    pub fn another_instance(&self) -> TestApp {
        Self::start(self.db_name.clone(), |_| {})
    }

    /// A second instance on this one's database with settings of its own.
    pub fn another_instance_with(&self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::start(self.db_name.clone(), tweak)
    }

    fn start(db_name: String, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = Settings::default();
        settings.database.url = format!("{}/{db_name}", env("VERSIQII_TEST_APP_URL"));
        settings.database.max_connections = 4;
        settings.redis.url = env("VERSIQII_TEST_REDIS_URL");
        settings.redis.prefix = format!("t:{db_name}:");
        settings.auth.jwt_secret = format!("test-secret-shared-by-instances-{db_name}");
        settings.http.workers = 1;
        // Mail goes to the real SMTP receiver `make test` runs (crate::mail reads it back).
        settings.mail.host = "127.0.0.1".into();
        settings.mail.port = std::env::var("VERSIQII_TEST_SMTP_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(settings.mail.port);
        settings.mail.tls = versiqii_server::config::MailTls::None;
        settings.mail.link_base = "http://console.test".into();
        settings.mail.poll_ms = 200;
        settings.mail.retry_base_ms = 200;
        settings.mail.retry_max_ms = 1_000;
        // Webhooks: the dispatcher's own role on this database, local receivers allowed, and
        // Svix's schedule shortened to tenths of a second. The dispatcher runs only in the tests
        // that ask for it (`webhooks.embedded`), or as processes of its own.
        settings.webhooks.database_url = std::env::var("VERSIQII_TEST_DISPATCHER_URL")
            .ok()
            .map(|base| format!("{base}/{db_name}"));
        settings.webhooks.embedded = false;
        // The operators' portal on its own role.
        settings.operators.database_url = std::env::var("VERSIQII_TEST_OPERATOR_URL")
            .ok()
            .map(|base| format!("{base}/{db_name}"));
        settings.webhooks.allow_loopback = true;
        settings.webhooks.retry_schedule_ms = vec![100, 200, 300, 400, 500, 600, 700];
        settings.webhooks.throttle_min_ms = 300;
        settings.webhooks.throttle_max_ms = 2_000;
        settings.webhooks.timeout_ms = 2_000;
        settings.webhooks.poll_ms = 100;
        settings.metering.flush_ms = 100;
        tweak(&mut settings);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let state = AppState::init(&settings).await.expect("app state");
                let flusher = state.flusher();
                let directory = state.directory();
                let ops = state.ops();
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let (server, addr) = versiqii_server::serve(state, listener, 1).unwrap();
                tx.send((addr, server.handle(), directory, ops)).unwrap();
                let stopped = server.await;
                flusher.flush().await;
                stopped
            })
        });
        let (addr, handle, directory, ops) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server start");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        TestApp {
            url: format!("http://{addr}"),
            db_name,
            handle,
            agent,
            directory,
            ops,
        }
    }

    /// Makes the tenant's graph actor panic, as a bug would; true if it reported the crash.
    pub fn crash_graph(&self, tenant: versiqii_core::TenantId) -> bool {
        block_on(async {
            let actors = self.directory.tenant(tenant).await.unwrap();
            matches!(
                actors.graph.send(versiqii_server::actors::Crash).await,
                Ok(Err(_))
            )
        })
    }

    /// Makes the tenant's drift actor panic; true once its address is dead.
    pub fn crash_drift(&self, tenant: versiqii_core::TenantId) -> bool {
        block_on(async {
            let actors = self.directory.tenant(tenant).await.unwrap();
            let _ = actors.drift.send(versiqii_server::actors::CrashDrift).await;
            for _ in 0..50 {
                if !actors.drift.connected() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            false
        })
    }

    pub fn live_tenants(&self) -> usize {
        block_on(self.directory.live_tenants()).unwrap()
    }

    pub fn owner_db_url(&self) -> String {
        format!("{}/{}", env("VERSIQII_TEST_OWNER_URL"), self.db_name)
    }

    /// The dispatcher role's URL for this test's database.
    pub fn dispatcher_db_url(&self) -> String {
        format!("{}/{}", env("VERSIQII_TEST_DISPATCHER_URL"), self.db_name)
    }

    /// The operators' portal role's URL for this test's database.
    pub fn operator_db_url(&self) -> String {
        format!("{}/{}", env("VERSIQII_TEST_OPERATOR_URL"), self.db_name)
    }

    pub fn app_db_url(&self) -> String {
        format!("{}/{}", env("VERSIQII_TEST_APP_URL"), self.db_name)
    }

    /// The cluster's superuser over its Unix socket, for what even the owner may not do.
    pub fn superuser_db() -> DatabaseConnection {
        superuser_on("postgres")
    }

    /// The superuser on this test's database, for rows no API writes (a tenant's plan).
    pub fn superuser_test_db(&self) -> DatabaseConnection {
        superuser_on(&self.db_name)
    }

    pub fn owner_db(&self) -> DatabaseConnection {
        block_on(Database::connect(self.owner_db_url())).unwrap()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let url = format!("{}{path}", self.url);
        let auth = token.map(|t| format!("Bearer {t}"));
        let resp = match method {
            "GET" | "DELETE" => {
                let mut req = if method == "GET" {
                    self.agent.get(&url)
                } else {
                    self.agent.delete(&url)
                };
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            _ => {
                let mut req = match method {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    "PATCH" => self.agent.patch(&url),
                    other => panic!("method {other}"),
                };
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.header("Content-Type", "application/json")
                    .send(body.unwrap_or("{}"))
            }
        }
        .expect("transport");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let text = resp.into_body().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            body,
            headers,
        }
    }

    /// A GET whose answer is not JSON: status, content type and bytes.
    pub fn get_bytes(&self, path: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
        let mut req = self.agent.get(&format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.call().expect("transport");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(10 << 20)
            .read_to_vec()
            .expect("body");
        (status, content_type, bytes)
    }

    /// A POST whose body is not JSON (an archive): the answer as `request` reads it.
    pub fn post_bytes(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Reply {
        let mut req = self.agent.post(&format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let resp = req
            .header("Content-Type", content_type)
            .send(body)
            .expect("transport");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let text = resp.into_body().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            body,
            headers,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request("GET", path, token, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request("POST", path, token, Some(&body.to_string()))
    }

    pub fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request("PUT", path, token, Some(&body.to_string()))
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request("DELETE", path, token, None)
    }

    /// A typed call through the wire contract (`versiqii_api::v1`): `body` sent as JSON (not
    /// sent with GET or DELETE: pass `&()`), a success read as `Resp`, an error as its
    /// `Problem`.
    #[allow(clippy::result_large_err)]
    pub fn call<Resp: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> Result<Resp, Problem> {
        let body = serde_json::to_string(body).expect("a request body serializes");
        self.request(method, path, token, Some(&body)).typed()
    }

    /// Signs a tenant up as its owner.
    pub fn signup(&self, slug: &str) -> Session {
        let req = SignupRequest {
            tenant_slug: Some(slug.to_owned()),
            tenant_name: None,
            email: format!("owner@{slug}.test"),
            password: "correct horse battery".to_owned(),
            display_name: None,
        };
        let created: SignupResponse = self
            .call("POST", "/v1/auth/signup", None, &req)
            .unwrap_or_else(|p| panic!("signing up {slug}: {p:?}"));
        // As if the owner had opened the verification link (tests/it/verification.rs opens it).
        self.verify_email_directly(&req.email);
        Session {
            tenant_id: created
                .tenant
                .expect("a sign-up with a slug makes an organisation")
                .id
                .to_string(),
            access: created.tokens.access_token,
        }
    }

    /// Marks a person's email verified in the database, as the mailed link would.
    pub fn verify_email_directly(&self, email: &str) {
        let db = self.owner_db();
        block_on(db.execute_unprepared(&format!(
            "update users set email_verified_at = now() where email = '{email}'"
        )))
        .unwrap();
    }

    /// Creates an API key with the given scopes and returns (id, secret).
    pub fn api_key(&self, token: &str, scopes: &[&str]) -> (String, String) {
        let req = NewApiKeyRequest {
            name: format!("key-{}", scopes.join("-")),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
            environments: None,
        };
        let created: CreatedApiKey = self
            .call("POST", "/v1/api-keys", Some(token), &req)
            .unwrap_or_else(|p| panic!("creating an API key: {p:?}"));
        (created.key_info.id.to_string(), created.key)
    }
}

pub struct Session {
    pub tenant_id: String,
    pub access: String,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        block_on(handle.stop(false));
    }
}

fn superuser_on(database: &str) -> DatabaseConnection {
    let url = format!(
        "postgres://postgres@localhost:{}/{database}?host={}",
        env("VERSIQII_TEST_PG_PORT"),
        env("VERSIQII_TEST_PG_SOCKET")
    );
    block_on(Database::connect(url)).unwrap()
}

pub fn assert_problem(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert!(
        r.content_type.starts_with("application/problem+json"),
        "content type {} for {}",
        r.content_type,
        r.body
    );
    assert_eq!(r.body["code"], code, "body: {}", r.body);
    assert_eq!(r.body["status"], status);
    assert!(
        r.body["type"].is_string() && r.body["title"].is_string() && r.body["detail"].is_string()
    );
}

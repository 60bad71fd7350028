//! An in-process client with a cookie jar, and the engine-parameterised test macro.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use mamori_app::{Actor, org, users};
use mamori_store::Db;
use mamori_web::{AppState, WebConfig, router};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tower::ServiceExt;

pub const T0: i64 = 1_767_225_600_000;

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as received (exports, PDF).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// One browser-like client.
pub struct Client {
    pub app: Router,
    pub jar: BTreeMap<String, String>,
    pub accept_language: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The client's address as the server sees it (`ConnectInfo`); none = "local".
    pub peer: Option<std::net::SocketAddr>,
}

impl Client {
    pub async fn send(&mut self, method: &str, path: &str, content_type: Option<&str>, body: String) -> Resp {
        self.send_bytes(method, path, content_type, body.into_bytes()).await
    }

    pub async fn send_bytes(&mut self, method: &str, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if !self.jar.is_empty() {
            let c: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            b = b.header("cookie", c.join("; "));
        }
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        if let Some(l) = &self.accept_language {
            b = b.header("accept-language", l);
        }
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(peer) = self.peer {
            b = b.extension(axum::extract::ConnectInfo(peer));
        }
        let resp = self.app.clone().oneshot(b.body(Body::from(body)).unwrap()).await.unwrap();
        for v in resp.headers().get_all("set-cookie") {
            let s = v.to_str().unwrap();
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.into(), val.into());
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }
    pub async fn get(&mut self, path: &str) -> Resp {
        self.send("GET", path, None, String::new()).await
    }
    pub async fn post_json(&mut self, path: &str, v: serde_json::Value) -> Resp {
        self.send("POST", path, Some("application/json"), v.to_string()).await
    }
    pub async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", mamori_web::pages::urlencode(v))).collect();
        self.send("POST", path, Some("application/x-www-form-urlencoded"), body.join("&")).await
    }
    /// The CSRF token of the last page's forms.
    pub fn csrf_in(html: &str) -> String {
        let i = html.find("name=\"csrf\" value=\"").expect("page has a CSRF field") + 19;
        html[i..i + 64].to_string()
    }
}

/// An app with one organisation, an administrator (`admin`, password changed) and an
/// employee (`emp`, initial password `Initial123`).
pub struct World {
    pub app: Router,
    /// The database behind the router (for setting up more organisations).
    pub db: Db,
}

impl World {
    pub async fn new(db: Db) -> World {
        let o = org::create(&db, "acme", "アクメ株式会社", T0).await.unwrap();
        let cli = Actor::cli(&o.id);
        let mk = |login: &str, roles: &[&str]| users::NewUser {
            login_id: login.into(),
            display_name: format!("{login} 太郎"),
            email: format!("{login}@example.jp"),
            password: "Initial123".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        };
        users::create(&db, &cli, mk("admin", &["top_management", "system_admin"]), T0).await.unwrap();
        users::create(&db, &cli, mk("emp", &["employee"]), T0).await.unwrap();
        World::serving(db, WebConfig::default())
    }

    /// The same database behind a router with another configuration (e.g. an evidence
    /// directory of the test's own).
    pub fn with_config(&self, config: WebConfig) -> World {
        World::serving(self.db.clone(), config)
    }

    fn serving(db: Db, config: WebConfig) -> World {
        // A clock that ticks one millisecond per reading, from a fixed start.
        let clock = Arc::new(AtomicI64::new(T0 + 1000));
        let state = AppState::with_clock(db.clone(), config, Arc::new(move || clock.fetch_add(1, Ordering::SeqCst)));
        World { app: router(state), db }
    }

    pub fn client(&self) -> Client {
        Client { app: self.app.clone(), jar: BTreeMap::new(), accept_language: None, headers: vec![], peer: None }
    }

    /// A client logged in through the API; the administrator's initial password is changed first.
    pub async fn logged_in(&self, login: &str) -> Client {
        let mut c = self.client();
        let r = c.post_json("/api/v1/session", serde_json::json!({"login_id": login, "password": "Initial123"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if login == "admin" {
            let r = c
                .post_json(
                    "/api/v1/me/password",
                    serde_json::json!({"current_password": "Initial123", "new_password": "Admin1234"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        c
    }
}

#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                if let Some(t) = mamori_store::testing::fresh_db(mamori_store::Engine::Sqlite).await {
                    super::$name($crate::client::World::new(t.db().clone()).await).await;
                    t.cleanup().await;
                }
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(t) = mamori_store::testing::fresh_db(mamori_store::Engine::Postgres).await {
                    super::$name($crate::client::World::new(t.db().clone()).await).await;
                    t.cleanup().await;
                }
            }
        }
    )*};
}

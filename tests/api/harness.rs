//! `spawn_app()`: a running server on port 0 with a fresh database, an org
//! admin signed in, and typed request helpers.

use std::sync::Arc;

use portico_app::{App, NewAdmin, NewUser, Role, Settings, SystemClock};
use portico_store::Store;
use portico_store::testing::TestDatabase;
pub use portico_store::testing::mailed_code;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub store: Store,
    /// Signed in as the org admin.
    pub admin: Client,
    /// Not signed in.
    pub anon: Client,
    /// This test's attachment folder (removed when the test ends).
    pub attachments: std::path::PathBuf,
    _db: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.attachments);
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with settings changed by `adjust` (e.g. a small upload limit).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::create().await.expect("test database");
    let store = Store::open(&db.url).await.expect("open store");
    let attachments = std::env::temp_dir().join(format!(
        "portico-test-attachments-{}-{}",
        std::process::id(),
        NEXT_FOLDER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut settings = Settings {
        attachments_dir: attachments.clone(),
        ..Settings::default()
    };
    adjust(&mut settings);
    let app = App::new(store.clone(), Arc::new(SystemClock), settings);
    app.create_org_admin(NewAdmin {
        email: ADMIN_EMAIL.into(),
        display_name: "Ada Admin".into(),
        password: PASSWORD.into(),
    })
    .await
    .expect("admin");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = portico_web::router(portico_web::AppState {
        app: app.clone(),
        settings: portico_web::WebSettings {
            public_base_url: base.clone(),
        },
    });
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let admin = signed_in_client(&app, &store, ADMIN_EMAIL).await;
    let anon = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        base,
        app,
        store,
        admin,
        anon,
        attachments,
        _db: db,
    }
}

/// Numbers the attachment folders of the tests in this process.
static NEXT_FOLDER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A client carrying a fresh session cookie for `email`, past any mailed
/// code (read from the outbox, as the person reads their mail).
pub async fn signed_in_client(app: &App, store: &Store, email: &str) -> Client {
    let session = app.sign_in(email, PASSWORD).await.expect("sign in");
    if session.pending.is_some() {
        let code = mailed_code(store, email).await;
        app.verify_sign_in(&session.token, &code, None)
            .await
            .expect("the mailed code passes");
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&format!("portico_session={}", session.token)).expect("cookie"),
    );
    Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a user with `role` and returns a client signed in as them.
    pub async fn user(&self, email: &str, role: Role) -> Client {
        self.app
            .create_user(NewUser {
                email: email.into(),
                display_name: email.into(),
                password: PASSWORD.into(),
                role,
            })
            .await
            .expect("create user");
        signed_in_client(&self.app, &self.store, email).await
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(&self.admin, path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("json")
    }

    pub async fn post_json(&self, client: &Client, path: &str, body: &Value) -> Response {
        client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_json(&self, client: &Client, path: &str, body: &Value) -> Response {
        client
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Creates a space as the admin and returns its JSON.
    pub async fn space(&self, key: &str) -> Value {
        let response = self
            .post_json(
                &self.admin,
                "/wiki/api/v2/spaces",
                &json!({ "key": key, "name": format!("Space {key}") }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create space {key}");
        response.json().await.expect("json")
    }

    /// Creates a page as the admin and returns its JSON.
    pub async fn page(&self, space: &Value, parent: Option<&Value>, title: &str) -> Value {
        let mut body = json!({
            "spaceId": space["id"],
            "status": "current",
            "title": title,
            "body": { "representation": "storage", "value": format!("<p>{title} body</p>") },
        });
        if let Some(parent) = parent {
            body["parentId"] = parent["id"].clone();
        }
        let response = self
            .post_json(&self.admin, "/wiki/api/v2/pages", &body)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "create page {title}");
        response.json().await.expect("json")
    }

    /// The page as the API returns it now, with its body.
    pub async fn fetch_page(&self, page: &Value) -> Value {
        self.get_json(&format!(
            "/wiki/api/v2/pages/{}?body-format=storage",
            id(page)
        ))
        .await
    }

    /// Titles of a page's direct children, in order.
    pub async fn child_titles(&self, page: &Value) -> Vec<String> {
        let children = self
            .get_json(&format!("/wiki/api/v2/pages/{}/direct-children", id(page)))
            .await;
        children["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|c| c["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// The `id` field of a JSON object, as a string.
pub fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// Asserts a response is the API's error shape with `status`, and returns the detail.
pub async fn expect_error(response: Response, status: StatusCode) -> Option<String> {
    assert_eq!(
        response.status(),
        status,
        "unexpected status for {}",
        response.url()
    );
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(body["errors"][0]["status"], json!(status.as_u16()));
    body["errors"][0]["detail"].as_str().map(str::to_owned)
}

/// The account id of the user with this e-mail, from the admin API.
pub async fn user_id(t: &TestApp, email: &str) -> String {
    let users = t
        .get_json(&format!("/api/admin/users?search={email}"))
        .await;
    users["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == email)
        .and_then(|user| user["accountId"].as_str())
        .unwrap_or_else(|| panic!("no user {email}"))
        .to_owned()
}

/// The session's CSRF token, read from the account page (every signed-in
/// person can open it).
pub async fn csrf(t: &TestApp, client: &Client) -> String {
    let html = t.get(client, "/account").await.text().await.unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Posts a URL-encoded form as `client`.
pub async fn post_form(
    t: &TestApp,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> Response {
    client.post(t.url(path)).form(form).send().await.unwrap()
}

/// The hidden `_csrf` value of the first form in `html`.
pub fn form_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Passes a browser's pending sign-in through the verification page with
/// the code mailed to `email`; it lands on `next`.
pub async fn pass_mailed_code(t: &TestApp, browser: &Client, email: &str, next: &str) {
    let page = t.get(browser, &format!("/login/verify?next={next}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Check your e-mail"), "{html}");
    let code = mailed_code(&t.store, email).await;
    let passed = post_form(
        t,
        browser,
        "/login/verify",
        &[
            ("_csrf", &form_csrf(&html)),
            ("code", &code),
            ("next", next),
        ],
    )
    .await;
    assert_eq!(passed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        passed.headers()["location"].to_str().unwrap(),
        next,
        "on to where the visitor was going"
    );
}

/// `html` without the product's own static scripts (`<script src="/static/…">`
/// tags), so scans for injected scripts only see what content put there.
pub fn without_own_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let own = "<script src=\"/static/";
    while let Some(at) = rest.find(own) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match tail.find("</script>") {
            Some(end) => rest = &tail[end + "</script>".len()..],
            None => {
                rest = "";
                out.push_str(tail);
            }
        }
    }
    out.push_str(rest);
    out
}

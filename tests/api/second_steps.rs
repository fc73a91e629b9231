//! Sign-in steps after the password over HTTP: the verification page, what a
//! pending session may reach, and authenticator apps on the account page.

use portico_app::Role;
use reqwest::{Client, Response, StatusCode};
use totp_rs::{Algorithm, Secret};

use crate::harness::{PASSWORD, TestApp, form_csrf, mailed_code, post_form, spawn_app};

const GUEST: &str = "gail@client.example";

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn sign_in(t: &TestApp, browser: &Client, email: &str, next: &str) -> Response {
    post_form(
        t,
        browser,
        "/login",
        &[("email", email), ("password", PASSWORD), ("next", next)],
    )
    .await
}

async fn verify_page(t: &TestApp, browser: &Client) -> String {
    let page = t.get(browser, "/login/verify?next=/wiki/spaces").await;
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap()
}

/// The app's code `ahead` seconds from now.
fn app_code(secret: &str, ahead: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap()
        .generate(now + ahead)
        .to_string()
}

#[tokio::test]
async fn a_guest_passes_the_mailed_code_before_anything_opens() {
    let t = spawn_app().await;
    t.user(GUEST, Role::Guest).await; // confirms once, in the harness
    // Ask at every sign-in from now on.
    let mut policies = t.get_json("/api/admin/policies").await;
    policies["guestReverifyDays"] = 0.into();
    let saved = t.put_json(&t.admin, "/api/admin/policies", &policies).await;
    assert_eq!(saved.status(), StatusCode::OK);

    let browser = browser();
    let signed = sign_in(&t, &browser, GUEST, "/wiki/spaces").await;
    assert_eq!(location(&signed), "/login/verify?next=%2Fwiki%2Fspaces");
    // Nothing opens while the code is pending: pages send the visitor back to
    // the code, the API answers 401 as to anyone unknown.
    let page = t.get(&browser, "/wiki/spaces").await;
    assert_eq!(location(&page), "/login/verify?next=%2Fwiki%2Fspaces");
    assert_eq!(
        t.get(&browser, "/wiki/api/v2/spaces").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(location(&t.get(&browser, "/login").await), "/login/verify");

    let html = verify_page(&t, &browser).await;
    assert!(html.contains("g•••@client.example"), "{html}");
    assert!(
        !html.contains(GUEST),
        "the page doesn't spell out the address"
    );
    let csrf = form_csrf(&html);
    let first = mailed_code(&t.store, GUEST).await;
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = post_form(
        &t,
        &browser,
        "/login/verify",
        &[("_csrf", &csrf), ("code", wrong), ("next", "/wiki/spaces")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("4 tries left"));
    // Without the session's CSRF token nothing is checked.
    let forged = post_form(
        &t,
        &browser,
        "/login/verify",
        &[
            ("_csrf", "forged"),
            ("code", &first),
            ("next", "/wiki/spaces"),
        ],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let resent = post_form(
        &t,
        &browser,
        "/login/verify/send",
        &[("_csrf", &csrf), ("next", "/wiki/spaces")],
    )
    .await;
    assert_eq!(
        location(&resent),
        "/login/verify?next=%2Fwiki%2Fspaces&sent=true"
    );
    let second = mailed_code(&t.store, GUEST).await;
    let passed = post_form(
        &t,
        &browser,
        "/login/verify",
        &[
            ("_csrf", &csrf),
            ("code", &second),
            ("next", "/wiki/spaces"),
        ],
    )
    .await;
    assert_eq!(location(&passed), "/wiki/spaces");
    assert_eq!(
        t.get(&browser, "/wiki/api/v2/spaces").await.status(),
        StatusCode::OK
    );
    // The spent code opens nothing for a new sign-in.
    let other = self::browser();
    sign_in(&t, &other, GUEST, "/wiki/spaces").await;
    let html = verify_page(&t, &other).await;
    let replay = post_form(
        &t,
        &other,
        "/login/verify",
        &[
            ("_csrf", &form_csrf(&html)),
            ("code", &second),
            ("next", "/wiki/spaces"),
        ],
    )
    .await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn code_guessing_is_rate_limited_per_address() {
    let t = spawn_app().await;
    t.app
        .create_user(portico_app::NewUser {
            email: GUEST.into(),
            display_name: "Gail".into(),
            password: PASSWORD.into(),
            role: Role::Guest,
        })
        .await
        .unwrap();
    let browser = browser();
    sign_in(&t, &browser, GUEST, "/").await;
    let csrf = form_csrf(&verify_page(&t, &browser).await);
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let response = post_form(
            &t,
            &browser,
            "/login/verify",
            &[("_csrf", &csrf), ("code", "12345x"), ("next", "/")],
        )
        .await;
        statuses.push(response.status());
    }
    assert!(
        statuses[..10].iter().all(|s| *s == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn members_turn_on_an_authenticator_app_and_sign_in_with_it() {
    let t = spawn_app().await;
    let member = t.user("mo@example.com", Role::Member).await;
    let html = t
        .get(&member, "/account/two-step")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Set up an authenticator app"));
    let set_up = post_form(
        &t,
        &member,
        "/account/two-step/setup",
        &[("_csrf", &form_csrf(&html))],
    )
    .await;
    assert_eq!(location(&set_up), "/account/two-step");
    let html = t
        .get(&member, "/account/two-step")
        .await
        .text()
        .await
        .unwrap();
    let marker = "<code id=\"secret\" class=\"secret\">";
    let start = html.find(marker).expect("the key is shown") + marker.len();
    let secret = html[start..].split('<').next().unwrap().to_owned();
    assert!(html.contains("otpauth://totp/Portico%3Amo%40example.com?secret="));
    let confirmed = post_form(
        &t,
        &member,
        "/account/two-step/confirm",
        &[
            ("_csrf", &form_csrf(&html)),
            ("code", &app_code(&secret, 0)),
        ],
    )
    .await;
    assert_eq!(location(&confirmed), "/account/two-step");
    let html = t
        .get(&member, "/account/two-step")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("On: signing in asks for a code"));

    let browser = browser();
    let signed = sign_in(&t, &browser, "mo@example.com", "/wiki/spaces").await;
    assert_eq!(location(&signed), "/login/verify?next=%2Fwiki%2Fspaces");
    let html = verify_page(&t, &browser).await;
    assert!(html.contains("authenticator app"), "{html}");
    // The code that turned the app on was used; the app's next one (the
    // server allows one step of clock drift) signs in.
    let passed = post_form(
        &t,
        &browser,
        "/login/verify",
        &[
            ("_csrf", &form_csrf(&html)),
            ("code", &app_code(&secret, 30)),
            ("next", "/wiki/spaces"),
        ],
    )
    .await;
    assert_eq!(location(&passed), "/wiki/spaces");
}

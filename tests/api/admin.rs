//! The directory over HTTP: the admin screens and the admin API are invisible
//! to everyone but org admins; invitations end to end (invite through the
//! API, read the link in the outbox, accept through the HTML form, sign in,
//! find every step in the audit log); invitation rules and the guest quota;
//! sign-in hardening (rate limit, lockout, session rotation); password reset
//! and "sign out everywhere".

use portico_app::Role;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{
    ADMIN_EMAIL, PASSWORD, TestApp, csrf, expect_error, pass_mailed_code, post_form, spawn_app,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// A browser: keeps cookies, doesn't follow redirects.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client that presents one session token.
fn with_session(token: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        COOKIE,
        HeaderValue::from_str(&format!("portico_session={token}")).unwrap(),
    );
    Client::builder()
        .default_headers(headers)
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

/// The session token a response sets, if any.
fn session_set_by(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("portico_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|token| !token.is_empty())
}

async fn sign_in(t: &TestApp, client: &Client, email: &str, password: &str) -> Response {
    post_form(
        t,
        client,
        "/login",
        &[("email", email), ("password", password), ("next", "")],
    )
    .await
}

/// Whether `client`'s session still works (the API answers 401 otherwise).
async fn signed_in(t: &TestApp, client: &Client) -> bool {
    let status = t.get(client, "/wiki/api/v2/spaces").await.status();
    assert!(
        status == StatusCode::OK || status == StatusCode::UNAUTHORIZED,
        "{status}"
    );
    status == StatusCode::OK
}

/// The newest mail to `recipient` in the outbox, as the admin API shows it.
async fn mail_to(t: &TestApp, recipient: &str) -> Value {
    let outbox = t.get_json("/api/admin/outbox").await;
    outbox["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|mail| mail["recipient"] == recipient)
        .cloned()
        .unwrap_or_else(|| panic!("no mail to {recipient} in {outbox}"))
}

/// The path and query of the link in a mail's body that starts with `path`
/// (the mail's host is the configured public address, not the test server).
fn link_in(mail: &Value, path: &str) -> String {
    let body = mail["body"].as_str().unwrap();
    let start = body
        .find(path)
        .unwrap_or_else(|| panic!("no {path} link in {body}"));
    body[start..].split_whitespace().next().unwrap().to_owned()
}

async fn invite(t: &TestApp, body: Value) -> Response {
    t.post_json(&t.admin, "/api/admin/invitations", &body).await
}

async fn set_policies(t: &TestApp, change: impl FnOnce(&mut Value)) {
    let mut policies = t.get_json("/api/admin/policies").await;
    change(&mut policies);
    let saved = t.put_json(&t.admin, "/api/admin/policies", &policies).await;
    assert_eq!(
        saved.status(),
        StatusCode::OK,
        "{}",
        saved.text().await.unwrap()
    );
}

async fn user_by_email(t: &TestApp, email: &str) -> Value {
    let users = t
        .get_json(&format!("/api/admin/users?search={email}"))
        .await;
    users["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == email)
        .cloned()
        .unwrap_or_else(|| panic!("no user {email}"))
}

async fn audit(t: &TestApp, query: &str) -> Vec<Value> {
    t.get_json(&format!("/api/admin/audit?{query}")).await["results"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn admin_screens_and_api_look_missing_to_everyone_but_org_admins() {
    let t = spawn_app().await;
    let member = t.user("member@example.com", Role::Member).await;
    // A wiki admin without the org-admin flag is not an org admin.
    let wiki_admin = t.user("wiki-admin@example.com", Role::Admin).await;
    let admin_id = user_by_email(&t, ADMIN_EMAIL).await["accountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let group = t
        .post_json(
            &t.admin,
            "/api/admin/groups",
            &json!({ "name": "partners", "role": "guest" }),
        )
        .await;
    assert_eq!(group.status(), StatusCode::CREATED);
    let group = group.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let pages = [
        "/admin".to_owned(),
        "/admin/users".to_owned(),
        "/admin/users?q=a&role=member&status=active".to_owned(),
        format!("/admin/users/{admin_id}"),
        format!("/admin/users/{admin_id}/delete"),
        "/admin/groups".to_owned(),
        format!("/admin/groups/{group}"),
        format!("/admin/groups/{group}/delete"),
        "/admin/invitations".to_owned(),
        "/admin/policies".to_owned(),
        "/admin/audit".to_owned(),
        "/admin/outbox".to_owned(),
    ];
    let forms = [
        format!("/admin/users/{admin_id}/role"),
        format!("/admin/users/{admin_id}/org-admin"),
        format!("/admin/users/{admin_id}/deactivate"),
        format!("/admin/users/{admin_id}/reactivate"),
        format!("/admin/users/{admin_id}/delete"),
        "/admin/groups".to_owned(),
        format!("/admin/groups/{group}/members"),
        format!("/admin/groups/{group}/members/{admin_id}/remove"),
        format!("/admin/groups/{group}/role"),
        format!("/admin/groups/{group}/delete"),
        "/admin/invitations".to_owned(),
        "/admin/invitations/1/resend".to_owned(),
        "/admin/invitations/1/revoke".to_owned(),
        "/admin/policies".to_owned(),
    ];
    let api: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/admin/users?search=a".into(), None),
        (Method::GET, format!("/api/admin/users/{admin_id}"), None),
        (
            Method::PUT,
            format!("/api/admin/users/{admin_id}/role"),
            Some(json!({ "role": "none" })),
        ),
        (
            Method::PUT,
            format!("/api/admin/users/{admin_id}/org-admin"),
            Some(json!({ "orgAdmin": false })),
        ),
        (
            Method::POST,
            format!("/api/admin/users/{admin_id}/deactivate"),
            None,
        ),
        (
            Method::POST,
            format!("/api/admin/users/{admin_id}/reactivate"),
            None,
        ),
        (Method::DELETE, format!("/api/admin/users/{admin_id}"), None),
        (Method::GET, "/api/admin/groups".into(), None),
        (
            Method::POST,
            "/api/admin/groups".into(),
            Some(json!({ "name": "x", "role": "member" })),
        ),
        (Method::DELETE, format!("/api/admin/groups/{group}"), None),
        (
            Method::PUT,
            format!("/api/admin/groups/{group}/role"),
            Some(json!({ "role": "member" })),
        ),
        (
            Method::PUT,
            format!("/api/admin/groups/{group}/members/{admin_id}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/admin/groups/{group}/members/{admin_id}"),
            None,
        ),
        (Method::GET, "/api/admin/invitations".into(), None),
        (
            Method::POST,
            "/api/admin/invitations".into(),
            Some(json!({ "emails": ["x@example.com"], "role": "member" })),
        ),
        (Method::POST, "/api/admin/invitations/1/resend".into(), None),
        (Method::DELETE, "/api/admin/invitations/1".into(), None),
        (Method::GET, "/api/admin/licences".into(), None),
        (Method::GET, "/api/admin/policies".into(), None),
        (Method::PUT, "/api/admin/policies".into(), Some(json!({}))),
        (Method::GET, "/api/admin/audit?action=auth.".into(), None),
        (Method::GET, "/api/admin/outbox".into(), None),
        // Malformed input is not a hint either.
        (Method::GET, "/api/admin/users/not-an-id".into(), None),
        (
            Method::PUT,
            "/api/admin/policies".into(),
            Some(json!("not policies")),
        ),
    ];

    for client in [&member, &wiki_admin] {
        let unknown_page = t.get(client, "/no-such-page").await;
        assert_eq!(unknown_page.status(), StatusCode::NOT_FOUND);
        let unknown_page = unknown_page.text().await.unwrap();
        for path in &pages {
            let response = t.get(client, path).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
            assert_eq!(response.text().await.unwrap(), unknown_page, "GET {path}");
        }
        let token = csrf(&t, client).await;
        for path in &forms {
            let response = post_form(
                &t,
                client,
                path,
                &[
                    ("_csrf", token.as_str()),
                    ("role", "none"),
                    ("name", "x"),
                    ("email", ADMIN_EMAIL),
                ],
            )
            .await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "POST {path}");
            assert_eq!(response.text().await.unwrap(), unknown_page, "POST {path}");
        }

        let unknown_api = t.get(client, "/api/admin/no-such-endpoint").await;
        assert_eq!(unknown_api.status(), StatusCode::NOT_FOUND);
        let unknown_api = unknown_api.text().await.unwrap();
        for (method, path, body) in &api {
            let mut request = client.request(method.clone(), t.url(path));
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(
                response.text().await.unwrap(),
                unknown_api,
                "{method} {path}"
            );
        }
    }

    // Nothing changed, and only org admins see the "Admin" link.
    let admin = user_by_email(&t, ADMIN_EMAIL).await;
    assert_eq!(
        (
            admin["status"].as_str(),
            admin["orgAdmin"].as_bool(),
            admin["role"].as_str()
        ),
        (Some("active"), Some(true), Some("admin"))
    );
    assert_eq!(
        t.get_json("/api/admin/invitations").await["results"],
        json!([])
    );
    let member_bar = t.get(&member, "/wiki/spaces").await.text().await.unwrap();
    assert!(!member_bar.contains("href=\"/admin\""));
    let admin_bar = t.get(&t.admin, "/wiki/spaces").await.text().await.unwrap();
    assert!(admin_bar.contains("href=\"/admin\""));
    // Anonymous callers are asked to sign in, as everywhere else.
    let anonymous = t.get(&t.anon, "/admin/users").await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    expect_error(
        t.get(&t.anon, "/api/admin/users").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

/// Accepts an invitation through the HTML form in a fresh browser; returns
/// the browser, now signed in.
async fn accept(t: &TestApp, link: &str, email: &str, role: &str, name: &str) -> Client {
    let browser = browser();
    let form = t.get(&browser, link).await;
    assert_eq!(form.status(), StatusCode::OK, "{link}");
    let html = form.text().await.unwrap();
    assert!(
        html.contains(email) && html.contains(&format!("<strong>{role}</strong>")),
        "{html}"
    );
    let token = link.split("token=").nth(1).unwrap();
    let accepted = post_form(
        t,
        &browser,
        "/invitations/accept",
        &[
            ("token", token),
            ("display_name", name),
            ("password", NEW_PASSWORD),
            ("password_confirmation", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert!(session_set_by(&accepted).is_some());
    if role == "guest" {
        // Guests confirm a code mailed to them before the session counts.
        assert_eq!(location(&accepted), "/login/verify?next=%2Fwiki%2Fspaces");
        assert_eq!(
            location(&t.get(&browser, "/wiki/spaces").await),
            "/login/verify?next=%2Fwiki%2Fspaces"
        );
        pass_mailed_code(t, &browser, email, "/wiki/spaces").await;
    } else {
        assert_eq!(location(&accepted), "/wiki/spaces");
    }
    assert_eq!(
        t.get(&browser, "/wiki/spaces").await.status(),
        StatusCode::OK,
        "signed in"
    );
    browser
}

#[tokio::test]
async fn invitees_accept_through_the_outbox_links_sign_in_and_every_step_is_audited() {
    let t = spawn_app().await;
    let member_email = "mia@example.com";
    let guest_email = "gus@partner.example";
    for (email, role) in [(member_email, "member"), (guest_email, "guest")] {
        let response = invite(
            &t,
            json!({ "emails": [email], "role": role, "message": "Welcome aboard" }),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["ids"].as_array().map(Vec::len), Some(1));
    }
    let pending = t.get_json("/api/admin/invitations").await;
    assert_eq!(pending["results"].as_array().map(Vec::len), Some(2));
    let guest_user = user_by_email(&t, guest_email).await;
    assert_eq!(guest_user["status"], "invited");

    let mut links = Vec::new();
    for (email, role, name) in [
        (member_email, "member", "Mia Member"),
        (guest_email, "guest", "Gus Guest"),
    ] {
        let mail = mail_to(&t, email).await;
        assert_eq!(
            mail["status"], "held",
            "no SMTP in tests: mail waits in the outbox"
        );
        assert!(mail["body"].as_str().unwrap().contains("Welcome aboard"));
        let link = link_in(&mail, "/invitations/accept?token=");
        accept(&t, &link, email, role, name).await;
        links.push(link);

        let browser = browser();
        let signed = sign_in(&t, &browser, email, NEW_PASSWORD).await;
        assert_eq!(signed.status(), StatusCode::SEE_OTHER, "{email} signs in");
        assert!(signed_in(&t, &browser).await);
    }

    // A used link is gone, for viewing and for posting.
    for link in &links {
        assert_eq!(t.get(&t.anon, link).await.status(), StatusCode::GONE);
        let token = link.split("token=").nth(1).unwrap();
        let again = post_form(
            &t,
            &browser(),
            "/invitations/accept",
            &[
                ("token", token),
                ("display_name", "Mallory"),
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
        assert_eq!(again.status(), StatusCode::GONE);
    }
    assert_eq!(
        t.get_json("/api/admin/invitations").await["results"],
        json!([])
    );

    let member = user_by_email(&t, member_email).await;
    let guest = user_by_email(&t, guest_email).await;
    assert_eq!(
        (
            member["effectiveRole"].as_str(),
            member["accountType"].as_str(),
            member["isGuest"].as_bool(),
            member["displayName"].as_str(),
            member["status"].as_str()
        ),
        (
            Some("member"),
            Some("atlassian"),
            Some(false),
            Some("Mia Member"),
            Some("active")
        )
    );
    assert!(
        member["groups"].as_array().is_some_and(|g| !g.is_empty()),
        "members join the default group"
    );
    assert_eq!(
        (
            guest["effectiveRole"].as_str(),
            guest["accountType"].as_str(),
            guest["isGuest"].as_bool(),
            guest["displayName"].as_str()
        ),
        (Some("guest"), Some("guest"), Some(true), Some("Gus Guest"))
    );
    let guests = t.get_json("/api/admin/users?role=guest").await;
    assert_eq!(guests["results"].as_array().map(Vec::len), Some(1));
    let licences = t.get_json("/api/admin/licences").await;
    assert_eq!(
        (licences["paidSeats"].as_u64(), licences["guests"].as_u64()),
        (Some(2), Some(1))
    );

    let invitations = audit(&t, "action=invitation.").await;
    let count = |action: &str| invitations.iter().filter(|e| e["action"] == action).count();
    assert_eq!(
        (count("invitation.create"), count("invitation.accept")),
        (2, 2)
    );
    let sign_ins = audit(&t, "action=auth.sign_in").await;
    for user in [&member, &guest] {
        let own: Vec<&Value> = sign_ins
            .iter()
            .filter(|e| e["action"] == "auth.sign_in" && e["actorId"] == user["accountId"])
            .collect();
        assert_eq!(own.len(), 1, "{}", user["email"]);
        assert_eq!(
            own[0]["detail"]["from"], "127.0.0.1",
            "the client address is recorded"
        );
        assert!(
            own[0]["at"].as_str().is_some_and(|at| at.ends_with('Z')),
            "RFC 3339 in UTC"
        );
    }
    let guest_steps = audit(
        &t,
        &format!(
            "targetKind=user&targetId={}",
            guest["accountId"].as_str().unwrap()
        ),
    )
    .await;
    let actions: Vec<&str> = guest_steps
        .iter()
        .rev()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "invitation.create",
            "invitation.accept",
            "auth.email_code_sent",
            "auth.second_step_passed",
            "auth.sign_in"
        ],
        "oldest first once reversed; the confirmed address needs no second code"
    );
}

#[tokio::test]
async fn the_audit_export_pages_through_older_entries() {
    let t = spawn_app().await;
    for n in 0..5 {
        let response = t
            .post_json(
                &t.admin,
                "/api/admin/groups",
                &json!({ "name": format!("team {n}"), "role": "member" }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let first = t.get_json("/api/admin/audit?action=group.&limit=3").await;
    let next = first["_links"]["next"]
        .as_str()
        .expect("a next link")
        .to_owned();
    assert!(
        next.starts_with("/api/admin/audit?") && next.contains("action=group."),
        "{next}"
    );
    let second = t.get_json(&next).await;
    let ids: Vec<i64> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["results"].as_array().unwrap())
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert!(second["_links"]["next"].is_null());
    expect_error(
        t.get(&t.admin, "/api/admin/audit?since=yesterday").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let none = t
        .get_json("/api/admin/audit?action=group.&until=2000-01-01")
        .await;
    assert_eq!(none["results"], json!([]));
    let html = t
        .get(&t.admin, "/admin/audit?action=group.&since=2000-01-01")
        .await;
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    assert!(
        html.contains("group.create") && html.contains("href=\"/api/admin/audit?action=group."),
        "filters and the export link: {html}"
    );
}

#[tokio::test]
async fn invalid_invitations_name_the_rule_and_create_nothing() {
    let t = spawn_app().await;
    let eleven: Vec<String> = (0..11).map(|n| format!("person{n}@example.com")).collect();
    let detail = expect_error(
        invite(&t, json!({ "emails": eleven, "role": "member" })).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        detail
            .as_deref()
            .is_some_and(|d| d.contains("1 to 10 addresses, not 11")),
        "{detail:?}"
    );

    let detail = expect_error(
        invite(
            &t,
            json!({ "emails": ["ok@example.com", "not-an-address"], "role": "member" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        detail
            .as_deref()
            .is_some_and(|d| d.contains("`not-an-address` is not an e-mail address")),
        "{detail:?}"
    );

    let detail = expect_error(
        invite(&t, json!({ "emails": ["a@example.com"], "role": "admin" })).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        detail.as_deref().is_some_and(|d| d.contains("`role`")),
        "{detail:?}"
    );

    set_policies(&t, |p| {
        p["guestDomainBlockList"] = json!(["Blocked.example"])
    })
    .await;
    assert_eq!(
        t.get_json("/api/admin/policies").await["guestDomainBlockList"],
        json!(["blocked.example"])
    );
    let detail = expect_error(
        invite(&t, json!({ "emails": ["fine@partner.example", "eve@sub.blocked.example"], "role": "guest" })).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        detail
            .as_deref()
            .is_some_and(|d| d.contains("`sub.blocked.example` is on the guest block-list")),
        "{detail:?}"
    );

    // The same address as a member is fine: domain rules are for guests.
    assert_eq!(
        invite(
            &t,
            json!({ "emails": ["eve@sub.blocked.example"], "role": "member" })
        )
        .await
        .status(),
        StatusCode::CREATED
    );

    let pending = t.get_json("/api/admin/invitations").await;
    assert_eq!(
        pending["results"].as_array().map(Vec::len),
        Some(1),
        "only the valid batch created anything"
    );
    let outbox = t.get_json("/api/admin/outbox").await;
    assert_eq!(outbox["results"].as_array().map(Vec::len), Some(1));
    let users = t.get_json("/api/admin/users").await;
    assert_eq!(
        users["results"].as_array().map(Vec::len),
        Some(2),
        "the admin and eve"
    );

    // A policy out of range is refused, naming the field.
    let mut policies = t.get_json("/api/admin/policies").await;
    policies["maxFailedSignIns"] = json!(0);
    let detail = expect_error(
        t.put_json(&t.admin, "/api/admin/policies", &policies).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        detail
            .as_deref()
            .is_some_and(|d| d.contains("sign_in.max_failures")),
        "{detail:?}"
    );
}

#[tokio::test]
async fn the_guest_quota_error_names_the_count_and_the_cap() {
    let t = spawn_app().await;
    set_policies(&t, |p| p["guestsPerPaidSeat"] = json!(0)).await;
    let detail = expect_error(
        invite(
            &t,
            json!({ "emails": ["guest@partner.example"], "role": "guest" }),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        detail.as_deref(),
        Some("guest quota reached: 0 of 0 (0 per paid seat)")
    );
    assert_eq!(
        t.get_json("/api/admin/invitations").await["results"],
        json!([])
    );
    let licences = t.get_json("/api/admin/licences").await;
    assert_eq!(
        licences,
        json!({ "paidSeats": 1, "guests": 0, "guestQuota": 0, "guestsPerPaidSeat": 0, "userLimit": 50000 })
    );
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let t = spawn_app().await;
    let browser = browser();
    for n in 0..10 {
        let response = sign_in(
            &t,
            &browser,
            &format!("nobody{n}@example.com"),
            "wrong password",
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let limited = sign_in(&t, &browser, ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let page = limited.text().await.unwrap();
    assert!(
        page.contains("too many attempts") && page.contains("10 a minute"),
        "{page}"
    );
    assert!(session_set_by(&sign_in(&t, &browser, ADMIN_EMAIL, PASSWORD).await).is_none());
    // Other forms count separately.
    let forgot = post_form(&t, &browser, "/password/forgot", &[("email", ADMIN_EMAIL)]).await;
    assert_eq!(forgot.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let t = spawn_app().await;
    set_policies(&t, |p| p["maxFailedSignIns"] = json!(2)).await;
    t.user("lock@example.com", Role::Member).await;
    let browser = browser();
    for _ in 0..2 {
        let wrong = sign_in(&t, &browser, "lock@example.com", "not my password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let right = sign_in(&t, &browser, "lock@example.com", PASSWORD).await;
    assert_eq!(
        right.status(),
        StatusCode::UNAUTHORIZED,
        "locked: even the right password fails"
    );
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("Invalid e-mail or password"),
        "a lock looks like a wrong password"
    );
    let lockouts = audit(&t, "action=auth.lockout").await;
    assert_eq!(lockouts.len(), 1);
    let failures = audit(&t, "action=auth.sign_in_failed").await;
    assert_eq!(failures.len(), 3);
    // Another account is not affected.
    assert_eq!(
        sign_in(&t, &browser, ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn signing_in_again_ends_the_session_the_browser_had() {
    let t = spawn_app().await;
    let browser = browser();
    let first = sign_in(&t, &browser, ADMIN_EMAIL, PASSWORD).await;
    let old = session_set_by(&first).expect("a session");
    let second = sign_in(&t, &browser, ADMIN_EMAIL, PASSWORD).await;
    let new = session_set_by(&second).expect("a new session");
    assert_ne!(old, new);
    assert!(
        !signed_in(&t, &with_session(&old)).await,
        "the old session ended"
    );
    assert!(signed_in(&t, &with_session(&new)).await);
}

#[tokio::test]
async fn a_password_reset_by_mail_sets_the_password_and_ends_every_session() {
    let t = spawn_app().await;
    let email = "reset@example.com";
    let old_session = t.user(email, Role::Member).await;
    assert!(signed_in(&t, &old_session).await);

    let login_page = t.get(&t.anon, "/login").await.text().await.unwrap();
    assert!(
        login_page.contains("href=\"/password/forgot\""),
        "the sign-in page links to the reset"
    );
    let answer = "If the address has an account, we sent a link";
    for address in [email, "stranger@example.com"] {
        let response = post_form(&t, &t.anon, "/password/forgot", &[("email", address)]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.text().await.unwrap().contains(answer),
            "same answer for {address}"
        );
    }
    let outbox = t.get_json("/api/admin/outbox").await;
    assert_eq!(
        outbox["results"].as_array().map(Vec::len),
        Some(1),
        "no mail to strangers"
    );
    let link = link_in(&mail_to(&t, email).await, "/password/reset?token=");
    let token = link.split("token=").nth(1).unwrap().to_owned();

    assert_eq!(t.get(&t.anon, &link).await.status(), StatusCode::OK);
    let mismatch = post_form(
        &t,
        &t.anon,
        "/password/reset",
        &[
            ("token", &token),
            ("password", NEW_PASSWORD),
            ("password_confirmation", "something else"),
        ],
    )
    .await;
    assert_eq!(mismatch.status(), StatusCode::BAD_REQUEST);
    let reset = post_form(
        &t,
        &t.anon,
        "/password/reset",
        &[
            ("token", &token),
            ("password", NEW_PASSWORD),
            ("password_confirmation", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&reset), "/login?notice=password-changed");
    let notice = t
        .get(&t.anon, &location(&reset))
        .await
        .text()
        .await
        .unwrap();
    assert!(notice.contains("Your password was changed"));

    assert!(!signed_in(&t, &old_session).await, "the old session ended");
    let browser = browser();
    assert_eq!(
        sign_in(&t, &browser, email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&t, &browser, email, NEW_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let reused = post_form(
        &t,
        &t.anon,
        "/password/reset",
        &[
            ("token", &token),
            ("password", NEW_PASSWORD),
            ("password_confirmation", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(reused.status(), StatusCode::GONE, "a reset link works once");
}

#[tokio::test]
async fn signing_out_everywhere_ends_the_other_devices_sessions() {
    let t = spawn_app().await;
    let email = "two-devices@example.com";
    let phone = t.user(email, Role::Member).await;
    let laptop = browser();
    assert_eq!(
        sign_in(&t, &laptop, email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let account = t.get(&laptop, "/account").await;
    assert_eq!(account.status(), StatusCode::OK);
    assert!(
        account
            .text()
            .await
            .unwrap()
            .contains("Sign out everywhere")
    );

    let forged = post_form(&t, &laptop, "/logout/everywhere", &[("_csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(signed_in(&t, &phone).await, "a forged request ends nothing");

    let token = csrf(&t, &laptop).await;
    let out = post_form(
        &t,
        &laptop,
        "/logout/everywhere",
        &[("_csrf", token.as_str())],
    )
    .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login?notice=signed-out-everywhere");
    assert!(
        !signed_in(&t, &phone).await,
        "the other device is signed out"
    );
    assert!(!signed_in(&t, &laptop).await);
    assert!(signed_in(&t, &t.admin).await, "other people stay signed in");
}

#[tokio::test]
async fn the_admin_screens_render_and_their_forms_work() {
    let t = spawn_app().await;
    t.user("gina@partner.example", Role::Guest).await;
    let token = csrf(&t, &t.admin).await;

    // One paid seat (the admin) and one guest.
    let overview = t.get(&t.admin, "/admin").await.text().await.unwrap();
    assert!(
        overview.contains("1 of 5 (5 per paid seat)"),
        "guest quota: {overview}"
    );
    assert!(
        overview.contains("2 of the site user limit of 50000"),
        "{overview}"
    );

    // A guest group, created through the form.
    let created = post_form(
        &t,
        &t.admin,
        "/admin/groups",
        &[("_csrf", &token), ("name", "Agency"), ("role", "guest")],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let group_page = location(&created);
    assert!(group_page.starts_with("/admin/groups/"));
    let group_id = group_page
        .trim_start_matches("/admin/groups/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let added = post_form(
        &t,
        &t.admin,
        &format!("/admin/groups/{group_id}/members"),
        &[("_csrf", &token), ("email", "GINA@partner.example")],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let unknown = post_form(
        &t,
        &t.admin,
        &format!("/admin/groups/{group_id}/members"),
        &[("_csrf", &token), ("email", "nobody@example.com")],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("no user has the e-mail address `nobody@example.com`")
    );
    let group = t
        .get(&t.admin, &format!("/admin/groups/{group_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(group.contains("gina@partner.example"));

    // Invite two guests into the group through the form (comma-separated).
    let invited = post_form(
        &t,
        &t.admin,
        "/admin/invitations",
        &[
            ("_csrf", &token),
            ("emails", "one@partner.example, two@partner.example"),
            ("role", "guest"),
            ("group", &group_id),
            ("message", "Hi"),
        ],
    )
    .await;
    assert_eq!(invited.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&invited), "/admin/invitations?done=sent");
    let list = t
        .get(&t.admin, "/admin/invitations")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("one@partner.example") && list.contains("two@partner.example"));
    let pending = t.get_json("/api/admin/invitations").await;
    let first = pending["results"][0]["id"].as_str().unwrap().to_owned();
    let revoked = post_form(
        &t,
        &t.admin,
        &format!("/admin/invitations/{first}/revoke"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.get_json("/api/admin/invitations").await["results"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let one = user_by_email(&t, "one@partner.example").await;
    assert!(
        one["groups"]
            .as_array()
            .is_some_and(|g| g.contains(&json!("agency"))),
        "{one}"
    );

    // A form error keeps the input and names the rule.
    let too_many = post_form(
        &t,
        &t.admin,
        "/admin/invitations",
        &[
            ("_csrf", &token),
            (
                "emails",
                &(0..11)
                    .map(|n| format!("p{n}@example.com"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("role", "member"),
        ],
    )
    .await;
    assert_eq!(too_many.status(), StatusCode::BAD_REQUEST);
    let page = too_many.text().await.unwrap();
    assert!(page.contains("1 to 10 addresses, not 11") && page.contains("p10@example.com"));

    // Policies through the form.
    let saved = post_form(
        &t,
        &t.admin,
        "/admin/policies",
        &[
            ("_csrf", &token),
            ("guests_per_paid_seat", "3"),
            ("user_limit", "100"),
            ("domain_allow", ""),
            ("domain_block", "spam.example\nworse.example"),
            ("internal_domains", "example.com"),
            ("max_failed_sign_ins", "4"),
            ("lockout_minutes", "10"),
            ("invitation_days", "3"),
            ("guest_max_spaces", "1"),
            ("new_spaces_allow_guests", "on"),
            ("guest_email_codes", "on"),
            ("guest_reverify_days", "3"),
            ("guest_session_hours", "8"),
            ("two_step_required_roles", "admin"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let policies = t.get_json("/api/admin/policies").await;
    assert_eq!(
        (
            &policies["guestEmailCodes"],
            &policies["guestReverifyDays"],
            &policies["guestSessionHours"],
            &policies["twoStepRequiredRoles"]
        ),
        (&json!(true), &json!(3), &json!(8), &json!(["admin"]))
    );
    assert_eq!(
        policies["guestDomainBlockList"],
        json!(["spam.example", "worse.example"])
    );
    assert_eq!(
        (
            policies["guestsPerPaidSeat"].as_u64(),
            policies["invitationValidDays"].as_u64()
        ),
        (Some(3), Some(3))
    );
    let bad = post_form(
        &t,
        &t.admin,
        "/admin/policies",
        &[("_csrf", &token), ("guests_per_paid_seat", "many")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Users: filters, a user's page, a role change refused by the former-paid rule.
    let guests = t
        .get(&t.admin, "/admin/users?role=guest")
        .await
        .text()
        .await
        .unwrap();
    assert!(guests.contains("gina@partner.example") && !guests.contains(ADMIN_EMAIL));
    let gina = user_by_email(&t, "gina@partner.example").await;
    let gina_page = format!("/admin/users/{}", gina["accountId"].as_str().unwrap());
    assert!(
        t.get(&t.admin, &gina_page)
            .await
            .text()
            .await
            .unwrap()
            .contains("Effective role")
    );
    let promoted = post_form(
        &t,
        &t.admin,
        &format!("{gina_page}/role"),
        &[("_csrf", &token), ("role", "member")],
    )
    .await;
    assert_eq!(promoted.status(), StatusCode::SEE_OTHER);
    let demoted = post_form(
        &t,
        &t.admin,
        &format!("{gina_page}/role"),
        &[("_csrf", &token), ("role", "guest")],
    )
    .await;
    assert_eq!(demoted.status(), StatusCode::CONFLICT);
    assert!(
        demoted
            .text()
            .await
            .unwrap()
            .contains("can never become a guest")
    );
    let deactivated = post_form(
        &t,
        &t.admin,
        &format!("{gina_page}/deactivate"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(deactivated.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        user_by_email(&t, "gina@partner.example").await["status"],
        "deactivated"
    );
    let confirm = t.get(&t.admin, &format!("{gina_page}/delete")).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let deleted = post_form(
        &t,
        &t.admin,
        &format!("{gina_page}/delete"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert!(
        t.get(&t.admin, &gina_page)
            .await
            .text()
            .await
            .unwrap()
            .contains("Former user")
    );
    let forged = post_form(
        &t,
        &t.admin,
        &format!("{gina_page}/reactivate"),
        &[("_csrf", "forged")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // The records pages.
    let audit_page = t.get(&t.admin, "/admin/audit").await.text().await.unwrap();
    assert!(audit_page.contains("policy.update") && audit_page.contains("Export as JSON"));
    let outbox = t.get(&t.admin, "/admin/outbox").await.text().await.unwrap();
    assert!(
        outbox.contains("two@partner.example") && outbox.contains("/invitations/accept?token=")
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_admin_api_as_a_portico_extension() {
    let t = spawn_app().await;
    let doc: Value = t
        .get(&t.anon, "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/admin/users", "get"),
        ("/api/admin/users/{id}/role", "put"),
        ("/api/admin/groups/{id}/members/{userId}", "put"),
        ("/api/admin/invitations", "post"),
        ("/api/admin/policies", "put"),
        ("/api/admin/audit", "get"),
        ("/api/admin/outbox", "get"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["tags"][0], "portico-admin",
            "{method} {path}"
        );
    }
    let tags = doc["tags"].as_array().unwrap();
    assert!(tags.iter().any(|tag| tag["name"] == "portico-admin"));
}

#[tokio::test]
async fn the_user_list_shows_avatar_initials() {
    let t = spawn_app().await;
    let page = t.get(&t.admin, "/admin/users").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<span class="avatar" aria-hidden="true">AA</span>"#),
        "Ada Admin shows as AA"
    );
}

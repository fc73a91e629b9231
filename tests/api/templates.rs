//! Templates over HTTP: variables filled with escaped text, unknown and
//! missing variables refused by name, guests and members seeing only the
//! global templates and those of spaces they view (a hidden template answers
//! like a missing one, by id and in lists), pages from a template taking the
//! target space's permissions, management for admins only, and bad input.

use portico_app::Role;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app, user_id};

const MISSING: &str = "987654";

async fn send(
    t: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Response {
    let mut request = client.request(method, t.url(path));
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

fn template_body(space: Option<&Value>, name: &str, body: &str, variables: Value) -> Value {
    let mut json = json!({
        "name": name,
        "description": format!("{name} description"),
        "body": { "representation": "storage", "value": body },
        "variables": variables,
    });
    if let Some(space) = space {
        json["spaceId"] = space["id"].clone();
    }
    json
}

/// Creates a template as `client`.
async fn create_template(t: &TestApp, client: &Client, body: &Value) -> Response {
    t.post_json(client, "/api/portico/templates", body).await
}

/// Creates a template as the admin and returns its JSON.
async fn template(t: &TestApp, space: Option<&Value>, name: &str) -> Value {
    let body = template_body(
        space,
        name,
        r#"<p>For <at:var at:name="client"/></p>"#,
        json!([{ "name": "client", "label": "Client" }]),
    );
    let response = create_template(t, &t.admin, &body).await;
    assert_eq!(response.status(), StatusCode::OK, "create template {name}");
    response.json().await.unwrap()
}

async fn use_template(
    t: &TestApp,
    client: &Client,
    template: &Value,
    space: &Value,
    title: &str,
    variables: Value,
) -> Response {
    t.post_json(
        client,
        &format!("/api/portico/templates/{}/pages", id(template)),
        &json!({ "spaceId": space["id"], "title": title, "variables": variables }),
    )
    .await
}

/// The names of the templates `client` lists (with an optional query).
async fn listed(t: &TestApp, client: &Client, query: &str) -> Vec<String> {
    let response = t
        .get(client, &format!("/api/portico/templates{query}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|template| template["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn grant_role(t: &TestApp, space: &Value, principal: Value, role: &str) {
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/permissions", id(space)),
            &json!({ "principal": principal, "role": role }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn close_to_members(t: &TestApp, space: &Value) {
    let path = format!(
        "/api/portico/spaces/{}/permissions/all-members/-",
        id(space)
    );
    let response = send(t, &t.admin, Method::DELETE, &path, None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn assign_guest(t: &TestApp, space: &Value, email: &str) -> Client {
    let guest = t.user(email, Role::Guest).await;
    let guest_id = user_id(t, email).await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest_id}", id(space)),
            &json!({ "role": "viewer" }),
        )
        .await;
    assert!(response.status().is_success());
    guest
}

/// The status and body of a GET, for "hidden answers like missing".
async fn status_and_body(t: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let response = t.get(client, path).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn variables_are_filled_as_escaped_text() {
    let t = spawn_app().await;
    let space = t.space("TPL").await;
    let created = create_template(
        &t,
        &t.admin,
        &json!({
            "name": "Client brief",
            "body": {
                "representation": "markdown",
                "value": "# Brief for {{client}}\n\nDue {{due}}. Keep `{{code}}` as typed.\n",
            },
            "variables": [
                { "name": "client", "label": "Client name" },
                { "name": "due", "label": "Due date", "default": "Friday" },
            ],
        }),
    )
    .await;
    assert_eq!(created.status(), StatusCode::OK);
    let brief: Value = created.json().await.unwrap();
    assert_eq!(brief["spaceId"], Value::Null);
    let stored = brief["body"]["value"].as_str().unwrap();
    assert!(
        stored.contains(r#"<at:var at:name="client"></at:var>"#),
        "{stored}"
    );
    assert_eq!(brief["variables"][1]["default"], "Friday");

    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> & co";
    let made = use_template(
        &t,
        &t.admin,
        &brief,
        &space,
        "Brief: {{client}}",
        json!({ "client": hostile }),
    )
    .await;
    assert_eq!(made.status(), StatusCode::OK);
    let page: Value = made.json().await.unwrap();
    assert_eq!(page["title"], format!("Brief: {hostile}"));
    assert_eq!(page["spaceId"], space["id"]);
    let body = t.fetch_page(&page).await["body"]["storage"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        body.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; co"
        ),
        "{body}"
    );
    assert!(
        !body.contains("<script") && !body.contains("<img"),
        "{body}"
    );
    assert!(body.contains("Due Friday."), "the default fills: {body}");
    assert!(body.contains("{{code}}"), "code keeps its braces: {body}");
    assert!(!body.contains("at:var"), "{body}");
    // The rendered page shows the text, not markup.
    let html = t
        .get(&t.admin, &format!("/wiki/spaces/TPL/pages/{}", id(&page)))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>alert(1)"), "{html}");

    // A missing value, an unknown variable (in the values or the title)
    // are 422s naming it, and nothing is created.
    for (title, variables, named) in [
        ("Second", json!({}), "`client`"),
        ("Second", json!({ "client": "   " }), "`client`"),
        (
            "Second",
            json!({ "client": "A", "budget": "1" }),
            "`budget`",
        ),
        ("Second {{owner}}", json!({ "client": "A" }), "`owner`"),
    ] {
        let refused = use_template(&t, &t.admin, &brief, &space, title, variables).await;
        let detail = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(detail.unwrap().contains(named), "{title} {named}");
    }
    let pages = t
        .get_json(&format!("/wiki/api/v2/pages?space-id={}", id(&space)))
        .await;
    let titles: Vec<&str> = pages["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert!(!titles.contains(&"Second"), "{titles:?}");

    // An ordinary page body never keeps a template variable.
    let plain = t
        .post_json(
            &t.admin,
            "/wiki/api/v2/pages",
            &json!({
                "spaceId": space["id"], "title": "Plain",
                "body": { "representation": "storage", "value": r#"<p>x<at:var at:name="client"/>y</p>"# },
            }),
        )
        .await;
    let plain: Value = plain.json().await.unwrap();
    assert_eq!(
        t.fetch_page(&plain).await["body"]["storage"]["value"],
        "<p>xy</p>"
    );
}

#[tokio::test]
async fn guests_see_global_and_their_own_spaces_templates_only() {
    let t = spawn_app().await;
    let own = t.space("OWN").await;
    let other = t.space("OTH").await;
    template(&t, None, "Global").await;
    template(&t, Some(&own), "Own").await;
    let foreign = template(&t, Some(&other), "Foreign").await;
    let guest = assign_guest(&t, &own, "guest@partner.example").await;

    assert_eq!(listed(&t, &guest, "").await, ["Global", "Own"]);
    assert_eq!(listed(&t, &guest, "?spaceId=global").await, ["Global"]);
    assert_eq!(
        listed(&t, &guest, &format!("?spaceId={}", id(&own))).await,
        ["Own"]
    );
    let (_, hidden_list) = status_and_body(
        &t,
        &guest,
        &format!("/api/portico/templates?spaceId={}", id(&other)),
    )
    .await;
    let (_, missing_list) = status_and_body(
        &t,
        &guest,
        &format!("/api/portico/templates?spaceId={MISSING}"),
    )
    .await;
    assert_eq!(hidden_list, missing_list);
    assert_eq!(listed(&t, &t.admin, "").await, ["Global", "Own", "Foreign"]);

    // By id, on every route: the same 404 as a missing template.
    let hidden = format!("/api/portico/templates/{}", id(&foreign));
    let missing = format!("/api/portico/templates/{MISSING}");
    let (status, hidden_body) = status_and_body(&t, &guest, &hidden).await;
    let (_, missing_body) = status_and_body(&t, &guest, &missing).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(hidden_body, missing_body);
    let used = use_template(&t, &guest, &foreign, &own, "X", json!({ "client": "A" })).await;
    assert_eq!(used.status(), StatusCode::NOT_FOUND);
    let update = template_body(None, "Renamed", "<p>x</p>", json!([]));
    for method in [Method::PUT, Method::DELETE] {
        let response = send(&t, &guest, method.clone(), &hidden, Some(&update)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
    }

    // Signed out: no templates at all.
    let anonymous = t.get(&t.anon, "/api/portico/templates").await;
    assert_ne!(anonymous.status(), StatusCode::OK);
}

#[tokio::test]
async fn members_without_a_view_of_a_space_cannot_list_or_use_its_templates() {
    let t = spawn_app().await;
    let open = t.space("OPN").await;
    let closed = t.space("CLS").await;
    close_to_members(&t, &closed).await;
    let secret = template(&t, Some(&closed), "Secret plan").await;
    template(&t, Some(&open), "Open plan").await;
    let member = t.user("member@example.com", Role::Member).await;

    assert_eq!(listed(&t, &member, "").await, ["Open plan"]);
    let (status, _) = status_and_body(
        &t,
        &member,
        &format!("/api/portico/templates/{}", id(&secret)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let used = use_template(
        &t,
        &member,
        &secret,
        &open,
        "Copy",
        json!({ "client": "A" }),
    )
    .await;
    assert_eq!(used.status(), StatusCode::NOT_FOUND);

    // Seeing the template isn't enough: the target space must allow creating.
    let visible = template(&t, None, "Everyone").await;
    let refused = use_template(
        &t,
        &member,
        &visible,
        &closed,
        "In",
        json!({ "client": "A" }),
    )
    .await;
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "closed space is hidden"
    );
    let allowed = use_template(&t, &member, &visible, &open, "In", json!({ "client": "A" })).await;
    assert_eq!(allowed.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_page_from_a_template_takes_the_target_spaces_permissions() {
    let t = spawn_app().await;
    let source = t.space("SRC").await;
    let target = t.space("TGT").await;
    close_to_members(&t, &source).await;
    close_to_members(&t, &target).await;
    // Someone who sees only the template's space.
    let source_only = t.user("source@example.com", Role::Member).await;
    let source_id = user_id(&t, "source@example.com").await;
    grant_role(
        &t,
        &source,
        json!({ "type": "user", "id": source_id }),
        "collaborator",
    )
    .await;
    // A guest of the target space only.
    let guest = assign_guest(&t, &target, "guest@partner.example").await;

    let brief = template(&t, Some(&source), "Brief").await;
    let made = use_template(
        &t,
        &t.admin,
        &brief,
        &target,
        "Brief for Acme",
        json!({ "client": "Acme" }),
    )
    .await;
    assert_eq!(made.status(), StatusCode::OK);
    let page: Value = made.json().await.unwrap();
    assert_eq!(page["spaceId"], target["id"]);

    let path = format!("/wiki/api/v2/pages/{}", id(&page));
    let (status, _) = status_and_body(&t, &guest, &path).await;
    assert_eq!(status, StatusCode::OK, "the target space's guest sees it");
    let (status, hidden) = status_and_body(&t, &source_only, &path).await;
    let (_, missing) =
        status_and_body(&t, &source_only, &format!("/wiki/api/v2/pages/{MISSING}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the template's space gives nothing"
    );
    assert_eq!(hidden, missing);
    // Nor can they create from it into a space they can't see.
    let refused = use_template(
        &t,
        &source_only,
        &brief,
        &target,
        "Mine",
        json!({ "client": "B" }),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    // A draft stays its author's.
    let draft = t
        .post_json(
            &t.admin,
            &format!("/api/portico/templates/{}/pages", id(&brief)),
            &json!({ "spaceId": target["id"], "title": "Draft brief", "variables": { "client": "C" }, "status": "draft" }),
        )
        .await;
    assert_eq!(draft.status(), StatusCode::OK);
    let draft: Value = draft.json().await.unwrap();
    assert_eq!(draft["status"], "draft");
    let (status, _) =
        status_and_body(&t, &guest, &format!("/wiki/api/v2/pages/{}", id(&draft))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_admins_manage_templates() {
    let t = spawn_app().await;
    let space = t.space("ADM").await;
    let member = t.user("member@example.com", Role::Member).await;
    let space_admin = t.user("lead@example.com", Role::Member).await;
    let lead_id = user_id(&t, "lead@example.com").await;
    grant_role(
        &t,
        &space,
        json!({ "type": "user", "id": lead_id }),
        "admin",
    )
    .await;
    let guest = assign_guest(&t, &space, "guest@partner.example").await;

    let global = template_body(None, "Global", "<p>g</p>", json!([]));
    let local = template_body(Some(&space), "Local", "<p>l</p>", json!([]));
    for client in [&member, &space_admin, &guest] {
        let refused = create_template(&t, client, &global).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    for client in [&member, &guest] {
        let refused = create_template(&t, client, &local).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    let created = create_template(&t, &space_admin, &local).await;
    assert_eq!(created.status(), StatusCode::OK);
    let local_template: Value = created.json().await.unwrap();
    assert_eq!(local_template["canManage"], true);
    let global_template = template(&t, None, "Admin's").await;

    let path = format!("/api/portico/templates/{}", id(&local_template));
    let change = template_body(None, "Local v2", "<p>l2</p>", json!([]));
    for client in [&member, &guest] {
        let seen: Value = t.get(client, &path).await.json().await.unwrap();
        assert_eq!(seen["canManage"], false);
        let put = send(&t, client, Method::PUT, &path, Some(&change)).await;
        assert_eq!(put.status(), StatusCode::FORBIDDEN);
        let delete = send(&t, client, Method::DELETE, &path, None).await;
        assert_eq!(delete.status(), StatusCode::FORBIDDEN);
    }
    let global_path = format!("/api/portico/templates/{}", id(&global_template));
    let put = send(&t, &space_admin, Method::PUT, &global_path, Some(&change)).await;
    assert_eq!(
        put.status(),
        StatusCode::FORBIDDEN,
        "a space admin can't change a global one"
    );

    let put = send(&t, &space_admin, Method::PUT, &path, Some(&change)).await;
    assert_eq!(put.status(), StatusCode::OK);
    let changed: Value = put.json().await.unwrap();
    assert_eq!(changed["name"], "Local v2");
    assert_eq!(changed["body"]["value"], "<p>l2</p>");

    // The audit log has each change.
    let audit = t.get_json("/api/admin/audit?action=template.create").await;
    assert!(audit.to_string().contains("template.create"), "{audit}");

    let delete = send(&t, &space_admin, Method::DELETE, &path, None).await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let (status, _) = status_and_body(&t, &space_admin, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_template_input_is_a_clear_4xx_and_changes_nothing() {
    let t = spawn_app().await;
    let space = t.space("BAD").await;
    let ok = template(&t, Some(&space), "Taken").await;
    for (body, status) in [
        // A name already used in the scope (any case).
        (
            template_body(Some(&space), "TAKEN", "<p>x</p>", json!([])),
            StatusCode::CONFLICT,
        ),
        (
            template_body(Some(&space), "  ", "<p>x</p>", json!([])),
            StatusCode::BAD_REQUEST,
        ),
        (
            template_body(None, "Vars", "<p>x</p>", json!([{ "name": "Bad Name" }])),
            StatusCode::BAD_REQUEST,
        ),
        (
            template_body(
                None,
                "Vars",
                "<p>x</p>",
                json!([{ "name": "a" }, { "name": "a" }]),
            ),
            StatusCode::BAD_REQUEST,
        ),
        // The body uses a variable it doesn't declare.
        (
            template_body(None, "Vars", r#"<at:var at:name="who"/>"#, json!([])),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "name": "X", "body": { "representation": "wiki", "value": "" } }),
            StatusCode::BAD_REQUEST,
        ),
        (json!({ "name": "X" }), StatusCode::BAD_REQUEST),
        (
            json!({ "name": "X", "body": { "representation": "storage", "value": "" }, "extra": 1 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            template_body(Some(&json!({ "id": "abc" })), "X", "<p>x</p>", json!([])),
            StatusCode::BAD_REQUEST,
        ),
        (
            template_body(Some(&json!({ "id": MISSING })), "X", "<p>x</p>", json!([])),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let response = create_template(&t, &t.admin, &body).await;
        assert_eq!(response.status(), status, "{body}");
    }
    // The same name is fine in another scope.
    let global = create_template(
        &t,
        &t.admin,
        &template_body(None, "Taken", "<p>x</p>", json!([])),
    )
    .await;
    assert_eq!(global.status(), StatusCode::OK);

    let path = format!("/api/portico/templates/{}", id(&ok));
    let moved = template_body(Some(&space), "Taken", "<p>x</p>", json!([]));
    let put = send(&t, &t.admin, Method::PUT, &path, Some(&moved)).await;
    assert_eq!(
        put.status(),
        StatusCode::BAD_REQUEST,
        "the scope can't change"
    );
    for bad in ["/api/portico/templates/abc", "/api/portico/templates/0"] {
        let (status, _) = status_and_body(&t, &t.admin, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, _) = status_and_body(&t, &t.admin, "/api/portico/templates?spaceId=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for body in [
        json!({ "title": "No space" }),
        json!({ "spaceId": space["id"], "title": "T", "variables": { "client": 5 } }),
        json!({ "spaceId": space["id"], "title": "T", "variables": { "client": "A" }, "status": "gone" }),
        json!({ "spaceId": space["id"], "title": "", "variables": { "client": "A" } }),
    ] {
        let response = t.post_json(&t.admin, &format!("{path}/pages"), &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let too_long = use_template(
        &t,
        &t.admin,
        &ok,
        &space,
        "T",
        json!({ "client": "x".repeat(1001) }),
    )
    .await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(listed(&t, &t.admin, "").await, ["Taken", "Taken"]);
}

#[tokio::test]
async fn the_ui_manages_templates_and_creates_pages_from_them() {
    let t = spawn_app().await;
    let space = t.space("TUI").await;
    let member = t.user("member@example.com", Role::Member).await;
    let token = crate::harness::csrf(&t, &t.admin).await;

    // A space admin creates one with the form (CSRF checked).
    let forged = crate::harness::post_form(
        &t,
        &t.admin,
        "/wiki/spaces/TUI/templates",
        &[("_csrf", "nope"), ("name", "X")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let created = crate::harness::post_form(
        &t,
        &t.admin,
        "/wiki/spaces/TUI/templates",
        &[
            ("_csrf", token.as_str()),
            ("name", "Meeting notes"),
            ("description", "For client meetings"),
            ("format", "markdown"),
            ("body", "Meeting with {{client}}"),
            ("variables", "client | Client name"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let screen = t
        .get(&t.admin, "/wiki/spaces/TUI/templates")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        screen.contains("Meeting notes") && screen.contains("New template"),
        "{screen}"
    );
    let listed: Value = t.get_json("/api/portico/templates").await;
    let meeting = listed["results"][0].clone();

    // A member sees the list, without the management forms.
    let screen = t
        .get(&member, "/wiki/spaces/TUI/templates")
        .await
        .text()
        .await
        .unwrap();
    assert!(screen.contains("Meeting notes"), "{screen}");
    assert!(
        !screen.contains("New template") && !screen.contains("Delete"),
        "{screen}"
    );
    // The global screen is the wiki admins' only.
    assert_eq!(
        t.get(&member, "/admin/templates").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&t.admin, "/admin/templates").await.status(),
        StatusCode::OK
    );

    // The member picks it on the new-page flow and fills the variable.
    let picker = t
        .get(&member, "/wiki/spaces/TUI/templates/use")
        .await
        .text()
        .await
        .unwrap();
    let use_path = format!("/wiki/spaces/TUI/templates/{}/use", id(&meeting));
    assert!(picker.contains(&use_path), "{picker}");
    let form = t.get(&member, &use_path).await.text().await.unwrap();
    assert!(
        form.contains("<label for=\"var-client\">Client name"),
        "{form}"
    );
    let member_token = crate::harness::form_csrf(&form);
    let missing = crate::harness::post_form(
        &t,
        &member,
        &use_path,
        &[
            ("_csrf", member_token.as_str()),
            ("title", "Notes"),
            ("var.client", ""),
        ],
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let made = crate::harness::post_form(
        &t,
        &member,
        &use_path,
        &[
            ("_csrf", member_token.as_str()),
            ("title", "Notes for {{client}}"),
            ("var.client", "<b>Acme</b>"),
        ],
    )
    .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let pages = t
        .get_json(&format!("/wiki/api/v2/pages?space-id={}&title=Notes+for+%3Cb%3EAcme%3C%2Fb%3E&body-format=storage", id(&space)))
        .await;
    assert_eq!(
        pages["results"][0]["body"]["storage"]["value"],
        "<p>Meeting with &lt;b&gt;Acme&lt;/b&gt;</p>\n"
    );

    // Deleting through the form.
    let deleted = crate::harness::post_form(
        &t,
        &t.admin,
        &format!("/wiki/templates/{}/delete", id(&meeting)),
        &[("_csrf", token.as_str())],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(
            &t.admin,
            &format!("/api/portico/templates/{}", id(&meeting))
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

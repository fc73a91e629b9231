//! The guest admin JSON API over HTTP (`/api/admin/guests`, SPEC.md 3.5):
//! the list with each filter, sort and page; bulk assign moving guests and
//! saying from where, bulk extend and unassign; promotion of a guest and of
//! a guest group; removing product access; the plain 404 to members and
//! guests and 401 to anonymous callers; bad input answered with a 4xx
//! naming the field and no change; and the paths in the OpenAPI document.

use portico_app::{NewUser, Role};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestApp, expect_error, id, spawn_app, user_id};

const LIST: &str = "/api/admin/guests";

/// The guest list as the admin sees it now (all of it, one page).
async fn snapshot(t: &TestApp) -> Value {
    t.get_json(&format!("{LIST}?limit=250")).await["results"].clone()
}

/// The e-mails a guest-list query answers, in order.
async fn emails(t: &TestApp, query: &str) -> Vec<String> {
    let list = t.get_json(&format!("{LIST}?{query}")).await;
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|guest| guest["email"].as_str().unwrap().to_owned())
        .collect()
}

fn guest<'a>(list: &'a Value, email: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|guest| guest["email"] == email)
        .unwrap_or_else(|| panic!("{email} is not listed"))
}

/// Assigns `user` to `space` (a page subtree with `page`) as the admin.
async fn assign(t: &TestApp, space: &Value, user: &str, body: Value) {
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{user}", id(space)),
            &body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn send(t: &TestApp, client: &Client, method: Method, path: &str, body: &Value) -> Response {
    client
        .request(method, t.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// A guest who never signed in.
async fn never_signed_in(t: &TestApp, email: &str) {
    t.app
        .create_user(NewUser {
            email: email.into(),
            display_name: email.into(),
            password: PASSWORD.into(),
            role: Role::Guest,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn the_guest_api_lists_guests_with_their_assignments_and_filters_sorts_and_pages() {
    let t = spawn_app().await;
    let one = t.space("ONE").await;
    let two = t.space("TWO").await;
    let shared = t.page(&two, None, "Shared").await;
    t.user("gus@partner.example", Role::Guest).await;
    t.user("gil@partner.example", Role::Guest).await;
    t.user("gwen@partner.example", Role::Guest).await;
    t.user("mia@example.com", Role::Member).await;
    never_signed_in(&t, "nev@partner.example").await;
    let (gus, gwen) = (
        user_id(&t, "gus@partner.example").await,
        user_id(&t, "gwen@partner.example").await,
    );
    let soon = "2030-01-01T00:00:00Z";
    assign(
        &t,
        &one,
        &gus,
        json!({ "role": "viewer", "expiresAt": soon }),
    )
    .await;
    assign(&t, &two, &gwen, json!({ "pageId": id(&shared) })).await;

    let list = t.get_json(LIST).await;
    let results = &list["results"];
    // Guests only, by name; members aren't listed.
    assert_eq!(
        emails(&t, "").await,
        [
            "gil@partner.example",
            "gus@partner.example",
            "gwen@partner.example",
            "nev@partner.example"
        ]
    );
    let g = guest(results, "gus@partner.example");
    assert_eq!(g["accountId"], gus.as_str());
    assert_eq!(g["displayName"], "gus@partner.example");
    assert_eq!(g["accountType"], "guest");
    assert_eq!(g["isGuest"], true);
    assert_eq!(g["assignments"][0]["spaceId"], id(&one));
    assert_eq!(g["assignments"][0]["role"], "viewer");
    assert_eq!(g["assignments"][0]["pageId"], Value::Null);
    assert!(
        g["assignments"][0]["expiresAt"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T00:00:00")
    );
    assert!(g["lastActiveAt"].is_string(), "signed in just now");
    assert!(g.get("accessExpiresAt").is_some());
    let w = guest(results, "gwen@partner.example");
    assert_eq!(w["assignments"][0]["spaceId"], id(&two));
    assert_eq!(w["assignments"][0]["role"], "collaborator");
    assert_eq!(w["assignments"][0]["pageId"], id(&shared).as_str());
    assert_eq!(w["assignments"][0]["expiresAt"], Value::Null);
    assert_eq!(
        guest(results, "nev@partner.example")["lastActiveAt"],
        Value::Null
    );

    // Each filter.
    assert_eq!(emails(&t, "search=GIL").await, ["gil@partner.example"]);
    assert_eq!(
        emails(&t, &format!("spaceId={}", id(&one))).await,
        ["gus@partner.example"]
    );
    assert_eq!(
        emails(&t, &format!("spaceId={}", id(&two))).await,
        ["gwen@partner.example"],
        "a subtree assignment counts for its space"
    );
    assert_eq!(
        emails(&t, "noSpace=true").await,
        ["gil@partner.example", "nev@partner.example"]
    );
    assert_eq!(emails(&t, "noSpace=false").await.len(), 4);
    assert_eq!(
        emails(&t, "expiringWithinDays=3650").await,
        ["gus@partner.example"]
    );
    assert!(emails(&t, "expiringWithinDays=1").await.is_empty());
    assert_eq!(
        emails(&t, "lastActiveBefore=2000-01-01").await,
        ["nev@partner.example"],
        "never active counts as not active"
    );
    assert_eq!(
        emails(&t, "lastActiveBefore=2999-01-01T00:00:00Z")
            .await
            .len(),
        4
    );
    assert_eq!(
        emails(&t, "sort=expiry").await[0],
        "gus@partner.example",
        "soonest expiry first"
    );
    assert_eq!(
        emails(&t, "sort=last-active").await.last().unwrap(),
        "nev@partner.example",
        "never active last"
    );

    // Pages: `_links.next` carries the filters on.
    let first = t.get_json(&format!("{LIST}?limit=3&sort=name")).await;
    assert_eq!(first["results"].as_array().unwrap().len(), 3);
    let next = first["_links"]["next"].as_str().expect("a next link");
    assert!(next.contains("sort=name"), "{next}");
    let rest = t.get_json(next).await;
    assert_eq!(rest["results"][0]["email"], "nev@partner.example");
    assert_eq!(rest["_links"]["next"], Value::Null);
}

#[tokio::test]
async fn bulk_assign_moves_guests_and_says_from_where_then_extend_and_unassign() {
    let t = spawn_app().await;
    let one = t.space("ONE").await;
    let two = t.space("TWO").await;
    t.user("gus@partner.example", Role::Guest).await;
    t.user("gil@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    let gil = user_id(&t, "gil@partner.example").await;
    assign(&t, &one, &gus, json!({})).await;

    let response = t
        .post_json(
            &t.admin,
            "/api/admin/guests/bulk-assign",
            &json!({
                "userIds": [gus, gil.parse::<i64>().unwrap()],
                "spaceId": id(&two),
                "role": "viewer",
                "expiresAt": "2031-05-01T12:00:00+02:00",
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["results"],
        json!([
            { "accountId": gus, "movedFrom": [id(&one)] },
            { "accountId": gil, "movedFrom": [] },
        ])
    );
    let list = snapshot(&t).await;
    for email in ["gus@partner.example", "gil@partner.example"] {
        let assignments = &guest(&list, email)["assignments"];
        assert_eq!(assignments.as_array().unwrap().len(), 1, "{email}");
        assert_eq!(assignments[0]["spaceId"], id(&two));
        assert_eq!(assignments[0]["role"], "viewer");
        assert_eq!(assignments[0]["expiresAt"], "2031-05-01T10:00:00Z");
    }

    // Extend: a new end, or none (`null`).
    let extend = |expires: Value| json!({ "userIds": [gus, gil], "spaceId": id(&two), "expiresAt": expires });
    let response = t
        .post_json(
            &t.admin,
            "/api/admin/guests/bulk-extend",
            &extend(json!("2032-01-01T00:00:00Z")),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list = snapshot(&t).await;
    assert_eq!(
        guest(&list, "gil@partner.example")["assignments"][0]["expiresAt"],
        "2032-01-01T00:00:00Z"
    );
    let response = t
        .post_json(
            &t.admin,
            "/api/admin/guests/bulk-extend",
            &extend(json!(null)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list = snapshot(&t).await;
    assert_eq!(
        guest(&list, "gus@partner.example")["assignments"][0]["expiresAt"],
        Value::Null
    );
    assert_eq!(
        guest(&list, "gus@partner.example")["assignments"][0]["role"],
        "viewer",
        "extending keeps the role"
    );

    // Unassign: they stay guests, with no space.
    let response = t
        .post_json(
            &t.admin,
            "/api/admin/guests/bulk-unassign",
            &json!({ "userIds": [gus], "spaceId": id(&two) }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(emails(&t, "noSpace=true").await, ["gus@partner.example"]);
    // Unassigning someone who isn't assigned there changes nothing.
    let before = snapshot(&t).await;
    let response = t
        .post_json(
            &t.admin,
            "/api/admin/guests/bulk-unassign",
            &json!({ "userIds": [gil, gus], "spaceId": id(&two) }),
        )
        .await;
    expect_error(response, StatusCode::NOT_FOUND).await;
    assert_eq!(snapshot(&t).await, before, "all or none");
}

#[tokio::test]
async fn promoting_and_removing_guests_over_the_guest_api() {
    let t = spawn_app().await;
    let space = t.space("PRO").await;
    t.user("gus@partner.example", Role::Guest).await;
    let leaving = t.user("gil@partner.example", Role::Guest).await;
    t.user("via@partner.example", Role::None).await;
    let gus = user_id(&t, "gus@partner.example").await;
    let gil = user_id(&t, "gil@partner.example").await;
    let via = user_id(&t, "via@partner.example").await;
    assign(
        &t,
        &space,
        &gus,
        json!({ "expiresAt": "2030-01-01T00:00:00Z" }),
    )
    .await;
    assign(&t, &space, &gil, json!({})).await;
    let spaces = format!("/wiki/api/v2/spaces/{}", id(&space));
    assert_eq!(t.get(&leaving, &spaces).await.status(), StatusCode::OK);

    // Promote a guest: a member now, off the guest list, access kept.
    let response = t
        .post_json(&t.admin, &format!("{LIST}/{gus}/promote"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["effectiveRole"], "member");
    assert_eq!(user["isGuest"], false);
    assert!(
        !emails(&t, "")
            .await
            .contains(&"gus@partner.example".to_owned())
    );
    let member = crate::harness::signed_in_client(&t.app, &t.store, "gus@partner.example").await;
    assert_eq!(t.get(&member, &spaces).await.status(), StatusCode::OK);
    // Only guests are promoted.
    let again = t
        .post_json(&t.admin, &format!("{LIST}/{gus}/promote"), &json!({}))
        .await;
    let detail = expect_error(again, StatusCode::CONFLICT).await.unwrap();
    assert!(detail.contains("not a guest"), "{detail}");

    // Remove product access: off the list, the open session stops at once.
    let response = t
        .admin
        .delete(t.url(&format!("{LIST}/{gil}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        !emails(&t, "")
            .await
            .contains(&"gil@partner.example".to_owned())
    );
    expect_error(t.get(&leaving, &spaces).await, StatusCode::UNAUTHORIZED).await;
    let account = t.get_json(&format!("/api/admin/users/{gil}")).await;
    assert_eq!(account["effectiveRole"], "none", "the account stays");
    let again = t
        .admin
        .delete(t.url(&format!("{LIST}/{gil}")))
        .send()
        .await
        .unwrap();
    expect_error(again, StatusCode::CONFLICT).await;

    // Promote a guest group: its guests become members.
    let created = t
        .post_json(
            &t.admin,
            "/api/admin/groups",
            &json!({ "name": "partners", "role": "guest" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let group = id(&created.json::<Value>().await.unwrap());
    let joined = t
        .put_json(
            &t.admin,
            &format!("/api/admin/groups/{group}/members/{via}"),
            &json!({}),
        )
        .await;
    assert_eq!(joined.status(), StatusCode::NO_CONTENT);
    assert_eq!(emails(&t, "").await, ["via@partner.example"]);
    let response = t
        .post_json(
            &t.admin,
            &format!("/api/admin/groups/{group}/promote"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(emails(&t, "").await.is_empty());
    let account = t.get_json(&format!("/api/admin/users/{via}")).await;
    assert_eq!(account["effectiveRole"], "member");
    let groups = t.get_json("/api/admin/groups").await;
    let partners = groups["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == group.as_str())
        .unwrap();
    assert_eq!(partners["role"], "member");
    let again = t
        .post_json(
            &t.admin,
            &format!("/api/admin/groups/{group}/promote"),
            &json!({}),
        )
        .await;
    expect_error(again, StatusCode::CONFLICT).await;
}

/// Every guest admin endpoint, with a body that would be valid.
fn endpoints(user: &str, space: &str) -> Vec<(Method, String, Value)> {
    let ids = json!({ "userIds": [user], "spaceId": space });
    vec![
        (Method::GET, LIST.to_owned(), json!({})),
        (Method::POST, format!("{LIST}/bulk-assign"), ids.clone()),
        (Method::POST, format!("{LIST}/bulk-unassign"), ids.clone()),
        (
            Method::POST,
            format!("{LIST}/bulk-extend"),
            json!({ "userIds": [user], "spaceId": space, "expiresAt": null }),
        ),
        (Method::POST, format!("{LIST}/{user}/promote"), json!({})),
        (Method::DELETE, format!("{LIST}/{user}"), json!({})),
        (
            Method::POST,
            "/api/admin/groups/1/promote".to_owned(),
            json!({}),
        ),
    ]
}

#[tokio::test]
async fn the_guest_api_is_the_plain_404_to_members_and_guests_and_401_to_anonymous() {
    let t = spawn_app().await;
    let space = t.space("SHUT").await;
    let member = t.user("mia@example.com", Role::Member).await;
    let guest_client = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    assign(&t, &space, &gus, json!({})).await;
    let before = snapshot(&t).await;
    let unknown: Value = t
        .get(&member, "/api/admin/no-such-thing")
        .await
        .json()
        .await
        .unwrap();
    for (method, path, body) in endpoints(&gus, &id(&space)) {
        for client in [&member, &guest_client] {
            let response = send(&t, client, method.clone(), &path, &body).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
            let answer: Value = response.json().await.unwrap();
            assert_eq!(answer, unknown, "{method} {path}: the plain 404");
        }
        let response = send(&t, &t.anon, method.clone(), &path, &body).await;
        expect_error(response, StatusCode::UNAUTHORIZED).await;
    }
    assert_eq!(snapshot(&t).await, before, "nothing changed");
}

#[tokio::test]
async fn bad_input_to_the_guest_api_is_a_4xx_naming_the_field_and_changes_nothing() {
    let t = spawn_app().await;
    let one = t.space("ONE").await;
    let two = t.space("TWO").await;
    t.user("gus@partner.example", Role::Guest).await;
    t.user("mia@example.com", Role::Member).await;
    let gus = user_id(&t, "gus@partner.example").await;
    let mia = user_id(&t, "mia@example.com").await;
    assign(
        &t,
        &one,
        &gus,
        json!({ "expiresAt": "2030-01-01T00:00:00Z" }),
    )
    .await;
    let before = snapshot(&t).await;
    let two_id = id(&two);
    let assign_path = format!("{LIST}/bulk-assign");
    let extend_path = format!("{LIST}/bulk-extend");
    let many: Vec<String> = (1..=26).map(|n| n.to_string()).collect();

    // (path, body, status, what the detail must name)
    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        (
            &assign_path,
            json!([gus]),
            StatusCode::BAD_REQUEST,
            "JSON object",
        ),
        (
            &assign_path,
            json!("gus"),
            StatusCode::BAD_REQUEST,
            "JSON object",
        ),
        (
            &assign_path,
            json!({ "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userIds",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus] }),
            StatusCode::BAD_REQUEST,
            "spaceId",
        ),
        (
            &assign_path,
            json!({ "userIds": [], "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userIds",
        ),
        (
            &assign_path,
            json!({ "userIds": many, "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userIds",
        ),
        (
            &assign_path,
            json!({ "userIds": ["abc"], "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userIds[0]",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus, gus], "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userIds",
        ),
        (
            &assign_path,
            json!({ "userIds": "gus", "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userIds",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus], "spaceId": "x" }),
            StatusCode::BAD_REQUEST,
            "spaceId",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus, "999999"], "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userId",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus, mia], "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userId",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus], "spaceId": two_id, "role": "admin" }),
            StatusCode::BAD_REQUEST,
            "role",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus], "spaceId": two_id, "expiresAt": "soon" }),
            StatusCode::BAD_REQUEST,
            "expiresAt",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus], "spaceId": two_id, "expiresAt": "2001-01-01T00:00:00Z" }),
            StatusCode::BAD_REQUEST,
            "expiresAt",
        ),
        (
            &assign_path,
            json!({ "userIds": [gus], "spaceId": two_id, "expiresAt": 5 }),
            StatusCode::BAD_REQUEST,
            "expiresAt",
        ),
        (
            &assign_path,
            json!({ "userId": gus, "spaceId": two_id }),
            StatusCode::BAD_REQUEST,
            "userId",
        ),
        (
            &extend_path,
            json!({ "userIds": [gus], "spaceId": id(&one) }),
            StatusCode::BAD_REQUEST,
            "expiresAt",
        ),
        (
            &extend_path,
            json!({ "userIds": [gus], "spaceId": id(&one), "expiresAt": "31/12/2030" }),
            StatusCode::BAD_REQUEST,
            "expiresAt",
        ),
    ];
    for (path, body, status, field) in cases {
        let response = t.post_json(&t.admin, path, &body).await;
        let detail = expect_error(response, status).await.unwrap_or_default();
        assert!(
            detail.contains(&format!("`{field}")) || detail.contains(field),
            "{path} {body}: {detail}"
        );
        assert_eq!(
            snapshot(&t).await,
            before,
            "{path} {body} changed something"
        );
    }

    // Unknown spaces and people in the path are the plain 404.
    for (method, path, body) in [
        (
            Method::POST,
            assign_path.clone(),
            json!({ "userIds": [gus], "spaceId": "999999" }),
        ),
        (Method::POST, format!("{LIST}/999999/promote"), json!({})),
        (Method::DELETE, format!("{LIST}/999999"), json!({})),
        (
            Method::POST,
            "/api/admin/groups/999999/promote".to_owned(),
            json!({}),
        ),
    ] {
        let response = send(&t, &t.admin, method, &path, &body).await;
        expect_error(response, StatusCode::NOT_FOUND).await;
        assert_eq!(snapshot(&t).await, before);
    }
    // Malformed ids in the path name themselves.
    for (method, path) in [
        (Method::POST, format!("{LIST}/abc/promote")),
        (Method::DELETE, format!("{LIST}/abc")),
        (Method::POST, "/api/admin/groups/abc/promote".to_owned()),
    ] {
        let response = send(&t, &t.admin, method, &path, &json!({})).await;
        let detail = expect_error(response, StatusCode::BAD_REQUEST)
            .await
            .unwrap();
        assert!(detail.contains("abc"), "{path}: {detail}");
    }
    // Malformed JSON and the wrong content type.
    let malformed = t
        .admin
        .post(t.url(&assign_path))
        .header(CONTENT_TYPE, "application/json")
        .body("{\"userIds\": [")
        .send()
        .await
        .unwrap();
    expect_error(malformed, StatusCode::BAD_REQUEST).await;
    let text = t
        .admin
        .post(t.url(&assign_path))
        .header(CONTENT_TYPE, "text/plain")
        .body(json!({ "userIds": [gus], "spaceId": two_id }).to_string())
        .send()
        .await
        .unwrap();
    let detail = expect_error(text, StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .await
        .unwrap();
    assert!(detail.contains("Content-Type"), "{detail}");
    // Bad filters on the list name the parameter.
    for (query, field) in [
        ("sort=bogus", "sort"),
        ("spaceId=abc", "spaceId"),
        ("noSpace=maybe", "noSpace"),
        ("expiringWithinDays=0", "expiringWithinDays"),
        ("expiringWithinDays=soon", "expiringWithinDays"),
        ("lastActiveBefore=yesterday", "lastActiveBefore"),
        (&format!("spaceId={}&noSpace=true", id(&one)), "noSpace"),
        ("limit=0", "limit"),
        ("cursor=forged", "cursor"),
    ] {
        let response = t.get(&t.admin, &format!("{LIST}?{query}")).await;
        let detail = expect_error(response, StatusCode::BAD_REQUEST)
            .await
            .unwrap();
        assert!(detail.contains(&format!("`{field}`")), "{query}: {detail}");
    }
    assert_eq!(snapshot(&t).await, before);
}

#[tokio::test]
async fn the_openapi_document_lists_the_guest_admin_api() {
    let t = spawn_app().await;
    let doc: Value = t
        .get(&t.anon, "/api/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/admin/guests", "get"),
        ("/api/admin/guests/bulk-assign", "post"),
        ("/api/admin/guests/bulk-unassign", "post"),
        ("/api/admin/guests/bulk-extend", "post"),
        ("/api/admin/guests/{id}/promote", "post"),
        ("/api/admin/guests/{id}", "delete"),
        ("/api/admin/groups/{id}/promote", "post"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["tags"][0], "portico-admin",
            "{method} {path}"
        );
    }
    let params = doc["paths"]["/api/admin/guests"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for name in [
        "search",
        "spaceId",
        "noSpace",
        "expiringWithinDays",
        "lastActiveBefore",
        "sort",
    ] {
        assert!(params.iter().any(|p| p["name"] == name), "{name}");
    }
}

//! The org admin's guest list over HTTP (SPEC.md 3.5): it lists guests with
//! their badge, spaces and expiries, filters and escapes what it is given;
//! bulk assign through the form moves guests and says who moved where;
//! unassign and "remove product access" cut open sessions off on their next
//! request; promotion (of a guest or a guest group) keeps access; every form
//! needs the session's CSRF token, and to members the screen doesn't exist.

use portico_app::Role;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, id, post_form, spawn_app, user_id};

async fn html_of(t: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let response = t.get(client, path).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn ok_html(t: &TestApp, path: &str) -> String {
    let (status, html) = html_of(t, &t.admin, path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {html}");
    html
}

fn location(response: &Response) -> String {
    response.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_owned()
}

/// Assigns `user` to `space` through the JSON API, as the admin.
async fn assign(t: &TestApp, space: &Value, user: &str) {
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{user}", id(space)),
            &json!({ "expiresAt": "2099-06-30T23:59:59Z" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// The status `client` gets for a space through the v2 API.
async fn space_status(t: &TestApp, client: &Client, space: &Value) -> StatusCode {
    t.get(client, &format!("/wiki/api/v2/spaces/{}", id(space)))
        .await
        .status()
}

/// The table body of the guest list (so e-mails in notices don't count).
fn table(html: &str) -> &str {
    html.split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .unwrap_or("")
}

#[tokio::test]
async fn the_guest_list_shows_guests_with_badges_filters_and_escapes_and_is_closed_to_members() {
    let t = spawn_app().await;
    let one = t.space("ONE").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    t.user("gil@partner.example", Role::Guest).await;
    let member = t.user("mia@example.com", Role::Member).await;
    assign(&t, &one, &gus).await;

    let html = ok_html(&t, "/admin/guests").await;
    for needle in [
        "href=\"/admin/guests\" aria-current=\"page\"",
        "<span class=\"badge badge-guest\">Guest</span>",
        "Space ONE (ONE) · Collaborator · until <time",
        "2099-06-30 23:59 UTC",
        "No space assigned",
        "moves them out of their oldest space",
        "name=\"_csrf\"",
        &format!("href=\"/admin/guests/{gus}/promote\""),
    ] {
        assert!(html.contains(needle), "{needle}: {html}");
    }
    let rows = table(&html);
    assert!(rows.contains("gus@partner.example") && rows.contains("gil@partner.example"));
    assert!(!rows.contains("mia@example.com"), "members aren't guests");

    let rows_for = |html: String| table(&html).to_owned();
    let no_space = rows_for(ok_html(&t, "/admin/guests?no_space=on").await);
    assert!(no_space.contains("gil@") && !no_space.contains("gus@"));
    let in_one = rows_for(ok_html(&t, "/admin/guests?space=ONE").await);
    assert!(in_one.contains("gus@") && !in_one.contains("gil@"));
    let expiring = rows_for(ok_html(&t, "/admin/guests?expiring_days=36500").await);
    assert!(expiring.contains("gus@") && !expiring.contains("gil@"));
    let search = rows_for(ok_html(&t, "/admin/guests?q=gil&sort=last-active").await);
    assert!(search.contains("gil@") && !search.contains("gus@"));
    let html = ok_html(&t, "/admin/guests?inactive_before=2000-01-01").await;
    assert!(html.contains("No guests match."));
    let inactive = rows_for(ok_html(&t, "/admin/guests?inactive_before=2999-01-01").await);
    assert!(inactive.contains("gil@") && inactive.contains("gus@"));

    // Bad filters: a 400 page naming the filter, the input kept.
    let (status, html) = html_of(&t, &t.admin, "/admin/guests?expiring_days=soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("`expiring within`") && html.contains("value=\"soon\""));
    let (status, html) = html_of(&t, &t.admin, "/admin/guests?space=NOPE").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("`space` must be one of the listed spaces"));

    // Hostile search text comes back escaped, never as markup.
    let (status, html) = html_of(
        &t,
        &t.admin,
        "/admin/guests?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");

    // To members and guests the screen doesn't exist: the plain 404.
    let (_, plain_404) = html_of(&t, &member, "/admin/users").await;
    for client in [&member, &guest] {
        for path in [
            "/admin/guests".to_owned(),
            format!("/admin/guests/{gus}/promote"),
        ] {
            let (status, html) = html_of(&t, client, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(html, plain_404, "{path}");
        }
    }
    let token = csrf(&t, &member).await;
    let refused = post_form(
        &t,
        &member,
        &format!("/admin/guests/{gus}/remove"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(space_status(&t, &guest, &one).await, StatusCode::OK);
}

#[tokio::test]
async fn bulk_assign_through_the_form_moves_guests_and_says_so_and_unassign_cuts_sessions_off() {
    let t = spawn_app().await;
    let one = t.space("ONE").await;
    let two = t.space("TWO").await;
    let gus_client = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    let gil_client = t.user("gil@partner.example", Role::Guest).await;
    let gil = user_id(&t, "gil@partner.example").await;
    assign(&t, &one, &gus).await;
    let token = csrf(&t, &t.admin).await;
    let bulk = "/admin/guests/bulk";

    // Gus (in ONE) and Gil (nowhere) go to TWO as viewers: Gus moves.
    let assigned = post_form(
        &t,
        &t.admin,
        bulk,
        &[
            ("_csrf", &token),
            ("q", "partner"),
            ("guest", &gus),
            ("guest", &gil),
            ("action", "assign"),
            ("assign_space", "TWO"),
            ("assign_role", "viewer"),
            ("assign_expires_on", "2099-12-31"),
        ],
    )
    .await;
    assert_eq!(assigned.status(), StatusCode::SEE_OTHER);
    let target = location(&assigned);
    assert_eq!(
        target,
        format!(
            "/admin/guests?q=partner&done=assigned&moved={gus}:{}",
            id(&one)
        )
    );
    let html = ok_html(&t, &target).await;
    assert!(html.contains("The selected guests were assigned to the space."));
    assert!(
        html.contains("gus@partner.example (gus@partner.example) moved out of Space ONE (ONE)"),
        "{html}"
    );
    assert!(html.contains("value=\"partner\""), "the filters stay");
    assert_eq!(
        space_status(&t, &gus_client, &one).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(space_status(&t, &gus_client, &two).await, StatusCode::OK);
    assert_eq!(space_status(&t, &gil_client, &two).await, StatusCode::OK);
    let rows = table(&html).to_owned();
    assert!(rows.contains("Space TWO (TWO) · Viewer · until"));

    // A refused action shows the list again with the message and the selection.
    let refused = post_form(
        &t,
        &t.admin,
        bulk,
        &[
            ("_csrf", &token),
            ("guest", &gil),
            ("action", "assign"),
            ("assign_space", ""),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = refused.text().await.unwrap();
    assert!(html.contains("`assign to space`"), "{html}");
    assert!(html.contains(&format!("value=\"{gil}\" id=\"guest-{gil}\" checked")));
    assert!(!html.contains(&format!("value=\"{gus}\" id=\"guest-{gus}\" checked")));
    let none = post_form(
        &t,
        &t.admin,
        bulk,
        &[("_csrf", &token), ("action", "assign")],
    )
    .await;
    assert_eq!(none.status(), StatusCode::BAD_REQUEST);

    // CSRF is required: without the token nothing changes.
    for form in [
        vec![
            ("guest", gil.as_str()),
            ("action", "unassign"),
            ("unassign_space", "TWO"),
        ],
        vec![
            ("_csrf", "forged"),
            ("guest", gil.as_str()),
            ("action", "unassign"),
            ("unassign_space", "TWO"),
        ],
    ] {
        let forged = post_form(&t, &t.admin, bulk, &form).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(space_status(&t, &gil_client, &two).await, StatusCode::OK);

    // Extend, then unassign: Gil's open session loses the space at once.
    let extended = post_form(
        &t,
        &t.admin,
        bulk,
        &[
            ("_csrf", &token),
            ("guest", &gil),
            ("action", "extend"),
            ("extend_space", "TWO"),
            ("extend_expires_on", "2099-01-15"),
        ],
    )
    .await;
    assert_eq!(extended.status(), StatusCode::SEE_OTHER);
    let html = ok_html(&t, &location(&extended)).await;
    assert!(html.contains("2099-01-15 23:59 UTC"), "{html}");
    let unassigned = post_form(
        &t,
        &t.admin,
        bulk,
        &[
            ("_csrf", &token),
            ("guest", &gil),
            ("action", "unassign"),
            ("unassign_space", "TWO"),
        ],
    )
    .await;
    assert_eq!(unassigned.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&unassigned), "/admin/guests?done=unassigned");
    assert_eq!(
        space_status(&t, &gil_client, &two).await,
        StatusCode::NOT_FOUND
    );
    let no_space = ok_html(&t, "/admin/guests?no_space=on").await;
    assert!(table(&no_space).contains("gil@"), "still a guest");
    // Unassigning someone who isn't there changes nothing and says so.
    let again = post_form(
        &t,
        &t.admin,
        bulk,
        &[
            ("_csrf", &token),
            ("guest", &gil),
            ("guest", &gus),
            ("action", "unassign"),
            ("unassign_space", "TWO"),
        ],
    )
    .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(space_status(&t, &gus_client, &two).await, StatusCode::OK);
}

#[tokio::test]
async fn promote_and_remove_through_the_forms() {
    let t = spawn_app().await;
    let one = t.space("ONE").await;
    let two = t.space("TWO").await;
    let gus_client = t.user("gus@partner.example", Role::Guest).await;
    let gus = user_id(&t, "gus@partner.example").await;
    let gil_client = t.user("gil@partner.example", Role::Guest).await;
    let gil = user_id(&t, "gil@partner.example").await;
    assign(&t, &one, &gus).await;
    assign(&t, &two, &gil).await;
    let token = csrf(&t, &t.admin).await;

    // Promotion: a confirmation page first, the CSRF token required.
    let html = ok_html(&t, &format!("/admin/guests/{gus}/promote")).await;
    assert!(html.contains("Promote gus@partner.example to member?"));
    assert!(html.contains("paid seat") && html.contains("never a guest again"));
    let promote = format!("/admin/guests/{gus}/promote");
    let forged = post_form(&t, &t.admin, &promote, &[("_csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let promoted = post_form(&t, &t.admin, &promote, &[("_csrf", &token)]).await;
    assert_eq!(promoted.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&promoted), "/admin/guests?done=promoted");
    let html = ok_html(&t, "/admin/guests?done=promoted").await;
    assert!(html.contains("The guest is now a member"));
    assert!(!table(&html).contains("gus@"), "off the guest list");
    assert_eq!(space_status(&t, &gus_client, &one).await, StatusCode::OK);
    // Not a guest any more: the confirmation page says why it can't.
    let again = post_form(&t, &t.admin, &promote, &[("_csrf", &token)]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("is not a guest"));

    // Removing product access: Gil's open session stops working.
    let remove = format!("/admin/guests/{gil}/remove");
    let html = ok_html(&t, &remove).await;
    assert!(html.contains("Remove product access for gil@partner.example?"));
    assert_eq!(space_status(&t, &gil_client, &two).await, StatusCode::OK);
    let removed = post_form(&t, &t.admin, &remove, &[("_csrf", &token)]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&removed), "/admin/guests?done=removed");
    assert_eq!(
        space_status(&t, &gil_client, &two).await,
        StatusCode::UNAUTHORIZED
    );
    let html = ok_html(&t, "/admin/guests").await;
    assert!(html.contains("No guests match."), "{html}");
    // They stay in the directory.
    let users = ok_html(&t, "/admin/users?q=gil").await;
    assert!(users.contains("gil@partner.example"));

    // A guest group is promoted from its page.
    let created = post_form(
        &t,
        &t.admin,
        "/admin/groups",
        &[("_csrf", &token), ("name", "partners"), ("role", "guest")],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let group = location(&created).split('?').next().unwrap().to_owned();
    t.user("pat@partner.example", Role::None).await;
    let added = post_form(
        &t,
        &t.admin,
        &format!("{group}/members"),
        &[("_csrf", &token), ("email", "pat@partner.example")],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let html = ok_html(&t, &group).await;
    assert!(html.contains("Promote group to members…"));
    let html = ok_html(&t, &format!("{group}/promote")).await;
    assert!(html.contains("Promote the guest group partners to members?"));
    let forged = post_form(&t, &t.admin, &format!("{group}/promote"), &[]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let promoted = post_form(
        &t,
        &t.admin,
        &format!("{group}/promote"),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(promoted.status(), StatusCode::SEE_OTHER);
    let html = ok_html(&t, &location(&promoted)).await;
    assert!(html.contains("The group is now a member group"));
    assert!(html.contains("Role: <strong>member</strong>"));
    assert!(!html.contains("Promote group to members…"));
    let users = ok_html(&t, "/admin/users?q=pat").await;
    assert!(users.contains("<strong>member</strong>"), "{users}");
}

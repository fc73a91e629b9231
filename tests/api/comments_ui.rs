//! Footer comments in the UI: the thread under the page body and its forms
//! (add, reply, edit, delete), posted like a browser without JavaScript.
//! Forms show only what the engine allows, forged posts change nothing,
//! hostile HTML is neutralised, and an invisible page answers like a missing
//! one.

use portico_app::Role;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, id, post_form, spawn_app, user_id};

fn page_path(space: &Value, page: &Value) -> String {
    format!(
        "/wiki/spaces/{}/pages/{}",
        space["key"].as_str().unwrap(),
        id(page)
    )
}

fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Posts the add (or, with `parent`, reply) form as `client`.
async fn comment(
    t: &TestApp,
    client: &Client,
    space: &Value,
    page: &Value,
    parent: Option<i64>,
    body: &str,
    format: &str,
) -> Response {
    let token = csrf(t, client).await;
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    post_form(
        t,
        client,
        &format!("{}/comments", page_path(space, page)),
        &[
            ("_csrf", &token),
            ("body", body),
            ("format", format),
            ("parentId", &parent),
        ],
    )
    .await
}

/// Posts a comment that must be accepted; returns its id (from the
/// redirect's `#comment-N`).
async fn comment_ok(
    t: &TestApp,
    client: &Client,
    space: &Value,
    page: &Value,
    parent: Option<i64>,
    body: &str,
) -> i64 {
    let response = comment(t, client, space, page, parent, body, "markdown").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    let (path, anchor) = to.split_once("#comment-").expect("a comment anchor");
    assert!(
        path.starts_with(&page_path(space, page)),
        "back to the page: {to}"
    );
    anchor.parse().unwrap()
}

async fn page_html(t: &TestApp, client: &Client, space: &Value, page: &Value) -> String {
    let response = t.get(client, &page_path(space, page)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The markup of one comment's list item.
fn item(html: &str, comment: i64) -> &str {
    let start = html
        .find(&format!("id=\"comment-{comment}\""))
        .unwrap_or_else(|| panic!("comment {comment} is shown"));
    let start = html[..start].rfind("<li").unwrap();
    let end = start + html[start..].find("</li>").unwrap();
    &html[start..end]
}

/// How many comments the API lists for the page (deleted placeholders too).
async fn stored(t: &TestApp, page: &Value) -> Vec<Value> {
    t.get_json(&format!("/wiki/api/v2/pages/{}/footer-comments", id(page)))
        .await["results"]
        .as_array()
        .unwrap()
        .clone()
}

async fn assign_guest(t: &TestApp, space: &Value, email: &str, role: &str) {
    let guest = user_id(t, email).await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest}", id(space)),
            &json!({ "role": role }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_member_comments_and_replies_through_the_forms_and_sees_the_thread() {
    let t = spawn_app().await;
    let space = t.space("CUI").await;
    let page = t.page(&space, None, "Plan").await;
    let mia = t.user("mia@example.com", Role::Member).await;
    let before = page_html(&t, &mia, &space, &page).await;
    assert!(before.contains("No comments yet."));
    assert!(before.contains("<label for=\"comment-body\">Add a comment</label>"));
    let top = comment_ok(&t, &mia, &space, &page, None, "Looks **good** to me").await;
    let reply = comment_ok(&t, &t.admin, &space, &page, Some(top), "Thanks!").await;
    let later = comment_ok(&t, &mia, &space, &page, None, "One more thing").await;
    let html = page_html(&t, &mia, &space, &page).await;
    let first = item(&html, top);
    assert!(first.contains("<strong>good</strong>"), "{first}");
    assert!(first.contains("mia@example.com"));
    assert!(first.contains("class=\"comment indent-0\""), "{first}");
    let second = item(&html, reply);
    assert!(second.contains("class=\"comment indent-1\""), "{second}");
    assert!(second.contains("Ada Admin") && second.contains("Thanks!"));
    // Thread order: the reply sits under its parent, before the later comment.
    let at = |c: i64| html.find(&format!("id=\"comment-{c}\"")).unwrap();
    assert!(at(top) < at(reply) && at(reply) < at(later));
    assert!(html.contains("(3 comments)"));
    // The viewer replies to any comment, and edits only their own.
    assert!(first.contains("id=\"reply-body-") && first.contains("id=\"edit-body-"));
    assert!(second.contains("id=\"reply-body-") && !second.contains("id=\"edit-body-"));
    assert!(!second.contains("Delete comment"), "{second}");
    assert_eq!(stored(&t, &page).await.len(), 3);
}

#[tokio::test]
async fn a_guests_comment_carries_the_guest_badge_for_members() {
    let t = spawn_app().await;
    let space = t.space("CUG").await;
    let page = t.page(&space, None, "Plan").await;
    let gil = t.user("gil@partner.example", Role::Guest).await;
    assign_guest(&t, &space, "gil@partner.example", "collaborator").await;
    let mine = comment_ok(&t, &gil, &space, &page, None, "From the client").await;
    let ours = comment_ok(&t, &t.admin, &space, &page, Some(mine), "Noted").await;
    let mia = t.user("mia@example.com", Role::Member).await;
    let html = page_html(&t, &mia, &space, &page).await;
    let guest_item = item(&html, mine);
    assert!(
        guest_item.contains("gil@partner.example <span class=\"badge badge-guest\">Guest</span>"),
        "{guest_item}"
    );
    assert!(!item(&html, ours).contains("badge-guest"));
}

#[tokio::test]
async fn a_viewer_guest_sees_comments_but_no_forms_and_a_forged_post_is_refused() {
    let t = spawn_app().await;
    let space = t.space("CUV").await;
    let page = t.page(&space, None, "Plan").await;
    let top = comment_ok(&t, &t.admin, &space, &page, None, "For everyone").await;
    let vic = t.user("vic@partner.example", Role::Guest).await;
    assign_guest(&t, &space, "vic@partner.example", "viewer").await;
    let html = page_html(&t, &vic, &space, &page).await;
    assert!(item(&html, top).contains("For everyone"));
    for form in [
        "id=\"comment-body\"",
        "id=\"reply-body-",
        "id=\"edit-body-",
        "Delete comment",
        "/comments",
    ] {
        assert!(!html.contains(form), "{form} is offered to a viewer");
    }
    // Posting anyway, with the session's own CSRF token.
    let forged = comment(&t, &vic, &space, &page, None, "sneaky", "markdown").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.text().await.unwrap().contains("comment.create"));
    let forged = comment(&t, &vic, &space, &page, Some(top), "sneaky", "markdown").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // The missing permission is the answer, whatever the body.
    let forged = comment(&t, &vic, &space, &page, None, " ", "markdown").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.text().await.unwrap().contains("comment.create"));
    // A form rule break still says what is wrong, with no form to put it on.
    let token = csrf(&t, &vic).await;
    let malformed = post_form(
        &t,
        &vic,
        &format!("{}/comments", page_path(&space, &page)),
        &[("_csrf", &token), ("body", "x"), ("parentId", "abc")],
    )
    .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let html = malformed.text().await.unwrap();
    assert!(html.contains("`parentId` must be a comment id"), "{html}");
    assert!(!html.contains("id=\"comment-body\""));
    let token = csrf(&t, &vic).await;
    let delete = post_form(
        &t,
        &vic,
        &format!("{}/comments/{top}/delete", page_path(&space, &page)),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(delete.status(), StatusCode::FORBIDDEN);
    let stored = stored(&t, &page).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["status"], "current");
}

#[tokio::test]
async fn only_the_author_edits_and_a_stale_or_empty_edit_changes_nothing() {
    let t = spawn_app().await;
    let space = t.space("CUE").await;
    let page = t.page(&space, None, "Plan").await;
    let mia = t.user("mia@example.com", Role::Member).await;
    let bob = t.user("bob@example.com", Role::Member).await;
    let c = comment_ok(&t, &mia, &space, &page, None, "First take").await;
    let edit_path = format!("{}/comments/{c}/edit", page_path(&space, &page));
    let edit = |client: &Client, body: &'static str, version: &'static str| {
        let client = client.clone();
        let t = &t;
        let edit_path = edit_path.clone();
        async move {
            let token = csrf(t, &client).await;
            post_form(
                t,
                &client,
                &edit_path,
                &[
                    ("_csrf", token.as_str()),
                    ("body", body),
                    ("format", "markdown"),
                    ("version", version),
                ],
            )
            .await
        }
    };
    // Bob sees no edit form on Mia's comment, and his post is refused.
    assert!(!item(&page_html(&t, &bob, &space, &page).await, c).contains("edit-body-"));
    let refused = edit(&bob, "Bob was here", "2").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("comment.author"));
    // An empty body goes back to the form with its message.
    let empty = edit(&mia, "   ", "2").await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let html = empty.text().await.unwrap();
    assert!(html.contains("must not be empty"), "{html}");
    assert!(item(&html, c).contains("<details class=\"comment-form\" open>"));
    // The author's edit is saved and marked.
    let saved = edit(&mia, "Second take", "2").await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert!(location(&saved).ends_with(&format!("#comment-{c}")));
    // A stale version is a conflict, shown on the form, with the text kept.
    let stale = edit(&mia, "Third take", "2").await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(stale.text().await.unwrap().contains("Third take"));
    let html = page_html(&t, &bob, &space, &page).await;
    let shown = item(&html, c);
    assert!(
        shown.contains("Second take") && shown.contains(">edited<"),
        "{shown}"
    );
    let stored = stored(&t, &page).await;
    assert_eq!(stored[0]["version"]["number"], 2);
    assert_eq!(
        stored[0]["body"]["storage"]["value"]
            .as_str()
            .map(str::trim),
        Some("<p>Second take</p>")
    );
}

#[tokio::test]
async fn deleting_leaves_a_placeholder_only_where_replies_remain() {
    let t = spawn_app().await;
    let space = t.space("CUD").await;
    let page = t.page(&space, None, "Plan").await;
    let mia = t.user("mia@example.com", Role::Member).await;
    let top = comment_ok(&t, &mia, &space, &page, None, "Asked something").await;
    let reply = comment_ok(&t, &t.admin, &space, &page, Some(top), "Answered").await;
    let lone = comment_ok(&t, &mia, &space, &page, None, "Never mind").await;
    let token = csrf(&t, &mia).await;
    for c in [top, lone] {
        let deleted = post_form(
            &t,
            &mia,
            &format!("{}/comments/{c}/delete", page_path(&space, &page)),
            &[("_csrf", &token)],
        )
        .await;
        assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
        assert!(location(&deleted).ends_with("#comments"));
    }
    let html = page_html(&t, &mia, &space, &page).await;
    let placeholder = item(&html, top);
    assert!(placeholder.contains("This comment was deleted"));
    assert!(!placeholder.contains("Asked something") && !placeholder.contains("mia@"));
    assert!(!placeholder.contains("<form"), "{placeholder}");
    assert!(item(&html, reply).contains("Answered"));
    assert!(!html.contains(&format!("id=\"comment-{lone}\"")));
    assert!(html.contains("(1 comment)"));
    // Deleting it again is deleting something that isn't there.
    let again = post_form(
        &t,
        &mia,
        &format!("{}/comments/{top}/delete", page_path(&space, &page)),
        &[("_csrf", &token)],
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_html_in_a_comment_is_neutralised_in_the_page() {
    let t = spawn_app().await;
    let space = t.space("CUX").await;
    let page = t.page(&space, None, "Plan").await;
    let hostile = r#"<p>hi<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a></p>"#;
    for format in ["storage", "markdown"] {
        let response = comment(&t, &t.admin, &space, &page, None, hostile, format).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{format}");
    }
    let html = crate::harness::without_own_scripts(&page_html(&t, &t.admin, &space, &page).await);
    for bad in ["<script", "onerror", "javascript:alert"] {
        assert!(!html.contains(bad), "{bad} survived");
    }
    assert!(html.contains("hi"));
}

#[tokio::test]
async fn bad_bodies_and_parents_are_refused_on_the_form_and_write_nothing() {
    let t = spawn_app().await;
    let space = t.space("CUB").await;
    let page = t.page(&space, None, "Plan").await;
    let other = t.page(&space, None, "Other").await;
    let foreign = comment_ok(&t, &t.admin, &space, &other, None, "elsewhere").await;
    let long = "x".repeat(portico_app::MAX_COMMENT_BYTES + 1);
    let cases: [(Option<i64>, &str, &str, &str); 4] = [
        (None, "  \r\n ", "markdown", "must not be empty"),
        (None, &long, "markdown", "must be at most"),
        (None, "fine", "html", "`format` must be"),
        (Some(foreign), "fine", "markdown", "parentCommentId"),
    ];
    for (parent, body, format, message) in cases {
        let response = comment(&t, &t.admin, &space, &page, parent, body, format).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{message}");
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains("role=\"alert\""));
    }
    let token = csrf(&t, &t.admin).await;
    let malformed = post_form(
        &t,
        &t.admin,
        &format!("{}/comments", page_path(&space, &page)),
        &[("_csrf", &token), ("body", "fine"), ("parentId", "abc")],
    )
    .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(stored(&t, &page).await.is_empty());
    assert_eq!(stored(&t, &other).await.len(), 1);
}

#[tokio::test]
async fn posts_about_an_invisible_page_get_the_same_404_as_a_missing_one() {
    let t = spawn_app().await;
    let space = t.space("CUH").await;
    let page = t.page(&space, None, "Secret").await;
    let c = comment_ok(&t, &t.admin, &space, &page, None, "hush").await;
    let open = t.page(&space, None, "Open").await;
    let open_c = comment_ok(&t, &t.admin, &space, &open, None, "hello").await;
    let mia = t.user("mia@example.com", Role::Member).await;
    let admin = user_id(&t, "admin@example.com").await;
    let restricted = t
        .put_json(
            &t.admin,
            &format!("/api/portico/pages/{}/restrictions", id(&page)),
            &json!({ "view": [{ "type": "user", "id": admin }] }),
        )
        .await;
    assert_eq!(restricted.status(), StatusCode::OK);
    let token = csrf(&t, &mia).await;
    let base = page_path(&space, &page);
    let missing_base = format!(
        "/wiki/spaces/{}/pages/987654",
        space["key"].as_str().unwrap()
    );
    let send = |path: String| {
        let mia = mia.clone();
        let token = token.clone();
        let t = &t;
        async move {
            let response = post_form(
                t,
                &mia,
                &path,
                &[("_csrf", token.as_str()), ("body", "x"), ("version", "2")],
            )
            .await;
            (response.status(), response.text().await.unwrap())
        }
    };
    let missing = send(format!("{missing_base}/comments")).await;
    assert_eq!(missing.0, StatusCode::NOT_FOUND);
    for path in [
        format!("{base}/comments"),
        format!("{base}/comments/{c}/edit"),
        format!("{base}/comments/{c}/delete"),
        // A comment the caller sees, under another page's URL, is missing too.
        format!("{missing_base}/comments/{open_c}/delete"),
        format!("{missing_base}/comments/{open_c}/edit"),
    ] {
        assert_eq!(send(path.clone()).await, missing, "{path}");
    }
    for page in [&page, &open] {
        let stored = stored(&t, page).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["status"], "current");
        assert_eq!(stored[0]["version"]["number"], 1);
    }
}

//! Reactions and favourites over HTTP: reacting toggles one reaction per
//! person and emoji, on pages and on comments; counts include everyone but
//! names only people the reader may know (a guest: people who share a space
//! with them); unknown emoji are a 400; drafts, hidden pages and comments are
//! the plain 404. Favourites are listed through the reader's current access:
//! a page restricted afterwards drops out and comes back with access. The UI
//! forms do the same.

use portico_app::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, csrf, expect_error, id, post_form, spawn_app, user_id};

async fn send(t: &TestApp, client: &Client, method: Method, path: &str) -> reqwest::Response {
    client.request(method, t.url(path)).send().await.unwrap()
}

async fn json_of(t: &TestApp, client: &Client, path: &str) -> Value {
    let response = t.get(client, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

/// `(emoji, count, reacted, names)` per emoji of a reactions listing.
fn summary(list: &Value) -> Vec<(String, u64, bool, Vec<String>)> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["emoji"].as_str().unwrap().to_owned(),
                item["count"].as_u64().unwrap(),
                item["reacted"].as_bool().unwrap(),
                item["people"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["displayName"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

async fn assign(t: &TestApp, space: &Value, email: &str) {
    let guest = user_id(t, email).await;
    let response = t
        .put_json(
            &t.admin,
            &format!("/api/portico/spaces/{}/guests/{guest}", id(space)),
            &json!({ "role": "collaborator" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn reactions_toggle_and_name_only_people_the_reader_may_know() {
    let t = spawn_app().await;
    let shared = t.space("SHR").await;
    let page = t.page(&shared, None, "Launch").await;
    let member = t.user("mia@example.com", Role::Member).await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    assign(&t, &shared, "gus@partner.example").await;
    let reactions = format!("/api/portico/pages/{}/reactions", id(&page));

    for (client, emoji) in [(&member, "heart"), (&guest, "heart"), (&member, "tada")] {
        let done = send(&t, client, Method::PUT, &format!("{reactions}/{emoji}")).await;
        assert_eq!(done.status(), StatusCode::NO_CONTENT);
    }
    // Twice is once.
    let again = send(&t, &member, Method::PUT, &format!("{reactions}/heart")).await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    let seen = summary(&json_of(&t, &member, &reactions).await);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, "heart");
    assert_eq!((seen[0].1, seen[0].2), (2, true));
    assert_eq!(seen[1].0, "tada");
    assert_eq!((seen[1].1, seen[1].2), (1, true));

    // The member knows everyone by name. The guest counts the member's
    // reaction but may not learn her name: she sees the space through the
    // all-members grant, which never makes a guest's acquaintance (SPEC 3.3).
    assert_eq!(seen[0].3.len(), 2, "{seen:?}");
    let by_guest = summary(&json_of(&t, &guest, &reactions).await);
    assert_eq!(by_guest[0].1, 2);
    assert_eq!(by_guest[0].3, ["gus@partner.example"], "{by_guest:?}");
    assert_eq!((by_guest[1].1, by_guest[1].2), (1, false));
    assert!(by_guest[1].3.is_empty());
    let page_html = t
        .get(&guest, &format!("/wiki/spaces/SHR/pages/{}", id(&page)))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page_html.contains("mia@example.com"), "{page_html}");

    // Taking it back.
    let undone = send(&t, &member, Method::DELETE, &format!("{reactions}/heart")).await;
    assert_eq!(undone.status(), StatusCode::NO_CONTENT);
    let seen = summary(&json_of(&t, &member, &reactions).await);
    assert_eq!((seen[0].1, seen[0].2), (1, false));

    // Someone in another space can't see the page at all: 404, like a
    // missing page.
    t.space("OTH").await;
    let outsider = t.user("olga@elsewhere.example", Role::Guest).await;
    expect_error(
        send(&t, &outsider, Method::PUT, &format!("{reactions}/eyes")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(t.get(&outsider, &reactions).await, StatusCode::NOT_FOUND).await;

    // Bad input changes nothing.
    expect_error(
        send(&t, &member, Method::PUT, &format!("{reactions}/poop")).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect_error(
        send(
            &t,
            &member,
            Method::PUT,
            "/api/portico/pages/987654/reactions/heart",
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        send(
            &t,
            &member,
            Method::PUT,
            "/api/portico/pages/abc/reactions/heart",
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(
        t.anon.get(t.url(&reactions)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn comments_take_reactions_and_drafts_take_none() {
    let t = spawn_app().await;
    let space = t.space("CMT").await;
    let page = t.page(&space, None, "Notes").await;
    let member = t.user("mia@example.com", Role::Member).await;
    let created = t
        .post_json(
            &member,
            "/wiki/api/v2/footer-comments",
            &json!({ "pageId": id(&page), "body": { "representation": "storage", "value": "<p>Nice</p>" } }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let comment: Value = created.json().await.unwrap();
    let on_comment = format!("/api/portico/comments/{}/reactions", id(&comment));
    let done = send(&t, &t.admin, Method::PUT, &format!("{on_comment}/thumbsup")).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    let seen = summary(&json_of(&t, &member, &on_comment).await);
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].0.as_str(), seen[0].1), ("thumbsup", 1));
    // The page's own reactions are apart from its comments'.
    let on_page = json_of(
        &t,
        &member,
        &format!("/api/portico/pages/{}/reactions", id(&page)),
    )
    .await;
    assert_eq!(on_page["results"], json!([]));

    // A draft has no audience: reacting to it or starring it is 404, even
    // for its author.
    let draft = t
        .post_json(
            &member,
            "/wiki/api/v2/pages",
            &json!({ "spaceId": id(&space), "status": "draft", "title": "Unsure" }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    expect_error(
        send(
            &t,
            &member,
            Method::PUT,
            &format!("/api/portico/pages/{}/reactions/heart", id(&draft)),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(
        send(
            &t,
            &member,
            Method::PUT,
            &format!("/api/portico/pages/{}/favourite", id(&draft)),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // The UI's buttons post the same, to the page and to the comment.
    let token = csrf(&t, &member).await;
    let path = format!("/wiki/spaces/CMT/pages/{}/react", id(&page));
    let posted = post_form(
        &t,
        &member,
        &path,
        &[("_csrf", token.as_str()), ("emoji", "smile"), ("on", "1")],
    )
    .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let posted = post_form(
        &t,
        &member,
        &path,
        &[
            ("_csrf", token.as_str()),
            ("emoji", "thumbsup"),
            ("on", "1"),
            ("comment", &id(&comment)),
        ],
    )
    .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let seen = summary(&json_of(&t, &member, &on_comment).await);
    assert_eq!((seen[0].1, seen[0].2), (2, true));
    let view = t
        .get(&member, &format!("/wiki/spaces/CMT/pages/{}", id(&page)))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        view.contains(
            r#"class="reaction reaction-mine" aria-pressed="true" aria-label="smile: 1""#
        ),
        "{view}"
    );
    // Under the comment, its own buttons: thumbs up by the admin and the member.
    assert!(
        view.contains(&format!(r#"name="comment" value="{}""#, id(&comment))),
        "{view}"
    );
    assert!(
        view.contains(r#"aria-pressed="true" aria-label="thumbs up: 2""#),
        "{view}"
    );
    let bad = post_form(
        &t,
        &member,
        &path,
        &[("_csrf", token.as_str()), ("emoji", "smile"), ("on", "yes")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

fn titles(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn favourites_follow_the_readers_current_access() {
    let t = spawn_app().await;
    let space = t.space("FAV").await;
    let first = t.page(&space, None, "First").await;
    let second = t.page(&space, None, "Second").await;
    let guest = t.user("gus@partner.example", Role::Guest).await;
    assign(&t, &space, "gus@partner.example").await;
    for page in [&first, &second] {
        let starred = send(
            &t,
            &guest,
            Method::PUT,
            &format!("/api/portico/pages/{}/favourite", id(page)),
        )
        .await;
        assert_eq!(starred.status(), StatusCode::NO_CONTENT);
    }
    let listed = json_of(&t, &guest, "/api/portico/favourites").await;
    assert_eq!(titles(&listed), ["Second", "First"], "newest star first");
    let paged = json_of(&t, &guest, "/api/portico/favourites?limit=1").await;
    assert_eq!(titles(&paged), ["Second"]);
    let next = paged["_links"]["next"].as_str().unwrap().to_owned();
    assert_eq!(titles(&json_of(&t, &guest, &next).await), ["First"]);

    // A view restriction that leaves the guest out hides the star.
    let admin_id = user_id(&t, "admin@example.com").await;
    let restrict = |users: Value| json!({ "view": users });
    let path = format!("/api/portico/pages/{}/restrictions", id(&first));
    let restricted = t
        .put_json(
            &t.admin,
            &path,
            &restrict(json!([{ "type": "user", "id": admin_id }])),
        )
        .await;
    assert_eq!(
        restricted.status(),
        StatusCode::OK,
        "{}",
        restricted.text().await.unwrap()
    );
    let listed = json_of(&t, &guest, "/api/portico/favourites").await;
    assert_eq!(titles(&listed), ["Second"]);
    let html = t.get(&guest, "/favourites").await.text().await.unwrap();
    assert!(html.contains("Second") && !html.contains("First"), "{html}");
    expect_error(
        t.get(
            &guest,
            &format!("/api/portico/pages/{}/favourite", id(&first)),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Lifting it brings the star back.
    let lifted = t.put_json(&t.admin, &path, &restrict(json!([]))).await;
    assert_eq!(lifted.status(), StatusCode::OK);
    let listed = json_of(&t, &guest, "/api/portico/favourites").await;
    assert_eq!(titles(&listed), ["Second", "First"]);

    // Unstarring, and unassigning the guest empties the list.
    let unstarred = send(
        &t,
        &guest,
        Method::DELETE,
        &format!("/api/portico/pages/{}/favourite", id(&second)),
    )
    .await;
    assert_eq!(unstarred.status(), StatusCode::NO_CONTENT);
    let state = json_of(
        &t,
        &guest,
        &format!("/api/portico/pages/{}/favourite", id(&second)),
    )
    .await;
    assert_eq!(state, json!({ "favourite": false }));
    let gus = user_id(&t, "gus@partner.example").await;
    let unassigned = send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!("/api/portico/spaces/{}/guests/{gus}", id(&space)),
    )
    .await;
    assert!(unassigned.status().is_success());
    let listed = json_of(&t, &guest, "/api/portico/favourites").await;
    assert_eq!(titles(&listed), Vec::<String>::new());
    expect_error(
        t.get(&guest, "/api/portico/favourites?cursor=!!").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

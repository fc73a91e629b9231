//! Feeds over HTTP (SPEC 4): recently updated (site, space, person), the
//! home feed, a space's activity and popular labels show exactly what the
//! viewer may see — titles, names *and counts* — for a guest with one space,
//! a member under a page restriction, anonymous visitors (switch off and
//! on) and a deactivated user; paging works; bad input is a 4xx.

use portico_app::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, expect_error, id, spawn_app, user_id};

/// A world with a marker in every title:
/// - `SHARE` (members collaborate; guest Gus assigned): "Shared plan"
///   (labels `plans`, `sharedlabel`) and "Restricted memo" (view restricted
///   to the admin; labels `plans`, `hushlabel`);
/// - `OPEN` (members; anonymous may view): "Open roadmap" (labels `plans`,
///   `openlabel`), edited by Mia;
/// - `SECRET` (the admin only): "Secret merger" (label `secretlabel`),
///   edited by Dan before Dan is deactivated.
pub struct World {
    pub t: TestApp,
    pub share: Value,
    pub open: Value,
    pub secret: Value,
    pub shared: Value,
    pub memo: Value,
    pub roadmap: Value,
    pub merger: Value,
    pub mia: Client,
    pub gus: Client,
    pub dan: Client,
    pub mia_id: String,
    pub gus_id: String,
    pub dan_id: String,
    pub admin_id: String,
}

pub async fn send(
    t: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client.request(method, t.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

pub async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

pub async fn label(t: &TestApp, page: &Value, labels: &[&str]) {
    ok(t.post_json(
        &t.admin,
        &format!("/api/portico/pages/{}/labels", id(page)),
        &json!({ "labels": labels }),
    )
    .await)
    .await;
}

/// Saves a new version of `page` as `client`.
pub async fn edit(t: &TestApp, client: &Client, page: &Value, body: &str) -> Value {
    let current = t.fetch_page(page).await;
    let number = current["version"]["number"].as_i64().unwrap() + 1;
    ok(t.put_json(
        client,
        &format!("/wiki/api/v2/pages/{}", id(page)),
        &json!({ "id": id(page), "status": "current", "title": current["title"],
            "body": { "representation": "storage", "value": body },
            "version": { "number": number } }),
    )
    .await)
    .await
}

pub async fn set_anonymous_switch(t: &TestApp, on: bool) {
    let mut policies = t.get_json("/api/admin/policies").await;
    policies["anonymousAccess"] = json!(on);
    ok(t.put_json(&t.admin, "/api/admin/policies", &policies).await).await;
}

pub async fn world() -> World {
    let t = spawn_app().await;
    let admin_id = user_id(&t, "admin@example.com").await;
    let share = t.space("SHARE").await;
    let open = t.space("OPEN").await;
    let secret = t.space("SECRET").await;
    ok(send(
        &t,
        &t.admin,
        Method::DELETE,
        &format!(
            "/api/portico/spaces/{}/permissions/all-members/-",
            id(&secret)
        ),
        None,
    )
    .await)
    .await;
    ok(t.put_json(
        &t.admin,
        &format!("/api/portico/spaces/{}/permissions", id(&open)),
        &json!({ "principal": { "type": "anonymous" }, "role": "viewer" }),
    )
    .await)
    .await;
    let shared = t.page(&share, None, "Shared plan").await;
    let memo = t.page(&share, None, "Restricted memo").await;
    let roadmap = t.page(&open, None, "Open roadmap").await;
    let merger = t.page(&secret, None, "Secret merger").await;
    ok(t.put_json(
        &t.admin,
        &format!("/api/portico/pages/{}/restrictions", id(&memo)),
        &json!({ "view": [{ "type": "user", "id": admin_id }] }),
    )
    .await)
    .await;
    label(&t, &shared, &["plans", "sharedlabel"]).await;
    label(&t, &memo, &["plans", "hushlabel"]).await;
    label(&t, &roadmap, &["plans", "openlabel"]).await;
    label(&t, &merger, &["secretlabel"]).await;

    let mia = t.user("mia@example.com", Role::Member).await;
    let gus = t.user("gus@partner.example", Role::Guest).await;
    let dan = t.user("dan@example.com", Role::Member).await;
    let mia_id = user_id(&t, "mia@example.com").await;
    let gus_id = user_id(&t, "gus@partner.example").await;
    let dan_id = user_id(&t, "dan@example.com").await;
    ok(t.put_json(
        &t.admin,
        &format!("/api/portico/spaces/{}/guests/{gus_id}", id(&share)),
        &json!({}),
    )
    .await)
    .await;
    // Dan may write in SECRET, does, and is then deactivated.
    ok(t.put_json(
        &t.admin,
        &format!("/api/portico/spaces/{}/permissions", id(&secret)),
        &json!({ "principal": { "type": "user", "id": dan_id }, "role": "collaborator" }),
    )
    .await)
    .await;
    edit(&t, &mia, &roadmap, "<p>Open roadmap by Mia</p>").await;
    edit(&t, &dan, &merger, "<p>Secret merger by Dan</p>").await;
    ok(send(
        &t,
        &t.admin,
        Method::POST,
        &format!("/api/admin/users/{dan_id}/deactivate"),
        None,
    )
    .await)
    .await;
    World {
        t,
        share,
        open,
        secret,
        shared,
        memo,
        roadmap,
        merger,
        mia,
        gus,
        dan,
        mia_id,
        gus_id,
        dan_id,
        admin_id,
    }
}

/// The titles of a feed's entries, in order.
pub fn titles(feed: &Value) -> Vec<String> {
    feed["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["content"]["title"].as_str().unwrap().to_owned())
        .collect()
}

pub const HIDDEN_FROM_MEMBER: &[&str] = &[
    "Restricted memo",
    "Secret merger",
    "hushlabel",
    "secretlabel",
    "dan@example.com",
];
pub const HIDDEN_FROM_GUEST: &[&str] = &[
    "Restricted memo",
    "Secret merger",
    "Open roadmap",
    "hushlabel",
    "secretlabel",
    "openlabel",
    "dan@example.com",
    "mia@example.com",
    "OPEN",
    "SECRET",
];

pub fn assert_hides(text: &str, hidden: &[&str], who: &str) {
    for marker in hidden {
        assert!(!text.contains(marker), "{who} sees `{marker}` in {text}");
    }
}

async fn text_of(t: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let response = t.get(client, path).await;
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn recently_updated_shows_each_viewer_exactly_what_they_may_see() {
    let w = world().await;
    let t = &w.t;
    let recent = "/api/portico/feeds/recent";

    // The admin: every save (3 home pages, 4 pages, 2 edits), newest first.
    let all = t.get_json(recent).await;
    assert_eq!(
        titles(&all),
        [
            "Secret merger",
            "Open roadmap",
            "Secret merger",
            "Open roadmap",
            "Restricted memo",
            "Shared plan",
            "Space SECRET",
            "Space OPEN",
            "Space SHARE",
        ]
    );
    assert_eq!(all["results"][0]["change"], "updated");
    assert_eq!(all["results"][5]["change"], "created");
    assert_eq!(all["results"].as_array().unwrap().len(), 9);
    assert_eq!(all["results"][1]["by"]["displayName"], "mia@example.com");
    // Dan is deactivated: his save shows, his name doesn't.
    assert!(
        all["results"][0].get("by").is_none(),
        "{}",
        all["results"][0]
    );

    // A member under a page restriction: not the memo, not SECRET.
    let (status, text) = text_of(t, &w.mia, recent).await;
    assert_eq!(status, StatusCode::OK);
    let feed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        titles(&feed),
        [
            "Open roadmap",
            "Open roadmap",
            "Shared plan",
            "Space OPEN",
            "Space SHARE"
        ]
    );
    assert_hides(&text, HIDDEN_FROM_MEMBER, "member");

    // The guest: their space's visible page only, and no one outside it.
    let (status, text) = text_of(t, &w.gus, recent).await;
    assert_eq!(status, StatusCode::OK);
    let feed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(titles(&feed), ["Shared plan", "Space SHARE"]);
    assert_eq!(feed["results"][0]["by"]["displayName"], "Ada Admin");
    assert_hides(&text, HIDDEN_FROM_GUEST, "guest");

    // Anonymous, and the deactivated user (whose session is over): nothing
    // while the switch is off; OPEN only when on.
    expect_error(t.get(&t.anon, recent).await, StatusCode::UNAUTHORIZED).await;
    expect_error(t.get(&w.dan, recent).await, StatusCode::UNAUTHORIZED).await;
    set_anonymous_switch(t, true).await;
    let (status, text) = text_of(t, &t.anon, recent).await;
    assert_eq!(status, StatusCode::OK);
    let feed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        titles(&feed),
        ["Open roadmap", "Open roadmap", "Space OPEN"]
    );
    // Anonymous visitors know no one.
    assert!(
        feed["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("by").is_none()),
        "{text}"
    );
    assert_hides(
        &text,
        &[
            "Shared plan",
            "Restricted memo",
            "Secret merger",
            "mia@example.com",
        ],
        "anonymous",
    );

    // Deactivated, Dan reads as an anonymous visitor: not SECRET, which he wrote in.
    let (status, text) = text_of(t, &w.dan, recent).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        titles(&serde_json::from_str(&text).unwrap()),
        ["Open roadmap", "Open roadmap", "Space OPEN"]
    );
    assert_hides(&text, &["Secret merger", "Shared plan"], "deactivated");
}

#[tokio::test]
async fn recently_updated_pages_filters_and_refuses_bad_input() {
    let w = world().await;
    let t = &w.t;

    // Paging: one at a time, following `_links.next`, gives the same list.
    let mut path = "/api/portico/feeds/recent?limit=1".to_owned();
    let mut seen = Vec::new();
    loop {
        let response = t.get(&w.mia, &path).await;
        assert_eq!(response.status(), StatusCode::OK);
        let has_link = response.headers().contains_key("link");
        let page: Value = response.json().await.unwrap();
        seen.extend(titles(&page));
        match page["_links"]["next"].as_str() {
            Some(next) => {
                assert!(has_link);
                path = next.to_owned();
            }
            None => break,
        }
        assert!(seen.len() < 10, "paging never ends");
    }
    assert_eq!(
        seen,
        [
            "Open roadmap",
            "Open roadmap",
            "Shared plan",
            "Space OPEN",
            "Space SHARE"
        ]
    );

    // By space: SHARE for the member holds the plan only (the memo is hidden).
    let share = t
        .get(
            &w.mia,
            &format!("/api/portico/feeds/recent?space={}", id(&w.share)),
        )
        .await;
    assert_eq!(
        titles(&share.json().await.unwrap()),
        ["Shared plan", "Space SHARE"]
    );
    // A hidden space answers like a missing one.
    let hidden = t
        .get(
            &w.mia,
            &format!("/api/portico/feeds/recent?space={}", id(&w.secret)),
        )
        .await;
    let missing = t
        .get(&w.mia, "/api/portico/feeds/recent?space=987654")
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());

    // By person: Mia's own saves; for the guest, Mia is unknown, like no one.
    let by_mia = t
        .get_json(&format!("/api/portico/feeds/recent?user={}", w.mia_id))
        .await;
    assert_eq!(titles(&by_mia), ["Open roadmap"]);
    let unknown = t
        .get(
            &w.gus,
            &format!("/api/portico/feeds/recent?user={}", w.mia_id),
        )
        .await;
    let nobody = t.get(&w.gus, "/api/portico/feeds/recent?user=987654").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(unknown.text().await.unwrap(), nobody.text().await.unwrap());
    // The admin's saves, as the member sees them: not the memo or SECRET.
    let by_admin = t
        .get(
            &w.mia,
            &format!("/api/portico/feeds/recent?user={}", w.admin_id),
        )
        .await;
    let text = by_admin.text().await.unwrap();
    let feed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        titles(&feed),
        ["Open roadmap", "Shared plan", "Space OPEN", "Space SHARE"]
    );
    assert_hides(&text, HIDDEN_FROM_MEMBER, "member");

    for bad in [
        "cursor=garbage!",
        "limit=0",
        "limit=251",
        "space=abc",
        "user=x",
    ] {
        let response = t
            .get(&w.mia, &format!("/api/portico/feeds/recent?{bad}"))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn popular_labels_count_visible_pages_only() {
    let w = world().await;
    let t = &w.t;
    let labels = |v: &Value| -> Vec<(String, i64)> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["name"].as_str().unwrap().to_owned(),
                    l["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let pairs = |list: &[(&str, i64)]| -> Vec<(String, i64)> {
        list.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect()
    };
    let all = t.get_json("/api/portico/feeds/labels").await;
    assert_eq!(
        labels(&all),
        pairs(&[
            ("plans", 3),
            ("hushlabel", 1),
            ("openlabel", 1),
            ("secretlabel", 1),
            ("sharedlabel", 1)
        ])
    );
    let text = t
        .get(&w.mia, "/api/portico/feeds/labels")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        labels(&serde_json::from_str(&text).unwrap()),
        pairs(&[("plans", 2), ("openlabel", 1), ("sharedlabel", 1)])
    );
    assert_hides(&text, HIDDEN_FROM_MEMBER, "member");
    let text = t
        .get(&w.gus, "/api/portico/feeds/labels")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        labels(&serde_json::from_str(&text).unwrap()),
        pairs(&[("plans", 1), ("sharedlabel", 1)])
    );
    assert_hides(&text, HIDDEN_FROM_GUEST, "guest");
    // Per space.
    let share = t
        .get(
            &w.mia,
            &format!("/api/portico/feeds/labels?space={}", id(&w.share)),
        )
        .await;
    assert_eq!(
        labels(&share.json().await.unwrap()),
        pairs(&[("plans", 1), ("sharedlabel", 1)])
    );
    let hidden = t
        .get(
            &w.gus,
            &format!("/api/portico/feeds/labels?space={}", id(&w.open)),
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    // The UI: `/wiki/labels` and the space's recent changes.
    let (status, html) = text_of(t, &w.gus, "/wiki/labels").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("sharedlabel"), "{html}");
    assert_hides(&html, HIDDEN_FROM_GUEST, "guest");
    let (status, html) = text_of(t, &w.mia, "/wiki/spaces/SHARE/recent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Shared plan") && html.contains("sharedlabel"),
        "{html}"
    );
    assert_hides(&html, HIDDEN_FROM_MEMBER, "member");
}

#[tokio::test]
async fn space_activity_lists_saves_and_comments_on_visible_pages_only() {
    let w = world().await;
    let t = &w.t;
    for (page, text) in [
        (&w.shared, "<p>visible note</p>"),
        (&w.memo, "<p>hush note</p>"),
    ] {
        ok(t.post_json(
            &t.admin,
            "/wiki/api/v2/footer-comments",
            &json!({ "pageId": id(page), "body": { "representation": "storage", "value": text } }),
        )
        .await)
        .await;
    }
    let path = format!("/api/portico/spaces/{}/activity", id(&w.share));
    let all = t.get_json(&path).await;
    // Two comments, two pages and the home page.
    assert_eq!(all["results"].as_array().unwrap().len(), 5, "{all}");
    assert_eq!(all["results"][0]["action"], "commented");
    assert_eq!(all["results"][0]["content"]["title"], "Restricted memo");

    let text = t.get(&w.mia, &path).await.text().await.unwrap();
    let feed: Value = serde_json::from_str(&text).unwrap();
    let actions: Vec<(String, String)> = feed["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["content"]["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("commented".to_owned(), "Shared plan".to_owned()),
            ("created".to_owned(), "Shared plan".to_owned()),
            ("created".to_owned(), "Space SHARE".to_owned()),
        ]
    );
    assert_hides(&text, HIDDEN_FROM_MEMBER, "member");
    let text = t.get(&w.gus, &path).await.text().await.unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["results"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_hides(&text, HIDDEN_FROM_GUEST, "guest");

    // Paging by cursor.
    let first = t
        .get(&w.mia, &format!("{path}?limit=1"))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let next = first["_links"]["next"].as_str().unwrap().to_owned();
    let second = t.get(&w.mia, &next).await.json::<Value>().await.unwrap();
    assert_eq!(second["results"][0]["action"], "created");
    let next = second["_links"]["next"].as_str().unwrap().to_owned();
    let third = t.get(&w.mia, &next).await.json::<Value>().await.unwrap();
    assert_eq!(third["results"][0]["content"]["title"], "Space SHARE");
    assert!(third["_links"].get("next").is_none(), "{third}");

    // Hidden and missing spaces are alike; bad cursors are refused.
    let hidden = t
        .get(
            &w.gus,
            &format!("/api/portico/spaces/{}/activity", id(&w.open)),
        )
        .await;
    let missing = t.get(&w.gus, "/api/portico/spaces/987654/activity").await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
    let bad = t.get(&w.mia, &format!("{path}?cursor=nope")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // The UI page.
    let (status, html) = text_of(t, &w.mia, "/wiki/spaces/SHARE/activity").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Shared plan"), "{html}");
    assert_hides(&html, HIDDEN_FROM_MEMBER, "member");
    let (hidden, hidden_html) = text_of(t, &w.mia, "/wiki/spaces/SECRET/activity").await;
    let (missing, missing_html) = text_of(t, &w.mia, "/wiki/spaces/NOPE/activity").await;
    assert_eq!(
        (hidden, missing),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(hidden_html, missing_html);
}

#[tokio::test]
async fn the_home_feed_shows_what_each_viewer_may_see() {
    let w = world().await;
    let t = &w.t;
    // Mia watches SHARE: the admin's later edit of the plan is "what you watch".
    ok(send(
        t,
        &w.mia,
        Method::PUT,
        &format!("/api/portico/spaces/{}/watch", id(&w.share)),
        None,
    )
    .await)
    .await;
    edit(t, &t.admin, &w.shared, "<p>Shared plan, second cut</p>").await;
    edit(t, &t.admin, &w.memo, "<p>hush, second cut</p>").await;

    let (status, html) = text_of(t, &w.mia, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Recently updated")
            && html.contains("Shared plan")
            && html.contains("Open roadmap"),
        "{html}"
    );
    let watched = &html[html.find("id=\"watched\"").unwrap()..];
    assert!(watched.contains("Shared plan"), "{watched}");
    let mine = &html[html.find("id=\"your-work\"").unwrap()..html.find("id=\"watched\"").unwrap()];
    assert!(
        mine.contains("Open roadmap") && !mine.contains("Shared plan"),
        "{mine}"
    );
    assert!(html.contains("sharedlabel"));
    assert_hides(&html, HIDDEN_FROM_MEMBER, "member");

    let (status, html) = text_of(t, &w.gus, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Shared plan"), "{html}");
    assert_hides(&html, HIDDEN_FROM_GUEST, "guest");

    // A guest with no space: the "nothing shared yet" page, no content.
    let lone = t.user("lone@partner.example", Role::Guest).await;
    let (status, html) = text_of(t, &lone, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("nothing-shared"), "{html}");
    assert_hides(
        &html,
        &["Shared plan", "Open roadmap", "plans", "Ada Admin"],
        "lone guest",
    );

    // Anonymous: the sign-in page while the switch is off, OPEN when on.
    let response = t.get(&t.anon, "/").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    set_anonymous_switch(t, true).await;
    let (status, html) = text_of(t, &t.anon, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Open roadmap"), "{html}");
    assert_hides(
        &html,
        &[
            "Shared plan",
            "Restricted memo",
            "Secret merger",
            "mia@example.com",
            "sharedlabel",
        ],
        "anonymous",
    );
}

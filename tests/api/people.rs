//! The people directory and profiles over HTTP (SPEC 3.3, 4): members
//! search the directory (no e-mails, no deactivated people); guests and
//! anonymous visitors get the plain 404; a guest opens only the profiles of
//! people who share a space with them; a profile's activity is filtered by
//! the *viewer's* access.

use reqwest::StatusCode;
use serde_json::Value;

use crate::feeds::{
    HIDDEN_FROM_GUEST, HIDDEN_FROM_MEMBER, assert_hides, set_anonymous_switch, titles, world,
};

fn names(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["displayName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn members_search_the_directory_and_others_get_the_plain_404() {
    let w = world().await;
    let t = &w.t;
    let response = t.get(&w.mia, "/api/portico/people").await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    // By name; Dan is deactivated and not listed; the guest carries the badge.
    assert_eq!(
        names(&list),
        ["Ada Admin", "gus@partner.example", "mia@example.com"]
    );
    let gus = &list["results"][1];
    assert_eq!(gus["isGuest"], true);
    assert_eq!(gus["accountType"], "guest");
    assert!(!text.contains("\"email\""), "no e-mail field: {text}");
    assert!(!text.contains("dan@example.com"), "{text}");

    let found = t
        .get(&w.mia, "/api/portico/people?q=MIA")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(names(&found), ["mia@example.com"]);
    let none = t
        .get(&w.mia, "/api/portico/people?q=zzz")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(names(&none).is_empty());
    // Members can't find people by e-mail (only by name): Ada's address.
    let by_mail = t
        .get(&w.mia, "/api/portico/people?q=admin@")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert!(names(&by_mail).is_empty(), "{by_mail}");

    // Paging.
    let first = t
        .get(&w.mia, "/api/portico/people?limit=2")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(names(&first).len(), 2);
    let next = first["_links"]["next"].as_str().unwrap().to_owned();
    let second = t.get(&w.mia, &next).await.json::<Value>().await.unwrap();
    assert_eq!(names(&second), ["mia@example.com"]);
    for bad in ["cursor=nope", "limit=0", &format!("q={}", "x".repeat(101))] {
        let response = t.get(&w.mia, &format!("/api/portico/people?{bad}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }

    // Guests and anonymous visitors: the plain 404, like an unknown route.
    let unknown_route = t
        .get(&w.gus, "/api/portico/no-such-thing")
        .await
        .text()
        .await
        .unwrap();
    let guest = t.get(&w.gus, "/api/portico/people?q=mia").await;
    assert_eq!(guest.status(), StatusCode::NOT_FOUND);
    assert_eq!(guest.text().await.unwrap(), unknown_route);
    let page = t.get(&w.gus, "/wiki/people").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert_hides(&page.text().await.unwrap(), HIDDEN_FROM_GUEST, "guest");
    set_anonymous_switch(t, true).await;
    let anonymous = t.get(&t.anon, "/api/portico/people").await;
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&t.anon, "/wiki/people").await.status(),
        StatusCode::NOT_FOUND
    );

    // The directory page for members.
    let html = t
        .get(&w.mia, "/wiki/people?q=gus")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("gus@partner.example") && html.contains("badge-guest"),
        "{html}"
    );
}

#[tokio::test]
async fn profiles_show_only_people_the_viewer_may_know_and_activity_they_may_see() {
    let w = world().await;
    let t = &w.t;
    let profile = |id: &str| format!("/api/portico/people/{id}");

    // A member sees Ada's profile, with Ada's saves they can view only.
    let response = t.get(&w.mia, &profile(&w.admin_id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let ada: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ada["displayName"], "Ada Admin");
    assert_eq!(ada["isGuest"], false);
    let recent = serde_json::json!({ "results": ada["recent"] });
    assert_eq!(
        titles(&recent),
        ["Open roadmap", "Shared plan", "Space OPEN", "Space SHARE"]
    );
    assert_hides(&text, HIDDEN_FROM_MEMBER, "member");
    assert!(!text.contains("admin@example.com"), "no e-mail: {text}");

    // The guest: Ada shares their space (she wrote its page); Mia doesn't.
    let response = t.get(&w.gus, &profile(&w.admin_id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let ada: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        titles(&serde_json::json!({ "results": ada["recent"] })),
        ["Shared plan", "Space SHARE"]
    );
    assert_hides(&text, HIDDEN_FROM_GUEST, "guest");
    let hidden = t.get(&w.gus, &profile(&w.mia_id)).await;
    let missing = t.get(&w.gus, &profile("987654")).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), missing.text().await.unwrap());
    // Their own profile, with the guest badge.
    let me = t
        .get(&w.gus, &profile(&w.gus_id))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(me["isGuest"], true);

    // A deactivated person's profile is 404 to everyone, like no one.
    let gone = t.get(&w.mia, &profile(&w.dan_id)).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&t.admin, &profile(&w.dan_id)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&w.mia, &profile("x")).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.get(&w.mia, &format!("{}?cursor=bad", profile(&w.admin_id)))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    // Paging a profile's activity.
    let first = t
        .get(&w.mia, &format!("{}?limit=1", profile(&w.admin_id)))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let next = first["_links"]["next"].as_str().unwrap().to_owned();
    let second = t.get(&w.mia, &next).await.json::<Value>().await.unwrap();
    assert_eq!(
        titles(&serde_json::json!({ "results": second["recent"] })),
        ["Shared plan"]
    );

    // The UI: the same rules, the same 404 page for hidden and missing.
    let html = t
        .get(&w.gus, &format!("/wiki/people/{}", w.admin_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Ada Admin") && html.contains("Shared plan"),
        "{html}"
    );
    assert_hides(&html, HIDDEN_FROM_GUEST, "guest");
    let hidden = t.get(&w.gus, &format!("/wiki/people/{}", w.mia_id)).await;
    let missing = t.get(&w.gus, "/wiki/people/987654").await;
    let malformed = t.get(&w.gus, "/wiki/people/nobody").await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let hidden = hidden.text().await.unwrap();
    assert_eq!(hidden, missing.text().await.unwrap());
    assert_eq!(hidden, malformed.text().await.unwrap());
    let html = t
        .get(&w.mia, &format!("/wiki/people/{}", w.gus_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("badge-guest"), "{html}");

    // Anonymous visitors know no one.
    set_anonymous_switch(t, true).await;
    assert_eq!(
        t.get(&t.anon, &profile(&w.admin_id)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_v1_user_search_follows_the_directory_rules() {
    let w = world().await;
    let t = &w.t;
    let path = "/wiki/rest/api/search/user?cql=user.fullname~%22mia%22";
    let response = t.get(&w.mia, path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let found: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(found["size"], 1);
    assert_eq!(
        found["results"][0]["user"]["displayName"],
        "mia@example.com"
    );
    assert!(!text.contains("\"email\""), "{text}");
    let everyone = t
        .get(
            &w.mia,
            "/wiki/rest/api/search/user?cql=user.fullname~%22%22",
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(everyone["size"], 3, "no deactivated Dan: {everyone}");
    assert_eq!(t.get(&w.gus, path).await.status(), StatusCode::NOT_FOUND);
    let bad = t
        .get(&w.mia, "/wiki/rest/api/search/user?cql=type%3Dpage")
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

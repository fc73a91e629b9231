//! Search (SPEC 4): the index follows the journal, every query holds the
//! viewer's access set, and the index survives a restart and a lost folder.

use portico_app::{
    App, AppError, Grantee, NewPage, Page, PageUpdate, RestrictionChange, Role, SearchKind,
    SearchLocation, SearchRequest, SearchResults, Settings, Space, UserId, Viewer,
};

use crate::harness::{World, storage, world};

fn request(text: &str) -> SearchRequest {
    SearchRequest {
        text: text.to_owned(),
        limit: 50,
        ..SearchRequest::default()
    }
}

async fn search(app: &App, viewer: &Viewer, text: &str) -> SearchResults {
    app.search(viewer, request(text)).await.unwrap()
}

/// (kind, id) of every hit.
async fn found(app: &App, viewer: &Viewer, text: &str) -> Vec<(SearchKind, i64)> {
    let results = search(app, viewer, text).await;
    assert_eq!(
        results.total,
        results.results.len(),
        "one page holds them all"
    );
    results.results.iter().map(|r| (r.kind, r.id)).collect()
}

async fn page_with(
    w: &World,
    space: &Space,
    parent: Option<Page>,
    title: &str,
    body: &str,
) -> Page {
    w.app
        .create_page(
            &w.admin,
            NewPage {
                space_id: space.id,
                parent_id: parent.map(|p| p.id),
                title: title.into(),
                body: storage(body),
                draft: false,
            },
        )
        .await
        .unwrap()
}

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

#[tokio::test]
async fn finds_pages_and_comments_and_follows_every_change() {
    let w = world().await;
    let space = w.space("FIND").await;
    let page = page_with(
        &w,
        &space,
        None,
        "Quarterly roadmap",
        "<p>zebra crossing</p>",
    )
    .await;
    let comment = w
        .app
        .add_comment(&w.admin, page.id, None, storage("<p>a walrus remark</p>"))
        .await
        .unwrap();
    assert_eq!(
        found(&w.app, &w.admin, "roadmap").await,
        vec![(SearchKind::Page, page.id.0)]
    );
    assert_eq!(
        found(&w.app, &w.admin, "walrus").await,
        vec![(SearchKind::Comment, comment.id)]
    );
    // An edit replaces the old words at once.
    w.app
        .update_page(
            &w.admin,
            page.id,
            PageUpdate {
                title: "Quarterly roadmap".into(),
                body: storage("<p>okapi</p>"),
                version: 2,
                message: String::new(),
                publish: true,
            },
        )
        .await
        .unwrap();
    assert!(found(&w.app, &w.admin, "zebra").await.is_empty());
    assert_eq!(
        found(&w.app, &w.admin, "okapi").await,
        vec![(SearchKind::Page, page.id.0)]
    );
    // Trashing takes the page and its comments out.
    w.app.delete_page(&w.admin, page.id).await.unwrap();
    assert!(found(&w.app, &w.admin, "okapi").await.is_empty());
    assert!(found(&w.app, &w.admin, "walrus").await.is_empty());
}

#[tokio::test]
async fn a_guest_finds_only_their_space_and_counts_only_that() {
    let w = world().await;
    let shared = w.space("SHR").await;
    let internal = w.space("INT").await;
    let visible = page_with(&w, &shared, None, "Shared", "<p>narwhal plan</p>").await;
    for i in 0..3 {
        page_with(
            &w,
            &internal,
            None,
            &format!("Internal {i}"),
            "<p>narwhal secret</p>",
        )
        .await;
    }
    let guest = w.guest_in("g@partner.example", &shared).await;
    let results = search(&w.app, &guest, "narwhal").await;
    assert_eq!(results.total, 1);
    assert_eq!(results.results[0].page.id, visible.id.0);
    assert_eq!(search(&w.app, &w.admin, "narwhal").await.total, 4);
    // Naming the hidden space finds nothing, exactly as an unknown key does.
    let named = |key: &str| SearchRequest {
        space_keys: vec![key.to_owned()],
        ..request("narwhal")
    };
    let hidden = w.app.search(&guest, named("INT")).await.unwrap();
    let missing = w.app.search(&guest, named("NOPE")).await.unwrap();
    assert_eq!((hidden.total, missing.total), (0, 0));
}

#[tokio::test]
async fn a_new_restriction_hides_the_subtree_from_the_next_search() {
    let w = world().await;
    let space = w.space("RST").await;
    let member = w.user("m@example.com", Role::Member).await;
    let parent = page_with(&w, &space, None, "Parent", "<p>axolotl one</p>").await;
    let child = page_with(
        &w,
        &space,
        Some(parent.clone()),
        "Child",
        "<p>axolotl two</p>",
    )
    .await;
    assert_eq!(search(&w.app, &member, "axolotl").await.total, 2);
    w.app
        .set_page_restrictions(
            &w.admin,
            parent.id,
            RestrictionChange {
                view: Some(vec![Grantee::User(id(&w.admin))]),
                edit: None,
            },
        )
        .await
        .unwrap();
    // One hit per page: were the index stale, the total (counted in the
    // index) would still count the page the database check drops.
    let one = SearchRequest {
        limit: 1,
        ..request("axolotl")
    };
    let after = w.app.search(&member, one).await.unwrap();
    assert_eq!((after.total, after.results.len()), (0, 0));
    let mut admin_sees: Vec<i64> = found(&w.app, &w.admin, "axolotl")
        .await
        .iter()
        .map(|h| h.1)
        .collect();
    admin_sees.sort();
    assert_eq!(admin_sees, vec![parent.id.0, child.id.0]);
}

#[tokio::test]
async fn cql_filters_and_refusals() {
    let w = world().await;
    let docs = w.space("DOC").await;
    let ops = w.space("OPS").await;
    let labelled = page_with(&w, &docs, None, "Launch checklist", "<p>gecko</p>").await;
    page_with(&w, &ops, None, "Ops launch", "<p>gecko</p>").await;
    w.app
        .add_labels(&w.admin, labelled.id, &["release".to_owned()])
        .await
        .unwrap();
    let cql = |q: &'static str| {
        let app = w.app.clone();
        let admin = w.admin.clone();
        async move { app.search_cql(&admin, q, 0, 25).await }
    };
    let ids = |r: SearchResults| r.results.iter().map(|h| h.page.id).collect::<Vec<_>>();
    assert_eq!(
        ids(cql("space = DOC AND text ~ gecko").await.unwrap()),
        vec![labelled.id.0]
    );
    assert_eq!(
        ids(cql("label = release").await.unwrap()),
        vec![labelled.id.0]
    );
    assert_eq!(
        ids(cql("title ~ checklist AND type = page").await.unwrap()),
        vec![labelled.id.0]
    );
    assert_eq!(
        cql("text ~ gecko AND space NOT IN (DOC)")
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        cql("type = comment AND text ~ gecko").await.unwrap().total,
        0
    );
    for bad in [
        "favourite = x",
        "space = A OR space = B",
        "type = space",
        "creator = me",
    ] {
        assert!(
            matches!(cql(bad).await, Err(AppError::Invalid(_))),
            "{bad} is refused as invalid"
        );
    }
}

#[tokio::test]
async fn filtering_by_someone_the_guest_may_not_know_finds_nothing() {
    let w = world().await;
    let shared = w.space("KNW").await;
    let member = w.user("writer@example.com", Role::Member).await;
    let page = page_with(&w, &shared, None, "Topic", "<p>tapir</p>").await;
    // The member comments through the all-members grant: the guest sees the
    // comment but may not know who wrote it.
    w.app
        .add_comment(&member, page.id, None, storage("<p>tapir note</p>"))
        .await
        .unwrap();
    let guest = w.guest_in("g2@partner.example", &shared).await;
    let by = |person: &Viewer| SearchRequest {
        contributor: Some(id(person)),
        ..request("tapir")
    };
    assert_eq!(w.app.search(&w.admin, by(&member)).await.unwrap().total, 1);
    assert_eq!(w.app.search(&guest, by(&member)).await.unwrap().total, 0);
    assert_eq!(search(&w.app, &guest, "tapir").await.total, 2);
}

#[tokio::test]
async fn the_index_resumes_from_its_journal_position_and_rebuilds_when_lost() {
    let w = world().await;
    let folder = std::env::temp_dir().join(format!(
        "portico-app-search-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    let on_disk = || {
        App::new(
            w.store.clone(),
            w.clock.clone(),
            Settings {
                search_index: SearchLocation::Disk(folder.clone()),
                ..Settings::default()
            },
        )
    };
    let space = w.space("DSK").await;
    page_with(&w, &space, None, "First", "<p>quokka</p>").await;
    {
        let first = on_disk();
        assert_eq!(search(&first, &w.admin, "quokka").await.total, 1);
    }
    // Written while no process followed the journal (the last one stopped).
    page_with(&w, &space, None, "Second", "<p>quokka</p>").await;
    {
        let second = on_disk();
        let state = second.catch_up_search_index().await.unwrap();
        let head = portico_store::journal::head(w.store.read()).await.unwrap();
        assert_eq!(state.position, head, "caught up to the journal's head");
        assert_eq!(search(&second, &w.admin, "quokka").await.total, 2);
    }
    // The folder is lost: the next process builds it again from the database.
    std::fs::remove_dir_all(&folder).unwrap();
    {
        let third = on_disk();
        assert_eq!(search(&third, &w.admin, "quokka").await.total, 2);
        let rebuilt = third.rebuild_search_index(&mut ()).await.unwrap();
        assert!(rebuilt.built);
        assert_eq!(search(&third, &w.admin, "quokka").await.total, 2);
    }
    std::fs::remove_dir_all(&folder).ok();
}

#[tokio::test]
async fn bad_requests_change_nothing_and_say_why() {
    let w = world().await;
    let too_long = SearchRequest {
        text: "x".repeat(portico_app::MAX_SEARCH_TEXT + 1),
        ..request("")
    };
    let deep = SearchRequest {
        offset: portico_app::MAX_WINDOW,
        ..request("x")
    };
    let none = SearchRequest {
        limit: 0,
        ..request("x")
    };
    for bad in [too_long, deep, none] {
        assert!(matches!(
            w.app.search(&w.admin, bad).await,
            Err(AppError::Invalid(_))
        ));
    }
    assert!(matches!(
        w.app
            .search_cql(&w.admin, "lastmodified > \"yesterday\"", 0, 10)
            .await,
        Err(AppError::Invalid(_))
    ));
}

//! The generated S world: documented counts, the same rows from the same
//! seed, and a guest who sees their one space only — read back through the
//! product's own use cases.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::sync::Arc;

use portico_app::{App, AppError, PageId, Settings, SpaceFilter, SystemClock, Viewer};
use portico_demo::{Options, Report, Size};
use portico_store::Store;
use portico_store::testing::TestDatabase;

async fn generate(seed: u64) -> (TestDatabase, Store, App, Report) {
    let db = TestDatabase::create().await.expect("test database");
    let store = Store::open(&db.url).await.expect("store");
    let app = App::new(store.clone(), Arc::new(SystemClock), Settings::default());
    let report = portico_demo::generate(
        &app,
        &store,
        &Options {
            size: Size::S,
            seed,
            progress: false,
        },
    )
    .await
    .expect("the world is generated");
    (db, store, app, report)
}

async fn viewer(app: &App, email: &str, token: &str) -> Viewer {
    app.authenticate_token(Some(email), token)
        .await
        .unwrap()
        .expect("the printed token signs in")
}

#[tokio::test]
async fn the_s_world_has_its_counts_and_the_same_seed_gives_the_same_rows() {
    let (_db, store, _app, report) = generate(7).await;
    let count = |table: &str| {
        report
            .counts
            .iter()
            .find(|(name, _)| name == table)
            .map(|(_, n)| *n)
            .unwrap()
    };
    assert_eq!(count("users"), 200);
    assert_eq!(count("spaces"), 20);
    assert_eq!(count("pages"), 2_000);
    assert!(
        count("page_versions") > 2_000,
        "some pages have several versions"
    );
    assert!(count("comments") > 0 && count("content_labels") > 0);
    assert!(count("page_restrictions") > 0);
    // One journal entry per created space and page, and per comment.
    assert_eq!(count("journal"), 20 + 2_000 + count("comments"));
    let first = portico_store::bulk::checksum(store.read()).await.unwrap();

    let (_db2, store2, _app2, _) = generate(7).await;
    assert_eq!(
        portico_store::bulk::checksum(store2.read()).await.unwrap(),
        first,
        "same seed, same world"
    );
    let (_db3, store3, _app3, _) = generate(8).await;
    assert_ne!(
        portico_store::bulk::checksum(store3.read()).await.unwrap(),
        first,
        "another seed, another world"
    );
}

#[tokio::test]
async fn a_generated_guest_sees_only_their_space() {
    let (_db, _store, app, report) = generate(3).await;
    let guest = viewer(&app, &report.guest.email, &report.guest.token).await;
    let spaces = app
        .list_spaces(
            &guest,
            SpaceFilter {
                keys: None,
                status: None,
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    let ids: Vec<i64> = spaces.items.iter().map(|space| space.id.0).collect();
    assert_eq!(ids, vec![report.guest_space_id]);
    let own = app
        .page(&guest, PageId(report.guest_pages[1]))
        .await
        .unwrap();
    assert_eq!(own.space_id.0, report.guest_space_id);
    let elsewhere = *report
        .member_pages
        .iter()
        .find(|page| !report.guest_pages.contains(page))
        .unwrap();
    assert!(matches!(
        app.page(&guest, PageId(elsewhere)).await,
        Err(AppError::NotFound)
    ));

    // The member sees the other spaces' pages, and the generated trees
    // answer like the app's own (a page's path lists its ancestors).
    let member = viewer(&app, &report.member.email, &report.member.token).await;
    let page = app.page(&member, PageId(elsewhere)).await.unwrap();
    assert!(page.space_id.0 != report.guest_space_id);
    let visible = app
        .list_spaces(
            &member,
            SpaceFilter {
                keys: None,
                status: None,
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(visible.items.len() >= 15, "the member's access is broad");
}

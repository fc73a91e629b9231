//! The request caches (who a session or token is, access sets, page rows)
//! never outlive a change: a change made through this process is seen by the
//! very next request, and one made by another node (another `Store` on the
//! same database, as another process would open it) within
//! `portico_app::FOREIGN_CHANGE_DELAY`.

use portico_app::{
    App, AppError, Grantee, PageId, PageUpdate, RestrictionChange, Role, Settings, Viewer,
};
use portico_store::Store;

use crate::harness::{PASSWORD, World, storage, world};

async fn edit(app: &App, by: &Viewer, id: PageId, body: &str) {
    let page = app.page(by, id).await.unwrap();
    app.update_page(
        by,
        id,
        PageUpdate {
            title: page.title,
            body: storage(body),
            version: page.version + 1,
            message: String::new(),
            publish: true,
        },
    )
    .await
    .unwrap();
}

async fn restrict_to_admin(app: &App, w: &World, id: PageId) {
    app.set_page_restrictions(
        &w.admin,
        id,
        RestrictionChange {
            view: Some(vec![Grantee::User(w.admin.user_id().unwrap())]),
            edit: None,
        },
    )
    .await
    .unwrap();
}

/// Another node on the same database: its own store, so its commits are
/// not this process's.
async fn other_node(w: &World) -> App {
    let store = Store::open(&w.db.url).await.unwrap();
    App::new(store, w.clock.clone(), Settings::default())
}

async fn after_foreign_change_delay() {
    tokio::time::sleep(portico_app::FOREIGN_CHANGE_DELAY + std::time::Duration::from_millis(50))
        .await;
}

#[tokio::test]
async fn a_change_made_here_is_seen_by_the_very_next_request() {
    let w = world().await;
    let space = w.space("CCH").await;
    let page = w.page(&space, None, "Cached").await;
    let member = w.user("m@example.com", Role::Member).await;
    let token = w.app.create_api_token(&member, "ci", 30).await.unwrap();
    let session = w.app.sign_in("m@example.com", PASSWORD).await.unwrap();
    // Warm every cache twice.
    for _ in 0..2 {
        assert!(w.app.page(&member, page.id).await.is_ok());
        assert!(
            w.app
                .authenticate_token(None, &token.secret)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            w.app
                .authenticate_session(&session.token)
                .await
                .unwrap()
                .is_some()
        );
    }

    edit(&w.app, &w.admin, page.id, "<p>second</p>").await;
    let read = w.app.page(&member, page.id).await.unwrap();
    assert_eq!(read.version, 2);
    assert!(read.body.contains("second"), "{}", read.body);

    restrict_to_admin(&w.app, &w, page.id).await;
    assert!(matches!(
        w.app.page(&member, page.id).await,
        Err(AppError::NotFound)
    ));

    w.app
        .revoke_api_token(&member, token.token.id)
        .await
        .unwrap();
    assert_eq!(
        w.app.authenticate_token(None, &token.secret).await.unwrap(),
        None
    );

    w.app.sign_out(&session.token).await.unwrap();
    assert!(
        w.app
            .authenticate_session(&session.token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_change_made_by_another_node_is_seen_within_the_delay() {
    let w = world().await;
    let space = w.space("FRN").await;
    let page = w.page(&space, None, "Shared").await;
    let member = w.user("m@example.com", Role::Member).await;
    let token = w.app.create_api_token(&member, "ci", 30).await.unwrap();
    let session = w.app.sign_in("m@example.com", PASSWORD).await.unwrap();
    let viewer = |app: &App| {
        let app = app.clone();
        let secret = token.secret.clone();
        async move { app.authenticate_token(None, &secret).await.unwrap() }
    };
    for _ in 0..2 {
        assert!(w.app.page(&member, page.id).await.is_ok());
        assert!(viewer(&w.app).await.is_some());
    }
    let other = other_node(&w).await;

    edit(&other, &w.admin, page.id, "<p>from elsewhere</p>").await;
    after_foreign_change_delay().await;
    let read = w.app.page(&member, page.id).await.unwrap();
    assert!(read.body.contains("from elsewhere"), "{}", read.body);

    restrict_to_admin(&other, &w, page.id).await;
    after_foreign_change_delay().await;
    assert!(matches!(
        w.app.page(&member, page.id).await,
        Err(AppError::NotFound)
    ));

    other.sign_out(&session.token).await.unwrap();
    other
        .revoke_api_token(&member, token.token.id)
        .await
        .unwrap();
    after_foreign_change_delay().await;
    assert_eq!(viewer(&w.app).await, None);
    assert!(
        w.app
            .authenticate_session(&session.token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn deactivation_on_another_node_ends_a_cached_session_and_token() {
    let w = world().await;
    let member = w.user("gone@example.com", Role::Member).await;
    let token = w.app.create_api_token(&member, "ci", 30).await.unwrap();
    let session = w.app.sign_in("gone@example.com", PASSWORD).await.unwrap();
    for _ in 0..2 {
        assert!(
            w.app
                .authenticate_token(None, &token.secret)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            w.app
                .authenticate_session(&session.token)
                .await
                .unwrap()
                .is_some()
        );
    }
    let other = other_node(&w).await;
    other
        .deactivate_user(&w.admin, member.user_id().unwrap())
        .await
        .unwrap();
    after_foreign_change_delay().await;
    assert_eq!(
        w.app.authenticate_token(None, &token.secret).await.unwrap(),
        None
    );
    assert!(
        w.app
            .authenticate_session(&session.token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_cached_token_still_ends_exactly_at_its_expiry() {
    let w = world().await;
    let member = w.user("m@example.com", Role::Member).await;
    let token = w.app.create_api_token(&member, "short", 1).await.unwrap();
    assert!(
        w.app
            .authenticate_token(None, &token.secret)
            .await
            .unwrap()
            .is_some()
    );
    w.clock.advance(time::Duration::days(1));
    assert_eq!(
        w.app.authenticate_token(None, &token.secret).await.unwrap(),
        None
    );
}

/// Sixteen reads at once, as a burst of one person's requests.
async fn burst_of_reads(app: &App, viewer: &Viewer, id: PageId) -> usize {
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (app, viewer) = (app.clone(), viewer.clone());
        reads.spawn(async move { app.page(&viewer, id).await.is_ok() });
    }
    let mut read = 0;
    while let Some(done) = reads.join_next().await {
        read += usize::from(done.unwrap());
    }
    read
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_requests_builds_a_missing_access_set_once() {
    let w = world().await;
    let space = w.space("BST").await;
    let page = w.page(&space, None, "Burst").await;
    let other = w.page(&space, None, "Other").await;
    let member = w.user("burst@example.com", Role::Member).await;

    // Cold: nobody has built the member's set yet.
    let before = w.app.access_sets_built();
    assert_eq!(burst_of_reads(&w.app, &member, page.id).await, 16);
    assert_eq!(w.app.access_sets_built() - before, 1);

    // A restriction moves the permission epoch: every set is stale.
    restrict_to_admin(&w.app, &w, other.id).await;
    let before = w.app.access_sets_built();
    assert_eq!(burst_of_reads(&w.app, &member, page.id).await, 16);
    assert_eq!(w.app.access_sets_built() - before, 1);
}

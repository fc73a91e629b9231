//! The store's write transactions, below the use cases.

use portico_store::testing::TestDatabase;
use portico_store::{Conn, Store, settings};

/// A use case that fails after writing drops its transaction without
/// committing; the database sees the rollback a moment later. The next writer
/// must wait for it, not fail with "database is locked" (SQLite refuses at once
/// to turn a reading transaction into a writing one while another connection
/// still holds the write lock).
#[tokio::test]
async fn an_abandoned_write_never_makes_the_next_one_fail() {
    let db = TestDatabase::create().await.unwrap();
    let store = Store::open(&db.url).await.unwrap();
    for round in 0..20 {
        let abandoned = store.write().await.unwrap();
        settings::set(abandoned.conn(), &format!("abandoned.{round}"), "x")
            .await
            .unwrap();
        drop(abandoned);

        let next = store.write().await.unwrap();
        next.conn()
            .execute_unprepared("SELECT count(*) FROM site_settings")
            .await
            .unwrap();
        settings::set(next.conn(), &format!("kept.{round}"), "y")
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        next.commit().await.unwrap();
    }
    let stored = settings::all(store.read()).await.unwrap();
    let kept = stored.keys().filter(|k| k.starts_with("kept.")).count();
    let abandoned = stored
        .keys()
        .filter(|k| k.starts_with("abandoned."))
        .count();
    assert_eq!(
        (kept, abandoned),
        (20, 0),
        "every kept write landed, no abandoned one did"
    );
}

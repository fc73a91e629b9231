//! Sign-in, sessions and the first-run setup.

use portico_app::{AppError, NewAdmin};
use portico_store::audit;

use crate::harness::{PASSWORD, world};

#[tokio::test]
async fn wrong_passwords_and_unknown_people_fail_alike_and_are_audited() {
    let w = world().await;
    let wrong = w.app.sign_in("admin@example.com", "not the password").await;
    let unknown = w.app.sign_in("ghost@example.com", PASSWORD).await;
    assert!(matches!(wrong, Err(AppError::BadCredentials)));
    assert!(matches!(unknown, Err(AppError::BadCredentials)));
    let failures = audit::for_target(w.store.read(), "email", "admin@example.com")
        .await
        .unwrap();
    assert_eq!(failures, vec![("auth.sign_in_failed".to_owned(), None)]);
    assert!(
        w.app
            .sign_in("  ADMIN@example.com ", PASSWORD)
            .await
            .is_ok(),
        "e-mails are case-insensitive"
    );
}

#[tokio::test]
async fn sessions_end_on_sign_out_and_on_expiry() {
    let w = world().await;
    let first = w.app.sign_in("admin@example.com", PASSWORD).await.unwrap();
    let second = w.app.sign_in("admin@example.com", PASSWORD).await.unwrap();
    assert_ne!(
        first.token, second.token,
        "every sign-in gets a fresh session"
    );
    w.app.sign_out(&first.token).await.unwrap();
    assert!(
        w.app
            .authenticate_session(&first.token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.app
            .authenticate_session(&second.token)
            .await
            .unwrap()
            .is_some()
    );
    w.clock.advance(time::Duration::days(8));
    assert!(
        w.app
            .authenticate_session(&second.token)
            .await
            .unwrap()
            .is_none(),
        "sessions last 7 days"
    );
    assert!(
        w.app
            .authenticate_session("forged")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_setup_link_works_once_and_only_while_no_admin_exists() {
    let db = portico_store::testing::TestDatabase::create()
        .await
        .unwrap();
    let store = portico_store::Store::open(&db.url).await.unwrap();
    let app = portico_app::App::new(
        store,
        std::sync::Arc::new(portico_app::SystemClock),
        portico_app::Settings::default(),
    );
    assert!(app.needs_setup().await.unwrap());
    let token = app
        .issue_setup_token()
        .await
        .unwrap()
        .expect("a token while no admin exists");
    let spare = app
        .issue_setup_token()
        .await
        .unwrap()
        .expect("another token");
    let admin = || NewAdmin {
        email: "first@example.com".into(),
        display_name: "First".into(),
        password: PASSWORD.into(),
    };
    assert!(matches!(
        app.complete_setup("forged", admin()).await,
        Err(AppError::InvalidLink)
    ));
    let typo = NewAdmin {
        password: "short".into(),
        ..admin()
    };
    assert!(matches!(
        app.complete_setup(&token, typo).await,
        Err(AppError::Invalid(_))
    ));
    assert!(
        app.setup_token_is_valid(&token).await.unwrap(),
        "a typo on the form doesn't burn the link"
    );
    app.complete_setup(&token, admin()).await.unwrap();
    assert!(!app.needs_setup().await.unwrap());
    assert!(
        !app.setup_token_is_valid(&spare).await.unwrap(),
        "setup links die once an admin exists"
    );
    assert!(
        matches!(
            app.complete_setup(&token, admin()).await,
            Err(AppError::InvalidLink)
        ),
        "a used link is dead"
    );
    assert!(
        matches!(
            app.complete_setup(&spare, admin()).await,
            Err(AppError::InvalidLink)
        ),
        "no second admin through setup"
    );
    assert!(app.issue_setup_token().await.unwrap().is_none());
}

#[tokio::test]
async fn migrations_apply_once_and_reopen_cleanly() {
    let w = world().await;
    let again = portico_store::Store::open(&w.db.url)
        .await
        .expect("reopening applies nothing twice");
    assert!(again.ping().await.is_ok());
}

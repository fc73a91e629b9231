//! API tokens (SPEC 3.6) on each backend: a token acts as its owner with the
//! owner's current role; it ends exactly at its expiry, when revoked, when the
//! owner is deactivated or deleted; guests need the `guests.api_tokens`
//! policy to create or use one; names are checked; people only ever see and
//! revoke their own; a token's use is audited at most once an hour.

use portico_app::{ApiTokenState, AppError, Clock, CreatedApiToken, Role, UserId, Viewer};
use portico_store::{Conn, audit};
use time::Duration;

use crate::harness::{World, world};

fn id(viewer: &Viewer) -> UserId {
    viewer.user_id().unwrap()
}

async fn token(w: &World, viewer: &Viewer, name: &str, days: u32) -> CreatedApiToken {
    w.app.create_api_token(viewer, name, days).await.unwrap()
}

async fn authenticates(w: &World, secret: &str) -> Option<Viewer> {
    w.app.authenticate_token(None, secret).await.unwrap()
}

async fn audit_actions(w: &World, created: &CreatedApiToken) -> Vec<String> {
    audit::for_target(w.store.read(), "api_token", &created.token.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|(action, _)| action)
        .collect()
}

async fn set_guest_tokens(w: &World, allowed: bool) {
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    policies.tokens.guests_api_tokens = allowed;
    w.app.update_policies(&w.admin, policies).await.unwrap();
}

#[tokio::test]
async fn a_token_acts_as_its_owner_with_their_current_role() {
    let w = world().await;
    let member = w.user("m@example.com", Role::Member).await;
    let created = token(&w, &member, "ci", 30).await;
    assert!(created.secret.starts_with("ptk_"), "{}", created.secret);
    assert_eq!(created.token.state, ApiTokenState::Active);
    assert_eq!(
        authenticates(&w, &created.secret).await,
        Some(member.clone())
    );
    assert_eq!(
        w.app
            .authenticate_token(Some(" M@Example.com "), &created.secret)
            .await
            .unwrap(),
        Some(member.clone()),
        "Basic: the owner's e-mail, case-insensitive"
    );
    for wrong in ["admin@example.com", ""] {
        assert_eq!(
            w.app
                .authenticate_token(Some(wrong), &created.secret)
                .await
                .unwrap(),
            None,
            "another e-mail with the token: {wrong:?}"
        );
    }
    assert_eq!(
        w.app
            .authenticate_token(Some("m@example.com"), crate::harness::PASSWORD)
            .await
            .unwrap(),
        None,
        "a password is never a token"
    );
    assert_eq!(authenticates(&w, "ptk_not-a-token").await, None);

    // Never more than the owner: a role change applies to the token at once.
    w.app
        .set_user_role(&w.admin, id(&member), Role::None)
        .await
        .unwrap();
    let now = authenticates(&w, &created.secret).await.unwrap();
    assert_eq!(now.role(), Role::None);
    assert_eq!(audit_actions(&w, &created).await[0], "api_token.create");
}

#[tokio::test]
async fn a_token_ends_exactly_at_its_expiry_which_is_required_and_at_most_a_year() {
    let w = world().await;
    for days in [0, 366] {
        assert!(
            matches!(
                w.app.create_api_token(&w.admin, "x", days).await,
                Err(AppError::Invalid(_))
            ),
            "{days} days"
        );
    }
    let created = token(&w, &w.admin, "year", 365).await;
    assert_eq!(
        created.token.expires_at - created.token.created_at,
        Duration::days(365)
    );
    let day = token(&w, &w.admin, "day", 1).await;
    w.clock.advance(Duration::days(1) - Duration::seconds(1));
    assert!(authenticates(&w, &day.secret).await.is_some());
    w.clock.advance(Duration::seconds(1));
    assert_eq!(authenticates(&w, &day.secret).await, None, "at expires_at");
    assert!(authenticates(&w, &created.secret).await.is_some());
    let listed = w.app.api_tokens(&w.admin).await.unwrap();
    let state = |name: &str| listed.iter().find(|t| t.name == name).unwrap().state;
    assert_eq!(state("day"), ApiTokenState::Expired);
    assert_eq!(state("year"), ApiTokenState::Active);
}

#[tokio::test]
async fn a_revoked_token_fails_and_the_revocation_is_audited() {
    let w = world().await;
    let created = token(&w, &w.admin, "script", 7).await;
    let revoked = w
        .app
        .revoke_api_token(&w.admin, created.token.id)
        .await
        .unwrap();
    assert_eq!(revoked.state, ApiTokenState::Revoked);
    assert_eq!(authenticates(&w, &created.secret).await, None);
    // Revoking twice changes nothing and isn't audited twice.
    w.app
        .revoke_api_token(&w.admin, created.token.id)
        .await
        .unwrap();
    assert_eq!(
        audit_actions(&w, &created).await,
        ["api_token.create", "api_token.revoke"]
    );
}

#[tokio::test]
async fn deactivating_or_deleting_the_owner_ends_their_tokens_for_good() {
    let w = world().await;
    let member = w.user("m@example.com", Role::Member).await;
    let other = w.user("o@example.com", Role::Member).await;
    let created = token(&w, &member, "ci", 30).await;
    let others = token(&w, &other, "ci", 30).await;
    w.app.deactivate_user(&w.admin, id(&member)).await.unwrap();
    assert_eq!(authenticates(&w, &created.secret).await, None);
    w.app.reactivate_user(&w.admin, id(&member)).await.unwrap();
    assert_eq!(
        authenticates(&w, &created.secret).await,
        None,
        "reactivation doesn't bring old tokens back"
    );
    let listed = w.app.api_tokens(&member).await.unwrap();
    assert_eq!(listed[0].state, ApiTokenState::Revoked);
    w.app.delete_user(&w.admin, id(&other)).await.unwrap();
    assert_eq!(authenticates(&w, &others.secret).await, None);
}

#[tokio::test]
async fn an_inactive_owner_is_refused_even_with_a_live_token() {
    // Deactivation revokes the tokens; the status is checked at every use too,
    // so a token can't outlive its owner's account by any other path.
    let w = world().await;
    let member = w.user("m@example.com", Role::Member).await;
    let created = token(&w, &member, "ci", 30).await;
    w.store
        .read()
        .execute_unprepared("UPDATE users SET status = 'deactivated' WHERE email = 'm@example.com'")
        .await
        .unwrap();
    assert_eq!(authenticates(&w, &created.secret).await, None);
}

#[tokio::test]
async fn guests_need_the_site_policy_to_create_or_use_tokens() {
    let w = world().await;
    let guest = w.user("g@partner.example", Role::Guest).await;
    let refused = w.app.create_api_token(&guest, "mine", 30).await;
    assert!(
        matches!(&refused, Err(AppError::Forbidden { reason, .. }) if reason.contains("guests.api_tokens")),
        "{refused:?}"
    );
    assert!(w.app.api_tokens(&guest).await.unwrap().is_empty());
    set_guest_tokens(&w, true).await;
    let created = token(&w, &guest, "mine", 30).await;
    let as_guest = authenticates(&w, &created.secret).await.unwrap();
    assert_eq!(as_guest.role(), Role::Guest);
    set_guest_tokens(&w, false).await;
    assert_eq!(
        authenticates(&w, &created.secret).await,
        None,
        "switching the policy off stops existing guest tokens"
    );
    // Members are not affected by the guest policy.
    let member = w.user("m@example.com", Role::Member).await;
    let theirs = token(&w, &member, "ci", 30).await;
    assert!(authenticates(&w, &theirs.secret).await.is_some());
}

#[tokio::test]
async fn a_guest_token_ends_exactly_when_the_guests_product_access_does() {
    let w = world().await;
    set_guest_tokens(&w, true).await;
    let guest = w.user("g@partner.example", Role::Guest).await;
    let created = token(&w, &guest, "mine", 30).await;
    let end = w.clock.now() + Duration::hours(1);
    w.app
        .set_guest_access_expiry(&w.admin, id(&guest), Some(end))
        .await
        .unwrap();
    w.clock.advance(Duration::hours(1) - Duration::seconds(1));
    assert!(authenticates(&w, &created.secret).await.is_some());
    w.clock.advance(Duration::seconds(1));
    assert_eq!(authenticates(&w, &created.secret).await, None);
}

#[tokio::test]
async fn names_are_one_line_of_1_to_100_characters_unique_among_live_tokens() {
    let w = world().await;
    for bad in ["", "   ", "two\nlines", &"x".repeat(101)] {
        assert!(
            matches!(
                w.app.create_api_token(&w.admin, bad, 30).await,
                Err(AppError::Invalid(_))
            ),
            "{bad:?}"
        );
    }
    let long = token(&w, &w.admin, &"x".repeat(100), 30).await;
    assert_eq!(long.token.name.len(), 100);
    let first = token(&w, &w.admin, " deploy ", 30).await;
    assert_eq!(first.token.name, "deploy");
    assert!(matches!(
        w.app.create_api_token(&w.admin, "deploy", 30).await,
        Err(AppError::Conflict(message)) if message.contains("`deploy`")
    ));
    // Another person may use the same name; a revoked or expired name is free.
    let member = w.user("m@example.com", Role::Member).await;
    token(&w, &member, "deploy", 30).await;
    w.app
        .revoke_api_token(&w.admin, first.token.id)
        .await
        .unwrap();
    token(&w, &w.admin, "deploy", 1).await;
    w.clock.advance(Duration::days(1));
    token(&w, &w.admin, "deploy", 1).await;
}

#[tokio::test]
async fn people_see_and_revoke_only_their_own_tokens() {
    let w = world().await;
    let member = w.user("m@example.com", Role::Member).await;
    let mine = token(&w, &w.admin, "admin's", 30).await;
    let theirs = token(&w, &member, "member's", 30).await;
    let names = |tokens: Vec<portico_app::ApiToken>| -> Vec<String> {
        tokens.into_iter().map(|t| t.name).collect()
    };
    assert_eq!(
        names(w.app.api_tokens(&w.admin).await.unwrap()),
        ["admin's"]
    );
    assert_eq!(
        names(w.app.api_tokens(&member).await.unwrap()),
        ["member's"]
    );
    assert!(matches!(
        w.app.revoke_api_token(&member, mine.token.id).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.revoke_api_token(&member, 987_654).await,
        Err(AppError::NotFound)
    ));
    assert!(authenticates(&w, &mine.secret).await.is_some());
    assert!(matches!(
        w.app.api_tokens(&Viewer::Anonymous).await,
        Err(AppError::Unauthenticated)
    ));
    assert!(authenticates(&w, &theirs.secret).await.is_some());
}

#[tokio::test]
async fn a_tokens_use_is_recorded_at_most_once_an_hour() {
    let w = world().await;
    let created = token(&w, &w.admin, "ci", 30).await;
    assert_eq!(
        w.app.api_tokens(&w.admin).await.unwrap()[0].last_used_at,
        None
    );
    authenticates(&w, &created.secret).await.unwrap();
    w.clock.advance(Duration::minutes(59));
    authenticates(&w, &created.secret).await.unwrap();
    let uses = |actions: Vec<String>| actions.iter().filter(|a| *a == "api_token.use").count();
    assert_eq!(uses(audit_actions(&w, &created).await), 1);
    let first_use = w.app.api_tokens(&w.admin).await.unwrap()[0].last_used_at;
    assert!(first_use.is_some());
    w.clock.advance(Duration::minutes(1));
    authenticates(&w, &created.secret).await.unwrap();
    assert_eq!(uses(audit_actions(&w, &created).await), 2);
    let second_use = w.app.api_tokens(&w.admin).await.unwrap()[0].last_used_at;
    assert!(second_use > first_use);
}

//! Sign-in steps after the password (SPEC.md 3.6): mailed one-time codes for
//! guests, re-verification, shorter guest sessions, authenticator apps.

use portico_app::Clock;
use portico_app::{AppError, NewUser, Role, SecondStep, SessionState, SignedIn, SitePolicies};
use portico_store::{audit, outbox};
use time::Duration;
use totp_rs::{Algorithm, Secret};

use crate::harness::{PASSWORD, World, mailed_code, world};

const GUEST: &str = "guest@client.example";
const MEMBER: &str = "member@example.com";

async fn set_policies(w: &World, change: impl FnOnce(&mut SitePolicies)) {
    let mut policies = w.app.policies(&w.admin).await.unwrap();
    change(&mut policies);
    w.app.update_policies(&w.admin, policies).await.unwrap();
}

async fn person(w: &World, email: &str, role: Role) -> i64 {
    w.app
        .create_user(NewUser {
            email: email.into(),
            display_name: email.into(),
            password: PASSWORD.into(),
            role,
        })
        .await
        .unwrap();
    portico_store::users::find_by_email(w.store.read(), email)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn sign_in(w: &World, email: &str) -> SignedIn {
    w.app.sign_in(email, PASSWORD).await.unwrap()
}

async fn complete(w: &World, session: &SignedIn) -> bool {
    w.app
        .authenticate_session(&session.token)
        .await
        .unwrap()
        .is_some()
}

async fn pending_step(w: &World, session: &SignedIn) -> Option<SecondStep> {
    match w.app.session_state(&session.token).await.unwrap() {
        Some(SessionState::Pending(pending)) => Some(pending.step),
        _ => None,
    }
}

async fn audited(w: &World, user: i64, action: &str) -> usize {
    audit::for_target(w.store.read(), "user", &user.to_string())
        .await
        .unwrap()
        .iter()
        .filter(|(entry, _)| entry == action)
        .count()
}

fn wrong_code(real: &str) -> String {
    if real == "000000" {
        "111111".to_owned()
    } else {
        "000000".to_owned()
    }
}

fn app_code(secret: &str, at: time::OffsetDateTime) -> String {
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap()
        .generate(u64::try_from(at.unix_timestamp()).unwrap())
        .to_string()
}

#[tokio::test]
async fn a_guest_session_is_worth_nothing_until_the_mailed_code_is_entered() {
    let w = world().await;
    let guest = person(&w, GUEST, Role::Guest).await;
    let session = sign_in(&w, GUEST).await;
    assert_eq!(session.pending, Some(SecondStep::EmailCode));
    assert!(
        !complete(&w, &session).await,
        "a pending session has no access"
    );
    let code = mailed_code(&w.store, GUEST).await;

    let wrong = w
        .app
        .verify_sign_in(&session.token, &wrong_code(&code), None)
        .await;
    assert!(
        matches!(&wrong, Err(AppError::Invalid(e)) if e.to_string().contains("4 tries left")),
        "{wrong:?}"
    );
    assert!(!complete(&w, &session).await);
    assert_eq!(
        w.app
            .verify_sign_in(&session.token, &code, None)
            .await
            .unwrap(),
        None,
        "no step left"
    );
    assert!(complete(&w, &session).await);
    assert_eq!(audited(&w, guest, "auth.second_step_failed").await, 1);
    assert_eq!(audited(&w, guest, "auth.second_step_passed").await, 1);
    // The code is spent: entering it again finds no pending step to pass.
    assert!(matches!(
        w.app.verify_sign_in(&session.token, &code, None).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn members_get_no_code_and_their_sessions_last_longer() {
    let w = world().await;
    person(&w, MEMBER, Role::Member).await;
    person(&w, GUEST, Role::Guest).await;
    let member = sign_in(&w, MEMBER).await;
    assert_eq!(member.pending, None);
    assert!(complete(&w, &member).await);
    assert_eq!(member.lifetime, Duration::days(7));

    let guest = sign_in(&w, GUEST).await;
    assert_eq!(guest.lifetime, Duration::hours(12));
    let code = mailed_code(&w.store, GUEST).await;
    w.app
        .verify_sign_in(&guest.token, &code, None)
        .await
        .unwrap();
    w.clock.advance(Duration::hours(12) - Duration::seconds(1));
    assert!(complete(&w, &guest).await);
    w.clock.advance(Duration::seconds(1));
    assert!(
        !complete(&w, &guest).await,
        "the guest session ends at 12 hours"
    );
    assert!(complete(&w, &member).await);
}

#[tokio::test]
async fn codes_expire_after_ten_minutes() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let session = sign_in(&w, GUEST).await;
    let code = mailed_code(&w.store, GUEST).await;
    w.clock.advance(Duration::minutes(10));
    assert!(matches!(
        w.app.verify_sign_in(&session.token, &code, None).await,
        Err(AppError::CodeDead)
    ));
    w.app.send_sign_in_code(&session.token).await.unwrap();
    let fresh = mailed_code(&w.store, GUEST).await;
    w.app
        .verify_sign_in(&session.token, &fresh, None)
        .await
        .unwrap();
    assert!(complete(&w, &session).await);
}

#[tokio::test]
async fn a_code_dies_after_five_wrong_tries_and_a_new_one_kills_the_old() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let session = sign_in(&w, GUEST).await;
    let code = mailed_code(&w.store, GUEST).await;
    for _ in 0..5 {
        assert!(matches!(
            w.app
                .verify_sign_in(&session.token, &wrong_code(&code), None)
                .await,
            Err(AppError::Invalid(_))
        ));
    }
    assert!(
        matches!(
            w.app.verify_sign_in(&session.token, &code, None).await,
            Err(AppError::CodeDead)
        ),
        "even the right code is refused after the limit"
    );
    w.app.send_sign_in_code(&session.token).await.unwrap();
    let fresh = mailed_code(&w.store, GUEST).await;
    if fresh != code {
        assert!(
            w.app
                .verify_sign_in(&session.token, &code, None)
                .await
                .is_err(),
            "an earlier code dies when a new one is sent"
        );
    }
    w.app
        .verify_sign_in(&session.token, &fresh, None)
        .await
        .unwrap();
    assert!(complete(&w, &session).await);
}

#[tokio::test]
async fn too_many_wrong_answers_end_the_pending_session() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let session = sign_in(&w, GUEST).await;
    let mut last = Ok(None);
    for round in 0..2 {
        if round > 0 {
            w.app.send_sign_in_code(&session.token).await.unwrap();
        }
        let code = mailed_code(&w.store, GUEST).await;
        for _ in 0..5 {
            last = w
                .app
                .verify_sign_in(&session.token, &wrong_code(&code), None)
                .await;
        }
    }
    assert!(matches!(last, Err(AppError::Unauthenticated)), "{last:?}");
    assert_eq!(w.app.session_state(&session.token).await.unwrap(), None);
}

#[tokio::test]
async fn mailed_codes_are_rate_limited_per_person() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let session = sign_in(&w, GUEST).await; // the first code
    for _ in 0..4 {
        w.app.send_sign_in_code(&session.token).await.unwrap();
    }
    let mails_before = outbox::list(w.store.read(), None, 100).await.unwrap().len();
    assert!(matches!(
        w.app.send_sign_in_code(&session.token).await,
        Err(AppError::RateLimited(_))
    ));
    assert_eq!(
        outbox::list(w.store.read(), None, 100).await.unwrap().len(),
        mails_before,
        "a refused request mails nothing"
    );
    w.clock.advance(Duration::minutes(15));
    w.app.send_sign_in_code(&session.token).await.unwrap();
}

#[tokio::test]
async fn codes_are_stored_hashed() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let session = sign_in(&w, GUEST).await;
    let code = mailed_code(&w.store, GUEST).await;
    let stored = portico_store::second_steps::latest_email_code(
        w.store.read(),
        portico_store::sessions::find_by_token_hash(w.store.read(), &sha256(&session.token))
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(stored.code_hash.len(), 64);
    assert!(!stored.code_hash.contains(&code));
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn guests_reverify_their_address_every_period_even_mid_session() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    set_policies(&w, |p| {
        p.security.guest_session_hours = 24 * 5;
        p.security.guest_reverify_days = 2;
    })
    .await;
    let session = sign_in(&w, GUEST).await;
    let code = mailed_code(&w.store, GUEST).await;
    w.app
        .verify_sign_in(&session.token, &code, None)
        .await
        .unwrap();

    // Within the period a new sign-in asks for nothing.
    w.clock.advance(Duration::days(2) - Duration::seconds(1));
    let again = sign_in(&w, GUEST).await;
    assert_eq!(again.pending, None);
    assert!(complete(&w, &session).await);

    // At the end of it the open session stops until a new code is entered.
    w.clock.advance(Duration::seconds(1));
    assert!(!complete(&w, &session).await);
    assert_eq!(
        pending_step(&w, &session).await,
        Some(SecondStep::EmailCode)
    );
    w.app.send_sign_in_code(&session.token).await.unwrap();
    let fresh = mailed_code(&w.store, GUEST).await;
    w.app
        .verify_sign_in(&session.token, &fresh, None)
        .await
        .unwrap();
    assert!(complete(&w, &session).await);
    assert!(complete(&w, &again).await, "the address is trusted again");
}

#[tokio::test]
async fn the_code_policy_can_ask_every_time_or_never() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let first = sign_in(&w, GUEST).await;
    let code = mailed_code(&w.store, GUEST).await;
    w.app
        .verify_sign_in(&first.token, &code, None)
        .await
        .unwrap();

    set_policies(&w, |p| p.security.guest_reverify_days = 0).await;
    assert!(complete(&w, &first).await, "open sessions go on");
    assert_eq!(
        sign_in(&w, GUEST).await.pending,
        Some(SecondStep::EmailCode)
    );

    set_policies(&w, |p| p.security.guest_email_codes = false).await;
    let free = sign_in(&w, GUEST).await;
    assert_eq!(free.pending, None);
    assert!(complete(&w, &free).await);
}

#[tokio::test]
async fn authenticator_apps_add_a_step_and_never_take_a_code_twice() {
    let w = world().await;
    let member = person(&w, MEMBER, Role::Member).await;
    let viewer = w.viewer(MEMBER).await;
    let setup = w.app.begin_two_step_setup(&viewer).await.unwrap();
    assert!(setup.uri.starts_with("otpauth://totp/"));
    let code = app_code(&setup.secret, w.clock.now());
    assert!(
        w.app
            .confirm_two_step(&viewer, &wrong_code(&code))
            .await
            .is_err()
    );
    assert!(!w.app.two_step_status(&viewer).await.unwrap().enabled);
    w.app.confirm_two_step(&viewer, &code).await.unwrap();
    assert!(w.app.two_step_status(&viewer).await.unwrap().enabled);
    assert_eq!(audited(&w, member, "two_step.enabled").await, 1);

    let session = sign_in(&w, MEMBER).await;
    assert_eq!(session.pending, Some(SecondStep::Totp));
    assert!(!complete(&w, &session).await);
    assert!(
        matches!(
            w.app.verify_sign_in(&session.token, &code, None).await,
            Err(AppError::Invalid(_))
        ),
        "the code that confirmed the setup can't sign in"
    );
    w.clock.advance(Duration::seconds(30));
    let next = app_code(&setup.secret, w.clock.now());
    w.app
        .verify_sign_in(&session.token, &next, None)
        .await
        .unwrap();
    assert!(complete(&w, &session).await);

    w.clock.advance(Duration::seconds(30));
    let off = app_code(&setup.secret, w.clock.now());
    w.app.disable_two_step(&viewer, &off).await.unwrap();
    assert_eq!(audited(&w, member, "two_step.disabled").await, 1);
    assert_eq!(sign_in(&w, MEMBER).await.pending, None);
}

#[tokio::test]
async fn a_role_can_be_made_to_set_up_an_app_at_sign_in() {
    let w = world().await;
    let admin_id = portico_store::users::find_by_email(w.store.read(), "admin@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    set_policies(&w, |p| p.security.two_step_required = vec![Role::Admin]).await;
    let session = sign_in(&w, "admin@example.com").await;
    assert_eq!(session.pending, Some(SecondStep::TotpEnrolment));
    let Some(SessionState::Pending(pending)) = w.app.session_state(&session.token).await.unwrap()
    else {
        panic!("pending");
    };
    let setup = pending.totp_setup.expect("a key to set up");
    let code = app_code(&setup.secret, w.clock.now());
    w.app
        .verify_sign_in(&session.token, &code, None)
        .await
        .unwrap();
    assert!(complete(&w, &session).await);
    assert_eq!(audited(&w, admin_id, "two_step.enabled").await, 1);

    let (admin, _) = w
        .app
        .authenticate_session(&session.token)
        .await
        .unwrap()
        .unwrap();
    w.clock.advance(Duration::seconds(30));
    let code = app_code(&setup.secret, w.clock.now());
    assert!(matches!(
        w.app.disable_two_step(&admin, &code).await,
        Err(AppError::Forbidden { .. })
    ));
    // Members aren't asked.
    person(&w, MEMBER, Role::Member).await;
    assert_eq!(sign_in(&w, MEMBER).await.pending, None);
}

#[tokio::test]
async fn a_guest_with_an_app_enters_the_mailed_code_then_the_app_code() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let guest = w.viewer(GUEST).await;
    let setup = w.app.begin_two_step_setup(&guest).await.unwrap();
    let code = app_code(&setup.secret, w.clock.now());
    w.app.confirm_two_step(&guest, &code).await.unwrap();
    set_policies(&w, |p| p.security.guest_reverify_days = 0).await;

    let session = sign_in(&w, GUEST).await;
    assert_eq!(session.pending, Some(SecondStep::EmailCode));
    let mailed = mailed_code(&w.store, GUEST).await;
    assert_eq!(
        w.app
            .verify_sign_in(&session.token, &mailed, None)
            .await
            .unwrap(),
        Some(SecondStep::Totp)
    );
    assert!(!complete(&w, &session).await);
    w.clock.advance(Duration::seconds(30));
    let code = app_code(&setup.secret, w.clock.now());
    w.app
        .verify_sign_in(&session.token, &code, None)
        .await
        .unwrap();
    assert!(complete(&w, &session).await);
}

#[tokio::test]
async fn malformed_codes_are_refused_without_counting() {
    let w = world().await;
    person(&w, GUEST, Role::Guest).await;
    let session = sign_in(&w, GUEST).await;
    for bad in ["", "12345", "abcdef", "1234567", "12 34 5x"] {
        assert!(matches!(
            w.app.verify_sign_in(&session.token, bad, None).await,
            Err(AppError::Invalid(_))
        ));
    }
    let code = mailed_code(&w.store, GUEST).await;
    w.app
        .verify_sign_in(&session.token, &code, None)
        .await
        .unwrap();
    assert!(complete(&w, &session).await);
    assert!(matches!(
        w.app.verify_sign_in("forged", &code, None).await,
        Err(AppError::Unauthenticated)
    ));
}

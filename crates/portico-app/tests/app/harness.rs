//! A fresh `App` on a fresh database with a controllable clock.

use std::sync::{Arc, Mutex};

use portico_app::{
    App, BodyFormat, BodyInput, Clock, NewAdmin, NewPage, NewSpace, NewUser, Page, PageId, Role,
    SecondStep, Settings, SignedIn, Space, Viewer,
};
use portico_store::Store;
use portico_store::testing::TestDatabase;
pub use portico_store::testing::mailed_code;
use time::OffsetDateTime;

pub const PASSWORD: &str = "correct horse battery";

/// A clock the test moves by hand.
pub struct TestClock(Mutex<OffsetDateTime>);

impl TestClock {
    pub fn advance(&self, by: time::Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

pub struct World {
    pub app: App,
    pub store: Store,
    pub clock: Arc<TestClock>,
    pub admin: Viewer,
    pub db: TestDatabase,
}

pub async fn world() -> World {
    let db = TestDatabase::create().await.expect("test database");
    let store = Store::open(&db.url).await.expect("store");
    let clock = Arc::new(TestClock(Mutex::new(OffsetDateTime::now_utc())));
    let app = App::new(store.clone(), clock.clone(), Settings::default());
    app.create_org_admin(NewAdmin {
        email: "admin@example.com".into(),
        display_name: "Admin".into(),
        password: PASSWORD.into(),
    })
    .await
    .unwrap();
    let admin = viewer_of(&app, &store, "admin@example.com").await;
    World {
        app,
        store,
        clock,
        admin,
        db,
    }
}

/// Signs in with the password and passes any mailed-code step (reading the
/// code from the outbox, as a person reads their mail).
async fn viewer_of(app: &App, store: &Store, email: &str) -> Viewer {
    let session = app.sign_in(email, PASSWORD).await.expect("sign in");
    finish_sign_in(app, store, &session, email).await
}

/// Passes the mailed-code step of a sign-in, if it has one, and returns the
/// viewer of the complete session.
pub async fn finish_sign_in(app: &App, store: &Store, session: &SignedIn, email: &str) -> Viewer {
    if session.pending == Some(SecondStep::EmailCode) {
        let code = mailed_code(store, email).await;
        app.verify_sign_in(&session.token, &code, None)
            .await
            .expect("the mailed code passes");
    }
    app.authenticate_session(&session.token)
        .await
        .unwrap()
        .expect("session")
        .0
}

impl World {
    pub async fn user(&self, email: &str, role: Role) -> Viewer {
        self.app
            .create_user(NewUser {
                email: email.into(),
                display_name: email.into(),
                password: PASSWORD.into(),
                role,
            })
            .await
            .unwrap();
        viewer_of(&self.app, &self.store, email).await
    }

    /// A new guest assigned to `space` as a collaborator, by the admin.
    pub async fn guest_in(&self, email: &str, space: &Space) -> Viewer {
        let guest = self.user(email, Role::Guest).await;
        let id = guest.user_id().expect("a user");
        self.app
            .assign_guest(
                &self.admin,
                space.id,
                id,
                portico_app::AssignmentRole::Collaborator,
                None,
            )
            .await
            .unwrap();
        guest
    }

    /// Signs `email` in (password, then any mailed code).
    pub async fn viewer(&self, email: &str) -> Viewer {
        viewer_of(&self.app, &self.store, email).await
    }

    /// Passes the mailed-code step of a session, if it has one.
    pub async fn finish(&self, session: &SignedIn, email: &str) -> Viewer {
        finish_sign_in(&self.app, &self.store, session, email).await
    }

    pub async fn space(&self, key: &str) -> Space {
        self.app
            .create_space(
                &self.admin,
                NewSpace {
                    key: key.into(),
                    name: format!("Space {key}"),
                    description: String::new(),
                },
            )
            .await
            .unwrap()
    }

    pub async fn page(&self, space: &Space, parent: Option<PageId>, title: &str) -> Page {
        self.app
            .create_page(
                &self.admin,
                NewPage {
                    space_id: space.id,
                    parent_id: parent,
                    title: title.into(),
                    body: storage(&format!("<p>{title}</p>")),
                    draft: false,
                },
            )
            .await
            .unwrap()
    }
}

pub fn storage(value: &str) -> BodyInput {
    BodyInput {
        value: value.into(),
        format: BodyFormat::Storage,
    }
}

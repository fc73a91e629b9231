//! A fresh database per test: a temporary SQLite file by default, or a uniquely
//! named PostgreSQL database when `PORTICO_TEST_DATABASE` holds a PostgreSQL
//! server URL (e.g. `postgres://postgres@127.0.0.1:5432/postgres`). The
//! database is dropped when the [`TestDatabase`] is.

use std::path::PathBuf;

use rand::Rng;
use sea_orm::{ConnectionTrait, Database};

use crate::{Backend, StoreError};

/// The environment variable that selects the test backend.
pub const TEST_DATABASE_ENV: &str = "PORTICO_TEST_DATABASE";

pub struct TestDatabase {
    /// The URL to open the fresh database with.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// Creates an empty database on the backend the environment selects.
    pub async fn create() -> Result<Self, StoreError> {
        let suffix: u64 = rand::rng().random();
        match std::env::var(TEST_DATABASE_ENV) {
            Ok(admin_url) if Backend::from_url(&admin_url) == Some(Backend::Postgres) => {
                let name = format!("portico_test_{suffix:016x}");
                let admin = Database::connect(admin_url.as_str()).await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                admin.close().await?;
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(base, _)| base);
                Ok(Self {
                    url: format!("{base}/{name}"),
                    cleanup: Cleanup::Postgres { admin_url, name },
                })
            }
            _ => {
                let path = std::env::temp_dir().join(format!("portico-test-{suffix:016x}.db"));
                Ok(Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    cleanup: Cleanup::SqliteFile(path),
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self.cleanup {
            Cleanup::SqliteFile(_) => Backend::Sqlite,
            Cleanup::Postgres { .. } => Backend::Postgres,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop runs outside async context, so use a short-lived runtime
                // on its own thread. Leftovers (a crashed test) are swept by the
                // test script, which drops every `portico_test_%` database first.
                let admin_url = admin_url.clone();
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(async {
                            if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                                let _ = admin.execute_unprepared(&sql).await;
                                let _ = admin.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// The newest sign-in code mailed to `email`, read from the outbox as the
/// person would read their mail.
///
/// # Panics
/// When no such mail is there (a test helper: failing loudly is the point).
#[expect(clippy::panic, reason = "a test helper that fails the test")]
pub async fn mailed_code(store: &crate::Store, email: &str) -> String {
    let mails = crate::outbox::list(store.read(), None, 100)
        .await
        .unwrap_or_default();
    mails
        .iter()
        .find(|m| m.recipient == email && m.subject == "Your Portico sign-in code")
        .and_then(|mail| {
            mail.body
                .split_whitespace()
                .find(|word| word.len() == 6 && word.chars().all(|c| c.is_ascii_digit()))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no sign-in code was mailed to {email}"))
}

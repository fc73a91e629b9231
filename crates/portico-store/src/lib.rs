//! Persistence for Portico on SQLite (the embedded default) and PostgreSQL,
//! through one query layer (SeaORM). This is the only crate that knows SQL.
//!
//! Repositories are free functions over any connection (`&impl Conn`), so a use
//! case can run several of them inside one transaction from [`Store::write`].

pub mod attachments;
pub mod audit;
pub mod blobs;
pub mod bulk;
pub mod comments;
pub mod drafts;
mod entity;
mod error;
pub mod favourites;
pub mod feeds;
pub mod groups;
pub mod invitations;
pub mod journal;
pub mod labels;
mod migrate;
pub mod notification_mail;
pub mod notifications;
pub mod outbox;
pub mod pages;
pub mod permissions;
pub mod reactions;
pub mod search_source;
pub mod second_steps;
pub mod sessions;
pub mod settings;
pub mod spaces;
pub mod templates;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod trash;
pub mod users;
pub mod versions;
pub mod watches;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use entity::api_token::Model as ApiTokenRow;
pub use entity::comment::Model as CommentRow;
pub use entity::notification::Model as NotificationRow;
pub use entity::outbox::Model as OutboxRow;
pub use entity::page::Model as PageRow;
pub use entity::page_draft::Model as DraftRow;
pub use entity::page_version::Model as VersionRow;
pub use entity::reaction::Model as ReactionRow;
pub use entity::session::Model as SessionRow;
pub use entity::space::Model as SpaceRow;
pub use entity::user::Model as UserRow;
pub use entity::watch::Model as WatchRow;
pub use error::StoreError;
pub use sea_orm::ConnectionTrait as Conn;
pub use time::OffsetDateTime as Timestamp;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `database.url` names, if it names one we support.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// A connection pool plus what the store needs to run writes safely.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    /// SQLite allows one writer at a time; taking this lock before `BEGIN`
    /// queues writers in the process (fairly, without polling).
    sqlite_writer: Arc<Mutex<()>>,
    /// Write transactions this process has committed: in-memory caches
    /// compare it to know that a change of their own may have made them stale.
    commits: Arc<AtomicU64>,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH?mode=rwc` or `postgres://...`) and
    /// applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let backend =
            Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(redact(url)))?;
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 });
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
        let db = Database::connect(options).await?;
        let store = Self {
            db,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            commits: Arc::default(),
        };
        migrate::run(&store.db, backend).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads outside a transaction.
    pub fn read(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Starts a write transaction. Everything a use case changes, including its
    /// audit and journal entries, goes through one of these.
    pub async fn write(&self) -> Result<WriteTx, StoreError> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = match self.backend {
            // INVARIANT: SQLite write transactions take the write lock at
            // `BEGIN`. The in-process lock alone is not enough: a transaction
            // dropped without commit is rolled back only when its connection
            // goes back to the pool, a moment after the lock is released, and
            // a deferred transaction that has read can't wait for that (SQLite
            // answers "database is locked" at once rather than risk a
            // deadlock). `BEGIN IMMEDIATE` waits, within the busy timeout.
            Backend::Sqlite => {
                self.db
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..TransactionOptions::default()
                    })
                    .await?
            }
            Backend::Postgres => self.db.begin().await?,
        };
        Ok(WriteTx {
            tx,
            commits: self.commits.clone(),
            _guard: guard,
        })
    }

    /// How many write transactions this process has committed so far. It
    /// moves only after a commit has finished, so whatever is read after
    /// seeing a count reflects at least that many commits.
    pub fn committed_writes(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }

    /// Answers whether the database is reachable (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    pub async fn close(self) -> Result<(), StoreError> {
        Ok(self.db.close().await?)
    }
}

/// An open write transaction. Dropping it without [`WriteTx::commit`] rolls back.
pub struct WriteTx {
    tx: DatabaseTransaction,
    commits: Arc<AtomicU64>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.tx
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        self.commits.fetch_add(1, Ordering::Release);
        Ok(())
    }
}

/// A database URL with any password replaced, for error messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("sqlite://data/portico.db"),
            "sqlite://data/portico.db"
        );
    }

    #[test]
    fn backends_are_recognised_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgresql://h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }
}

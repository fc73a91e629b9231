//! Use-case tests against a real database: SQLite by default, PostgreSQL when
//! `PORTICO_TEST_DATABASE` names a server (the test script runs both).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod harness;

mod auth;
mod blog;
mod caches;
mod comments;
mod content;
mod directory;
mod feed_query;
mod guest_admin;
mod guests;
mod mail;
mod markers;
mod mentions;
mod notifications;
mod permissions;
mod search;
mod second_steps;
mod store;
mod subtree;
mod tokens;
mod trash;
mod tree;
// Notification e-mail: the digest job.
mod notification_mail;

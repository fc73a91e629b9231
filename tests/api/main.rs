//! Black-box tests: each test starts the real HTTP server on a fresh database
//! (SQLite by default, PostgreSQL when `PORTICO_TEST_DATABASE` names a server)
//! and talks to it over HTTP like any client would. One binary for all of them
//! keeps link time down.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod harness;

mod admin;
mod attachments;
mod bad_input;
mod blogposts;
mod comments;
mod comments_ui;
mod drafts;
mod guest_admin;
mod guest_api;
mod guests;
mod inline_comments;
mod labels;
mod leak;
mod markers;
mod mentions;
mod notifications;
mod pages;
mod permissions;
mod reactions;
mod search;
mod second_steps;
mod spaces;
mod subtree;
mod templates;
mod thumbnails;
mod tokens;
mod trash;
mod tree;
mod ui;
mod versions;
// Discovery: feeds, people and profiles, link placeholders.
mod feeds;
mod links;
mod people;
// Notification e-mail: digests, preference, the admin hook.
mod notification_mail;

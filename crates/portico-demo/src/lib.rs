//! The world generator behind `portico demo --size S|M|L [--seed N]`: users,
//! guests, spaces with grants, page trees with versions, comments, labels and
//! view/edit restrictions, and a journal entry for every created space, page
//! and comment (the search indexer follows the journal), deterministic from a
//! seed.
//!
//! Three known accounts are created through the product's own use cases
//! (`App::create_org_admin`, `App::create_user`, sign-in, API tokens); the
//! bulk of the rows goes through `portico_store::bulk` (multi-row inserts in
//! large transactions), with materialised paths and restriction keys computed
//! here by the same core rules the app uses (`core::page::child_path`,
//! `core::policy::restriction_key`). The password is hashed once, by the app,
//! and that hash is reused for every generated user.

use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use portico_app::{App, NewAdmin, NewUser, Role};
use portico_core::PageId;
use portico_core::permission::BuiltinRole;
use portico_core::policy::restriction_key;
use portico_store::{Store, bulk};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

mod words;

pub use words::WORDS;

/// The password of every generated account (printed by `portico demo`).
pub const DEMO_PASSWORD: &str = "portico-demo-password";
pub const ADMIN_EMAIL: &str = "admin@demo.portico.test";
pub const MEMBER_EMAIL: &str = "member@demo.portico.test";
pub const GUEST_EMAIL: &str = "guest@partner.example";

/// How big a world to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Size {
    S,
    M,
    L,
}

impl FromStr for Size {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_uppercase().as_str() {
            "S" => Ok(Size::S),
            "M" => Ok(Size::M),
            "L" => Ok(Size::L),
            _ => Err(format!("size `{text}` is not one of S, M, L")),
        }
    }
}

/// The documented shape of each size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shape {
    /// Every account, the three known ones and the guests included.
    pub users: usize,
    pub guests: usize,
    pub spaces: usize,
    /// Every page, home pages included.
    pub pages: usize,
}

impl Size {
    pub fn shape(self) -> Shape {
        match self {
            Size::S => Shape {
                users: 200,
                guests: 40,
                spaces: 20,
                pages: 2_000,
            },
            Size::M => Shape {
                users: 5_000,
                guests: 1_000,
                spaces: 500,
                pages: 100_000,
            },
            Size::L => Shape {
                users: 50_000,
                guests: 10_000,
                spaces: 5_000,
                pages: 1_000_000,
            },
        }
    }
}

pub struct Options {
    pub size: Size,
    pub seed: u64,
    /// Draw a progress bar on the terminal.
    pub progress: bool,
}

/// A known account: e-mail, password and an API token (Basic e-mail:token).
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub password: String,
    pub token: String,
}

/// What a generated world holds, and how to use it (the benchmark harness
/// reads this as JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub size: Size,
    pub seed: u64,
    pub shape: Shape,
    pub admin: Account,
    /// A member with the all-members grants of the open spaces (broad access).
    pub member: Account,
    /// A guest assigned to exactly one space.
    pub guest: Account,
    pub guest_space_id: i64,
    /// Unrestricted pages in open spaces (the member views them).
    pub member_pages: Vec<i64>,
    /// Unrestricted pages in the guest's space.
    pub guest_pages: Vec<i64>,
    /// Pages the member may edit, with their current version.
    pub member_edit_pages: Vec<(i64, i64)>,
    /// Words the bodies are made of, most frequent first (search queries).
    pub words: Vec<String>,
    pub counts: Vec<(String, i64)>,
    pub seconds: f64,
}

/// The generated content starts here, so the same seed gives the same rows.
fn epoch() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + Duration::days(20_423) // 2025-12-01
}

/// Pages written per transaction.
const BATCH_PAGES: usize = 20_000;
/// Users written per transaction.
const BATCH_USERS: usize = 10_000;
/// Every n-th space allows guests (space 0 — the known guest's — always).
const GUEST_SPACE_EVERY: usize = 5;
/// Every n-th space (offset 3) has no all-members grant: a private space.
const PRIVATE_SPACE_EVERY: usize = 10;
/// Deepest page tree level (the home page is level 0).
const MAX_DEPTH: usize = 8;

/// Generates a world into an empty database. `app` must run on `store`.
pub async fn generate(app: &App, store: &Store, options: &Options) -> anyhow::Result<Report> {
    let started = std::time::Instant::now();
    let shape = options.size.shape();
    if !bulk::is_empty(store.read()).await? {
        bail!("the database already holds users: a world is generated into an empty data folder");
    }
    let mut rng = StdRng::seed_from_u64(options.seed);

    // The known accounts, through the product's own use cases.
    let admin_id = app
        .create_org_admin(NewAdmin {
            email: ADMIN_EMAIL.into(),
            display_name: "Demo Admin".into(),
            password: DEMO_PASSWORD.into(),
        })
        .await?
        .0;
    let member_id = app
        .create_user(NewUser {
            email: MEMBER_EMAIL.into(),
            display_name: "Demo Member".into(),
            password: DEMO_PASSWORD.into(),
            role: Role::Member,
        })
        .await?
        .0;
    let guest_id = app
        .create_user(NewUser {
            email: GUEST_EMAIL.into(),
            display_name: "Demo Guest".into(),
            password: DEMO_PASSWORD.into(),
            role: Role::Guest,
        })
        .await?
        .0;
    let hash = portico_store::users::find(store.read(), admin_id)
        .await?
        .and_then(|user| user.password_hash)
        .context("the demo admin has no password hash")?;
    let now = OffsetDateTime::now_utc();

    let bar = if options.progress {
        let bar = ProgressBar::new((shape.users + shape.pages) as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>8} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    // Users: members first, then guests. Ids follow the known accounts.
    let first_user = guest_id.max(member_id).max(admin_id) + 1;
    let generated_users = shape.users.saturating_sub(3);
    let generated_guests = shape.guests.saturating_sub(1);
    let first_guest = first_user + (generated_users - generated_guests) as i64;
    let last_user = first_user + generated_users as i64 - 1;
    let members: Vec<i64> = [admin_id, member_id]
        .into_iter()
        .chain(first_user..first_guest)
        .collect();
    bar.set_message("users");
    let mut id = first_user;
    while id <= last_user {
        let end = (id + BATCH_USERS as i64 - 1).min(last_user);
        let rows: Vec<bulk::User> = (id..=end)
            .map(|id| {
                let guest = id >= first_guest;
                let first = WORDS[rng.random_range(0..WORDS.len())];
                let last = WORDS[rng.random_range(0..WORDS.len())];
                bulk::User {
                    id,
                    email: if guest {
                        format!("guest{id}@partner.example")
                    } else {
                        format!("user{id}@demo.portico.test")
                    },
                    display_name: format!("{} {} {id}", capitalise(first), capitalise(last)),
                    password_hash: &hash,
                    role: if guest { "guest" } else { "member" },
                    email_verified_at: guest.then_some(now),
                    created_at: epoch(),
                }
            })
            .collect();
        let tx = store.write().await?;
        bulk::users(tx.conn(), &rows).await?;
        tx.commit().await?;
        bar.inc(rows.len() as u64);
        id = end + 1;
    }

    // Labels: one per word of the first part of the vocabulary.
    let labels: Vec<bulk::Label> = WORDS
        .iter()
        .take(200)
        .enumerate()
        .map(|(index, word)| bulk::Label {
            id: index as i64 + 1,
            name: (*word).to_owned(),
        })
        .collect();
    {
        let tx = store.write().await?;
        bulk::labels(tx.conn(), &labels).await?;
        // Guests may use API tokens in the demo world (the benchmarks sign in with them).
        portico_store::settings::set(tx.conn(), "guests.api_tokens", "true").await?;
        tx.commit().await?;
    }

    let role_id = |role: BuiltinRole| async move {
        portico_store::permissions::role_by_key(store.read(), role.key())
            .await?
            .map(|row| row.id)
            .with_context(|| format!("missing built-in role `{}`", role.key()))
    };
    let collaborator = role_id(BuiltinRole::Collaborator).await?;
    let viewer_role = role_id(BuiltinRole::Viewer).await?;
    let admin_role = role_id(BuiltinRole::Admin).await?;

    // Spaces and their pages, in batches of whole spaces.
    let pages_per_space = shape.pages / shape.spaces;
    let page_seconds = (365 * 86_400) / shape.pages as i64;
    let mut next_page: i64 = 1;
    let mut next_comment: i64 = 1;
    let mut member_pages = Vec::new();
    let mut guest_pages = Vec::new();
    let mut member_edit_pages = Vec::new();
    let mut guest_spaces = Vec::new();
    let mut batch = Batch::default();
    bar.set_message("pages");
    for space_index in 0..shape.spaces {
        let space_id = space_index as i64 + 1;
        let creator = members[rng.random_range(0..members.len())];
        let allows_guests = space_index % GUEST_SPACE_EVERY == 0;
        let private = space_index % PRIVATE_SPACE_EVERY == 3;
        if allows_guests {
            guest_spaces.push(space_id);
        }
        let topic = WORDS[rng.random_range(0..WORDS.len())];
        let name = format!("{} {}", capitalise(topic), space_id);
        let home_id = next_page;
        batch.spaces.push(bulk::Space {
            id: space_id,
            key: format!("S{space_id}"),
            name: name.clone(),
            description: sentence(&mut rng, 8),
            homepage_id: home_id,
            created_by: creator,
            allows_guests,
            created_at: epoch(),
        });
        batch.journal.push(bulk::JournalEntry {
            at: epoch(),
            kind: "space.created",
            entity_kind: "space",
            entity_id: space_id,
            space_id: Some(space_id),
        });
        // Who may see the space: all members, or (private) a few of them.
        let mut space_members: Vec<i64> = if private {
            let mut chosen: BTreeSet<i64> = BTreeSet::new();
            while chosen.len() < 20.min(members.len()) {
                chosen.insert(members[rng.random_range(0..members.len())]);
            }
            chosen.remove(&member_id);
            chosen.remove(&creator);
            for user in &chosen {
                batch
                    .grants
                    .push(grant(space_id, *user, collaborator, creator));
            }
            chosen.into_iter().collect()
        } else {
            batch.grants.push(bulk::Grant {
                space_id,
                grantee_kind: "all-members",
                grantee_id: 0,
                role_id: collaborator,
                granted_by: None,
                created_at: epoch(),
            });
            Vec::new()
        };
        batch
            .grants
            .push(grant(space_id, creator, admin_role, creator));
        space_members.push(creator);
        let author_of = |rng: &mut StdRng| {
            if space_members.len() > 1 || private {
                space_members[rng.random_range(0..space_members.len())]
            } else {
                members[rng.random_range(0..members.len())]
            }
        };

        // The tree: the home page, then pages under earlier pages.
        let mut tree: Vec<(i64, String, usize)> = Vec::with_capacity(pages_per_space);
        let mut children: HashMap<i64, i64> = HashMap::new();
        let mut restricted: BTreeSet<i64> = BTreeSet::new();
        for index in 0..pages_per_space {
            let page_id = next_page;
            next_page += 1;
            let (parent, path, depth) = if index == 0 {
                (None, "/".to_owned(), 0)
            } else {
                let pick = if rng.random_bool(0.3) || tree.len() < 2 {
                    0
                } else {
                    let recent = tree.len().min(50);
                    tree.len() - 1 - rng.random_range(0..recent)
                };
                let pick = if tree[pick].2 >= MAX_DEPTH { 0 } else { pick };
                let (parent_id, parent_path, parent_depth) = &tree[pick];
                (
                    Some(*parent_id),
                    portico_core::page::child_path(Some((PageId(*parent_id), parent_path))),
                    parent_depth + 1,
                )
            };
            let position = parent.map_or(0, |parent| {
                let count = children.entry(parent).or_insert(0);
                *count += 1;
                *count - 1
            });
            let author = author_of(&mut rng);
            let created_at =
                epoch() + Duration::seconds(page_seconds * (page_id - 1) + rng.random_range(0..60));
            let title = if index == 0 {
                name.clone()
            } else {
                format!(
                    "{} {} {page_id}",
                    capitalise(WORDS[word_index(&mut rng)]),
                    WORDS[word_index(&mut rng)]
                )
            };
            let versions = match rng.random_range(0..10) {
                0..6 => 1,
                6..9 => 2,
                _ => 3,
            };
            let mut updated_at = created_at;
            let mut body = String::new();
            let mut editor = author;
            for number in 1..=versions {
                body = paragraphs(&mut rng, 2);
                if number > 1 {
                    updated_at += Duration::hours(rng.random_range(1..72));
                    editor = author_of(&mut rng);
                }
                batch.versions.push(bulk::Version {
                    page_id,
                    number,
                    title: title.clone(),
                    body: body.clone(),
                    author_id: editor,
                    created_at: updated_at,
                });
            }
            // Restrictions: a few pages are viewable by named people only
            // (their author, the known member sometimes, three others).
            let mut view_restricted = false;
            if index > 0 && rng.random_bool(0.015) {
                view_restricted = true;
                restricted.insert(page_id);
                let mut allowed: BTreeSet<i64> = BTreeSet::from([author]);
                if rng.random_bool(0.3) {
                    allowed.insert(member_id);
                }
                for _ in 0..3 {
                    allowed.insert(members[rng.random_range(0..members.len())]);
                }
                for user in allowed {
                    batch.restrictions.push(bulk::Restriction {
                        page_id,
                        kind: "view",
                        user_id: user,
                    });
                }
            }
            let edit_restricted = index > 0 && rng.random_bool(0.01);
            if edit_restricted {
                batch.restrictions.push(bulk::Restriction {
                    page_id,
                    kind: "edit",
                    user_id: author,
                });
            }
            let mut chain = portico_core::page::ancestors(&path);
            chain.push(PageId(page_id));
            let key = restriction_key(&chain, |page| restricted.contains(&page.0)).map(|p| p.0);
            if key.is_none() && !private {
                if member_pages.len() < 2_000 {
                    member_pages.push(page_id);
                }
                if !edit_restricted && !view_restricted && member_edit_pages.len() < 500 {
                    member_edit_pages.push((page_id, versions));
                }
            }
            if key.is_none() && space_index == 0 && guest_pages.len() < 2_000 {
                guest_pages.push(page_id);
            }
            // Comments and labels.
            if rng.random_bool(0.25) {
                for minute in 0..rng.random_range(1..=2) {
                    let at = updated_at + Duration::minutes(minute + 5);
                    batch.journal.push(bulk::JournalEntry {
                        at,
                        kind: "comment.created",
                        entity_kind: "comment",
                        entity_id: next_comment,
                        space_id: Some(space_id),
                    });
                    batch.comments.push(bulk::Comment {
                        id: next_comment,
                        page_id,
                        author_id: author_of(&mut rng),
                        body: format!("<p>{}</p>", sentence(&mut rng, 12)),
                        created_at: at,
                    });
                    next_comment += 1;
                }
            }
            if rng.random_bool(0.3) {
                let mut chosen = BTreeSet::new();
                for _ in 0..rng.random_range(1..=2) {
                    chosen.insert(labels[word_index(&mut rng) % labels.len()].id);
                }
                for label_id in chosen {
                    batch.content_labels.push(bulk::ContentLabel {
                        page_id,
                        label_id,
                        created_by: author,
                        created_at,
                    });
                }
            }
            batch.journal.push(bulk::JournalEntry {
                at: created_at,
                kind: "page.created",
                entity_kind: "page",
                entity_id: page_id,
                space_id: Some(space_id),
            });
            batch.pages.push(bulk::Page {
                id: page_id,
                space_id,
                parent_id: parent,
                path: path.clone(),
                position,
                title,
                version: versions,
                body,
                author_id: author,
                updated_by: editor,
                created_at,
                updated_at,
                restriction_key: key,
            });
            tree.push((page_id, path, depth));
        }
        if batch.pages.len() >= BATCH_PAGES || space_index + 1 == shape.spaces {
            let written = batch.pages.len() as u64;
            batch.write(store).await?;
            bar.inc(written);
        }
    }

    // Guests: each generated guest gets one guest space (the site allows one
    // by default); the known guest gets space 1 only.
    let mut guest_grants = vec![grant(guest_spaces[0], guest_id, collaborator, admin_id)];
    for guest in first_guest..=last_user {
        let space = guest_spaces[rng.random_range(0..guest_spaces.len())];
        let role = if rng.random_bool(0.5) {
            collaborator
        } else {
            viewer_role
        };
        guest_grants.push(grant(space, guest, role, admin_id));
    }
    {
        let tx = store.write().await?;
        bulk::grants(tx.conn(), &guest_grants).await?;
        bulk::confirm_address(tx.conn(), guest_id, now).await?;
        bulk::finish(tx.conn()).await?;
        tx.commit().await?;
    }
    bar.finish_with_message("done");

    // Tokens for the known accounts, through sign-in and the token use case.
    let admin = account(app, admin_id, ADMIN_EMAIL).await?;
    let member = account(app, member_id, MEMBER_EMAIL).await?;
    let guest = account(app, guest_id, GUEST_EMAIL).await?;
    let counts = bulk::counts(store.read())
        .await?
        .into_iter()
        .map(|(table, count)| (table.to_owned(), count))
        .collect();
    Ok(Report {
        size: options.size,
        seed: options.seed,
        shape,
        admin,
        member,
        guest,
        guest_space_id: guest_spaces[0],
        member_pages,
        guest_pages,
        member_edit_pages,
        words: WORDS
            .iter()
            .take(100)
            .map(|word| (*word).to_owned())
            .collect(),
        counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Rows waiting to be written in one transaction.
#[derive(Default)]
struct Batch {
    spaces: Vec<bulk::Space>,
    pages: Vec<bulk::Page>,
    versions: Vec<bulk::Version>,
    comments: Vec<bulk::Comment>,
    grants: Vec<bulk::Grant>,
    restrictions: Vec<bulk::Restriction>,
    content_labels: Vec<bulk::ContentLabel>,
    journal: Vec<bulk::JournalEntry>,
}

impl Batch {
    async fn write(&mut self, store: &Store) -> anyhow::Result<()> {
        let tx = store.write().await?;
        let conn = tx.conn();
        bulk::spaces(conn, &self.spaces).await?;
        bulk::pages(conn, &self.pages).await?;
        bulk::versions(conn, &self.versions).await?;
        bulk::comments(conn, &self.comments).await?;
        bulk::grants(conn, &self.grants).await?;
        bulk::restrictions(conn, &self.restrictions).await?;
        bulk::content_labels(conn, &self.content_labels).await?;
        bulk::journal(conn, &self.journal).await?;
        tx.commit().await?;
        *self = Batch::default();
        Ok(())
    }
}

fn grant(space_id: i64, user: i64, role_id: i64, by: i64) -> bulk::Grant {
    bulk::Grant {
        space_id,
        grantee_kind: "user",
        grantee_id: user,
        role_id,
        granted_by: Some(by),
        created_at: epoch(),
    }
}

async fn account(app: &App, id: i64, email: &str) -> anyhow::Result<Account> {
    let session = app.sign_in(email, DEMO_PASSWORD).await?;
    if session.pending.is_some() {
        bail!("signing in as `{email}` asks for another step");
    }
    let (viewer, _) = app
        .authenticate_session(&session.token)
        .await?
        .with_context(|| format!("the session of `{email}` is not valid"))?;
    let token = app.create_api_token(&viewer, "demo", 365).await?;
    Ok(Account {
        id,
        email: email.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        token: token.secret,
    })
}

/// A word index skewed towards the start of the list (a few words are
/// common, most are rare), as in real text.
fn word_index(rng: &mut StdRng) -> usize {
    let x: f64 = rng.random();
    ((x * x * x) * WORDS.len() as f64) as usize % WORDS.len()
}

fn sentence(rng: &mut StdRng, words: usize) -> String {
    let mut text = String::new();
    for index in 0..words {
        if index > 0 {
            text.push(' ');
        }
        text.push_str(WORDS[word_index(rng)]);
    }
    text
}

fn paragraphs(rng: &mut StdRng, count: usize) -> String {
    let mut body = String::new();
    for _ in 0..count {
        let words = rng.random_range(12..25);
        body.push_str("<p>");
        body.push_str(&capitalise(&sentence(rng, words)));
        body.push_str(".</p>");
    }
    body
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

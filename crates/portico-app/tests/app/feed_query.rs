//! The recently-updated query (`store::feeds::changes`) and the page filter
//! judged in memory (`Visibility::admits`), against what the filter means,
//! on random worlds big enough for every way the feed query starts: from the
//! visible pages (few spaces), from one author's saves, and from windows of
//! the newest saves that give up and go on from the pages (a broad viewer
//! who sees little of what was saved lately).

use std::collections::HashMap;

use portico_store::pages::{self, PageQuery, Visibility};
use portico_store::testing::TestDatabase;
use portico_store::{PageRow, Store, bulk, feeds};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::OffsetDateTime;

const SPACES: i64 = 24;
const PAGES_PER_SPACE: i64 = 10;
/// More than the batches read at most (64 + 256 + 1,024 + 4,096 + 16,384),
/// so that a viewer who sees only old saves sends the query back to the
/// pages.
const VERSIONS: i64 = 24_000;
/// Saves spread over every space; the newer ones are all in the last two.
const OLD_SAVES: i64 = 1_000;

struct World {
    pages: Vec<PageRow>,
    /// (id, page, author), oldest first.
    versions: Vec<(i64, i64, i64)>,
}

async fn world(store: &Store, rng: &mut StdRng) -> World {
    let now = OffsetDateTime::now_utc();
    let tx = store.write().await.unwrap();
    let users: Vec<bulk::User> = (1..=3)
        .map(|id| bulk::User {
            id,
            email: format!("author{id}@example.test"),
            display_name: format!("Author {id}"),
            password_hash: "unused",
            role: "member",
            email_verified_at: None,
            created_at: now,
        })
        .collect();
    bulk::users(tx.conn(), &users).await.unwrap();
    let mut spaces = Vec::new();
    let mut rows = Vec::new();
    for space in 1..=SPACES {
        let first = (space - 1) * PAGES_PER_SPACE + 1;
        spaces.push(bulk::Space {
            id: space,
            key: format!("S{space}"),
            name: format!("Space {space}"),
            description: String::new(),
            homepage_id: first,
            created_by: 1,
            allows_guests: true,
            created_at: now,
        });
        let mut paths: HashMap<i64, (String, Option<i64>)> = HashMap::new();
        for id in first..first + PAGES_PER_SPACE {
            // A random earlier page of the space is the parent; the key is
            // the nearest restricted ancestor-or-self, as the app keeps it.
            let parent = (id > first && rng.random_bool(0.8)).then(|| rng.random_range(first..id));
            let (path, inherited) = match parent {
                Some(p) => {
                    let (parent_path, parent_key) = &paths[&p];
                    (format!("{parent_path}{p}/"), *parent_key)
                }
                None => ("/".to_owned(), None),
            };
            let key = if rng.random_bool(0.2) {
                Some(id)
            } else {
                inherited
            };
            paths.insert(id, (path.clone(), key));
            rows.push(bulk::Page {
                id,
                space_id: space,
                parent_id: parent,
                path,
                position: id,
                title: format!("Page {id}"),
                version: 1,
                body: String::new(),
                author_id: 1,
                updated_by: 1,
                created_at: now,
                updated_at: now,
                restriction_key: key,
            });
        }
    }
    bulk::spaces(tx.conn(), &spaces).await.unwrap();
    bulk::pages(tx.conn(), &rows).await.unwrap();
    // The oldest saves go to any page, all later ones to the last two
    // spaces' pages.
    let page_count = SPACES * PAGES_PER_SPACE;
    let mut numbers: HashMap<i64, i64> = HashMap::new();
    let mut versions = Vec::new();
    let mut batch = Vec::new();
    for id in 1..=VERSIONS {
        let page = if id > OLD_SAVES {
            rng.random_range(page_count - 2 * PAGES_PER_SPACE + 1..=page_count)
        } else {
            rng.random_range(1..=page_count)
        };
        let author = rng.random_range(1..=3);
        let number = numbers.entry(page).or_insert(0);
        *number += 1;
        versions.push((id, page, author));
        batch.push(bulk::Version {
            page_id: page,
            number: *number,
            title: String::new(),
            body: String::new(),
            author_id: author,
            created_at: now,
        });
    }
    bulk::versions(tx.conn(), &batch).await.unwrap();
    tx.commit().await.unwrap();
    let pages = pages::find_many(store.read(), &(1..=page_count).collect::<Vec<_>>())
        .await
        .unwrap();
    World { pages, versions }
}

/// A page filter's sets, owned.
struct Sets {
    spaces: Vec<i64>,
    keys: Vec<i64>,
    subtrees: Vec<(i64, i64, String)>,
}

/// A random page filter: some whole spaces, some subtrees elsewhere, some
/// satisfied keys.
fn filter(rng: &mut StdRng, world: &World, whole: usize) -> Sets {
    let mut spaces: Vec<i64> = (1..=SPACES).collect();
    for i in (1..spaces.len()).rev() {
        spaces.swap(i, rng.random_range(0..=i));
    }
    let rest = spaces.split_off(whole);
    let subtrees = rest
        .iter()
        .take(rng.random_range(0..3))
        .map(|space| {
            let root = &world.pages[usize::try_from(
                (space - 1) * PAGES_PER_SPACE + rng.random_range(0..PAGES_PER_SPACE),
            )
            .unwrap()];
            (*space, root.id, format!("{}{}/", root.path, root.id))
        })
        .collect();
    let keys = world
        .pages
        .iter()
        .filter(|p| p.restriction_key == Some(p.id) && rng.random_bool(0.5))
        .map(|p| p.id)
        .collect();
    Sets {
        spaces,
        keys,
        subtrees,
    }
}

/// What the filter means, restated from DESIGN.md ("space in spaces, or
/// the page is (under) a shared root; and the key is absent or held").
fn meant(page: &PageRow, spaces: &[i64], keys: &[i64], subtrees: &[(i64, i64, String)]) -> bool {
    let placed = spaces.contains(&page.space_id)
        || subtrees.iter().any(|(space, root, _)| {
            page.space_id == *space
                && (page.id == *root || page.path.split('/').any(|a| a == root.to_string()))
        });
    placed && page.restriction_key.is_none_or(|key| keys.contains(&key))
}

/// Every save the feed shows, walked page by page with its cursor.
async fn walk(store: &Store, visible: Visibility<'_>, author: Option<i64>, limit: u64) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let rows = feeds::changes(
            store.read(),
            visible,
            feeds::FeedScope::default(),
            author,
            before,
            limit,
        )
        .await
        .unwrap();
        seen.extend(rows.iter().map(|row| row.id));
        if (rows.len() as u64) < limit {
            return seen;
        }
        before = rows.last().map(|row| row.id);
    }
}

#[tokio::test]
async fn the_feed_lists_exactly_the_visible_saves_newest_first_however_it_starts() {
    let db = TestDatabase::create().await.unwrap();
    let store = Store::open(&db.url).await.unwrap();
    let seed: u64 = rand::rng().random();
    let mut rng = StdRng::seed_from_u64(seed);
    let world = world(&store, &mut rng).await;
    let by_id: HashMap<i64, &PageRow> = world.pages.iter().map(|p| (p.id, p)).collect();
    // Narrow (from the pages), broad (windows), and broad but without the
    // spaces that hold the newest saves (windows, then the pages).
    let cases = [(2, false), (20, false), (SPACES as usize - 2, true)];
    for (whole, without_newest) in cases {
        let Sets {
            mut spaces,
            keys,
            mut subtrees,
        } = filter(&mut rng, &world, whole);
        if without_newest {
            spaces = (1..=SPACES - 2).collect();
            subtrees.clear();
        }
        let visible = Visibility {
            spaces: &spaces,
            keys: &keys,
            subtrees: &subtrees,
        };
        let context = format!("seed {seed:#x}, {whole} whole spaces, subtrees {subtrees:?}");

        let listed = pages::list(
            store.read(),
            PageQuery {
                visible,
                space_ids: None,
                title: None,
                label_id: None,
                kind: None,
                status: "current",
                after_id: None,
                limit: 10_000,
            },
        )
        .await
        .unwrap();
        let mut listed: Vec<i64> = listed.iter().map(|p| p.id).collect();
        listed.sort_unstable();
        let admitted: Vec<i64> = world
            .pages
            .iter()
            .filter(|p| visible.admits((*p).into()))
            .map(|p| p.id)
            .collect();
        let expected_pages: Vec<i64> = world
            .pages
            .iter()
            .filter(|p| meant(p, &spaces, &keys, &subtrees))
            .map(|p| p.id)
            .collect();
        assert_eq!(listed, expected_pages, "the SQL filter, {context}");
        assert_eq!(admitted, expected_pages, "the filter in memory, {context}");

        for author in [None, Some(2)] {
            let expected: Vec<i64> = world
                .versions
                .iter()
                .rev()
                .filter(|(_, page, by)| {
                    meant(by_id[page], &spaces, &keys, &subtrees) && author.is_none_or(|a| a == *by)
                })
                .map(|(id, _, _)| *id)
                .collect();
            assert!(!expected.is_empty(), "the world shows something, {context}");
            let got = walk(&store, visible, author, 500).await;
            assert_eq!(got, expected, "author {author:?}, {context}");
        }
    }
}

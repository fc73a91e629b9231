//! Pages as last read from the database, for the hot
//! single-page read. Holds rows, never decisions: every hit is admitted by
//! the reader's access set exactly as a fresh read would be.
//!
//! An entry holds while the change watch's generation is the one it was read
//! under (any commit of ours, any move of the permission epoch or of the
//! journal moves it) and for at most [`MAX_AGE`] (a last resort for a change
//! the watch could not see, such as a PostgreSQL transaction that commits
//! long after it took its journal id).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use portico_store::PageRow;

/// The most pages kept; the cache starts over beyond it.
const LIMIT: usize = 20_000;
/// Bodies larger than this are read from the database every time.
const MAX_BODY: usize = 256 * 1024;
/// The longest an entry is trusted, whatever the watch says.
const MAX_AGE: Duration = Duration::from_secs(30);

/// A page as read, and whether its body links to other pages (whose titles
/// depend on the reader).
#[derive(Debug, Clone)]
pub(crate) struct CachedPage {
    pub page: PageRow,
    pub has_links: bool,
}

struct Entry {
    generation: u64,
    read_at: Instant,
    cached: CachedPage,
}

#[derive(Default)]
pub(crate) struct RowCache {
    pages: Mutex<HashMap<i64, Entry>>,
}

impl RowCache {
    /// The page with `id` as read under `generation`, if still held.
    pub fn page(&self, id: i64, generation: u64) -> Option<CachedPage> {
        let pages = self.pages.lock().ok()?;
        pages
            .get(&id)
            .filter(|entry| entry.generation == generation && entry.read_at.elapsed() < MAX_AGE)
            .map(|entry| entry.cached.clone())
    }

    /// Keeps `cached`, read under `generation` (taken before the read).
    pub fn put(&self, generation: u64, cached: CachedPage) {
        if cached.page.body.len() > MAX_BODY {
            return;
        }
        if let Ok(mut pages) = self.pages.lock() {
            if pages.len() >= LIMIT {
                pages.retain(|_, entry| entry.generation == generation);
                if pages.len() >= LIMIT {
                    pages.clear();
                }
            }
            pages.insert(
                cached.page.id,
                Entry {
                    generation,
                    read_at: Instant::now(),
                    cached,
                },
            );
        }
    }
}

//! What this process knows of the database's change counters, so that a warm
//! request asks the database nothing about freshness.
//!
//! Two counters say that something changed: the permission epoch (moved in
//! the same transaction as every change to who may see or do what, sign-outs
//! and token revocations included) and the journal (an entry for every
//! content change). The watch reads them again
//! - after any write this process committed (the store counts them), so a
//!   change made here is seen by the very next request, and
//! - at most [`RECHECK`] after the last reading, so a change made by another
//!   node or another process (`portico admin`) is seen within that time.
//!
//! Each reading that differs from the last moves the **generation**; caches
//! of rows (pages, spaces) are keyed by it, caches of access sets and
//! callers by the epoch alone.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use portico_store::{Store, journal, permissions};

use crate::error::AppResult;

/// The longest a reading is trusted without a commit of our own: how late
/// another node's change may be seen.
pub const RECHECK: Duration = Duration::from_millis(100);

/// How far back the journal window reaches: an entry whose transaction
/// commits later than this after taking its id (PostgreSQL) is not noticed
/// by the window (row caches also expire on their own, see `row_cache`).
const WINDOW_GRACE: Duration = Duration::from_secs(10);

/// How many journal positions below the head the first window starts.
const FIRST_WINDOW: i64 = 1_000;

/// What one reading of the counters says, as caches use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Freshness {
    pub epoch: i64,
    pub generation: u64,
}

#[derive(Debug, Clone, Copy)]
struct Reading {
    /// When the reading began: a reading that began earlier than the one
    /// kept never replaces it.
    began: Instant,
    commits: u64,
    epoch: i64,
    /// `journal::marker` after `window_start`.
    journal: (i64, i64),
}

#[derive(Debug)]
struct State {
    last: Option<Reading>,
    generation: u64,
    /// The journal position the window counts from (`None` before the
    /// first reading), and the head that becomes the next start once the
    /// current one is old enough.
    window_start: Option<i64>,
    next_start: (i64, Instant),
}

#[derive(Debug)]
pub(crate) struct ChangeWatch {
    state: Mutex<State>,
    /// Held while the counters are read.
    reading: tokio::sync::Mutex<()>,
}

impl Default for ChangeWatch {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                last: None,
                generation: 0,
                window_start: None,
                next_start: (0, Instant::now()),
            }),
            reading: tokio::sync::Mutex::new(()),
        }
    }
}

impl ChangeWatch {
    /// The counters as of now: from memory while no commit of ours and no
    /// more than [`RECHECK`] has passed since they were read, else read again.
    pub async fn current(&self, store: &Store) -> AppResult<Freshness> {
        let commits = store.committed_writes();
        if let Some(fresh) = self.fresh(commits) {
            return Ok(fresh);
        }
        // One reading at a time: the requests that queue behind it take its
        // result, which began after they saw `commits`.
        let _reading = self.reading.lock().await;
        if let Some(fresh) = self.fresh(commits) {
            return Ok(fresh);
        }
        let window_start = match self.state.lock() {
            Ok(state) => state.window_start,
            Err(_) => None,
        };
        let window_start = match window_start {
            Some(start) => start,
            // The first reading: the window starts a little below the head,
            // so counting it stays cheap however long the journal is.
            None => (journal::head(store.read()).await? - FIRST_WINDOW).max(0),
        };
        // INVARIANT: `commits` was taken before these reads, so the reading
        // reflects at least that many commits of ours.
        let began = Instant::now();
        let epoch = permissions::epoch(store.read()).await?;
        let marker = journal::marker(store.read(), window_start).await?;
        let reading = Reading {
            began,
            commits,
            epoch,
            journal: marker,
        };
        let Ok(mut state) = self.state.lock() else {
            // A poisoned lock: trust nothing cached.
            return Ok(Freshness {
                epoch,
                generation: u64::MAX,
            });
        };
        Ok(state.apply(reading, window_start))
    }

    /// The last reading, if it reflects at least `commits` commits of ours
    /// and is younger than [`RECHECK`].
    fn fresh(&self, commits: u64) -> Option<Freshness> {
        let state = self.state.lock().ok()?;
        let last = state.last?;
        (last.commits >= commits && last.began.elapsed() < RECHECK).then_some(Freshness {
            epoch: last.epoch,
            generation: state.generation,
        })
    }
}

impl State {
    fn apply(&mut self, reading: Reading, window_start: i64) -> Freshness {
        if let Some(last) = self.last
            && last.began >= reading.began
        {
            // A newer reading got here first; it is at least as fresh.
            return Freshness {
                epoch: last.epoch,
                generation: self.generation,
            };
        }
        let changed = match self.last {
            Some(last) => {
                last.commits != reading.commits
                    || last.epoch != reading.epoch
                    || last.journal != reading.journal
                    || Some(window_start) != self.window_start
            }
            None => true,
        };
        if self.window_start.is_none() {
            self.window_start = Some(window_start);
            // The next start is a head this reading saw: one taken before
            // any reading would be position 0, and sliding to it would
            // make every later reading count the whole journal.
            self.next_start = (reading.journal.0, Instant::now());
        }
        if changed {
            self.generation += 1;
            // Slide the window only when the generation moves anyway, so
            // sliding never empties the caches on its own; and only forward.
            let (head, since) = self.next_start;
            if since.elapsed() >= WINDOW_GRACE {
                self.window_start = Some(self.window_start.map_or(head, |start| start.max(head)));
                self.next_start = (reading.journal.0, Instant::now());
            }
        }
        self.last = Some(reading);
        Freshness {
            epoch: reading.epoch,
            generation: self.generation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(began: Instant, commits: u64, epoch: i64, journal: (i64, i64)) -> Reading {
        Reading {
            began,
            commits,
            epoch,
            journal,
        }
    }

    fn state() -> State {
        State {
            last: None,
            generation: 0,
            window_start: None,
            next_start: (0, Instant::now()),
        }
    }

    #[test]
    fn the_generation_moves_when_any_counter_moves_and_only_then() {
        let mut state = state();
        let t = Instant::now();
        let first = state.apply(reading(t, 0, 1, (10, 10)), 0);
        let same = state.apply(reading(t + RECHECK, 0, 1, (10, 10)), 0);
        assert_eq!(first, same);
        let commit = state.apply(reading(t + 2 * RECHECK, 1, 1, (10, 10)), 0);
        assert!(commit.generation > same.generation);
        let epoch = state.apply(reading(t + 3 * RECHECK, 1, 2, (10, 10)), 0);
        assert!(epoch.generation > commit.generation);
        assert_eq!(epoch.epoch, 2);
        // A late commit below the head: the head stays, the count moves.
        let late = state.apply(reading(t + 4 * RECHECK, 1, 2, (10, 11)), 0);
        assert!(late.generation > epoch.generation);
    }

    /// The first request may come long after the watch was made (a server
    /// idle after start): its window must still start near the head, or
    /// every reading counts the whole journal.
    #[test]
    fn the_window_starts_near_the_head_and_only_moves_forward() {
        let long_ago = Instant::now()
            .checked_sub(2 * WINDOW_GRACE)
            .unwrap_or_else(Instant::now);
        let mut state = State {
            next_start: (0, long_ago),
            ..state()
        };
        let t = Instant::now();
        state.apply(reading(t, 0, 1, (5_000, 1_000)), 4_000);
        assert_eq!(state.window_start, Some(4_000));
        state.apply(reading(t + RECHECK, 1, 1, (5_000, 1_000)), 4_000);
        assert_eq!(state.window_start, Some(4_000));
        // Once the grace has passed, a moving generation slides the start
        // up to a head seen since, never below where it was.
        state.next_start = (5_000, long_ago);
        state.apply(reading(t + 2 * RECHECK, 2, 1, (5_010, 10)), 4_000);
        assert_eq!(state.window_start, Some(5_000));
        state.next_start = (3_000, long_ago);
        state.apply(reading(t + 3 * RECHECK, 3, 1, (5_020, 20)), 5_000);
        assert_eq!(state.window_start, Some(5_000));
    }

    #[test]
    fn an_older_reading_never_replaces_a_newer_one() {
        let mut state = state();
        let t = Instant::now();
        let newer = state.apply(reading(t + RECHECK, 3, 7, (20, 20)), 0);
        let older = state.apply(reading(t, 2, 6, (19, 19)), 0);
        assert_eq!(newer, older);
        assert_eq!(older.epoch, 7);
    }
}

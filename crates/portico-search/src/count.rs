//! Counting matches only as far as anyone can page.
//!
//! Results can be paged to the [`MAX_WINDOW`](crate::MAX_WINDOW)th and no
//! further, so beyond it the total only needs to say "more than that".
//! Counting a common word exactly on a large site walks over a million
//! documents; this stops one past the window in each segment.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// How many documents match, up to `cap + 1` per segment (summed: more
/// than `cap` means "at least `cap`").
pub(crate) struct CappedCount {
    pub cap: usize,
}

impl Collector for CappedCount {
    type Fruit = usize;
    type Child = SegmentCount;

    fn for_segment(&self, _: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<SegmentCount> {
        Ok(SegmentCount(0))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, counts: Vec<usize>) -> tantivy::Result<usize> {
        Ok(counts.into_iter().sum())
    }

    /// On its own (not inside a tuple of collectors), stops early.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        _: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<usize> {
        let mut scorer = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut count = 0;
        let mut doc = scorer.doc();
        while doc != TERMINATED && count <= self.cap {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                count += 1;
            }
            doc = scorer.advance();
        }
        Ok(count)
    }
}

/// Inside a tuple of collectors, every match is counted.
pub(crate) struct SegmentCount(usize);

impl SegmentCollector for SegmentCount {
    type Fruit = usize;

    fn collect(&mut self, _: DocId, _: Score) {
        self.0 += 1;
    }

    fn harvest(self) -> usize {
        self.0
    }
}

//! Ranking for a viewer who may see most of the index.
//!
//! Written as one boolean query, a broad scope makes tantivy score every
//! document the words match (over a million for a common word on a large
//! site): block-max WAND only runs on a query made of nothing but terms. Here
//! the words alone drive the ranking, with WAND, and each candidate it
//! offers is judged before it may enter the top hits: the scope from fast
//! fields (its space, key and ancestors), the other filters from their own
//! document sets. A refused candidate never raises the bar, so the top hits
//! are exactly the unpruned query's.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Term;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError};

use crate::query::Scope;
use crate::schema::{self, id};

/// The scope as sets, for judging one document at a time.
#[derive(Debug, Default)]
pub(crate) struct ScopeSets {
    spaces: HashSet<u64>,
    /// Restriction keys the viewer satisfies, with 0 (none).
    keys: HashSet<u64>,
    /// Per space, the roots of the subtrees shared there.
    roots: HashMap<u64, Vec<u64>>,
}

impl ScopeSets {
    pub fn new(scope: &Scope<'_>) -> Self {
        let mut roots: HashMap<u64, Vec<u64>> = HashMap::new();
        for (space, root) in scope.subtrees {
            roots.entry(id(*space)).or_default().push(id(*root));
        }
        Self {
            spaces: scope.spaces.iter().map(|s| id(*s)).collect(),
            keys: std::iter::once(0)
                .chain(scope.keys.iter().map(|k| id(*k)))
                .collect(),
            roots,
        }
    }
}

/// The words (`text`, which alone scores) within the scope and the
/// non-scoring `filters`.
pub(crate) struct ScopedQuery {
    pub text: Box<dyn Query>,
    pub filters: Option<Box<dyn Query>>,
    pub scope: Arc<ScopeSets>,
}

impl Clone for ScopedQuery {
    fn clone(&self) -> Self {
        Self {
            text: self.text.box_clone(),
            filters: self.filters.as_ref().map(|f| f.box_clone()),
            scope: self.scope.clone(),
        }
    }
}

impl fmt::Debug for ScopedQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedQuery")
            .field("text", &self.text)
            .field("filters", &self.filters)
            .finish_non_exhaustive()
    }
}

impl Query for ScopedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let filters = match &self.filters {
            Some(filters) => {
                Some(filters.weight(EnableScoring::disabled_from_schema(enable_scoring.schema()))?)
            }
            None => None,
        };
        Ok(Box::new(ScopedWeight {
            text: self.text.weight(enable_scoring)?,
            filters,
            scope: self.scope.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        // Only the words are highlighted.
        self.text.query_terms(visitor);
    }
}

struct ScopedWeight {
    text: Box<dyn Weight>,
    filters: Option<Box<dyn Weight>>,
    scope: Arc<ScopeSets>,
}

impl ScopedWeight {
    fn judge(&self, reader: &SegmentReader) -> tantivy::Result<Judge> {
        let fast = reader.fast_fields();
        let ancestors = if self.scope.roots.is_empty() {
            None
        } else {
            Some(fast.u64(schema::SCOPE)?)
        };
        let filters = match &self.filters {
            Some(filters) => Some(filters.scorer(reader, 1.0)?),
            None => None,
        };
        Ok(Judge {
            scope: self.scope.clone(),
            space: fast.u64(schema::SPACE)?,
            key: fast.u64(schema::RESTRICTION)?,
            ancestors,
            filters,
        })
    }
}

impl Weight for ScopedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorer = Admitted {
            text: self.text.scorer(reader, boost)?,
            judge: self.judge(reader)?,
        };
        let first = scorer.text.doc();
        if first != TERMINATED && !scorer.judge.admits(first) {
            scorer.advance();
        }
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.judge(reader)?.admits(doc) {
            self.text.explain(reader, doc)
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} is outside the scope or the filters"
            )))
        }
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let mut judge = self.judge(reader)?;
        let mut bar = threshold;
        // The words offer their candidates in increasing document order,
        // which is what lets the filters' document sets only move forward.
        self.text
            .for_each_pruning(threshold, reader, &mut |doc, score| {
                if judge.admits(doc) {
                    bar = callback(doc, score);
                }
                bar
            })
    }
}

/// Judges documents of one segment, in increasing order.
struct Judge {
    scope: Arc<ScopeSets>,
    space: Column<u64>,
    key: Column<u64>,
    /// The page and its ancestors; read only when subtrees are shared.
    ancestors: Option<Column<u64>>,
    filters: Option<Box<dyn Scorer>>,
}

impl Judge {
    fn admits(&mut self, doc: DocId) -> bool {
        self.in_scope(doc) && self.passes_filters(doc)
    }

    /// What `Builder::scope` says as a query: a viewable space or a shared
    /// subtree of its space, and no key or a satisfied one.
    fn in_scope(&self, doc: DocId) -> bool {
        let scope = &self.scope;
        if !scope.keys.contains(&self.key.first(doc).unwrap_or(0)) {
            return false;
        }
        let Some(space) = self.space.first(doc) else {
            return false;
        };
        if scope.spaces.contains(&space) {
            return true;
        }
        match (scope.roots.get(&space), &self.ancestors) {
            (Some(roots), Some(ancestors)) => {
                ancestors.values_for_doc(doc).any(|a| roots.contains(&a))
            }
            _ => false,
        }
    }

    fn passes_filters(&mut self, doc: DocId) -> bool {
        let Some(filters) = &mut self.filters else {
            return true;
        };
        if filters.doc() < doc {
            filters.seek(doc);
        }
        filters.doc() == doc
    }
}

/// The words' documents that the judge admits.
struct Admitted {
    text: Box<dyn Scorer>,
    judge: Judge,
}

impl DocSet for Admitted {
    fn advance(&mut self) -> DocId {
        loop {
            let doc = self.text.advance();
            if doc == TERMINATED || self.judge.admits(doc) {
                return doc;
            }
        }
    }

    fn doc(&self) -> DocId {
        self.text.doc()
    }

    fn size_hint(&self) -> u32 {
        self.text.size_hint()
    }
}

impl Scorer for Admitted {
    fn score(&mut self) -> Score {
        self.text.score()
    }
}

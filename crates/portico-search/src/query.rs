//! A search request, and how it becomes one tantivy query with the viewer's
//! access set inside it.

use std::ops::Bound;
use std::sync::Arc;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, Term};
use time::OffsetDateTime;

use crate::census::{self, Census, Form};
use crate::document::DocKind;
use crate::pruned::{ScopeSets, ScopedQuery};
use crate::schema::{Fields, id};

/// How much more a match in the title counts than one in the body.
pub const TITLE_BOOST: f32 = 4.0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextTerm {
    Word(String),
    Phrase(String),
}

/// What the viewer may see, from their access set: whole spaces, restriction
/// keys they satisfy, and page subtrees shared on their own as
/// (space, root page).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub spaces: &'a [i64],
    pub keys: &'a [i64],
    pub subtrees: &'a [(i64, i64)],
}

impl Scope<'_> {
    pub fn is_empty(&self) -> bool {
        self.spaces.is_empty() && self.subtrees.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateRange {
    pub from: Option<OffsetDateTime>,
    /// Exclusive.
    pub until: Option<OffsetDateTime>,
}

/// One condition; a query holds all of its filters (AND), and each filter
/// admits any of its values (OR). `negated` filters exclude instead.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Words and phrases in the title or the body.
    Text(Vec<TextTerm>),
    /// Words and phrases in the title only.
    Title(Vec<TextTerm>),
    Space(Vec<i64>),
    Kind(Vec<DocKind>),
    Label(Vec<String>),
    Creator(Vec<i64>),
    Contributor(Vec<i64>),
    Created(DateRange),
    Modified(DateRange),
    /// These pages (or posts) and what hangs on them.
    Page(Vec<i64>),
    /// What lies under any of these pages (not the pages themselves).
    Ancestor(Vec<i64>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Relevance,
    ModifiedDesc,
    ModifiedAsc,
    CreatedDesc,
    CreatedAsc,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchQuery {
    pub filters: Vec<Filter>,
    pub order: Order,
    pub offset: usize,
    pub limit: usize,
}

impl SearchQuery {
    /// The text terms the snippets highlight.
    pub(crate) fn has_text(&self) -> bool {
        self.filters
            .iter()
            .any(|f| matches!(f, Filter::Text(t) | Filter::Title(t) if !t.is_empty()))
    }
}

/// How the scope meets the words. Every plan finds the same hits, in the
/// same order, with the same scores and total; they differ in speed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Plan {
    /// Pruned when the query ranks by words and the scope's spaces hold at
    /// least [`BROAD_SHARE`] of the index; joined otherwise.
    #[default]
    Chosen,
    /// The scope is clauses of one boolean query, and every match is
    /// scored: fast when the scope is narrow and drives.
    Joined,
    /// The words drive, with block-max WAND, and each candidate is judged
    /// against the scope (when the query has no words to rank by, joined).
    Pruned,
}

/// From this share of the index's documents in the viewer's spaces up,
/// pruning wins: a refused candidate costs a few lookups, while the joined
/// query scores every match. Below it, the scope is selective enough to
/// drive the joined query through a short list (a guest's one space).
pub const BROAD_SHARE: f64 = 0.125;

/// A built query, and whether it was built to be pruned (counted apart from
/// the ranking, so that the ranking may prune).
pub(crate) struct Built {
    pub query: Box<dyn Query>,
    pub pruned: bool,
}

pub(crate) struct Builder<'a> {
    pub fields: &'a Fields,
    pub title_tokens: TextAnalyzer,
    pub body_tokens: TextAnalyzer,
    /// The spaces and keys the searched index holds.
    pub census: &'a Census,
}

impl Builder<'_> {
    /// The whole query: the scope and every filter must hold; only text
    /// terms score. `plan` says how the scope meets the words.
    pub fn build(&mut self, scope: &Scope<'_>, query: &SearchQuery, plan: Plan) -> Built {
        if scope.is_empty() {
            return Built {
                query: Box::new(EmptyQuery),
                pruned: false,
            };
        }
        let ranks_by_words = query.order == Order::Relevance && query.has_text();
        let pruned = ranks_by_words
            && match plan {
                Plan::Chosen => {
                    let spaces: Vec<u64> = scope.spaces.iter().map(|s| id(*s)).collect();
                    census::share(&spaces, &self.census.spaces) >= BROAD_SHARE
                }
                Plan::Joined => false,
                Plan::Pruned => true,
            };
        let query = if pruned {
            self.pruned(scope, query)
        } else {
            self.joined(scope, query)
        };
        Built { query, pruned }
    }

    /// The words drive the ranking alone; the scope and the other filters
    /// judge each candidate ([`ScopedQuery`]).
    fn pruned(&mut self, scope: &Scope<'_>, query: &SearchQuery) -> Box<dyn Query> {
        let mut words = Vec::new();
        let mut others = Vec::new();
        for filter in &query.filters {
            match filter {
                Filter::Text(terms) | Filter::Title(terms) if !terms.is_empty() => {
                    words.push(self.filter(filter));
                }
                other => others.push(self.clause(other)),
            }
        }
        let text = if words.len() == 1 {
            words.remove(0)
        } else {
            Box::new(BooleanQuery::intersection(words))
        };
        let filters = (!others.is_empty()).then(|| all_of(others));
        Box::new(ScopedQuery {
            text,
            filters,
            scope: Arc::new(ScopeSets::new(scope)),
        })
    }

    /// One boolean query: the scope's clauses, the filters and the words.
    fn joined(&mut self, scope: &Scope<'_>, query: &SearchQuery) -> Box<dyn Query> {
        let mut clauses = self.scope(scope);
        for filter in &query.filters {
            clauses.push(self.clause(filter));
        }
        all_of(clauses)
    }

    /// One filter as a clause of the whole query: a negated one excludes.
    fn clause(&mut self, filter: &Filter) -> (Occur, Box<dyn Query>) {
        match filter {
            Filter::Not(inner) => (Occur::MustNot, self.filter(inner)),
            other => (Occur::Must, self.filter(other)),
        }
    }

    /// The scope as clauses of the whole query: where the document is (a
    /// viewable space, or a shared subtree), and its restriction key (none,
    /// or one the viewer satisfies). Each is written as "one of the allowed"
    /// or "none of the others", whichever costs less to read
    /// ([`census::cheaper`]); both admit the same documents.
    fn scope(&self, scope: &Scope<'_>) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let spaces: Vec<u64> = scope.spaces.iter().map(|s| id(*s)).collect();
        let shared: Vec<Box<dyn Query>> = scope
            .subtrees
            .iter()
            .map(|(space, root)| {
                Box::new(BooleanQuery::intersection(vec![
                    term(f.space, *space),
                    term(f.scope, *root),
                ])) as Box<dyn Query>
            })
            .collect();
        let mut clauses = Vec::new();
        match census::cheaper(&spaces, &self.census.spaces) {
            Form::AnyOf(allowed) => {
                let mut places = shared;
                if !allowed.is_empty() {
                    places.push(term_set(f.space, allowed));
                }
                clauses.push((Occur::Must, constant(Box::new(BooleanQuery::union(places)))));
            }
            Form::NoneOf(denied) if !denied.is_empty() => {
                // Out: the other spaces, except the subtrees shared there.
                let mut outside = vec![(Occur::Must, term_set(f.space, denied))];
                outside.extend(shared.into_iter().map(|q| (Occur::MustNot, q)));
                clauses.push((Occur::MustNot, Box::new(BooleanQuery::new(outside))));
            }
            Form::NoneOf(_) => {}
        }
        let keys: Vec<u64> = std::iter::once(0)
            .chain(scope.keys.iter().map(|k| id(*k)))
            .collect();
        match census::cheaper(&keys, &self.census.keys) {
            Form::AnyOf(allowed) => {
                clauses.push((Occur::Must, constant(term_set(f.restriction, allowed))))
            }
            Form::NoneOf(denied) if !denied.is_empty() => {
                clauses.push((Occur::MustNot, term_set(f.restriction, denied)));
            }
            Form::NoneOf(_) => {}
        }
        clauses
    }

    fn filter(&mut self, filter: &Filter) -> Box<dyn Query> {
        let f = *self.fields;
        match filter {
            Filter::Text(terms) => self.text(terms, true),
            Filter::Title(terms) => self.text(terms, false),
            Filter::Space(ids) => ids_query(f.space, ids),
            Filter::Creator(ids) => ids_query(f.creator, ids),
            Filter::Contributor(ids) => ids_query(f.contributor, ids),
            Filter::Kind(kinds) => constant(Box::new(TermSetQuery::new(
                kinds
                    .iter()
                    .map(|k| Term::from_field_text(f.kind, k.as_str())),
            ))),
            Filter::Label(names) => constant(Box::new(TermSetQuery::new(
                names
                    .iter()
                    .map(|n| Term::from_field_text(f.label, &n.to_lowercase())),
            ))),
            Filter::Page(ids) => ids_query(f.page, ids),
            Filter::Ancestor(ids) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, ids_query(f.scope, ids)),
                (Occur::MustNot, ids_query(f.page, ids)),
            ])),
            Filter::Created(range) => date_range(f.created, range),
            Filter::Modified(range) => date_range(f.modified, range),
            Filter::Not(inner) => all_of(vec![(Occur::MustNot, self.filter(inner))]),
        }
    }

    /// Every word and phrase must match; each may match the (boosted) title
    /// or, unless `title_only`, the body.
    fn text(&mut self, terms: &[TextTerm], with_body: bool) -> Box<dyn Query> {
        let mut all: Vec<Box<dyn Query>> = Vec::new();
        for term in terms {
            let text = match term {
                TextTerm::Word(w) | TextTerm::Phrase(w) => w,
            };
            let mut either: Vec<Box<dyn Query>> = Vec::new();
            if let Some(q) = matcher(self.fields.title, &mut self.title_tokens, text) {
                either.push(Box::new(BoostQuery::new(q, TITLE_BOOST)));
            }
            if with_body && let Some(q) = matcher(self.fields.body, &mut self.body_tokens, text) {
                either.push(q);
            }
            // A word with no letters or digits matches nothing by itself;
            // it doesn't empty the whole query.
            if !either.is_empty() {
                all.push(Box::new(BooleanQuery::union(either)));
            }
        }
        match all.len() {
            0 => Box::new(AllQuery),
            // On its own, a word's union of terms may be pruned (block-max
            // WAND); inside an intersection of one it would not be.
            1 => all.remove(0),
            _ => Box::new(BooleanQuery::intersection(all)),
        }
    }
}

/// Every clause holds; with only exclusions, they exclude from everything.
fn all_of(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The terms of `text` in `field`: one term, or a phrase when the text
/// tokenizes into several ("launch plan", "q3-budget").
fn matcher(field: Field, tokens: &mut TextAnalyzer, text: &str) -> Option<Box<dyn Query>> {
    let mut stream = tokens.token_stream(text);
    let mut terms = Vec::new();
    while let Some(token) = stream.next() {
        terms.push(Term::from_field_text(field, &token.text));
    }
    match terms.len() {
        0 => None,
        1 => terms
            .pop()
            .map(|t| Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>),
        _ => Some(Box::new(PhraseQuery::new(terms))),
    }
}

fn term(field: Field, value: i64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, id(value)),
        IndexRecordOption::Basic,
    ))
}

fn term_set(field: Field, values: Vec<u64>) -> Box<dyn Query> {
    Box::new(TermSetQuery::new(
        values.into_iter().map(|v| Term::from_field_u64(field, v)),
    ))
}

fn ids_query(field: Field, ids: &[i64]) -> Box<dyn Query> {
    constant(Box::new(TermSetQuery::new(
        ids.iter().map(|v| Term::from_field_u64(field, id(*v))),
    )))
}

fn date_range(field: Field, range: &DateRange) -> Box<dyn Query> {
    let bound = |at: Option<OffsetDateTime>, inclusive: bool| match at {
        None => Bound::Unbounded,
        Some(at) => {
            let term = Term::from_field_date_for_search(field, DateTime::from_utc(at));
            if inclusive {
                Bound::Included(term)
            } else {
                Bound::Excluded(term)
            }
        }
    };
    constant(Box::new(RangeQuery::new(
        bound(range.from, true),
        bound(range.until, false),
    )))
}

/// Filters decide what matches, not how well.
fn constant(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

//! Portico's full-text index (tantivy, on local disk or in memory).
//!
//! Documents carry the fields every access filter needs — space, restriction
//! key and the page's ancestors — so a viewer's access set is part of each
//! query: ranking, counts and pages are computed over what they may see only
//! ([`Scope`]). The index remembers, in its commit payload, the position of
//! the last change-journal entry it reflects; whatever was staged but not
//! committed when a process stops is simply replayed from the journal.
//!
//! This crate knows nothing of the database: the application reads the
//! journal and the content, builds [`Document`]s and asks for hits.

mod census;
mod count;
mod cql;
mod document;
mod error;
mod index;
mod pruned;
mod query;
mod schema;
mod text;

pub use cql::{
    CqlClause, CqlError, CqlField, CqlOperator, CqlOrder, CqlQuery, CqlValue, parse_cql,
};
pub use document::{DocKind, Document};
pub use error::SearchError;
pub use index::{Hit, Hits, IndexState, Location, SearchIndex, Snippet, WriterBudget};
pub use query::{BROAD_SHARE, DateRange, Filter, Order, Plan, Scope, SearchQuery, TextTerm};
pub use text::{parse_day, parse_text};

/// The most hits one request may ask for.
pub const MAX_LIMIT: usize = 100;
/// How deep paging may go (offset + limit), as in Confluence's own search.
pub const MAX_WINDOW: usize = 10_000;

//! The index's fields. Bump [`SCHEMA_VERSION`] whenever they change: an
//! index written with another version is rebuilt from the database.

use tantivy::schema::{DateOptions, DateTimePrecision};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

pub(crate) const SCHEMA_VERSION: u32 = 2;
/// Fields read per document as fast fields, by name (see `pruned`).
pub(crate) const SPACE: &str = "space";
pub(crate) const RESTRICTION: &str = "restriction";
pub(crate) const SCOPE: &str = "scope";
/// English words, lower-cased and stemmed ("plans" finds "plan").
pub(crate) const TOKENIZER: &str = "en_stem";

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub kind: Field,
    pub page: Field,
    pub item: Field,
    pub space: Field,
    /// The restriction key, 0 for none (ids start at 1).
    pub restriction: Field,
    /// The page itself and its ancestors: a subtree share is `scope = root`.
    pub scope: Field,
    pub title: Field,
    pub body: Field,
    pub label: Field,
    pub creator: Field,
    pub contributor: Field,
    pub created: Field,
    pub modified: Field,
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut schema = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    // Sorting by date tells apart saves a moment apart.
    let date =
        DateOptions::from(INDEXED | FAST | STORED).set_precision(DateTimePrecision::Microseconds);
    let fields = Fields {
        kind: schema.add_text_field("kind", STRING | STORED),
        page: schema.add_u64_field("page", INDEXED | STORED),
        item: schema.add_u64_field("item", STORED),
        space: schema.add_u64_field(SPACE, INDEXED | STORED | FAST),
        restriction: schema.add_u64_field(RESTRICTION, INDEXED | FAST),
        scope: schema.add_u64_field(SCOPE, INDEXED | FAST),
        title: schema.add_text_field("title", text.clone()),
        body: schema.add_text_field("body", text),
        label: schema.add_text_field("label", STRING),
        creator: schema.add_u64_field("creator", INDEXED),
        contributor: schema.add_u64_field("contributor", INDEXED),
        created: schema.add_date_field("created", date.clone()),
        modified: schema.add_date_field("modified", date),
    };
    (schema.build(), fields)
}

/// Ids are positive; the index stores them unsigned.
pub(crate) fn id(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

//! The index on disk (or in memory): staging changes, committing them with
//! the journal position they reach, and answering queries.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument,
    Term,
};
use time::OffsetDateTime;

use crate::census::Census;
use crate::count::CappedCount;
use crate::document::{DocKind, Document};
use crate::error::SearchError;
use crate::query::{Builder, Order, Plan, Scope, SearchQuery};
use crate::schema::{self, Fields, SCHEMA_VERSION, id};
use crate::{MAX_LIMIT, MAX_WINDOW};

/// The most characters of an excerpt.
const EXCERPT_CHARS: usize = 220;

#[derive(Debug, Clone)]
pub enum Location {
    /// Lost when the process ends (tests, and `portico` with no data folder).
    Memory,
    Disk(PathBuf),
}

/// How much the writer may use: a server's steady trickle, or a rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterBudget {
    Steady,
    Bulk,
}

impl WriterBudget {
    fn threads_and_bytes(self) -> (usize, usize) {
        match self {
            Self::Steady => (1, 32 << 20),
            Self::Bulk => (2, 512 << 20),
        }
    }
}

/// What the last commit reflects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexState {
    /// Journal entries up to here are in the index.
    pub position: i64,
    /// False until the first full build has been committed.
    pub built: bool,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    schema: u32,
    position: i64,
}

/// A piece of text with the byte ranges that matched.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: DocKind,
    pub page_id: i64,
    pub item_id: i64,
    pub space_id: i64,
    pub score: f32,
    pub title: Snippet,
    pub excerpt: Snippet,
    pub modified: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hits {
    /// How many documents the viewer may see match, in all, up to
    /// [`MAX_WINDOW`] (as deep as results can be paged).
    pub total: usize,
    /// False when more than [`MAX_WINDOW`] match: `total` is then a floor.
    pub total_exact: bool,
    pub hits: Vec<Hit>,
}

impl Default for Hits {
    fn default() -> Self {
        Self {
            total: 0,
            total_exact: true,
            hits: Vec::new(),
        }
    }
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    state: Mutex<IndexState>,
    /// The census of the last searcher generation asked (see [`Census`]).
    census: Mutex<Option<(u64, Arc<Census>)>>,
}

impl SearchIndex {
    /// Opens the index at `location`, creating it when absent. An index
    /// written by another schema version is emptied (and reported unbuilt).
    pub fn open(location: &Location, budget: WriterBudget) -> Result<Self, SearchError> {
        let (schema, fields) = schema::build();
        let index = match location {
            Location::Memory => Index::create_in_ram(schema.clone()),
            Location::Disk(path) => {
                std::fs::create_dir_all(path)?;
                match Index::open_in_dir(path).ok() {
                    Some(index) if compatible(&index, &schema) => index,
                    Some(index) => {
                        // Another schema: start over (the caller rebuilds),
                        // unless a running process still writes it.
                        drop(writer_of(&index, location, WriterBudget::Steady)?);
                        drop(index);
                        std::fs::remove_dir_all(path)?;
                        std::fs::create_dir_all(path)?;
                        Index::create_in_dir(path, schema.clone())?
                    }
                    None => Index::open_or_create(MmapDirectory::open(path)?, schema.clone())?,
                }
            }
        };
        let state = payload_of(&index)
            .map(|payload| IndexState {
                position: payload.position,
                built: true,
            })
            .unwrap_or(IndexState {
                position: 0,
                built: false,
            });
        let writer = writer_of(&index, location, budget)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            state: Mutex::new(state),
            census: Mutex::new(None),
        })
    }

    pub fn state(&self) -> IndexState {
        *lock(&self.state)
    }

    /// Replaces everything indexed for each page with its new documents
    /// (none: the page is gone or hidden from everyone). Not visible, and not
    /// durable, until [`commit`](Self::commit).
    pub fn stage(&self, pages: Vec<(i64, Vec<Document>)>) -> Result<(), SearchError> {
        let writer = lock(&self.writer);
        for (page, documents) in pages {
            writer.delete_term(Term::from_field_u64(self.fields.page, id(page)));
            for document in documents {
                writer.add_document(self.to_tantivy(&document))?;
            }
        }
        Ok(())
    }

    /// Stages the removal of every document (a rebuild starts with it).
    pub fn stage_clear(&self) -> Result<(), SearchError> {
        lock(&self.writer).delete_all_documents()?;
        Ok(())
    }

    /// Makes what was staged durable and visible, remembering that the
    /// index now reflects the journal up to `position`.
    pub fn commit(&self, position: i64) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            position,
        })
        .map_err(|err| SearchError::State(err.to_string()))?;
        {
            let mut writer = lock(&self.writer);
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.reader.reload()?;
        *lock(&self.state) = IndexState {
            position,
            built: true,
        };
        Ok(())
    }

    /// Forgets what was staged since the last commit.
    pub fn discard(&self) -> Result<(), SearchError> {
        lock(&self.writer).rollback()?;
        Ok(())
    }

    /// How many documents the last commit holds (all viewers together).
    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The hits `scope` may see for `query`, with the total.
    pub fn search(&self, scope: &Scope<'_>, query: &SearchQuery) -> Result<Hits, SearchError> {
        self.search_planned(scope, query, Plan::Chosen)
    }

    /// [`search`](Self::search) with the plan given rather than chosen: for
    /// tests and measurements, which compare the plans.
    pub fn search_planned(
        &self,
        scope: &Scope<'_>,
        query: &SearchQuery,
        plan: Plan,
    ) -> Result<Hits, SearchError> {
        if scope.is_empty() {
            return Ok(Hits::default());
        }
        let searcher = self.reader.searcher();
        let census = self.census_of(&searcher)?;
        let mut builder = Builder {
            fields: &self.fields,
            title_tokens: self.index.tokenizer_for_field(self.fields.title)?,
            body_tokens: self.index.tokenizer_for_field(self.fields.body)?,
            census: &census,
        };
        let built = builder.build(scope, query, plan);
        let tantivy_query = built.query;
        let limit = query.limit.clamp(1, MAX_LIMIT);
        let offset = query.offset.min(MAX_WINDOW - limit);
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let count = CappedCount { cap: MAX_WINDOW };
        let (counted, found): (usize, Vec<(f32, DocAddress)>) = match query.order {
            // Apart, so that the ranking prunes and the count stops early.
            Order::Relevance if built.pruned => (
                searcher.search(&tantivy_query, &count)?,
                searcher.search(&tantivy_query, &top.order_by_score())?,
            ),
            Order::Relevance => searcher.search(&tantivy_query, &(count, top.order_by_score()))?,
            order => {
                let (field, direction) = match order {
                    Order::ModifiedAsc => ("modified", tantivy::Order::Asc),
                    Order::CreatedDesc => ("created", tantivy::Order::Desc),
                    Order::CreatedAsc => ("created", tantivy::Order::Asc),
                    _ => ("modified", tantivy::Order::Desc),
                };
                let (counted, found) = searcher.search(
                    &tantivy_query,
                    &(count, top.order_by_fast_field::<DateTime>(field, direction)),
                )?;
                (
                    counted,
                    found.into_iter().map(|(_, at)| (0.0, at)).collect(),
                )
            }
        };
        let snippets = Snippets::new(&searcher, &*tantivy_query, &self.fields, query.has_text())?;
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let stored: TantivyDocument = searcher.doc(address)?;
            if let Some(hit) = self.hit(&stored, score, &snippets) {
                hits.push(hit);
            }
        }
        Ok(Hits {
            total: counted.min(MAX_WINDOW),
            total_exact: counted <= MAX_WINDOW,
            hits,
        })
    }

    /// The census of exactly the segments `searcher` reads, taken once per
    /// generation: a scope written against it admits what the allowed
    /// lists admit in those segments.
    fn census_of(&self, searcher: &Searcher) -> Result<Arc<Census>, SearchError> {
        let generation = searcher.generation().generation_id();
        if let Some((taken, census)) = &*lock(&self.census)
            && *taken == generation
        {
            return Ok(census.clone());
        }
        let census = Arc::new(Census::take(
            searcher,
            self.fields.space,
            self.fields.restriction,
        )?);
        *lock(&self.census) = Some((generation, census.clone()));
        Ok(census)
    }

    fn hit(&self, stored: &TantivyDocument, score: f32, snippets: &Snippets) -> Option<Hit> {
        let f = &self.fields;
        let number = |field| {
            stored
                .get_first(field)
                .and_then(|v| v.as_u64())
                .and_then(|v| i64::try_from(v).ok())
        };
        let text = |field| {
            stored
                .get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or("")
        };
        Some(Hit {
            kind: DocKind::parse(text(f.kind))?,
            page_id: number(f.page)?,
            item_id: number(f.item)?,
            space_id: number(f.space)?,
            score,
            title: snippets.title(text(f.title)),
            excerpt: snippets.body(text(f.body)),
            modified: stored
                .get_first(f.modified)
                .and_then(|v| v.as_datetime())
                .map(|at| at.into_utc()),
        })
    }

    fn to_tantivy(&self, document: &Document) -> TantivyDocument {
        let f = &self.fields;
        let mut out = TantivyDocument::default();
        out.add_text(f.kind, document.kind.as_str());
        out.add_u64(f.page, id(document.page_id));
        out.add_u64(f.item, id(document.item_id));
        out.add_u64(f.space, id(document.space_id));
        out.add_u64(f.restriction, document.restriction_key.map_or(0, id));
        out.add_u64(f.scope, id(document.page_id));
        for ancestor in &document.ancestors {
            out.add_u64(f.scope, id(*ancestor));
        }
        out.add_text(f.title, &document.title);
        out.add_text(f.body, &document.body);
        for label in &document.labels {
            out.add_text(f.label, label.to_lowercase());
        }
        if let Some(creator) = document.creator {
            out.add_u64(f.creator, id(creator));
        }
        for contributor in &document.contributors {
            out.add_u64(f.contributor, id(*contributor));
        }
        out.add_date(f.created, DateTime::from_utc(document.created));
        out.add_date(f.modified, DateTime::from_utc(document.modified));
        out
    }
}

/// Highlighted fragments of titles and bodies, for the query's own terms.
struct Snippets {
    title: Option<SnippetGenerator>,
    body: Option<SnippetGenerator>,
}

impl Snippets {
    fn new(
        searcher: &Searcher,
        query: &dyn Query,
        fields: &Fields,
        has_text: bool,
    ) -> Result<Self, SearchError> {
        if !has_text {
            return Ok(Self {
                title: None,
                body: None,
            });
        }
        let mut title = SnippetGenerator::create(searcher, query, fields.title)?;
        title.set_max_num_chars(usize::MAX >> 1);
        let mut body = SnippetGenerator::create(searcher, query, fields.body)?;
        body.set_max_num_chars(EXCERPT_CHARS);
        Ok(Self {
            title: Some(title),
            body: Some(body),
        })
    }

    fn title(&self, text: &str) -> Snippet {
        match &self.title {
            Some(generator) => {
                let snippet = generator.snippet(text);
                Snippet {
                    // The whole title, with the matches marked in it.
                    text: text.to_owned(),
                    highlights: snippet
                        .highlighted()
                        .iter()
                        .map(|r| {
                            (r.start + snippet.fragment_range().start)
                                ..(r.end + snippet.fragment_range().start)
                        })
                        .collect(),
                }
            }
            None => Snippet {
                text: text.to_owned(),
                highlights: Vec::new(),
            },
        }
    }

    fn body(&self, text: &str) -> Snippet {
        if let Some(generator) = &self.body {
            let snippet = generator.snippet(text);
            if !snippet.fragment().is_empty() {
                return Snippet {
                    text: snippet.fragment().to_owned(),
                    highlights: snippet.highlighted().to_vec(),
                };
            }
        }
        Snippet {
            text: leading(text, EXCERPT_CHARS).to_owned(),
            highlights: Vec::new(),
        }
    }
}

/// At most `chars` characters from the start, cut at a character boundary.
fn leading(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// An index we can keep: the same fields, and (once built) our version.
fn compatible(index: &Index, schema: &tantivy::schema::Schema) -> bool {
    index.schema() == *schema
        && index
            .load_metas()
            .map(|metas| {
                metas.payload.is_none()
                    || payload_of(index).is_some_and(|p| p.schema == SCHEMA_VERSION)
            })
            .unwrap_or(false)
}

fn writer_of(
    index: &Index,
    location: &Location,
    budget: WriterBudget,
) -> Result<IndexWriter, SearchError> {
    let (threads, bytes) = budget.threads_and_bytes();
    index
        .writer_with_num_threads(threads, bytes)
        .map_err(|err| match (err, location) {
            (tantivy::TantivyError::LockFailure(..), Location::Disk(path)) => {
                SearchError::Busy(path.display().to_string())
            }
            (err, _) => SearchError::Index(err),
        })
}

fn payload_of(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// A poisoned lock only means another thread panicked mid-way; the index
/// itself is consistent (uncommitted work is simply not visible).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

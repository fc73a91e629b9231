//! Full-text search (SPEC 4): the index is fed from the change journal and
//! every query runs with the viewer's access set inside it.
//!
//! - Before answering, a search brings the index up to the journal's head
//!   (`catch_up_search_index`), so a change — a restriction above all — is
//!   reflected in the very next search, on every node. `portico serve` also
//!   catches up in the background, so that work is rarely on a reader's
//!   path.
//! - The index remembers the journal position it reflects in its commit;
//!   whatever was staged but not committed when a process stops is replayed
//!   from the journal. An index that was never built (or of another schema)
//!   is rebuilt from the database (`rebuild_search_index`, `portico
//!   reindex`).
//! - Hits are checked once more against the database through the viewer's
//!   page filter before anything about them is shown.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use portico_core::ValidationError;
use portico_search::{
    CqlClause, CqlField, CqlOperator, CqlOrder, DateRange, DocKind, Document, Filter, Hits,
    IndexState, Location, Order, Scope, SearchIndex, SearchQuery, Snippet, WriterBudget, parse_cql,
    parse_text,
};
use portico_store::journal::{self, JournalRecord};
use portico_store::search_source::{self, SourcePage};
use portico_store::{Conn, pages, spaces};
use time::{Date, OffsetDateTime};
use tokio::io::AsyncReadExt;

use crate::access::Access;
use crate::error::{AppError, AppResult};
use crate::model::{Space, space_from_row};
use crate::people::known_among;
use crate::{App, UserId, Viewer};

pub use portico_search::{DocKind as SearchKind, MAX_LIMIT as MAX_SEARCH_LIMIT, MAX_WINDOW};

/// The longest search text accepted.
pub const MAX_SEARCH_TEXT: usize = 500;
/// Journal entries read per indexing step.
const JOURNAL_BATCH: u64 = 500;
/// Pages loaded per rebuild step.
const REBUILD_BATCH: u64 = 500;
/// Pages above which a build makes searches wait no longer.
const LARGE_REBUILD: u64 = 5_000;
/// The most bytes of a text file that are indexed.
const MAX_INDEXED_FILE_BYTES: u64 = 256 * 1024;
/// A missing journal position younger than this may be a transaction still
/// committing (PostgreSQL hands out ids before commit): the index does not
/// move past it until it appears or this much time has gone by.
const JOURNAL_GAP_GRACE: time::Duration = time::Duration::seconds(5);

/// The index, opened on first use, and the turn that keeps its writers one
/// at a time.
pub(crate) struct SearchService {
    location: Location,
    index: tokio::sync::OnceCell<Arc<SearchIndex>>,
    turn: tokio::sync::Mutex<()>,
    rebuilding: AtomicBool,
}

impl SearchService {
    pub(crate) fn new(location: Location) -> Self {
        Self {
            location,
            index: tokio::sync::OnceCell::new(),
            turn: tokio::sync::Mutex::new(()),
            rebuilding: AtomicBool::new(false),
        }
    }
}

/// A search as the product's own UI and API ask it.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub text: String,
    pub space_keys: Vec<String>,
    pub kinds: Vec<DocKind>,
    pub labels: Vec<String>,
    pub contributor: Option<UserId>,
    pub modified_from: Option<Date>,
    /// Inclusive: the whole day counts.
    pub modified_until: Option<Date>,
    pub order: Order,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Matches the viewer may see, in all, up to [`MAX_WINDOW`] (as deep as
    /// results can be paged).
    pub total: usize,
    /// False when more than [`MAX_WINDOW`] match: `total` is then a floor.
    pub total_exact: bool,
    pub offset: usize,
    pub limit: usize,
    pub results: Vec<SearchResult>,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub kind: DocKind,
    /// The page's, comment's or attachment's id.
    pub id: i64,
    pub page: SearchPage,
    /// The page title or file name, with the matched words marked; empty
    /// for a comment.
    pub title: Snippet,
    pub excerpt: Snippet,
    pub modified: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct SearchPage {
    pub id: i64,
    pub title: String,
    pub blog: bool,
    pub created_at: OffsetDateTime,
    pub space: Space,
}

/// How far a rebuild has come, for a progress bar.
pub trait RebuildProgress: Send {
    fn start(&mut self, pages: u64);
    fn advance(&mut self, pages: u64);
}

impl RebuildProgress for () {
    fn start(&mut self, _: u64) {}
    fn advance(&mut self, _: u64) {}
}

impl App {
    /// Searches what the viewer may see.
    pub async fn search(
        &self,
        viewer: &Viewer,
        request: SearchRequest,
    ) -> AppResult<SearchResults> {
        if request.text.chars().count() > MAX_SEARCH_TEXT {
            return Err(ValidationError::new(
                "q",
                format!("search text is at most {MAX_SEARCH_TEXT} characters"),
            )
            .into());
        }
        check_window(request.offset, request.limit)?;
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let mut filters = Vec::new();
        let terms = parse_text(&request.text);
        if !terms.is_empty() {
            filters.push(Filter::Text(terms));
        }
        if !request.space_keys.is_empty() {
            filters.push(Filter::Space(space_ids(conn, &request.space_keys).await?));
        }
        if !request.kinds.is_empty() {
            filters.push(Filter::Kind(request.kinds.clone()));
        }
        if !request.labels.is_empty() {
            filters.push(Filter::Label(request.labels.clone()));
        }
        if let Some(person) = request.contributor {
            let known = self.knowable(conn, &access, &[person.0]).await?;
            filters.push(Filter::Contributor(known));
        }
        if request.modified_from.is_some() || request.modified_until.is_some() {
            filters.push(Filter::Modified(DateRange {
                from: request.modified_from.map(|d| d.midnight().assume_utc()),
                until: request
                    .modified_until
                    .and_then(|d| d.next_day())
                    .map(|d| d.midnight().assume_utc()),
            }));
        }
        let order = match request.order {
            Order::Relevance if request.text.trim().is_empty() => Order::ModifiedDesc,
            order => order,
        };
        let query = SearchQuery {
            filters,
            order,
            offset: request.offset,
            limit: request.limit,
        };
        self.run_search(&access, query).await
    }

    /// Searches with Confluence Query Language (`/wiki/rest/api/search`).
    pub async fn search_cql(
        &self,
        viewer: &Viewer,
        cql: &str,
        offset: usize,
        limit: usize,
    ) -> AppResult<SearchResults> {
        check_window(offset, limit)?;
        let parsed = parse_cql(cql).map_err(|err| ValidationError::new("cql", err.0))?;
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let mut filters = Vec::new();
        for clause in &parsed.clauses {
            filters.push(self.cql_filter(conn, &access, clause).await?);
        }
        let order = match parsed.order {
            CqlOrder::Relevance if !filters.iter().any(is_text) => Order::ModifiedDesc,
            CqlOrder::Relevance => Order::Relevance,
            CqlOrder::LastModified { descending: true } => Order::ModifiedDesc,
            CqlOrder::LastModified { descending: false } => Order::ModifiedAsc,
            CqlOrder::Created { descending: true } => Order::CreatedDesc,
            CqlOrder::Created { descending: false } => Order::CreatedAsc,
        };
        let query = SearchQuery {
            filters,
            order,
            offset,
            limit,
        };
        self.run_search(&access, query).await
    }

    async fn run_search(&self, access: &Access, query: SearchQuery) -> AppResult<SearchResults> {
        let index = self.catch_up(false).await?;
        let filter = access.page_filter();
        let visibility = filter.visibility();
        let subtrees: Vec<(i64, i64)> = visibility
            .subtrees
            .iter()
            .map(|(space, root, _)| (*space, *root))
            .collect();
        let (offset, limit) = (query.offset, query.limit);
        let spaces = visibility.spaces.to_vec();
        let keys = visibility.keys.to_vec();
        let hits = blocking(move || {
            let scope = Scope {
                spaces: &spaces,
                keys: &keys,
                subtrees: &subtrees,
            };
            index.search(&scope, &query)
        })
        .await?;
        let conn = self.store.read();
        self.results(conn, visibility, hits, offset, limit).await
    }

    /// Hits become results once the database, through the viewer's page
    /// filter, agrees the page is current and visible (the index is never
    /// the last word on access).
    async fn results(
        &self,
        conn: &impl Conn,
        visibility: pages::Visibility<'_>,
        hits: Hits,
        offset: usize,
        limit: usize,
    ) -> AppResult<SearchResults> {
        let page_ids: Vec<i64> = hits.hits.iter().map(|h| h.page_id).collect();
        let visible: HashMap<i64, portico_store::PageRow> =
            pages::visible_among(conn, visibility, &page_ids)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        let space_ids: Vec<i64> = visible.values().map(|p| p.space_id).collect();
        let spaces: HashMap<i64, Space> = spaces::find_many(conn, &space_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, space_from_row(s)))
            .collect();
        let mut dropped = 0;
        let mut results = Vec::with_capacity(hits.hits.len());
        for hit in hits.hits {
            let (Some(page), Some(space)) = (
                visible.get(&hit.page_id),
                visible
                    .get(&hit.page_id)
                    .and_then(|p| spaces.get(&p.space_id)),
            ) else {
                dropped += 1;
                continue;
            };
            results.push(SearchResult {
                kind: hit.kind,
                id: hit.item_id,
                page: SearchPage {
                    id: page.id,
                    title: page.title.clone(),
                    blog: page.kind == pages::BLOG_POST,
                    created_at: page.created_at,
                    space: space.clone(),
                },
                title: hit.title,
                excerpt: hit.excerpt,
                modified: hit.modified.unwrap_or(page.updated_at),
            });
        }
        Ok(SearchResults {
            total: hits.total.saturating_sub(dropped),
            total_exact: hits.total_exact,
            offset,
            limit,
            results,
        })
    }

    async fn cql_filter(
        &self,
        conn: &impl Conn,
        access: &Access,
        clause: &CqlClause,
    ) -> AppResult<Filter> {
        use CqlOperator as Op;
        let values: Vec<&str> = clause.values.iter().map(|v| v.0.as_str()).collect();
        let field = field_name(clause.field);
        let refuse = || -> AppError {
            ValidationError::new("cql", format!("{field} does not take this operator")).into()
        };
        let (positive, negated) = match clause.operator {
            Op::Equals | Op::In | Op::Contains => (true, false),
            Op::NotEquals | Op::NotIn | Op::NotContains => (true, true),
            Op::Greater | Op::GreaterOrEqual | Op::Less | Op::LessOrEqual => (false, false),
        };
        let filter = match clause.field {
            CqlField::Text | CqlField::Title if positive => {
                let terms = values.iter().flat_map(|v| parse_text(v)).collect();
                if clause.field == CqlField::Text {
                    Filter::Text(terms)
                } else {
                    Filter::Title(terms)
                }
            }
            CqlField::Space if positive => Filter::Space(space_ids(conn, &values).await?),
            CqlField::Type if positive => Filter::Kind(
                values
                    .iter()
                    .map(|v| {
                        DocKind::parse(v).ok_or_else(|| {
                            AppError::from(ValidationError::new(
                                "cql",
                                format!("type {v:?} is not searchable; use page, blogpost, comment or attachment"),
                            ))
                        })
                    })
                    .collect::<AppResult<_>>()?,
            ),
            CqlField::Label if positive => {
                Filter::Label(values.iter().map(|v| v.to_lowercase()).collect())
            }
            CqlField::Creator | CqlField::Contributor if positive => {
                let ids = values
                    .iter()
                    .map(|v| v.parse::<i64>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| ValidationError::new("cql", format!("{field} takes accountIds")))?;
                let known = self.knowable(conn, access, &ids).await?;
                if clause.field == CqlField::Creator {
                    Filter::Creator(known)
                } else {
                    Filter::Contributor(known)
                }
            }
            CqlField::Id if positive => Filter::Page(numbers(&values, field)?),
            CqlField::Ancestor if positive => Filter::Ancestor(numbers(&values, field)?),
            CqlField::LastModified | CqlField::Created => {
                let [value] = values.as_slice() else {
                    return Err(refuse());
                };
                let day = parse_day(value)?;
                let next = day
                    .next_day()
                    .ok_or_else(|| ValidationError::new("cql", "date out of range"))?;
                let (from, until) = match clause.operator {
                    Op::Equals => (Some(day), Some(next)),
                    Op::Greater => (Some(next), None),
                    Op::GreaterOrEqual => (Some(day), None),
                    Op::Less => (None, Some(day)),
                    Op::LessOrEqual => (None, Some(next)),
                    _ => return Err(refuse()),
                };
                let range = DateRange {
                    from: from.map(|d| d.midnight().assume_utc()),
                    until: until.map(|d| d.midnight().assume_utc()),
                };
                if clause.field == CqlField::Created {
                    Filter::Created(range)
                } else {
                    Filter::Modified(range)
                }
            }
            _ => return Err(refuse()),
        };
        Ok(if negated != clause.negated {
            Filter::Not(Box::new(filter))
        } else {
            filter
        })
    }

    /// The people among `ids` the viewer may know; the rest are replaced by
    /// an id no one has, so filtering by someone unknown finds nothing
    /// (rather than telling what they wrote).
    async fn knowable(
        &self,
        conn: &impl Conn,
        access: &Access,
        ids: &[i64],
    ) -> AppResult<Vec<i64>> {
        let known: Vec<i64> = known_among(conn, access, ids, self.now())
            .await?
            .into_iter()
            .map(|p| p.id.0)
            .collect();
        Ok(if known.is_empty() { vec![0] } else { known })
    }

    // ---- keeping the index current ---------------------------------------

    /// Brings the index up to the journal's head (building it first if it
    /// never was). Returns where it stands.
    pub async fn catch_up_search_index(&self) -> AppResult<IndexState> {
        let index = self.catch_up(true).await?;
        Ok(index.state())
    }

    /// Empties the index and builds it again from the database, then
    /// catches up with what changed meanwhile.
    pub async fn rebuild_search_index(
        &self,
        progress: &mut dyn RebuildProgress,
    ) -> AppResult<IndexState> {
        let index = self.search_index(WriterBudget::Bulk).await?;
        {
            let _turn = self.search.turn.lock().await;
            self.rebuild(&index, progress).await?;
        }
        self.catch_up_search_index().await
    }

    async fn catch_up(&self, wait_for_rebuild: bool) -> AppResult<Arc<SearchIndex>> {
        let index = self.search_index(WriterBudget::Steady).await?;
        if !wait_for_rebuild && self.search.rebuilding.load(Ordering::Acquire) {
            return Err(AppError::Unavailable(
                "the search index is being built; try again in a moment".to_owned(),
            ));
        }
        let head = journal::head(self.store.read()).await?;
        if index.state().built && index.state().position >= head {
            return Ok(index);
        }
        let _turn = self.search.turn.lock().await;
        if !index.state().built {
            self.rebuild(&index, &mut ()).await?;
        }
        self.follow_journal(&index, head).await?;
        Ok(index)
    }

    async fn search_index(&self, budget: WriterBudget) -> AppResult<Arc<SearchIndex>> {
        let location = self.search.location.clone();
        let index = self
            .search
            .index
            .get_or_try_init(|| async move {
                blocking(move || SearchIndex::open(&location, budget))
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok(Arc::clone(index))
    }

    /// Applies journal entries after the index's position up to `head`.
    async fn follow_journal(&self, index: &Arc<SearchIndex>, head: i64) -> AppResult<()> {
        let conn = self.store.read();
        let mut cursor = index.state().position;
        let mut safe = cursor;
        let mut gap = false;
        while cursor < head {
            let entries = journal::since(conn, cursor, JOURNAL_BATCH).await?;
            let Some(last) = entries.last() else {
                break;
            };
            cursor = last.position;
            let now = self.now();
            for entry in &entries {
                if !gap && (entry.position == safe + 1 || now - entry.at > JOURNAL_GAP_GRACE) {
                    safe = entry.position;
                } else {
                    gap = true;
                }
            }
            let touched = touched_pages(conn, &entries).await?;
            let staged = self.documents(conn, &touched).await?;
            let index = Arc::clone(index);
            blocking(move || {
                index.stage(staged)?;
                index.commit(safe)
            })
            .await?;
        }
        Ok(())
    }

    async fn rebuild(
        &self,
        index: &Arc<SearchIndex>,
        progress: &mut dyn RebuildProgress,
    ) -> AppResult<()> {
        // A large build takes minutes: searches meanwhile answer "being
        // built" rather than wait. A small one is quicker than a retry.
        let pages = search_source::count_current_pages(self.store.read()).await?;
        self.search
            .rebuilding
            .store(pages > LARGE_REBUILD, Ordering::Release);
        progress.start(pages);
        let outcome = self.rebuild_inner(index, progress).await;
        self.search.rebuilding.store(false, Ordering::Release);
        if outcome.is_err() {
            let index = Arc::clone(index);
            blocking(move || index.discard()).await?;
        }
        outcome
    }

    async fn rebuild_inner(
        &self,
        index: &Arc<SearchIndex>,
        progress: &mut dyn RebuildProgress,
    ) -> AppResult<()> {
        let conn = self.store.read();
        // Everything up to here is read below; later entries are followed
        // afterwards (re-indexing a page twice is harmless).
        let head = journal::head(conn).await?;
        {
            let index = Arc::clone(index);
            blocking(move || index.stage_clear()).await?;
        }
        let mut after = 0;
        loop {
            let ids = search_source::current_page_ids_after(conn, after, REBUILD_BATCH).await?;
            let Some(last) = ids.last() else {
                break;
            };
            after = *last;
            let count = ids.len() as u64;
            let staged = self.documents(conn, &ids).await?;
            let index = Arc::clone(index);
            blocking(move || index.stage(staged)).await?;
            progress.advance(count);
        }
        let index = Arc::clone(index);
        blocking(move || index.commit(head)).await?;
        tracing::info!(position = head, "search index built");
        Ok(())
    }

    /// The documents of each page among `ids` (none for a page that is no
    /// longer current: its documents are removed).
    async fn documents(
        &self,
        conn: &impl Conn,
        ids: &[i64],
    ) -> AppResult<Vec<(i64, Vec<Document>)>> {
        let mut sources: HashMap<i64, SourcePage> = search_source::pages(conn, ids)
            .await?
            .into_iter()
            .map(|p| (p.page.id, p))
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let documents = match sources.remove(id) {
                Some(source) => self.documents_of(source).await,
                None => Vec::new(),
            };
            out.push((*id, documents));
        }
        Ok(out)
    }

    async fn documents_of(&self, source: SourcePage) -> Vec<Document> {
        let page = &source.page;
        let base = Document {
            kind: if page.kind == pages::BLOG_POST {
                DocKind::BlogPost
            } else {
                DocKind::Page
            },
            page_id: page.id,
            item_id: page.id,
            space_id: page.space_id,
            restriction_key: page.restriction_key,
            ancestors: page
                .path
                .split('/')
                .filter_map(|part| part.parse().ok())
                .collect(),
            title: page.title.clone(),
            body: portico_format::search_text(&page.body),
            labels: source.labels.clone(),
            creator: page.author_id,
            contributors: source.contributors.clone(),
            created: page.created_at,
            modified: page.updated_at,
        };
        let mut documents =
            Vec::with_capacity(1 + source.comments.len() + source.attachments.len());
        for comment in &source.comments {
            documents.push(Document {
                kind: DocKind::Comment,
                item_id: comment.id,
                title: String::new(),
                body: portico_format::search_text(&comment.body),
                labels: Vec::new(),
                creator: comment.author_id,
                contributors: comment.author_id.into_iter().collect(),
                created: comment.created_at,
                modified: comment.updated_at,
                ..base.clone()
            });
        }
        for file in &source.attachments {
            let body = if portico_core::attachment::is_indexable_text(&file.media_type) {
                self.file_text(&file.content_hash).await
            } else {
                String::new()
            };
            documents.push(Document {
                kind: DocKind::Attachment,
                item_id: file.id,
                title: file.file_name.clone(),
                body,
                labels: Vec::new(),
                creator: file.created_by,
                contributors: file.created_by.into_iter().chain(file.updated_by).collect(),
                created: file.created_at,
                modified: file.updated_at,
                ..base.clone()
            });
        }
        documents.insert(0, base);
        documents
    }

    /// The start of a text file's bytes, as text (a file that can't be read
    /// is indexed by its name only).
    async fn file_text(&self, hash: &str) -> String {
        let Ok(file) = self.blobs.open(hash).await else {
            return String::new();
        };
        let mut bytes = Vec::new();
        if file
            .take(MAX_INDEXED_FILE_BYTES)
            .read_to_end(&mut bytes)
            .await
            .is_err()
        {
            return String::new();
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Runs the indexer until `shutdown` completes: builds the index if needed,
/// then follows the journal every `every`.
pub async fn run_search_indexer(
    app: App,
    every: std::time::Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticks.tick() => {}
        }
        if let Err(err) = app.catch_up_search_index().await {
            tracing::error!("the search indexer stopped for now: {err:?}");
        }
    }
}

/// The pages whose documents the entries change. A move or a restriction
/// change reaches the whole subtree (ancestors and restriction keys are
/// indexed with each page).
async fn touched_pages(conn: &impl Conn, entries: &[JournalRecord]) -> AppResult<Vec<i64>> {
    let mut pages = BTreeSet::new();
    let mut comments = Vec::new();
    let mut attachments = Vec::new();
    for entry in entries {
        match entry.entity_kind.as_str() {
            "page" => {
                if matches!(
                    entry.kind.as_str(),
                    "page.moved" | "page.restricted" | "page.restored" | "page.trashed"
                ) {
                    pages.extend(search_source::subtree_ids(conn, entry.entity_id).await?);
                } else {
                    pages.insert(entry.entity_id);
                }
            }
            "comment" => comments.push(entry.entity_id),
            "attachment" => attachments.push(entry.entity_id),
            // Spaces and templates carry no indexed text; who may see a
            // space is the access set's business.
            _ => {}
        }
    }
    pages.extend(search_source::pages_of_comments(conn, &comments).await?);
    pages.extend(search_source::pages_of_attachments(conn, &attachments).await?);
    Ok(pages.into_iter().collect())
}

async fn space_ids(conn: &impl Conn, keys: &[impl AsRef<str>]) -> AppResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(keys.len());
    for key in keys {
        // An unknown key (or one hidden from the viewer: the scope removes
        // it anyway) matches nothing.
        let id = spaces::find_by_key(conn, &key.as_ref().to_uppercase())
            .await?
            .map_or(0, |s| s.id);
        ids.push(id);
    }
    Ok(ids)
}

fn check_window(offset: usize, limit: usize) -> AppResult<()> {
    if !(1..=portico_search::MAX_LIMIT).contains(&limit) {
        return Err(ValidationError::new(
            "limit",
            format!("between 1 and {}", portico_search::MAX_LIMIT),
        )
        .into());
    }
    if offset + limit > MAX_WINDOW {
        return Err(ValidationError::new(
            "start",
            format!("search pages reach at most {MAX_WINDOW} results deep"),
        )
        .into());
    }
    Ok(())
}

fn is_text(filter: &Filter) -> bool {
    matches!(filter, Filter::Text(_) | Filter::Title(_))
}

fn field_name(field: CqlField) -> &'static str {
    match field {
        CqlField::Text => "text",
        CqlField::Title => "title",
        CqlField::Space => "space",
        CqlField::Type => "type",
        CqlField::Label => "label",
        CqlField::Creator => "creator",
        CqlField::Contributor => "contributor",
        CqlField::LastModified => "lastmodified",
        CqlField::Created => "created",
        CqlField::Id => "id",
        CqlField::Ancestor => "ancestor",
    }
}

fn numbers(values: &[&str], field: &str) -> AppResult<Vec<i64>> {
    values
        .iter()
        .map(|v| v.parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ValidationError::new("cql", format!("{field} takes content ids")).into())
}

/// `2026-03-01`, `2026/03/01`, optionally followed by a time (ignored: CQL
/// dates compare by day here).
fn parse_day(value: &str) -> AppResult<Date> {
    portico_search::parse_day(value).ok_or_else(|| {
        ValidationError::new("cql", format!("{value:?} is not a date (yyyy-mm-dd)")).into()
    })
}

/// Runs index work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, portico_search::SearchError> + Send + 'static,
) -> AppResult<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(portico_search::SearchError::Busy(path))) => Err(AppError::Unavailable(format!(
            "the search index at {path} is in use by another Portico process"
        ))),
        Ok(Err(err)) => Err(AppError::Internal(Box::new(err))),
        Err(err) => Err(AppError::Internal(Box::new(err))),
    }
}

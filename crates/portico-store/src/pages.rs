//! Pages and the tree they form (see `portico_core::page` for the path scheme).

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};

use crate::entity::page;
use crate::{Conn, PageRow, StoreError, Timestamp};

pub struct NewPage<'a> {
    pub space_id: i64,
    pub parent_id: Option<i64>,
    pub path: &'a str,
    pub position: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub author_id: i64,
    /// `current`, or `draft` for a page not yet published.
    pub status: &'a str,
    /// The parent's restriction key (a new page inherits it).
    pub restriction_key: Option<i64>,
    /// [`PAGE`] or [`BLOG_POST`].
    pub kind: &'a str,
    pub now: Timestamp,
}

/// `pages.kind` of a page in the tree.
pub const PAGE: &str = "page";
/// `pages.kind` of a blog post: dated, no parent, in no tree.
pub const BLOG_POST: &str = "blogpost";

pub async fn insert(conn: &impl Conn, new: NewPage<'_>) -> Result<PageRow, StoreError> {
    let row = page::ActiveModel {
        space_id: Set(new.space_id),
        parent_id: Set(new.parent_id),
        path: Set(new.path.to_owned()),
        position: Set(new.position),
        title: Set(new.title.to_owned()),
        status: Set(new.status.to_owned()),
        version: Set(1),
        body: Set(new.body.to_owned()),
        author_id: Set(Some(new.author_id)),
        created_at: Set(new.now),
        updated_by: Set(Some(new.author_id)),
        updated_at: Set(new.now),
        restriction_key: Set(new.restriction_key),
        kind: Set(new.kind.to_owned()),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<PageRow>, StoreError> {
    Ok(page::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_many(conn: &impl Conn, ids: &[i64]) -> Result<Vec<PageRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(page::Entity::find()
        .filter(page::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// The current pages among `ids` that `visible` admits. The ids are few (a
/// page of search hits), so the rows are loaded by id and judged by
/// [`Visibility::admits`] rather than by sending every viewable space to
/// the database.
pub async fn visible_among(
    conn: &impl Conn,
    visible: Visibility<'_>,
    ids: &[i64],
) -> Result<Vec<PageRow>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = find_many(conn, ids).await?;
    rows.retain(|row| row.status == "current" && visible.admits(row.into()));
    Ok(rows)
}

/// Saves every field of `row` (the caller changes the fields it means to).
pub async fn update(conn: &impl Conn, row: PageRow) -> Result<PageRow, StoreError> {
    let active: page::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

/// Where a page stands, as far as [`Visibility`] asks: its space, its place
/// in the tree and its restriction key.
#[derive(Debug, Clone, Copy)]
pub struct PagePlace<'a> {
    pub id: i64,
    pub space_id: i64,
    pub path: &'a str,
    pub restriction_key: Option<i64>,
}

impl<'a> From<&'a PageRow> for PagePlace<'a> {
    fn from(row: &'a PageRow) -> Self {
        PagePlace {
            id: row.id,
            space_id: row.space_id,
            path: &row.path,
            restriction_key: row.restriction_key,
        }
    }
}

/// What a viewer may see, as query filters taken from their access set: the
/// viewable spaces and the restriction keys they satisfy. A page is visible
/// when its space is listed and its key is absent or listed.
#[derive(Debug, Clone, Copy)]
pub struct Visibility<'a> {
    pub spaces: &'a [i64],
    pub keys: &'a [i64],
    /// Page subtrees viewable in spaces outside `spaces`: (space, root,
    /// the path prefix of the root's descendants).
    pub subtrees: &'a [(i64, i64, String)],
}

impl Visibility<'_> {
    /// Whether nothing at all is visible (no query needed).
    pub fn is_empty(&self) -> bool {
        self.spaces.is_empty() && self.subtrees.is_empty()
    }

    /// Whether this visibility admits the page at `place`:
    /// [`Self::condition`] judged on a loaded row (the two are tested to
    /// agree).
    pub fn admits(&self, place: PagePlace<'_>) -> bool {
        let placed = self.spaces.contains(&place.space_id)
            || self.subtrees.iter().any(|(space, root, prefix)| {
                place.space_id == *space && (place.id == *root || place.path.starts_with(prefix))
            });
        placed
            && place
                .restriction_key
                .is_none_or(|key| self.keys.contains(&key))
    }

    pub(crate) fn condition(&self) -> Condition {
        let mut place =
            Condition::any().add(page::Column::SpaceId.is_in(self.spaces.iter().copied()));
        for (space, root, prefix) in self.subtrees {
            place = place.add(
                Condition::all().add(page::Column::SpaceId.eq(*space)).add(
                    Condition::any()
                        .add(page::Column::Id.eq(*root))
                        .add(page::Column::Path.starts_with(prefix.as_str())),
                ),
            );
        }
        // "No key, or a held one" as `COALESCE(key, 0) IN (0, …)`, not as
        // `key IS NULL OR key IN (…)`: given the OR, SQLite may walk the
        // `restriction_key` index for the NULLs, which is most pages (0.7 s
        // for a feed of 16 spaces at size L), instead of the space index.
        let key = Func::coalesce([
            Expr::col((page::Entity, page::Column::RestrictionKey)),
            Expr::val(0i64),
        ]);
        let held = std::iter::once(0).chain(self.keys.iter().copied());
        Condition::all().add(place).add(Expr::expr(key).is_in(held))
    }

    /// A subquery giving the ids of the current pages this visibility
    /// admits: what lists of things hanging on pages (drafts, favourites)
    /// filter their `page_id` column with.
    pub(crate) fn current_page_ids(&self) -> sea_orm::sea_query::SelectStatement {
        page::Entity::find()
            .select_only()
            .column(page::Column::Id)
            .filter(self.condition())
            .filter(page::Column::Status.eq("current"))
            .into_query()
    }

    /// A subquery giving `page_id` if this visibility admits that page, and
    /// nothing otherwise: what lists of a page's things (comments,
    /// attachments) filter their `page_id` column with.
    pub(crate) fn page_if_visible(&self, page_id: i64) -> sea_orm::sea_query::SelectStatement {
        page::Entity::find()
            .select_only()
            .column(page::Column::Id)
            .filter(page::Column::Id.eq(page_id))
            .filter(self.condition())
            .into_query()
    }
}

/// Filters for listing pages. `visible` comes from the viewer's access set and
/// is always applied, so counts and pages are right.
pub struct PageQuery<'a> {
    pub visible: Visibility<'a>,
    pub space_ids: Option<&'a [i64]>,
    pub title: Option<&'a str>,
    /// Only pages carrying this label.
    pub label_id: Option<i64>,
    /// Only this kind ([`PAGE`], [`BLOG_POST`]); `None`: both.
    pub kind: Option<&'a str>,
    pub status: &'a str,
    pub after_id: Option<i64>,
    pub limit: u64,
}

pub async fn list(conn: &impl Conn, query: PageQuery<'_>) -> Result<Vec<PageRow>, StoreError> {
    if query.visible.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = page::Entity::find()
        .filter(query.visible.condition())
        .filter(page::Column::Status.eq(query.status));
    if let Some(space_ids) = query.space_ids {
        select = select.filter(page::Column::SpaceId.is_in(space_ids.iter().copied()));
    }
    if let Some(title) = query.title {
        select = select.filter(page::Column::Title.eq(title));
    }
    if let Some(label) = query.label_id {
        select = select.filter(page::Column::Id.in_subquery(crate::labels::pages_with(label)));
    }
    if let Some(kind) = query.kind {
        select = select.filter(page::Column::Kind.eq(kind));
    }
    if let Some(after) = query.after_id {
        select = select.filter(page::Column::Id.gt(after));
    }
    Ok(select
        .order_by_asc(page::Column::Id)
        .limit(query.limit)
        .all(conn)
        .await?)
}

/// Current pages directly under `parent` (or at the top of the space when
/// `None`), in sibling order, skipping the first `offset`.
pub async fn children(
    conn: &impl Conn,
    space_id: i64,
    parent: Option<i64>,
    offset: u64,
    limit: u64,
) -> Result<Vec<PageRow>, StoreError> {
    let parent_filter = match parent {
        Some(id) => page::Column::ParentId.eq(id),
        None => page::Column::ParentId.is_null(),
    };
    Ok(page::Entity::find()
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(parent_filter)
        .filter(page::Column::Kind.eq(PAGE))
        .filter(page::Column::Status.eq("current"))
        .order_by_asc(page::Column::Position)
        .order_by_asc(page::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The current pages under `parent` that the viewer may see, in sibling
/// order, skipping the first `offset`.
pub async fn visible_children(
    conn: &impl Conn,
    visible: Visibility<'_>,
    space_id: i64,
    parent: i64,
    offset: u64,
    limit: u64,
) -> Result<Vec<PageRow>, StoreError> {
    Ok(page::Entity::find()
        .filter(visible.condition())
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(page::Column::ParentId.eq(parent))
        .filter(page::Column::Kind.eq(PAGE))
        .filter(page::Column::Status.eq("current"))
        .order_by_asc(page::Column::Position)
        .order_by_asc(page::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Every page (any status) whose path starts with `prefix` in a space: a subtree.
pub async fn subtree(
    conn: &impl Conn,
    space_id: i64,
    prefix: &str,
) -> Result<Vec<PageRow>, StoreError> {
    Ok(page::Entity::find()
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(page::Column::Path.starts_with(prefix))
        .order_by_asc(page::Column::Path)
        .order_by_asc(page::Column::Position)
        .all(conn)
        .await?)
}

/// Every current page of a space the viewer may see, for drawing its tree
/// (blog posts are in no tree).
pub async fn tree(
    conn: &impl Conn,
    visible: Visibility<'_>,
    space_id: i64,
) -> Result<Vec<PageRow>, StoreError> {
    Ok(page::Entity::find()
        .filter(visible.condition())
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(page::Column::Kind.eq(PAGE))
        .filter(page::Column::Status.eq("current"))
        .order_by_asc(page::Column::Position)
        .order_by_asc(page::Column::Id)
        .all(conn)
        .await?)
}

/// Whether a current page in the space already has this title (page titles
/// are unique within a space, as in Confluence; blog posts' titles aren't
/// and don't count), ignoring `except`.
pub async fn title_taken(
    conn: &impl Conn,
    space_id: i64,
    title: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let mut condition = Condition::all()
        .add(page::Column::SpaceId.eq(space_id))
        .add(page::Column::Status.eq("current"))
        .add(page::Column::Kind.eq(PAGE))
        .add(page::Column::Title.eq(title));
    if let Some(id) = except {
        condition = condition.add(page::Column::Id.ne(id));
    }
    Ok(page::Entity::find().filter(condition).count(conn).await? > 0)
}

/// The position after the last current sibling under `parent`.
pub async fn next_position(
    conn: &impl Conn,
    space_id: i64,
    parent: Option<i64>,
) -> Result<i64, StoreError> {
    let siblings = children(conn, space_id, parent, 0, u64::MAX >> 1).await?;
    Ok(siblings.last().map_or(0, |last| last.position + 1))
}

/// Renumbers sibling positions to follow `order`.
pub async fn set_positions(conn: &impl Conn, order: &[i64]) -> Result<(), StoreError> {
    for (position, id) in order.iter().enumerate() {
        page::Entity::update_many()
            .col_expr(
                page::Column::Position,
                sea_orm::sea_query::Expr::value(position as i64),
            )
            .filter(page::Column::Id.eq(*id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Which of `people` created, last edited or saved a version of a current
/// page that `visible` lets its viewer see ("shares a space", SPEC 3.3).
pub async fn writers_among(
    conn: &impl Conn,
    visible: Visibility<'_>,
    people: &[i64],
) -> Result<std::collections::BTreeSet<i64>, StoreError> {
    use crate::entity::page_version;
    use sea_orm::sea_query::Query;

    let mut writers = std::collections::BTreeSet::new();
    if visible.is_empty() || people.is_empty() {
        return Ok(writers);
    }
    let wrote = |column: page::Column| column.is_in(people.iter().copied());
    let current = || visible.condition().add(page::Column::Status.eq("current"));
    let rows: Vec<(Option<i64>, Option<i64>)> = page::Entity::find()
        .select_only()
        .column(page::Column::AuthorId)
        .column(page::Column::UpdatedBy)
        .filter(current())
        .filter(
            Condition::any()
                .add(wrote(page::Column::AuthorId))
                .add(wrote(page::Column::UpdatedBy)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    writers.extend(rows.into_iter().flat_map(|(a, b)| [a, b]).flatten());
    let visible_pages = Query::select()
        .column(page::Column::Id)
        .from(page::Entity)
        .cond_where(current())
        .to_owned();
    let authors: Vec<Option<i64>> = page_version::Entity::find()
        .select_only()
        .column(page_version::Column::AuthorId)
        .distinct()
        .filter(page_version::Column::AuthorId.is_in(people.iter().copied()))
        .filter(page_version::Column::PageId.in_subquery(visible_pages))
        .into_tuple()
        .all(conn)
        .await?;
    writers.extend(authors.into_iter().flatten());
    writers.retain(|id| people.contains(id));
    Ok(writers)
}

/// `author`'s unpublished new pages that `visible` admits, newest first.
pub async fn unpublished_of(
    conn: &impl Conn,
    author: i64,
    visible: Visibility<'_>,
) -> Result<Vec<PageRow>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(page::Entity::find()
        .filter(visible.condition())
        .filter(page::Column::Status.eq("draft"))
        .filter(page::Column::AuthorId.eq(author))
        .order_by_desc(page::Column::UpdatedAt)
        .all(conn)
        .await?)
}

/// Filters for listing blog posts, newest first. `visible` comes from the
/// viewer's access set and is always applied.
pub struct BlogQuery<'a> {
    pub visible: Visibility<'a>,
    pub space_ids: Option<&'a [i64]>,
    pub title: Option<&'a str>,
    /// `current`, or `draft` (with `author_id`: only the author's drafts).
    pub status: &'a str,
    pub author_id: Option<i64>,
    /// Published at or after this time.
    pub from: Option<Timestamp>,
    /// Published before this time.
    pub until: Option<Timestamp>,
    pub offset: u64,
    pub limit: u64,
}

fn blog_select(query: &BlogQuery<'_>) -> sea_orm::Select<page::Entity> {
    let mut select = page::Entity::find()
        .filter(query.visible.condition())
        .filter(page::Column::Kind.eq(BLOG_POST))
        .filter(page::Column::Status.eq(query.status));
    if let Some(space_ids) = query.space_ids {
        select = select.filter(page::Column::SpaceId.is_in(space_ids.iter().copied()));
    }
    if let Some(title) = query.title {
        select = select.filter(page::Column::Title.eq(title));
    }
    if let Some(author) = query.author_id {
        select = select.filter(page::Column::AuthorId.eq(author));
    }
    if let Some(from) = query.from {
        select = select.filter(page::Column::CreatedAt.gte(from));
    }
    if let Some(until) = query.until {
        select = select.filter(page::Column::CreatedAt.lt(until));
    }
    select
}

/// Blog posts the viewer may see, newest publication first.
pub async fn blog_posts(
    conn: &impl Conn,
    query: BlogQuery<'_>,
) -> Result<Vec<PageRow>, StoreError> {
    if query.visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(blog_select(&query)
        .order_by_desc(page::Column::CreatedAt)
        .order_by_desc(page::Column::Id)
        .offset(query.offset)
        .limit(query.limit)
        .all(conn)
        .await?)
}

/// The publication times of the blog posts `query` admits (ignoring its
/// offset and limit), newest first: what a blog's month archive counts.
pub async fn blog_dates(
    conn: &impl Conn,
    query: BlogQuery<'_>,
) -> Result<Vec<Timestamp>, StoreError> {
    if query.visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(blog_select(&query)
        .select_only()
        .column(page::Column::CreatedAt)
        .order_by_desc(page::Column::CreatedAt)
        .into_tuple()
        .all(conn)
        .await?)
}

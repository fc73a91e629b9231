//! Page templates, global (`space_id` NULL) or of one space. Lists take the
//! spaces the viewer may list templates of and filter in the query.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use crate::entity::template;
use crate::{Conn, StoreError, Timestamp};

pub use template::Model as TemplateRow;

/// What a new template holds.
pub struct NewTemplate<'a> {
    pub space_id: Option<i64>,
    pub name: &'a str,
    pub description: &'a str,
    pub body: &'a str,
    pub variables: &'a str,
    pub by: i64,
    pub now: Timestamp,
}

pub async fn insert(conn: &impl Conn, new: NewTemplate<'_>) -> Result<TemplateRow, StoreError> {
    Ok(template::ActiveModel {
        space_id: Set(new.space_id),
        name: Set(new.name.to_owned()),
        description: Set(new.description.to_owned()),
        body: Set(new.body.to_owned()),
        variables: Set(new.variables.to_owned()),
        created_by: Set(Some(new.by)),
        created_at: Set(new.now),
        updated_by: Set(Some(new.by)),
        updated_at: Set(new.now),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Writes a changed row back.
pub async fn update(conn: &impl Conn, row: TemplateRow) -> Result<TemplateRow, StoreError> {
    let active: template::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

pub async fn delete(conn: &impl Conn, id: i64) -> Result<(), StoreError> {
    template::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// The template with `id`; callers decide whether the viewer may see it.
pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<TemplateRow>, StoreError> {
    Ok(template::Entity::find_by_id(id).one(conn).await?)
}

/// Whether another template of the same scope has this name (ignoring ASCII
/// case, as the unique indexes do).
pub async fn name_taken(
    conn: &impl Conn,
    space_id: Option<i64>,
    name: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let mut select = template::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(template::Column::Name)))
                .eq(name.to_ascii_lowercase()),
        )
        .filter(match space_id {
            None => template::Column::SpaceId.is_null(),
            Some(space) => template::Column::SpaceId.eq(space),
        });
    if let Some(id) = except {
        select = select.filter(template::Column::Id.ne(id));
    }
    Ok(select.one(conn).await?.is_some())
}

/// Which templates a list shows.
pub struct TemplateQuery<'a> {
    /// Include global templates.
    pub global: bool,
    /// The spaces whose templates the viewer may list.
    pub spaces: &'a [i64],
    /// Narrow to these scopes: `Some(None)` global only, `Some(Some(id))`
    /// one space only, `None` everything visible.
    pub only: Option<Option<i64>>,
    pub after_id: Option<i64>,
    pub limit: u64,
}

/// Templates visible through `query`, in id order.
pub async fn list(
    conn: &impl Conn,
    query: TemplateQuery<'_>,
) -> Result<Vec<TemplateRow>, StoreError> {
    let mut visible = Condition::any();
    if query.global {
        visible = visible.add(template::Column::SpaceId.is_null());
    }
    visible = visible.add(template::Column::SpaceId.is_in(query.spaces.iter().copied()));
    let mut select = template::Entity::find().filter(visible);
    match query.only {
        None => {}
        Some(None) => select = select.filter(template::Column::SpaceId.is_null()),
        Some(Some(space)) => select = select.filter(template::Column::SpaceId.eq(space)),
    }
    if let Some(after) = query.after_id {
        select = select.filter(template::Column::Id.gt(after));
    }
    Ok(select
        .order_by_asc(template::Column::Id)
        .limit(query.limit)
        .all(conn)
        .await?)
}

//! Page templates (SPEC 2.1, 3.3): global ones and a space's own, with
//! variables filled in at creation. Who may see, use and manage one is
//! `portico_core::template`'s; a template the viewer may not see is
//! `NotFound`, and lists filter in the query. A page created from a template
//! is an ordinary new page of the *target* space (`App::insert_page`), in the
//! same transaction: the template's space lends it nothing.

use std::collections::BTreeMap;

use portico_core::page::validate_title;
use portico_core::policy::Action;
use portico_core::template::{
    self, TemplateScope, Variable, VariableError, check_used, declared_variables, description,
    fill_title, may_manage, may_view, resolve, template_name, title_placeholders,
};
use portico_core::{PageId, SpaceId, TemplateId, UserId, Viewer};
use portico_store::templates::{self, TemplateQuery, TemplateRow};
use portico_store::{Conn, Timestamp, spaces};
use serde_json::json;

use crate::App;
use crate::access::{Access, forbidden};
use crate::error::{AppError, AppResult};
use crate::model::{Page, Slice, page_from_row};
use crate::pages::{BodyInput, StoredPage};
use crate::record::{audit, journal};

/// A template as the viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: TemplateId,
    /// `None`: global.
    pub space_id: Option<SpaceId>,
    pub name: String,
    pub description: String,
    /// Storage format with `at:var` variables.
    pub body: String,
    pub variables: Vec<Variable>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_by: Option<UserId>,
    pub updated_at: Timestamp,
    /// The viewer may change or delete it.
    pub can_manage: bool,
}

/// What a template is made of, for creating or replacing one.
pub struct TemplateInput {
    pub name: String,
    pub description: String,
    pub body: BodyInput,
    pub variables: Vec<Variable>,
}

/// Which visible templates a list shows.
pub struct TemplateFilter {
    /// `Some(None)`: global ones only; `Some(Some(id))`: one space's only.
    pub scope: Option<Option<SpaceId>>,
    pub after: Option<TemplateId>,
    pub limit: u64,
}

/// A page to create from a template.
pub struct PageFromTemplate {
    pub space_id: SpaceId,
    pub parent_id: Option<PageId>,
    /// May hold `{{name}}` placeholders of the template's variables.
    pub title: String,
    /// Plain-text values by variable name.
    pub variables: BTreeMap<String, String>,
    pub draft: bool,
}

fn scope_of(row: &TemplateRow) -> TemplateScope {
    match row.space_id {
        None => TemplateScope::Global,
        Some(id) => TemplateScope::Space(SpaceId(id)),
    }
}

/// The declared variables as stored (a JSON array).
fn variables_json(variables: &[Variable]) -> String {
    json!(
        variables
            .iter()
            .map(|v| json!({ "name": v.name, "label": v.label, "default": v.default }))
            .collect::<Vec<_>>()
    )
    .to_string()
}

fn parse_variables(stored: &str) -> AppResult<Vec<Variable>> {
    let value: serde_json::Value =
        serde_json::from_str(stored).map_err(|err| AppError::Internal(Box::new(err)))?;
    let text =
        |v: &serde_json::Value, key: &str| v.get(key).and_then(|s| s.as_str()).map(str::to_owned);
    Ok(value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| Variable {
                    name: text(item, "name").unwrap_or_default(),
                    label: text(item, "label").unwrap_or_default(),
                    default: text(item, "default"),
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Whether the space of a space template is archived (`false` for global),
/// from the access set, which knows every archived space.
fn archived(access: &Access, scope: TemplateScope) -> bool {
    scope
        .space()
        .is_some_and(|space| access.set.archived.contains(&space))
}

/// The template with `id` if the viewer may see it; otherwise `NotFound`.
async fn visible_template(
    conn: &impl Conn,
    access: &Access,
    id: TemplateId,
) -> AppResult<TemplateRow> {
    match templates::find(conn, id.0).await? {
        Some(row) if may_view(&access.set, scope_of(&row)) => Ok(row),
        _ => Err(AppError::NotFound),
    }
}

/// Fails with `Forbidden` (naming the permission) unless the viewer manages
/// templates of `scope`; callers have checked they can see it.
fn require_manage(access: &Access, scope: TemplateScope) -> AppResult<()> {
    if may_manage(&access.set, scope, archived(access, scope)) {
        return Ok(());
    }
    Err(forbidden(match scope {
        TemplateScope::Global => Action::AdministerWiki,
        TemplateScope::Space(_) => Action::AdministerSpace,
    }))
}

/// The checked parts of a template: name, description, sanitised body and
/// declared variables (every variable the body uses among them).
fn checked(input: &TemplateInput) -> AppResult<(String, String, String, Vec<Variable>)> {
    let name = template_name(&input.name)?;
    let description = description(&input.description)?;
    let variables = declared_variables(input.variables.clone())?;
    let body = input.body.to_template_storage()?;
    let used = portico_format::template_variables(&body);
    check_used(&variables, used.iter().map(String::as_str))?;
    Ok((name, description, body, variables))
}

async fn ensure_name_free(
    conn: &impl Conn,
    space_id: Option<i64>,
    name: &str,
    except: Option<i64>,
) -> AppResult<()> {
    if templates::name_taken(conn, space_id, name, except).await? {
        return Err(AppError::Conflict(format!(
            "a template named `{name}` already exists here"
        )));
    }
    Ok(())
}

impl App {
    fn template_view(
        &self,
        access: &Access,
        row: TemplateRow,
        archived: bool,
    ) -> AppResult<Template> {
        let scope = scope_of(&row);
        Ok(Template {
            id: TemplateId(row.id),
            space_id: row.space_id.map(SpaceId),
            variables: parse_variables(&row.variables)?,
            name: row.name,
            description: row.description,
            body: row.body,
            created_by: row.created_by.map(UserId),
            created_at: row.created_at,
            updated_by: row.updated_by.map(UserId),
            updated_at: row.updated_at,
            can_manage: may_manage(&access.set, scope, archived),
        })
    }

    /// Creates a template: global (`space: None`, needs `AdministerWiki`) or
    /// of a space (needs `AdministerSpace` there; a space the viewer can't
    /// see is `NotFound`).
    pub async fn create_template(
        &self,
        viewer: &Viewer,
        space: Option<SpaceId>,
        input: TemplateInput,
    ) -> AppResult<Template> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let scope = match space {
            None => TemplateScope::Global,
            Some(id) => TemplateScope::Space(id),
        };
        let now = self.now();
        let tx = self.store.write().await?;
        if let Some(id) = space
            && (spaces::find(tx.conn(), id.0).await?.is_none() || !may_view(&access.set, scope))
        {
            return Err(AppError::NotFound);
        }
        require_manage(&access, scope)?;
        let (name, description, body, variables) = checked(&input)?;
        let space_id = space.map(|id| id.0);
        ensure_name_free(tx.conn(), space_id, &name, None).await?;
        let row = templates::insert(
            tx.conn(),
            templates::NewTemplate {
                space_id,
                name: &name,
                description: &description,
                body: &body,
                variables: &variables_json(&variables),
                by: actor,
                now,
            },
        )
        .await?;
        record(
            tx.conn(),
            now,
            actor,
            &row,
            "template.create",
            "template.created",
        )
        .await?;
        let archived = archived(&access, scope);
        tx.commit().await?;
        self.template_view(&access, row, archived)
    }

    /// Replaces a template's name, description, body and variables (its
    /// scope stays).
    pub async fn update_template(
        &self,
        viewer: &Viewer,
        id: TemplateId,
        input: TemplateInput,
    ) -> AppResult<Template> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut row = visible_template(tx.conn(), &access, id).await?;
        let scope = scope_of(&row);
        require_manage(&access, scope)?;
        let (name, description, body, variables) = checked(&input)?;
        ensure_name_free(tx.conn(), row.space_id, &name, Some(row.id)).await?;
        row.name = name;
        row.description = description;
        row.body = body;
        row.variables = variables_json(&variables);
        row.updated_by = Some(actor);
        row.updated_at = now;
        let row = templates::update(tx.conn(), row).await?;
        record(
            tx.conn(),
            now,
            actor,
            &row,
            "template.update",
            "template.updated",
        )
        .await?;
        let archived = archived(&access, scope);
        tx.commit().await?;
        self.template_view(&access, row, archived)
    }

    pub async fn delete_template(&self, viewer: &Viewer, id: TemplateId) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let row = visible_template(tx.conn(), &access, id).await?;
        require_manage(&access, scope_of(&row))?;
        templates::delete(tx.conn(), row.id).await?;
        record(
            tx.conn(),
            now,
            actor,
            &row,
            "template.delete",
            "template.deleted",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the viewer may create templates of a scope (global: `None`),
    /// for offering the forms; the use cases check again. A space the
    /// viewer can't see is `NotFound`.
    pub async fn may_manage_templates(
        &self,
        viewer: &Viewer,
        space: Option<SpaceId>,
    ) -> AppResult<bool> {
        let access = self.access(viewer).await?;
        let scope = match space {
            None => TemplateScope::Global,
            Some(id) => TemplateScope::Space(id),
        };
        if space.is_some() && !may_view(&access.set, scope) {
            return Err(AppError::NotFound);
        }
        Ok(may_manage(&access.set, scope, archived(&access, scope)))
    }

    /// A template the viewer may see.
    pub async fn template(&self, viewer: &Viewer, id: TemplateId) -> AppResult<Template> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let row = visible_template(conn, &access, id).await?;
        let archived = archived(&access, scope_of(&row));
        let mut view = self.template_view(&access, row, archived)?;
        view.body = for_reader(conn, &access, view.body, view.space_id).await?;
        Ok(view)
    }

    /// The templates the viewer may see (global ones and those of the spaces
    /// they may list), filtered in the query, in id order after `after`.
    /// A space they can't see lists nothing, like a space without templates.
    pub async fn list_templates(
        &self,
        viewer: &Viewer,
        filter: TemplateFilter,
    ) -> AppResult<Slice<Template>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let spaces = template::listed_spaces(&access.set);
        let rows = templates::list(
            conn,
            TemplateQuery {
                global: template::lists_global(&access.set),
                spaces: &spaces,
                only: filter.scope.map(|scope| scope.map(|id| id.0)),
                after_id: filter.after.map(|id| id.0),
                limit: filter.limit + 1,
            },
        )
        .await?;
        let has_more = rows.len() as u64 > filter.limit;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows.into_iter().take(filter.limit as usize) {
            let archived = archived(&access, scope_of(&row));
            let mut view = self.template_view(&access, row, archived)?;
            view.body = for_reader(conn, &access, view.body, view.space_id).await?;
            items.push(view);
        }
        Ok(Slice { items, has_more })
    }

    /// Creates a page in the target space from a template the viewer may
    /// see: every variable filled with its plain-text value (escaped into
    /// the body) or its default, `{{name}}` in the title too. An unknown or
    /// missing variable is refused naming it. The page is checked and
    /// written exactly as `create_page` does, in one transaction.
    pub async fn create_page_from_template(
        &self,
        viewer: &Viewer,
        id: TemplateId,
        new: PageFromTemplate,
    ) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let row = visible_template(tx.conn(), &access, id).await?;
        let declared = parse_variables(&row.variables)?;
        if let Some(unknown) = title_placeholders(&new.title)
            .into_iter()
            .find(|name| !declared.iter().any(|v| &v.name == name))
        {
            return Err(VariableError::Unknown(unknown).into());
        }
        let values = resolve(&declared, &new.variables)?;
        let title = validate_title(&fill_title(&new.title, &values))?;
        let body = portico_format::fill_template(&row.body, &|name| values.get(name).cloned());
        let page = self
            .insert_page(
                tx.conn(),
                &access,
                StoredPage {
                    space_id: new.space_id,
                    parent_id: new.parent_id,
                    title,
                    body,
                    draft: new.draft,
                    template: Some(row.id),
                },
                actor,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(page_from_row(page))
    }
}

/// The audit entry of a change to a template and its journal entry.
async fn record(
    conn: &impl Conn,
    now: Timestamp,
    actor: i64,
    row: &TemplateRow,
    action: &str,
    kind: &str,
) -> AppResult<()> {
    let details = json!({ "space": row.space_id, "name": row.name });
    audit(
        conn,
        now,
        Some(actor),
        action,
        ("template", row.id.to_string()),
        details,
    )
    .await?;
    journal(conn, now, kind, ("template", row.id), row.space_id).await?;
    Ok(())
}

/// A template's body as its reader gets it: a link to a page they can't see
/// keeps only its opaque id (SPEC 4: link titles).
async fn for_reader(
    conn: &impl portico_store::Conn,
    access: &crate::access::Access,
    body: String,
    space: Option<SpaceId>,
) -> AppResult<String> {
    crate::links::for_reader_in(conn, access, body, space.map(|s| s.0)).await
}

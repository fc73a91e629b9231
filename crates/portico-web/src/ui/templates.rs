//! Templates in the UI: a space's Templates screen (`/wiki/spaces/{key}/templates`:
//! its templates for whoever sees the space, the create form for its admins),
//! the global templates screen for wiki admins (`/admin/templates`, the
//! plain 404 for everyone else), editing and deleting one
//! (`/wiki/templates/{id}/edit|delete`), and "Create from template" on the
//! new-page flow (`/wiki/spaces/{key}/templates/use`: pick a template, fill
//! its variables, create). The use cases decide; these only offer forms.

use askama::Template as Askama;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    BodyFormat, BodyInput, PageFromTemplate, PageId, Space, SpaceId, Template, TemplateFilter,
    TemplateId, TemplateInput, TemplateVariable,
};
use serde::Deserialize;

use super::links;
use super::render::{
    Caller, FormFields, Me, UiError, UiForm, UiQuery, form_error, html, not_found,
    optional_page_id, see_other,
};
use crate::AppState;

/// The most templates one screen lists.
const LIST_LIMIT: u64 = 200;

/// A template in a list.
struct TemplateItem {
    name: String,
    description: String,
    /// "Global" or the space's key.
    scope: String,
    edit_href: String,
    delete_href: String,
    use_href: String,
    can_manage: bool,
}

/// The fields of the create and edit forms.
#[derive(Deserialize, Default)]
pub(crate) struct TemplateForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    body: String,
    /// One variable a line: `name | label | default` (label and default optional).
    #[serde(default)]
    variables: String,
}

impl TemplateForm {
    fn input(&self) -> Result<TemplateInput, String> {
        let format = match self.format.as_str() {
            "" | "markdown" => BodyFormat::Markdown,
            "storage" => BodyFormat::Storage,
            other => return Err(format!("unknown format `{other}`")),
        };
        let variables = self
            .variables
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let mut parts = line.splitn(3, '|').map(str::trim);
                TemplateVariable {
                    name: parts.next().unwrap_or_default().to_owned(),
                    label: parts.next().unwrap_or_default().to_owned(),
                    default: parts.next().filter(|d| !d.is_empty()).map(str::to_owned),
                }
            })
            .collect();
        Ok(TemplateInput {
            name: self.name.clone(),
            description: self.description.clone(),
            body: BodyInput {
                value: self.body.clone(),
                format,
            },
            variables,
        })
    }

    fn from_template(template: &Template) -> Self {
        TemplateForm {
            csrf: String::new(),
            name: template.name.clone(),
            description: template.description.clone(),
            format: "storage".to_owned(),
            body: template.body.clone(),
            variables: template
                .variables
                .iter()
                .map(|v| match &v.default {
                    Some(default) => format!("{} | {} | {default}", v.name, v.label),
                    None => format!("{} | {}", v.name, v.label),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[derive(Askama)]
#[template(path = "templates.html")]
struct ListPage {
    me: Option<Me>,
    csrf: String,
    heading: String,
    /// Where "back" goes (the space, or the admin overview).
    back_href: String,
    back_label: String,
    templates: Vec<TemplateItem>,
    /// The create form's action, for those who may create here.
    create_action: Option<String>,
    form: TemplateForm,
    error: Option<String>,
}

fn item(template: Template, spaces: &[Space], use_in: Option<&str>) -> TemplateItem {
    let scope = match template.space_id {
        None => "Global".to_owned(),
        Some(id) => spaces
            .iter()
            .find(|space| space.id == id)
            .map_or_else(|| "Space".to_owned(), |space| space.key.clone()),
    };
    TemplateItem {
        edit_href: format!("/wiki/templates/{}/edit", template.id),
        delete_href: format!("/wiki/templates/{}/delete", template.id),
        use_href: use_in.map_or_else(String::new, |key| {
            format!(
                "/wiki/spaces/{}/templates/{}/use",
                links::segment(key),
                template.id
            )
        }),
        name: template.name,
        description: template.description,
        scope,
        can_manage: template.can_manage,
    }
}

async fn list(
    state: &AppState,
    caller: &Caller,
    scope: Option<Option<SpaceId>>,
) -> Result<Vec<Template>, UiError> {
    Ok(state
        .app
        .list_templates(
            caller.viewer(),
            TemplateFilter {
                scope,
                after: None,
                limit: LIST_LIMIT,
            },
        )
        .await?
        .items)
}

async fn render_space_list(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    form: TemplateForm,
    error: Option<(StatusCode, String)>,
) -> Result<Response, UiError> {
    let templates = list(state, caller, Some(Some(space.id))).await?;
    let may_create = state
        .app
        .may_manage_templates(caller.viewer(), Some(space.id))
        .await?;
    let spaces = std::slice::from_ref(space);
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    Ok(html(
        status,
        &ListPage {
            me: caller.me(),
            csrf: caller.csrf(),
            heading: format!("Templates of {}", space.name),
            back_href: links::space(&space.key),
            back_label: space.name.clone(),
            templates: templates
                .into_iter()
                .map(|t| item(t, spaces, Some(&space.key)))
                .collect(),
            create_action: may_create.then(|| space_templates_href(&space.key)),
            form,
            error,
        },
    ))
}

fn space_templates_href(key: &str) -> String {
    format!("/wiki/spaces/{}/templates", links::segment(key))
}

/// `/wiki/spaces/{key}/templates`.
pub(crate) async fn space_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    render_space_list(&state, &caller, &space, TemplateForm::default(), None).await
}

pub(crate) async fn space_create(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<TemplateForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let input = match form.input() {
        Ok(input) => input,
        Err(message) => {
            let error = Some((StatusCode::BAD_REQUEST, message));
            return render_space_list(&state, &caller, &space, form, error).await;
        }
    };
    match state
        .app
        .create_template(caller.viewer(), Some(space.id), input)
        .await
    {
        Ok(_) => Ok(see_other(&space_templates_href(&space.key))),
        Err(err) => {
            let error = form_error(err)?;
            let error = Some((error.status, error.message));
            render_space_list(&state, &caller, &space, form, error).await
        }
    }
}

async fn render_global_list(
    state: &AppState,
    caller: &Caller,
    form: TemplateForm,
    error: Option<(StatusCode, String)>,
) -> Result<Response, UiError> {
    if !state
        .app
        .may_manage_templates(caller.viewer(), None)
        .await?
    {
        return Ok(not_found());
    }
    let templates = list(state, caller, Some(None)).await?;
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    Ok(html(
        status,
        &ListPage {
            me: caller.me(),
            csrf: caller.csrf(),
            heading: "Global templates".to_owned(),
            back_href: "/wiki/spaces".to_owned(),
            back_label: "Spaces".to_owned(),
            templates: templates.into_iter().map(|t| item(t, &[], None)).collect(),
            create_action: Some(GLOBAL_HREF.to_owned()),
            form,
            error,
        },
    ))
}

const GLOBAL_HREF: &str = "/admin/templates";

/// `/admin/templates`: wiki admins only; the plain 404 for everyone else.
pub(crate) async fn global_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, UiError> {
    render_global_list(&state, &caller, TemplateForm::default(), None).await
}

pub(crate) async fn global_create(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<TemplateForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    if !state
        .app
        .may_manage_templates(caller.viewer(), None)
        .await?
    {
        return Ok(not_found());
    }
    let input = match form.input() {
        Ok(input) => input,
        Err(message) => {
            let error = Some((StatusCode::BAD_REQUEST, message));
            return render_global_list(&state, &caller, form, error).await;
        }
    };
    match state
        .app
        .create_template(caller.viewer(), None, input)
        .await
    {
        Ok(_) => Ok(see_other(GLOBAL_HREF)),
        Err(err) => {
            let error = form_error(err)?;
            render_global_list(&state, &caller, form, Some((error.status, error.message))).await
        }
    }
}

fn template_id(raw: &str) -> Result<TemplateId, UiError> {
    raw.parse::<TemplateId>()
        .map_err(|_| UiError::from(portico_app::AppError::NotFound))
}

/// Where a template's screens lead back to.
async fn home_of(
    state: &AppState,
    caller: &Caller,
    template: &Template,
) -> Result<String, UiError> {
    Ok(match template.space_id {
        None => GLOBAL_HREF.to_owned(),
        Some(id) => space_templates_href(&state.app.space(caller.viewer(), id).await?.key),
    })
}

#[derive(Askama)]
#[template(path = "template_edit.html")]
struct EditPage {
    me: Option<Me>,
    csrf: String,
    name: String,
    action: String,
    delete_action: String,
    back_href: String,
    form: TemplateForm,
    error: Option<String>,
}

async fn render_edit(
    state: &AppState,
    caller: &Caller,
    template: &Template,
    form: TemplateForm,
    error: Option<(StatusCode, String)>,
) -> Result<Response, UiError> {
    if !template.can_manage {
        return Err(UiError::from(portico_app::AppError::Forbidden {
            permission: "admin",
            reason: "only admins of its scope change a template".to_owned(),
        }));
    }
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    Ok(html(
        status,
        &EditPage {
            me: caller.me(),
            csrf: caller.csrf(),
            name: template.name.clone(),
            action: format!("/wiki/templates/{}/edit", template.id),
            delete_action: format!("/wiki/templates/{}/delete", template.id),
            back_href: home_of(state, caller, template).await?,
            form,
            error,
        },
    ))
}

pub(crate) async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let template = state
        .app
        .template(caller.viewer(), template_id(&id)?)
        .await?;
    let form = TemplateForm::from_template(&template);
    render_edit(&state, &caller, &template, form, None).await
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    UiForm(form): UiForm<TemplateForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let template = state
        .app
        .template(caller.viewer(), template_id(&id)?)
        .await?;
    let input = match form.input() {
        Ok(input) => input,
        Err(message) => {
            let error = Some((StatusCode::BAD_REQUEST, message));
            return render_edit(&state, &caller, &template, form, error).await;
        }
    };
    match state
        .app
        .update_template(caller.viewer(), template.id, input)
        .await
    {
        Ok(updated) => Ok(see_other(&home_of(&state, &caller, &updated).await?)),
        Err(err) => {
            let error = form_error(err)?;
            let error = Some((error.status, error.message));
            render_edit(&state, &caller, &template, form, error).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let template = state
        .app
        .template(caller.viewer(), template_id(&id)?)
        .await?;
    let back = home_of(&state, &caller, &template).await?;
    state
        .app
        .delete_template(caller.viewer(), template.id)
        .await?;
    Ok(see_other(&back))
}

#[derive(Deserialize, Default)]
pub(crate) struct ParentQuery {
    #[serde(default, rename = "parentId")]
    parent_id: String,
}

#[derive(Askama)]
#[template(path = "template_pick.html")]
struct PickPage {
    me: Option<Me>,
    space_name: String,
    space_href: String,
    blank_href: String,
    templates: Vec<TemplateItem>,
}

/// `/wiki/spaces/{key}/templates/use`: the templates the viewer may use to
/// create a page here (global ones and those of every space they see).
pub(crate) async fn pick(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiQuery(query): UiQuery<ParentQuery>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let parent = optional_page_id("parentId", &query.parent_id).unwrap_or(None);
    let templates = list(&state, &caller, None).await?;
    let mut spaces = Vec::new();
    for id in templates.iter().filter_map(|t| t.space_id) {
        if !spaces.iter().any(|s: &Space| s.id == id) {
            spaces.push(state.app.space(caller.viewer(), id).await?);
        }
    }
    let suffix = parent.map_or_else(String::new, |id| format!("?parentId={id}"));
    Ok(html(
        StatusCode::OK,
        &PickPage {
            me: caller.me(),
            space_name: space.name.clone(),
            space_href: links::space(&space.key),
            blank_href: links::create_page(&space.key, parent),
            templates: templates
                .into_iter()
                .map(|t| {
                    let mut item = item(t, &spaces, Some(&space.key));
                    item.use_href.push_str(&suffix);
                    item
                })
                .collect(),
        },
    ))
}

struct VariableField {
    /// The form field's name (`var.<name>`).
    field: String,
    id: String,
    label: String,
    value: String,
    required: bool,
}

#[derive(Askama)]
#[template(path = "template_use.html")]
struct UsePage {
    me: Option<Me>,
    csrf: String,
    template_name: String,
    description: String,
    space_name: String,
    action: String,
    cancel: String,
    parent_id: String,
    title: String,
    fields: Vec<VariableField>,
    error: Option<String>,
}

fn render_use(
    caller: &Caller,
    space: &Space,
    template: &Template,
    fields: &FormFields,
    error: Option<(StatusCode, String)>,
) -> Response {
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    html(
        status,
        &UsePage {
            me: caller.me(),
            csrf: caller.csrf(),
            template_name: template.name.clone(),
            description: template.description.clone(),
            space_name: space.name.clone(),
            action: format!(
                "/wiki/spaces/{}/templates/{}/use",
                links::segment(&space.key),
                template.id
            ),
            cancel: links::space(&space.key),
            parent_id: fields.one("parentId").to_owned(),
            title: fields.one("title").to_owned(),
            fields: template
                .variables
                .iter()
                .map(|v| {
                    let field = format!("var.{}", v.name);
                    let given = fields.one(&field);
                    VariableField {
                        id: format!("var-{}", v.name),
                        label: v.label.clone(),
                        value: if given.is_empty() {
                            v.default.clone().unwrap_or_default()
                        } else {
                            given.to_owned()
                        },
                        required: v.default.is_none(),
                        field,
                    }
                })
                .collect(),
            error,
        },
    )
}

/// The form filling a template's variables.
pub(crate) async fn use_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, id)): Path<(String, String)>,
    UiQuery(query): UiQuery<ParentQuery>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let template = state
        .app
        .template(caller.viewer(), template_id(&id)?)
        .await?;
    let fields = FormFields(vec![("parentId".to_owned(), query.parent_id)]);
    Ok(render_use(&caller, &space, &template, &fields, None))
}

pub(crate) async fn use_template(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, id)): Path<(String, String)>,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let template = state
        .app
        .template(caller.viewer(), template_id(&id)?)
        .await?;
    let parent_id: Option<PageId> = match optional_page_id("parentId", fields.one("parentId")) {
        Ok(parent) => parent,
        Err(message) => {
            let error = Some((StatusCode::BAD_REQUEST, message));
            return Ok(render_use(&caller, &space, &template, &fields, error));
        }
    };
    let variables = fields
        .0
        .iter()
        .filter_map(|(name, value)| {
            name.strip_prefix("var.")
                .map(|name| (name.to_owned(), value.clone()))
        })
        .collect();
    let new = PageFromTemplate {
        space_id: space.id,
        parent_id,
        title: fields.one("title").to_owned(),
        variables,
        draft: fields.one("action") == "draft",
    };
    match state
        .app
        .create_page_from_template(caller.viewer(), template.id, new)
        .await
    {
        Ok(page) => Ok(see_other(&links::page(&space.key, page.id, &page.title))),
        Err(err) => {
            let error = form_error(err)?;
            let error = Some((error.status, error.message));
            Ok(render_use(&caller, &space, &template, &fields, error))
        }
    }
}

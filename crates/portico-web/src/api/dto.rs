//! The JSON shapes of the Confluence Cloud REST v2 API (field names as
//! Confluence spells them), and their conversion from app records.

use portico_app::{Page, Space, Version};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webui: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

/// A list of results with cursor links.
#[derive(Serialize, ToSchema)]
pub struct MultiEntityResult<T> {
    pub results: Vec<T>,
    #[serde(rename = "_links")]
    pub links: Links,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PlainValue {
    pub value: String,
    pub representation: String,
}

#[derive(Serialize, ToSchema)]
pub struct SpaceDescription {
    pub plain: PlainValue,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpaceJson {
    pub id: String,
    pub key: String,
    pub name: String,
    #[serde(rename = "type")]
    pub space_type: String,
    pub status: String,
    pub author_id: Option<String>,
    pub created_at: String,
    pub homepage_id: Option<String>,
    pub description: SpaceDescription,
    #[serde(rename = "_links")]
    pub links: Links,
}

impl From<Space> for SpaceJson {
    fn from(space: Space) -> Self {
        SpaceJson {
            id: space.id.to_string(),
            links: Links {
                webui: Some(format!("/spaces/{}", space.key)),
                next: None,
                base: None,
            },
            key: space.key,
            name: space.name,
            space_type: "global".to_owned(),
            status: space.status,
            author_id: space.created_by.map(|id| id.to_string()),
            created_at: timestamp(space.created_at),
            homepage_id: space.homepage_id.map(|id| id.to_string()),
            description: SpaceDescription {
                plain: PlainValue {
                    value: space.description,
                    representation: "plain".to_owned(),
                },
            },
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateSpaceJson {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<PlainValue>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionJson {
    pub number: i64,
    pub message: String,
    pub minor_edit: bool,
    pub author_id: Option<String>,
    pub created_at: String,
}

impl From<&Version> for VersionJson {
    fn from(version: &Version) -> Self {
        VersionJson {
            number: version.number,
            message: version.message.clone(),
            minor_edit: false,
            author_id: version.author_id.map(|id| id.to_string()),
            created_at: timestamp(version.created_at),
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct BodyValue {
    pub representation: String,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct BodyJson {
    pub storage: BodyValue,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageJson {
    pub id: String,
    pub status: String,
    pub title: String,
    pub space_id: String,
    pub parent_id: Option<String>,
    pub parent_type: Option<String>,
    pub position: i64,
    pub author_id: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: String,
    pub version: PageVersionJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyJson>,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// The version summary embedded in a page.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageVersionJson {
    pub number: i64,
    pub author_id: Option<String>,
    pub created_at: String,
    pub message: String,
    pub minor_edit: bool,
}

impl PageJson {
    pub fn new(page: Page, with_body: bool) -> Self {
        PageJson {
            id: page.id.to_string(),
            links: Links {
                webui: Some(format!("/pages/{}", page.id)),
                next: None,
                base: None,
            },
            status: page.status,
            title: page.title,
            space_id: page.space_id.to_string(),
            parent_type: page.parent_id.map(|_| "page".to_owned()),
            parent_id: page.parent_id.map(|id| id.to_string()),
            position: page.position,
            author_id: page.author_id.map(|id| id.to_string()),
            owner_id: page.author_id.map(|id| id.to_string()),
            created_at: timestamp(page.created_at),
            version: PageVersionJson {
                number: page.version,
                author_id: page.updated_by.map(|id| id.to_string()),
                created_at: timestamp(page.updated_at),
                message: String::new(),
                minor_edit: false,
            },
            body: with_body.then(|| BodyJson {
                storage: BodyValue {
                    representation: "storage".to_owned(),
                    value: page.body,
                },
            }),
        }
    }
}

/// A child page as `direct-children` lists it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChildJson {
    pub id: String,
    pub status: String,
    pub title: String,
    #[serde(rename = "type")]
    pub content_type: String,
    pub space_id: String,
    pub child_position: i64,
}

impl From<Page> for ChildJson {
    fn from(page: Page) -> Self {
        ChildJson {
            id: page.id.to_string(),
            status: page.status,
            title: page.title,
            content_type: "page".to_owned(),
            space_id: page.space_id.to_string(),
            child_position: page.position,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePageJson {
    pub space_id: String,
    #[serde(default)]
    pub status: Option<String>,
    pub title: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub body: Option<BodyValue>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateVersionJson {
    pub number: i64,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePageJson {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    pub title: String,
    pub body: BodyValue,
    pub version: UpdateVersionJson,
}

/// Portico extension: where to move or copy a page.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveJson {
    /// `append` (last child of the target page), `before` or `after` (sibling of
    /// the target page), or `top` (top level of the target space).
    pub position: String,
    /// A page id for append/before/after, a space id for top.
    pub target_id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopyJson {
    pub position: String,
    pub target_id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub include_descendants: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestoreJson {
    /// The version to restore.
    pub version_number: i64,
    /// The page's current version as the caller saw it.
    pub current_version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DiffLineJson {
    /// `same`, `added` or `removed`.
    pub kind: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct DiffJson {
    pub from: i64,
    pub to: i64,
    #[serde(rename = "fromTitle")]
    pub from_title: String,
    #[serde(rename = "toTitle")]
    pub to_title: String,
    pub lines: Vec<DiffLineJson>,
}

//! The oracle: Portico's access policy as Cedar policy text
//! (`portico.cedar`, typed by `portico.cedarschema`), evaluated by Cedar over
//! entities built from a [`World`]. Nothing here calls portico-core's
//! decision functions; portico-core's types only describe the world.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicyId,
    PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use portico_core::permission::{GlobalPermission, SpacePermission};
use portico_core::policy::{Action, GlobalGrant, Grant, Grantee, Restriction, SpaceFacts};
use portico_core::{GroupId, PageId, Role, UserId};

use crate::world::{Case, MAX_DEPTH, Target, Who, World};

/// The policy, as Cedar text.
pub const POLICY: &str = include_str!("portico.cedar");
/// Its schema, in Cedar's schema syntax.
pub const SCHEMA: &str = include_str!("portico.cedarschema");

const SITE: &str = "portico";
const VISITOR: &str = "visitor";

/// Anything that keeps the oracle from answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleError(pub String);

impl fmt::Display for OracleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OracleError {}

fn error(context: &str, err: impl fmt::Display) -> OracleError {
    OracleError(format!("{context}: {err}"))
}

/// The oracle's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub allowed: bool,
    /// Allowed only because the principal's admin key is active.
    pub by_admin_key: bool,
    /// The `@id`s of the policies that decided (the permits that allowed,
    /// or the forbids that refused).
    pub policies: Vec<String>,
}

/// The parsed, validated policy.
pub struct Oracle {
    schema: Schema,
    policies: PolicySet,
    /// The `@id` of each policy (looking an annotation up parses its key).
    names: HashMap<PolicyId, String>,
    authorizer: Authorizer,
}

/// A world as Cedar entities.
pub struct CedarWorld {
    entities: Entities,
    admin_keys: BTreeMap<UserId, bool>,
}

impl Oracle {
    /// Parses the schema and the policy and validates the policy against the
    /// schema in strict mode.
    pub fn load() -> Result<Self, OracleError> {
        let (schema, warnings) =
            Schema::from_cedarschema_str(SCHEMA).map_err(|err| error("schema", err))?;
        let warnings: Vec<String> = warnings.map(|warning| warning.to_string()).collect();
        if !warnings.is_empty() {
            return Err(OracleError(format!(
                "schema warnings: {}",
                warnings.join("; ")
            )));
        }
        let policies = PolicySet::from_str(POLICY).map_err(|err| error("policy", err))?;
        let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        let errors: Vec<String> = result
            .validation_errors()
            .map(|err| format!("{err} ({})", err.policy_id()))
            .collect();
        if !errors.is_empty() {
            return Err(OracleError(format!(
                "the policy doesn't validate: {}",
                errors.join("; ")
            )));
        }
        let names = policies
            .policies()
            .map(|policy| {
                let name = policy.annotation("id").unwrap_or(policy.id().as_ref());
                (policy.id().clone(), name.to_owned())
            })
            .collect();
        Ok(Self {
            schema,
            policies,
            names,
            authorizer: Authorizer::new(),
        })
    }

    /// Number of policies in the policy set.
    pub fn policy_count(&self) -> usize {
        self.policies.policies().count()
    }

    /// Builds the entities of `world` (checked against the schema).
    pub fn world(&self, world: &World) -> Result<CedarWorld, OracleError> {
        let entities = entities(world)?;
        let entities = Entities::from_entities(entities, Some(&self.schema))
            .map_err(|err| error("entities", err))?;
        Ok(CedarWorld {
            entities,
            admin_keys: world
                .users
                .iter()
                .map(|user| (user.id, user.admin_key))
                .collect(),
        })
    }

    /// Asks Cedar about `case`. With an active admin key the request is also
    /// asked without it, to tell whether the key made the difference.
    pub fn decide(&self, world: &CedarWorld, case: &Case) -> Result<Answer, OracleError> {
        let admin_key = match case.who {
            Who::Anonymous => false,
            Who::User(id) => world.admin_keys.get(&id).copied().unwrap_or(false),
        };
        let (allowed, policies) = self.ask(world, case, admin_key)?;
        let by_admin_key = allowed && admin_key && !self.ask(world, case, false)?.0;
        Ok(Answer {
            allowed,
            by_admin_key,
            policies,
        })
    }

    fn ask(
        &self,
        world: &CedarWorld,
        case: &Case,
        admin_key: bool,
    ) -> Result<(bool, Vec<String>), OracleError> {
        let principal = match case.who {
            Who::Anonymous => uid(Kind::Anonymous, VISITOR)?,
            Who::User(id) => uid(Kind::User, id)?,
        };
        let resource = match case.target {
            Target::Site => uid(Kind::Site, SITE)?,
            Target::Space(id) => uid(Kind::Space, id)?,
            Target::Page(id) => uid(Kind::Page, id)?,
        };
        let action = uid(Kind::Action, action_name(case.action))?;
        let context = Context::from_pairs([(
            "admin_key".to_owned(),
            RestrictedExpression::new_bool(admin_key),
        )])
        .map_err(|err| error("context", err))?;
        let request = Request::new(principal, action, resource, context, Some(&self.schema))
            .map_err(|err| error("request", err))?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &world.entities);
        let errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(ToString::to_string)
            .collect();
        if !errors.is_empty() {
            // A policy that errors is skipped by Cedar: never let that pass.
            return Err(OracleError(format!(
                "evaluation errors: {}",
                errors.join("; ")
            )));
        }
        let policies = response
            .diagnostics()
            .reason()
            .map(|id| {
                self.names
                    .get(id)
                    .map_or_else(|| id.to_string(), String::clone)
            })
            .collect();
        Ok((response.decision() == Decision::Allow, policies))
    }
}

/// The Cedar action for an engine action (the names are the same).
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::UseWiki => "UseWiki",
        Action::CreateSpace => "CreateSpace",
        Action::AdministerWiki => "AdministerWiki",
        Action::SeeDirectory => "SeeDirectory",
        Action::UsePublicLinks => "UsePublicLinks",
        Action::ViewSpace => "ViewSpace",
        Action::AdministerSpace => "AdministerSpace",
        Action::CreatePage => "CreatePage",
        Action::CreateBlogPost => "CreateBlogPost",
        Action::ExportSpace => "ExportSpace",
        Action::ViewPage => "ViewPage",
        Action::EditPage => "EditPage",
        Action::DeletePage => "DeletePage",
        Action::ArchivePage => "ArchivePage",
        Action::CommentPage => "CommentPage",
        Action::DeleteComment => "DeleteComment",
        Action::AttachToPage => "AttachToPage",
        Action::DeleteAttachment => "DeleteAttachment",
        Action::RestrictPage => "RestrictPage",
        Action::ExportPage => "ExportPage",
    }
}

/// The entity types of the schema.
#[derive(Debug, Clone, Copy)]
enum Kind {
    User,
    Group,
    GuestGroup,
    Restriction,
    Anonymous,
    Site,
    Space,
    Page,
    Action,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::User,
        Kind::Group,
        Kind::GuestGroup,
        Kind::Restriction,
        Kind::Anonymous,
        Kind::Site,
        Kind::Space,
        Kind::Page,
        Kind::Action,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
            Kind::GuestGroup => "GuestGroup",
            Kind::Restriction => "Restriction",
            Kind::Anonymous => "Anonymous",
            Kind::Site => "Site",
            Kind::Space => "Space",
            Kind::Page => "Page",
            Kind::Action => "Action",
        }
    }

    /// The parsed type name (parsing runs Cedar's parser: do it once).
    fn type_name(self) -> Result<EntityTypeName, OracleError> {
        static NAMES: OnceLock<Result<Vec<EntityTypeName>, OracleError>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            Kind::ALL
                .into_iter()
                .map(|kind| {
                    EntityTypeName::from_str(kind.name()).map_err(|err| error("entity type", err))
                })
                .collect()
        });
        match names {
            Ok(names) => names
                .get(self as usize)
                .cloned()
                .ok_or_else(|| OracleError(format!("no type name for {self:?}"))),
            Err(err) => Err(err.clone()),
        }
    }
}

fn uid(kind: Kind, id: impl fmt::Display) -> Result<EntityUid, OracleError> {
    Ok(EntityUid::from_type_name_and_id(
        kind.type_name()?,
        EntityId::new(id.to_string()),
    ))
}

fn entity_ref(kind: Kind, id: impl fmt::Display) -> Result<RestrictedExpression, OracleError> {
    Ok(RestrictedExpression::new_entity_uid(uid(kind, id)?))
}

fn restriction_uid(kind: &str, page: PageId) -> Result<EntityUid, OracleError> {
    uid(Kind::Restriction, format!("{kind}-{page}"))
}

fn record(
    fields: impl IntoIterator<Item = (&'static str, RestrictedExpression)>,
) -> Result<RestrictedExpression, OracleError> {
    RestrictedExpression::new_record(fields.into_iter().map(|(k, v)| (k.to_owned(), v)))
        .map_err(|err| error("record", err))
}

/// Everyone a set of grants names, for one permission: the `Grantees`
/// record of the schema.
#[derive(Default)]
struct Named {
    users: Vec<UserId>,
    groups: Vec<GroupId>,
    guest_groups: Vec<GroupId>,
    all_members: bool,
    anonymous: bool,
}

impl Named {
    fn add(&mut self, world: &World, grantee: Grantee) {
        match grantee {
            Grantee::User(id) => self.users.push(id),
            Grantee::Group(id) if world.is_guest_group(id) => self.guest_groups.push(id),
            Grantee::Group(id) => self.groups.push(id),
            Grantee::AllMembers => self.all_members = true,
            Grantee::Anonymous => self.anonymous = true,
        }
    }

    fn expression(&self) -> Result<RestrictedExpression, OracleError> {
        let set = |kind: Kind, ids: Vec<String>| -> Result<RestrictedExpression, OracleError> {
            let items = ids
                .into_iter()
                .map(|id| entity_ref(kind, id))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(RestrictedExpression::new_set(items))
        };
        record([
            (
                "users",
                set(
                    Kind::User,
                    self.users.iter().map(ToString::to_string).collect(),
                )?,
            ),
            (
                "groups",
                set(
                    Kind::Group,
                    self.groups.iter().map(ToString::to_string).collect(),
                )?,
            ),
            (
                "guest_groups",
                set(
                    Kind::GuestGroup,
                    self.guest_groups.iter().map(ToString::to_string).collect(),
                )?,
            ),
            (
                "all_members",
                RestrictedExpression::new_bool(self.all_members),
            ),
            ("anonymous", RestrictedExpression::new_bool(self.anonymous)),
        ])
    }
}

/// The schema's attribute name for a space permission.
fn space_attribute(permission: SpacePermission) -> &'static str {
    match permission {
        SpacePermission::View => "view",
        SpacePermission::DeleteOwn => "delete_own",
        SpacePermission::PageCreate => "page_create",
        SpacePermission::PageArchive => "page_archive",
        SpacePermission::PageDelete => "page_delete",
        SpacePermission::BlogCreate => "blog_create",
        SpacePermission::BlogDelete => "blog_delete",
        SpacePermission::CommentCreate => "comment_create",
        SpacePermission::CommentDelete => "comment_delete",
        SpacePermission::AttachmentCreate => "attachment_create",
        SpacePermission::AttachmentDelete => "attachment_delete",
        SpacePermission::Restrict => "restrict",
        SpacePermission::Export => "export",
        SpacePermission::Admin => "admin",
    }
}

/// The schema's attribute name for a global permission.
fn global_attribute(permission: GlobalPermission) -> &'static str {
    match permission {
        GlobalPermission::UseWiki => "use_wiki",
        GlobalPermission::CreateSpace => "create_space",
        GlobalPermission::Administer => "administer",
        GlobalPermission::SeeDirectory => "directory",
        GlobalPermission::UsePublicLinks => "public_links",
    }
}

fn space_grants(world: &World, grants: &[Grant]) -> Result<RestrictedExpression, OracleError> {
    let fields = SpacePermission::ALL
        .into_iter()
        .map(|permission| {
            let mut named = Named::default();
            for grant in grants.iter().filter(|g| g.permissions.contains(permission)) {
                named.add(world, grant.grantee);
            }
            Ok((space_attribute(permission), named.expression()?))
        })
        .collect::<Result<Vec<_>, OracleError>>()?;
    record(fields)
}

/// The schema's slot names for a space's shares.
const SHARE_SLOTS: [&str; 3] = ["share_0", "share_1", "share_2"];

/// The space's subtree grants as the schema's `Share` slots.
fn shares(
    world: &World,
    space: &SpaceFacts,
) -> Result<Vec<(&'static str, RestrictedExpression)>, OracleError> {
    if space.subtree_grants.len() > SHARE_SLOTS.len() {
        return Err(OracleError(format!(
            "space {} has {} shares; the policy follows {}",
            space.id,
            space.subtree_grants.len(),
            SHARE_SLOTS.len()
        )));
    }
    SHARE_SLOTS
        .into_iter()
        .zip(&space.subtree_grants)
        .map(|(slot, share)| {
            let fields = record([
                ("root", entity_ref(Kind::Page, share.root)?),
                (
                    "grants",
                    space_grants(world, std::slice::from_ref(&share.grant))?,
                ),
            ])?;
            Ok((slot, fields))
        })
        .collect()
}

fn global_grants(
    world: &World,
    grants: &[GlobalGrant],
) -> Result<RestrictedExpression, OracleError> {
    let fields = GlobalPermission::ALL
        .into_iter()
        .map(|permission| {
            let mut named = Named::default();
            for grant in grants.iter().filter(|g| g.permissions.contains(permission)) {
                named.add(world, grant.grantee);
            }
            Ok((global_attribute(permission), named.expression()?))
        })
        .collect::<Result<Vec<_>, OracleError>>()?;
    record(fields)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::None => "none",
        Role::Guest => "guest",
        Role::Member => "member",
        Role::Admin => "admin",
    }
}

fn group_uid(world: &World, id: GroupId) -> Result<EntityUid, OracleError> {
    if world.is_guest_group(id) {
        uid(Kind::GuestGroup, id)
    } else {
        uid(Kind::Group, id)
    }
}

fn new_entity(
    uid: EntityUid,
    attrs: impl IntoIterator<Item = (&'static str, RestrictedExpression)>,
    parents: HashSet<EntityUid>,
) -> Result<Entity, OracleError> {
    let attrs: HashMap<String, RestrictedExpression> =
        attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    Entity::new(uid, attrs, parents).map_err(|err| error("entity", err))
}

/// For each user or group, the restrictions that name them (their parents).
type NamedBy = HashMap<EntityUid, HashSet<EntityUid>>;

/// The restriction entities (view and edit), and who each names.
fn naming_restrictions(world: &World) -> Result<(Vec<Entity>, NamedBy), OracleError> {
    let mut restrictions = Vec::new();
    let mut named = NamedBy::new();
    let mut note = |kind: &str, restriction: &Restriction| -> Result<(), OracleError> {
        let restriction_uid = restriction_uid(kind, restriction.page)?;
        restrictions.push(Entity::new_no_attrs(
            restriction_uid.clone(),
            HashSet::new(),
        ));
        for user in &restriction.users {
            named
                .entry(uid(Kind::User, user)?)
                .or_default()
                .insert(restriction_uid.clone());
        }
        for group in &restriction.groups {
            named
                .entry(group_uid(world, *group)?)
                .or_default()
                .insert(restriction_uid.clone());
        }
        Ok(())
    };
    for page in &world.pages {
        if let Some(view) = &page.view {
            note("view", view)?;
        }
        if let Some(edit) = &page.edit {
            note("edit", edit)?;
        }
    }
    Ok((restrictions, named))
}

fn entities(world: &World) -> Result<Vec<Entity>, OracleError> {
    for page in &world.pages {
        if world.ancestors_and_self(page.id).len() > MAX_DEPTH {
            return Err(OracleError(format!(
                "page {} is deeper than the policy follows ({MAX_DEPTH} levels)",
                page.id
            )));
        }
    }
    let (mut entities, mut named) = naming_restrictions(world)?;
    let mut named_by = |uid: &EntityUid| named.remove(uid).unwrap_or_default();

    let site = &world.site;
    entities.push(new_entity(
        uid(Kind::Site, SITE)?,
        [
            (
                "anonymous_access",
                RestrictedExpression::new_bool(site.anonymous_access),
            ),
            (
                "guests_see_anonymous_spaces",
                RestrictedExpression::new_bool(site.guests_see_anonymous_spaces),
            ),
            (
                "guests_may_hold_reserved",
                RestrictedExpression::new_bool(site.guests_may_hold_reserved),
            ),
            ("global", global_grants(world, &site.global_grants)?),
        ],
        HashSet::new(),
    )?);
    entities.push(Entity::new_no_attrs(
        uid(Kind::Anonymous, VISITOR)?,
        HashSet::new(),
    ));
    for group in &world.groups {
        let group_uid = group_uid(world, group.id)?;
        let parents = named_by(&group_uid);
        entities.push(Entity::new_no_attrs(group_uid, parents));
    }
    for user in &world.users {
        let user_uid = uid(Kind::User, user.id)?;
        let mut parents = named_by(&user_uid);
        for group in &user.groups {
            parents.insert(group_uid(world, *group)?);
        }
        entities.push(new_entity(
            user_uid,
            [(
                "role",
                RestrictedExpression::new_string(role_name(user.role).to_owned()),
            )],
            parents,
        )?);
    }
    for space in &world.spaces {
        entities.push(new_entity(
            uid(Kind::Space, space.id)?,
            [
                ("archived", RestrictedExpression::new_bool(space.archived)),
                (
                    "allows_guests",
                    RestrictedExpression::new_bool(space.allows_guests),
                ),
                ("grants", space_grants(world, &space.grants)?),
            ]
            .into_iter()
            .chain(shares(world, space)?),
            HashSet::new(),
        )?);
    }
    for page in &world.pages {
        let mut attrs = vec![
            ("space", entity_ref(Kind::Space, page.space)?),
            ("draft", RestrictedExpression::new_bool(page.draft)),
            ("blog", RestrictedExpression::new_bool(page.blog)),
        ];
        if let Some(author) = page.author {
            attrs.push(("author", entity_ref(Kind::User, author)?));
        }
        if let Some(parent) = page.parent {
            attrs.push(("parent", entity_ref(Kind::Page, parent)?));
        }
        if page.view.is_some() {
            attrs.push((
                "view",
                RestrictedExpression::new_entity_uid(restriction_uid("view", page.id)?),
            ));
        }
        if page.edit.is_some() {
            attrs.push((
                "edit",
                RestrictedExpression::new_entity_uid(restriction_uid("edit", page.id)?),
            ));
        }
        // A page is in its parent, so `resource in root` walks the tree.
        let parents = match page.parent {
            Some(parent) => HashSet::from([uid(Kind::Page, parent)?]),
            None => HashSet::new(),
        };
        entities.push(new_entity(uid(Kind::Page, page.id)?, attrs, parents)?);
    }
    Ok(entities)
}

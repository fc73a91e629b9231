//! Portico's pure core: the types every layer shares and every rule that decides
//! what may happen. Nothing here does I/O, reads a clock or awaits; callers pass
//! in what the rules need (including "now").

pub mod attachment;
pub mod directory;
pub mod guests;
pub mod ids;
pub mod label;
pub mod mentions;
pub mod notify;
pub mod notify_mail;
pub mod page;
pub mod people;
pub mod permission;
pub mod policy;
pub mod reaction;
pub mod role;
pub mod security;
pub mod space;
pub mod template;
pub mod validation;

pub use ids::{GroupId, PageId, SpaceId, TemplateId, UserId};
pub use permission::{GlobalPermission, GlobalPermissions, Permissions, SpacePermission};
pub use policy::{
    AccessSet, Action, Decision, Principal, Resource, SpaceFacts, Subject, Viewer, access_set,
    decide,
};
pub use role::Role;
pub use validation::ValidationError;

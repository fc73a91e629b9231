//! Portico's use cases. Each public method of [`App`] is one thing a person (or
//! an operator) does; it asks `portico_core` before touching data and runs in
//! one transaction together with its audit and journal entries.

mod access;
mod attachments;
mod audit_log;
mod auth;
mod blog;
mod caller_cache;
mod change_watch;
mod clock;
mod comments;
mod digests;
mod directory;
mod drafts;
mod error;
mod expiry;
mod favourites;
mod feeds;
mod guest_admin;
mod guest_notices;
mod guests;
mod inline_comments;
mod invitations;
mod labels;
mod links;
mod mail;
mod mentions;
mod model;
mod notifications;
mod pages;
mod people;
mod permissions;
mod reactions;
mod record;
mod row_cache;
mod search;
mod second_steps;
mod secrets;
mod spaces;
mod templates;
mod thumbnails;
mod tokens;
mod trash;
mod tree;
mod versions;
mod watches;
mod web_support;

use std::sync::Arc;

use portico_store::Store;

pub use attachments::{Attachment, AttachmentDownload, AttachmentVersion};
pub use audit_log::{AuditEntry, AuditFilter};
pub use auth::{MIN_PASSWORD_LEN, NewAdmin, NewUser, SignedIn};
pub use blog::{BlogFilter, BlogMonth, NewBlogPost};
pub use change_watch::RECHECK as FOREIGN_CHANGE_DELAY;
pub use clock::{Clock, SystemClock};
pub use comments::{Comment, CommentAbilities, CommentThread, MAX_COMMENT_BYTES, ThreadComment};
pub use digests::{DigestReport, MAX_LISTED, run_notification_digests};
pub use directory::{
    AccessPolicies, GroupSummary, LicenceUsage, SitePolicies, TokenPolicies, UserQuery, UserSummary,
};
pub use drafts::{DraftSummary, PageDraft};
pub use error::AppError;
pub use expiry::{ExpiryReport, REMINDER_DAYS, run_expiry_jobs};
pub use feeds::{
    ActivityEntry, ActivityKind, ChangeKind, FeedContent, FeedEntry, FeedSlice, HomeFeed,
    MAX_FEED_OFFSET, PopularLabel, Profile,
};
pub use guests::{
    AssignmentOutcome, DEFAULT_SPACE, GuestAccessLine, GuestAssignment, GuestQuery, GuestSort,
    GuestSummary, MAX_BULK,
};
pub use inline_comments::{
    InlineAnchor, InlineComment, InlineThread, InlineThreadComment, ResolutionStatus, Selection,
};
pub use invitations::{GUEST_ACCESS_DAYS, InvitationPreview, InvitationSummary, Invite};
pub use labels::Label;
pub use mail::{
    DeliveryReport, MailSetupError, MailStatus, OutboxMail, SmtpMailer, run_mail_delivery,
};
pub use mentions::{MAX_NEW_MENTIONS, MAX_QUERY_CHARS, MAX_SUGGESTIONS, MentionTarget};
pub use model::*;
pub use notifications::{
    MAX_NOTIFICATIONS, NoticePage, NoticeSpace, Notification, NotificationList,
};
pub use pages::{BodyInput, NewPage, PageFilter, PageUpdate};
pub use people::MAX_LOOKUP;
pub use permissions::{
    ANONYMOUS_ACCESS, AdminKeyStatus, ExplainTarget, GUESTS_RESERVED, GUESTS_SEE_ANONYMOUS,
    GrantInput, NamedGrantee, PageRestrictionsView, RestrictionChange, SpaceAccessView,
    SpaceGrantView, SpaceRole,
};
pub use portico_core::TemplateId;
pub use portico_core::directory::{DomainRules, LicenceLimits};
pub use portico_core::guests::AssignmentRole;
pub use portico_core::notify::NoticeKind;
pub use portico_core::notify_mail::EmailPreference;
pub use portico_core::page::Placement;
pub use portico_core::policy::{Decision, Explanation, Grantee, Reason};
pub use portico_core::reaction::Emoji;
pub use portico_core::security::{SecondStep, SecurityPolicies};
pub use portico_core::template::{Variable as TemplateVariable, VariableError};
pub use portico_core::{
    GlobalPermission, GlobalPermissions, GroupId, Permissions, SpacePermission,
};
pub use portico_core::{PageId, Principal, Role, SpaceId, UserId, Viewer};
pub use portico_format::{BodyFormat, DiffKind, DiffLine};
pub use portico_search::{
    IndexState, Location as SearchLocation, Order as SearchOrder, Snippet,
    parse_day as parse_search_day,
};
pub use reactions::{PageReactions, ReactionCount, ReactionTarget};
pub use search::{
    MAX_SEARCH_LIMIT, MAX_SEARCH_TEXT, MAX_WINDOW, RebuildProgress, SearchKind, SearchPage,
    SearchRequest, SearchResult, SearchResults, run_search_indexer,
};
pub use second_steps::{PendingSignIn, SessionState, TotpSetup, TwoStepStatus};
pub use spaces::{NewSpace, SpaceFilter, SpaceUpdate};
pub use templates::{PageFromTemplate, Template, TemplateFilter, TemplateInput};
pub use tokens::{ApiToken, ApiTokenState, CreatedApiToken, MAX_TOKEN_DAYS, TOKEN_PREFIX};
pub use trash::{Emptied, TrashEntry, TrashKind};
pub use tree::{CopyTo, MoveTo};
pub use watches::WatchTarget;
pub use web_support::{PageAbilities, SiteAbilities, SpaceAbilities};

/// Settings the use cases need (the binary reads them from configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a sign-in lasts.
    pub session_lifetime: time::Duration,
    /// How long a first-run setup link stays valid.
    pub setup_link_lifetime: time::Duration,
    /// The address people reach Portico at, for links in e-mails.
    pub public_base_url: String,
    /// The `From:` address of the mail Portico sends.
    pub mail_from: String,
    /// Whether an SMTP server is configured; without one, mail is held in the
    /// outbox for the org admin to read.
    pub smtp_configured: bool,
    /// The folder attachments are kept in (`<data>/attachments`).
    pub attachments_dir: std::path::PathBuf,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: u64,
    /// Where the full-text index lives (`<data>/search` for a server).
    pub search_index: portico_search::Location,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_lifetime: time::Duration::days(7),
            setup_link_lifetime: time::Duration::hours(24),
            public_base_url: "http://127.0.0.1:8080".to_owned(),
            mail_from: "Portico <portico@localhost>".to_owned(),
            smtp_configured: false,
            attachments_dir: std::path::PathBuf::from("./data/attachments"),
            attachment_max_bytes: portico_core::attachment::DEFAULT_MAX_BYTES,
            search_index: portico_search::Location::Memory,
        }
    }
}

/// The application: a store, a clock, settings and the access-set cache.
/// Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    settings: Settings,
    access_cache: Arc<access::AccessCache>,
    /// The database's change counters as this process last read them.
    changes: Arc<change_watch::ChangeWatch>,
    /// Who each recently seen session or API token proved to be.
    callers: Arc<caller_cache::CallerCache>,
    /// Recently read pages, for the single-page read.
    rows: Arc<row_cache::RowCache>,
    blobs: portico_store::blobs::BlobStore,
    search: Arc<search::SearchService>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            store,
            clock,
            blobs: portico_store::blobs::BlobStore::new(settings.attachments_dir.clone()),
            search: Arc::new(search::SearchService::new(settings.search_index.clone())),
            settings,
            access_cache: Arc::default(),
            changes: Arc::default(),
            callers: Arc::default(),
            rows: Arc::default(),
        }
    }

    /// Whether the database answers (for readiness checks).
    pub async fn ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

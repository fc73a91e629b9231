//! A random world for the leak test, built over HTTP as the org admin, and
//! the test's own model of who is entitled to which marker.
//!
//! Every space, page, blog post, version, comment, attachment, label,
//! template, group and person carries a unique marker string. The model is
//! written from SPEC.md's rules directly, not from the product's code, so a
//! product rule that goes wrong shows up as a marker where it doesn't belong.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use portico_app::{NewUser, Role};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN_EMAIL, PASSWORD, TestApp, id, signed_in_client, user_id};

/// A small deterministic generator (splitmix64), so a failing world can be
/// rebuilt from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// A fresh marker: `mk` and ten lower-case letters (a valid label name,
    /// file name and title word; never a substring of another marker).
    pub fn marker(&mut self) -> String {
        let mut out = String::from("mk");
        for _ in 0..10 {
            out.push(char::from(b'a' + (self.next() % 26) as u8));
        }
        out
    }
}

/// The kinds of viewer the test signs in as (issue 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ViewerKind {
    /// A guest assigned to space A as a collaborator.
    Guest,
    /// A guest assigned to space A read-only.
    ViewerGuest,
    /// A guest with no space.
    SpacelessGuest,
    /// Nobody signed in, with anonymous access on and space C open to them.
    Anonymous,
    /// A member, kept out of some pages by view restrictions.
    RestrictedMember,
    /// A member whose account was deactivated after signing in.
    Deactivated,
    /// A guest whose assignment to space A has expired.
    Expired,
}

pub const VIEWER_KINDS: [ViewerKind; 7] = [
    ViewerKind::Guest,
    ViewerKind::ViewerGuest,
    ViewerKind::SpacelessGuest,
    ViewerKind::Anonymous,
    ViewerKind::RestrictedMember,
    ViewerKind::Deactivated,
    ViewerKind::Expired,
];

/// Index of a person in [`World::people`].
pub type Person = usize;

pub struct PersonInfo {
    pub account_id: String,
    pub email: String,
    pub marker: String,
    /// Spaces where they hold an explicit, unexpired grant (directly or
    /// through a group): what lets a guest know them.
    pub granted: BTreeSet<usize>,
    pub active: bool,
    pub viewer: Option<ViewerKind>,
}

pub struct SpaceInfo {
    pub key: String,
    pub id: String,
    pub marker: String,
    /// The "all members" grant is kept.
    pub members: bool,
    /// Anonymous visitors may view it.
    pub anonymous: bool,
    /// Guests (by person) assigned to it.
    pub guests: BTreeSet<Person>,
    /// Other people with explicit grants.
    pub granted: BTreeSet<Person>,
}

pub struct PageInfo {
    pub id: String,
    pub space: usize,
    pub parent: Option<usize>,
    pub title: String,
    /// Markers of its title and bodies (current and earlier versions).
    pub markers: Vec<String>,
    /// Who may view it, if it carries a view restriction of its own.
    pub restricted_to: Option<BTreeSet<Person>>,
    pub blog: bool,
    pub trashed: bool,
    /// Current version number.
    pub version: u32,
    /// Blog posts: `(year, month, day)` of publication, from the API.
    pub date: Option<(String, String, String)>,
    /// People who created, edited or saved a version of it.
    pub writers: BTreeSet<Person>,
}

pub struct CommentInfo {
    pub id: String,
    pub page: usize,
    pub marker: String,
    pub inline: bool,
}

pub struct AttachmentInfo {
    pub id: String,
    pub page: usize,
    /// In the file name, and in its content.
    pub markers: Vec<String>,
}

pub struct TemplateInfo {
    pub id: String,
    pub space: Option<usize>,
    pub marker: String,
}

pub struct GroupInfo {
    pub id: String,
    pub marker: String,
}

/// Markers nobody but their author may ever see (drafts).
pub struct World {
    pub people: Vec<PersonInfo>,
    pub spaces: Vec<SpaceInfo>,
    pub pages: Vec<PageInfo>,
    pub comments: Vec<CommentInfo>,
    pub attachments: Vec<AttachmentInfo>,
    /// Label name → pages carrying it.
    pub labels: BTreeMap<String, BTreeSet<usize>>,
    pub templates: Vec<TemplateInfo>,
    pub groups: Vec<GroupInfo>,
    pub private_markers: Vec<String>,
    /// One signed-in client per viewer kind (anonymous: no cookie).
    pub viewers: BTreeMap<ViewerKind, (Option<Person>, Client)>,
}

const A: usize = 0; // members and guests
const B: usize = 1; // members only, no guests
const P: usize = 2; // private: named people and a group
const C: usize = 3; // members, anonymous visitors, another guest

impl World {
    pub fn viewer_person(&self, kind: ViewerKind) -> Option<Person> {
        self.viewers.get(&kind).and_then(|(person, _)| *person)
    }

    /// The spaces `kind` may view.
    pub fn viewer_spaces(&self, kind: ViewerKind) -> BTreeSet<usize> {
        let person = self.viewer_person(kind);
        self.spaces
            .iter()
            .enumerate()
            // Spaces open to anonymous visitors are open to everyone while
            // the site's switch is on (SPEC 3.2: guests too, by default); a
            // deactivated account reads as an anonymous visitor.
            .filter(|(_, space)| match kind {
                _ if space.anonymous => true,
                ViewerKind::Anonymous
                | ViewerKind::Deactivated
                | ViewerKind::Expired
                | ViewerKind::SpacelessGuest => false,
                ViewerKind::RestrictedMember => {
                    space.members || person.is_some_and(|p| space.granted.contains(&p))
                }
                ViewerKind::Guest | ViewerKind::ViewerGuest => {
                    person.is_some_and(|p| space.guests.contains(&p))
                }
            })
            .map(|(index, _)| index)
            .collect()
    }

    /// Whether `kind` may view page (or blog post) `page`: its space is
    /// theirs, it is current, and every view restriction on it and its
    /// ancestors names them.
    pub fn sees_page(&self, kind: ViewerKind, page: usize) -> bool {
        let info = &self.pages[page];
        if info.trashed || !self.viewer_spaces(kind).contains(&info.space) {
            return false;
        }
        let person = self.viewer_person(kind);
        let mut at = Some(page);
        while let Some(index) = at {
            let here = &self.pages[index];
            if here.trashed {
                return false;
            }
            if let Some(allowed) = &here.restricted_to
                && !person.is_some_and(|p| allowed.contains(&p))
            {
                return false;
            }
            at = here.parent;
        }
        true
    }

    /// Whether `kind` may learn `person`'s name (SPEC 3.3, `may_know`).
    pub fn knows(&self, kind: ViewerKind, person: Person) -> bool {
        let me = self.viewer_person(kind);
        let info = &self.people[person];
        match kind {
            ViewerKind::Anonymous | ViewerKind::Deactivated => false,
            _ if me == Some(person) => true,
            _ if !info.active => false,
            ViewerKind::RestrictedMember => true,
            ViewerKind::Guest
            | ViewerKind::ViewerGuest
            | ViewerKind::SpacelessGuest
            | ViewerKind::Expired => {
                let spaces = self.viewer_spaces(kind);
                info.granted.iter().any(|space| spaces.contains(space))
                    || (0..self.pages.len()).any(|page| {
                        self.pages[page].writers.contains(&person) && self.sees_page(kind, page)
                    })
            }
        }
    }

    /// Every marker in the world, with whether `kind` is entitled to it.
    pub fn markers(&self, kind: ViewerKind) -> BTreeMap<String, bool> {
        let mut all = BTreeMap::new();
        let spaces = self.viewer_spaces(kind);
        let signed_in = !matches!(kind, ViewerKind::Anonymous | ViewerKind::Deactivated);
        for (index, space) in self.spaces.iter().enumerate() {
            all.insert(space.marker.clone(), spaces.contains(&index));
        }
        for (index, page) in self.pages.iter().enumerate() {
            let sees = self.sees_page(kind, index);
            for marker in &page.markers {
                all.insert(marker.clone(), sees);
            }
        }
        for comment in &self.comments {
            all.insert(comment.marker.clone(), self.sees_page(kind, comment.page));
        }
        for attachment in &self.attachments {
            for marker in &attachment.markers {
                all.insert(marker.clone(), self.sees_page(kind, attachment.page));
            }
        }
        for (label, pages) in &self.labels {
            let sees = pages.iter().any(|page| self.sees_page(kind, *page));
            all.insert(label.clone(), sees);
        }
        for template in &self.templates {
            let sees = signed_in && template.space.is_none_or(|space| spaces.contains(&space));
            all.insert(template.marker.clone(), sees);
        }
        for group in &self.groups {
            all.insert(group.marker.clone(), kind == ViewerKind::RestrictedMember);
        }
        for (index, person) in self.people.iter().enumerate() {
            all.insert(person.marker.clone(), self.knows(kind, index));
        }
        for marker in &self.private_markers {
            all.insert(marker.clone(), false);
        }
        all
    }

    /// How many markers the world holds.
    pub fn marker_count(&self) -> usize {
        self.markers(ViewerKind::Anonymous).len()
    }
}

/// Sends `method path` with an optional JSON body and expects `status`.
pub async fn call(
    t: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: StatusCode,
) -> Value {
    let mut request = client.request(method.clone(), t.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let got = response.status();
    let text = response.text().await.unwrap();
    // Setting a world up only needs success; the exact status is other
    // tests' business.
    assert!(
        got.is_success() && got.is_success() == status.is_success(),
        "{method} {path}: {got}: {text}"
    );
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// RFC 3339 (UTC, seconds) for `at`, without a date crate.
fn rfc3339(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn storage(value: &str) -> Value {
    json!({ "representation": "storage", "value": value })
}

/// Builds a world from `seed`. The expired guest's assignment runs out a few
/// seconds after it is made; `build` waits for that before it returns.
pub async fn build(t: &TestApp, seed: u64) -> World {
    let mut rng = Rng::new(seed);
    let mut world = World {
        people: Vec::new(),
        spaces: Vec::new(),
        pages: Vec::new(),
        comments: Vec::new(),
        attachments: Vec::new(),
        labels: BTreeMap::new(),
        templates: Vec::new(),
        groups: Vec::new(),
        private_markers: Vec::new(),
        viewers: BTreeMap::new(),
    };

    // People: two authors, another space's guest, and one per viewer kind.
    let mut clients = Vec::new();
    let cast: [(Role, Option<ViewerKind>); 9] = [
        (Role::Member, None), // ada: explicit grant in A, writes there
        (Role::Member, None), // hal: private space P only, comments in A
        (Role::Guest, None),  // gia: guest of C
        (Role::Guest, Some(ViewerKind::Guest)),
        (Role::Guest, Some(ViewerKind::ViewerGuest)),
        (Role::Guest, Some(ViewerKind::SpacelessGuest)),
        (Role::Member, Some(ViewerKind::RestrictedMember)),
        (Role::Member, Some(ViewerKind::Deactivated)),
        (Role::Guest, Some(ViewerKind::Expired)),
    ];
    for (index, (role, viewer)) in cast.into_iter().enumerate() {
        let marker = rng.marker();
        let domain = if role == Role::Guest {
            "partner.example"
        } else {
            "corp.example"
        };
        let email = format!("p{index}-{seed:x}@{domain}");
        t.app
            .create_user(NewUser {
                email: email.clone(),
                display_name: format!("Person {marker}"),
                password: PASSWORD.into(),
                role,
            })
            .await
            .expect("create user");
        clients.push(signed_in_client(&t.app, &t.store, &email).await);
        let account_id = user_id(t, &email).await;
        world.people.push(PersonInfo {
            account_id,
            email,
            marker,
            granted: BTreeSet::new(),
            active: true,
            viewer,
        });
    }
    let (ada, hal, gia) = (0, 1, 2);
    let (guest, viewer_guest, restricted, deactivated, expired) = (3, 4, 6, 7, 8);

    let policies = call(
        t,
        &t.admin,
        Method::GET,
        "/api/admin/policies",
        None,
        StatusCode::OK,
    )
    .await;
    let mut policies = policies;
    policies["anonymousAccess"] = json!(true);
    call(
        t,
        &t.admin,
        Method::PUT,
        "/api/admin/policies",
        Some(policies),
        StatusCode::OK,
    )
    .await;

    // Spaces A, B, P, C.
    for (index, key) in ["A", "B", "P", "C"].into_iter().enumerate() {
        let marker = rng.marker();
        let key = format!("{key}{}", seed % 1000);
        let space = call(
            t,
            &t.admin,
            Method::POST,
            "/wiki/api/v2/spaces",
            Some(json!({ "key": key, "name": format!("Space {marker}") })),
            StatusCode::CREATED,
        )
        .await;
        world.spaces.push(SpaceInfo {
            key,
            id: id(&space),
            marker,
            members: index != P,
            anonymous: index == C,
            guests: BTreeSet::new(),
            granted: BTreeSet::new(),
        });
    }
    let space_ids: Vec<String> = world.spaces.iter().map(|s| s.id.clone()).collect();
    let world_space_id = |space: usize| space_ids[space].clone();
    let grant = async |space: usize, principal: Value, role: &str| {
        call(
            t,
            &t.admin,
            Method::PUT,
            &format!("/api/portico/spaces/{}/permissions", world_space_id(space)),
            Some(json!({ "principal": principal, "role": role })),
            StatusCode::NO_CONTENT,
        )
        .await;
    };
    let account_ids: Vec<String> = world.people.iter().map(|p| p.account_id.clone()).collect();
    let user = |person: Person| json!({ "type": "user", "id": account_ids[person] });

    // P: closed to members; hal and a group with him in it.
    call(
        t,
        &t.admin,
        Method::DELETE,
        &format!(
            "/api/portico/spaces/{}/permissions/all-members/-",
            space_ids[P]
        ),
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    let group_marker = rng.marker();
    let group = call(
        t,
        &t.admin,
        Method::POST,
        "/api/admin/groups",
        Some(json!({ "name": format!("group-{group_marker}"), "role": "member" })),
        StatusCode::CREATED,
    )
    .await;
    let group_id = id(&group);
    call(
        t,
        &t.admin,
        Method::PUT,
        &format!("/api/admin/groups/{group_id}/members/{}", account_ids[hal]),
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    world.groups.push(GroupInfo {
        id: group_id.clone(),
        marker: group_marker,
    });
    grant(
        P,
        json!({ "type": "group", "id": group_id }),
        "collaborator",
    )
    .await;
    grant(P, user(hal), "collaborator").await;
    grant(A, user(ada), "collaborator").await;
    grant(C, json!({ "type": "anonymous" }), "viewer").await;
    world.spaces[P].granted.insert(hal);
    world.spaces[A].granted.insert(ada);
    world.people[hal].granted.insert(P);
    world.people[ada].granted.insert(A);
    // B takes no guests.
    call(
        t,
        &t.admin,
        Method::PUT,
        &format!("/api/portico/spaces/{}/guest-access", space_ids[B]),
        Some(json!({ "allowGuests": false })),
        StatusCode::OK,
    )
    .await;

    // Guests: two in A (one read-only), gia in C, one soon expired in A.
    let soon = rfc3339(SystemTime::now() + Duration::from_secs(3));
    for (person, space, body) in [
        (guest, A, json!({ "role": "collaborator" })),
        (viewer_guest, A, json!({ "role": "viewer" })),
        (gia, C, json!({ "role": "collaborator" })),
        (
            expired,
            A,
            json!({ "role": "collaborator", "expiresAt": soon }),
        ),
    ] {
        call(
            t,
            &t.admin,
            Method::PUT,
            &format!(
                "/api/portico/spaces/{}/guests/{}",
                space_ids[space], account_ids[person]
            ),
            Some(body),
            StatusCode::OK,
        )
        .await;
        if person != expired {
            world.spaces[space].guests.insert(person);
            world.people[person].granted.insert(space);
        }
    }
    let expires_at = SystemTime::now() + Duration::from_secs(4);

    // Everyone who can watches the spaces they see, before content exists,
    // so notices are written for what is later hidden.
    for (person, space) in [
        (guest, A),
        (viewer_guest, A),
        (restricted, A),
        (restricted, B),
        (restricted, C),
        (deactivated, A),
    ] {
        call(
            t,
            &clients[person],
            Method::PUT,
            &format!("/api/portico/spaces/{}/watch", space_ids[space]),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    }

    // Pages: a random tree in each space.
    for space in [A, B, P, C] {
        let count = 3 + rng.below(4);
        let first = world.pages.len();
        for n in 0..count {
            let marker = rng.marker();
            let parent = (n > 0 && rng.chance(70)).then(|| first + rng.below(n));
            let author = match space {
                A if rng.chance(40) => Some(ada),
                P if rng.chance(40) => Some(hal),
                _ => None,
            };
            let client = author.map_or(&t.admin, |a| &clients[a]);
            let mut body = json!({
                "spaceId": space_ids[space],
                "status": "current",
                "title": format!("Page {marker}"),
                "body": storage(&format!("<p>Body text {marker}</p>")),
            });
            if let Some(parent) = parent {
                body["parentId"] = json!(world.pages[parent].id);
            }
            let page = call(
                t,
                client,
                Method::POST,
                "/wiki/api/v2/pages",
                Some(body),
                StatusCode::OK,
            )
            .await;
            world.pages.push(PageInfo {
                id: id(&page),
                space,
                parent,
                title: format!("Page {marker}"),
                markers: vec![marker],
                restricted_to: None,
                blog: false,
                trashed: false,
                version: 1,
                date: None,
                writers: author.into_iter().collect(),
            });
        }
    }
    // A blog post in each space but B.
    for space in [A, P, C] {
        let marker = rng.marker();
        let post = call(
            t,
            &t.admin,
            Method::POST,
            "/wiki/api/v2/blogposts",
            Some(json!({
                "spaceId": space_ids[space],
                "title": format!("Post {marker}"),
                "body": storage(&format!("<p>Post text {marker}</p>")),
            })),
            StatusCode::OK,
        )
        .await;
        let created = post["createdAt"]
            .as_str()
            .unwrap_or("2026-01-01")
            .to_owned();
        let date = (
            created[0..4].to_owned(),
            created[5..7].to_owned(),
            created[8..10].to_owned(),
        );
        world.pages.push(PageInfo {
            id: id(&post),
            space,
            parent: None,
            title: format!("Post {marker}"),
            markers: vec![marker],
            restricted_to: None,
            blog: true,
            trashed: false,
            version: 1,
            date: Some(date),
            writers: BTreeSet::new(),
        });
    }

    let page_count = world.pages.len();
    // A second version of some pages: the first body's marker stays in history.
    for page in 0..page_count {
        if world.pages[page].blog || !rng.chance(60) {
            continue;
        }
        let marker = rng.marker();
        let info = &world.pages[page];
        let editor = if info.space == A && rng.chance(50) {
            Some(ada)
        } else {
            None
        };
        let client = editor.map_or(&t.admin, |a| &clients[a]);
        // The admin's edits link to another page, often one the reader
        // can't see: it must show as an unnamed placeholder.
        let target = rng.below(page_count);
        let link = if editor.is_none() && !world.pages[target].blog {
            let target = &world.pages[target];
            format!(
                r#" see <ac:link><ri:page ri:content-title="{}" ri:space-key="{}"/></ac:link>"#,
                target.title, world.spaces[target.space].key
            )
        } else {
            String::new()
        };
        call(
            t,
            client,
            Method::PUT,
            &format!("/wiki/api/v2/pages/{}", info.id),
            Some(json!({
                "id": info.id,
                "status": "current",
                "title": info.title,
                "body": storage(&format!("<p>Body text {} then {marker}{link}</p>", info.markers[0])),
                "version": { "number": 2, "message": format!("edit {marker}") },
            })),
            StatusCode::OK,
        )
        .await;
        let info = &mut world.pages[page];
        info.markers.push(marker);
        info.version = 2;
        info.writers.extend(editor);
    }

    // Footer comments (some by hal, known to members only, and gia, known
    // to C's readers who may know her), inline comments, attachments, labels.
    for page in 0..page_count {
        let space = world.pages[page].space;
        for _ in 0..rng.below(3) {
            let marker = rng.marker();
            let author = match space {
                A | B if rng.chance(50) => hal,
                C if rng.chance(50) => gia,
                _ => usize::MAX,
            };
            let client = clients.get(author).unwrap_or(&t.admin);
            let comment = call(
                t,
                client,
                Method::POST,
                "/wiki/api/v2/footer-comments",
                Some(json!({
                    "pageId": world.pages[page].id,
                    "body": storage(&format!("<p>Comment {marker}</p>")),
                })),
                StatusCode::OK,
            )
            .await;
            world.comments.push(CommentInfo {
                id: id(&comment),
                page,
                marker,
                inline: false,
            });
        }
        if !world.pages[page].blog && rng.chance(30) {
            let marker = rng.marker();
            let comment = call(
                t,
                &t.admin,
                Method::POST,
                "/wiki/api/v2/inline-comments",
                Some(json!({
                    "pageId": world.pages[page].id,
                    "body": storage(&format!("<p>Inline {marker}</p>")),
                    "inlineCommentProperties": { "textSelection": "Body text", "textSelectionMatchIndex": 0 },
                })),
                StatusCode::OK,
            )
            .await;
            world.comments.push(CommentInfo {
                id: id(&comment),
                page,
                marker,
                inline: true,
            });
        }
        if rng.chance(35) {
            let (name, content) = (rng.marker(), rng.marker());
            let form = Form::new().part(
                "file",
                Part::bytes(format!("notes {content}\n").into_bytes())
                    .file_name(format!("{name}.txt"))
                    .mime_str("text/plain")
                    .unwrap(),
            );
            let kind = if world.pages[page].blog {
                "blogposts"
            } else {
                "pages"
            };
            let response = t
                .admin
                .post(t.url(&format!(
                    "/wiki/api/v2/{kind}/{}/attachments",
                    world.pages[page].id
                )))
                .header("X-Atlassian-Token", "no-check")
                .multipart(form)
                .send()
                .await
                .unwrap();
            if response.status() == StatusCode::OK {
                let uploaded: Value = response.json().await.unwrap();
                let first = uploaded["results"].get(0).cloned().unwrap_or(uploaded);
                world.attachments.push(AttachmentInfo {
                    id: id(&first),
                    page,
                    markers: vec![name, content],
                });
            } else {
                assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "upload");
            }
        }
    }
    let label_pool: Vec<String> = (0..4).map(|_| rng.marker()).collect();
    for page in 0..page_count {
        if world.pages[page].blog || !rng.chance(50) {
            continue;
        }
        let label = label_pool[rng.below(label_pool.len())].clone();
        call(
            t,
            &t.admin,
            Method::POST,
            &format!("/api/portico/pages/{}/labels", world.pages[page].id),
            Some(json!({ "labels": [label] })),
            StatusCode::OK,
        )
        .await;
        world.labels.entry(label).or_default().insert(page);
    }

    // Templates: one global, one in A, one in P.
    for space in [None, Some(A), Some(P)] {
        let marker = rng.marker();
        let mut body = json!({
            "name": format!("Template {marker}"),
            "description": "a template",
            "body": storage(&format!("<p>Template {marker}</p>")),
            "variables": [],
        });
        if let Some(space) = space {
            body["spaceId"] = json!(space_ids[space]);
        }
        let template = call(
            t,
            &t.admin,
            Method::POST,
            "/api/portico/templates",
            Some(body),
            StatusCode::CREATED,
        )
        .await;
        world.templates.push(TemplateInfo {
            id: id(&template),
            space,
            marker,
        });
    }

    // hal reacts in A (a guest counts it without learning his name); the
    // restricted member stars a page that is restricted away from them below.
    let in_a: Vec<usize> = (0..page_count)
        .filter(|p| world.pages[*p].space == A && !world.pages[*p].blog)
        .collect();
    for page in &in_a {
        call(
            t,
            &clients[hal],
            Method::PUT,
            &format!(
                "/api/portico/pages/{}/reactions/%F0%9F%91%8D",
                world.pages[*page].id
            ),
            None,
            StatusCode::OK,
        )
        .await;
        call(
            t,
            &clients[restricted],
            Method::PUT,
            &format!("/api/portico/pages/{}/favourite", world.pages[*page].id),
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
    }

    // Drafts: an edit and a new page by ada, seen by no one else.
    let (edit_marker, new_marker) = (rng.marker(), rng.marker());
    let first_a = in_a[0];
    let info = &world.pages[first_a];
    call(
        t,
        &clients[ada],
        Method::PUT,
        &format!("/wiki/api/v2/pages/{}", info.id),
        Some(json!({
            "id": info.id,
            "status": "draft",
            "title": info.title,
            "body": storage(&format!("<p>Draft {edit_marker}</p>")),
            "version": { "number": info.version + 1 },
        })),
        StatusCode::OK,
    )
    .await;
    call(
        t,
        &clients[ada],
        Method::POST,
        "/wiki/api/v2/pages",
        Some(json!({
            "spaceId": space_ids[A],
            "status": "draft",
            "title": format!("Draft {new_marker}"),
            "body": storage(&format!("<p>Draft {new_marker}</p>")),
        })),
        StatusCode::OK,
    )
    .await;
    world.private_markers.extend([edit_marker, new_marker]);

    // View restrictions, added after everything else so notices, stars,
    // labels and comments exist for what they hide.
    let admin_id = user_id(t, ADMIN_EMAIL).await;
    let candidates = [ada, hal, guest, viewer_guest, restricted];
    for page in 0..page_count {
        if world.pages[page].blog || !rng.chance(30) {
            continue;
        }
        let allowed: BTreeSet<Person> = candidates
            .iter()
            .copied()
            .filter(|_| rng.chance(40))
            .collect();
        let mut principals: Vec<Value> = allowed.iter().map(|p| user(*p)).collect();
        principals.push(json!({ "type": "user", "id": admin_id }));
        call(
            t,
            &t.admin,
            Method::PUT,
            &format!("/api/portico/pages/{}/restrictions", world.pages[page].id),
            Some(json!({ "view": principals })),
            StatusCode::OK,
        )
        .await;
        world.pages[page].restricted_to = Some(allowed);
    }

    // One page of A goes to the trash: space admins only from now on.
    let trashed = *in_a.last().unwrap();
    call(
        t,
        &t.admin,
        Method::DELETE,
        &format!("/wiki/api/v2/pages/{}", world.pages[trashed].id),
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    world.pages[trashed].trashed = true;

    // The deactivated member loses everything.
    call(
        t,
        &t.admin,
        Method::POST,
        &format!("/api/admin/users/{}/deactivate", account_ids[deactivated]),
        None,
        StatusCode::OK,
    )
    .await;
    world.people[deactivated].active = false;

    // Notice e-mail goes out now, after the restrictions: the crawl reads
    // every viewer's mail for what they may no longer see.
    call(
        t,
        &t.admin,
        Method::POST,
        "/api/admin/notifications/send-digests",
        None,
        StatusCode::OK,
    )
    .await;

    for (index, person) in world.people.iter().enumerate() {
        if let Some(kind) = person.viewer {
            world
                .viewers
                .insert(kind, (Some(index), clients[index].clone()));
        }
    }
    world
        .viewers
        .insert(ViewerKind::Anonymous, (None, t.anon.clone()));

    let now = SystemTime::now();
    if let Ok(wait) = expires_at.duration_since(now) {
        tokio::time::sleep(wait).await;
    }
    world
}

//! The crawl: every known route, for every thing of the kind it names (and a
//! missing one), as one viewer. Two checks per response:
//! - no marker the viewer isn't entitled to, in the body or the headers;
//! - for a thing the viewer may not see, the answer is the answer for a
//!   missing thing (same status, same body once the ids are set aside), for
//!   reads and for writes alike.

use std::collections::{BTreeMap, HashMap};

use reqwest::{Client, Method, StatusCode};

use super::routes::{ROUTES, Route, Subject};
use super::world::{Rng, ViewerKind, World};
use crate::harness::{TestApp, csrf};

/// A missing id of every kind.
const MISSING: &str = "987654321";

/// One way of filling a route's parameters.
#[derive(Debug, Clone)]
struct Target {
    params: BTreeMap<&'static str, String>,
    /// Whether the viewer may see the thing; `None` when the test can't say
    /// (opaque ids): then only markers are checked.
    hidden: Option<bool>,
    /// The parameters that name the thing itself: the missing twin has
    /// other values there, set aside before bodies are compared.
    own: BTreeMap<&'static str, String>,
}

impl Target {
    fn new(hidden: Option<bool>) -> Self {
        Self {
            params: BTreeMap::new(),
            hidden,
            own: BTreeMap::new(),
        }
    }

    /// Sets a parameter that identifies the thing (it differs in the twin).
    fn own(mut self, name: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.own.insert(name, value.clone());
        self.params.insert(name, value);
        self
    }

    /// Sets a parameter of context, shared with the missing twin.
    fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.insert(name, value.into());
        self
    }

    /// The missing thing in the same context.
    fn missing_twin(&self) -> Target {
        let mut twin = self.clone();
        twin.hidden = Some(true);
        for name in self.own.keys() {
            let value = match *name {
                "key" => "ZZMISSING",
                "name" => "mknosuchlabel",
                "q" => "mknosuchterm",
                "title" | "slug" => "Nothing here",
                _ => MISSING,
            };
            twin = twin.own(name, value);
        }
        twin
    }
}

/// What the crawl counted, for the test's closing line.
#[derive(Debug, Default)]
pub struct Tally {
    pub requests: usize,
    pub parity_checks: usize,
    pub failures: Vec<String>,
}

struct Crawler<'a> {
    t: &'a TestApp,
    world: &'a World,
    kind: ViewerKind,
    client: &'a Client,
    csrf: Option<String>,
    /// Markers the viewer must never see.
    forbidden: Vec<String>,
    /// Answers for missing things, by method and path: many hidden things
    /// share one missing twin.
    twins: HashMap<(Method, String), (StatusCode, String)>,
    /// Try every thing, not a sample (`PORTICO_LEAK_FULL=1`).
    full: bool,
    sample_seed: u64,
    tally: Tally,
}

/// Crawls every route as `kind`; `full` tries every thing of each kind
/// rather than a sample drawn from `seed`.
pub async fn crawl(t: &TestApp, world: &World, kind: ViewerKind, full: bool, seed: u64) -> Tally {
    let (_, client) = &world.viewers[&kind];
    let csrf = match kind {
        ViewerKind::Anonymous | ViewerKind::Deactivated => None,
        _ => Some(csrf(t, client).await),
    };
    let forbidden = world
        .markers(kind)
        .into_iter()
        .filter(|(_, entitled)| !entitled)
        .map(|(marker, _)| marker)
        .collect();
    let mut crawler = Crawler {
        t,
        world,
        kind,
        client,
        csrf,
        forbidden,
        twins: HashMap::new(),
        full,
        sample_seed: seed ^ kind as u64,
        tally: Tally::default(),
    };
    for route in ROUTES {
        crawler.route(route).await;
    }
    crawler.outbox().await;
    crawler.tally
}

impl Crawler<'_> {
    async fn route(&mut self, route: &Route) {
        let targets = self.targets(route);
        for method in route.methods.split(' ') {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let read = method == Method::GET;
            for target in &targets {
                // Writes only where the viewer may not see the thing: those
                // must fail like a missing one and change nothing. (Writes
                // the viewer may make are the other tests' business.)
                if !read && target.hidden != Some(true) {
                    continue;
                }
                let (status, body) = self.request(&method, route, target).await;
                if target.hidden == Some(true) && !target.own.is_empty() {
                    let twin = target.missing_twin();
                    let key = (method.clone(), fill(route.path, &twin));
                    let (twin_status, twin_body) = match self.twins.get(&key) {
                        Some(answer) => answer.clone(),
                        None => {
                            let answer = self.request(&method, route, &twin).await;
                            self.twins.insert(key, answer.clone());
                            answer
                        }
                    };
                    self.tally.parity_checks += 1;
                    let ours = set_aside(&body, target);
                    let theirs = set_aside(&twin_body, &twin);
                    if status != twin_status || ours != theirs {
                        self.fail(format!(
                            "{method} {} for a hidden thing answers {status} but a missing one {twin_status}\n  hidden: {}\n  missing: {}",
                            fill(route.path, target),
                            snippet(&ours),
                            snippet(&theirs),
                        ));
                    }
                }
            }
        }
    }

    async fn request(
        &mut self,
        method: &Method,
        route: &Route,
        target: &Target,
    ) -> (StatusCode, String) {
        let path = fill(route.path, target);
        let mut request = self.client.request(method.clone(), self.t.url(&path));
        if *method != Method::GET {
            if path.starts_with("/api/") || path.starts_with("/wiki/api/") {
                request = request
                    .header("X-Atlassian-Token", "no-check")
                    .json(&serde_json::json!({}));
            } else {
                let token = self.csrf.clone().unwrap_or_default();
                request = request.form(&[("_csrf", token)]);
            }
        }
        let response = request.send().await.unwrap();
        self.tally.requests += 1;
        let status = response.status();
        let mut seen = String::new();
        for (name, value) in response.headers() {
            seen.push_str(name.as_str());
            seen.push_str(": ");
            seen.push_str(&String::from_utf8_lossy(value.as_bytes()));
            seen.push('\n');
        }
        let body = response.text().await.unwrap_or_default();
        if status.is_server_error() {
            self.fail(format!("{method} {path}: {status}: {}", snippet(&body)));
        }
        seen.push_str(&body);
        self.check_markers(&format!("{method} {path}"), &path, &seen);
        (status, body)
    }

    fn check_markers(&mut self, what: &str, asked: &str, seen: &str) {
        let leaked: Vec<&String> = self
            .forbidden
            .iter()
            // A marker the request itself carries (a label name, a title in
            // the URL) may come back; the parity check covers those.
            .filter(|marker| seen.contains(marker.as_str()) && !asked.contains(marker.as_str()))
            .collect();
        if !leaked.is_empty() {
            let at = seen.find(leaked[0].as_str()).unwrap_or(0);
            let context = &seen[seen.floor_char_boundary(at.saturating_sub(160))
                ..seen.ceil_char_boundary((at + 80).min(seen.len()))];
            let failure = format!("{what} shows {leaked:?} to {:?}: …{context}…", self.kind);
            self.fail(failure);
        }
    }

    /// Mail the viewer received, as the admin reads the outbox.
    async fn outbox(&mut self) {
        let Some(person) = self.world.viewer_person(self.kind) else {
            return;
        };
        let email = self.world.people[person].email.clone();
        let mut path = "/api/admin/outbox?limit=100".to_owned();
        loop {
            let page: serde_json::Value = self.t.get_json(&path).await;
            for mail in page["results"].as_array().into_iter().flatten() {
                let text = mail.to_string();
                if text.contains(&email) {
                    self.tally.requests += 1;
                    self.check_markers(&format!("mail to {email}"), "", &text);
                }
            }
            match page["_links"]["next"].as_str() {
                Some(next) => path = next.to_owned(),
                None => break,
            }
        }
    }

    fn fail(&mut self, failure: String) {
        if self.tally.failures.len() < 40 {
            self.tally.failures.push(failure);
        }
    }

    /// Every way of filling `route` in this world, for this viewer.
    fn targets(&self, route: &Route) -> Vec<Target> {
        let w = self.world;
        let kind = self.kind;
        let spaces = w.viewer_spaces(kind);
        let space_of = |index: usize, target: Target| {
            let space = &w.spaces[index];
            target.with("key", space.key.clone())
        };
        let page_target = |index: usize| {
            let page = &w.pages[index];
            let target = Target::new(Some(!w.sees_page(kind, index)))
                .own("id", page.id.clone())
                .own("title", page.title.clone())
                .with("slug", page.title.replace(' ', "+"));
            let target = space_of(page.space, target);
            match &page.date {
                Some((year, month, day)) => target
                    .with("year", year.clone())
                    .with("month", month.clone())
                    .with("day", day.clone()),
                None => target,
            }
        };
        let current_pages = || (0..w.pages.len()).filter(|p| !w.pages[*p].trashed);
        let mut targets: Vec<Target> = match route.subject {
            Subject::None => vec![Target::new(Some(false))],
            Subject::Space => (0..w.spaces.len())
                .map(|index| {
                    let space = &w.spaces[index];
                    Target::new(Some(!spaces.contains(&index)))
                        .own("key", space.key.clone())
                        .own("id", space.id.clone())
                })
                .collect(),
            Subject::Page => current_pages().map(page_target).collect(),
            Subject::Post => current_pages()
                .filter(|p| w.pages[*p].blog)
                .map(page_target)
                .collect(),
            Subject::TrashedPage => (0..w.pages.len())
                .filter(|p| w.pages[*p].trashed)
                .map(|p| page_target(p).with("kind", "pages"))
                .collect(),
            Subject::Version => current_pages()
                .flat_map(|p| (1..=w.pages[p].version).map(move |n| (p, n)))
                .map(|(p, n)| page_target(p).with("number", n.to_string()))
                .collect(),
            Subject::PageReaction => current_pages()
                .map(|p| page_target(p).with("emoji", "%F0%9F%91%8D"))
                .collect(),
            Subject::Comment | Subject::InlineComment | Subject::CommentReaction => w
                .comments
                .iter()
                .filter(|c| c.inline == (route.subject == Subject::InlineComment))
                .filter(|c| !w.pages[c.page].trashed)
                .map(|c| {
                    let page = page_target(c.page);
                    if route.path.contains("{comment}") {
                        page.own("comment", c.id.clone())
                    } else {
                        page.own("id", c.id.clone()).with("emoji", "%F0%9F%91%8D")
                    }
                })
                .collect(),
            Subject::Attachment => w
                .attachments
                .iter()
                .filter(|a| !w.pages[a.page].trashed)
                .map(|a| {
                    let page = page_target(a.page);
                    if route.path.contains("{attachment}") {
                        page.own("attachment", a.id.clone())
                    } else {
                        page.own("id", a.id.clone())
                    }
                })
                .collect(),
            Subject::Label => {
                let markers = w.markers(kind);
                w.labels
                    .keys()
                    .map(|label| Target::new(Some(!markers[label])).own("name", label.clone()))
                    .collect()
            }
            Subject::Template => {
                let markers = w.markers(kind);
                w.templates
                    .iter()
                    .map(|template| {
                        let target = Target::new(Some(!markers[&template.marker]))
                            .own("id", template.id.clone());
                        space_of(template.space.unwrap_or(0), target)
                    })
                    .collect()
            }
            Subject::Person => (0..w.people.len())
                .map(|person| {
                    Target::new(Some(!w.knows(kind, person)))
                        .own("id", w.people[person].account_id.clone())
                        .own("account", w.people[person].account_id.clone())
                })
                .collect(),
            Subject::SpacePerson => (0..w.spaces.len())
                .flat_map(|space| (0..w.people.len()).map(move |person| (space, person)))
                .map(|(space, person)| {
                    let account = w.people[person].account_id.clone();
                    let space_id = w.spaces[space].id.clone();
                    // The thing hidden is the space if it is, else the
                    // person: the missing twin replaces that one only.
                    if !spaces.contains(&space) {
                        Target::new(Some(true))
                            .own("id", space_id)
                            .with("userId", account.clone())
                            .with("principalId", account)
                    } else {
                        Target::new(Some(!w.knows(kind, person)))
                            .with("id", space_id)
                            .own("userId", account.clone())
                            .own("principalId", account)
                    }
                    .with("type", "user")
                })
                .collect(),
            Subject::Group | Subject::GroupMember => w
                .groups
                .iter()
                .map(|group| {
                    let hidden = kind != ViewerKind::RestrictedMember;
                    Target::new(Some(hidden))
                        .own("id", group.id.clone())
                        .with("user", w.people[1].account_id.clone())
                })
                .collect(),
            Subject::Term => self
                .world
                .markers(kind)
                .into_iter()
                .map(|(marker, entitled)| Target::new(Some(!entitled)).own("q", marker))
                .collect(),
            Subject::Opaque => (1..=3)
                .map(|n| Target::new(None).with("id", n.to_string()))
                .collect(),
        };
        // A sample per route (everything in the long mode): hidden things
        // are what the test is about, visible ones check the surroundings
        // (names, counts, expansions) of a real answer.
        let mut rng = Rng::new(self.sample_seed ^ fnv(route.path));
        for i in (1..targets.len()).rev() {
            targets.swap(i, rng.below(i + 1));
        }
        if !self.full {
            let (mut visible, mut hidden) = (0, 0);
            targets.retain(|target| {
                let count = if target.hidden == Some(false) {
                    &mut visible
                } else {
                    &mut hidden
                };
                *count += 1;
                *count <= if target.hidden == Some(false) { 2 } else { 6 }
            });
        }
        targets
    }
}

/// `path` with each `{name}` replaced by the target's value.
fn fill(path: &str, target: &Target) -> String {
    let mut out = path.to_owned();
    for (name, value) in &target.params {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// `body` with the target's own values replaced by a placeholder, so the
/// answers for a hidden and a missing thing can be compared.
fn set_aside(body: &str, target: &Target) -> String {
    let mut out = without_echo(body);
    let mut values: Vec<&String> = target.own.values().filter(|v| v.len() >= 3).collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for value in values {
        out = out.replace(value.as_str(), "∅");
        let plus = value.replace(' ', "+");
        out = out.replace(&plus, "∅");
        let encoded = value.replace(' ', "%20");
        out = out.replace(&encoded, "∅");
    }
    out
}

/// The body without fields that only repeat the request (v1 search's
/// `cqlQuery`), which holds the caller's own ids however short they are.
fn without_echo(body: &str) -> String {
    if let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_str(body)
        && fields.remove("cqlQuery").is_some()
    {
        return serde_json::Value::Object(fields).to_string();
    }
    body.to_owned()
}

fn snippet(text: &str) -> &str {
    &text[..text.floor_char_boundary(text.len().min(300))]
}

/// Every route path the crawler knows (query strings dropped).
pub fn known_paths() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = ROUTES.iter().map(Route::router_path).collect();
    paths.sort_unstable();
    paths.dedup();
    paths
}

/// A stable hash of a route, to vary the sample from route to route.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

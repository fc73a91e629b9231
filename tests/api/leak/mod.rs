//! The leak test (SPEC.md 4, issue 7): random worlds in which every space,
//! page, blog post, version, comment, attachment, label, template, group and
//! person carries a unique marker; each kind of viewer crawls every route of
//! the UI and the API (and reads the mail they were sent); no response may
//! hold a marker they aren't entitled to, and a thing they may not see must
//! answer exactly like a missing one.
//!
//! `PORTICO_LEAK_WORLDS` (default 1) and `PORTICO_LEAK_SEED` set how many
//! worlds and from which seed. Each route is tried with a sample of the
//! things it can name (all hidden ones are tried across seeds);
//! `PORTICO_LEAK_FULL=1` tries every one. The nightly run is
//! `PORTICO_LEAK_WORLDS=20 PORTICO_LEAK_FULL=1`.

mod crawl;
mod routes;
mod world;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};

use crate::harness::spawn_app;
use world::VIEWER_KINDS;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| {
            let value = value.trim();
            match value.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => value.parse().ok(),
            }
        })
        .unwrap_or(default)
}

#[tokio::test]
async fn no_viewer_sees_a_marker_they_are_not_entitled_to() {
    let worlds = env_number("PORTICO_LEAK_WORLDS", 1);
    let seed = env_number("PORTICO_LEAK_SEED", 0x1ea7_5eed);
    let full = env_number("PORTICO_LEAK_FULL", 0) == 1;
    let (mut requests, mut parity, mut markers, mut viewers) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for n in 0..worlds {
        let world_seed = seed.wrapping_add(n);
        let t = spawn_app().await;
        let world = world::build(&t, world_seed).await;
        markers += world.marker_count();
        let crawls = VIEWER_KINDS.map(|kind| {
            let (t, world) = (&t, &world);
            async move { (kind, crawl::crawl(t, world, kind, full, world_seed).await) }
        });
        for (kind, tally) in futures_join_all(crawls).await {
            viewers += 1;
            requests += tally.requests;
            parity += tally.parity_checks;
            failures.extend(
                tally
                    .failures
                    .into_iter()
                    .map(|failure| format!("world {world_seed:#x}, {kind:?}: {failure}")),
            );
        }
    }
    println!(
        "leak test: {worlds} worlds, {viewers} viewers, {requests} requests, {parity} hidden-vs-missing comparisons, {markers} markers"
    );
    assert!(
        failures.is_empty(),
        "{} leaks:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The crawl must really have looked: a broken world would pass vacuously.
    assert!(
        requests > 1000 * worlds as usize,
        "only {requests} requests"
    );
    assert!(parity > 100 * worlds as usize, "only {parity} comparisons");
}

/// Runs the futures concurrently and returns their outputs in order.
async fn futures_join_all<F: std::future::Future>(futures: [F; 7]) -> Vec<F::Output> {
    let [a, b, c, d, e, f, g] = futures;
    let (a, b, c, d, e, f, g) = tokio::join!(a, b, c, d, e, f, g);
    vec![a, b, c, d, e, f, g]
}

/// The crawler's list of routes is the router's: a new route fails here
/// until the crawler knows what its parameters name.
#[tokio::test]
async fn the_crawler_knows_every_route() {
    let router: BTreeSet<&str> = portico_web::route_paths().into_iter().collect();
    let known: BTreeSet<&str> = crawl::known_paths().into_iter().collect();
    let unknown: Vec<&&str> = router.difference(&known).collect();
    let stale: Vec<&&str> = known.difference(&router).collect();
    assert!(
        unknown.is_empty() && stale.is_empty(),
        "routes the leak crawler doesn't know: {unknown:?}; routes it knows that no longer exist: {stale:?}"
    );

    // And each route's methods, as the router answers an unknown method.
    let t = spawn_app().await;
    let mut declared: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for route in routes::ROUTES {
        declared
            .entry(route.router_path())
            .or_default()
            .extend(route.methods.split(' ').map(str::to_owned));
    }
    let mut wrong = Vec::new();
    for (path, methods) in &declared {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "1"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let response = t
            .admin
            .request(Method::PATCH, t.url(&concrete))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "PATCH {concrete}: no route takes PATCH"
        );
        let allow: BTreeSet<String> = response
            .headers()
            .get("allow")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .split(',')
            .map(|method| method.trim().to_owned())
            .filter(|method| !method.is_empty() && method != "HEAD")
            .collect();
        if &allow != methods {
            wrong.push(format!(
                "{path}: router allows {allow:?}, crawler knows {methods:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

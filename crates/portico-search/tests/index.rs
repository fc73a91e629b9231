//! The index on its own: ranking, phrases, filters, the access scope (a
//! property test over random worlds), snippets, and what survives a crash.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portico_search::{
    DateRange, DocKind, Document, Filter, Location, MAX_WINDOW, Order, Plan, Scope, SearchIndex,
    SearchQuery, WriterBudget, parse_text,
};
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

fn page(id: i64, space: i64, title: &str, body: &str) -> Document {
    Document {
        kind: DocKind::Page,
        page_id: id,
        item_id: id,
        space_id: space,
        restriction_key: None,
        ancestors: Vec::new(),
        title: title.to_owned(),
        body: body.to_owned(),
        labels: Vec::new(),
        creator: Some(1),
        contributors: vec![1],
        created: datetime!(2026-01-01 0:00 UTC),
        modified: datetime!(2026-01-01 0:00 UTC),
    }
}

fn index_of(docs: Vec<Document>) -> SearchIndex {
    let index = SearchIndex::open(&Location::Memory, WriterBudget::Steady).unwrap();
    let pages = docs.into_iter().map(|d| (d.item_id, vec![d])).collect();
    index.stage(pages).unwrap();
    index.commit(1).unwrap();
    index
}

const EVERYWHERE: Scope<'static> = Scope {
    spaces: &[1, 2, 3],
    keys: &[],
    subtrees: &[],
};

fn text(input: &str) -> SearchQuery {
    SearchQuery {
        filters: vec![Filter::Text(parse_text(input))],
        limit: 50,
        ..SearchQuery::default()
    }
}

fn ids(index: &SearchIndex, scope: &Scope<'_>, query: &SearchQuery) -> Vec<i64> {
    index
        .search(scope, query)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.item_id)
        .collect()
}

#[test]
fn a_title_match_ranks_above_body_matches() {
    let index = index_of(vec![
        page(
            1,
            1,
            "Meeting notes",
            "the roadmap, the roadmap and the roadmap again",
        ),
        page(2, 1, "Roadmap", "what we plan to do"),
        page(3, 1, "Unrelated", "nothing here"),
    ]);
    assert_eq!(ids(&index, &EVERYWHERE, &text("roadmap")), vec![2, 1]);
}

#[test]
fn words_are_stemmed_and_all_must_match() {
    let index = index_of(vec![
        page(1, 1, "Plans", "budget for the launch"),
        page(2, 1, "Plan", "nothing about money"),
    ]);
    assert_eq!(ids(&index, &EVERYWHERE, &text("planet budget")).len(), 0);
    assert_eq!(ids(&index, &EVERYWHERE, &text("plan budget")), vec![1]);
    let mut both = ids(&index, &EVERYWHERE, &text("PLAN"));
    both.sort();
    assert_eq!(both, vec![1, 2]);
}

#[test]
fn a_phrase_needs_its_words_in_order() {
    let index = index_of(vec![
        page(1, 1, "A", "the launch plan for q3"),
        page(2, 1, "B", "plan the launch for q3"),
    ]);
    assert_eq!(ids(&index, &EVERYWHERE, &text("\"launch plan\"")), vec![1]);
    let mut words = ids(&index, &EVERYWHERE, &text("launch plan"));
    words.sort();
    assert_eq!(words, vec![1, 2]);
}

#[test]
fn filters_narrow_by_space_type_label_contributor_and_date() {
    let mut post = page(2, 2, "Post", "alpha");
    post.kind = DocKind::BlogPost;
    post.labels = vec!["Release".to_owned()];
    post.contributors = vec![7];
    post.modified = datetime!(2026-03-01 0:00 UTC);
    let index = index_of(vec![
        page(1, 1, "One", "alpha"),
        post,
        page(3, 3, "Three", "alpha"),
    ]);
    let with = |filter: Filter| SearchQuery {
        filters: vec![Filter::Text(parse_text("alpha")), filter],
        limit: 10,
        ..SearchQuery::default()
    };
    assert_eq!(
        ids(&index, &EVERYWHERE, &with(Filter::Space(vec![2]))),
        vec![2]
    );
    assert_eq!(
        ids(
            &index,
            &EVERYWHERE,
            &with(Filter::Kind(vec![DocKind::BlogPost]))
        ),
        vec![2]
    );
    assert_eq!(
        ids(
            &index,
            &EVERYWHERE,
            &with(Filter::Label(vec!["release".into()]))
        ),
        vec![2]
    );
    assert_eq!(
        ids(&index, &EVERYWHERE, &with(Filter::Contributor(vec![7]))),
        vec![2]
    );
    let after = DateRange {
        from: Some(datetime!(2026-02-01 0:00 UTC)),
        until: None,
    };
    assert_eq!(
        ids(&index, &EVERYWHERE, &with(Filter::Modified(after))),
        vec![2]
    );
    let mut not_space_2 = ids(
        &index,
        &EVERYWHERE,
        &with(Filter::Not(Box::new(Filter::Space(vec![2])))),
    );
    not_space_2.sort();
    assert_eq!(not_space_2, vec![1, 3]);
}

#[test]
fn ordering_by_date_and_paging() {
    let docs = (1..=5)
        .map(|i| {
            let mut d = page(i, 1, "Same", "word");
            d.modified = datetime!(2026-01-01 0:00 UTC) + time::Duration::days(i);
            d
        })
        .collect();
    let index = index_of(docs);
    let query = |offset, order| SearchQuery {
        filters: vec![Filter::Text(parse_text("word"))],
        order,
        offset,
        limit: 2,
    };
    assert_eq!(
        ids(&index, &EVERYWHERE, &query(0, Order::ModifiedDesc)),
        vec![5, 4]
    );
    assert_eq!(
        ids(&index, &EVERYWHERE, &query(2, Order::ModifiedDesc)),
        vec![3, 2]
    );
    assert_eq!(
        ids(&index, &EVERYWHERE, &query(0, Order::ModifiedAsc)),
        vec![1, 2]
    );
    let found = index
        .search(&EVERYWHERE, &query(4, Order::ModifiedDesc))
        .unwrap();
    assert_eq!((found.total, found.hits.len()), (5, 1));
}

#[test]
fn snippets_mark_the_matches() {
    let index = index_of(vec![page(
        1,
        1,
        "Launch day",
        "we plan the big launch on monday",
    )]);
    let hit = index
        .search(&EVERYWHERE, &text("launch"))
        .unwrap()
        .hits
        .remove(0);
    let marked = |s: &portico_search::Snippet| -> Vec<String> {
        s.highlights
            .iter()
            .map(|r| s.text[r.clone()].to_owned())
            .collect()
    };
    assert_eq!(marked(&hit.title), vec!["Launch"]);
    assert_eq!(marked(&hit.excerpt), vec!["launch"]);
    assert!(hit.excerpt.text.contains("big launch"));
}

#[test]
fn replacing_a_page_replaces_its_comments_and_files_too() {
    let index = index_of(vec![page(1, 1, "P", "old words")]);
    let mut comment = page(1, 1, "", "a remark");
    comment.kind = DocKind::Comment;
    comment.item_id = 40;
    index
        .stage(vec![(1, vec![page(1, 1, "P", "new words"), comment])])
        .unwrap();
    index.commit(2).unwrap();
    assert!(ids(&index, &EVERYWHERE, &text("old")).is_empty());
    assert_eq!(ids(&index, &EVERYWHERE, &text("remark")), vec![40]);
    index.stage(vec![(1, Vec::new())]).unwrap();
    index.commit(3).unwrap();
    assert_eq!(index.document_count(), 0);
}

#[test]
fn staged_but_uncommitted_work_is_lost_and_the_position_stays() {
    let folder = tempfile_folder("crash");
    {
        let index =
            SearchIndex::open(&Location::Disk(folder.clone()), WriterBudget::Steady).unwrap();
        assert!(!index.state().built);
        index
            .stage(vec![(1, vec![page(1, 1, "Kept", "kept")])])
            .unwrap();
        index.commit(7).unwrap();
        index
            .stage(vec![(2, vec![page(2, 1, "Lost", "lost")])])
            .unwrap();
        // The process "stops" here: no commit.
    }
    let index = SearchIndex::open(&Location::Disk(folder.clone()), WriterBudget::Steady).unwrap();
    let state = index.state();
    assert!(state.built);
    assert_eq!(state.position, 7);
    assert_eq!(ids(&index, &EVERYWHERE, &text("kept")), vec![1]);
    assert!(ids(&index, &EVERYWHERE, &text("lost")).is_empty());
    std::fs::remove_dir_all(folder).ok();
}

#[test]
fn a_second_writer_on_the_same_folder_is_refused() {
    let folder = tempfile_folder("busy");
    let _first = SearchIndex::open(&Location::Disk(folder.clone()), WriterBudget::Steady).unwrap();
    let second = SearchIndex::open(&Location::Disk(folder.clone()), WriterBudget::Steady);
    assert!(matches!(second, Err(portico_search::SearchError::Busy(_))));
    std::fs::remove_dir_all(folder).ok();
}

#[test]
fn an_index_of_another_schema_starts_over() {
    let folder = tempfile_folder("foreign");
    std::fs::create_dir_all(&folder).unwrap();
    {
        let mut schema = tantivy::schema::Schema::builder();
        let field = schema.add_text_field("something_else", tantivy::schema::TEXT);
        let index = tantivy::Index::create_in_dir(&folder, schema.build()).unwrap();
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        writer.add_document(tantivy::doc!(field => "old")).unwrap();
        writer.commit().unwrap();
    }
    let index = SearchIndex::open(&Location::Disk(folder.clone()), WriterBudget::Steady).unwrap();
    assert_eq!((index.state().built, index.document_count()), (false, 0));
    index
        .stage(vec![(1, vec![page(1, 1, "New", "new")])])
        .unwrap();
    index.commit(3).unwrap();
    assert_eq!(ids(&index, &EVERYWHERE, &text("new")), vec![1]);
    std::fs::remove_dir_all(folder).ok();
}

fn tempfile_folder(name: &str) -> std::path::PathBuf {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    std::env::temp_dir().join(format!(
        "portico-search-{name}-{}-{nanos}",
        std::process::id()
    ))
}

/// A broad viewer's scope is written as "none of the other spaces" (see
/// `census`); a space indexed after their last search must still be one of
/// the others, not let in because the list of spaces was read earlier.
#[test]
fn a_space_indexed_after_a_search_stays_outside_a_scope_without_it() {
    let mut docs: Vec<Document> = (1..=6).map(|id| page(id, 1, "common", "common")).collect();
    docs.push(page(7, 2, "common", "common"));
    let index = index_of(docs);
    let scope = Scope {
        spaces: &[1],
        keys: &[],
        subtrees: &[],
    };
    assert_eq!(ids(&index, &scope, &text("common")).len(), 6);
    let mut restricted = page(9, 1, "common", "common");
    restricted.restriction_key = Some(9);
    index
        .stage(vec![
            (8, vec![page(8, 3, "common", "common")]),
            (9, vec![restricted]),
        ])
        .unwrap();
    index.commit(2).unwrap();
    let mut found = ids(&index, &scope, &text("common"));
    found.sort();
    assert_eq!(
        found,
        vec![1, 2, 3, 4, 5, 6],
        "neither the new space nor the new key"
    );
}

// ---- the scope: a property test over random worlds ------------------------

#[derive(Debug, Clone)]
struct World {
    /// (space, restriction key, ancestors, words) per page; page ids are
    /// 1-based.
    pages: Vec<(i64, Option<i64>, Vec<i64>, usize)>,
    spaces: Vec<i64>,
    keys: Vec<i64>,
    subtrees: Vec<(i64, i64)>,
}

fn world() -> impl Strategy<Value = World> {
    let page = (
        1i64..5,
        prop::option::of(1i64..6),
        prop::collection::vec(1i64..30, 0..3),
        0usize..WORDINGS.len(),
    );
    (
        prop::collection::vec(page, 1..30),
        prop::collection::vec(1i64..5, 0..5),
        prop::collection::vec(1i64..6, 0..4),
        prop::collection::vec((1i64..5, 1i64..30), 0..3),
    )
        .prop_map(|(pages, spaces, keys, subtrees)| World {
            pages,
            spaces,
            keys,
            subtrees,
        })
}

/// (title, body): every page says "common", in different amounts, so that
/// scores differ and ties happen.
const WORDINGS: [(&str, &str); 4] = [
    ("common", "common"),
    ("plan", "common plan common"),
    ("common plan", "plan"),
    ("other", "common common common plan"),
];

/// What `store::pages::Visibility` admits, restated: the space is whole, or
/// the page is (under) a shared root of its space; and its key is absent or
/// satisfied.
fn admitted(world: &World, id: i64) -> bool {
    let (space, key, ancestors, _) = &world.pages[usize::try_from(id - 1).unwrap()];
    let placed = world.spaces.contains(space)
        || world
            .subtrees
            .iter()
            .any(|(s, root)| s == space && (*root == id || ancestors.contains(root)));
    placed && key.is_none_or(|k| world.keys.contains(&k))
}

/// The world's pages, each labelled `l0`, `l1` or `l2` by its id.
fn index_of_world(world: &World) -> SearchIndex {
    let docs = world
        .pages
        .iter()
        .enumerate()
        .map(|(i, (space, key, ancestors, wording))| {
            let id = i64::try_from(i).unwrap() + 1;
            let (title, body) = WORDINGS[*wording];
            let mut d = page(id, *space, title, body);
            d.restriction_key = *key;
            d.ancestors = ancestors.clone();
            d.labels = vec![format!("l{}", id % 3)];
            d
        })
        .collect();
    index_of(docs)
}

/// Ids, scores and the total: what two plans must agree on exactly.
fn outcome(found: &portico_search::Hits) -> (Vec<(i64, f32)>, usize, bool) {
    (
        found.hits.iter().map(|h| (h.item_id, h.score)).collect(),
        found.total,
        found.total_exact,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_scope_admits_exactly_what_the_access_set_admits(world in world()) {
        let index = index_of_world(&world);
        let scope = Scope { spaces: &world.spaces, keys: &world.keys, subtrees: &world.subtrees };
        let expected: Vec<i64> = (1..=i64::try_from(world.pages.len()).unwrap())
            .filter(|id| admitted(&world, *id))
            .collect();
        // With a text term, and with none (then the scope may be nothing
        // but exclusions: "none of the other spaces, none of the other keys").
        let by_text = SearchQuery { limit: 100, ..text("common") };
        let by_date = SearchQuery { limit: 100, order: Order::ModifiedDesc, ..SearchQuery::default() };
        for query in [by_text, by_date] {
            let found = index.search(&scope, &query).unwrap();
            let mut got: Vec<i64> = found.hits.iter().map(|h| h.item_id).collect();
            got.sort();
            prop_assert_eq!(found.total, expected.len());
            prop_assert_eq!(got, expected.clone());
        }
    }

    /// Pruned and joined, the same hits in the same order with the same
    /// scores and total, for one word, two, and words with other filters.
    #[test]
    fn every_plan_ranks_the_same(world in world(), offset in 0usize..4) {
        let index = index_of_world(&world);
        let scope = Scope { spaces: &world.spaces, keys: &world.keys, subtrees: &world.subtrees };
        let with = |filters: Vec<Filter>| SearchQuery { filters, offset, limit: 5, ..SearchQuery::default() };
        let queries = [
            with(vec![Filter::Text(parse_text("common"))]),
            with(vec![Filter::Text(parse_text("common plan"))]),
            with(vec![Filter::Title(parse_text("plan"))]),
            with(vec![
                Filter::Text(parse_text("common")),
                Filter::Label(vec!["l1".into(), "l2".into()]),
                Filter::Not(Box::new(Filter::Space(vec![2]))),
            ]),
            with(vec![Filter::Text(parse_text("plan")), Filter::Not(Box::new(Filter::Label(vec!["l0".into()])))]),
        ];
        for query in queries {
            let joined = index.search_planned(&scope, &query, Plan::Joined).unwrap();
            let pruned = index.search_planned(&scope, &query, Plan::Pruned).unwrap();
            let chosen = index.search_planned(&scope, &query, Plan::Chosen).unwrap();
            prop_assert_eq!(outcome(&pruned), outcome(&joined), "{:?}", query);
            prop_assert_eq!(outcome(&chosen), outcome(&joined), "{:?}", query);
        }
    }
}

// ---- pruning and the capped total at a size where they matter ------------

/// Thousands of pages whose words repeat with varied frequencies, across
/// five spaces, a fifth of them under a key: enough blocks for block-max
/// WAND to skip, and more matches than can be paged.
fn crowd(pages: i64) -> SearchIndex {
    let docs = (1..=pages)
        .map(|id| {
            let repeat =
                |word: &str, times: i64| vec![word; usize::try_from(times).unwrap()].join(" ");
            let title = if id % 97 == 0 {
                "alpha report"
            } else {
                "weekly notes"
            };
            let body = format!(
                "{} {} filler text",
                repeat("alpha", 1 + (id * 7919) % 13),
                repeat("beta", (id * 104_729) % 5),
            );
            let mut d = page(id, 1 + id % 5, title, &body);
            d.restriction_key = (id % 5 == 0).then_some(1 + id % 3);
            d
        })
        .collect();
    index_of(docs)
}

#[test]
fn a_pruned_ranking_equals_the_full_ranking_on_a_large_index() {
    let index = crowd(12_000);
    let broad = Scope {
        spaces: &[1, 2, 3, 4],
        keys: &[2],
        subtrees: &[(5, 10)],
    };
    let narrow = Scope {
        spaces: &[3],
        keys: &[],
        subtrees: &[],
    };
    for scope in [broad, narrow] {
        for words in ["alpha", "alpha beta", "report"] {
            for offset in [0, 7, 90] {
                let query = SearchQuery {
                    offset,
                    limit: 10,
                    ..text(words)
                };
                let joined = index.search_planned(&scope, &query, Plan::Joined).unwrap();
                let pruned = index.search_planned(&scope, &query, Plan::Pruned).unwrap();
                if offset == 0 {
                    assert_eq!(joined.hits.len(), 10, "{words}");
                }
                assert_eq!(outcome(&pruned), outcome(&joined), "{words} from {offset}");
            }
        }
    }
}

#[test]
fn a_total_beyond_the_paging_window_is_a_floor() {
    let index = crowd(12_000);
    let everything = Scope {
        spaces: &[1, 2, 3, 4, 5],
        keys: &[1, 2, 3],
        subtrees: &[],
    };
    for plan in [Plan::Joined, Plan::Pruned] {
        // 12,000 match "alpha": more than can be paged.
        let all = index
            .search_planned(&everything, &text("alpha"), plan)
            .unwrap();
        assert_eq!(
            (all.total, all.total_exact),
            (MAX_WINDOW, false),
            "{plan:?}"
        );
        // 123 match "report" (every 97th page): counted exactly.
        let few = index
            .search_planned(&everything, &text("report"), plan)
            .unwrap();
        assert_eq!(
            (few.total, few.total_exact),
            (12_000 / 97, true),
            "{plan:?}"
        );
    }
    // Exactly as many as the window (pages 1 to 10,000): still exact.
    let query = SearchQuery {
        filters: vec![
            Filter::Text(parse_text("alpha")),
            Filter::Page((1..=i64::try_from(MAX_WINDOW).unwrap()).collect()),
        ],
        limit: 10,
        ..SearchQuery::default()
    };
    for plan in [Plan::Joined, Plan::Pruned] {
        let found = index.search_planned(&everything, &query, plan).unwrap();
        assert_eq!(
            (found.total, found.total_exact),
            (MAX_WINDOW, true),
            "{plan:?}"
        );
    }
}

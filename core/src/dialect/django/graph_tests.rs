use super::*;
use crate::text::Span;

fn refs(list: &[&str]) -> Vec<Reference> {
    list.iter()
        .map(|item| match item.split_once('.') {
            _ if *item == "swappable" => Reference::Swappable {
                span: Span::default(),
            },
            Some((app, name)) => Reference::Key {
                app: app.into(),
                name: name.into(),
                span: Span::default(),
            },
            None => panic!("bad reference {item}"),
        })
        .collect()
}

/// `name: dep dep | replaces... > run_before...`
fn migration(spec: &str) -> Migration {
    let (spec, run_before) = spec.split_once('>').unwrap_or((spec, ""));
    let (name, rest) = spec.split_once(':').unwrap_or((spec, ""));
    let (deps, replaces) = rest.split_once('|').unwrap_or((rest, ""));
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let as_refs = |s: &str| refs(&words(s).iter().map(String::as_str).collect::<Vec<_>>());
    Migration {
        name: name.trim().into(),
        facts: MigrationFacts {
            class: Some(Span::default()),
            dependencies: as_refs(deps),
            replaces: as_refs(replaces),
            run_before: as_refs(run_before),
            ..MigrationFacts::default()
        },
    }
}

fn app(label: &str, specs: &[&str]) -> App {
    App {
        label: label.into(),
        migrated: true,
        migrations: specs.iter().map(|s| migration(s)).collect(),
    }
}

fn project(apps: Vec<App>) -> Project {
    Project {
        apps,
        user_model: "auth.User".into(),
        applied: None,
        history: None,
        safety: None,
    }
}

fn dotted(keys: &[Key]) -> Vec<String> {
    keys.iter().map(Key::dotted).collect()
}

fn applied(list: &[&str]) -> Option<Vec<Key>> {
    Some(
        list.iter()
            .map(|k| {
                let (a, n) = k.split_once('.').unwrap();
                Key::new(a, n)
            })
            .collect(),
    )
}

#[test]
fn linear_app_has_one_leaf_and_a_plan() {
    let loaded = load(&project(vec![app(
        "shop",
        &[
            "0001_initial",
            "0002_b: shop.0001_initial",
            "0003_c: shop.0002_b",
        ],
    )]));
    assert!(loaded.errors.is_empty());
    assert_eq!(loaded.leaves["shop"], ["0003_c"]);
    assert!(loaded.conflicts.is_empty());
    assert_eq!(
        dotted(&loaded.plan),
        ["shop.0001_initial", "shop.0002_b", "shop.0003_c"]
    );
}

#[test]
fn two_leaves_are_a_conflict_in_djangos_words() {
    let loaded = load(&project(vec![app(
        "billing",
        &[
            "0001_initial",
            "0042_a: billing.0001_initial",
            "0042_b: billing.0001_initial",
        ],
    )]));
    assert_eq!(loaded.conflicts["billing"], ["0042_a", "0042_b"]);
    assert_eq!(
        loaded.conflict_message().unwrap(),
        "Conflicting migrations detected; multiple leaf nodes in the migration graph: (0042_a, 0042_b in billing).\nTo fix them run 'python manage.py makemigrations --merge'"
    );
    assert!(loaded.plan.is_empty());
}

#[test]
fn cross_app_edges_do_not_make_leaves() {
    // `a.0002` is a child of `b.0001`, but leaves are per app.
    let loaded = load(&project(vec![
        app("a", &["0001", "0002: a.0001 b.0001"]),
        app("b", &["0001: a.0001"]),
    ]));
    assert_eq!(loaded.leaves["a"], ["0002"]);
    assert_eq!(loaded.leaves["b"], ["0001"]);
    assert_eq!(dotted(&loaded.plan), ["a.0001", "b.0001", "a.0002"]);
}

#[test]
fn missing_parent_is_node_not_found() {
    let loaded = load(&project(vec![app("app", &["0001", "0003_c: app.0002_b"])]));
    assert_eq!(loaded.errors.len(), 1);
    let error = &loaded.errors[0];
    assert_eq!(error.exception(), "NodeNotFoundError");
    assert_eq!(
        error.message(),
        "Migration app.0003_c dependencies reference nonexistent parent node ('app', '0002_b')"
    );
}

#[test]
fn external_apps_are_assumed_present_and_listed() {
    let loaded = load(&project(vec![app(
        "app",
        &["0001: auth.0012_alter_user_first_name_max_length swappable contenttypes.__first__"],
    )]));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(
        dotted(&loaded.external),
        [
            "auth.0012_alter_user_first_name_max_length",
            "auth.__first__",
            "contenttypes.__first__"
        ]
    );
}

#[test]
fn first_and_latest_resolve_to_roots_and_leaves() {
    let loaded = load(&project(vec![
        app("a", &["0001", "0002: a.0001"]),
        app("b", &["0001: a.__latest__", "0002: b.0001 c.__first__"]),
        app("c", &["0001", "0002: c.0001"]),
    ]));
    assert!(loaded.errors.is_empty());
    assert_eq!(
        dotted(&loaded.plan),
        // Django's walk pops the largest parent first: `c.0001` before `b.0001`.
        ["a.0001", "a.0002", "c.0001", "b.0001", "b.0002", "c.0002"]
    );
}

#[test]
fn first_of_an_unmigrated_app_is_ignored_but_a_name_is_missing() {
    let mut unmigrated = app("legacy", &[]);
    unmigrated.migrated = false;
    let ok = load(&project(vec![
        app("a", &["0001: legacy.__first__"]),
        unmigrated.clone(),
    ]));
    assert!(ok.errors.is_empty());
    let missing = load(&project(vec![app("a", &["0001: legacy.0001"]), unmigrated]));
    assert_eq!(missing.errors[0].exception(), "NodeNotFoundError");
    let empty = load(&project(vec![
        app("a", &["0001: empty.__first__"]),
        app("empty", &[]),
    ]));
    assert_eq!(
        empty.errors[0].message(),
        "Dependency on app with no migrations: empty"
    );
}

#[test]
fn latest_of_the_same_app_is_a_missing_node() {
    let loaded = load(&project(vec![app("a", &["0001", "0002: a.__latest__"])]));
    assert_eq!(
        loaded.errors[0].message(),
        "Migration a.0002 dependencies reference nonexistent parent node ('a', '__latest__')"
    );
}

#[test]
fn run_before_makes_the_other_app_wait() {
    let loaded = load(&project(vec![
        app("a", &["0001 > b.0001"]),
        app("b", &["0001"]),
    ]));
    assert!(loaded.errors.is_empty());
    assert_eq!(dotted(&loaded.plan), ["a.0001", "b.0001"]);
    let missing = load(&project(vec![
        app("a", &["0001 > b.0009"]),
        app("b", &["0001"]),
    ]));
    assert_eq!(
        missing.errors[0].message(),
        "Migration a.0001 dependencies reference nonexistent child node ('b', '0009')"
    );
}

#[test]
fn a_cycle_is_circular_dependency_error() {
    let loaded = load(&project(vec![app(
        "a",
        &["0001: a.0003", "0002: a.0001", "0003: a.0002"],
    )]));
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(loaded.errors[0].exception(), "CircularDependencyError");
    assert_eq!(loaded.errors[0].message(), "a.0001, a.0002, a.0003");
}

fn squashed() -> Vec<App> {
    vec![
        app(
            "a",
            &[
                "0001",
                "0002: a.0001",
                "0001_squashed_0002: | a.0001 a.0002",
                "0003: a.0002",
            ],
        ),
        app("b", &["0001: a.0001"]),
    ]
}

#[test]
fn a_squash_is_used_when_none_or_all_are_applied() {
    let loaded = load(&project(squashed()));
    assert!(loaded.errors.is_empty());
    assert_eq!(loaded.leaves["a"], ["0003"]);
    assert_eq!(
        dotted(&loaded.plan),
        ["a.0001_squashed_0002", "a.0003", "b.0001"]
    );
    let mut all = project(squashed());
    all.applied = applied(&["a.0001", "a.0002"]);
    let loaded = load(&all);
    assert_eq!(dotted(&loaded.plan), ["a.0003", "b.0001"]);
    assert!(loaded.partly_applied_squashes.is_empty());
}

#[test]
fn a_partly_applied_squash_is_dropped() {
    let mut partly = project(squashed());
    partly.applied = applied(&["a.0001"]);
    let loaded = load(&partly);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(
        dotted(&loaded.partly_applied_squashes),
        ["a.0001_squashed_0002"]
    );
    assert_eq!(dotted(&loaded.plan), ["a.0002", "a.0003", "b.0001"]);
}

#[test]
fn a_partly_applied_squash_with_deleted_originals_explains_itself() {
    let mut partly = project(vec![app(
        "a",
        &["0001_squashed_0002: | a.0001 a.0002", "0003: a.0002"],
    )]);
    partly.applied = applied(&["a.0001"]);
    let loaded = load(&partly);
    assert_eq!(
        loaded.errors[0].message(),
        "Migration a.0003 depends on nonexistent node ('a', '0002'). Django tried to replace migration a.0002 with any of [a.0001_squashed_0002] but wasn't able to because some of the replaced migrations are already applied."
    );
}

#[test]
fn applied_before_its_dependency_is_inconsistent() {
    let mut p = project(vec![app("a", &["0001", "0002: a.0001", "0003: a.0002"])]);
    p.applied = applied(&["a.0001", "a.0003"]);
    let loaded = load(&p);
    assert_eq!(loaded.inconsistent.len(), 1);
    assert_eq!(
        loaded.inconsistent[0].message(),
        "Migration a.0003 is applied before its dependency a.0002 on database 'default'."
    );
    assert!(loaded.plan.is_empty());
}

#[test]
fn custom_user_model_resolves_swappable() {
    let mut p = project(vec![
        app("accounts", &["0001"]),
        app("shop", &["0001: swappable"]),
    ]);
    p.user_model = "accounts.User".into();
    let loaded = load(&p);
    assert!(loaded.external.is_empty());
    assert_eq!(dotted(&loaded.plan), ["accounts.0001", "shop.0001"]);
}

#[test]
fn python_repr_quotes_like_python() {
    assert_eq!(Key::new("a", "it's").repr(), "('a', \"it's\")");
    assert_eq!(Key::new("a", "b\\c").repr(), "('a', 'b\\\\c')");
}

#[test]
fn unreadable_migrations_are_not_judged() {
    let mut a = app("a", &["0001"]);
    a.migrations[0].facts.class = None;
    let loaded = load(&project(vec![a]));
    assert_eq!(loaded.errors.len(), 1);
    assert!(
        loaded.errors[0]
            .message()
            .contains("has no Migration class")
    );
}

fn edge_list(loaded: &Loaded) -> Vec<String> {
    loaded
        .graph
        .edges
        .iter()
        .map(|(parent, child)| format!("{} -> {}", parent.dotted(), child.dotted()))
        .collect()
}

#[test]
fn the_shape_is_the_graph_after_the_squash_step() {
    let loaded = load(&project(squashed()));
    assert_eq!(
        dotted(&loaded.graph.nodes),
        ["a.0001_squashed_0002", "a.0003", "b.0001"]
    );
    assert_eq!(
        edge_list(&loaded),
        [
            "a.0001_squashed_0002 -> a.0003",
            "a.0001_squashed_0002 -> b.0001"
        ]
    );
    let mut partly = project(squashed());
    partly.applied = applied(&["a.0001"]);
    let loaded = load(&partly);
    assert_eq!(
        dotted(&loaded.graph.nodes),
        ["a.0001", "a.0002", "a.0003", "b.0001"]
    );
}

#[test]
fn the_shape_keeps_dummies_and_edges_to_installed_apps() {
    let loaded = load(&project(vec![app(
        "shop",
        &[
            "0001: swappable contenttypes.0002_x",
            "0002: shop.0001 shop.0009_gone",
        ],
    )]));
    assert_eq!(loaded.errors[0].exception(), "NodeNotFoundError");
    assert_eq!(
        dotted(&loaded.graph.nodes),
        ["shop.0001", "shop.0002", "shop.0009_gone"]
    );
    assert_eq!(
        edge_list(&loaded),
        [
            "auth.__first__ -> shop.0001",
            "contenttypes.0002_x -> shop.0001",
            "shop.0001 -> shop.0002",
            "shop.0009_gone -> shop.0002"
        ]
    );
}

/// Django's `migration_plan` written literally: each leaf's whole
/// `iterative_dfs`, then what is not yet applied or planned.
fn plan_per_leaf(graph: &Graph, applied: &BTreeSet<Key>) -> Vec<Key> {
    let mut done = applied.clone();
    let mut plan = Vec::new();
    for target in graph.leaves(None) {
        if done.contains(target) {
            continue;
        }
        let mut visited = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![(target.clone(), false)];
        while let Some((key, processed)) = stack.pop() {
            if seen.contains(&key) {
                continue;
            }
            if processed {
                seen.insert(key.clone());
                visited.push(key);
            } else {
                let parents = graph.map[&key].parents.clone();
                stack.push((key, true));
                stack.extend(parents.into_iter().map(|p| (p, false)));
            }
        }
        for key in visited {
            if done.insert(key.clone()) {
                plan.push(key);
            }
        }
    }
    plan
}

proptest::proptest! {
    /// The one-pass plan is Django's per-leaf plan on any acyclic graph of
    /// a few apps with cross-app dependencies and any applied set.
    #[test]
    fn one_pass_plan_is_the_per_leaf_plan(
        edges in proptest::collection::vec((0usize..24, 0usize..24), 0..60),
        applied_mask in proptest::collection::vec(proptest::bool::ANY, 24),
    ) {
        let key = |i: usize| Key::new(format!("app{}", i % 3), format!("{:04}", i));
        let mut graph = Graph::default();
        for i in 0..24 {
            graph.add_node(key(i));
        }
        // Only edges from a lower to a higher index: acyclic.
        for (a, b) in edges {
            if a < b {
                graph.link(&key(a), &key(b));
            }
        }
        let applied: BTreeSet<Key> = (0..24).filter(|&i| applied_mask[i]).map(key).collect();
        proptest::prop_assert_eq!(
            migration_plan(&graph, &applied),
            plan_per_leaf(&graph, &applied)
        );
    }
}

use super::*;

fn node(key: &str, group: &str, hash: Option<&str>) -> Node {
    Node {
        key: key.into(),
        group: group.into(),
        file: None,
        span: None,
        hash: hash.map(str::to_owned),
    }
}

fn edge(parent: &str, child: usize) -> Edge {
    Edge {
        parent: parent.into(),
        child,
        span: None,
    }
}

/// billing: 0001 <- 0002a, 0001 <- 0002b (two leaves); shop: 0001 <- 0002
/// naming a missing parent; auth.0012 external.
fn django() -> Model {
    Model {
        vocabulary: DJANGO,
        nodes: vec![
            node("billing.0001", "billing", Some("h1")),
            node("billing.0002a", "billing", Some("h2")),
            node("billing.0002b", "billing", None),
            node("shop.0001", "shop", None),
        ],
        edges: vec![
            edge("billing.0001", 1),
            edge("billing.0001", 2),
            edge("auth.0012", 0),
            edge("shop.0000", 3),
        ],
        external: ["auth.0012".to_owned()].into(),
        outcome: Outcome {
            exception: Some("CommandError".into()),
            message: Some("Conflicting migrations detected".into()),
            plan: Vec::new(),
        },
    }
}

#[test]
fn graph_checks_speak_the_tools_words() {
    let model = django();
    let heads = model.multiple_heads();
    assert_eq!(
        heads,
        vec![ModelFinding::MultipleHeads {
            group: "billing".into(),
            heads: vec![1, 2]
        }]
    );
    assert_eq!(
        heads[0].message(&model, None),
        "app `billing` has 2 leaf migrations: `billing.0002a`, `billing.0002b`"
    );
    let missing = model.missing_parents();
    assert_eq!(missing, vec![ModelFinding::MissingParent { edge: 3 }]);
    assert_eq!(
        missing[0].message(&model, None),
        "migration `shop.0001` names `shop.0000` in `dependencies`, which does not exist"
    );
    assert_eq!(
        ModelFinding::outcome_note(&model).as_deref(),
        Some("`manage.py migrate` fails: CommandError: Conflicting migrations detected")
    );
    assert!(model.duplicates().is_empty() && model.cycles().is_empty());
}

#[test]
fn alembic_duplicates_and_cycles() {
    let mut model = Model::linear(
        ALEMBIC,
        "",
        vec![
            node("a", "x", None),
            node("b", "x", None),
            node("b", "x", None),
        ],
    );
    assert_eq!(model.nodes[0].group, "");
    let dup = model.duplicates();
    assert_eq!(
        dup[0].message(&model, None),
        "2 files declare revision `b`: Alembic keeps one of them"
    );
    model.edges.push(edge("b", 0));
    let cycles = model.cycles();
    assert_eq!(cycles, vec![ModelFinding::Cycle { nodes: vec![0, 1] }]);
    assert_eq!(
        cycles[0].message(&model, None),
        "revisions depend on each other in a cycle: `a`, `b`"
    );
}

#[test]
fn history_checks_against_recorded_keys() {
    let model = django();
    let recorded = Recorded {
        keys: [
            ("billing.0002a".to_owned(), Some("old".to_owned())),
            ("billing.0001".to_owned(), Some("h1".to_owned())),
        ]
        .into(),
        source: "revguard.lock".into(),
    };
    let edited = model.edited(&recorded);
    assert_eq!(edited, vec![ModelFinding::Edited { node: 1 }]);
    assert_eq!(
        edited[0].message(&model, Some(&recorded)),
        "migration `billing.0002a` was edited after it was recorded in revguard.lock"
    );
    assert!(model.inserted_below(&recorded).is_empty());
    // A new migration that a recorded one now names.
    let mut inserted = model.clone();
    inserted.nodes.push(node("billing.0001b", "billing", None));
    inserted.edges.push(edge("billing.0001b", 1));
    let below = inserted.inserted_below(&recorded);
    assert_eq!(
        below,
        vec![ModelFinding::InsertedBelow {
            node: 4,
            above: vec![1]
        }]
    );
    assert_eq!(
        below[0].message(&inserted, Some(&recorded)),
        "new migration `billing.0001b` is inserted below `billing.0002a`, recorded in revguard.lock"
    );
    // A linear tool: a second file with a recorded version never runs.
    let linear = Model::linear(
        ALEMBIC,
        "",
        vec![
            node("1", "", None),
            node("2", "", None),
            node("2", "", None),
        ],
    );
    let recorded = Recorded {
        keys: [("2".to_owned(), None)].into(),
        source: "the database".into(),
    };
    assert_eq!(
        linear.never_runs(&recorded),
        vec![ModelFinding::NeverRuns { node: 2 }]
    );
}

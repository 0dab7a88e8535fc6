//! Step 1, missing parents: the one "did you mean" candidate, or `--parent`.

use super::*;

/// Every missing `down_revision` entry of a loaded, unshadowed revision.
fn missing(graph: &RevisionGraph) -> Vec<(RevIx, String)> {
    graph
        .issues
        .iter()
        .filter_map(|issue| match issue {
            Issue::MissingRef {
                from,
                target,
                kind: RefKind::Down,
            } if !target.is_empty() => Some((*from, target.clone())),
            Issue::LabelAsParent { from, label, .. } => Some((*from, label.clone())),
            _ => None,
        })
        .filter(|(from, _)| !graph.rev(*from).shadowed)
        .collect()
}

fn refuse(out: &mut FixPlan, message: String, choices: Vec<String>) {
    out.refused.push(FixNote {
        check: "missing-parent".into(),
        message,
        choices,
    });
}

/// The parent `--parent` picks for `target`: `MISSING=ID` for it, or a bare
/// `ID` when only one parent is missing. `Err` when the flag is unusable.
fn picked(input: &[String], target: &str, targets: usize) -> Result<Option<String>, String> {
    if let Some(id) = input
        .iter()
        .find_map(|p| p.split_once('=').filter(|(m, _)| *m == target))
        .map(|(_, id)| id.to_owned())
    {
        return Ok(Some(id));
    }
    let bare: Vec<&String> = input.iter().filter(|p| !p.contains('=')).collect();
    match (bare[..].first(), targets) {
        (None, _) => Ok(None),
        (Some(id), 1) if bare.len() == 1 => Ok(Some((*id).clone())),
        _ => Err(format!(
            "`--parent ID` is ambiguous here: write `--parent {target}=ID` (one per missing parent)"
        )),
    }
}

pub(super) fn missing_parents(work: &mut Work<'_>, out: &mut FixPlan) {
    let request = work.request();
    let (loaded, graph) = build(&request);
    let cx = crate::checks::Context::new(&request, &loaded, &graph);
    let found = missing(&graph);
    let targets: std::collections::BTreeSet<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
    if found.is_empty() && !work.input.parent.is_empty() {
        refuse(
            out,
            "`--parent` given, but no `down_revision` names a missing parent".into(),
            Vec::new(),
        );
    }
    let mut replacements: BTreeMap<usize, Vec<(String, String, String)>> = BTreeMap::new();
    for (from, target) in &found {
        let who = format!("`{}` ({})", graph.rev(*from).id, cx.rev_path(*from));
        let to = match picked(&work.input.parent, target, targets.len()) {
            Err(why) => {
                refuse(
                    out,
                    format!("{who} revises missing `{target}`: {why}"),
                    Vec::new(),
                );
                continue;
            }
            Ok(Some(id)) if graph.get(&id).is_none() => {
                refuse(
                    out,
                    format!(
                        "{who} revises missing `{target}`, and `--parent {id}` names no revision either"
                    ),
                    Vec::new(),
                );
                continue;
            }
            Ok(Some(id)) => (id, "picked with --parent".to_owned()),
            Ok(None) => match &crate::checks::suggest::candidates(&cx, target)[..] {
                [one] => (one.id.clone(), format!("did you mean: {}", one.why)),
                [] => {
                    refuse(
                        out,
                        format!(
                            "{who} revises `{target}`, which no file declares: that branch hangs off a missing parent, so it is a false head; fix will not merge it or guess a parent"
                        ),
                        vec![
                            format!("restore the file that declares `{target}`"),
                            "--parent ID  (the revision it really follows)".to_owned(),
                        ],
                    );
                    continue;
                }
                many => {
                    refuse(
                        out,
                        format!("{who} revises missing `{target}`; several revisions fit"),
                        many.iter()
                            .map(|c| format!("--parent {}  ({})", c.id, c.why))
                            .collect(),
                    );
                    continue;
                }
            },
        };
        replacements
            .entry(graph.rev(*from).file)
            .or_default()
            .push((target.clone(), to.0, to.1));
    }
    write(work, out, &loaded, replacements);
}

/// Replace the missing entries (and the `Revises:` values) in each file.
fn write(
    work: &mut Work<'_>,
    out: &mut FixPlan,
    loaded: &Loaded,
    replacements: BTreeMap<usize, Vec<(String, String, String)>>,
) {
    for (file, pairs) in replacements {
        let Some(module) = module(loaded, file) else {
            continue;
        };
        let Some(binding) = module.facts.get(Attr::DownRevision) else {
            continue;
        };
        let q = quote_of(module);
        let mut edits: Vec<(Span, String)> = Vec::new();
        let mut collect = |value: &Value| {
            if let Value::Str { value, span } = value
                && let Some((_, to, _)) = pairs.iter().find(|(from, _, _)| from == value)
            {
                edits.push((*span, literal(q, to)));
            }
        };
        match &binding.value {
            Value::Seq { items, .. } => items.iter().for_each(&mut collect),
            other => collect(other),
        }
        if let Some(doc) = &module.facts.docstring
            && let Some(line) = &doc.revises
            && line.span != Span::default()
            && module.slice(line.span) == line.value
        {
            let fixed: Vec<String> = line
                .value
                .split(',')
                .map(|part| {
                    let t = part.trim();
                    pairs
                        .iter()
                        .find(|(from, _, _)| from == t)
                        .map_or(t.to_owned(), |(_, to, _)| to.clone())
                })
                .collect();
            let text = fixed.join(", ");
            if text != line.value {
                edits.push((line.span, text));
            }
        }
        edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
        let shown = loaded.files[file].display.clone();
        apply_edits(work, file, edits);
        for (from, to, why) in pairs {
            out.fixed.push(FixNote {
                check: "missing-parent".into(),
                message: format!("{shown}: `down_revision` `{from}` -> `{to}` ({why})"),
                choices: Vec::new(),
            });
        }
    }
}

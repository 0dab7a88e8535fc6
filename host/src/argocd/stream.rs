//! Reading a rendered manifest stream the way Argo CD does (docs/argocd-cmp.md, section 4): the
//! first non-blank byte picks JSON (`{`) or `---`-separated YAML; empty and
//! `null` documents are skipped; every document needs a `kind`; `*List`
//! objects count their items.

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// Count the Kubernetes objects in `stdout`, or say why Argo CD would reject it.
pub fn count_objects(stdout: &[u8]) -> Result<usize> {
    let text = std::str::from_utf8(stdout).context("the rendered output is not UTF-8")?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut docs = Vec::new();
    if text.trim_start().starts_with('{') {
        for (i, doc) in serde_json::Deserializer::from_str(text)
            .into_iter::<serde_json::Value>()
            .enumerate()
        {
            let doc =
                doc.with_context(|| format!("rendered JSON object {} is not valid JSON", i + 1))?;
            docs.push(serde_yaml_ng::to_value(doc).context("rendered JSON object")?);
        }
    } else {
        for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
            let value = serde_yaml_ng::Value::deserialize(doc)
                .with_context(|| format!("rendered YAML document {} is not valid YAML", i + 1))?;
            docs.push(value);
        }
    }
    let mut count = 0;
    for (i, doc) in docs.iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let Some(kind) = doc.get("kind").and_then(|k| k.as_str()) else {
            bail!(
                "rendered document {} has no 'kind' (Argo CD rejects it: Object 'Kind' is missing)",
                i + 1
            );
        };
        if let Some(items) = doc.get("items").filter(|_| kind.ends_with("List")) {
            count += items.as_sequence().map_or(0, Vec::len);
            continue;
        }
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::count_objects;

    #[test]
    fn yaml_json_lists_and_nulls() {
        assert_eq!(count_objects(b"").unwrap(), 0);
        assert_eq!(count_objects(b"---\n---\nnull\n").unwrap(), 0);
        assert_eq!(count_objects(b"kind: A\n---\nkind: B\n").unwrap(), 2);
        assert_eq!(
            count_objects(b"{\"kind\":\"A\"}\n{\"kind\":\"B\"}").unwrap(),
            2
        );
        assert_eq!(
            count_objects(b"kind: List\nitems: [{kind: A}, {kind: B}]\n").unwrap(),
            2
        );
        assert_eq!(count_objects(b"kind: List\nitems: null\n").unwrap(), 0);
        assert!(count_objects(b"apiVersion: v1\n").is_err());
        assert!(count_objects(b"kind: [\n").is_err());
    }
}

//! Just enough of Python's `ConfigParser` (basic interpolation) to read
//! `alembic.ini` the way Alembic does.

use std::collections::BTreeMap;

/// One parsed ini file: sections of lowercase keys to raw values.
#[derive(Debug, Default, Clone)]
pub struct Ini {
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl Ini {
    /// Parse ini text: `[section]`, `key = value` or `key: value`, indented
    /// continuation lines, `#`/`;` comment lines.
    pub fn parse(text: &str) -> Result<Ini, String> {
        let mut ini = Ini::default();
        let mut section: Option<String> = None;
        let mut last_key: Option<String> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim_end();
            let trimmed = line.trim_start();
            if trimmed.is_empty() {
                last_key = None;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if line.starts_with([' ', '\t'])
                && let (Some(s), Some(k)) = (&section, &last_key)
                && let Some(value) = ini.sections.get_mut(s).and_then(|m| m.get_mut(k))
            {
                value.push('\n');
                value.push_str(trimmed);
                continue;
            }
            if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                section = Some(name.to_owned());
                ini.sections.entry(name.to_owned()).or_default();
                last_key = None;
                continue;
            }
            let Some(s) = &section else {
                return Err(format!("line {}: a key outside any [section]", n + 1));
            };
            let at = trimmed
                .find(['=', ':'])
                .ok_or_else(|| format!("line {}: expected `key = value`", n + 1))?;
            let key = trimmed[..at].trim().to_ascii_lowercase();
            let value = trimmed[at + 1..].trim().to_owned();
            ini.sections
                .entry(s.clone())
                .or_default()
                .insert(key.clone(), value);
            last_key = Some(key);
        }
        Ok(ini)
    }

    /// True when the section exists.
    pub fn has_section(&self, section: &str) -> bool {
        self.sections.contains_key(section)
    }

    /// A value with `%(name)s` interpolated from the section, `DEFAULT` and
    /// `here`, and `%%` turned into `%`.
    pub fn get(&self, section: &str, key: &str, here: &str) -> Result<Option<String>, String> {
        let Some(raw) = self.raw(section, key) else {
            return Ok(None);
        };
        self.interpolate(section, raw, here, 0).map(Some)
    }

    fn raw(&self, section: &str, key: &str) -> Option<&str> {
        let key = key.to_ascii_lowercase();
        self.sections
            .get(section)
            .and_then(|m| m.get(&key))
            .or_else(|| self.sections.get("DEFAULT").and_then(|m| m.get(&key)))
            .map(String::as_str)
    }

    fn interpolate(
        &self,
        section: &str,
        raw: &str,
        here: &str,
        depth: usize,
    ) -> Result<String, String> {
        if depth > 10 {
            return Err(format!("interpolation too deep in {raw:?}"));
        }
        let mut out = String::new();
        let mut rest = raw;
        while let Some(at) = rest.find('%') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(r) = after.strip_prefix('%') {
                out.push('%');
                rest = r;
            } else if let Some(r) = after.strip_prefix('(') {
                let close = r
                    .find(")s")
                    .ok_or_else(|| format!("bad interpolation syntax in {raw:?}"))?;
                let name = r[..close].to_ascii_lowercase();
                let value = if name == "here" {
                    here.to_owned()
                } else {
                    let inner = self.raw(section, &name).ok_or_else(|| {
                        format!("bad interpolation variable reference %({name})s")
                    })?;
                    self.interpolate(section, inner, here, depth + 1)?
                };
                out.push_str(&value);
                rest = &r[close + 2..];
            } else {
                return Err(format!("'%' must be followed by '%' or '(' in {raw:?}"));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_alembic_ini() {
        let ini = Ini::parse(
            "[alembic]\nscript_location = %(here)s/alembic\nversion_locations = %(here)s/a\n    %(here)s/b\n# c\nfile_template = %%(rev)s_%%(slug)s\n",
        )
        .unwrap();
        assert_eq!(
            ini.get("alembic", "script_location", "/p")
                .unwrap()
                .unwrap(),
            "/p/alembic"
        );
        assert_eq!(
            ini.get("alembic", "version_locations", "/p")
                .unwrap()
                .unwrap(),
            "/p/a\n/p/b"
        );
        assert_eq!(
            ini.get("alembic", "FILE_TEMPLATE", "/p").unwrap().unwrap(),
            "%(rev)s_%(slug)s"
        );
        assert_eq!(ini.get("alembic", "missing", "/p").unwrap(), None);
    }
}

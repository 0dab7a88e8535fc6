//! `AlterField`: the statements `_alter_field` of PostgreSQL's schema
//! editor writes for a change of a plain column (its type, nullability,
//! default, uniqueness, index or check), in Django's order. A relation, a
//! primary key, an identity column or a renamed column is not translated.

use super::editor::Editor;
use super::field::{Default, Field};
use super::names::{index_name, quote};
use crate::dialect::django::operations::{Call, Value};

impl Editor<'_> {
    pub(super) fn alter_field(&mut self, call: &Call) -> Result<(), String> {
        let Some(Value::Str(model_name)) = call.arg(0, "model_name") else {
            return Err("`model_name` is not a string".into());
        };
        let key = format!("{}.{}", self.app, model_name.to_lowercase());
        let Some(Value::Str(name)) = call.arg(1, "name") else {
            return Err("`name` is not a string".into());
        };
        let value = call.arg(2, "field").ok_or("`field` is missing")?;
        let state = &*self.state;
        let mut new = Field::read(name, value, self.app, self.user_model, &|key| {
            state.target(key)
        })?;
        let model = self.state.model(&key)?;
        let (old, mut objects) = model
            .field(name)
            .ok_or_else(|| format!("the model `{key}` has no field `{name}` in its migrations"))?
            .clone();
        if old.target.is_some() || new.target.is_some() {
            return Err("revguard does not translate `AlterField` of a relation".into());
        }
        if old.primary_key || new.primary_key || old.is_auto() || new.is_auto() {
            return Err("revguard does not translate `AlterField` of a primary key".into());
        }
        if old.column != new.column {
            return Err("revguard does not translate `AlterField` that renames the column".into());
        }
        let (table, unmanaged) = (model.table.clone(), model.unmanaged);
        if !unmanaged {
            let mut alter = Alter {
                editor: self,
                table: &table,
                old: &old,
                new: &new,
                objects: &mut objects,
            };
            alter.drops();
            let default_set = alter.alter_column();
            alter.adds(default_set);
        }
        if matches!(call.kwarg("preserve_default"), Some(Value::Bool(false))) {
            new.default = Default::Nothing;
        }
        if let Some(slot) = self.state.model_mut(&key)?.field_mut(name) {
            *slot = (new, objects);
        }
        Ok(())
    }
}

struct Alter<'e, 'a, 'f> {
    editor: &'e mut Editor<'a>,
    table: &'f str,
    old: &'f Field,
    new: &'f Field,
    objects: &'f mut super::state::Objects,
}

impl Alter<'_, '_, '_> {
    fn run(&mut self, sql: String) {
        self.editor.out.push(crate::safety::Emitted {
            sql,
            span: Some(self.editor.span),
        });
    }

    fn column(&self) -> String {
        quote(&self.new.column)
    }

    fn table(&self) -> String {
        quote(self.table)
    }

    /// What is dropped first: the unique constraint, the index, the check.
    fn drops(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.unique
            && !new.unique
            && let Some(unique) = self.objects.unique.take()
        {
            let sql = format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                self.table(),
                quote(&unique)
            );
            self.run(sql);
        }
        if old.db_index && !old.unique && (!new.db_index || new.unique) {
            // Django finds the column's b-tree indexes in the database:
            // the plain one and the pattern-ops one.
            for index in [self.objects.index.take(), self.objects.like.take()]
                .into_iter()
                .flatten()
            {
                self.run(format!("DROP INDEX IF EXISTS {}", quote(&index)));
            }
        }
        if old.check != new.check
            && let Some(check) = self.objects.check.take()
        {
            let sql = format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                self.table(),
                quote(&check)
            );
            self.run(sql);
        }
    }

    /// Whether the text column's pattern-ops index goes with a new type.
    fn changing_indexed_text(&self) -> bool {
        let (old, new) = (&self.old.db_type, &self.new.db_type);
        (self.old.db_index || self.old.unique)
            && ["varchar", "text"]
                .iter()
                .any(|t| old.starts_with(t) && !new.starts_with(t))
    }

    /// The type, default and null changes; whether a default was set to
    /// fill the column (dropped again at the end).
    fn alter_column(&mut self) -> bool {
        let (old, new) = (self.old, self.new);
        let column = self.column();
        let mut actions = Vec::new();
        if old.db_type != new.db_type {
            if self.changing_indexed_text() {
                let like = index_name(self.table, &[&old.column], "_like");
                self.objects.like = None;
                self.run(format!("DROP INDEX IF EXISTS {}", quote(&like)));
            }
            let using = match data_type(old) == data_type(new) {
                true => String::new(),
                false => format!(" USING {column}::{}", new.db_type),
            };
            actions.push(format!("ALTER COLUMN {column} TYPE {}{using}", new.db_type));
        }
        let new_default = new.effective_default();
        let mut default_set = false;
        // Django compares the two defaults' values: a callable's (or
        // `auto_now`'s) are computed anew each time, and a JSON value is an
        // adapter object compared by identity, so those always differ.
        let fresh = |f: &Field| {
            matches!(f.default, Default::Callable(_))
                || (f.auto_now && !f.has_default())
                || (f.kind == "JSONField" && f.has_default())
        };
        let differs = old.effective_default() != new_default || fresh(old) || fresh(new);
        if old.null
            && !new.null
            && differs
            && let Some(default) = &new_default
        {
            default_set = true;
            actions.push(format!("ALTER COLUMN {column} SET DEFAULT {default}"));
        }
        let null = (old.null != new.null).then(|| match new.null {
            true => format!("ALTER COLUMN {column} DROP NOT NULL"),
            false => format!("ALTER COLUMN {column} SET NOT NULL"),
        });
        let four_way = new.has_default() && old.null && !new.null;
        if !four_way {
            actions.extend(null.clone());
        }
        if !actions.is_empty() {
            self.run(format!(
                "ALTER TABLE {} {}",
                self.table(),
                actions.join(", ")
            ));
        }
        if four_way && let Some(null) = null {
            let default = new_default.unwrap_or_else(|| "NULL".into());
            let table = self.table();
            self.run(format!(
                "UPDATE {table} SET {column} = {default} WHERE {column} IS NULL; SET CONSTRAINTS ALL IMMEDIATE"
            ));
            self.run(format!("ALTER TABLE {table} {null}"));
        }
        default_set
    }

    /// What is added last: the unique constraint, the index, the check,
    /// the default dropped, the pattern-ops index.
    fn adds(&mut self, default_set: bool) {
        let (old, new) = (self.old, self.new);
        let (table, column) = (self.table(), self.column());
        if !old.unique && new.unique {
            let name = index_name(self.table, &[&new.column], "_uniq");
            self.run(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} UNIQUE ({column})",
                quote(&name)
            ));
            self.objects.unique = Some(name);
        }
        if (!old.db_index || old.unique) && new.db_index && !new.unique {
            let name = index_name(self.table, &[&new.column], "");
            self.run(format!(
                "CREATE INDEX {} ON {table} ({column})",
                quote(&name)
            ));
            self.objects.index = Some(name);
        }
        if old.check != new.check
            && let Some(check) = &new.check
        {
            let name = index_name(self.table, &[&new.column], "_check");
            self.run(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} CHECK ({check})",
                quote(&name)
            ));
            self.objects.check = Some(name);
        }
        if default_set {
            self.run(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
            ));
        }
        let like_wanted = (!(old.db_index || old.unique) && new.db_index)
            || (!old.unique && new.unique)
            || self.changing_indexed_text();
        if like_wanted && let Some(opclass) = new.like_opclass() {
            let name = index_name(self.table, &[&new.column], "_like");
            self.run(format!(
                "CREATE INDEX {} ON {table} ({column} {opclass})",
                quote(&name)
            ));
            self.objects.like = Some(name);
        }
        if old.unique && !(new.db_index || new.unique) {
            let like = index_name(self.table, &[&old.column], "_like");
            self.objects.like = None;
            self.run(format!("DROP INDEX IF EXISTS {}", quote(&like)));
        }
    }
}

/// `_field_data_type`: the entry of `data_types` for the field's internal
/// type, before its parameters are filled in. A `USING` cast is written
/// when it differs.
fn data_type(field: &Field) -> String {
    match field.kind.as_str() {
        "CharField" | "EmailField" | "URLField" => "<varchar column>".into(),
        "DecimalField" => "<decimal column>".into(),
        "SlugField" | "FileField" | "ImageField" | "FilePathField" => {
            "varchar(%(max_length)s)".into()
        }
        _ => field.db_type.clone(),
    }
}

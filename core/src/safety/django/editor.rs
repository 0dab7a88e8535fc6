//! Django's operations → the SQL PostgreSQL's schema editor writes for
//! them (`sqlmigrate`), statement by statement, with the deferred
//! statements (foreign keys and indexes of new tables and columns) kept for
//! the end of the migration, as `BaseDatabaseSchemaEditor.__exit__` runs
//! them.

use super::field::{Field, Target};
use super::names::{index_name, quote};
use super::state::{Model, Objects, State, inline_objects};
use crate::dialect::django::operations::{Call, Value};
use crate::safety::Emitted;
use crate::text::Span;

/// One migration's statements as the schema editor collects them.
pub(super) struct Editor<'s> {
    pub state: &'s mut State,
    pub app: &'s str,
    pub user_model: &'s str,
    /// The operation being translated.
    pub span: Span,
    pub out: Vec<Emitted>,
    pub deferred: Vec<Deferred>,
}

/// A statement the schema editor runs when the migration ends. Kept as
/// what it creates, not as text: a later operation of the same migration
/// renames its column (and so its generated name) or drops it with the
/// column or table, as Django's `Statement` references do.
#[derive(Debug, Clone)]
pub(super) struct Deferred {
    /// The operation it comes from.
    pub span: Span,
    pub table: String,
    pub what: Later,
}

#[derive(Debug, Clone)]
pub(super) enum Later {
    /// A field's index (`_like` with an operator class).
    Index {
        column: String,
        opclass: Option<&'static str>,
    },
    /// A new table's foreign key.
    Fk { column: String, target: Target },
    /// A model's index, as written.
    Sql { sql: String, columns: Vec<String> },
}

impl Deferred {
    /// The statement, as it is when the migration ends.
    pub fn emitted(&self) -> Emitted {
        let table = &self.table;
        let sql = match &self.what {
            Later::Index { column, opclass } => {
                let suffix = if opclass.is_some() { "_like" } else { "" };
                let opclass = opclass.map(|o| format!(" {o}")).unwrap_or_default();
                format!(
                    "CREATE INDEX {} ON {} ({}{opclass})",
                    quote(&index_name(table, &[column], suffix)),
                    quote(table),
                    quote(column)
                )
            }
            Later::Fk { column, target } => fk_sql(table, column, target),
            Later::Sql { sql, .. } => sql.clone(),
        };
        Emitted {
            sql,
            span: Some(self.span),
        }
    }

    fn references(&self, table: &str, column: &str) -> bool {
        self.table == table
            && match &self.what {
                Later::Index { column: c, .. } | Later::Fk { column: c, .. } => c == column,
                Later::Sql { columns, .. } => columns.iter().any(|c| c == column),
            }
    }
}

type Done = Result<(), String>;

impl Editor<'_> {
    fn run(&mut self, sql: String) {
        self.out.push(Emitted {
            sql,
            span: Some(self.span),
        });
    }

    fn defer(&mut self, table: &str, what: Later) {
        self.deferred.push(Deferred {
            span: self.span,
            table: table.to_owned(),
            what,
        });
    }

    /// `_field_indexes_sql`, deferred.
    fn defer_field_indexes(&mut self, table: &str, field: &Field) {
        if field.db_index && !field.unique {
            let column = field.column.clone();
            self.defer(
                table,
                Later::Index {
                    column,
                    opclass: None,
                },
            );
        }
        if let Some(opclass) = field.like_opclass() {
            let column = field.column.clone();
            let opclass = Some(opclass);
            self.defer(table, Later::Index { column, opclass });
        }
    }

    fn key(&self, call: &Call, index: usize, name: &str) -> Result<String, String> {
        match call.arg(index, name) {
            Some(Value::Str(model)) => Ok(format!("{}.{}", self.app, model.to_lowercase())),
            _ => Err(format!("`{name}` is not a string")),
        }
    }

    fn read_field(&self, name: &str, value: &Value) -> Result<Field, String> {
        let state = &*self.state;
        Field::read(name, value, self.app, self.user_model, &|key| {
            state.target(key)
        })
    }

    /// Translate one operation; `Err` says why it was not checked (the
    /// state of what it touches is then unknown from here on).
    pub fn operation(&mut self, call: &Call) -> Done {
        match call.name() {
            "CreateModel" => self.create_model(call),
            "DeleteModel" => self.delete_model(call),
            "RenameModel" => self.rename_model(call),
            "AlterModelTable" => self.alter_model_table(call),
            "AddField" => self.add_field(call),
            "RemoveField" => self.remove_field(call),
            "AlterField" => self.alter_field(call),
            "RenameField" => self.rename_field(call),
            "AddIndex" | "AddIndexConcurrently" => self.add_index(call),
            "RemoveIndex" | "RemoveIndexConcurrently" => self.remove_index(call),
            "RenameIndex" => self.rename_index(call),
            "AddConstraint" => self.add_constraint(call),
            "RemoveConstraint" => self.remove_constraint(call),
            "RunSQL" => self.run_sql(call),
            // No SQL: Python code, and options the database never sees.
            "RunPython" | "AlterModelOptions" | "AlterModelManagers" => Ok(()),
            other => Err(format!("revguard does not translate `{other}`")),
        }
    }

    fn create_model(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "name")?;
        let options = match call.arg(2, "options") {
            None => &[][..],
            Some(Value::Dict(items)) => items.as_slice(),
            Some(_) => return Err("`options` is not a dict literal".into()),
        };
        let option = |name: &str| {
            options
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if s == name))
                .map(|(_, v)| v)
        };
        for refused in [
            "unique_together",
            "index_together",
            "db_tablespace",
            "db_table_comment",
        ] {
            if option(refused).is_some() {
                return Err(format!(
                    "revguard does not translate the option `{refused}`"
                ));
            }
        }
        if let Some(Value::List(bases)) = call.arg(3, "bases")
            && bases.iter().any(|b| !matches!(b, Value::Name(_)))
        {
            return Err("the model inherits from another model (multi-table inheritance)".into());
        }
        let (table, explicit_table) = match option("db_table") {
            Some(Value::Str(table)) => (table.clone(), true),
            Some(_) => return Err("`db_table` is not a string".into()),
            None => (key.replace('.', "_"), false),
        };
        let unmanaged = matches!(option("managed"), Some(Value::Bool(false)))
            || matches!(option("proxy"), Some(Value::Bool(true)));
        let mut model = Model {
            table,
            fields: Vec::new(),
            unmanaged,
            explicit_table,
        };
        self.create_fields(call, &key, &mut model)?;
        for (field, objects) in &mut model.fields {
            let fk = field
                .target
                .as_ref()
                .filter(|_| field.db_constraint)
                .map(|target| fk_name(&model.table, &field.column, target));
            *objects = inline_objects(&model.table, field, fk);
        }
        let constraints = self.meta_list(option("constraints"))?;
        let indexes = self.meta_list(option("indexes"))?;
        if !model.unmanaged {
            self.create_table(&model, &constraints, &indexes)?;
        }
        self.state.models.insert(key, model);
        Ok(())
    }

    /// The fields of `CreateModel`, the primary key first so a relation of
    /// the model to itself resolves.
    fn create_fields(&mut self, call: &Call, key: &str, model: &mut Model) -> Done {
        let Some(Value::List(fields)) = call.arg(1, "fields") else {
            return Err("`fields` is not a list literal".into());
        };
        let mut pairs = Vec::new();
        for pair in fields {
            match pair {
                Value::List(p) if matches!(p.as_slice(), [Value::Str(_), _]) => {
                    let Value::Str(name) = &p[0] else { continue };
                    pairs.push((name.clone(), p[1].clone()));
                }
                _ => return Err("a field is not a `(name, field)` literal".into()),
            }
        }
        self.state.models.insert(key.to_owned(), model.clone());
        let mut read = Vec::new();
        for relations in [false, true] {
            for (name, value) in &pairs {
                if is_relation(value) != relations {
                    continue;
                }
                let field = self.read_field(name, value)?;
                if let Some(m) = self.state.models.get_mut(key) {
                    m.fields.push((field.clone(), Objects::default()));
                }
                read.push(field);
            }
        }
        self.state.models.remove(key);
        // Back in the written order.
        for (name, _) in &pairs {
            if let Some(field) = read.iter().find(|f| &f.name == name) {
                model.fields.push((field.clone(), Objects::default()));
            }
        }
        Ok(())
    }

    fn meta_list(&self, value: Option<&Value>) -> Result<Vec<Call>, String> {
        match value {
            None => Ok(Vec::new()),
            Some(Value::List(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Call(call) => Ok((**call).clone()),
                    _ => Err("an index or constraint is not a literal call".into()),
                })
                .collect(),
            Some(_) => Err("`indexes` or `constraints` is not a list literal".into()),
        }
    }

    /// `create_model`: the table, then (deferred) foreign keys, the fields'
    /// indexes and the model's indexes.
    fn create_table(&mut self, model: &Model, constraints: &[Call], indexes: &[Call]) -> Done {
        let mut definitions = Vec::new();
        let mut fks = Vec::new();
        for (field, _) in &model.fields {
            let mut definition = format!("{} {}", quote(&field.column), field.db_type);
            definition.push_str(if field.null { " NULL" } else { " NOT NULL" });
            if field.primary_key {
                definition.push_str(" PRIMARY KEY");
            } else if field.unique {
                definition.push_str(" UNIQUE");
            }
            if let Some(check) = &field.check {
                definition.push_str(&format!(" CHECK ({check})"));
            }
            if field.is_auto() {
                definition.push_str(" GENERATED BY DEFAULT AS IDENTITY");
            }
            definitions.push(definition);
            if let Some(target) = field.target.as_ref().filter(|_| field.db_constraint) {
                let column = field.column.clone();
                let target = target.clone();
                fks.push(Later::Fk { column, target });
            }
        }
        for constraint in constraints {
            let (name, columns) = unique_constraint(model, constraint)?;
            definitions.push(format!("CONSTRAINT {} UNIQUE ({columns})", quote(&name)));
        }
        self.run(format!(
            "CREATE TABLE {} ({})",
            quote(&model.table),
            definitions.join(", ")
        ));
        for fk in fks {
            self.defer(&model.table, fk);
        }
        for (field, _) in &model.fields {
            self.defer_field_indexes(&model.table, field);
        }
        for index in indexes {
            let (sql, columns) = index_sql(model, index, false)?;
            self.defer(&model.table, Later::Sql { sql, columns });
        }
        Ok(())
    }

    fn delete_model(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "name")?;
        let model = self.state.model(&key)?.clone();
        if !model.unmanaged {
            self.run(format!("DROP TABLE {} CASCADE", quote(&model.table)));
        }
        self.deferred.retain(|d| {
            d.table != model.table
                && !matches!(&d.what, Later::Fk { target, .. } if target.table == model.table)
        });
        self.state.models.remove(&key);
        Ok(())
    }

    fn rename_model(&mut self, call: &Call) -> Done {
        let old = self.key(call, 0, "old_name")?;
        let new = self.key(call, 1, "new_name")?;
        if self.state.referenced(&old) {
            return Err("other models refer to it (Django alters their foreign keys too)".into());
        }
        let mut model = self.state.model(&old)?.clone();
        if !model.explicit_table {
            let table = new.replace('.', "_");
            if !model.unmanaged && table != model.table {
                self.run(format!(
                    "ALTER TABLE {} RENAME TO {}",
                    quote(&model.table),
                    quote(&table)
                ));
            }
            model.table = table;
        }
        self.state.models.remove(&old);
        self.state.models.insert(new, model);
        Ok(())
    }

    fn alter_model_table(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "name")?;
        let table = match call.arg(1, "table") {
            Some(Value::Str(table)) => table.clone(),
            Some(Value::None) => key.replace('.', "_"),
            _ => return Err("`table` is not a string".into()),
        };
        if self.state.referenced(&key) {
            return Err("other models refer to it (Django alters their foreign keys too)".into());
        }
        let model = self.state.model_mut(&key)?;
        let old = std::mem::replace(&mut model.table, table.clone());
        model.explicit_table = true;
        let unmanaged = model.unmanaged;
        if !unmanaged && old != table {
            self.run(format!(
                "ALTER TABLE {} RENAME TO {}",
                quote(&old),
                quote(&table)
            ));
        }
        Ok(())
    }

    fn add_index(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let Some(Value::Call(index)) = call.arg(1, "index") else {
            return Err("`index` is not a literal call".into());
        };
        let model = self.state.model(&key)?;
        if !model.unmanaged {
            let (sql, _) = index_sql(model, index, call.name() == "AddIndexConcurrently")?;
            self.run(sql);
        }
        Ok(())
    }

    fn remove_index(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let Some(Value::Str(name)) = call.arg(1, "name") else {
            return Err("`name` is not a string".into());
        };
        if !self.state.model(&key)?.unmanaged {
            let concurrently = match call.name() {
                "RemoveIndexConcurrently" => "CONCURRENTLY ",
                _ => "",
            };
            self.run(format!(
                "DROP INDEX {concurrently}IF EXISTS {}",
                quote(name)
            ));
        }
        Ok(())
    }

    fn rename_index(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let (Some(Value::Str(new)), Some(Value::Str(old))) =
            (call.arg(1, "new_name"), call.kwarg("old_name"))
        else {
            return Err("only `RenameIndex(old_name=...)` with string names is translated".into());
        };
        if !self.state.model(&key)?.unmanaged {
            self.run(format!(
                "ALTER INDEX {} RENAME TO {}",
                quote(old),
                quote(new)
            ));
        }
        Ok(())
    }

    fn add_constraint(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let Some(Value::Call(constraint)) = call.arg(1, "constraint") else {
            return Err("`constraint` is not a literal call".into());
        };
        let model = self.state.model(&key)?;
        let (name, columns) = unique_constraint(model, constraint)?;
        let deferrable = match constraint.kwarg("deferrable") {
            None | Some(Value::None) => "",
            Some(Value::Name(d)) if d.ends_with("Deferrable.DEFERRED") => {
                " DEFERRABLE INITIALLY DEFERRED"
            }
            Some(Value::Name(d)) if d.ends_with("Deferrable.IMMEDIATE") => {
                " DEFERRABLE INITIALLY IMMEDIATE"
            }
            Some(_) => return Err("`deferrable` is not a `Deferrable` member".into()),
        };
        if !model.unmanaged {
            let table = quote(&model.table);
            self.run(format!(
                "ALTER TABLE {table} ADD CONSTRAINT {} UNIQUE ({columns}){deferrable}",
                quote(&name)
            ));
        }
        Ok(())
    }

    fn remove_constraint(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let Some(Value::Str(name)) = call.arg(1, "name") else {
            return Err("`name` is not a string".into());
        };
        let model = self.state.model(&key)?;
        if !model.unmanaged {
            let sql = format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                quote(&model.table),
                quote(name)
            );
            self.run(sql);
        }
        Ok(())
    }

    fn run_sql(&mut self, call: &Call) -> Done {
        if call.kwarg("state_operations").is_some() {
            return Err("revguard does not model `state_operations`".into());
        }
        let statements = match call.arg(0, "sql") {
            Some(Value::Str(sql)) => vec![sql.clone()],
            Some(Value::List(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Str(sql) => Ok(sql.clone()),
                    _ => Err("an item of `sql` is not a string (parameters are not translated)"),
                })
                .collect::<Result<_, _>>()?,
            Some(Value::Name(name)) if name.ends_with("RunSQL.noop") => Vec::new(),
            _ => return Err("`sql` is not a string literal".into()),
        };
        for sql in statements {
            let sql = sql.trim().trim_end_matches(';').to_owned();
            if !sql.is_empty() {
                self.run(sql);
            }
        }
        Ok(())
    }
}

impl Editor<'_> {
    fn add_field(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let Some(Value::Str(name)) = call.arg(1, "name") else {
            return Err("`name` is not a string".into());
        };
        let value = call.arg(2, "field").ok_or("`field` is missing")?;
        let mut field = self.read_field(name, value)?;
        let model = self.state.model(&key)?;
        let table = model.table.clone();
        let unmanaged = model.unmanaged;
        let mut fk = None;
        if !unmanaged {
            fk = self.add_column(&table, &field);
            self.defer_field_indexes(&table, &field);
        }
        let objects = inline_objects(&table, &field, fk);
        if matches!(call.kwarg("preserve_default"), Some(Value::Bool(false))) {
            field.default = super::field::Default::Nothing;
        }
        self.state.model_mut(&key)?.fields.push((field, objects));
        Ok(())
    }

    /// `add_field`'s `ALTER TABLE ... ADD COLUMN` (with its inline foreign
    /// key) and the `DROP DEFAULT` after it; the foreign key's name.
    fn add_column(&mut self, table: &str, field: &Field) -> Option<String> {
        let mut definition = field.db_type.clone();
        let default = field.effective_default();
        if let Some(default) = &default {
            definition.push_str(&format!(" DEFAULT {default}"));
        }
        definition.push_str(if field.null { " NULL" } else { " NOT NULL" });
        if field.primary_key {
            definition.push_str(" PRIMARY KEY");
        } else if field.unique {
            definition.push_str(" UNIQUE");
        }
        if field.is_auto() {
            definition.push_str(" GENERATED BY DEFAULT AS IDENTITY");
        }
        if let Some(check) = &field.check {
            definition.push_str(&format!(" CHECK ({check})"));
        }
        let mut fk = None;
        if let Some(target) = field.target.as_ref().filter(|_| field.db_constraint) {
            let name = fk_name(table, &field.column, target);
            definition.push_str(&format!(
                " CONSTRAINT {name} REFERENCES {}({}) DEFERRABLE INITIALLY DEFERRED; SET CONSTRAINTS {name} IMMEDIATE",
                quote(&target.table),
                quote(&target.column),
                name = quote(&name),
            ));
            fk = Some(name);
        }
        self.run(format!(
            "ALTER TABLE {} ADD COLUMN {} {definition}",
            quote(table),
            quote(&field.column)
        ));
        if default.is_some() {
            self.run(format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                quote(table),
                quote(&field.column)
            ));
        }
        fk
    }

    fn remove_field(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let Some(Value::Str(name)) = call.arg(1, "name") else {
            return Err("`name` is not a string".into());
        };
        let model = self.state.model(&key)?;
        let (field, objects) = model
            .field(name)
            .ok_or_else(|| format!("the model `{key}` has no field `{name}` in its migrations"))?
            .clone();
        let (table, unmanaged) = (model.table.clone(), model.unmanaged);
        if !unmanaged {
            if let Some(fk) = &objects.fk {
                self.drop_fk(&table, fk);
            }
            self.run(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                quote(&table),
                quote(&field.column)
            ));
        }
        self.deferred
            .retain(|d| !d.references(&table, &field.column));
        self.state
            .model_mut(&key)?
            .fields
            .retain(|(f, _)| f.name != *name);
        Ok(())
    }

    fn drop_fk(&mut self, table: &str, name: &str) {
        self.run(format!("SET CONSTRAINTS {} IMMEDIATE", quote(name)));
        self.run(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote(table),
            quote(name)
        ));
    }

    fn rename_field(&mut self, call: &Call) -> Done {
        let key = self.key(call, 0, "model_name")?;
        let (Some(Value::Str(old)), Some(Value::Str(new))) =
            (call.arg(1, "old_name"), call.arg(2, "new_name"))
        else {
            return Err("`old_name` or `new_name` is not a string".into());
        };
        let model = self.state.model(&key)?;
        let (mut field, mut objects) = model
            .field(old)
            .ok_or_else(|| format!("the model `{key}` has no field `{old}` in its migrations"))?
            .clone();
        let (table, unmanaged) = (model.table.clone(), model.unmanaged);
        let renamed_column = field.column == *old || field.column == format!("{old}_id");
        let column = match (&field.target, renamed_column) {
            (_, false) => field.column.clone(),
            (Some(_), true) => format!("{new}_id"),
            (None, true) => new.clone(),
        };
        if !unmanaged && column != field.column {
            if let Some(fk) = objects.fk.take() {
                self.drop_fk(&table, &fk);
            }
            self.run(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                quote(&table),
                quote(&field.column),
                quote(&column)
            ));
            for deferred in &mut self.deferred {
                if deferred.references(&table, &field.column) {
                    match &mut deferred.what {
                        Later::Index { column: c, .. } | Later::Fk { column: c, .. } => {
                            *c = column.clone();
                        }
                        Later::Sql { .. } => {}
                    }
                }
            }
            field.column = column;
            if let Some(target) = field.target.as_ref().filter(|_| field.db_constraint) {
                self.run(fk_sql(&table, &field.column, target));
                objects.fk = Some(fk_name(&table, &field.column, target));
            }
        }
        field.name = new.clone();
        let model = self.state.model_mut(&key)?;
        if let Some(slot) = model.field_mut(old) {
            *slot = (field, objects);
        }
        Ok(())
    }
}

fn is_relation(value: &Value) -> bool {
    matches!(value, Value::Call(c) if matches!(c.name(), "ForeignKey" | "OneToOneField"))
}

/// The name `_fk_constraint_name` gives a column's foreign key.
pub(super) fn fk_name(table: &str, column: &str, target: &Target) -> String {
    let suffix = format!("_fk_{}_{}", target.table, target.column);
    index_name(table, &[column], &suffix)
}

/// `_create_fk_sql`: a foreign key added to an existing column.
pub(super) fn fk_sql(table: &str, column: &str, target: &Target) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED",
        quote(table),
        quote(&fk_name(table, column, target)),
        quote(column),
        quote(&target.table),
        quote(&target.column)
    )
}

/// The index classes of `django.contrib.postgres.indexes` and their
/// access methods.
const METHODS: &[(&str, &str)] = &[
    ("Index", ""),
    ("BTreeIndex", " USING btree"),
    ("GinIndex", " USING gin"),
    ("GistIndex", " USING gist"),
    ("HashIndex", " USING hash"),
    ("BrinIndex", " USING brin"),
    ("SpGistIndex", " USING spgist"),
];

/// `Index.create_sql`, and the columns it covers.
fn index_sql(
    model: &Model,
    index: &Call,
    concurrently: bool,
) -> Result<(String, Vec<String>), String> {
    let using = METHODS
        .iter()
        .find(|(class, _)| *class == index.name())
        .map(|(_, using)| *using)
        .ok_or_else(|| format!("revguard does not translate `{}`", index.func))?;
    if let Some((key, _)) = index
        .kwargs
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "fields" | "name" | "opclasses"))
    {
        return Err(format!("revguard does not translate `{key}=` of an index"));
    }
    if !index.args.is_empty() {
        return Err("revguard does not translate expression indexes".into());
    }
    let Some(Value::Str(name)) = index.kwarg("name") else {
        return Err("the index has no literal `name`".into());
    };
    let fields = strings(index.kwarg("fields"), "fields")?;
    let opclasses = match index.kwarg("opclasses") {
        None => Vec::new(),
        value => strings(value, "opclasses")?,
    };
    let mut columns = Vec::new();
    let mut covered = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let (field, order) = match field.strip_prefix('-') {
            Some(field) => (field, " DESC"),
            None => (field.as_str(), ""),
        };
        let column = column_of(model, field)?;
        let opclass = opclasses
            .get(i)
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        columns.push(format!("{}{opclass}{order}", quote(&column)));
        covered.push(column);
    }
    let concurrently = if concurrently { "CONCURRENTLY " } else { "" };
    let sql = format!(
        "CREATE INDEX {concurrently}{} ON {}{using} ({})",
        quote(name),
        quote(&model.table),
        columns.join(", ")
    );
    Ok((sql, covered))
}

/// A `UniqueConstraint` on plain fields: its name and quoted columns.
fn unique_constraint(model: &Model, constraint: &Call) -> Result<(String, String), String> {
    if constraint.name() != "UniqueConstraint" {
        return Err(format!("revguard does not translate `{}`", constraint.func));
    }
    if let Some((key, _)) = constraint.kwargs.iter().find(|(k, _)| {
        !matches!(
            k.as_str(),
            "fields" | "name" | "deferrable" | "violation_error_message"
        )
    }) {
        return Err(format!(
            "revguard does not translate `{key}=` of a unique constraint"
        ));
    }
    let Some(Value::Str(name)) = constraint.kwarg("name") else {
        return Err("the constraint has no literal `name`".into());
    };
    let columns = strings(constraint.kwarg("fields"), "fields")?
        .iter()
        .map(|f| column_of(model, f).map(|c| quote(&c)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((name.clone(), columns.join(", ")))
}

fn strings(value: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    match value {
        Some(Value::List(items)) => items
            .iter()
            .map(|item| match item {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(format!("`{what}` holds something that is not a string")),
            })
            .collect(),
        _ => Err(format!("`{what}` is not a list of strings")),
    }
}

fn column_of(model: &Model, field: &str) -> Result<String, String> {
    model
        .field(field)
        .map(|(f, _)| f.column.clone())
        .ok_or_else(|| format!("the model has no field `{field}` in its migrations"))
}

//! Alembic `op.*` calls with literal arguments → the PostgreSQL DDL that
//! Alembic's offline mode (`alembic upgrade --sql`) emits for them, as
//! SQLAlchemy's PostgreSQL dialect compiles it.
//!
//! Works on [`Lit`], the literal values of a call's arguments; anything the
//! renderer does not know is an `Err` with the reason, and the call is
//! reported as not checked: revguard never guesses.

/// A literal Python value in a call's arguments.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    List(Vec<Lit>),
    /// A bare dotted name (`sa.Integer`): its last part.
    Name(String),
    /// A call of a dotted name (`sa.String(50)`): its last part, arguments.
    Call(String, Args),
}

/// Positional and keyword arguments.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Args {
    pub pos: Vec<Lit>,
    pub kw: Vec<(String, Lit)>,
}

type Out = Result<Vec<String>, String>;

impl Args {
    /// The argument at `index` or named `name`.
    pub fn get(&self, index: usize, name: &str) -> Option<&Lit> {
        self.kw
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .or_else(|| self.pos.get(index))
    }

    fn kw(&self, name: &str) -> Option<&Lit> {
        self.get(usize::MAX, name)
    }

    fn flag(&self, name: &str) -> Result<bool, String> {
        match self.kw(name) {
            None | Some(Lit::None) => Ok(false),
            Some(Lit::Bool(b)) => Ok(*b),
            Some(_) => Err(format!("`{name}` is not True or False")),
        }
    }

    fn name(&self, index: usize, name: &str) -> Result<String, String> {
        match self.get(index, name) {
            Some(Lit::Name(variable)) => Err(format!(
                "`{name}` is the variable `{variable}`, not a literal"
            )),
            Some(lit) => text(lit).ok_or_else(|| format!("`{name}` is not a string")),
            None => Err(format!("`{name}` is missing")),
        }
    }

    fn opt_name(&self, index: usize, name: &str) -> Result<Option<String>, String> {
        match self.get(index, name) {
            None | Some(Lit::None) => Ok(None),
            Some(Lit::Name(variable)) => Err(format!(
                "`{name}` is the variable `{variable}`, not a literal"
            )),
            Some(lit) => text(lit)
                .map(Some)
                .ok_or_else(|| format!("`{name}` is not a string")),
        }
    }

    fn names(&self, index: usize, name: &str) -> Result<Vec<String>, String> {
        match self.get(index, name) {
            Some(Lit::List(items)) => items
                .iter()
                .map(|i| text(i).ok_or_else(|| format!("`{name}` holds a non-string")))
                .collect(),
            _ => Err(format!("`{name}` is not a list of names")),
        }
    }

    /// Keyword arguments no translation reads and that change the SQL.
    fn refuse(&self, known: &[&str]) -> Result<(), String> {
        match self.kw.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            Some((k, _)) => Err(format!("revguard does not translate `{k}=`")),
            None => Ok(()),
        }
    }
}

/// A string, or `op.f("name")` (a name Alembic leaves as given).
fn text(lit: &Lit) -> Option<String> {
    match lit {
        Lit::Str(s) => Some(s.clone()),
        Lit::Call(f, a) if f == "f" || f == "quoted_name" => a.pos.first().and_then(text),
        _ => None,
    }
}

/// SQL text: a string or `sa.text("...")`.
fn sql_text(lit: &Lit) -> Option<String> {
    match lit {
        Lit::Str(s) => Some(s.clone()),
        Lit::Call(f, a) if f == "text" => a.pos.first().and_then(text),
        _ => None,
    }
}

/// PostgreSQL's reserved words, which SQLAlchemy quotes.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// An identifier as SQLAlchemy writes it: quoted when it is not a plain
/// lowercase name or is reserved.
pub(super) fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !RESERVED.contains(&name) {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", ident(schema), ident(name)),
        None => ident(name),
    }
}

fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `'text'` as a SQL string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A column type as the PostgreSQL dialect compiles it.
pub(super) fn column_type(lit: &Lit) -> Result<String, String> {
    let (name, args) = match lit {
        Lit::Name(n) => (n.as_str(), Args::default()),
        Lit::Call(n, a) => (n.as_str(), a.clone()),
        _ => return Err("the column type is not a literal type".into()),
    };
    let int = |i: usize, k: &str| match args.get(i, k) {
        Some(Lit::Int(n)) => Ok(Some(*n)),
        None | Some(Lit::None) => Ok(None),
        Some(_) => Err(format!("`{name}({k}=...)` is not an integer")),
    };
    let sized = |sql: &str| -> Result<String, String> {
        Ok(match int(0, "length")? {
            Some(n) => format!("{sql}({n})"),
            None => sql.to_owned(),
        })
    };
    let zone = |default: bool| match args.get(0, "timezone") {
        Some(Lit::Bool(tz)) => Ok(*tz),
        None => Ok(default),
        Some(_) => Err("`timezone` is not True or False".to_owned()),
    };
    let with_zone = |tz: bool| if tz { "WITH" } else { "WITHOUT" };
    Ok(match name {
        "Integer" | "INTEGER" | "INT" => "INTEGER".into(),
        "BigInteger" | "BIGINT" => "BIGINT".into(),
        "SmallInteger" | "SMALLINT" => "SMALLINT".into(),
        "String" | "Unicode" | "VARCHAR" | "NVARCHAR" => sized("VARCHAR")?,
        "CHAR" | "NCHAR" => sized("CHAR")?,
        "Text" | "UnicodeText" | "TEXT" => "TEXT".into(),
        "Boolean" | "BOOLEAN" => "BOOLEAN".into(),
        "DateTime" => format!("TIMESTAMP {} TIME ZONE", with_zone(zone(false)?)),
        "TIMESTAMP" => format!("TIMESTAMP {} TIME ZONE", with_zone(zone(false)?)),
        "Time" | "TIME" => format!("TIME {} TIME ZONE", with_zone(zone(false)?)),
        "Date" | "DATE" => "DATE".into(),
        "Numeric" | "NUMERIC" | "DECIMAL" => {
            let base = if name == "DECIMAL" {
                "DECIMAL"
            } else {
                "NUMERIC"
            };
            match (int(0, "precision")?, int(1, "scale")?) {
                (Some(p), Some(s)) => format!("{base}({p}, {s})"),
                (Some(p), None) => format!("{base}({p})"),
                _ => base.into(),
            }
        }
        "Float" | "FLOAT" => match int(0, "precision")? {
            Some(p) => format!("FLOAT({p})"),
            None => "FLOAT".into(),
        },
        "JSON" => "JSON".into(),
        "JSONB" => "JSONB".into(),
        "Uuid" | "UUID" => "UUID".into(),
        "LargeBinary" | "BYTEA" => "BYTEA".into(),
        "Interval" | "INTERVAL" => "INTERVAL".into(),
        "INET" => "INET".into(),
        other => return Err(format!("revguard does not translate the type `{other}`")),
    })
}

/// A `server_default` as the dialect writes it.
fn server_default(lit: &Lit) -> Result<String, String> {
    match lit {
        Lit::Str(s) => Ok(quote(s)),
        Lit::Call(f, a) if f == "text" => a
            .pos
            .first()
            .and_then(text)
            .ok_or_else(|| "`server_default` is not a literal".to_owned()),
        _ => Err("`server_default` is not a string or `sa.text(...)`".into()),
    }
}

/// A `sa.Column(...)`, read.
pub(super) struct Column {
    pub name: String,
    pub type_sql: String,
    integer: Option<&'static str>,
    pub nullable: bool,
    pub primary_key: bool,
    autoincrement: Option<bool>,
    default: Option<String>,
    pub unique: bool,
    pub index: bool,
    pub foreign_keys: Vec<String>,
}

impl Column {
    pub fn read(lit: &Lit) -> Result<Column, String> {
        let Lit::Call(f, args) = lit else {
            return Err("the column is not a literal `sa.Column(...)`".into());
        };
        if f != "Column" {
            return Err("the column is not a literal `sa.Column(...)`".into());
        }
        args.refuse(&[
            "nullable",
            "primary_key",
            "server_default",
            "autoincrement",
            "unique",
            "index",
            "comment",
            "default",
            "doc",
            "info",
            "key",
            "quote",
            "onupdate",
            "name",
            "type_",
        ])?;
        let name = args.name(0, "name")?;
        let type_lit = args
            .get(1, "type_")
            .ok_or("the column has no type")?
            .clone();
        let type_sql = column_type(&type_lit)?;
        let integer = match type_sql.as_str() {
            "INTEGER" => Some("SERIAL"),
            "BIGINT" => Some("BIGSERIAL"),
            "SMALLINT" => Some("SMALLSERIAL"),
            _ => None,
        };
        let primary_key = args.flag("primary_key")?;
        let nullable = match args.kw("nullable") {
            None => !primary_key,
            Some(Lit::Bool(b)) => *b && !primary_key,
            Some(_) => return Err("`nullable` is not True or False".into()),
        };
        let autoincrement = match args.kw("autoincrement") {
            None => None,
            Some(Lit::Bool(b)) => Some(*b),
            Some(Lit::Str(s)) if s == "auto" => None,
            Some(_) => return Err("`autoincrement` is not a literal".into()),
        };
        let default = args.kw("server_default").filter(|l| **l != Lit::None);
        let default = default.map(server_default).transpose()?;
        let foreign_keys = args.pos[2.min(args.pos.len())..]
            .iter()
            .map(foreign_key_clause)
            .collect::<Result<_, _>>()?;
        Ok(Column {
            name,
            type_sql,
            integer,
            nullable,
            primary_key,
            autoincrement,
            default,
            unique: args.flag("unique")?,
            index: args.flag("index")?,
            foreign_keys,
        })
    }

    /// `name TYPE [DEFAULT x] [NOT NULL]`; `serial` turns an integer
    /// primary key into SERIAL as SQLAlchemy's autoincrement does.
    pub fn sql(&self, serial: bool) -> String {
        let mut sql = ident(&self.name);
        sql.push(' ');
        match (serial, self.integer) {
            (true, Some(serial_type)) => sql.push_str(serial_type),
            _ => sql.push_str(&self.type_sql),
        }
        if let Some(default) = &self.default {
            sql.push_str(" DEFAULT ");
            sql.push_str(default);
        }
        if !self.nullable {
            sql.push_str(" NOT NULL");
        }
        sql
    }

    /// Whether this column is the table's autoincrementing key, given the
    /// table's primary-key columns.
    pub fn is_serial(&self, pk: &[String]) -> bool {
        pk.len() == 1
            && pk[0] == self.name
            && self.integer.is_some()
            && self.foreign_keys.is_empty()
            && self.autoincrement != Some(false)
    }
}

/// `sa.ForeignKey("table.col", ondelete=...)` → `REFERENCES table (col) ...`.
fn foreign_key_clause(lit: &Lit) -> Result<String, String> {
    let Lit::Call(f, args) = lit else {
        return Err("a column argument is not a literal `sa.ForeignKey(...)`".into());
    };
    if f != "ForeignKey" {
        return Err(format!(
            "revguard does not translate `{f}(...)` in a column"
        ));
    }
    args.refuse(&["ondelete", "onupdate", "name", "column"])?;
    let target = args.name(0, "column")?;
    let (table, column) = target
        .rsplit_once('.')
        .ok_or("the foreign key target is not `table.column`")?;
    let mut sql = format!("REFERENCES {} ({})", dotted(table), ident(column));
    sql.push_str(&actions(args)?);
    Ok(sql)
}

fn dotted(name: &str) -> String {
    name.split('.').map(ident).collect::<Vec<_>>().join(".")
}

/// ` ON DELETE x ON UPDATE y` (and DEFERRABLE / INITIALLY).
fn actions(args: &Args) -> Result<String, String> {
    let mut sql = String::new();
    for (kw, words) in [("ondelete", "ON DELETE"), ("onupdate", "ON UPDATE")] {
        if let Some(action) = args.opt_name(usize::MAX, kw)? {
            sql.push_str(&format!(" {words} {action}"));
        }
    }
    match args.kw("deferrable") {
        Some(Lit::Bool(true)) => sql.push_str(" DEFERRABLE"),
        Some(Lit::Bool(false)) => sql.push_str(" NOT DEFERRABLE"),
        _ => {}
    }
    if let Some(initially) = args.opt_name(usize::MAX, "initially")? {
        sql.push_str(&format!(" INITIALLY {initially}"));
    }
    Ok(sql)
}

fn not_valid(args: &Args) -> Result<&'static str, String> {
    Ok(if args.flag("postgresql_not_valid")? {
        " NOT VALID"
    } else {
        ""
    })
}

fn named(name: Option<String>) -> String {
    name.map(|n| format!("CONSTRAINT {} ", ident(&n)))
        .unwrap_or_default()
}

/// Translate one `op.<name>(...)` call.
pub(super) fn op(name: &str, args: &Args) -> Out {
    match name {
        "create_table" => create_table(args),
        "drop_table" => {
            args.refuse(&["schema", "if_exists", "table_name"])?;
            let exists = if args.flag("if_exists")? {
                "IF EXISTS "
            } else {
                ""
            };
            Ok(vec![format!(
                "DROP TABLE {exists}{}",
                table(args, 0, "table_name")?
            )])
        }
        "rename_table" => {
            args.refuse(&["schema", "old_table_name", "new_table_name"])?;
            let old = table(args, 0, "old_table_name")?;
            let new = ident(&args.name(1, "new_table_name")?);
            Ok(vec![format!("ALTER TABLE {old} RENAME TO {new}")])
        }
        "add_column" => add_column(args),
        "drop_column" => {
            args.refuse(&["schema", "table_name", "column_name", "if_exists"])?;
            let exists = if args.flag("if_exists")? {
                "IF EXISTS "
            } else {
                ""
            };
            let t = table(args, 0, "table_name")?;
            let c = ident(&args.name(1, "column_name")?);
            Ok(vec![format!("ALTER TABLE {t} DROP COLUMN {exists}{c}")])
        }
        "alter_column" => alter_column(args),
        "create_index" => create_index(args),
        "drop_index" => drop_index(args),
        "execute" => {
            args.refuse(&["sqltext", "execution_options"])?;
            let sql = args.get(0, "sqltext").and_then(sql_text);
            Ok(vec![sql.ok_or("the SQL is not a literal string")?])
        }
        _ => constraint_op(name, args),
    }
}

fn table(args: &Args, index: usize, name: &str) -> Result<String, String> {
    let schema = args.opt_name(usize::MAX, "schema")?;
    Ok(qualified(schema.as_deref(), &args.name(index, name)?))
}

fn constraint_op(name: &str, args: &Args) -> Out {
    let common = [
        "schema",
        "constraint_name",
        "table_name",
        "postgresql_not_valid",
    ];
    let sql = match name {
        "create_unique_constraint" => {
            args.refuse(&[&common[..], &["columns", "deferrable", "initially"]].concat())?;
            let cols = ident_list(&args.names(2, "columns")?);
            format!("UNIQUE ({cols}){}", actions(args)?)
        }
        "create_primary_key" => {
            args.refuse(&[&common[..], &["columns"]].concat())?;
            format!("PRIMARY KEY ({})", ident_list(&args.names(2, "columns")?))
        }
        "create_check_constraint" => {
            args.refuse(&[&common[..], &["condition"]].concat())?;
            let condition = args.get(2, "condition").and_then(sql_text);
            let condition = condition.ok_or("the condition is not a literal string")?;
            format!("CHECK ({condition}){}", not_valid(args)?)
        }
        "create_foreign_key" => return create_foreign_key(args),
        "drop_constraint" => {
            args.refuse(&[
                "schema",
                "constraint_name",
                "table_name",
                "type_",
                "if_exists",
            ])?;
            let exists = if args.flag("if_exists")? {
                "IF EXISTS "
            } else {
                ""
            };
            let t = table(args, 1, "table_name")?;
            let c = ident(&args.name(0, "constraint_name")?);
            return Ok(vec![format!("ALTER TABLE {t} DROP CONSTRAINT {exists}{c}")]);
        }
        other => return Err(format!("revguard does not translate `op.{other}`")),
    };
    let t = table(args, 1, "table_name")?;
    let c = named(args.opt_name(0, "constraint_name")?);
    Ok(vec![format!("ALTER TABLE {t} ADD {c}{sql}")])
}

fn create_foreign_key(args: &Args) -> Out {
    args.refuse(&[
        "constraint_name",
        "source_table",
        "referent_table",
        "local_cols",
        "remote_cols",
        "onupdate",
        "ondelete",
        "deferrable",
        "initially",
        "source_schema",
        "referent_schema",
        "postgresql_not_valid",
    ])?;
    let source_schema = args.opt_name(usize::MAX, "source_schema")?;
    let referent_schema = args.opt_name(usize::MAX, "referent_schema")?;
    let source = qualified(source_schema.as_deref(), &args.name(1, "source_table")?);
    let referent = qualified(referent_schema.as_deref(), &args.name(2, "referent_table")?);
    let local = ident_list(&args.names(3, "local_cols")?);
    let remote = ident_list(&args.names(4, "remote_cols")?);
    let c = named(args.opt_name(0, "constraint_name")?);
    Ok(vec![format!(
        "ALTER TABLE {source} ADD {c}FOREIGN KEY({local}) REFERENCES {referent} ({remote}){}{}",
        actions(args)?,
        not_valid(args)?
    )])
}

fn create_table(args: &Args) -> Out {
    args.refuse(&["schema", "table_name", "if_not_exists", "comment"])?;
    let name = args.name(0, "table_name")?;
    let schema = args.opt_name(usize::MAX, "schema")?;
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut pk = Vec::new();
    let mut pk_name = None;
    for item in &args.pos[1.min(args.pos.len())..] {
        match item {
            Lit::Call(f, _) if f == "Column" => columns.push(Column::read(item)?),
            Lit::Call(f, a) if f == "PrimaryKeyConstraint" => {
                a.refuse(&["name"])?;
                pk_name = a.opt_name(usize::MAX, "name")?;
                pk = a
                    .pos
                    .iter()
                    .map(|l| text(l).ok_or("a key column is not a name"))
                    .collect::<Result<_, _>>()?;
            }
            Lit::Call(f, a) => constraints.push(table_constraint(f, a)?),
            _ => return Err("a table element is not a literal column or constraint".into()),
        }
    }
    if pk.is_empty() {
        pk = columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
    }
    let mut lines: Vec<String> = columns.iter().map(|c| c.sql(c.is_serial(&pk))).collect();
    if !pk.is_empty() {
        lines.push(format!(
            "{}PRIMARY KEY ({})",
            named(pk_name),
            ident_list(&pk)
        ));
    }
    lines.extend(
        columns
            .iter()
            .filter(|c| c.unique && !c.index)
            .map(|c| format!("UNIQUE ({})", ident(&c.name))),
    );
    for c in &columns {
        lines.extend(
            c.foreign_keys
                .iter()
                .map(|fk| format!("FOREIGN KEY({}) {fk}", ident(&c.name))),
        );
    }
    lines.extend(constraints);
    let exists = if args.flag("if_not_exists")? {
        "IF NOT EXISTS "
    } else {
        ""
    };
    let qualified_name = qualified(schema.as_deref(), &name);
    let mut out = vec![format!(
        "CREATE TABLE {exists}{qualified_name} (\n    {}\n)",
        lines.join(", \n    ")
    )];
    out.extend(column_indexes(&name, &qualified_name, &columns));
    Ok(out)
}

/// `index=True` columns: `CREATE [UNIQUE] INDEX ix_<table>_<column>`.
fn column_indexes(name: &str, table: &str, columns: &[Column]) -> Vec<String> {
    columns
        .iter()
        .filter(|c| c.index)
        .map(|c| {
            let unique = if c.unique { "UNIQUE " } else { "" };
            let ix = ident(&format!("ix_{name}_{}", c.name));
            format!("CREATE {unique}INDEX {ix} ON {table} ({})", ident(&c.name))
        })
        .collect()
}

fn table_constraint(f: &str, a: &Args) -> Result<String, String> {
    let names = |a: &Args| -> Result<Vec<String>, String> {
        a.pos
            .iter()
            .map(|l| text(l).ok_or_else(|| "a constraint column is not a name".to_owned()))
            .collect()
    };
    let name = a.opt_name(usize::MAX, "name")?;
    let body = match f {
        "UniqueConstraint" => {
            a.refuse(&["name", "deferrable", "initially"])?;
            format!("UNIQUE ({}){}", ident_list(&names(a)?), actions(a)?)
        }
        "CheckConstraint" => {
            a.refuse(&["name", "sqltext"])?;
            let condition = a
                .get(0, "sqltext")
                .and_then(sql_text)
                .ok_or("the check is not a literal")?;
            format!("CHECK ({condition})")
        }
        "ForeignKeyConstraint" => {
            a.refuse(&[
                "name",
                "ondelete",
                "onupdate",
                "deferrable",
                "initially",
                "columns",
                "refcolumns",
            ])?;
            let local = ident_list(&a.names(0, "columns")?);
            let targets = a.names(1, "refcolumns")?;
            let mut table = None;
            let mut remote = Vec::new();
            for t in &targets {
                let (tb, col) = t
                    .rsplit_once('.')
                    .ok_or("a foreign key target is not `table.column`")?;
                table = Some(tb.to_owned());
                remote.push(col.to_owned());
            }
            let table = table.ok_or("the foreign key has no target")?;
            format!(
                "FOREIGN KEY({local}) REFERENCES {} ({}){}",
                dotted(&table),
                ident_list(&remote),
                actions(a)?
            )
        }
        other => {
            return Err(format!(
                "revguard does not translate `{other}(...)` in a table"
            ));
        }
    };
    Ok(format!("{}{body}", named(name)))
}

fn add_column(args: &Args) -> Out {
    args.refuse(&["schema", "table_name", "column", "if_not_exists"])?;
    let t = table(args, 0, "table_name")?;
    let column = Column::read(args.get(1, "column").ok_or("the column is missing")?)?;
    let exists = if args.flag("if_not_exists")? {
        "IF NOT EXISTS "
    } else {
        ""
    };
    let serial = column.primary_key && column.is_serial(std::slice::from_ref(&column.name));
    let mut out = vec![format!(
        "ALTER TABLE {t} ADD COLUMN {exists}{}",
        column.sql(serial)
    )];
    let c = ident(&column.name);
    if column.unique && !column.index {
        out.push(format!("ALTER TABLE {t} ADD UNIQUE ({c})"));
    }
    for fk in &column.foreign_keys {
        out.push(format!("ALTER TABLE {t} ADD FOREIGN KEY({c}) {fk}"));
    }
    let name = args.name(0, "table_name")?;
    out.extend(column_indexes(&name, &t, std::slice::from_ref(&column)));
    Ok(out)
}

fn alter_column(args: &Args) -> Out {
    args.refuse(&[
        "schema",
        "table_name",
        "column_name",
        "nullable",
        "type_",
        "server_default",
        "new_column_name",
        "postgresql_using",
        "existing_type",
        "existing_nullable",
        "existing_server_default",
        "existing_comment",
        "existing_autoincrement",
    ])?;
    let t = table(args, 0, "table_name")?;
    let c = ident(&args.name(1, "column_name")?);
    let mut out = Vec::new();
    if let Some(type_) = args.kw("type_").filter(|l| **l != Lit::None) {
        let using = match args.opt_name(usize::MAX, "postgresql_using")? {
            Some(using) => format!(" USING {using}"),
            None => String::new(),
        };
        out.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {c} TYPE {}{using}",
            column_type(type_)?
        ));
    }
    match args.kw("nullable") {
        Some(Lit::Bool(false)) => {
            out.push(format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"))
        }
        Some(Lit::Bool(true)) => {
            out.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL"))
        }
        None | Some(Lit::None) => {}
        Some(_) => return Err("`nullable` is not True or False".into()),
    }
    match args.kw("server_default") {
        None | Some(Lit::Bool(false)) => {}
        Some(Lit::None) => out.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")),
        Some(lit) => out.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
            server_default(lit)?
        )),
    }
    if let Some(new) = args.opt_name(usize::MAX, "new_column_name")? {
        out.push(format!("ALTER TABLE {t} RENAME {c} TO {}", ident(&new)));
    }
    Ok(out)
}

fn create_index(args: &Args) -> Out {
    args.refuse(&[
        "index_name",
        "table_name",
        "columns",
        "schema",
        "unique",
        "if_not_exists",
        "postgresql_concurrently",
        "postgresql_where",
        "postgresql_using",
    ])?;
    let ix = ident(
        &args
            .opt_name(0, "index_name")?
            .ok_or("the index has no name")?,
    );
    let t = table(args, 1, "table_name")?;
    let Some(Lit::List(items)) = args.get(2, "columns") else {
        return Err("`columns` is not a literal list".into());
    };
    let columns = items
        .iter()
        .map(|l| match l {
            Lit::Str(s) => Ok(ident(s)),
            other => sql_text(other)
                .ok_or_else(|| "an index column is not a name or `sa.text`".to_owned()),
        })
        .collect::<Result<Vec<_>, _>>()?
        .join(", ");
    let unique = if args.flag("unique")? { "UNIQUE " } else { "" };
    let concurrently = if args.flag("postgresql_concurrently")? {
        "CONCURRENTLY "
    } else {
        ""
    };
    let exists = if args.flag("if_not_exists")? {
        "IF NOT EXISTS "
    } else {
        ""
    };
    let using = match args.opt_name(usize::MAX, "postgresql_using")? {
        Some(method) => format!("USING {method} "),
        None => String::new(),
    };
    let mut sql =
        format!("CREATE {unique}INDEX {concurrently}{exists}{ix} ON {t} {using}({columns})");
    match args.kw("postgresql_where") {
        None | Some(Lit::None) => {}
        Some(lit) => sql.push_str(&format!(
            " WHERE {}",
            sql_text(lit).ok_or("`postgresql_where` is not a literal")?
        )),
    }
    Ok(vec![sql])
}

fn drop_index(args: &Args) -> Out {
    args.refuse(&[
        "index_name",
        "table_name",
        "schema",
        "if_exists",
        "postgresql_concurrently",
    ])?;
    let schema = args.opt_name(usize::MAX, "schema")?;
    let ix = qualified(schema.as_deref(), &args.name(0, "index_name")?);
    let concurrently = if args.flag("postgresql_concurrently")? {
        "CONCURRENTLY "
    } else {
        ""
    };
    let exists = if args.flag("if_exists")? {
        "IF EXISTS "
    } else {
        ""
    };
    Ok(vec![format!("DROP INDEX {concurrently}{exists}{ix}")])
}

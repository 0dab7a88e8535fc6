//! One Django model field as the PostgreSQL schema editor sees it: its
//! column, its type (`DatabaseWrapper.data_types`), nullability, the
//! indexes and constraints it implies, and its effective default.
//!
//! Read from the field's call in a migration (`models.CharField(
//! max_length=20)`). A keyword that changes the SQL in a way not modelled
//! here, or a field class not listed, is an `Err`: the operation is then
//! not checked.

use crate::dialect::django::operations::{Call, Value};

/// Keywords that never change the schema editor's SQL.
const NO_SQL: &[&str] = &[
    "verbose_name",
    "help_text",
    "editable",
    "choices",
    "validators",
    "related_name",
    "related_query_name",
    "on_delete",
    "serialize",
    "auto_created",
    "error_messages",
    "upload_to",
    "storage",
    "limit_choices_to",
    "unique_for_date",
    "unique_for_month",
    "unique_for_year",
    "protocol",
    "unpack_ipv4",
    "encoder",
    "decoder",
    "allow_unicode",
    "path",
    "match",
    "recursive",
    "allow_files",
    "allow_folders",
    "width_field",
    "height_field",
    "swappable",
    "blank",
    "to",
];

/// Keywords this model reads.
const READ: &[&str] = &[
    "null",
    "unique",
    "primary_key",
    "db_index",
    "max_length",
    "max_digits",
    "decimal_places",
    "default",
    "db_column",
    "auto_now",
    "auto_now_add",
    "db_constraint",
];

/// A field's Python default, as far as the SQL needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Default {
    /// No default (or `None`).
    Nothing,
    /// A literal value.
    Literal(Value),
    /// A callable (`timezone.now`, `uuid.uuid4`, `dict`): Django calls it
    /// when it writes the SQL.
    Callable(String),
}

/// A relation's target, resolved against the model state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// `app.model`, lower case.
    pub model: String,
    /// Its table.
    pub table: String,
    /// Its primary key's column.
    pub column: String,
    /// The type a column referring to it gets (`rel_db_type`).
    pub column_type: String,
}

/// One concrete field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Field {
    pub name: String,
    /// The class: `CharField`, `ForeignKey`...
    pub kind: String,
    pub column: String,
    pub null: bool,
    pub primary_key: bool,
    /// `unique=True` (a primary key and a one-to-one field are unique too).
    pub unique: bool,
    pub db_index: bool,
    /// The column's type, e.g. `varchar(20)`.
    pub db_type: String,
    /// The column check (`"age" >= 0`) of the positive integer fields.
    pub check: Option<String>,
    pub default: Default,
    /// `blank=True` on a field that allows empty strings and is not null:
    /// its effective default is `''`.
    pub blank_default: bool,
    pub auto_now: bool,
    pub target: Option<Target>,
    pub db_constraint: bool,
}

/// The state a field needs to resolve a relation: the target model's
/// table, primary key column and type, by `app.model` (lower case).
pub(super) type Resolve<'a> = dyn Fn(&str) -> Result<Target, String> + 'a;

impl Field {
    /// Read a field call; `app` resolves a target written without its app.
    pub fn read(
        name: &str,
        value: &Value,
        app: &str,
        user_model: &str,
        resolve: &Resolve<'_>,
    ) -> Result<Field, String> {
        let Value::Call(call) = value else {
            return Err(format!("the field `{name}` is not a field call"));
        };
        if let Some((key, _)) = call
            .kwargs
            .iter()
            .find(|(k, _)| !NO_SQL.contains(&k.as_str()) && !READ.contains(&k.as_str()))
        {
            return Err(format!(
                "revguard does not translate `{key}=` of `{}`",
                call.func
            ));
        }
        let kind = call.name().to_owned();
        let flag = |key: &str, default: bool| match call.kwarg(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(format!(
                "`{key}=` of the field `{name}` is not True or False"
            )),
        };
        let primary_key = flag("primary_key", false)?;
        let relation = matches!(kind.as_str(), "ForeignKey" | "OneToOneField");
        let target = match relation {
            true => Some(resolve(&target_key(call, app, user_model)?)?),
            false => None,
        };
        let column = match call.kwarg("db_column") {
            None | Some(Value::None) => match relation {
                true => format!("{name}_id"),
                false => name.to_owned(),
            },
            Some(Value::Str(column)) => column.clone(),
            Some(_) => {
                return Err(format!(
                    "`db_column=` of the field `{name}` is not a string"
                ));
            }
        };
        let db_type = match &target {
            Some(target) => target.column_type.clone(),
            None => db_type(&kind, call, name)?,
        };
        let check = kind
            .starts_with("Positive")
            .then(|| format!("\"{column}\" >= 0"));
        let null = flag("null", false)?;
        let default = match call.kwarg("default") {
            None | Some(Value::None) => Default::Nothing,
            Some(Value::Name(callable)) => Default::Callable(callable.clone()),
            Some(Value::Other(why)) => {
                return Err(format!("the default of the field `{name}` is {why}"));
            }
            Some(value) => Default::Literal(value.clone()),
        };
        Ok(Field {
            unique: flag("unique", false)? || primary_key || kind == "OneToOneField",
            db_index: flag("db_index", relation || kind == "SlugField")?,
            blank_default: flag("blank", false)? && !null && empty_strings_allowed(&kind),
            auto_now: flag("auto_now", false)? || flag("auto_now_add", false)?,
            db_constraint: flag("db_constraint", true)?,
            name: name.to_owned(),
            kind,
            column,
            null,
            primary_key,
            db_type,
            check,
            default,
            target,
        })
    }

    /// Whether the column is an identity column.
    pub fn is_auto(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "AutoField" | "BigAutoField" | "SmallAutoField"
        )
    }

    /// The type a column referring to this one gets (`rel_db_type`).
    pub fn rel_db_type(&self) -> String {
        match self.kind.as_str() {
            "AutoField" | "PositiveIntegerField" => "integer".into(),
            "BigAutoField" | "PositiveBigIntegerField" => "bigint".into(),
            "SmallAutoField" | "PositiveSmallIntegerField" => "smallint".into(),
            _ => self.db_type.clone(),
        }
    }

    /// Whether `_create_like_index_sql` adds a `varchar_pattern_ops` /
    /// `text_pattern_ops` index: its operator class.
    pub fn like_opclass(&self) -> Option<&'static str> {
        if !(self.db_index || self.unique) {
            return None;
        }
        if self.db_type.starts_with("varchar") {
            Some("varchar_pattern_ops")
        } else if self.db_type.starts_with("text") {
            Some("text_pattern_ops")
        } else {
            None
        }
    }

    /// `_effective_default` as SQL: `None` when Django adds no default.
    pub fn effective_default(&self) -> Option<String> {
        match &self.default {
            Default::Literal(value) => Some(quote(value)),
            Default::Callable(name) => Some(quote(&Value::Str(format!(
                "<value of {name}() when the migration runs>"
            )))),
            Default::Nothing if self.blank_default => Some("''".into()),
            Default::Nothing if self.auto_now => Some(quote(&Value::Str(
                "<the time when the migration runs>".into(),
            ))),
            Default::Nothing => None,
        }
    }

    /// Whether Django has a default to put in the column (`has_default`).
    pub fn has_default(&self) -> bool {
        !matches!(self.default, Default::Nothing)
    }
}

/// The relation's target as `app.model` (lower case).
fn target_key(call: &Call, app: &str, user_model: &str) -> Result<String, String> {
    if call.kwarg("to_field").is_some() {
        return Err("revguard does not translate `to_field=`".into());
    }
    let to = match call.arg(0, "to") {
        Some(Value::Str(to)) => to.clone(),
        Some(Value::Name(name)) if name.ends_with("AUTH_USER_MODEL") => user_model.to_owned(),
        _ => return Err(format!("the target of `{}` is not a literal", call.func)),
    };
    let key = match to.split_once('.') {
        Some(_) => to,
        None => format!("{app}.{to}"),
    };
    Ok(key.to_lowercase())
}

/// The field's column type (PostgreSQL's `data_types`).
fn db_type(kind: &str, call: &Call, name: &str) -> Result<String, String> {
    let int = |key: &str| match call.kwarg(key) {
        Some(Value::Int(n)) => Ok(Some(*n)),
        None | Some(Value::None) => Ok(None),
        Some(_) => Err(format!("`{key}=` of the field `{name}` is not an integer")),
    };
    let varchar = |default: Option<i64>| -> Result<String, String> {
        Ok(match int("max_length")?.or(default) {
            Some(n) => format!("varchar({n})"),
            None => "varchar".into(),
        })
    };
    Ok(match kind {
        "AutoField" | "IntegerField" | "PositiveIntegerField" => "integer".into(),
        "BigAutoField" | "BigIntegerField" | "PositiveBigIntegerField" => "bigint".into(),
        "SmallAutoField" | "SmallIntegerField" | "PositiveSmallIntegerField" => "smallint".into(),
        "BinaryField" => "bytea".into(),
        "BooleanField" => "boolean".into(),
        "CharField" => varchar(None)?,
        "SlugField" => varchar(Some(50))?,
        "EmailField" => varchar(Some(254))?,
        "URLField" => varchar(Some(200))?,
        "FileField" | "ImageField" | "FilePathField" => varchar(Some(100))?,
        "DateField" => "date".into(),
        "DateTimeField" => "timestamp with time zone".into(),
        "TimeField" => "time".into(),
        "DurationField" => "interval".into(),
        "DecimalField" => match (int("max_digits")?, int("decimal_places")?) {
            (Some(digits), Some(places)) => format!("numeric({digits}, {places})"),
            _ => "numeric".into(),
        },
        "FloatField" => "double precision".into(),
        "GenericIPAddressField" => "inet".into(),
        "JSONField" => "jsonb".into(),
        "TextField" => "text".into(),
        "UUIDField" => "uuid".into(),
        other => {
            return Err(format!(
                "revguard does not translate the field class `{other}`"
            ));
        }
    })
}

/// Whether `''` is a value of the field (`empty_strings_allowed`).
fn empty_strings_allowed(kind: &str) -> bool {
    matches!(
        kind,
        "CharField"
            | "SlugField"
            | "EmailField"
            | "URLField"
            | "FileField"
            | "ImageField"
            | "FilePathField"
            | "TextField"
            | "BinaryField"
    )
}

/// A value as psycopg quotes it for PostgreSQL.
pub(super) fn quote(value: &Value) -> String {
    match value {
        Value::Str(text) if text.contains('\\') => {
            format!(" E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
        }
        Value::Str(text) => format!("'{}'", text.replace('\'', "''")),
        Value::Int(n) if *n < 0 => format!(" {n}"),
        Value::Int(n) => n.to_string(),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::None => "NULL".into(),
        Value::Float(f) => f.clone(),
        Value::Call(call) => match call.args.first() {
            Some(Value::Str(text)) => quote(&Value::Str(text.clone())),
            _ => quote(&Value::Str(format!("<value of {}(...)>", call.func))),
        },
        other => quote(&Value::Str(format!("{other:?}"))),
    }
}

//! Django's project state, as far as the schema editor's SQL needs it: each
//! model's table and concrete fields, and the names of the database objects
//! (constraints, indexes) its earlier operations created, which Django
//! reads back from the database when it drops them.

use std::collections::BTreeMap;

use super::field::{Field, Target};
use super::names;

/// The database objects behind one field, by the names they have in the
/// database (a rename of the field keeps them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Objects {
    /// The foreign key constraint.
    pub fk: Option<String>,
    /// The unique constraint.
    pub unique: Option<String>,
    /// The column's check constraint.
    pub check: Option<String>,
    /// The plain index.
    pub index: Option<String>,
    /// The `varchar_pattern_ops` / `text_pattern_ops` index.
    pub like: Option<String>,
}

/// One model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Model {
    pub table: String,
    /// The concrete fields in order, with their database objects.
    pub fields: Vec<(Field, Objects)>,
    /// `managed = False` or a proxy: Django writes no SQL for it.
    pub unmanaged: bool,
    /// The default table name was overridden (`db_table`).
    pub explicit_table: bool,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<&(Field, Objects)> {
        self.fields.iter().find(|(f, _)| f.name == name)
    }

    pub fn field_mut(&mut self, name: &str) -> Option<&mut (Field, Objects)> {
        self.fields.iter_mut().find(|(f, _)| f.name == name)
    }

    pub fn pk(&self) -> Option<&Field> {
        self.fields.iter().map(|(f, _)| f).find(|f| f.primary_key)
    }
}

/// Primary keys of the models Django's contrib apps create, for relations
/// to apps outside the repository: `app.model` → table, key column type.
const CONTRIB: &[(&str, &str, &str)] = &[
    ("auth.user", "auth_user", "integer"),
    ("auth.group", "auth_group", "integer"),
    ("auth.permission", "auth_permission", "integer"),
    ("contenttypes.contenttype", "django_content_type", "integer"),
    ("sites.site", "django_site", "integer"),
    ("admin.logentry", "django_admin_log", "integer"),
];

/// Every model the migrations so far created, and what is not known.
#[derive(Debug, Default)]
pub(super) struct State {
    /// `app.model` (lower case) → model.
    pub models: BTreeMap<String, Model>,
    /// Models whose state is not known (an operation changed them in a way
    /// not modelled): why.
    pub unknown: BTreeMap<String, String>,
    /// Apps whose state is not known at all: why.
    pub unknown_apps: BTreeMap<String, String>,
}

impl State {
    /// The model `app.model`, or why its state is not known.
    pub fn model(&self, key: &str) -> Result<&Model, String> {
        self.known(key)?;
        self.models
            .get(key)
            .ok_or_else(|| format!("the model `{key}` is not in the migrations before it"))
    }

    pub fn model_mut(&mut self, key: &str) -> Result<&mut Model, String> {
        self.known(key)?;
        self.models
            .get_mut(key)
            .ok_or_else(|| format!("the model `{key}` is not in the migrations before it"))
    }

    fn known(&self, key: &str) -> Result<(), String> {
        if let Some(why) = self.unknown.get(key) {
            return Err(why.clone());
        }
        let app = key.split('.').next().unwrap_or(key);
        match self.unknown_apps.get(app) {
            Some(why) => Err(why.clone()),
            None => Ok(()),
        }
    }

    /// What a relation to `key` points at.
    pub fn target(&self, key: &str) -> Result<Target, String> {
        let model = match self.model(key) {
            Ok(model) => model,
            Err(why) => {
                let (_, table, column_type) =
                    CONTRIB.iter().find(|(k, _, _)| *k == key).ok_or(why)?;
                return Ok(Target {
                    model: key.to_owned(),
                    table: (*table).to_owned(),
                    column: "id".into(),
                    column_type: (*column_type).to_owned(),
                });
            }
        };
        let pk = model
            .pk()
            .ok_or_else(|| format!("the model `{key}` has no primary key in its migrations"))?;
        Ok(Target {
            model: key.to_owned(),
            table: model.table.clone(),
            column: pk.column.clone(),
            column_type: pk.rel_db_type(),
        })
    }

    /// Forget a model's state from here on.
    pub fn forget(&mut self, key: &str, why: String) {
        self.unknown.insert(key.to_owned(), why);
    }

    /// Whether a field of any model refers to `key`.
    pub fn referenced(&self, key: &str) -> bool {
        self.models.values().any(|model| {
            model
                .fields
                .iter()
                .any(|(f, _)| f.target.as_ref().is_some_and(|t| t.model == key))
        })
    }
}

/// The objects a field's column definition creates (`CREATE TABLE` or
/// `ADD COLUMN`): PostgreSQL names the inline ones itself.
pub(super) fn inline_objects(table: &str, field: &Field, fk: Option<String>) -> Objects {
    Objects {
        fk,
        unique: (field.unique && !field.primary_key)
            .then(|| names::implicit(table, &field.column, "key")),
        check: field
            .check
            .as_ref()
            .map(|_| names::implicit(table, &field.column, "check")),
        index: (field.db_index && !field.unique)
            .then(|| names::index_name(table, &[&field.column], "")),
        like: field
            .like_opclass()
            .map(|_| names::index_name(table, &[&field.column], "_like")),
    }
}

//! The Django side of the safety differential: generated Django projects
//! (two apps, relations between them and to `auth.User`) whose migrations
//! use every translated operation with varied fields; real Django's
//! `sqlmigrate` for each migration on a real PostgreSQL (`django_oracle.py`)
//! piped into real squawk, against `revguard check --dialect django`.
//!
//! The generator keeps its own model state, so every operation is valid
//! for Django, and it never alters, renames or removes a field in the
//! migration that created, renamed or altered it: there `sqlmigrate` (which
//! reads constraint names from a database that has not run the earlier
//! operation) and `migrate` (which has) write different SQL, and revguard
//! follows `migrate` (`docs/safety.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use revguard_test_support::generate::Rng;
use revguard_test_support::servers::postgres::{Cluster, PASSWORD};
use revguard_test_support::{cli, fs};

use super::Rules;

/// Migrations per generated project.
pub const PER_PROJECT: usize = 50;

const APPS: [&str; 2] = ["shop", "blog"];

#[derive(Debug, Clone)]
struct GField {
    name: String,
    /// The field call without its closing parenthesis' context.
    kind: &'static str,
    null: bool,
    unique: bool,
    index: bool,
    max_length: u32,
    default: Option<&'static str>,
    relation: bool,
    /// The migration that created it.
    born: usize,
}

impl GField {
    fn call(&self, target: Option<&str>) -> String {
        let mut args = Vec::new();
        if let Some(target) = target {
            args.push(format!(
                "on_delete=django.db.models.deletion.CASCADE, to={target}"
            ));
        }
        match self.kind {
            "CharField" | "SlugField" => args.push(format!("max_length={}", self.max_length)),
            "DecimalField" => args.push("max_digits=10, decimal_places=2".into()),
            _ => {}
        }
        if self.null {
            args.push("null=True".into());
        }
        if self.unique {
            args.push("unique=True".into());
        }
        if self.index && !self.unique {
            args.push("db_index=True".into());
        }
        if self.kind == "SlugField" && !self.index && !self.unique {
            args.push("db_index=False".into());
        }
        if let Some(default) = self.default {
            args.push(format!("default={default}"));
        }
        format!("models.{}({})", self.kind, args.join(", "))
    }
}

#[derive(Debug, Clone)]
struct GModel {
    app: &'static str,
    name: String,
    fields: Vec<GField>,
    /// Relations: field name → target expression.
    targets: BTreeMap<String, String>,
    /// Index and constraint names with the fields they cover (PostgreSQL
    /// drops them with a dropped column).
    indexes: Vec<(String, String)>,
    constraints: Vec<(String, String)>,
    born: usize,
    /// `db_table`, when set.
    table: Option<String>,
}

/// The plain field kinds, with the defaults that fit them.
const KINDS: &[(&str, &[&str])] = &[
    ("CharField", &["''", "'draft'"]),
    ("TextField", &["''", "'none'"]),
    ("IntegerField", &["0", "-1"]),
    ("BigIntegerField", &["0"]),
    ("SmallIntegerField", &["1"]),
    ("PositiveIntegerField", &["0"]),
    ("BooleanField", &["False", "True"]),
    ("DateTimeField", &["django.utils.timezone.now"]),
    ("DateField", &[]),
    ("DecimalField", &["0"]),
    ("UUIDField", &["uuid.uuid4"]),
    ("JSONField", &["dict"]),
    ("SlugField", &["'x'"]),
    ("EmailField", &["''"]),
    ("FloatField", &["0.5"]),
];

struct Gen<'r> {
    rng: &'r mut Rng,
    models: Vec<GModel>,
    counter: usize,
    /// The index of the migration being written.
    now: usize,
}

impl Gen<'_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    fn plain_field(&mut self) -> GField {
        let (kind, defaults) = KINDS[self.rng.below(KINDS.len())];
        let null = self.rng.pct(40);
        let default = match defaults.is_empty() || self.rng.pct(50) {
            true => None,
            false => Some(defaults[self.rng.below(defaults.len())]),
        };
        let indexable = !matches!(kind, "JSONField" | "TextField" | "BooleanField");
        GField {
            name: self.fresh("f"),
            kind,
            null,
            unique: indexable && self.rng.pct(15),
            index: indexable && self.rng.pct(25),
            max_length: [20, 50, 120][self.rng.below(3)],
            default,
            relation: false,
            born: self.now,
        }
    }

    /// A relation to an existing model of `app`'s reach, or the user.
    fn relation(&mut self, app: &'static str, deps: &mut BTreeSet<String>) -> (GField, String) {
        let candidates: Vec<usize> = (0..self.models.len())
            .filter(|&i| self.models[i].born < self.now)
            .collect();
        let target = if candidates.is_empty() || self.rng.pct(30) {
            deps.insert("migrations.swappable_dependency(settings.AUTH_USER_MODEL)".into());
            "settings.AUTH_USER_MODEL".to_owned()
        } else {
            let model = &self.models[candidates[self.rng.below(candidates.len())]];
            if model.app != app {
                deps.insert(format!("__latest__:{}", model.app));
            }
            format!("'{}.{}'", model.app, model.name)
        };
        let field = GField {
            name: self.fresh("r"),
            kind: if self.rng.pct(80) {
                "ForeignKey"
            } else {
                "OneToOneField"
            },
            null: self.rng.pct(60),
            unique: false,
            index: false,
            max_length: 0,
            default: None,
            relation: true,
            born: self.now,
        };
        (field, target)
    }

    fn create_model(&mut self, app: &'static str, deps: &mut BTreeSet<String>) -> String {
        let name = format!("M{}", self.fresh(""));
        let pk = if self.rng.pct(50) {
            "BigAutoField"
        } else {
            "AutoField"
        };
        let mut model = GModel {
            app,
            name: name.clone(),
            fields: Vec::new(),
            targets: BTreeMap::new(),
            indexes: Vec::new(),
            constraints: Vec::new(),
            born: self.now,
            table: None,
        };
        let mut fields = format!(
            "('id', models.{pk}(auto_created=True, primary_key=True, serialize=False, verbose_name='ID'))"
        );
        for _ in 0..1 + self.rng.below(4) {
            let (field, call) = if self.rng.pct(25) {
                let (field, target) = self.relation(app, deps);
                let call = field.call(Some(&target));
                model.targets.insert(field.name.clone(), target);
                (field, call)
            } else {
                let field = self.plain_field();
                let call = field.call(None);
                (field, call)
            };
            let _ = write!(fields, ", ('{}', {call})", field.name);
            model.fields.push(field);
        }
        let mut options = Vec::new();
        if self.rng.pct(20) {
            let table = self.fresh("custom_table_");
            options.push(format!("'db_table': '{table}'"));
            model.table = Some(table);
        }
        if self.rng.pct(20) {
            let index = self.fresh("ix_");
            let field = model.fields[0].name.clone();
            options.push(format!(
                "'indexes': [models.Index(fields=['{field}'], name='{index}')]"
            ));
            model.indexes.push((index, field.clone()));
        }
        if self.rng.pct(15) {
            let constraint = self.fresh("uq_");
            let field = model.fields[0].name.clone();
            options.push(format!(
                "'constraints': [models.UniqueConstraint(fields=['{field}', 'id'], name='{constraint}')]"
            ));
            model.constraints.push((constraint, field.clone()));
        }
        self.models.push(model);
        format!(
            "migrations.CreateModel(name='{name}', fields=[{fields}], options={{{}}})",
            options.join(", ")
        )
    }
}

impl Gen<'_> {
    /// An existing model of `app` not created in this migration.
    fn old_model(&mut self, app: &str) -> Option<usize> {
        let found: Vec<usize> = (0..self.models.len())
            .filter(|&i| self.models[i].app == app && self.models[i].born < self.now)
            .collect();
        (!found.is_empty()).then(|| found[self.rng.below(found.len())])
    }

    /// An existing field of model `m`, not created in this migration.
    fn old_field(&mut self, m: usize, relation: Option<bool>) -> Option<usize> {
        let now = self.now;
        let found: Vec<usize> = (0..self.models[m].fields.len())
            .filter(|&i| {
                let f = &self.models[m].fields[i];
                f.born < now && relation.is_none_or(|r| f.relation == r)
            })
            .collect();
        (!found.is_empty()).then(|| found[self.rng.below(found.len())])
    }

    /// Whether any field refers to model `m`.
    fn referenced(&self, m: usize) -> bool {
        let target = format!("'{}.{}'", self.models[m].app, self.models[m].name);
        self.models
            .iter()
            .any(|model| model.targets.values().any(|t| *t == target))
    }

    fn operation(
        &mut self,
        app: &'static str,
        atomic: bool,
        deps: &mut BTreeSet<String>,
    ) -> String {
        let Some(m) = self.old_model(app) else {
            return self.create_model(app, deps);
        };
        let model = self.models[m].name.to_lowercase();
        match self.rng.below(14) {
            0 => self.create_model(app, deps),
            1 | 2 => {
                let (field, call) = if self.rng.pct(30) {
                    let (field, target) = self.relation(app, deps);
                    let call = field.call(Some(&target));
                    self.models[m].targets.insert(field.name.clone(), target);
                    (field, call)
                } else {
                    let field = self.plain_field();
                    let call = field.call(None);
                    (field, call)
                };
                let name = field.name.clone();
                self.models[m].fields.push(field);
                format!("migrations.AddField(model_name='{model}', name='{name}', field={call})")
            }
            3 | 4 => self.alter_field(m, &model),
            5 => match self.old_field(m, None) {
                Some(f) => {
                    let field = self.models[m].fields.remove(f);
                    self.models[m].targets.remove(&field.name);
                    self.models[m].indexes.retain(|(_, on)| *on != field.name);
                    self.models[m]
                        .constraints
                        .retain(|(_, on)| *on != field.name);
                    format!(
                        "migrations.RemoveField(model_name='{model}', name='{}')",
                        field.name
                    )
                }
                None => self.create_model(app, deps),
            },
            6 => match self.old_field(m, None) {
                Some(f) => {
                    let new = self.fresh("n");
                    // Changed here: later operations of this migration
                    // leave it alone (see the module's note).
                    self.models[m].fields[f].born = self.now;
                    let old = std::mem::replace(&mut self.models[m].fields[f].name, new.clone());
                    if let Some(target) = self.models[m].targets.remove(&old) {
                        self.models[m].targets.insert(new.clone(), target);
                    }
                    let state = &mut self.models[m];
                    for (_, on) in state.indexes.iter_mut().chain(state.constraints.iter_mut()) {
                        if *on == old {
                            on.clone_from(&new);
                        }
                    }
                    format!(
                        "migrations.RenameField(model_name='{model}', old_name='{old}', new_name='{new}')"
                    )
                }
                None => self.create_model(app, deps),
            },
            7 | 8 => self.index(m, &model, atomic),
            9 => self.constraint(m, &model),
            10 if !self.referenced(m) => {
                let model = self.models.remove(m);
                format!("migrations.DeleteModel(name='{}')", model.name)
            }
            11 if !self.referenced(m) => {
                let new = format!("M{}", self.fresh("renamed"));
                let old = std::mem::replace(&mut self.models[m].name, new.clone());
                format!("migrations.RenameModel(old_name='{old}', new_name='{new}')")
            }
            _ => self.run_sql(m, atomic),
        }
    }

    fn alter_field(&mut self, m: usize, model: &str) -> String {
        let Some(f) = self.old_field(m, Some(false)) else {
            return format!(
                "migrations.AlterModelOptions(name='{model}', options={{'ordering': ['id']}})"
            );
        };
        let mut field = self.models[m].fields[f].clone();
        let indexable = !matches!(field.kind, "JSONField" | "TextField" | "BooleanField");
        match self.rng.below(6) {
            0 => field.null = !field.null,
            1 => {
                field.null = false;
                let defaults = KINDS
                    .iter()
                    .find(|(k, _)| *k == field.kind)
                    .map_or(&[][..], |(_, d)| d);
                if !defaults.is_empty() {
                    field.default = Some(defaults[self.rng.below(defaults.len())]);
                }
            }
            2 if indexable => field.unique = !field.unique,
            3 if indexable => field.index = !field.index,
            4 => {
                field.kind = match field.kind {
                    "CharField" => "TextField",
                    "TextField" => "CharField",
                    "IntegerField" => "BigIntegerField",
                    "BigIntegerField" => "IntegerField",
                    "SmallIntegerField" => "IntegerField",
                    other => other,
                };
                if field.kind == "TextField" {
                    field.unique = false;
                    field.index = false;
                }
                if !KINDS
                    .iter()
                    .any(|(k, d)| *k == field.kind && field.default.is_none_or(|v| d.contains(&v)))
                {
                    field.default = None;
                }
            }
            _ => field.max_length += 10,
        }
        let call = field.call(None);
        let name = field.name.clone();
        field.born = self.now;
        self.models[m].fields[f] = field;
        format!("migrations.AlterField(model_name='{model}', name='{name}', field={call})")
    }

    fn index(&mut self, m: usize, model: &str, atomic: bool) -> String {
        let concurrently = !atomic && self.rng.pct(60);
        let old: Vec<String> = self.models[m]
            .indexes
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        if !old.is_empty() && self.rng.pct(40) && self.models[m].born < self.now {
            let name = old[self.rng.below(old.len())].clone();
            self.models[m].indexes.retain(|(i, _)| *i != name);
            let op = if concurrently {
                "RemoveIndexConcurrently"
            } else {
                "migrations.RemoveIndex"
            };
            return format!("{op}(model_name='{model}', name='{name}')");
        }
        let fields = &self.models[m].fields;
        let field = if fields.is_empty() {
            "id".to_owned()
        } else {
            fields[self.rng.below(fields.len())].name.clone()
        };
        let order = if self.rng.pct(30) { "-" } else { "" };
        let name = self.fresh("ix_");
        self.models[m].indexes.push((name.clone(), field.clone()));
        let op = if concurrently {
            "AddIndexConcurrently"
        } else {
            "migrations.AddIndex"
        };
        format!(
            "{op}(model_name='{model}', index=models.Index(fields=['{order}{field}', 'id'], name='{name}'))"
        )
    }

    fn constraint(&mut self, m: usize, model: &str) -> String {
        let old: Vec<String> = self.models[m]
            .constraints
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        if !old.is_empty() && self.rng.pct(40) {
            let name = old[self.rng.below(old.len())].clone();
            self.models[m].constraints.retain(|(c, _)| *c != name);
            return format!("migrations.RemoveConstraint(model_name='{model}', name='{name}')");
        }
        let name = self.fresh("uq_");
        self.models[m]
            .constraints
            .push((name.clone(), "id".to_owned()));
        format!(
            "migrations.AddConstraint(model_name='{model}', constraint=models.UniqueConstraint(fields=['id'], name='{name}'))"
        )
    }

    fn run_sql(&mut self, m: usize, atomic: bool) -> String {
        let sql = match self.rng.below(4) {
            0 => "SET lock_timeout = '2s'".to_owned(),
            1 => "SET statement_timeout = '5s'".to_owned(),
            2 if !atomic => {
                let name = self.fresh("rs_");
                format!(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {} (id)",
                    self.table(m)
                )
            }
            _ => format!("ANALYZE {}", self.table(m)),
        };
        format!("migrations.RunSQL(\"{sql}\", reverse_sql=migrations.RunSQL.noop)")
    }

    /// The table Django gives model `m`.
    fn table(&self, m: usize) -> String {
        let model = &self.models[m];
        model
            .table
            .clone()
            .unwrap_or_else(|| format!("{}_{}", model.app, model.name.to_lowercase()))
    }
}

/// Write a project of `count` migrations; returns `(app, name, path)` of each.
pub fn write_project(dir: &Path, rng: &mut Rng, count: usize) -> Vec<(String, String, String)> {
    let mut generator = Gen {
        rng,
        models: Vec::new(),
        counter: 0,
        now: 0,
    };
    let mut latest: BTreeMap<&str, String> = BTreeMap::new();
    let mut out = Vec::new();
    for app in APPS {
        std::fs::create_dir_all(dir.join(app).join("migrations")).unwrap();
        std::fs::write(dir.join(app).join("__init__.py"), "").unwrap();
        std::fs::write(dir.join(app).join("migrations/__init__.py"), "").unwrap();
    }
    for i in 0..count {
        generator.now = i + 1;
        let app = APPS[generator.rng.below(APPS.len())];
        let atomic = !generator.rng.pct(20);
        // Every migration depends on the latest of each app, so `migrate`
        // applies them in the order they were written (the generator's
        // state is that order's).
        let mut deps: BTreeSet<String> = APPS
            .iter()
            .filter(|other| **other != app)
            .map(|other| format!("__latest__:{other}"))
            .collect();
        let mut operations = Vec::new();
        for _ in 0..1 + generator.rng.below(4) {
            operations.push(generator.operation(app, atomic, &mut deps));
        }
        let name = format!(
            "{:04}_auto",
            latest
                .get(app)
                .map_or(1, |l| l[..4].parse::<usize>().unwrap() + 1)
        );
        let mut dependencies: Vec<String> = Vec::new();
        if let Some(previous) = latest.get(app) {
            dependencies.push(format!("('{app}', '{previous}')"));
        }
        for dep in &deps {
            match dep.strip_prefix("__latest__:") {
                Some(other) => {
                    if let Some(previous) = latest.get(other) {
                        dependencies.push(format!("('{other}', '{previous}')"));
                    }
                }
                None => dependencies.push(dep.clone()),
            }
        }
        let text = format!(
            "import uuid\n\nimport django.db.models.deletion\nimport django.utils.timezone\nfrom django.conf import settings\nfrom django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n{}\n    dependencies = [{}]\n\n    operations = [\n{}\n    ]\n",
            if atomic { "" } else { "    atomic = False\n" },
            dependencies.join(", "),
            operations
                .iter()
                .map(|o| format!("        {o},"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let path = format!("{app}/migrations/{name}.py");
        std::fs::write(dir.join(&path), text).unwrap();
        latest.insert(app, name.clone());
        out.push((app.to_owned(), name, path));
    }
    out
}

/// squawk's rules per migration (`app/migrations/name.py`), from real
/// Django's `sqlmigrate` on `database` and real squawk.
pub fn oracle(python: &Path, squawk: &Path, pg: &Cluster, database: &str, dir: &Path) -> Rules {
    let out = dir.join("sql");
    let run = Command::new(python)
        .arg(fs::repo().join("tests/safety/django_oracle.py"))
        .arg(dir)
        .arg(&out)
        .arg(pg.socket())
        .arg(database)
        .env("PGPASSWORD", PASSWORD)
        .output()
        .expect("run django_oracle.py");
    assert!(
        run.status.success(),
        "django_oracle.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut rules = Rules::new();
    let mut by_sql = BTreeMap::new();
    for line in String::from_utf8_lossy(&run.stdout).lines() {
        let (app, name) = line.split_once(' ').expect("`<app> <name>`");
        let path = format!("{app}/migrations/{name}.py");
        rules.insert(path.clone(), BTreeSet::new());
        by_sql.insert(format!("{app}.{name}.sql"), path);
    }
    let lint = Command::new(squawk)
        .current_dir(&out)
        .args(["--reporter", "json"])
        .args(by_sql.keys())
        .output()
        .expect("run squawk");
    let violations: serde_json::Value = serde_json::from_slice(&lint.stdout).unwrap_or_else(|e| {
        panic!(
            "squawk's JSON: {e}: {}",
            String::from_utf8_lossy(&lint.stderr)
        )
    });
    for v in violations.as_array().expect("a list") {
        let file = Path::new(v["file"].as_str().expect("file"))
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let rule = v["rule_name"].as_str().expect("rule_name");
        rules
            .get_mut(&by_sql[&file])
            .expect("a known file")
            .insert(rule.to_owned());
    }
    rules
}

/// revguard's rules per migration, and the operations it did not check.
pub fn revguard(dir: &Path) -> (Rules, Vec<String>) {
    let output = cli::run(
        dir,
        &[
            "check",
            "--dialect",
            "django",
            "--format",
            "json",
            "--no-cache",
        ],
        &[],
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "revguard's JSON: {e}: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut rules = Rules::new();
    let mut unchecked = Vec::new();
    for found in report["safety"].as_array().into_iter().flatten() {
        let app = found["migration"]["app"].as_str().unwrap();
        let name = found["migration"]["name"].as_str().unwrap();
        let path = format!("{app}/migrations/{name}.py");
        let set = rules.entry(path.clone()).or_default();
        for finding in found["facts"]["findings"].as_array().into_iter().flatten() {
            set.insert(finding["rule"].as_str().unwrap().to_owned());
        }
        for part in found["facts"]["unchecked"].as_array().into_iter().flatten() {
            unchecked.push(format!("{path}: {} ({})", part["call"], part["reason"]));
        }
        for part in found["facts"]["refused"].as_array().into_iter().flatten() {
            unchecked.push(format!("{path}: refused {}", part["command"]));
        }
    }
    (rules, unchecked)
}

//! The project index: models, seeds and sources by name, with their configs
//! and relation names. Depends on file names, properties YAML and settings,
//! not on model SQL, so typing in a model never invalidates it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::db::{Db, Project, SourceFile};
use crate::project::{
    parse_properties, FileKind, ModelConfig, ModelProperties, Properties, SourceTable,
};

/// A model or seed known to the project.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeInfo {
    pub file: SourceFile,
    pub name: String,
    pub package: String,
    pub config: ModelConfig,
    /// The warehouse relation: (schema, identifier).
    pub relation: (String, String),
    /// The database it is built in (relations are told apart by schema
    /// and identifier; the database is what `this.database` renders).
    pub database: String,
    pub is_seed: bool,
    /// A snapshot or a Python model: it exists, but Loupe does not read its columns.
    pub opaque: bool,
    pub file_kind: FileKind,
    /// Path inside the package's model or seed folder.
    pub file_relative: String,
    /// A snapshot defined in YAML: the relation it snapshots, as written
    /// (`ref('orders')`); its `file` is the properties file.
    pub snapshot_of: Option<String>,
}

impl NodeInfo {
    /// A SQL model Loupe renders and analyzes.
    pub fn is_sql_model(&self) -> bool {
        !self.is_seed && !self.opaque
    }
}

/// Models, seeds and sources of the project.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectIndex {
    pub nodes: Vec<NodeInfo>,
    by_name: BTreeMap<String, Vec<usize>>,
    by_file: rustc_hash::FxHashMap<SourceFile, usize>,
    /// The first node building each (schema, identifier), lower-case: every
    /// source a model reads is looked up here.
    by_relation: rustc_hash::FxHashMap<(String, String), usize>,
    /// The first source (by name) declared on each (schema, identifier).
    source_by_relation: rustc_hash::FxHashMap<(String, String), (String, String)>,
    pub sources: BTreeMap<(String, String), SourceTable>,
    /// Source table declarations: which properties file and where.
    pub source_files: BTreeMap<(String, String), SourceFile>,
    pub properties: BTreeMap<String, (SourceFile, ModelProperties)>,
    /// Names defined by more than one model.
    pub duplicates: Vec<String>,
    /// Nodes that one (database, schema, identifier) names, as dbt compares
    /// them (exactly), where more than one node does.
    shared_relations: rustc_hash::FxHashMap<(String, String, String), Vec<usize>>,
    /// Properties files that failed to parse: (file, message).
    pub broken_properties: Vec<(SourceFile, String)>,
    /// What properties files do that dbt accepts but is likely a mistake.
    pub properties_warnings: Vec<(SourceFile, String, usize)>,
}

impl ProjectIndex {
    /// The node a `ref()` names: the given package's first, else the root's, else any.
    pub fn node(&self, name: &str, package: Option<&str>) -> Option<&NodeInfo> {
        let ids = self.by_name.get(&name.to_lowercase())?;
        let nodes = ids.iter().map(|&i| &self.nodes[i]);
        let mut first = None;
        for n in nodes {
            if package.is_some_and(|p| p == n.package) {
                return Some(n);
            }
            first.get_or_insert(n);
        }
        first
    }

    /// Every node a `ref()` of `name` may reach, the given package's first
    /// (several when models are twins enabled for different targets).
    pub fn nodes_named(&self, name: &str, package: Option<&str>) -> Vec<&NodeInfo> {
        let Some(ids) = self.by_name.get(&name.to_lowercase()) else {
            return Vec::new();
        };
        let mut nodes: Vec<&NodeInfo> = ids.iter().map(|&i| &self.nodes[i]).collect();
        if let Some(package) = package {
            nodes.sort_by_key(|n| n.package != package);
        }
        nodes
    }

    /// The other nodes built as the same relation as `node` (enabled or not).
    pub fn nodes_sharing_relation(&self, node: &NodeInfo) -> Vec<&NodeInfo> {
        if self.shared_relations.is_empty() {
            return Vec::new();
        }
        let key = (
            node.database.clone(),
            node.relation.0.clone(),
            node.relation.1.clone(),
        );
        self.shared_relations
            .get(&key)
            .map_or_else(Vec::new, |ids| {
                ids.iter()
                    .map(|&i| &self.nodes[i])
                    .filter(|n| !std::ptr::eq(*n, node))
                    .collect()
            })
    }

    pub fn node_for_file(&self, file: SourceFile) -> Option<&NodeInfo> {
        // A snapshot file holds several nodes: the first is the file's.
        self.by_file.get(&file).map(|&i| &self.nodes[i])
    }

    /// Models and seeds named `schema.identifier` in the warehouse.
    pub fn node_by_relation(&self, schema: &str, identifier: &str) -> Option<&NodeInfo> {
        let key = (schema.to_lowercase(), identifier.to_lowercase());
        self.by_relation.get(&key).map(|&i| &self.nodes[i])
    }

    pub fn source_by_relation(&self, schema: &str, identifier: &str) -> Option<&SourceTable> {
        let key = (schema.to_lowercase(), identifier.to_lowercase());
        self.sources.get(self.source_by_relation.get(&key)?)
    }

    /// The seed or model whose output a `source()` reads: one building the
    /// source's relation, unless a fabric described the table.
    pub fn node_read_through_source(
        &self,
        source: &SourceTable,
        catalog: &crate::project::WarehouseCatalog,
    ) -> Option<&NodeInfo> {
        // A fabric's description of the table wins; columns the YAML lists
        // (often some only, to test them) do not: the node builds them all.
        if catalog
            .columns(&source.schema, &source.identifier)
            .is_some()
        {
            return None;
        }
        self.node_by_relation(&source.schema, &source.identifier)
    }

    /// The project's node that source `source.table` (as lineage names it)
    /// reads: a source declared on the relation a seed or model builds.
    pub fn node_behind_source(&self, display: &str) -> Option<&NodeInfo> {
        let (source, table) = display.split_once('.')?;
        let s = self
            .sources
            .get(&(source.to_lowercase(), table.to_lowercase()))?;
        self.node_by_relation(&s.schema, &s.identifier)
    }

    /// A relation a gem reads (`schema.table` as the SQL names it) as the
    /// project names it: the model or seed that builds it, `source.table`,
    /// else as written.
    pub fn relation_display_name(&self, input: &str) -> String {
        let parts: Vec<&str> = input.split('.').collect();
        let [.., schema, table] = parts.as_slice() else {
            return input.to_string();
        };
        if let Some(n) = self.node_by_relation(schema, table) {
            return n.name.clone();
        }
        match self.source_by_relation(schema, table) {
            Some(s) => format!("{}.{}", s.source, s.table),
            None => input.to_string(),
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// How many names [`ProjectIndex::names`] lists.
    pub fn name_count(&self) -> usize {
        self.by_name.len()
    }
}

/// One properties file, parsed (Jinja in values rendered with vars and target).
#[salsa::tracked(returns(ref))]
pub fn file_properties(db: &dyn Db, project: Project, file: SourceFile) -> Arc<Properties> {
    let env = &super::render::settings_environment(db, project).0;
    let dialect = project.settings(db).dialect;
    Arc::new(parse_properties(
        file.text(db),
        &|text| env.render_str(text).unwrap_or_default(),
        dialect,
    ))
}

/// The `models:` or `seeds:` block of a package's dbt_project.yml for files of `kind`.
fn config_tree(package: &crate::db::PackageSettings, kind: FileKind) -> &serde_yaml::Value {
    match kind {
        FileKind::Seed => &package.seeds,
        FileKind::Snapshot => &package.snapshots,
        _ => &package.models,
    }
}

/// A node of the index before naming gives it a relation and a database.
struct UnnamedNode {
    file: SourceFile,
    name: String,
    package: String,
    kind: FileKind,
    rel: String,
    config: crate::project::ModelConfig,
    snapshot_of: Option<String>,
}

#[salsa::tracked(returns(ref))]
pub fn project_index(db: &dyn Db, project: Project) -> Arc<ProjectIndex> {
    let settings = project.settings(db);
    let root = settings.packages.first();
    let env = &super::render::settings_environment(db, project).0;
    // Folder configs repeat one text for every model under them (tuva renders
    // `{{ var('claims_enabled') }}` for a thousand models); vars and target do
    // not change within the index, so each text is rendered once.
    let rendered: std::cell::RefCell<rustc_hash::FxHashMap<String, String>> = Default::default();
    let render = |text: &str| {
        if let Some(out) = rendered.borrow().get(text) {
            return out.clone();
        }
        let out = env.render_str(text).unwrap_or_default();
        rendered.borrow_mut().insert(text.to_string(), out.clone());
        out
    };
    let naming = super::naming::project_naming(db, project);
    let mut index = ProjectIndex::default();
    let mut props_by_name: BTreeMap<String, ModelProperties> = BTreeMap::new();
    // Snapshots defined in YAML: (properties file, name, what they snapshot).
    let mut yaml_snapshots = Vec::new();
    for &file in project.files(db).iter() {
        if file.kind(db) != FileKind::Properties {
            continue;
        }
        let props = file_properties(db, project, file);
        if let Some(e) = &props.error {
            index.broken_properties.push((file, e.clone()));
        }
        for (message, offset) in &props.warnings {
            index
                .properties_warnings
                .push((file, message.clone(), *offset));
        }
        for s in &props.sources {
            let key = (s.source.to_lowercase(), s.table.to_lowercase());
            index.sources.insert(key.clone(), s.clone());
            index.source_files.insert(key, file);
        }
        for m in props
            .models
            .iter()
            .chain(&props.seeds)
            .chain(&props.snapshots)
        {
            props_by_name.insert(m.name.to_lowercase(), m.clone());
            index
                .properties
                .insert(m.name.to_lowercase(), (file, m.clone()));
        }
        for s in &props.snapshots {
            if let Some(of) = &s.snapshot_of {
                yaml_snapshots.push((file, s.name.clone(), of.clone()));
            }
        }
    }
    // A node's config: its package's, then the root project's for that
    // package, then its properties'.
    let node_config = |package: &str, rel: &str, kind: FileKind, name: &str| {
        let mut config = settings
            .packages
            .iter()
            .find(|p| p.name == package)
            .map(|p| ModelConfig::from_tree(config_tree(p, kind), package, rel, &render))
            .unwrap_or_default();
        if let Some(root) = root.filter(|r| r.name != package) {
            let overrides = ModelConfig::from_tree(config_tree(root, kind), package, rel, &render);
            merge_config(&mut config, overrides);
        }
        if let Some(props) = props_by_name.get(&name.to_lowercase()) {
            merge_config(&mut config, props.config.clone());
            if props.contract_enforced {
                config.contract_enforced = Some(true);
            }
        }
        config
    };
    let mut unnamed: Vec<UnnamedNode> = Vec::new();
    for &file in project.files(db).iter() {
        let kind = file.kind(db);
        if !matches!(
            kind,
            FileKind::Model | FileKind::Seed | FileKind::Snapshot | FileKind::PythonModel
        ) {
            continue;
        }
        let package = file.package(db).clone();
        let rel = file.package_relative(db);
        let stem = rel
            .rsplit('/')
            .next()
            .unwrap_or(rel)
            .rsplit_once('.')
            .map_or(rel.as_str(), |(n, _)| n)
            .to_string();
        // A snapshot file names its snapshots in `{% snapshot name %}` blocks.
        let names = if kind == FileKind::Snapshot {
            snapshot_names(file.text(db))
        } else {
            vec![stem]
        };
        for name in names {
            let config = node_config(&package, rel, kind, &name);
            unnamed.push(UnnamedNode {
                file,
                name,
                package: package.clone(),
                kind,
                rel: rel.clone(),
                config,
                snapshot_of: None,
            });
        }
    }
    for (file, name, of) in yaml_snapshots {
        let package = file.package(db).clone();
        let rel = file.package_relative(db).clone();
        let kind = FileKind::Snapshot;
        let config = node_config(&package, &rel, kind, &name);
        unnamed.push(UnnamedNode {
            file,
            name,
            package,
            kind,
            rel,
            config,
            snapshot_of: Some(of),
        });
    }
    // A model's own `config()` tags name its relation too (they win over
    // the project's and the properties' config, as in dbt).
    let own_config_text: Vec<Option<&str>> = unnamed
        .iter()
        .map(|n| n.file.config_tags(db).as_deref())
        .collect();
    // Naming macros the project overrides, and models' config tags, are
    // rendered for every node: on all cores.
    let min_run = if naming.renders_macros() || own_config_text.iter().any(Option::is_some) {
        32
    } else {
        usize::MAX
    };
    let config_env = own_config_text
        .iter()
        .any(Option::is_some)
        .then(|| &super::render::config_environment(db, project).0);
    let with_text: Vec<(&UnnamedNode, Option<&str>)> = unnamed
        .iter()
        .zip(own_config_text.iter().copied())
        .collect();
    let names = crate::parallel::map_in_parallel(&with_text, min_run, |&(node, text)| {
        let own = text
            .zip(config_env)
            .map(|(text, env)| own_naming_config(env, node, text));
        let config = own.as_ref().unwrap_or(&node.config);
        let named = super::naming::NamedNode {
            name: &node.name,
            package: &node.package,
            resource_type: match node.kind {
                FileKind::Seed => "seed",
                FileKind::Snapshot => "snapshot",
                _ => "model",
            },
            path: &node.rel,
            custom_schema: config.schema.as_deref(),
            custom_alias: config.alias.as_deref(),
            custom_database: config.database.as_deref(),
            materialized: config.materialized.as_deref(),
        };
        let (mut relation, mut database) = (naming.relation(&named), naming.database(&named));
        // A snapshot's legacy target schema and database are taken as written.
        if node.kind == FileKind::Snapshot {
            if let Some(schema) = &config.snapshot.target_schema {
                relation.0 = schema.clone();
            }
            if let Some(db) = &config.snapshot.target_database {
                database = db.clone();
            }
        }
        (relation, database, own)
    });
    for (mut node, (relation, database, own)) in unnamed.into_iter().zip(names) {
        if let Some(own) = own {
            node.config = own;
        }
        let UnnamedNode {
            file,
            name,
            package,
            kind,
            rel,
            config,
            snapshot_of,
        } = node;
        let id = index.nodes.len();
        // A YAML snapshot's file is a properties file, not its own.
        if snapshot_of.is_none() {
            index.by_file.entry(file).or_insert(id);
        }
        index
            .by_relation
            .entry((relation.0.to_lowercase(), relation.1.to_lowercase()))
            .or_insert(id);
        index
            .by_name
            .entry(name.to_lowercase())
            .or_default()
            .push(id);
        index.nodes.push(NodeInfo {
            file,
            name,
            package,
            config,
            relation,
            database,
            is_seed: kind == FileKind::Seed,
            opaque: kind == FileKind::PythonModel
                || snapshot_of.is_some()
                || kind == FileKind::Snapshot
                    && !super::snapshot::is_single_snapshot(file.text(db)),
            file_kind: kind,
            file_relative: rel,
            snapshot_of,
        });
    }
    // Versioned models: `ref('x')` is the latest version, `x_v<N>`.
    for props in props_by_name.values() {
        let Some(latest) = props
            .latest_version
            .clone()
            .or_else(|| props.versions.last().cloned())
        else {
            continue;
        };
        let versioned = format!("{}_v{latest}", props.name).to_lowercase();
        if let Some(ids) = index.by_name.get(&versioned).cloned() {
            index
                .by_name
                .entry(props.name.to_lowercase())
                .or_default()
                .extend(ids);
        }
    }
    for (key, s) in &index.sources {
        index
            .source_by_relation
            .entry((s.schema.to_lowercase(), s.identifier.to_lowercase()))
            .or_insert_with(|| key.clone());
    }
    let mut by_exact_relation: rustc_hash::FxHashMap<(&str, &str, &str), Vec<usize>> =
        rustc_hash::FxHashMap::default();
    for (id, n) in index.nodes.iter().enumerate() {
        by_exact_relation
            .entry((&n.database, &n.relation.0, &n.relation.1))
            .or_default()
            .push(id);
    }
    let shared: Vec<_> = by_exact_relation
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|((d, s, i), ids)| ((d.to_string(), s.to_string(), i.to_string()), ids))
        .collect();
    index.shared_relations.extend(shared);
    for (name, ids) in &index.by_name {
        let models: Vec<&NodeInfo> = ids
            .iter()
            .map(|&i| &index.nodes[i])
            .filter(|n| n.is_sql_model())
            .collect();
        let same_package = models
            .iter()
            .any(|a| models.iter().filter(|b| b.package == a.package).count() > 1);
        if same_package {
            index.duplicates.push(name.clone());
        }
    }
    Arc::new(index)
}

/// The names of the `{% snapshot name %}` blocks of a file.
fn snapshot_names(text: &str) -> Vec<String> {
    crate::jinja::source_map::scan_tags(text)
        .into_iter()
        .filter_map(|t| {
            let inner = crate::jinja::source_map::tag_inner(text, t.range)
                .trim_matches(['-', '+', ' ', '\t', '\n', '\r']);
            let name = inner.strip_prefix("snapshot")?.trim();
            (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .then(|| name.to_string())
        })
        .collect()
}

/// `node`'s config with what the `config()` tags of its text set for its
/// relation's name, where vars and target alone render them.
fn own_naming_config(
    env: &crate::jinja::JinjaEnvironment,
    node: &UnnamedNode,
    text: &str,
) -> ModelConfig {
    let context = crate::jinja::RenderContext {
        name: node.name.clone(),
        package: node.package.clone(),
        path: node.rel.clone(),
        resource_type: "model".into(),
        config: node.config.as_map(),
        ..Default::default()
    };
    let set = env.config_in_text(
        text,
        context,
        &[
            "schema",
            "alias",
            "database",
            "materialized",
            "target_schema",
            "target_database",
        ],
    );
    let mut config = node.config.clone();
    let value = |key: &str| {
        set.get(key)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"))
    };
    for (key, slot) in [
        ("schema", &mut config.schema),
        ("alias", &mut config.alias),
        ("database", &mut config.database),
        ("materialized", &mut config.materialized),
        ("target_schema", &mut config.snapshot.target_schema),
        ("target_database", &mut config.snapshot.target_database),
    ] {
        if let Some(v) = value(key) {
            *slot = Some(v);
        }
    }
    config
}

fn merge_config(base: &mut ModelConfig, overrides: ModelConfig) {
    let ModelConfig {
        materialized,
        schema,
        alias,
        database,
        enabled,
        contract_enforced,
        column_types,
        file_format,
        partition_by,
        snapshot,
    } = overrides;
    base.materialized = materialized.or(base.materialized.take());
    base.schema = schema.or(base.schema.take());
    base.alias = alias.or(base.alias.take());
    base.database = database.or(base.database.take());
    base.enabled = enabled.or(base.enabled);
    base.contract_enforced = contract_enforced.or(base.contract_enforced);
    base.file_format = file_format.or(base.file_format.take());
    base.partition_by = partition_by.or(base.partition_by.take());
    crate::project::update_column_types(&mut base.column_types, column_types);
    merge_snapshot_config(&mut base.snapshot, snapshot);
}

fn merge_snapshot_config(
    base: &mut crate::project::SnapshotConfig,
    overrides: crate::project::SnapshotConfig,
) {
    let crate::project::SnapshotConfig {
        target_schema,
        target_database,
        updated_at,
        hard_deletes,
        meta_column_names,
    } = overrides;
    base.target_schema = target_schema.or(base.target_schema.take());
    base.target_database = target_database.or(base.target_database.take());
    base.updated_at = updated_at.or(base.updated_at.take());
    base.hard_deletes = hard_deletes.or(base.hard_deletes.take());
    if !meta_column_names.is_empty() {
        base.meta_column_names = meta_column_names;
    }
}

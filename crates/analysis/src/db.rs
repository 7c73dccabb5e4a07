//! The salsa database and its inputs: every project file's text, and the
//! project settings (which change rarely, so they get high durability). Files
//! load with medium durability; a model an editor opens turns low
//! (`AnalysisHost::set_editor_text`).

use std::sync::Arc;

use crate::project::{FileKind, Target, WarehouseCatalog};
use crate::syntax::Dialect;

#[salsa::db]
pub trait Db: salsa::Database {}

#[salsa::db]
#[derive(Default, Clone)]
pub struct RootDatabase {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for RootDatabase {}

#[salsa::db]
impl Db for RootDatabase {}

/// One file of the project or of a package.
#[salsa::input(debug)]
pub struct SourceFile {
    /// The path shown to users (relative to the project root).
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: Arc<str>,
    #[returns(copy)]
    pub kind: FileKind,
    #[returns(ref)]
    pub package: String,
    /// Path inside the package's model/seed/macro folder.
    #[returns(ref)]
    pub package_relative: String,
    /// A model's `{{ config(...) }}` tags as written: what of its text names
    /// its relation, apart from `text` so that the project index, which
    /// every model reads, depends on no model's text (see `set_editor_text`).
    #[returns(ref)]
    pub config_tags: Option<Arc<str>>,
}

/// One package's settings from its `dbt_project.yml`.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageSettings {
    pub name: String,
    pub models: serde_yaml::Value,
    pub seeds: serde_yaml::Value,
    pub snapshots: serde_yaml::Value,
    pub vars: serde_yaml::Value,
}

/// Project-wide settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectSettings {
    /// The root package first.
    pub packages: Vec<PackageSettings>,
    pub dispatch: Vec<(String, Vec<String>)>,
    pub target: Target,
    pub dialect: Dialect,
    /// `--vars` of the invocation: they win over every `vars:` of the project.
    pub vars: serde_yaml::Value,
}

impl ProjectSettings {
    pub fn root_package(&self) -> &str {
        self.packages.first().map_or("", |p| p.name.as_str())
    }
}

/// The project: its settings and files.
#[salsa::input(debug)]
pub struct Project {
    #[returns(ref)]
    pub settings: Arc<ProjectSettings>,
    #[returns(ref)]
    pub files: Arc<Vec<SourceFile>>,
    /// Warehouse tables a fabric described (the project's sources).
    #[returns(ref)]
    pub catalog: Arc<WarehouseCatalog>,
}

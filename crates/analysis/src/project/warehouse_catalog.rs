//! What a fabric said about the warehouse tables the project's sources
//! name: columns and types by `schema.table`. It is an input of the
//! analysis (kept in `target/loupe-catalog.json` between runs), so sources
//! get their real schemas, whole, where YAML lists none or some columns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SourceTable;
use crate::schema::{Column, RelationSchema};
use crate::types::parse_type;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseCatalog {
    /// The fabric that answered.
    #[serde(default)]
    pub fabric: String,
    /// `schema.table` (lower-case) → columns with the fabric's type names.
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<(String, String)>>,
}

fn key(schema: &str, table: &str) -> String {
    format!("{schema}.{table}").to_lowercase()
}

impl WarehouseCatalog {
    pub fn path(root: &Path) -> PathBuf {
        root.join("target").join("loupe-catalog.json")
    }

    /// The catalog saved for a project; none (or an unreadable one) is empty.
    pub fn load(root: &Path) -> WarehouseCatalog {
        std::fs::read_to_string(Self::path(root))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, root: &Path) -> Result<(), String> {
        let path = Self::path(root);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self).expect("a catalog is plain data");
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn insert(&mut self, schema: &str, table: &str, columns: Vec<(String, String)>) {
        self.tables.insert(key(schema, table), columns);
    }

    pub fn columns(&self, schema: &str, table: &str) -> Option<&[(String, String)]> {
        self.tables.get(&key(schema, table)).map(Vec::as_slice)
    }

    /// A source's columns: as a fabric described them (the whole table),
    /// else as its YAML declares them.
    pub fn source_schema(&self, source: &SourceTable) -> Option<RelationSchema> {
        self.schema(&source.schema, &source.identifier)
            .or_else(|| source.schema())
    }

    /// Whether a source's known columns are only those its YAML documents.
    pub fn only_documented(&self, source: &SourceTable) -> bool {
        source.columns.is_some() && self.columns(&source.schema, &source.identifier).is_none()
    }

    /// Whether a source's columns are known (declared, or described by a fabric).
    pub fn knows_source(&self, source: &SourceTable) -> bool {
        source.columns.is_some() || self.columns(&source.schema, &source.identifier).is_some()
    }

    /// The table as a relation the analysis reads.
    pub fn schema(&self, schema: &str, table: &str) -> Option<RelationSchema> {
        let columns = self.columns(schema, table)?;
        Some(RelationSchema::closed(
            columns
                .iter()
                .map(|(name, ty)| Column::new(name.clone(), parse_type(ty)))
                .collect(),
        ))
    }
}

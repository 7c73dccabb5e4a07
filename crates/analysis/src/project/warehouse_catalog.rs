//! What a fabric said about the warehouse tables the project's sources
//! name: columns and types by `schema.table`. It is an input of the
//! analysis (kept in `target/loupe-catalog.json` between runs), so sources
//! get their real schemas, whole, where YAML lists none or some columns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SourceTable;
use crate::schema::{Column, RelationSchema};
use crate::syntax::Dialect;
use crate::types::parse_type_in;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarehouseCatalog {
    /// The fabric that answered.
    #[serde(default)]
    pub fabric: String,
    /// `schema.table` (lower-case) → columns with the fabric's type names.
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<(String, String)>>,
    /// `schema.table` (lower-case) → the engine whose names its types are
    /// written in (`snowflake`, `databricks`); DuckDB's where none is kept.
    /// The same text means another type on another engine (a Snowflake
    /// FLOAT is a double, a Spark TIMESTAMP an instant).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub type_names: BTreeMap<String, String>,
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

    /// Keeps a table's columns as the engine of `dialect` named their types.
    pub fn insert(
        &mut self,
        schema: &str,
        table: &str,
        columns: Vec<(String, String)>,
        dialect: Dialect,
    ) {
        let key = key(schema, table);
        match dialect {
            Dialect::DuckDb => self.type_names.remove(&key),
            _ => self
                .type_names
                .insert(key.clone(), format!("{dialect:?}").to_lowercase()),
        };
        self.tables.insert(key, columns);
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
        let dialect = self
            .type_names
            .get(&key(schema, table))
            .and_then(|name| Dialect::from_name(name))
            .unwrap_or(Dialect::DuckDb);
        Some(RelationSchema::closed(
            columns
                .iter()
                .map(|(name, ty)| Column::new(name.clone(), parse_type_in(ty, dialect)))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(catalog: &WarehouseCatalog, table: &str) -> Vec<String> {
        let schema = catalog.schema("raw", table).unwrap();
        schema
            .columns
            .iter()
            .map(|c| format!("{:?}", c.ty))
            .collect()
    }

    #[test]
    fn types_read_in_the_language_of_the_engine_that_described_them() {
        let columns = |names: &[&str]| {
            names
                .iter()
                .enumerate()
                .map(|(i, ty)| (format!("c{i}"), ty.to_string()))
                .collect::<Vec<_>>()
        };
        let mut catalog = WarehouseCatalog::default();
        catalog.insert(
            "RAW",
            "Events",
            columns(&["TIMESTAMP", "TIMESTAMP_NTZ", "DECIMAL"]),
            Dialect::Databricks,
        );
        catalog.insert(
            "raw",
            "orders",
            columns(&["FLOAT", "NUMBER", "TIMESTAMP_LTZ"]),
            Dialect::Snowflake,
        );
        catalog.insert(
            "raw",
            "local",
            columns(&["FLOAT", "TIMESTAMP", "DECIMAL"]),
            Dialect::DuckDb,
        );
        // Spark has two timestamps, TIMESTAMP and TIMESTAMP_NTZ; a bare DECIMAL is (10,0).
        assert_eq!(
            types(&catalog, "events"),
            ["Timestamp", "Named(\"TIMESTAMP_NTZ\")", "Decimal(10, 0)"]
        );
        // Every Snowflake float is a double; a bare NUMBER is NUMBER(38,0).
        assert_eq!(
            types(&catalog, "orders"),
            ["Double", "Decimal(38, 0)", "TimestampTz"]
        );
        assert_eq!(
            types(&catalog, "local"),
            ["Float", "Timestamp", "Decimal(18, 3)"]
        );

        // Kept across a save; a catalog written before the engine was kept reads DuckDB's names.
        let text = serde_json::to_string(&catalog).unwrap();
        let reloaded: WarehouseCatalog = serde_json::from_str(&text).unwrap();
        assert_eq!(reloaded, catalog);
        let older: WarehouseCatalog = serde_json::from_str(
            r#"{"fabric": "warehouse", "tables": {"raw.orders": [["c0", "FLOAT"]]}}"#,
        )
        .unwrap();
        assert_eq!(types(&older, "orders"), ["Float"]);

        // Described again by another engine, the table takes its names.
        catalog.insert("raw", "events", columns(&["TIMESTAMP"]), Dialect::DuckDb);
        assert_eq!(types(&catalog, "events"), ["Timestamp"]);
        assert!(!catalog.type_names.contains_key("raw.events"));
    }
}

//! dbt's relation naming: which schema and identifier a model, seed or
//! snapshot builds. Projects (and packages) override `generate_schema_name`,
//! `generate_alias_name` and `generate_database_name`; those overrides decide, rendered through the
//! project's Jinja with the node, as dbt does. Without overrides, dbt's
//! defaults are computed directly.

use std::sync::Arc;

use crate::db::{Db, Project};
use crate::jinja::{JinjaEnvironment, JinjaProject, MacroFile};

use super::render::{base_jinja_project, JinjaHandle};

/// The naming macros a project overrides, and the environment to call them in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    environment: Option<JinjaHandle>,
    overrides_schema: bool,
    overrides_alias: bool,
    overrides_database: bool,
    target_schema: String,
    target_database: String,
}

/// What a naming macro sees of the node it names.
pub struct NamedNode<'a> {
    pub name: &'a str,
    pub package: &'a str,
    pub resource_type: &'a str,
    pub path: &'a str,
    pub custom_schema: Option<&'a str>,
    pub custom_alias: Option<&'a str>,
    pub custom_database: Option<&'a str>,
    pub materialized: Option<&'a str>,
}

fn defines_override(text: &str, what: &str) -> bool {
    // `{% macro generate_schema_name(` or `{% macro default__generate_schema_name(` ...
    text.match_indices(&format!("generate_{what}_name"))
        .any(|(i, _)| {
            let before = text[..i].trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
            before.trim_end().ends_with("macro")
        })
}

/// The project's naming: which macros it overrides, with an environment of
/// its macros when it overrides any. Macro edits that leave naming alone
/// stop here (the value compares equal only when nothing changed).
#[salsa::tracked(returns(ref))]
pub fn project_naming(db: &dyn Db, project: Project) -> Naming {
    let settings = project.settings(db);
    let macro_files = super::render::macro_files(db, project);
    let overrides_schema = macro_files
        .iter()
        .any(|f| defines_override(&f.text, "schema"));
    let overrides_alias = macro_files
        .iter()
        .any(|f| defines_override(&f.text, "alias"));
    let overrides_database = macro_files
        .iter()
        .any(|f| defines_override(&f.text, "database"));
    // Only the files that define the overrides: compiling every macro of a
    // large project (and its packages) a second time costs more than all the
    // naming calls. An override that calls other macros of the project fails
    // to render here and leaves dbt's default in place.
    let naming_files: Vec<MacroFile> = macro_files
        .into_iter()
        .filter(|f| {
            ["schema", "alias", "database"]
                .iter()
                .any(|what| defines_override(&f.text, what))
        })
        .collect();
    let environment = (overrides_schema || overrides_alias || overrides_database).then(|| {
        JinjaHandle(Arc::new(JinjaEnvironment::new(JinjaProject {
            macro_files: naming_files,
            ..base_jinja_project(settings)
        })))
    });
    Naming {
        environment,
        overrides_schema,
        overrides_alias,
        overrides_database,
        target_schema: settings.target.schema.clone(),
        target_database: settings.target.database.clone(),
    }
}

impl Naming {
    /// Whether naming a node renders the project's macros (else it is cheap).
    pub fn renders_macros(&self) -> bool {
        self.environment.is_some()
    }

    /// The (schema, identifier) dbt builds `node` into.
    pub fn relation(&self, node: &NamedNode) -> (String, String) {
        let custom_schema = node
            .custom_schema
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "none");
        let custom_alias = node
            .custom_alias
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "none");
        let schema = match (&self.environment, self.overrides_schema) {
            (Some(env), true) => self
                .call(&env.0, "generate_schema_name", custom_schema, node)
                .unwrap_or_else(|| default_schema(&self.target_schema, custom_schema)),
            _ => default_schema(&self.target_schema, custom_schema),
        };
        let alias = match (&self.environment, self.overrides_alias) {
            (Some(env), true) => self
                .call(&env.0, "generate_alias_name", custom_alias, node)
                .unwrap_or_else(|| custom_alias.unwrap_or(node.name).to_string()),
            _ => custom_alias.unwrap_or(node.name).to_string(),
        };
        (schema, alias)
    }

    /// The database dbt builds `node` into: the project's
    /// `generate_database_name`, else the custom database or the target's.
    pub fn database(&self, node: &NamedNode) -> String {
        let custom = node
            .custom_database
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "none");
        let default = || custom.unwrap_or(&self.target_database).to_string();
        match (&self.environment, self.overrides_database) {
            (Some(env), true) => self
                .call(&env.0, "generate_database_name", custom, node)
                .unwrap_or_else(default),
            _ => default(),
        }
    }

    /// Calls a naming macro as dbt does: `generate_x_name(custom, node)`.
    /// A macro that fails leaves dbt's default in place.
    fn call(
        &self,
        env: &JinjaEnvironment,
        macro_name: &str,
        custom: Option<&str>,
        node: &NamedNode,
    ) -> Option<String> {
        let folder = if node.resource_type == "seed" {
            "seeds"
        } else {
            "models"
        };
        let fqn: Vec<&str> = std::iter::once(node.package)
            .chain(
                node.path
                    .rsplit_once('/')
                    .map(|(dir, _)| dir)
                    .into_iter()
                    .flat_map(|d| d.split('/')),
            )
            .chain(std::iter::once(node.name))
            .collect();
        let context = serde_json::json!({
            "custom": custom,
            "node": {
                "name": node.name,
                "alias": node.name,
                "resource_type": node.resource_type,
                "package_name": node.package,
                "unique_id": format!("{}.{}.{}", node.resource_type, node.package, node.name),
                "path": node.path,
                "original_file_path": format!("{folder}/{}", node.path),
                "fqn": fqn,
                "config": {
                    "schema": node.custom_schema,
                    "alias": node.custom_alias,
                    "database": node.custom_database,
                    "materialized": node.materialized,
                },
                "tags": [],
            },
        });
        let text = format!("{{{{ {macro_name}(custom, node) }}}}");
        let out = env.render_with(&text, context).ok()?;
        let out = out.trim();
        (!out.is_empty()).then(|| out.to_string())
    }
}

/// dbt's default `generate_schema_name`: the target schema, or `target_custom`.
pub fn default_schema(target_schema: &str, custom: Option<&str>) -> String {
    match custom.map(str::trim).filter(|s| !s.is_empty()) {
        Some(custom) => format!("{target_schema}_{custom}"),
        None => target_schema.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::defines_override;

    #[test]
    fn finds_overrides_of_naming_macros() {
        assert!(defines_override(
            "{% macro generate_schema_name(custom_schema_name, node) -%}",
            "schema"
        ));
        assert!(defines_override(
            "{%- macro  default__generate_alias_name(custom_alias_name=none, node=none) %}",
            "alias"
        ));
        assert!(!defines_override(
            "{{ generate_schema_name(config.get('schema'), this) }}",
            "schema"
        ));
        assert!(!defines_override("{% macro generate_schema_name(", "alias"));
    }
}

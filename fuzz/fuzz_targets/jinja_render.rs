//! Renders a model template with dbt's context: the input's first part
//! (before a NUL byte) is a macro file of the project, the rest the model.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use loupe_analysis::jinja::{JinjaEnvironment, JinjaProject, MacroFile, RenderContext, VarScope};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (macros, model) = text.split_once('\0').unwrap_or(("", text));
    let mut project = JinjaProject {
        root_package: "shop".into(),
        adapter: "duckdb".into(),
        target_name: "dev".into(),
        target_schema: "main".into(),
        target_database: "shop".into(),
        ..Default::default()
    };
    project
        .relations
        .insert("orders".into(), ("main".into(), "orders".into()));
    project.sources.insert(
        ("raw".into(), "payments".into()),
        ("raw".into(), "payments".into()),
    );
    project
        .vars
        .push((VarScope::Root, "limit".into(), serde_json::json!(10)));
    project.macro_files.push(MacroFile {
        package: "shop".into(),
        path: "macros/fuzzed.sql".into(),
        text: Arc::from(macros),
    });
    let env = JinjaEnvironment::new(project);
    let context = RenderContext {
        name: "fuzzed".into(),
        package: "shop".into(),
        schema: "main".into(),
        alias: "fuzzed".into(),
        path: "models/fuzzed.sql".into(),
        resource_type: "model".into(),
        ..Default::default()
    };
    let _ = env.render_model(model, context, Default::default());
});

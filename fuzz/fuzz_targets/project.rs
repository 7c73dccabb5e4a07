//! Whole-project analysis of a small dbt project whose files come from the
//! input (split at NUL bytes): two models, a macro file and a properties
//! file, set into one loaded project as an editor would, then checked.
//! A panic while analyzing a file is reported as a diagnostic by `check`;
//! here it fails the run.
#![no_main]

use std::cell::RefCell;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use loupe_analysis::host::AnalysisHost;

const FILES: [&str; 4] = [
    "models/a.sql",
    "models/b.sql",
    "macros/m.sql",
    "models/schema.yml",
];

fn base_project() -> (PathBuf, AnalysisHost) {
    let root = std::env::temp_dir().join(format!("loupe-fuzz-project-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let files = [
        ("dbt_project.yml", "name: shop\nprofile: shop\nvars:\n  limit: 10\n"),
        ("seeds/raw_orders.csv", "id,amount,placed_at\n1,2.5,2024-01-01\n"),
        ("models/a.sql", "select id, amount from {{ ref('raw_orders') }}\n"),
        ("models/b.sql", "select id, sum(amount) as total from {{ ref('a') }} group by id\n"),
        ("macros/m.sql", "{% macro twice(x) %}({{ x }} * 2){% endmacro %}\n"),
        ("models/schema.yml", "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n"),
    ];
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let host = AnalysisHost::load(&root).unwrap();
    (root, host)
}

thread_local! {
    static PROJECT: RefCell<(PathBuf, AnalysisHost)> = RefCell::new(base_project());
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    PROJECT.with(|project| {
        let (root, host) = &mut *project.borrow_mut();
        for (path, part) in FILES.iter().zip(text.split('\0')) {
            host.set_file_text(&root.join(path), part.to_string());
        }
        for diagnostic in host.check() {
            assert!(
                !diagnostic.message.starts_with("internal error"),
                "{}: {}",
                diagnostic.file,
                diagnostic.message
            );
        }
        let _ = host.relation_schemas();
        let _ = host.all_lineage();
    });
});

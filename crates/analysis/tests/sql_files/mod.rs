//! The SQL files tests read as a user's repository would hold them: the
//! project's own (fixtures, examples) and, when `../shared` is there, the
//! corpora's.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}

/// Every .sql file of the project and the corpora; says so on stderr when
/// the corpora are not there.
pub fn project_and_corpus_sql_files() -> Vec<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["crates", "editors", "bench"] {
        collect(&repo.join(dir), &mut files);
    }
    let shared = std::env::var_os("LOUPE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared"));
    let corpora = shared.join("corpora");
    if corpora.is_dir() {
        collect(&corpora, &mut files);
    } else {
        use std::io::Write;
        let message = format!(
            "SKIPPED: corpora {} not found (set LOUPE_SHARED); project files only\n",
            corpora.display()
        );
        let _ = std::io::stderr().write_all(message.as_bytes());
    }
    files
}

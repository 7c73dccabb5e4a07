//! Helpers shared by the end-to-end tests (each test file uses some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `git` in `dir` with a test identity and `main` as the first branch.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Loupe Test",
            "-c",
            "user.email=test@loupe.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git is installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes the folder a repository: everything committed on `main`, then a
/// `feature` branch checked out.
pub fn on_a_feature_branch(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "the project as it is"]);
    git(dir, &["checkout", "-qb", "feature"]);
}

/// A corpus of the shared folder (`$LOUPE_SHARED`, else `../shared` beside
/// the clone), or `None` after saying SKIPPED when it is absent.
pub fn corpus(name: &str) -> Option<PathBuf> {
    let base = std::env::var_os("LOUPE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = base.join("corpora").join(name);
    if path.is_dir() {
        return Some(path);
    }
    // Straight to the process's stderr: the test harness would swallow eprintln!.
    use std::io::Write;
    let message = format!(
        "SKIPPED: corpus {} not found (set LOUPE_SHARED to the shared folder)\n",
        path.display()
    );
    let _ = std::io::stderr().write_all(message.as_bytes());
    None
}

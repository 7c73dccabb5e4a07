//! Helpers shared by the end-to-end tests.

use std::path::Path;
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

//! The project's Git repository as Loupe needs it: which revision a change is
//! measured against, that revision's files (copied aside, the working tree is
//! never touched), and which files were renamed or changed since.
//!
//! Knows nothing of dbt or of the analysis: paths in, paths out.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use git2::{Delta, DiffFindOptions, DiffOptions, ObjectType, Oid, Repository, TreeWalkMode};

/// The project's repository, and where the project sits in its working tree.
pub struct ProjectRepo {
    repo: Repository,
    workdir: PathBuf,
    /// The project root relative to the working tree (empty at the top).
    prefix: PathBuf,
}

/// The revision a change is measured against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseRevision {
    pub oid: String,
    /// How it was chosen, for people: `merge base of HEAD and main`, `origin/main`.
    pub label: String,
}

impl BaseRevision {
    pub fn short(&self) -> &str {
        &self.oid[..self.oid.len().min(10)]
    }
}

/// A file of the project that changed between the base and the working tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedFile {
    /// Project-relative path in the working tree (`None` when deleted).
    pub path: Option<String>,
    /// Project-relative path at the base (`None` when added).
    pub base_path: Option<String>,
}

impl ChangedFile {
    pub fn is_rename(&self) -> bool {
        matches!((&self.path, &self.base_path), (Some(a), Some(b)) if a != b)
    }
}

/// Files the working tree has beside the project but Git does not keep
/// (installed packages, local profiles, the fabric catalog): the base reads
/// them from the working tree, as `dbt` would when run at that revision.
const UNTRACKED_SUPPORT: &[&str] = &[
    "dbt_packages",
    "dbt_modules",
    "profiles.yml",
    "loupe.toml",
    "target/loupe-catalog.json",
];

fn git_error(what: &str, e: git2::Error) -> String {
    format!("{what}: {}", e.message())
}

impl ProjectRepo {
    /// The repository holding `project_root`; `Ok(None)` outside any repository.
    pub fn open(project_root: &Path) -> Result<Option<ProjectRepo>, String> {
        let root = project_root
            .canonicalize()
            .map_err(|e| format!("cannot read {}: {e}", project_root.display()))?;
        let repo = match Repository::discover(&root) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git_error("cannot open the Git repository", e)),
        };
        let Some(workdir) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
            return Ok(None); // a bare repository has no working tree to compare
        };
        let prefix = root
            .strip_prefix(&workdir)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        Ok(Some(ProjectRepo {
            repo,
            workdir,
            prefix,
        }))
    }

    /// The checked-out branch, or `detached at <commit>`.
    pub fn branch(&self) -> Option<String> {
        let head = self.repo.head().ok()?;
        if head.is_branch() {
            return head.shorthand().map(str::to_string);
        }
        let oid = head.target()?.to_string();
        Some(format!("detached at {}", &oid[..10]))
    }

    /// The branch changes merge into: what `origin/HEAD` names, else the first
    /// of main, master, trunk, develop that exists (local, then on origin).
    pub fn default_branch(&self) -> Option<String> {
        if let Ok(r) = self.repo.find_reference("refs/remotes/origin/HEAD") {
            if let Some(target) = r.symbolic_target() {
                return Some(target.trim_start_matches("refs/remotes/").to_string());
            }
        }
        let candidates = ["main", "master", "trunk", "develop"];
        for name in candidates {
            if self.repo.find_branch(name, git2::BranchType::Local).is_ok() {
                return Some(name.to_string());
            }
        }
        for name in candidates {
            let remote = format!("origin/{name}");
            if self
                .repo
                .find_branch(&remote, git2::BranchType::Remote)
                .is_ok()
            {
                return Some(remote);
            }
        }
        None
    }

    /// The base revision: `rev` when given (any revision Git understands),
    /// else the merge base of HEAD and the default branch (HEAD itself when on
    /// that branch, or when there is none).
    pub fn resolve_base(&self, rev: Option<&str>) -> Result<BaseRevision, String> {
        let head = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .ok_or("the repository has no commit yet: there is no base to compare with")?;
        if let Some(rev) = rev {
            let commit = self
                .repo
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map_err(|e| git_error(&format!("no revision `{rev}`"), e))?;
            return Ok(BaseRevision {
                oid: commit.id().to_string(),
                label: rev.to_string(),
            });
        }
        let Some(branch) = self.default_branch() else {
            return Ok(BaseRevision {
                oid: head.id().to_string(),
                label: "HEAD".into(),
            });
        };
        let other = self
            .repo
            .revparse_single(&branch)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| git_error(&format!("cannot read `{branch}`"), e))?;
        let base = self
            .repo
            .merge_base(head.id(), other.id())
            .map_err(|e| git_error(&format!("HEAD and `{branch}` share no history"), e))?;
        let on_default = self
            .branch()
            .is_some_and(|b| b == branch || format!("origin/{b}") == branch);
        let label = if base == head.id() && on_default {
            "HEAD".to_string()
        } else {
            format!("merge base of HEAD and {branch}")
        };
        Ok(BaseRevision {
            oid: base.to_string(),
            label,
        })
    }

    /// The project as it is at `base`, copied into a cache folder outside the
    /// working tree (reused while the base stays the same). Returns the
    /// project root inside that copy.
    pub fn materialize(&self, base: &BaseRevision) -> Result<PathBuf, String> {
        let cache = base_cache_folder(&self.workdir)?;
        let folder = cache.join(&base.oid);
        let project_root = folder.join(&self.prefix);
        if !folder.is_dir() {
            std::fs::create_dir_all(&cache)
                .map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
            // Written aside, then renamed: a copy cut short is never reused.
            let partial = cache.join(format!("{}.partial-{}", base.oid, std::process::id()));
            let _ = std::fs::remove_dir_all(&partial);
            self.write_tree(base, &partial)?;
            std::fs::rename(&partial, &folder)
                .or_else(|e| if folder.is_dir() { Ok(()) } else { Err(e) })
                .map_err(|e| format!("cannot write {}: {e}", folder.display()))?;
            forget_other_bases(&cache, &base.oid);
        }
        link_untracked_support(&self.workdir.join(&self.prefix), &project_root);
        Ok(project_root)
    }

    fn write_tree(&self, base: &BaseRevision, into: &Path) -> Result<(), String> {
        let oid = Oid::from_str(&base.oid).map_err(|e| git_error("bad revision", e))?;
        let tree = self
            .repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .map_err(|e| git_error("cannot read the base revision", e))?;
        std::fs::create_dir_all(into)
            .map_err(|e| format!("cannot create {}: {e}", into.display()))?;
        let mut failure = None;
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let Some(name) = entry.name() else {
                return git2::TreeWalkResult::Skip;
            };
            let path = into.join(dir).join(name);
            let written = match entry.kind() {
                Some(ObjectType::Tree) => std::fs::create_dir_all(&path).map_err(|e| e.to_string()),
                Some(ObjectType::Blob) => self.write_blob(entry, &path),
                // Submodules: not part of this repository's files.
                _ => Ok(()),
            };
            match written {
                Ok(()) => git2::TreeWalkResult::Ok,
                Err(e) => {
                    failure = Some(format!("cannot write {}: {e}", path.display()));
                    git2::TreeWalkResult::Abort
                }
            }
        })
        .map_err(|e| {
            failure
                .clone()
                .unwrap_or_else(|| git_error("cannot read the base tree", e))
        })?;
        failure.map_or(Ok(()), Err)
    }

    fn write_blob(&self, entry: &git2::TreeEntry, path: &Path) -> Result<(), String> {
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|e| e.message().to_string())?;
        if entry.filemode() == 0o120000 {
            #[cfg(unix)]
            {
                let target = String::from_utf8_lossy(blob.content()).to_string();
                return std::os::unix::fs::symlink(target, path).map_err(|e| e.to_string());
            }
        }
        std::fs::write(path, blob.content()).map_err(|e| e.to_string())
    }

    /// The project's files that differ between `base` and the working tree
    /// (staged or not, untracked included), with renames paired up.
    pub fn changed_files(&self, base: &BaseRevision) -> Result<Vec<ChangedFile>, String> {
        let oid = Oid::from_str(&base.oid).map_err(|e| git_error("bad revision", e))?;
        let tree = self
            .repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .map_err(|e| git_error("cannot read the base revision", e))?;
        let mut options = DiffOptions::new();
        options.include_untracked(true).recurse_untracked_dirs(true);
        if !self.prefix.as_os_str().is_empty() {
            options.pathspec(self.prefix.to_string_lossy().as_ref());
        }
        let mut diff = self
            .repo
            .diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))
            .map_err(|e| git_error("cannot compare with the working tree", e))?;
        diff.find_similar(Some(
            DiffFindOptions::new()
                .renames(true)
                .for_untracked(true)
                .renames_from_rewrites(true),
        ))
        .map_err(|e| git_error("cannot pair renamed files", e))?;
        let relative = |p: Option<&Path>| -> Option<String> {
            let p = p?;
            let inside = p.strip_prefix(&self.prefix).ok()?;
            Some(inside.to_string_lossy().replace('\\', "/"))
        };
        let mut out = Vec::new();
        for delta in diff.deltas() {
            let (old, new) = (delta.old_file().path(), delta.new_file().path());
            let change = match delta.status() {
                Delta::Added | Delta::Untracked => ChangedFile {
                    path: relative(new),
                    base_path: None,
                },
                Delta::Deleted => ChangedFile {
                    path: None,
                    base_path: relative(old),
                },
                Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange => {
                    ChangedFile {
                        path: relative(new),
                        base_path: relative(old),
                    }
                }
                _ => continue,
            };
            if change.path.is_some() || change.base_path.is_some() {
                out.push(change);
            }
        }
        Ok(out)
    }
}

/// Where copies of base revisions live: one folder per working tree, inside
/// a folder of the user's own in the system's temporary folder.
fn base_cache_folder(workdir: &Path) -> Result<PathBuf, String> {
    let mut hasher = DefaultHasher::new();
    workdir.hash(&mut hasher);
    let root = private_folder(&std::env::temp_dir(), "loupe-base")?;
    Ok(root.join(format!("{:016x}", hasher.finish())))
}

/// `<parent>/<name>-<uid>`, made readable by its owner only. Anything else
/// found there (a file, a link, another user's folder) is refused: base
/// copies are analysed, so no one else may write them.
#[cfg(unix)]
fn private_folder(parent: &Path, name: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let folder = parent.join(format!("{name}-{uid}"));
    let created = std::fs::DirBuilder::new().mode(0o700).create(&folder);
    if let Err(e) = created {
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(format!("cannot create {}: {e}", folder.display()));
        }
    }
    let meta = std::fs::symlink_metadata(&folder)
        .map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
    if !meta.is_dir() || meta.uid() != uid {
        return Err(format!(
            "{} is not a folder of this user's: remove it, or point TMPDIR elsewhere",
            folder.display()
        ));
    }
    Ok(folder)
}

#[cfg(not(unix))]
fn private_folder(parent: &Path, name: &str) -> Result<PathBuf, String> {
    let folder = parent.join(name);
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    Ok(folder)
}

/// Keeps one base per working tree: the others are stale.
fn forget_other_bases(cache: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(cache) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        // Another process may be writing a `.partial-` copy right now.
        if name != keep && !name.contains(".partial-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(unix)]
fn link_untracked_support(working_root: &Path, base_root: &Path) {
    for relative in UNTRACKED_SUPPORT {
        let (from, to) = (working_root.join(relative), base_root.join(relative));
        if from.exists() && std::fs::symlink_metadata(&to).is_err() {
            if let Some(parent) = to.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::os::unix::fs::symlink(&from, &to);
        }
    }
}

#[cfg(not(unix))]
fn link_untracked_support(_: &Path, _: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::private_folder;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn scratch(test: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("loupe-git-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_base_folder_is_the_users_own() {
        let parent = scratch("own");
        let folder = private_folder(&parent, "loupe-base").unwrap();
        let meta = std::fs::metadata(&folder).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        assert_eq!(meta.uid(), unsafe { libc::getuid() });
        // Found again as it was left.
        assert_eq!(private_folder(&parent, "loupe-base").unwrap(), folder);
        let _ = std::fs::remove_dir_all(parent);
    }

    #[test]
    fn a_file_or_link_in_its_place_is_refused_with_its_path() {
        let parent = scratch("taken");
        let uid = unsafe { libc::getuid() };
        let path = parent.join(format!("loupe-base-{uid}"));
        std::fs::write(&path, "not a folder").unwrap();
        let message = private_folder(&parent, "loupe-base").unwrap_err();
        assert!(message.contains(&path.display().to_string()), "{message}");
        std::fs::remove_file(&path).unwrap();
        // A link to a folder someone else chose is not followed.
        let elsewhere = parent.join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert!(private_folder(&parent, "loupe-base").is_err());
        let _ = std::fs::remove_dir_all(parent);
    }

    #[test]
    fn another_users_folder_is_refused() {
        if unsafe { libc::getuid() } != 0 {
            eprintln!("skipped: only root can give a folder to another user");
            return;
        }
        let parent = scratch("theirs");
        let path = parent.join("loupe-base-0");
        std::fs::create_dir(&path).unwrap();
        std::os::unix::fs::chown(&path, Some(4242), None).unwrap();
        assert!(private_folder(&parent, "loupe-base").is_err());
        let _ = std::fs::remove_dir_all(parent);
    }
}

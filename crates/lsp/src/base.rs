//! The project at its base revision, analysed beside the working tree, and
//! what the change between them does. Shared by `loupe diff` and the server.

use std::path::Path;

use loupe_analysis::diff::{diff_files, diff_projects, impact_of, Impact, ProjectDiff};
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::project::{configured_git_base, Invocation};
use loupe_git::{BaseRevision, ChangedFile, ProjectRepo};

/// The base revision's analysis and what Git says changed since. A clone
/// is a snapshot, like the working tree's host.
#[derive(Clone)]
pub struct BaseAnalysis {
    pub revision: BaseRevision,
    pub branch: Option<String>,
    pub host: AnalysisHost,
    pub changed: Vec<ChangedFile>,
}

impl BaseAnalysis {
    /// Loads the project at `root` as it is at `rev` (else the `[git] base`
    /// of loupe.toml, else the merge base with the default branch), with the
    /// same dbt invocation as the working tree. `Ok(None)` outside Git.
    pub fn load(
        root: &Path,
        rev: Option<&str>,
        invocation: Invocation,
    ) -> Result<Option<BaseAnalysis>, String> {
        let Some(repo) = ProjectRepo::open(root)? else {
            return Ok(None);
        };
        let configured = configured_git_base(root);
        let revision = repo.resolve_base(rev.or(configured.as_deref()))?;
        let base_root = repo.materialize(&revision)?;
        if !base_root.join("dbt_project.yml").is_file() {
            return Err(format!(
                "the project did not exist at {} ({}): nothing to compare with",
                revision.label,
                revision.short()
            ));
        }
        let host = AnalysisHost::load_with(&base_root, invocation)
            .map_err(|e| format!("the project at {} does not load: {e}", revision.label))?;
        Ok(Some(BaseAnalysis {
            changed: repo.changed_files(&revision)?,
            branch: repo.branch(),
            revision,
            host,
        }))
    }

    /// Files renamed since the base: (base path, working-tree path).
    pub fn renamed_files(&self) -> Vec<(String, String)> {
        self.changed
            .iter()
            .filter(|c| c.is_rename())
            .filter_map(|c| Some((c.base_path.clone()?, c.path.clone()?)))
            .collect()
    }

    /// The same base with Git's list of changed files read again (a file
    /// renamed or added since): the analysis of the base is kept.
    pub fn with_fresh_changes(&self, root: &Path) -> Result<BaseAnalysis, String> {
        let repo = ProjectRepo::open(root)?.ok_or("the project left its Git repository")?;
        Ok(BaseAnalysis {
            revision: self.revision.clone(),
            branch: repo.branch(),
            host: self.host.clone(),
            changed: repo.changed_files(&self.revision)?,
        })
    }

    /// The impact of the changes to the nodes of `files` (project-relative
    /// working-tree paths), or of every node.
    pub fn impacts(&self, head: &AnalysisHost, files: Option<&[String]>) -> Vec<Impact> {
        let renamed = self.renamed_files();
        let diff = match files {
            Some(files) => diff_files(&self.host, head, &renamed, files),
            None => diff_projects(&self.host, head, &renamed),
        };
        diff.nodes
            .iter()
            .flat_map(|n| impact_of(&self.host, head, n))
            .collect()
    }

    /// The schema diff of every node, and the impact of each change.
    pub fn diff(&self, head: &AnalysisHost) -> (ProjectDiff, Vec<Impact>) {
        let diff = diff_projects(&self.host, head, &self.renamed_files());
        let impacts = diff
            .nodes
            .iter()
            .flat_map(|n| impact_of(&self.host, head, n))
            .collect();
        (diff, impacts)
    }
}

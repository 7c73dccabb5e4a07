//! `.dbtignore`: files at a package's root that dbt treats as absent.
//!
//! dbt matches each file it finds under a package's paths, spelled from the
//! package root (`models/staging/orders.sql`), against the file's lines read
//! as `pathspec`'s "gitwildmatch" patterns, the last matching line deciding.
//! The translation to a regular expression follows pathspec 0.12 (the version
//! dbt-core pins) rule for rule, so the same files are left out.

use std::path::Path;

/// The patterns of one `.dbtignore`.
#[derive(Debug, Default)]
pub struct DbtIgnore {
    /// Every pattern's expression in one set: a file is matched against all
    /// of them in one pass (one regex per pattern took minutes over 10,000
    /// files and a 10,000-line file).
    patterns: Option<regex::RegexSet>,
    /// Per pattern, whether a match leaves the file out (`false` for a `!`
    /// line, which brings it back).
    ignores: Vec<bool>,
}

impl DbtIgnore {
    /// The `.dbtignore` at `package_dir`, empty when there is none or it
    /// cannot be read as text.
    pub fn load(package_dir: &Path) -> DbtIgnore {
        std::fs::read_to_string(package_dir.join(".dbtignore"))
            .map(|text| DbtIgnore::parse(&text))
            .unwrap_or_default()
    }

    /// Patterns from the text of a `.dbtignore`. A line pathspec rejects
    /// (a trailing backslash) or whose range the regex engine rejects is left out.
    pub fn parse(text: &str) -> DbtIgnore {
        let mut lines: Vec<(String, bool)> = text.lines().filter_map(pattern_to_regex).collect();
        let mut set = build_set(&lines);
        if set.is_none() {
            // A line the regex engine rejects fails the whole set: leave it out.
            lines.retain(|(source, _)| regex::Regex::new(source).is_ok());
            set = build_set(&lines);
        }
        DbtIgnore {
            patterns: set.filter(|_| !lines.is_empty()),
            ignores: lines.into_iter().map(|(_, ignores)| ignores).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_none()
    }

    /// Whether dbt leaves out the file at `path` (relative to the package
    /// root, `/`-separated).
    pub fn ignores(&self, path: &str) -> bool {
        let path = path
            .strip_prefix('/')
            .or_else(|| path.strip_prefix("./"))
            .unwrap_or(path);
        // The last matching line decides.
        self.patterns
            .as_ref()
            .and_then(|set| set.matches(path).iter().last())
            .is_some_and(|line| self.ignores[line])
    }
}

/// One automaton for all patterns; large enough for files of thousands of lines.
fn build_set(lines: &[(String, bool)]) -> Option<regex::RegexSet> {
    regex::RegexSetBuilder::new(lines.iter().map(|(source, _)| source))
        .size_limit(1 << 28)
        .dfa_size_limit(1 << 26)
        .build()
        .ok()
}

/// A file's path as dbt matches it: the folder as `dbt_project.yml` names
/// it joined (as Python's `os.path.join`) with the path beneath it.
pub fn spelled_from_package(folder: &str, beneath: &str) -> String {
    if folder.is_empty() || folder.ends_with('/') {
        format!("{folder}{beneath}")
    } else {
        format!("{folder}/{beneath}")
    }
}

/// One line as a regular expression and whether it ignores (`true`) or
/// brings back (`false`); `None` for blank lines, comments and lines that
/// match nothing. pathspec's `GitWildMatchPattern.pattern_to_regex`.
fn pattern_to_regex(line: &str) -> Option<(String, bool)> {
    let pattern = if line.ends_with("\\ ") {
        line.trim_start()
    } else {
        line.trim()
    };
    if pattern.is_empty() || pattern.starts_with('#') || pattern == "/" {
        return None;
    }
    let (pattern, ignores) = match pattern.strip_prefix('!') {
        Some(rest) => (rest, false),
        None => (pattern, true),
    };
    let mut segs: Vec<&str> = pattern.split('/').collect();
    let is_dir_pattern = segs.last().is_some_and(|s| s.is_empty());
    // Runs of `**` segments are one.
    segs.dedup_by(|seg, prev| *seg == "**" && *prev == "**");
    // `**/` matches everything but files at the root.
    if segs.len() == 2 && segs[0] == "**" && segs[1].is_empty() {
        return Some(("^.+(?P<ps_d>/).*$".to_string(), ignores));
    }
    if segs[0].is_empty() {
        // A leading slash anchors at the root.
        segs.remove(0);
    } else if (segs.len() == 1 || (segs.len() == 2 && segs[1].is_empty())) && segs[0] != "**" {
        // A single segment (with or without a trailing slash) matches at any depth.
        segs.insert(0, "**");
    }
    if segs.is_empty() {
        return None;
    }
    if segs.len() > 1 && segs.last().is_some_and(|s| s.is_empty()) {
        // `dir/` matches what lies beneath.
        *segs.last_mut()? = "**";
    }
    let mut out = String::from("^");
    let mut need_slash = false;
    let end = segs.len() - 1;
    for (i, seg) in segs.iter().enumerate() {
        if *seg == "**" {
            if i == 0 && i == end {
                out.push_str("[^/]+(?:/.*)?");
            } else if i == 0 {
                out.push_str("(?:.+/)?");
                need_slash = false;
            } else if i == end {
                out.push_str(if is_dir_pattern {
                    "(?P<ps_d>/).*"
                } else {
                    "/.*"
                });
            } else {
                out.push_str("(?:/.+)?");
                need_slash = true;
            }
            continue;
        }
        if need_slash {
            out.push('/');
        }
        if *seg == "*" {
            out.push_str("[^/]+");
        } else {
            out.push_str(&translate_segment_glob(seg)?);
        }
        if i == end {
            // A last segment without a slash matches a file or a directory's contents.
            out.push_str("(?:(?P<ps_d>/).*)?");
        }
        need_slash = true;
    }
    out.push('$');
    Some((out, ignores))
}

/// A glob within one path segment as a regular expression (pathspec's
/// `_translate_segment_glob`): `*`, `?`, `[...]` with `!` or `^` negating,
/// `\` escaping; an unclosed `[` is literal; a trailing `\` is an error.
fn translate_segment_glob(glob: &str) -> Option<String> {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::new();
    let mut escape = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if escape {
            escape = false;
            out.push_str(&regex::escape(&c.to_string()));
        } else if c == '\\' {
            escape = true;
        } else if c == '*' {
            out.push_str("[^/]*");
        } else if c == '?' {
            out.push_str("[^/]");
        } else if c == '[' {
            let mut j = i;
            if j < chars.len() && matches!(chars[j], '!' | '^') {
                j += 1;
            }
            if j < chars.len() && chars[j] == ']' {
                j += 1;
            }
            while j < chars.len() && chars[j] != ']' {
                j += 1;
            }
            if j < chars.len() {
                j += 1;
                out.push('[');
                if matches!(chars[i], '!' | '^') {
                    out.push('^');
                    i += 1;
                }
                let inner: String = chars[i..j].iter().collect();
                out.push_str(&inner.replace('\\', "\\\\"));
                i = j;
            } else {
                out.push_str("\\[");
            }
        } else {
            out.push_str(&regex::escape(&c.to_string()));
        }
    }
    (!escape).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::DbtIgnore;

    /// Each case: `.dbtignore` lines, then paths with whether pathspec 0.12.1
    /// (`PathSpec.from_lines(GitWildMatchPattern, lines).match_file(path)`,
    /// as dbt-core calls it) leaves them out.
    #[test]
    fn files_are_left_out_as_pathspec_leaves_them_out() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            (
                "# scratch work\nscratch/\n",
                &[
                    ("models/scratch/a.sql", true),
                    ("models/staging/scratch.sql", false),
                    ("scratch/x.sql", true),
                    ("models/scratchpad/a.sql", false),
                ],
            ),
            (
                "**.py\n",
                &[
                    ("models/a.py", true),
                    ("a.py", true),
                    ("models/a.sql", false),
                ],
            ),
            (
                "*codegen*.sql\n",
                &[
                    ("models/x_codegen_1.sql", true),
                    ("models/codegen/a.sql", false),
                    ("codegen.sql", true),
                ],
            ),
            (
                "models/legacy/**\n!models/legacy/keep.sql\n",
                &[
                    ("models/legacy/old.sql", true),
                    ("models/legacy/deep/old.sql", true),
                    ("models/legacy/keep.sql", false),
                    ("models/legacy.sql", false),
                    ("other/models/legacy/old.sql", false),
                ],
            ),
            (
                "/models/tmp_*.sql\n",
                &[("models/tmp_1.sql", true), ("models/sub/tmp_1.sql", false)],
            ),
            (
                "models/*/wip.sql\n",
                &[
                    ("models/a/wip.sql", true),
                    ("models/a/b/wip.sql", false),
                    ("models/wip.sql", false),
                ],
            ),
            (
                "models/**/wip.sql\n",
                &[("models/wip.sql", true), ("models/a/b/wip.sql", true)],
            ),
            (
                "draft_[0-9].sql\n[!a]z.sql\n",
                &[
                    ("models/draft_1.sql", true),
                    ("models/draft_x.sql", false),
                    ("models/bz.sql", true),
                    ("models/az.sql", false),
                ],
            ),
            ("**/\n", &[("models/a.sql", true), ("a.sql", false)]),
            (
                "*\n!*.sql\n",
                &[("models/a.sql", false), ("models/a.yml", true)],
            ),
            (
                "odd?.sql\n\\#hash.sql\n   \n/\n",
                &[
                    ("models/odd1.sql", true),
                    ("models/odd12.sql", false),
                    ("models/#hash.sql", true),
                ],
            ),
            (
                "models\n",
                &[("models/a.sql", true), ("seeds/a.csv", false)],
            ),
            // pathspec rejects a trailing backslash (dbt stops there); Loupe skips the line.
            // pathspec rejects a trailing backslash (dbt stops there); Loupe skips the line.
            (
                "bad\\\nunclosed[.sql\n",
                &[("models/bad", false), ("models/unclosed[.sql", true)],
            ),
        ];
        for (text, paths) in cases {
            let ignore = DbtIgnore::parse(text);
            for (path, ignored) in *paths {
                assert_eq!(ignore.ignores(path), *ignored, "{text:?} on {path}");
            }
        }
    }

    /// Thousands of lines, as a generated file can hold: still the last
    /// matching line that decides.
    #[test]
    fn the_last_matching_line_decides_among_thousands() {
        let text: String = (0..3_000)
            .map(|i| format!("models/part_{i}/\n!models/part_{i}/keep_{i}.sql\n"))
            .chain(["models/part_7/keep_7.sql\n".to_string()])
            .collect();
        let ignore = DbtIgnore::parse(&text);
        assert!(ignore.ignores("models/part_2999/a.sql"));
        assert!(!ignore.ignores("models/part_2999/keep_2999.sql"));
        assert!(ignore.ignores("models/part_7/keep_7.sql"));
        assert!(!ignore.ignores("models/part_3000/a.sql"));
    }
}

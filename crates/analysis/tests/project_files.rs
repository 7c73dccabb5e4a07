//! Which files make up a project, as dbt finds them: `.dbtignore` at each
//! package's root, extensions in any case, links to files followed and links
//! to folders not entered (dbt walks with `os.walk`).

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-files-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(
        &root,
        "dbt_project.yml",
        "name: shop\nprofile: shop\nmodel-paths: [\"models\"]\n",
    );
    root
}

fn model_paths(host: &AnalysisHost) -> Vec<String> {
    let mut paths: Vec<String> = host
        .models()
        .into_iter()
        .map(|f| {
            host.path_of(f)
                .strip_prefix(host.root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    paths.sort();
    paths
}

fn diagnostics(host: &AnalysisHost) -> Vec<String> {
    host.check()
        .into_iter()
        .map(|d| format!("{} {} {}", d.file, d.code, d.message))
        .collect()
}

#[test]
fn files_named_in_dbtignore_are_not_part_of_the_project() {
    let root = project("dbtignore");
    write(
        &root,
        ".dbtignore",
        "# drafts and notebooks stay out of the project\nmodels/scratch/\n**/*.py\n*_wip.sql\n!models/marts/orders_wip.sql\n",
    );
    write(
        &root,
        "models/staging/stg_orders.sql",
        "select 1 as order_id, 2 as customer_id\n",
    );
    write(
        &root,
        "models/marts/orders.sql",
        "select order_id from {{ ref('stg_orders') }}\n",
    );
    // Brought back by the `!` line.
    write(
        &root,
        "models/marts/orders_wip.sql",
        "select order_id, customer_id from {{ ref('stg_orders') }}\n",
    );
    // Each of these would raise an error if it were read.
    write(
        &root,
        "models/scratch/try_join.sql",
        "select nope from {{ ref('missing') }}\n",
    );
    write(
        &root,
        "models/staging/stg_customers_wip.sql",
        "select from where\n",
    );
    write(
        &root,
        "models/analysis.py",
        "import pandas as pd\ndef model(dbt, session): ...\n",
    );
    // A properties file under an ignored folder is ignored too.
    write(
        &root,
        "models/scratch/scratch.yml",
        "version: 2\nmodels:\n  - name: try_join\n    columns:\n      - name: nope\n",
    );

    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(
        model_paths(&host),
        [
            "models/marts/orders.sql",
            "models/marts/orders_wip.sql",
            "models/staging/stg_orders.sql"
        ]
    );
    assert_eq!(diagnostics(&host), Vec::<String>::new());
}

#[test]
fn a_package_is_filtered_by_its_own_dbtignore_only() {
    let root = project("package-dbtignore");
    write(&root, ".dbtignore", "legacy/\n");
    write(
        &root,
        "models/orders.sql",
        "select id from {{ ref('pkg_base') }}\n",
    );
    let package = "dbt_packages/pkg";
    write(&root, &format!("{package}/dbt_project.yml"), "name: pkg\n");
    write(
        &root,
        &format!("{package}/.dbtignore"),
        "models/examples/\n",
    );
    write(
        &root,
        &format!("{package}/models/pkg_base.sql"),
        "select 1 as id\n",
    );
    write(
        &root,
        &format!("{package}/models/examples/example_broken.sql"),
        "select x from {{ ref('not_there') }}\n",
    );
    // The root's `legacy/` is not the package's concern.
    write(
        &root,
        &format!("{package}/models/legacy/pkg_old.sql"),
        "select 2 as id\n",
    );

    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(
        model_paths(&host),
        [
            "dbt_packages/pkg/models/legacy/pkg_old.sql",
            "dbt_packages/pkg/models/pkg_base.sql",
            "models/orders.sql"
        ]
    );
    assert_eq!(diagnostics(&host), Vec::<String>::new());
}

#[test]
fn extensions_in_capitals_are_read_as_dbt_reads_them() {
    let root = project("extension-case");
    write(
        &root,
        "models/Customers.SQL",
        "select 1 as id, 'x' as name\n",
    );
    write(
        &root,
        "models/schema.YML",
        "version: 2\nmodels:\n  - name: Customers\n    description: one row per customer\n",
    );
    write(
        &root,
        "models/report.sql",
        "select name from {{ ref('Customers') }}\n",
    );
    write(&root, "models/notes.txt", "select broken from\n");

    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(
        model_paths(&host),
        ["models/Customers.SQL", "models/report.sql"]
    );
    assert_eq!(diagnostics(&host), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn links_to_files_are_read_and_links_to_folders_are_not_entered() {
    let root = project("links");
    write(
        &root,
        "shared/dim_dates.sql",
        "select current_date as date_day\n",
    );
    write(&root, "shared/more/dim_more.sql", "select 1 as id\n");
    std::fs::create_dir_all(root.join("models")).unwrap();
    std::os::unix::fs::symlink("../shared/dim_dates.sql", root.join("models/dim_dates.sql"))
        .unwrap();
    std::os::unix::fs::symlink("../shared/more", root.join("models/more")).unwrap();
    // A link to itself, and one to nothing: neither a file nor a way round.
    std::os::unix::fs::symlink("../models", root.join("models/loop")).unwrap();
    std::os::unix::fs::symlink("gone.sql", root.join("models/dangling.sql")).unwrap();
    write(
        &root,
        "models/calendar.sql",
        "select date_day from {{ ref('dim_dates') }}\n",
    );

    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(
        model_paths(&host),
        ["models/calendar.sql", "models/dim_dates.sql"]
    );
    assert_eq!(diagnostics(&host), Vec::<String>::new());
}

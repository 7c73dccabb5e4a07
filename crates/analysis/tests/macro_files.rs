//! Which definition a macro call reaches when macro files are broken or hold
//! many macros: a file that does not compile defines none of its macros (the
//! other definitions of the name answer), and a macro among many in one
//! file answers with its own body.

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("loupe-macro-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(&root, "dbt_project.yml", "name: shop\nprofile: shop\n");
    for (path, text) in files {
        write(&root, path, text);
    }
    root
}

/// The model's rendered SQL, or its render error.
fn render(root: &Path, model: &str) -> Result<String, String> {
    let host = AnalysisHost::load(root).unwrap();
    let file = host.file(&root.join(model)).unwrap();
    let rendered = loupe_analysis::model::rendered_model(host.db(), host.project(), file);
    match &rendered.error {
        Some(error) => Err(error.message.clone()),
        None => Ok(rendered.sql.clone()),
    }
}

const PACKAGE: (&str, &str) = ("dbt_packages/money/dbt_project.yml", "name: money\n");

#[test]
fn a_broken_file_defines_nothing_and_other_definitions_answer() {
    let root = project(
        "broken",
        &[
            PACKAGE,
            (
                "dbt_packages/money/macros/cents.sql",
                "{% macro cents(c) %}({{ c }} / 100.0){% endmacro %}\n\
                 {% macro default__fmt(c) %}round({{ c }}, 2){% endmacro %}",
            ),
            // `{% if %}` without a condition: the whole file fails to compile.
            (
                "macros/broken.sql",
                "{% macro cents(c) %}{{ c }}{% endmacro %}\n\
                 {% macro duckdb__fmt(c) %}{{ c }}{% endmacro %}\n\
                 {% macro only_here() %}x{% endmacro %}\n\
                 {% macro typo() %}{% if %}{% endif %}{% endmacro %}",
            ),
            (
                "models/orders.sql",
                "select {{ cents('amount') }} as dollars, \
                 {{ adapter.dispatch('fmt', 'money')('amount') }} as shown from t",
            ),
            ("models/lonely.sql", "select '{{ only_here() }}' as x"),
        ],
    );
    let orders = render(&root, "models/orders.sql");
    let lonely = render(&root, "models/lonely.sql");
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(
        orders.as_deref().map(str::trim),
        Ok("select (amount / 100.0) as dollars, round(amount, 2) as shown from t"),
    );
    let error = lonely.unwrap_err();
    assert!(error.contains("`only_here` is not defined"), "{error}");
}

#[test]
fn a_macro_among_many_in_one_file_answers_with_its_own_body() {
    let mut file = String::new();
    for i in 0..50 {
        file.push_str(&format!(
            "{{% macro helper_{i}(x) %}}\n  {{{{ x }}}} + {i}\n{{% endmacro %}}\n\n"
        ));
    }
    file.push_str("{% macro shown(x) -%}\n  {{ return(helper_7(x) | trim) }}\n{%- endmacro %}\n");
    let root = project(
        "many",
        &[
            ("macros/helpers.sql", &file),
            (
                "models/m.sql",
                "select {{ shown('a') }} as b, '{{ helper_3('c') | trim }}' as d",
            ),
        ],
    );
    let sql = render(&root, "models/m.sql");
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(
        sql.as_deref().map(str::trim),
        Ok("select a + 7 as b, 'c + 3' as d")
    );
}

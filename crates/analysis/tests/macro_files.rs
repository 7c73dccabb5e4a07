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

/// Arguments beyond a macro's parameters: Jinja passes them to a macro whose
/// body reads `kwargs` or `varargs` and refuses them to any other, and
/// `dbt parse` stops there ("macro 'dbt_macro__m' takes no keyword argument
/// 'b'", "takes not more than 1 argument(s)", checked with dbt 1.10).
#[test]
fn arguments_a_macro_does_not_declare_stop_it_unless_it_reads_them() {
    let root = project(
        "undeclared",
        &[
            (
                "macros/helpers.sql",
                "{% macro pick(a) %}{{ a }}{% endmacro %}\n\
                 {% macro pick_any(a) %}{{ a }}{{ kwargs | length }}{{ varargs | length }}{% endmacro %}\n",
            ),
            ("models/by_keyword.sql", "select {{ pick(a=1, b=2) }} as x\n"),
            ("models/by_position.sql", "select {{ pick(1, 2) }} as x\n"),
            ("models/read.sql", "select {{ pick_any(1, 2, b=3) }} as x\n"),
            ("models/declared.sql", "select {{ pick(a=1) }} as x, {{ pick(2) }} as y\n"),
        ],
    );
    assert_eq!(
        render(&root, "models/by_keyword.sql").unwrap_err(),
        "invalid operation: macro `pick` takes no keyword argument `b`"
    );
    assert_eq!(
        render(&root, "models/by_position.sql").unwrap_err(),
        "invalid operation: macro `pick` takes at most 1 positional argument(s), not 2"
    );
    assert_eq!(
        render(&root, "models/read.sql").unwrap().trim(),
        "select 111 as x"
    );
    assert_eq!(
        render(&root, "models/declared.sql").unwrap().trim(),
        "select 1 as x, 2 as y"
    );
}

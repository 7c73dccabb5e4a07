pub const BUILTIN_MACRO_FILES: &[(&str, &str)] = &[
    ("cross_db.sql", include_str!("cross_db.sql")),
    ("dates.sql", include_str!("dates.sql")),
    ("naming.sql", include_str!("naming.sql")),
    ("relations.sql", include_str!("relations.sql")),
    ("tests.sql", include_str!("tests.sql")),
    ("timestamps.sql", include_str!("timestamps.sql")),
    ("types.sql", include_str!("types.sql")),
];

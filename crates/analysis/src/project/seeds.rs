//! Seed CSV schemas: column types detected the way dbt does (agate's type
//! tests: integer, number, date, datetime, boolean `true`/`false`, text),
//! mapped to DuckDB types, or taken from the `column_types` config.

use crate::schema::{Column, RelationSchema};
use crate::types::{parse_type_in, SqlType};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Guess {
    Integer,
    BigInt,
    Number,
    Date,
    DateTime,
    Boolean,
    Text,
}

fn fits(value: &str, guess: Guess) -> bool {
    let v = value.trim();
    match guess {
        Guess::Integer => v.parse::<i32>().is_ok(),
        Guess::BigInt => v.parse::<i64>().is_ok(),
        Guess::Number => {
            let v = v.trim_start_matches(['$', '-', '+']).replace(',', "");
            !v.is_empty() && v.parse::<f64>().is_ok() && !v.contains(['e', 'E', 'i', 'n', 'I', 'N'])
        }
        Guess::Date => is_date(v),
        Guess::DateTime => {
            let (d, t) = match v.split_once([' ', 'T']) {
                Some(p) => p,
                None => return false,
            };
            is_date(d) && t.len() >= 5 && t.as_bytes()[2] == b':' && t[..2].parse::<u8>().is_ok()
        }
        Guess::Boolean => matches!(v.to_ascii_lowercase().as_str(), "true" | "false"),
        Guess::Text => true,
    }
}

fn is_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        && parts[2].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
}

/// Infers a seed's schema from its CSV text; `column_types` overrides,
/// read as the engine of `dialect` reads type names.
pub fn infer_seed_schema(
    csv_text: &str,
    column_types: &[(String, String)],
    dialect: crate::syntax::Dialect,
) -> Result<RelationSchema, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let order = [
        Guess::Integer,
        Guess::BigInt,
        Guess::Number,
        Guess::Date,
        Guess::DateTime,
        Guess::Boolean,
        Guess::Text,
    ];
    let mut candidates: Vec<usize> = vec![0; headers.len()];
    for record in reader.records() {
        let record = record.map_err(|e| format!("cannot read the CSV: {e}"))?;
        for (i, value) in record.iter().enumerate().take(headers.len()) {
            if value.trim().is_empty() || value.trim().eq_ignore_ascii_case("null") {
                continue;
            }
            while !fits(value, order[candidates[i]]) {
                candidates[i] += 1;
            }
        }
    }
    let spark = matches!(
        dialect,
        crate::syntax::Dialect::Databricks | crate::syntax::Dialect::Hive
    );
    let columns = headers
        .iter()
        .zip(candidates)
        .map(|(name, c)| {
            let declared = column_types
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name));
            let ty = match declared {
                Some((_, t)) => parse_type_in(t, dialect),
                None => match order[c] {
                    // dbt-spark makes every integer column a BIGINT.
                    Guess::Integer if spark => SqlType::BigInt,
                    Guess::Integer => SqlType::Integer,
                    Guess::BigInt => SqlType::BigInt,
                    Guess::Number => SqlType::Double,
                    Guess::Date => SqlType::Date,
                    Guess::DateTime => SqlType::Timestamp,
                    Guess::Boolean => SqlType::Boolean,
                    Guess::Text => SqlType::Varchar,
                },
            };
            Column::new(name.clone(), ty)
        })
        .collect();
    Ok(RelationSchema::closed(columns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Dialect;

    fn types(csv: &str, dialect: Dialect) -> Vec<String> {
        infer_seed_schema(csv, &[], dialect)
            .unwrap()
            .columns
            .iter()
            .map(|c| c.ty.to_string())
            .collect()
    }

    #[test]
    fn integer_columns_are_as_wide_as_the_adapter_makes_them() {
        let csv = "id,big,price,day\n1,3000000000,2.5,2024-01-31\n";
        assert_eq!(
            types(csv, Dialect::DuckDb),
            ["INTEGER", "BIGINT", "DOUBLE", "DATE"]
        );
        // dbt-spark: `bigint` for every integer, `double` for decimals.
        assert_eq!(
            types(csv, Dialect::Databricks),
            ["BIGINT", "BIGINT", "DOUBLE", "DATE"]
        );
    }
}

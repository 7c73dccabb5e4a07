//! Seeds on Spark engines (Spark Connect, Databricks, Livy): a gem that
//! reads a seed finds its table there, made from the seed's CSV when `dbt
//! seed` has not made it. Each client looks at a seed once: a table already
//! there is the warehouse's (left as it is); a table this client made is made
//! again when its CSV changes. Rows go in as SQL every Spark engine runs:
//! `CREATE TABLE … AS SELECT CAST(c0 AS INT) AS id, … FROM (VALUES …)`, then
//! `INSERT INTO` for the rest of a large CSV, each statement under a megabyte.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{RemoteEngine, RunControl};
use crate::{FabricError, SeedLoad};

/// The most SQL one statement carries (Databricks takes 16 MiB; kept far below).
const STATEMENT_BYTES: usize = 1 << 20;

/// What a client knows of the seeds it was asked for.
#[derive(Default)]
pub struct SeedTables {
    /// `(schema, table)`: `None` for a table that was there already, else the
    /// stamp (size, modification time) of the CSV this client loaded.
    seen: Mutex<HashMap<(String, String), Option<String>>>,
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A CSV cell as a Spark string literal (empty is NULL, as `dbt seed` reads it).
fn literal(value: &str) -> String {
    if value.is_empty() {
        return "NULL".into();
    }
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A seed CSV's size and modification time: a table made from it is remade
/// when this changes.
pub(crate) fn stamp(seed: &SeedLoad) -> Result<String, FabricError> {
    let metadata = std::fs::metadata(&seed.csv).map_err(|e| {
        FabricError::Query(format!(
            "seed `{}`: {}: {e}",
            seed.table,
            seed.csv.display()
        ))
    })?;
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    Ok(format!("{}:{modified:?}", metadata.len()))
}

/// Whether an engine's error says the table (or its schema) is not there.
fn is_missing(error: &FabricError) -> bool {
    let FabricError::Query(message) = error else {
        return false;
    };
    let lower = message.to_ascii_lowercase();
    [
        "table_or_view_not_found",
        "schema_not_found",
        "does not exist",
        "not found",
        "cannot be found",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

/// The statements that make `seed`'s table from its CSV: one `CREATE TABLE
/// … AS SELECT`, then an `INSERT INTO` for each further slice of rows.
pub fn seed_statements(seed: &SeedLoad, csv_text: &str) -> Result<Vec<String>, FabricError> {
    let unreadable = |e: csv::Error| {
        FabricError::Query(format!(
            "seed `{}`: cannot read {}: {e}",
            seed.table,
            seed.csv.display()
        ))
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(unreadable)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let columns: Vec<(String, String)> = header
        .iter()
        .map(|name| {
            let ty = seed
                .columns
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(name))
                .map_or("STRING".to_string(), |(_, t)| t.clone());
            (name.clone(), ty)
        })
        .collect();
    if columns.is_empty() {
        return Err(FabricError::Query(format!(
            "seed `{}`: {} has no header",
            seed.table,
            seed.csv.display()
        )));
    }
    let target = format!("{}.{}", quote(&seed.schema), quote(&seed.table));
    let positions: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
    let select = columns
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| format!("CAST(c{i} AS {ty}) AS {}", quote(name)))
        .collect::<Vec<_>>()
        .join(", ");
    let head = |rows: &[String], first: bool| {
        let source = if rows.is_empty() {
            // No rows: the columns' types from one row that the filter drops.
            format!(
                "(VALUES ({})) AS loupe_seed({}) WHERE 1 = 0",
                vec!["NULL"; columns.len()].join(", "),
                positions.join(", ")
            )
        } else {
            format!(
                "(VALUES {}) AS loupe_seed({})",
                rows.join(", "),
                positions.join(", ")
            )
        };
        if first {
            format!("CREATE TABLE {target} AS SELECT {select} FROM {source}")
        } else {
            format!("INSERT INTO {target} SELECT {select} FROM {source}")
        }
    };
    let mut statements = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut bytes = 0;
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let cells: Vec<String> = (0..columns.len())
            .map(|i| literal(record.get(i).unwrap_or("")))
            .collect();
        let row = format!("({})", cells.join(", "));
        if bytes + row.len() > STATEMENT_BYTES && !rows.is_empty() {
            statements.push(head(&rows, statements.is_empty()));
            rows.clear();
            bytes = 0;
        }
        bytes += row.len() + 2;
        rows.push(row);
    }
    if !rows.is_empty() || statements.is_empty() {
        statements.push(head(&rows, statements.is_empty()));
    }
    Ok(statements)
}

impl SeedTables {
    /// Makes each seed's table that is missing (or that this client made
    /// from a CSV that has changed since), through `engine`'s SQL.
    pub fn ensure(
        &self,
        engine: &(impl RemoteEngine + ?Sized),
        seeds: &[SeedLoad],
        control: &RunControl,
    ) -> Result<(), FabricError> {
        for seed in seeds {
            let key = (seed.schema.clone(), seed.table.clone());
            let known = self.seen.lock().unwrap().get(&key).cloned();
            let stamp = stamp(seed)?;
            let ours = match known {
                Some(None) => continue,
                Some(Some(loaded)) if loaded == stamp => continue,
                Some(Some(_)) => true,
                None => match engine.describe_table(&[&seed.schema, &seed.table], control) {
                    Ok(_) => {
                        self.seen.lock().unwrap().insert(key, None);
                        continue;
                    }
                    Err(e) if is_missing(&e) => false,
                    Err(e) => return Err(e),
                },
            };
            let text = std::fs::read_to_string(&seed.csv).map_err(|e| {
                FabricError::Query(format!(
                    "seed `{}`: {}: {e}",
                    seed.table,
                    seed.csv.display()
                ))
            })?;
            let statements = seed_statements(seed, &text)?;
            control.report(&format!(
                "creating seed table {}.{} from {}",
                seed.schema,
                seed.table,
                seed.csv.display()
            ));
            let target = format!("{}.{}", quote(&seed.schema), quote(&seed.table));
            engine.statement(
                &format!("CREATE SCHEMA IF NOT EXISTS {}", quote(&seed.schema)),
                control,
            )?;
            if ours {
                engine.statement(&format!("DROP TABLE IF EXISTS {target}"), control)?;
            }
            for (i, sql) in statements.iter().enumerate() {
                if let Err(e) = engine.statement(sql, control) {
                    // A half-loaded table would pass for the seed: take it away.
                    if i > 0 {
                        let _ = engine.statement(
                            &format!("DROP TABLE IF EXISTS {target}"),
                            &RunControl::default(),
                        );
                    }
                    return Err(e.map_message(|m| {
                        format!("loading seed `{}` into {target}: {m}", seed.table)
                    }));
                }
            }
            self.seen.lock().unwrap().insert(key, Some(stamp));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_become_typed_values_in_slices() {
        let seed = SeedLoad {
            schema: "main".into(),
            table: "raw_orders".into(),
            csv: "seeds/raw_orders.csv".into(),
            columns: vec![
                ("id".into(), "INT".into()),
                ("note".into(), "STRING".into()),
            ],
        };
        let statements = seed_statements(&seed, "id,note,extra\n1,it's,x\n2,,y\n").unwrap();
        assert_eq!(
            statements,
            ["CREATE TABLE `main`.`raw_orders` AS SELECT CAST(c0 AS INT) AS `id`, CAST(c1 AS STRING) AS `note`, CAST(c2 AS STRING) AS `extra` FROM (VALUES ('1', 'it\\'s', 'x'), ('2', NULL, 'y')) AS loupe_seed(c0, c1, c2)"]
        );
        let empty = seed_statements(&seed, "id,note\n").unwrap();
        assert!(empty[0].ends_with("WHERE 1 = 0"), "{}", empty[0]);
        let big: String = std::iter::once("id,note\n".to_string())
            .chain((0..40_000).map(|i| format!("{i},{}\n", "x".repeat(40))))
            .collect();
        let slices = seed_statements(&seed, &big).unwrap();
        assert!(slices.len() > 1);
        assert!(slices[0].starts_with("CREATE TABLE"));
        assert!(slices[1..]
            .iter()
            .all(|s| s.starts_with("INSERT INTO") && s.len() <= STATEMENT_BYTES + 1000));
    }
}

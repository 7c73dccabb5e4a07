//! The SQL underneath the fakes: DuckDB, with answers shaped as Spark's.

use std::sync::{Arc, Mutex};

use duckdb::Connection;
use serde_json::{json, Value};

/// A query's answer: DuckDB column types and every value as text.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Option<String>>>,
}

#[derive(Clone)]
pub struct SqlEngine {
    connection: Arc<Mutex<Connection>>,
    interrupt: Arc<duckdb::InterruptHandle>,
}

impl Default for SqlEngine {
    fn default() -> Self {
        SqlEngine::new()
    }
}

impl SqlEngine {
    pub fn new() -> SqlEngine {
        let connection = Connection::open_in_memory().expect("in-memory DuckDB");
        let interrupt = connection.interrupt_handle();
        SqlEngine {
            connection: Arc::new(Mutex::new(connection)),
            interrupt,
        }
    }

    /// An engine holding the shop the tests read: `shop.orders`, seven orders
    /// of three customers (order_id, customer, amount, ordered_on, paid).
    pub fn with_shop() -> SqlEngine {
        let engine = SqlEngine::new();
        engine.setup(
            "create schema shop;
             create table shop.orders as
             select i as order_id, 'customer ' || (i % 3) as customer, i * 1.5::double as amount,
                    date '2024-01-01' + i::int as ordered_on, i % 2 = 0 as paid
             from range(1, 8) t(i);",
        );
        engine
    }

    /// Runs setup statements (tables the tests read).
    pub fn setup(&self, sql: &str) {
        self.connection
            .lock()
            .unwrap()
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("fake fabric setup failed: {e}"));
    }

    pub fn interrupt(&self) {
        self.interrupt.interrupt();
    }

    /// Executes one statement. `DESCRIBE TABLE x` and `DESCRIBE QUERY q` answer as Spark does
    /// (col_name, data_type, comment); other non-queries return no columns.
    pub fn execute(&self, sql: &str) -> Result<Table, String> {
        // Spark quotes names with backticks; DuckDB with double quotes.
        let sql = sql.replace('`', "\"");
        let trimmed = sql.trim().trim_end_matches(';').trim();
        let lower = trimmed.to_ascii_lowercase();
        let connection = self.connection.lock().unwrap();
        let described = ["describe table ", "describe query "]
            .into_iter()
            .find(|prefix| lower.starts_with(prefix))
            .map(|prefix| &trimmed[prefix.len()..]);
        if let Some(subject) = described {
            let columns = describe(&connection, &format!("describe {subject}"))?;
            return Ok(Table {
                columns: ["col_name", "data_type", "comment"]
                    .iter()
                    .map(|c| (c.to_string(), "VARCHAR".to_string()))
                    .collect(),
                rows: columns
                    .into_iter()
                    .map(|(n, t)| vec![Some(n), Some(spark_type_text(&t).to_lowercase()), None])
                    .collect(),
            });
        }
        if !(lower.starts_with("select") || lower.starts_with("with") || lower.starts_with("from"))
        {
            connection
                .execute_batch(trimmed)
                .map_err(|e| e.to_string())?;
            return Ok(Table::default());
        }
        let columns = describe(&connection, &format!("describe {trimmed}"))?;
        let mut statement = connection
            .prepare(&format!("select columns(*)::varchar from ({trimmed}) as q"))
            .map_err(|e| e.to_string())?;
        let width = columns.len();
        let rows = statement
            .query_map([], |r| {
                (0..width).map(|i| r.get::<_, Option<String>>(i)).collect()
            })
            .map_err(|e| e.to_string())?
            .collect::<Result<Vec<Vec<Option<String>>>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Table { columns, rows })
    }

    /// Executes one statement with each result cell written by `cell` (given
    /// the quoted column and its DuckDB type, it gives the SQL of the cell's
    /// text); other statements return no columns.
    pub fn execute_with(
        &self,
        sql: &str,
        cell: &dyn Fn(&str, &str) -> String,
    ) -> Result<Table, String> {
        let trimmed = sql.trim().trim_end_matches(';').trim();
        let lower = trimmed.to_ascii_lowercase();
        let connection = self.connection.lock().unwrap();
        if !(lower.starts_with("select") || lower.starts_with("with") || lower.starts_with("from"))
        {
            connection
                .execute_batch(trimmed)
                .map_err(|e| e.to_string())?;
            return Ok(Table::default());
        }
        let columns = describe(&connection, &format!("describe {trimmed}"))?;
        let mut names: Vec<String> = columns.iter().map(|(n, _)| n.to_lowercase()).collect();
        names.sort();
        names.dedup();
        let select = if names.len() == columns.len() {
            columns
                .iter()
                .map(|(n, t)| cell(&format!("\"{}\"", n.replace('"', "\"\"")), t))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            "columns(*)::varchar".to_string()
        };
        let mut statement = connection
            .prepare(&format!("select {select} from ({trimmed}) as q"))
            .map_err(|e| e.to_string())?;
        let width = columns.len();
        let rows = statement
            .query_map([], |r| {
                (0..width).map(|i| r.get::<_, Option<String>>(i)).collect()
            })
            .map_err(|e| e.to_string())?
            .collect::<Result<Vec<Vec<Option<String>>>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Table { columns, rows })
    }

    /// The columns of `schema.table`, DuckDB-typed; `None` when there is no such table.
    pub fn table_columns(&self, schema: &str, table: &str) -> Option<Vec<(String, String)>> {
        let connection = self.connection.lock().unwrap();
        describe(&connection, &format!("describe \"{schema}\".\"{table}\"")).ok()
    }
}

fn describe(connection: &Connection, sql: &str) -> Result<Vec<(String, String)>, String> {
    let mut describe = connection.prepare(sql).map_err(|e| e.to_string())?;
    let rows = describe
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string());
    rows
}

/// A DuckDB type as Spark's JSON data type (`"long"`, `{"type":"array",…}`).
pub fn spark_json_type(duck: &str) -> Value {
    let upper = duck.trim().to_ascii_uppercase();
    if let Some(element) = upper.strip_suffix("[]") {
        return json!({"type": "array", "elementType": spark_json_type(element), "containsNull": true});
    }
    if upper.starts_with("DECIMAL") {
        return json!(upper.to_lowercase().replace(' ', ""));
    }
    json!(match upper.as_str() {
        "BOOLEAN" => "boolean",
        "TINYINT" => "byte",
        "SMALLINT" => "short",
        "INTEGER" => "integer",
        "BIGINT" => "long",
        "HUGEINT" => "decimal(38,0)",
        "FLOAT" => "float",
        "DOUBLE" => "double",
        "DATE" => "date",
        "TIMESTAMP" => "timestamp_ntz",
        "TIMESTAMP WITH TIME ZONE" => "timestamp",
        "BLOB" => "binary",
        _ => "string",
    })
}

/// Databricks' `type_text` of a DuckDB type (`BIGINT`, `STRING`, `ARRAY<INT>`).
pub fn spark_type_text(duck: &str) -> String {
    fn text(t: &Value) -> String {
        match t {
            Value::String(s) => match s.as_str() {
                "byte" => "TINYINT".into(),
                "short" => "SMALLINT".into(),
                "integer" => "INT".into(),
                "long" => "BIGINT".into(),
                other => other.to_uppercase(),
            },
            Value::Object(o) => format!("ARRAY<{}>", text(&o["elementType"])),
            _ => "STRING".into(),
        }
    }
    text(&spark_json_type(duck))
}

/// Databricks' `type_name` (`LONG`, `STRING`, `DECIMAL`, `ARRAY`).
pub fn spark_type_name(duck: &str) -> String {
    match spark_json_type(duck) {
        Value::Object(_) => "ARRAY".into(),
        Value::String(s) => {
            let base = s.split('(').next().unwrap_or("").to_uppercase();
            match base.as_str() {
                "INTEGER" => "INT".into(),
                "TIMESTAMP_NTZ" => "TIMESTAMP_NTZ".into(),
                other => other.to_string(),
            }
        }
        _ => "STRING".into(),
    }
}

/// A value as Spark's JSON writers give it: numbers and booleans native.
pub fn native_value(text: Option<&str>, duck: &str) -> Value {
    let Some(text) = text else {
        return Value::Null;
    };
    match spark_json_type(duck) {
        Value::String(t)
            if matches!(t.as_str(), "byte" | "short" | "integer" | "long")
                || t.starts_with("decimal")
                || t == "float"
                || t == "double" =>
        {
            serde_json::from_str::<Value>(text)
                .ok()
                .filter(Value::is_number)
                .unwrap_or_else(|| json!(text))
        }
        Value::String(t) if t == "boolean" => json!(text == "true"),
        _ => json!(text),
    }
}

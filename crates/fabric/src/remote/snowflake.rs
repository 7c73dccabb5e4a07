//! Snowflake through the SQL API v2: a statement is submitted asynchronously
//! (`async=true`, a `requestId` so a repeat after a lost answer is
//! recognised, never run twice), polled by its handle while the answer is
//! 202, read partition by partition, and cancelled on request or timeout.
//! Values come as `jsonv2` text and are decoded by their `rowType`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::http::{Http, Method, Replay};
use super::snowflake_auth::SnowflakeSettings;
use super::{json_rows, limited, limited_result, stop_reason, Poller, RemoteEngine, RunControl};
use crate::{FabricError, RunResult};

const STATEMENTS: &str = "/api/v2/statements";

pub struct Snowflake {
    http: Http,
    settings: SnowflakeSettings,
}

/// The answers that are not errors of the call: 408 (the statement timed
/// out) and 422 (it failed) carry the statement's own status.
const STATEMENT_ANSWERS: &[u16] = &[408, 422];

impl Snowflake {
    pub fn new(http: Http, settings: SnowflakeSettings) -> Snowflake {
        Snowflake { http, settings }
    }

    /// Asks Snowflake to stop a statement; gives back why it stopped.
    fn cancel(&self, handle: &str, why: FabricError) -> FabricError {
        let path = format!("{STATEMENTS}/{handle}/cancel");
        let request_id = request_id();
        let _ = self.http.call_with(
            Replay::Once,
            Method::Post,
            &path,
            &[("requestId", &request_id)],
            None,
            &RunControl::default(),
        );
        stop_reason(why, "Snowflake", self.http.options().timeout)
    }

    /// The statement's `timeout` (whole seconds, at least one).
    fn timeout_seconds(&self) -> u64 {
        self.http.options().timeout.as_secs_f64().ceil().max(1.0) as u64
    }

    /// Submits `sql`, waits for it, reads up to `limit` rows (every row when `None`).
    fn execute(
        &self,
        sql: &str,
        limit: Option<usize>,
        control: &RunControl,
    ) -> Result<(Vec<(String, String)>, Vec<Vec<Option<String>>>, bool), FabricError> {
        let mut request = json!({
            "statement": sql,
            "timeout": self.timeout_seconds(),
        });
        for (key, value) in [
            ("database", &self.settings.database),
            ("schema", &self.settings.schema),
            ("warehouse", &self.settings.warehouse),
            ("role", &self.settings.role),
        ] {
            if let Some(value) = value {
                request[key] = json!(value);
            }
        }
        control.report("submitting to Snowflake");
        let request_id = request_id();
        let (mut status, mut answer) = self.http.call_answer(
            Replay::Recognised,
            Method::Post,
            STATEMENTS,
            &[("requestId", &request_id), ("async", "true")],
            Some(&request),
            STATEMENT_ANSWERS,
            control,
        )?;
        let Some(handle) = answer
            .get("statementHandle")
            .and_then(Value::as_str)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
        else {
            // Refused before it became a statement (a bad request, two statements).
            let message = failure_message(&answer);
            return Err(self.http.redact(match status {
                408 => FabricError::TimedOut(message),
                422 => FabricError::Query(message),
                _ => FabricError::Unavailable(format!(
                    "Snowflake returned no statementHandle ({message})"
                )),
            }));
        };
        // Snowflake cancels on its own at `timeout`; the local deadline is a backstop.
        let grace = Duration::from_secs(5).min(self.http.options().timeout);
        let mut poller = Poller::new(self.http.options(), self.http.options().timeout + grace);
        let mut reported = false;
        let path = format!("{STATEMENTS}/{handle}");
        while status == 202 {
            if !reported {
                control.report("running on Snowflake");
                reported = true;
            }
            if let Err(stop) = poller.wait(control) {
                return Err(self.cancel(&handle, stop));
            }
            (status, answer) = match self.http.call_answer(
                Replay::Safe,
                Method::Get,
                &path,
                &[],
                None,
                STATEMENT_ANSWERS,
                control,
            ) {
                Ok(a) => a,
                // Whatever stopped the polling, the statement must not run on.
                Err(e) => return Err(self.cancel(&handle, e)),
            };
        }
        match status {
            408 => {
                return Err(FabricError::TimedOut(format!(
                    "Snowflake stopped the statement: {}",
                    failure_message(&answer)
                )))
            }
            422 if answer.get("code").and_then(Value::as_str) == Some(CANCELLED_CODE) => {
                return Err(FabricError::Cancelled)
            }
            422 => {
                return Err(self
                    .http
                    .redact(FabricError::Query(failure_message(&answer))))
            }
            _ => {}
        }
        let meta = answer
            .get("resultSetMetaData")
            .cloned()
            .unwrap_or(Value::Null);
        let row_type: Vec<Value> = meta
            .get("rowType")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let columns: Vec<(String, String)> = row_type
            .iter()
            .map(|c| {
                let name = c.get("name").and_then(Value::as_str).unwrap_or("");
                (name.to_string(), column_type_text(c))
            })
            .collect();
        let partitions = meta
            .get("partitionInfo")
            .and_then(Value::as_array)
            .map_or(1, Vec::len);
        let mut raw = json_rows(answer.get("data"));
        let mut partition = 1;
        while partition < partitions && limit.is_none_or(|l| raw.len() <= l) {
            control.report(&format!(
                "reading rows (partition {partition} of {partitions})"
            ));
            let index = partition.to_string();
            let (_, part) = self.http.call_answer(
                Replay::Safe,
                Method::Get,
                &path,
                &[("partition", &index)],
                None,
                &[],
                control,
            )?;
            raw.extend(json_rows(part.get("data")));
            partition += 1;
        }
        let more = partition < partitions;
        let rows = raw
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .enumerate()
                    .map(|(i, cell)| {
                        let ty = row_type.get(i).and_then(|c| c.get("type")?.as_str());
                        cell.map(|text| decode_cell(&text, ty.unwrap_or("text")))
                    })
                    .collect()
            })
            .collect();
        Ok((columns, rows, more))
    }

    /// The columns of a table from the database's INFORMATION_SCHEMA.
    fn information_schema_columns(
        &self,
        parts: &[&str],
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        let (database, schema, table) = match parts {
            [d, s, t] => (Some(d.to_string()), *s, *t),
            [s, t] => (None, *s, *t),
            [t] => (
                None,
                self.settings.schema.as_deref().unwrap_or("PUBLIC"),
                *t,
            ),
            _ => {
                return Err(FabricError::Query(
                    "a table name has one to three parts".into(),
                ))
            }
        };
        let literal = |text: &str| format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"));
        let view = match database {
            Some(d) => format!("{}.INFORMATION_SCHEMA.COLUMNS", quote_identifier(&d)),
            None => "INFORMATION_SCHEMA.COLUMNS".into(),
        };
        let sql = format!(
            "SELECT COLUMN_NAME, DATA_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, CHARACTER_MAXIMUM_LENGTH \
             FROM {view} WHERE UPPER(TABLE_SCHEMA) = UPPER({}) AND UPPER(TABLE_NAME) = UPPER({}) \
             ORDER BY ORDINAL_POSITION",
            literal(schema),
            literal(table)
        );
        let (_, rows, _) = self.execute(&sql, None, control)?;
        if rows.is_empty() {
            return Err(FabricError::Query(format!(
                "table {} does not exist or is not visible to the role",
                parts.join(".")
            )));
        }
        Ok(rows
            .iter()
            .map(|row| {
                let cell = |i: usize| row.get(i).cloned().flatten();
                let number = |i: usize| cell(i).and_then(|v| v.parse::<u64>().ok());
                let name = cell(0).unwrap_or_default();
                let ty = type_text(
                    &cell(1).unwrap_or_default(),
                    number(2),
                    number(3),
                    number(4),
                );
                (name, ty)
            })
            .collect())
    }
}

/// The code of a statement Snowflake cancelled on request.
const CANCELLED_CODE: &str = "000604";

/// A name quoted for Snowflake when it is not a plain upper-case identifier.
fn quote_identifier(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain && !name.is_empty() {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A fresh request id (a UUID v4 in form; unique per process and time).
fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mixed = nanos.rotate_left(17).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (std::process::id() as u64) << 32
        ^ count;
    let low = count.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ nanos;
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (mixed >> 32) as u32,
        (mixed >> 16) as u16,
        (mixed as u16) & 0x0fff,
        ((low >> 48) as u16 & 0x3fff) | 0x8000,
        low & 0xffff_ffff_ffff
    )
}

/// A failure answer as people read it: `message (code, SQL state)`.
fn failure_message(answer: &Value) -> String {
    let text = |k: &str| {
        answer
            .get(k)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
    };
    let message = text("message").unwrap_or("the statement failed").trim();
    match (text("code"), text("sqlState")) {
        (Some(code), Some(state)) => format!("{message} (code {code}, SQL state {state})"),
        (Some(code), None) => format!("{message} (code {code})"),
        _ => message.to_string(),
    }
}

/// A `rowType` entry as Snowflake's SQL type (`NUMBER(38,0)`, `VARCHAR`, `TIMESTAMP_NTZ`).
fn column_type_text(column: &Value) -> String {
    let number = |k: &str| column.get(k).and_then(Value::as_u64);
    type_text(
        column.get("type").and_then(Value::as_str).unwrap_or("text"),
        number("precision"),
        number("scale"),
        number("length"),
    )
}

/// Snowflake's type name from its API name (`fixed`, `real`, `text`…) or
/// INFORMATION_SCHEMA name (`NUMBER`, `FLOAT`, `TEXT`…).
pub fn type_text(
    name: &str,
    precision: Option<u64>,
    scale: Option<u64>,
    length: Option<u64>,
) -> String {
    let upper = name.trim().to_ascii_uppercase();
    let fraction = |default: &str| match scale {
        Some(9) | None => default.to_string(),
        Some(s) => format!("{default}({s})"),
    };
    match upper.as_str() {
        "FIXED" | "NUMBER" | "DECIMAL" | "NUMERIC" => {
            format!("NUMBER({},{})", precision.unwrap_or(38), scale.unwrap_or(0))
        }
        "REAL" | "FLOAT" | "DOUBLE" => "FLOAT".into(),
        "TEXT" | "VARCHAR" | "STRING" => match length {
            Some(n) if n < 16_777_216 => format!("VARCHAR({n})"),
            _ => "VARCHAR".into(),
        },
        "TIME" => fraction("TIME"),
        "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ" => fraction(&upper),
        _ => upper,
    }
}

/// A `jsonv2` cell as the text a table shows, decoded by its type: DATE
/// comes as days since the epoch, TIME as seconds since midnight,
/// TIMESTAMP_* as seconds since the epoch (TIMESTAMP_TZ with its offset in
/// minutes plus 1440).
pub fn decode_cell(text: &str, api_type: &str) -> String {
    let decoded = match api_type.to_ascii_lowercase().as_str() {
        "date" => text.trim().parse::<i64>().ok().map(civil_date),
        "time" => split_seconds(text).map(|(s, f)| clock(s.rem_euclid(86_400), f)),
        "timestamp_ntz" => split_seconds(text).map(|(s, f)| timestamp(s, f)),
        "timestamp_ltz" => split_seconds(text).map(|(s, f)| format!("{}+00", timestamp(s, f))),
        "timestamp_tz" => {
            let mut parts = text.split_whitespace();
            let seconds = parts.next().and_then(split_seconds);
            let offset = parts.next().and_then(|o| o.parse::<i64>().ok());
            match (seconds, offset) {
                (Some((s, f)), Some(offset)) => {
                    let minutes = offset - 1440;
                    let sign = if minutes < 0 { '-' } else { '+' };
                    Some(format!(
                        "{}{sign}{:02}:{:02}",
                        timestamp(s + minutes * 60, f),
                        minutes.abs() / 60,
                        minutes.abs() % 60
                    ))
                }
                (Some((s, f)), None) => Some(timestamp(s, f)),
                _ => None,
            }
        }
        _ => None,
    };
    decoded.unwrap_or_else(|| text.to_string())
}

/// `"1704067200.123000000"` as whole seconds and the fraction's digits.
fn split_seconds(text: &str) -> Option<(i64, String)> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let seconds = whole.parse::<i64>().ok()?;
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // A negative value's fraction counts back from the whole second.
    if seconds < 0 || whole.starts_with('-') {
        let digits = fraction.trim_end_matches('0');
        if !digits.is_empty() {
            let scale = 10u64.pow(digits.len() as u32);
            let value: u64 = digits.parse().ok()?;
            let complement = format!("{:0width$}", scale - value, width = digits.len());
            return Some((seconds - 1, complement));
        }
    }
    Some((seconds, fraction.to_string()))
}

fn clock(seconds_of_day: i64, fraction: String) -> String {
    let fraction = fraction.trim_end_matches('0');
    let base = format!(
        "{:02}:{:02}:{:02}",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60
    );
    if fraction.is_empty() {
        base
    } else {
        format!("{base}.{fraction}")
    }
}

fn timestamp(seconds: i64, fraction: String) -> String {
    let days = seconds.div_euclid(86_400);
    format!(
        "{} {}",
        civil_date(days),
        clock(seconds.rem_euclid(86_400), fraction)
    )
}

/// Days since 1970-01-01 as `YYYY-MM-DD` (the proleptic Gregorian calendar).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

impl RemoteEngine for Snowflake {
    fn run(&self, sql: &str, limit: usize, control: &RunControl) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let (columns, rows, more) = self.execute(&limited(sql, limit), Some(limit), control)?;
        let result = RunResult {
            columns,
            rows,
            truncated: false,
            row_count: None,
            elapsed_ms: 0.0,
            sql: String::new(),
        };
        Ok(limited_result(result, sql, limit, started, more))
    }

    fn statement(&self, sql: &str, control: &RunControl) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let (columns, rows, _) = self.execute(sql, None, control)?;
        Ok(RunResult {
            row_count: Some(rows.len() as u64),
            columns,
            rows,
            truncated: false,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            sql: sql.to_string(),
        })
    }

    fn describe(&self) -> String {
        let mut what = format!("Snowflake account {}", self.settings.account);
        if let Some(w) = &self.settings.warehouse {
            what.push_str(&format!(", warehouse {w}"));
        }
        format!("{what} on {}", self.http.base())
    }

    /// INFORMATION_SCHEMA.COLUMNS of the table's database.
    fn describe_table(
        &self,
        parts: &[&str],
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        self.information_schema_columns(parts, control)
    }

    /// The result's `rowType` of the query cut to no rows: nothing is fetched.
    fn describe_query(
        &self,
        sql: &str,
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        let body = sql.trim().trim_end_matches(';').trim_end();
        let empty = format!("SELECT * FROM (\n{body}\n) AS loupe_gem LIMIT 0");
        Ok(self.execute(&empty, Some(0), control)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonv2_values_decode_by_type() {
        assert_eq!(decode_cell("19723", "date"), "2024-01-01");
        assert_eq!(decode_cell("-1", "date"), "1969-12-31");
        assert_eq!(decode_cell("45296.500000000", "time"), "12:34:56.5");
        assert_eq!(
            decode_cell("1704067200.000000000", "timestamp_ntz"),
            "2024-01-01 00:00:00"
        );
        assert_eq!(
            decode_cell("1704067200.123000000 1500", "timestamp_tz"),
            "2024-01-01 01:00:00.123+01:00"
        );
        assert_eq!(
            decode_cell("-0.250000000", "timestamp_ntz"),
            "1969-12-31 23:59:59.75"
        );
        assert_eq!(decode_cell("12.50", "fixed"), "12.50");
        assert_eq!(decode_cell("{\"a\":1}", "object"), "{\"a\":1}");
    }

    #[test]
    fn snowflake_types_read_from_row_types() {
        let column = json!({"name": "A", "type": "fixed", "precision": 38, "scale": 0});
        assert_eq!(column_type_text(&column), "NUMBER(38,0)");
        assert_eq!(type_text("text", None, None, Some(16_777_216)), "VARCHAR");
        assert_eq!(type_text("TEXT", None, None, Some(20)), "VARCHAR(20)");
        assert_eq!(
            type_text("timestamp_ntz", None, Some(9), None),
            "TIMESTAMP_NTZ"
        );
        assert_eq!(
            type_text("timestamp_tz", None, Some(3), None),
            "TIMESTAMP_TZ(3)"
        );
        assert_eq!(type_text("variant", None, None, None), "VARIANT");
        assert_eq!(type_text("real", None, None, None), "FLOAT");
        let ids: std::collections::HashSet<String> = (0..100).map(|_| request_id()).collect();
        assert_eq!(ids.len(), 100);
        assert!(ids
            .iter()
            .all(|id| id.len() == 36 && id.as_bytes()[14] == b'4'));
    }
}

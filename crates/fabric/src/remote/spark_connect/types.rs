//! Spark Connect's answers as Loupe's plain data: a `DataType` as the SQL
//! type text the other Spark fabrics show (`BIGINT`, `DECIMAL(38,2)`,
//! `ARRAY<STRING>`), Arrow IPC batches as rows of text.

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};

use super::proto::data_type::Kind;
use super::proto::DataType;
use crate::FabricError;

/// Nested types deeper than this are shown as `…` (the answer is the server's,
/// but a bound keeps a hostile one from overflowing the stack).
const MAX_DEPTH: usize = 64;

/// The SQL text of a Spark type.
pub fn type_text(data_type: &DataType) -> String {
    type_text_within(data_type, 0)
}

fn type_text_within(data_type: &DataType, depth: usize) -> String {
    if depth > MAX_DEPTH {
        return "…".into();
    }
    let inner = |t: Option<&DataType>| {
        t.map_or_else(|| "UNKNOWN".into(), |t| type_text_within(t, depth + 1))
    };
    let Some(kind) = &data_type.kind else {
        return "UNKNOWN".into();
    };
    match kind {
        Kind::Null(_) => "VOID".into(),
        Kind::Binary(_) => "BINARY".into(),
        Kind::Boolean(_) => "BOOLEAN".into(),
        Kind::Byte(_) => "TINYINT".into(),
        Kind::Short(_) => "SMALLINT".into(),
        Kind::Integer(_) => "INT".into(),
        Kind::Long(_) => "BIGINT".into(),
        Kind::Float(_) => "FLOAT".into(),
        Kind::Double(_) => "DOUBLE".into(),
        Kind::Decimal(d) => format!(
            "DECIMAL({},{})",
            d.precision.unwrap_or(10),
            d.scale.unwrap_or(0)
        ),
        Kind::String(_) => "STRING".into(),
        Kind::Char(c) => format!("CHAR({})", c.length),
        Kind::VarChar(v) => format!("VARCHAR({})", v.length),
        Kind::Date(_) => "DATE".into(),
        Kind::Timestamp(_) | Kind::TimestampLtzNanos(_) => "TIMESTAMP".into(),
        Kind::TimestampNtz(_) | Kind::TimestampNtzNanos(_) => "TIMESTAMP_NTZ".into(),
        Kind::Time(_) => "TIME".into(),
        Kind::CalendarInterval(_) => "INTERVAL".into(),
        Kind::YearMonthInterval(i) => interval_text(
            i.start_field.unwrap_or(0),
            i.end_field.unwrap_or(1),
            &["YEAR", "MONTH"],
        ),
        Kind::DayTimeInterval(i) => interval_text(
            i.start_field.unwrap_or(0),
            i.end_field.unwrap_or(3),
            &["DAY", "HOUR", "MINUTE", "SECOND"],
        ),
        Kind::Array(a) => format!("ARRAY<{}>", inner(a.element_type.as_deref())),
        Kind::Map(m) => format!(
            "MAP<{}, {}>",
            inner(m.key_type.as_deref()),
            inner(m.value_type.as_deref())
        ),
        Kind::Struct(s) => {
            let fields: Vec<String> = s
                .fields
                .iter()
                .map(|f| format!("{}: {}", f.name, inner(f.data_type.as_ref())))
                .collect();
            format!("STRUCT<{}>", fields.join(", "))
        }
        Kind::Variant(_) => "VARIANT".into(),
        Kind::Udt(u) => u.sql_type.as_deref().map_or_else(
            || "USER_DEFINED_TYPE".into(),
            |t| type_text_within(t, depth + 1),
        ),
        Kind::Geometry(g) => format!("GEOMETRY({})", g.srid),
        Kind::Geography(g) => format!("GEOGRAPHY({})", g.srid),
        Kind::Unparsed(u) => u.data_type_string.to_uppercase(),
    }
}

fn interval_text(start: i32, end: i32, names: &[&str]) -> String {
    let name = |i: i32| names.get(i as usize).copied().unwrap_or("?");
    if start == end {
        format!("INTERVAL {}", name(start))
    } else {
        format!("INTERVAL {} TO {}", name(start), name(end))
    }
}

/// The columns of a struct type (a query's or a table's schema).
pub fn struct_columns(schema: &DataType) -> Vec<(String, String)> {
    match &schema.kind {
        Some(Kind::Struct(s)) => s
            .fields
            .iter()
            .map(|f| {
                let t = f
                    .data_type
                    .as_ref()
                    .map_or_else(|| "UNKNOWN".into(), type_text);
                (f.name.clone(), t)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The rows of one `ArrowBatch` (an Arrow IPC stream: its schema, then batches).
pub fn batch_rows(data: &[u8]) -> Result<Vec<Vec<Option<String>>>, FabricError> {
    let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(data), None)
        .map_err(|e| FabricError::Query(format!("an unreadable Arrow batch from Spark: {e}")))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| {
            FabricError::Query(format!("an unreadable Arrow batch from Spark: {e}"))
        })?;
        rows.extend(record_batch_rows(&batch)?);
    }
    Ok(rows)
}

fn record_batch_rows(batch: &RecordBatch) -> Result<Vec<Vec<Option<String>>>, FabricError> {
    // Dates and times as Spark shows them: a space, not ISO's `T`. A TIMESTAMP
    // (an instant) comes in the session's zone (`spark.sql.session.timeZone`,
    // named or an offset) and is shown as the wall-clock time there, without
    // the zone, as Spark's own clients show it.
    let plain = FormatOptions::default()
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"))
        .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M:%S%.f"))
        .with_datetime_format(Some("%Y-%m-%d %H:%M:%S%.f"));
    let columns: Vec<&ArrayRef> = batch.columns().iter().collect();
    let formatters = columns
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &plain))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| FabricError::Query(format!("an Arrow value Loupe cannot show: {e}")))?;
    Ok((0..batch.num_rows())
        .map(|row| {
            columns
                .iter()
                .zip(&formatters)
                .map(|(column, formatter)| {
                    (!column.is_null(row)).then(|| formatter.value(row).to_string())
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::proto::data_type;
    use super::*;

    fn of(kind: Kind) -> DataType {
        DataType { kind: Some(kind) }
    }

    #[test]
    fn spark_types_read_as_sql() {
        let decimal = of(Kind::Decimal(data_type::Decimal {
            precision: Some(38),
            scale: Some(2),
            type_variation_reference: 0,
        }));
        assert_eq!(type_text(&decimal), "DECIMAL(38,2)");
        let array = of(Kind::Array(Box::new(data_type::Array {
            element_type: Some(Box::new(of(Kind::String(Default::default())))),
            contains_null: true,
            type_variation_reference: 0,
        })));
        assert_eq!(type_text(&array), "ARRAY<STRING>");
        let row = of(Kind::Struct(data_type::Struct {
            fields: vec![
                data_type::StructField {
                    name: "id".into(),
                    data_type: Some(of(Kind::Long(Default::default()))),
                    nullable: true,
                    metadata: None,
                },
                data_type::StructField {
                    name: "tags".into(),
                    data_type: Some(array),
                    nullable: true,
                    metadata: None,
                },
            ],
            type_variation_reference: 0,
        }));
        assert_eq!(type_text(&row), "STRUCT<id: BIGINT, tags: ARRAY<STRING>>");
        assert_eq!(
            struct_columns(&row),
            [
                ("id".to_string(), "BIGINT".to_string()),
                ("tags".to_string(), "ARRAY<STRING>".to_string())
            ]
        );
    }

    #[test]
    fn instants_show_in_the_sessions_zone() {
        use arrow_array::TimestampMicrosecondArray;
        // 2024-07-01 12:00:00 UTC, in three session zones.
        let micros = 1_719_835_200_000_000;
        let shown = |zone: &str| {
            let column = TimestampMicrosecondArray::from(vec![Some(micros), None])
                .with_timezone(zone.to_string());
            let batch =
                RecordBatch::try_from_iter([("at", std::sync::Arc::new(column) as ArrayRef)])
                    .unwrap();
            record_batch_rows(&batch).unwrap()
        };
        assert_eq!(shown("UTC")[0][0].as_deref(), Some("2024-07-01 12:00:00"));
        assert_eq!(
            shown("America/Los_Angeles")[0][0].as_deref(),
            Some("2024-07-01 05:00:00")
        );
        assert_eq!(
            shown("+05:30"),
            [vec![Some("2024-07-01 17:30:00".to_string())], vec![None]]
        );
    }

    #[test]
    fn deep_types_stop_at_the_bound() {
        let mut t = of(Kind::Long(Default::default()));
        for _ in 0..(MAX_DEPTH * 2) {
            t = of(Kind::Array(Box::new(data_type::Array {
                element_type: Some(Box::new(t)),
                contains_null: true,
                type_variation_reference: 0,
            })));
        }
        assert!(type_text(&t).contains('…'));
    }
}

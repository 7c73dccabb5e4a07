//! Spark's JSON data types (Livy's `sql` output, the 1.2 API's table schema)
//! as the SQL type text Databricks shows (`BIGINT`, `ARRAY<STRING>`).

use serde_json::Value;

/// `"long"` → `BIGINT`, `{"type":"array","elementType":"string"}` → `ARRAY<STRING>`.
pub fn spark_type_text(data_type: &Value) -> String {
    match data_type {
        Value::String(name) => simple_type(name),
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("array") => format!(
                "ARRAY<{}>",
                spark_type_text(o.get("elementType").unwrap_or(&Value::Null))
            ),
            Some("map") => format!(
                "MAP<{}, {}>",
                spark_type_text(o.get("keyType").unwrap_or(&Value::Null)),
                spark_type_text(o.get("valueType").unwrap_or(&Value::Null))
            ),
            Some("struct") => {
                let fields: Vec<String> = o
                    .get("fields")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        format!(
                            "{}: {}",
                            f.get("name").and_then(Value::as_str).unwrap_or("?"),
                            spark_type_text(f.get("type").unwrap_or(&Value::Null))
                        )
                    })
                    .collect();
                format!("STRUCT<{}>", fields.join(", "))
            }
            Some("udt") => o
                .get("sqlType")
                .map_or_else(|| "USER_DEFINED_TYPE".into(), spark_type_text),
            Some(other) => simple_type(other),
            None => "UNKNOWN".into(),
        },
        _ => "UNKNOWN".into(),
    }
}

/// The 1.2 API writes each type as a JSON document inside a string: decode it first.
pub fn encoded_spark_type_text(encoded: &str) -> String {
    serde_json::from_str::<Value>(encoded)
        .map(|v| spark_type_text(&v))
        .unwrap_or_else(|_| simple_type(encoded))
}

fn simple_type(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "byte" => "TINYINT".into(),
        "short" => "SMALLINT".into(),
        "integer" => "INT".into(),
        "long" => "BIGINT".into(),
        "null" | "void" => "VOID".into(),
        _ => lower.to_ascii_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spark_types_read_as_sql() {
        assert_eq!(encoded_spark_type_text("\"long\""), "BIGINT");
        assert_eq!(spark_type_text(&json!("decimal(10,2)")), "DECIMAL(10,2)");
        assert_eq!(
            spark_type_text(&json!({"type":"array","elementType":"string","containsNull":true})),
            "ARRAY<STRING>"
        );
        assert_eq!(
            spark_type_text(&json!({"type":"struct","fields":[
                {"name":"a","type":"integer","nullable":true,"metadata":{}},
                {"name":"m","type":{"type":"map","keyType":"string","valueType":"double"},"nullable":true,"metadata":{}}]})),
            "STRUCT<a: INT, m: MAP<STRING, DOUBLE>>"
        );
    }
}

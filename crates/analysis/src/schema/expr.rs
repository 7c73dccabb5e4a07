//! Expression typing, column resolution and the not-grouped check.

use sqlparser::ast::{
    AccessExpr, BinaryOperator, CastKind, DateTimeField, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArguments, Ident, Subscript, UnaryOperator, Value, WindowType,
};

use super::higher_order::HigherOrder;
use super::query::{Analyzer, Grouping};
use super::scope::{Resolution, Scope};
use crate::catalog::{
    bigquery_decimal_result, bigquery_result_type, integer_division, keeps_precision,
    postgres_arithmetic, postgres_json_operator, postgres_result_type, redshift_decimal_arithmetic,
    redshift_result_type, snowflake_number_arithmetic, snowflake_result_type, with_some_precision,
    without_precision,
};
use crate::diagnostics::{did_you_mean_hint, Code};
use crate::syntax::Dialect;
use crate::types::{common_supertype, SqlType};

impl Analyzer<'_> {
    /// Infers an expression's type, reporting resolution problems. With
    /// `grouping`, column references outside aggregates must be grouped.
    pub(crate) fn infer(
        &mut self,
        e: &Expr,
        scope: &Scope,
        grouping: Option<&Grouping>,
        aliases_ok: bool,
    ) -> SqlType {
        if !self.burn(1) {
            return SqlType::Unknown;
        }
        // An expression that is itself grouped needs no check inside.
        let grouping = grouping.filter(|g| !g.groups(e));
        let infer = |a: &mut Self, e: &Expr| a.infer(e, scope, grouping, aliases_ok);
        match e {
            // Spark reads `1L`, `2.5D`, `1.0BD` as typed literals (they tokenize as words).
            Expr::Identifier(id)
                if self.spark_types
                    && id.quote_style.is_none()
                    && id.value.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                match crate::types::spark::number_literal_type(&id.value) {
                    Some(ty) => ty,
                    None => self.infer_column(e, scope, grouping, aliases_ok),
                }
            }
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                self.infer_column(e, scope, grouping, aliases_ok)
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                // `t.col[1]` parses as `t` followed by `.col` and `[1]`: resolve
                // the leading dotted names together.
                let mut ids: Vec<Ident> = Vec::new();
                match root.as_ref() {
                    Expr::Identifier(id) => ids.push(id.clone()),
                    Expr::CompoundIdentifier(parts) => ids.extend(parts.iter().cloned()),
                    _ => {}
                }
                let dotted = access_chain
                    .iter()
                    .take_while(|a| {
                        matches!(a, AccessExpr::Dot(Expr::Identifier(_))) && !ids.is_empty()
                    })
                    .count();
                for a in &access_chain[..dotted] {
                    if let AccessExpr::Dot(Expr::Identifier(id)) = a {
                        ids.push(id.clone());
                    }
                }
                let mut ty = if ids.is_empty() {
                    infer(self, root)
                } else {
                    self.infer_column(&Expr::CompoundIdentifier(ids), scope, grouping, aliases_ok)
                };
                for access in &access_chain[dotted..] {
                    ty = match access {
                        AccessExpr::Dot(Expr::Identifier(id)) => field_type(&ty, &id.value),
                        AccessExpr::Dot(_) => SqlType::Unknown,
                        AccessExpr::Subscript(Subscript::Index { index }) => {
                            let index_ty = infer(self, index);
                            subscript_type(&ty, index, &index_ty)
                        }
                        AccessExpr::Subscript(Subscript::Slice {
                            lower_bound,
                            upper_bound,
                            stride,
                        }) => {
                            let bounds = lower_bound.iter().chain(upper_bound).chain(stride);
                            for b in bounds.filter(|b| !crate::syntax::is_open_slice_end(b)) {
                                infer(self, b);
                            }
                            ty
                        }
                    };
                }
                ty
            }
            Expr::Value(v) if self.spark_types => spark_literal_type(&v.value),
            // BigQuery reads `0.25` and `1e3` as FLOAT64 (NUMERIC needs `numeric '0.25'`).
            Expr::Value(v)
                if self.dialect == Dialect::BigQuery
                    && matches!(&v.value, Value::Number(n, _) if n.contains(['.', 'e', 'E'])) =>
            {
                SqlType::Double
            }
            // Postgres reads `0.25` and `1e3` as NUMERIC.
            Expr::Value(v)
                if self.dialect == Dialect::Postgres
                    && matches!(&v.value, Value::Number(n, _) if n.contains(['.', 'e', 'E'])) =>
            {
                SqlType::Numeric
            }
            Expr::Value(v) => literal_type(&v.value),
            // BigQuery's `TIMESTAMP '...'` is an instant, as its TIMESTAMP columns are.
            Expr::TypedString(t) if self.dialect == Dialect::BigQuery => {
                crate::types::parse_type_in(&t.data_type.to_string(), self.dialect)
            }
            Expr::TypedString(t) => {
                crate::types::parse_type_in(&t.data_type.to_string(), self.dialect)
            }
            Expr::Interval(i) => {
                infer(self, &i.value);
                SqlType::Interval
            }
            Expr::Nested(inner) => infer(self, inner),
            Expr::UnaryOp { op, expr } => {
                let ty = infer(self, expr);
                match op {
                    UnaryOperator::Not => SqlType::Boolean,
                    UnaryOperator::Minus => match ty {
                        SqlType::IntegerLiteral(v) => SqlType::IntegerLiteral(-v),
                        other => other,
                    },
                    _ => ty,
                }
            }
            Expr::BinaryOp { left, op, right } => {
                let l = infer(self, left);
                let r = infer(self, right);
                if self.spark_types {
                    if let Some(ty) = spark_interval_shift(left, op, right, &l, &r) {
                        return ty;
                    }
                }
                self.binary_type(op, &l, &r)
            }
            Expr::IsFalse(x)
            | Expr::IsNotFalse(x)
            | Expr::IsTrue(x)
            | Expr::IsNotTrue(x)
            | Expr::IsNull(x)
            | Expr::IsNotNull(x)
            | Expr::IsUnknown(x)
            | Expr::IsNotUnknown(x) => {
                infer(self, x);
                SqlType::Boolean
            }
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                infer(self, a);
                infer(self, b);
                SqlType::Boolean
            }
            Expr::InList { expr, list, .. } => {
                infer(self, expr);
                for x in list {
                    infer(self, x);
                }
                SqlType::Boolean
            }
            Expr::InSubquery { expr, subquery, .. } => {
                infer(self, expr);
                self.analyze_query(subquery, Some(scope));
                SqlType::Boolean
            }
            Expr::InUnnest {
                expr, array_expr, ..
            } => {
                infer(self, expr);
                infer(self, array_expr);
                SqlType::Boolean
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                for x in [expr, low, high] {
                    infer(self, x);
                }
                SqlType::Boolean
            }
            Expr::Like { expr, pattern, .. }
            | Expr::ILike { expr, pattern, .. }
            | Expr::SimilarTo { expr, pattern, .. }
            | Expr::RLike { expr, pattern, .. } => {
                infer(self, expr);
                infer(self, pattern);
                SqlType::Boolean
            }
            Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
                infer(self, left);
                infer(self, right);
                SqlType::Boolean
            }
            Expr::Exists { subquery, .. } => {
                self.analyze_query(subquery, Some(scope));
                SqlType::Boolean
            }
            Expr::Subquery(q) => {
                let schema = self.analyze_query(q, Some(scope));
                subquery_value_type(q, &schema)
            }
            Expr::Cast {
                kind,
                expr,
                data_type,
                ..
            } => {
                infer(self, expr);
                let _ = kind == &CastKind::TryCast;
                crate::types::parse_type_in(&data_type.to_string(), self.dialect)
            }
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                let ty = infer(self, timestamp);
                infer(self, time_zone);
                match ty {
                    SqlType::TimestampTz | SqlType::TimestampTzOffset => SqlType::Timestamp,
                    SqlType::Unknown => SqlType::Unknown,
                    _ => SqlType::TimestampTz,
                }
            }
            Expr::Extract { field, expr, .. } => {
                let from = infer(self, expr);
                match field {
                    // Spark: seconds with their fraction, every other field an INT.
                    DateTimeField::Second if self.spark_types => SqlType::Decimal(8, 6),
                    DateTimeField::Epoch if self.spark_types => SqlType::Decimal(18, 6),
                    _ if self.spark_types => SqlType::Integer,
                    // BigQuery: `extract(date from ts)` and its kin take a part of the value.
                    DateTimeField::Date if self.dialect == Dialect::BigQuery => SqlType::Date,
                    DateTimeField::Datetime if self.dialect == Dialect::BigQuery => {
                        SqlType::Timestamp
                    }
                    DateTimeField::Time if self.dialect == Dialect::BigQuery => SqlType::Time,
                    _ if self.dialect == Dialect::Postgres => SqlType::Numeric,
                    DateTimeField::Epoch | DateTimeField::Julian => SqlType::Double,
                    // Redshift: an INTEGER, a DOUBLE PRECISION from a TIMESTAMPTZ.
                    _ if self.dialect == Dialect::Redshift => match from {
                        SqlType::TimestampTz => SqlType::Double,
                        _ => SqlType::Integer,
                    },
                    _ => SqlType::BigInt,
                }
            }
            Expr::Ceil { expr, field } | Expr::Floor { expr, field } => {
                let name = if matches!(e, Expr::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                let ty = infer(self, expr);
                if self.spark_types {
                    let mut args = vec![super::spark_calls::SparkArg { ty, expr: None }];
                    // `ceil(x, 2)`: the scale is the second argument.
                    if let sqlparser::ast::CeilFloorKind::Scale(scale) = field {
                        args.push(super::spark_calls::SparkArg {
                            ty: spark_literal_type(&scale.value),
                            expr: None,
                        });
                    }
                    return self.spark_call_type(name, &args);
                }
                let engine_type = match self.dialect {
                    Dialect::Postgres => postgres_result_type(name, std::slice::from_ref(&ty)),
                    Dialect::BigQuery => {
                        bigquery_result_type(None, name, std::slice::from_ref(&ty))
                    }
                    Dialect::Redshift => redshift_result_type(name, std::slice::from_ref(&ty)),
                    _ => None,
                };
                if let Some(ty) = engine_type {
                    return ty;
                }
                self.function_type(name, &[ty], Vec::new(), false)
            }
            Expr::Position { expr, r#in } => {
                infer(self, expr);
                infer(self, r#in);
                if self.spark_types || matches!(self.dialect, Dialect::Postgres | Dialect::Redshift)
                {
                    SqlType::Integer
                } else {
                    SqlType::BigInt
                }
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                infer(self, expr);
                for x in substring_from.iter().chain(substring_for) {
                    infer(self, x);
                }
                SqlType::Varchar
            }
            Expr::Trim {
                expr, trim_what, ..
            } => {
                infer(self, expr);
                if let Some(w) = trim_what {
                    infer(self, w);
                }
                SqlType::Varchar
            }
            Expr::Overlay { expr, .. } => {
                infer(self, expr);
                SqlType::Varchar
            }
            Expr::Collate { expr, .. } => infer(self, expr),
            Expr::Function(f) => {
                let ty = self.infer_function(f, scope, grouping, aliases_ok);
                // Postgres: what a call computes has no precision of its own.
                let keeps = || {
                    f.name
                        .0
                        .last()
                        .is_some_and(|n| keeps_precision(&n.to_string().to_lowercase()))
                };
                if self.dialect == Dialect::Postgres && !keeps() {
                    without_precision(ty)
                } else {
                    ty
                }
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand {
                    infer(self, o);
                }
                let mut result: Option<SqlType> = None;
                for cw in conditions {
                    infer(self, &cw.condition);
                    let t = infer(self, &cw.result);
                    result = Some(self.unify(result, t));
                }
                if let Some(x) = else_result {
                    let t = infer(self, x);
                    result = Some(self.unify(result, t));
                }
                result.unwrap_or(SqlType::Unknown)
            }
            Expr::Tuple(items) => {
                let fields = items
                    .iter()
                    .map(|x| (String::new(), infer(self, x).materialize()))
                    .collect();
                SqlType::Struct(fields)
            }
            // Spark's `struct(a, b AS c)`: fields named after their columns or aliases.
            Expr::Struct { values, .. } if self.spark_types => {
                let args: Vec<(SqlType, &Expr)> = values
                    .iter()
                    .map(|x| {
                        let ty = infer(self, x);
                        (ty, x)
                    })
                    .collect();
                super::spark_calls::struct_of(&args)
            }
            // BigQuery's `STRUCT(a, b AS c)` and typed `STRUCT<x INT64>(1)`.
            Expr::Struct { values, fields } => {
                let types: Vec<SqlType> = values.iter().map(|x| infer(self, x)).collect();
                if fields.is_empty() {
                    SqlType::Struct(
                        values
                            .iter()
                            .zip(types)
                            .map(|(x, ty)| (struct_field_name(x), ty.materialize()))
                            .collect(),
                    )
                } else {
                    SqlType::Struct(
                        fields
                            .iter()
                            .map(|f| {
                                let name = f
                                    .field_name
                                    .as_ref()
                                    .map_or(String::new(), |n| n.value.clone());
                                (
                                    name,
                                    crate::types::parse_type_in(
                                        &f.field_type.to_string(),
                                        self.dialect,
                                    ),
                                )
                            })
                            .collect(),
                    )
                }
            }
            Expr::Dictionary(fields) => {
                let mut out = Vec::new();
                for f in fields {
                    let t = infer(self, &f.value);
                    out.push((f.key.value.clone(), t.materialize()));
                }
                SqlType::Struct(out)
            }
            Expr::Map(map) => {
                let mut k: Option<SqlType> = None;
                let mut v: Option<SqlType> = None;
                for entry in &map.entries {
                    let kt = infer(self, &entry.key);
                    let vt = infer(self, &entry.value);
                    k = Some(self.unify(k, kt));
                    v = Some(self.unify(v, vt));
                }
                match (k, v) {
                    (Some(k), Some(v)) => {
                        SqlType::Map(Box::new(k.materialize()), Box::new(v.materialize()))
                    }
                    _ => SqlType::Unknown,
                }
            }
            Expr::Array(array) => {
                let mut elem: Option<SqlType> = None;
                for x in &array.elem {
                    let t = infer(self, x);
                    elem = Some(self.unify(elem, t));
                }
                SqlType::List(Box::new(elem.unwrap_or(SqlType::Null).materialize()))
            }
            Expr::Named { expr, .. } => infer(self, expr),
            Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) => {
                for x in sets.iter().flatten() {
                    infer(self, x);
                }
                SqlType::Unknown
            }
            Expr::Lambda(l) => match json_arrow(l, self.dialect) {
                Some(column) => {
                    infer(self, &column);
                    SqlType::Json
                }
                // A lambda outside a higher-order call: its body is not typed.
                // Spark's catalog matches a lambda argument by its class.
                None if self.spark_types => SqlType::Named("LAMBDA".into()),
                None => SqlType::Unknown,
            },
            // `v:path`: a VARIANT in Snowflake; in Databricks a VARIANT of a
            // VARIANT, and a STRING read from JSON text.
            Expr::JsonAccess { value, .. } => {
                let read = infer(self, value);
                let variant = || SqlType::Named("VARIANT".into());
                match self.dialect {
                    Dialect::Snowflake => variant(),
                    Dialect::Databricks if read == variant() => variant(),
                    Dialect::Databricks => SqlType::Varchar,
                    _ => SqlType::Unknown,
                }
            }
            _ => SqlType::Unknown,
        }
    }

    /// Type of an expression without reporting anything (used to probe structs).
    pub(crate) fn try_resolve_silently(&mut self, e: &Expr, scope: &Scope) -> Option<SqlType> {
        let before = self.diagnostics.len();
        let ty = self.infer(e, scope, None, false);
        let failed = self.diagnostics.len() > before;
        self.diagnostics.truncate(before);
        (!failed).then_some(ty)
    }

    fn infer_column(
        &mut self,
        e: &Expr,
        scope: &Scope,
        grouping: Option<&Grouping>,
        aliases_ok: bool,
    ) -> SqlType {
        let ids: Vec<&Ident> = match e {
            Expr::Identifier(id) => vec![id],
            Expr::CompoundIdentifier(ids) => ids.iter().collect(),
            _ => return SqlType::Unknown,
        };
        let range = self.range_of(e);
        // The name as written, for messages and the editor only.
        let shown = || {
            ids.iter()
                .map(|i| i.value.as_str())
                .collect::<Vec<_>>()
                .join(".")
        };
        let (resolution, field_path) = resolve_path(scope, &ids, aliases_ok);
        match &resolution {
            Resolution::Found { lineage, .. } | Resolution::Unknown { lineage, .. } => {
                self.record_reference(range, lineage.clone())
            }
            _ => {}
        }
        if self.records_ide_facts() {
            let (ty, lineage) = match &resolution {
                Resolution::Found { ty, lineage, .. } => (
                    field_path.iter().fold(ty.clone(), |t, f| field_type(&t, f)),
                    lineage.clone(),
                ),
                Resolution::Unknown { lineage, .. } => (SqlType::Unknown, lineage.clone()),
                _ => (SqlType::Unknown, Vec::new()),
            };
            self.ide.references.push(super::ColumnReference {
                range,
                name: shown(),
                ty,
                lineage,
            });
        }
        match resolution {
            Resolution::Found {
                ty, binding, depth, ..
            } => {
                if let (Some(g), Some(b), 0) = (grouping, &binding, depth) {
                    if field_path.is_empty() && !g.bindings.contains(b) {
                        let shown = shown();
                        self.report(
                            Code::NotGrouped,
                            range,
                            format!(
                                "column `{shown}` must appear in the GROUP BY clause or be used in an aggregate function"
                            ),
                        );
                    }
                }
                self.struct_fields_type(ty, &field_path, &ids, range)
            }
            Resolution::Unknown { from, .. } => {
                if let Some(places) = self.documented_places(&from) {
                    if let Some(ty) = self.implicit_column_type(&ids) {
                        return ty;
                    }
                    if let Some(row) = self.whole_row(&ids, scope) {
                        return row;
                    }
                    let last = ids.last().map_or("", |i| i.value.as_str());
                    self.report_undocumented_column(&shown(), last, &places, scope, range);
                }
                SqlType::Unknown
            }
            Resolution::Ambiguous(from) => {
                let shown = shown();
                self.report(
                    Code::AmbiguousColumn,
                    range,
                    format!(
                        "column `{shown}` is ambiguous: it exists in {}",
                        from.join(" and ")
                    ),
                );
                SqlType::Unknown
            }
            Resolution::NotFound | Resolution::NoSuchQualifier => {
                let shown = shown();
                if let Some(ty) = self.implicit_column_type(&ids) {
                    return ty;
                }
                if let Some(row) = self.whole_row(&ids, scope) {
                    return row;
                }
                // No input has it, but the select list named it: the engines
                // that allow it read the alias, and so does lineage.
                if let (Resolution::NotFound, [id]) = (&resolution, ids.as_slice()) {
                    let alias = scope
                        .aliases
                        .borrow()
                        .iter()
                        .rev()
                        .find(|a| a.name.eq_ignore_ascii_case(&id.value))
                        .cloned();
                    if let Some(alias) = alias {
                        self.record_reference(range, alias.lineage.clone());
                        self.report(
                            Code::UnknownColumn,
                            range,
                            format!(
                                "unknown column `{shown}`: `{shown}` is an alias of this select list, which this dialect does not let the query use"
                            ),
                        );
                        return alias.ty;
                    }
                }
                let hint = if self.hints.spend(scope.visible_name_count()) {
                    unknown_column_hint(&ids, &resolution, scope)
                } else {
                    String::new()
                };
                let message = if matches!(resolution, Resolution::NoSuchQualifier) {
                    let q = ids[..ids.len() - 1]
                        .iter()
                        .map(|i| i.value.as_str())
                        .collect::<Vec<_>>()
                        .join(".");
                    format!("unknown column `{shown}`: no relation named `{q}` in scope{hint}")
                } else {
                    format!("unknown column `{shown}`{hint}")
                };
                self.report(Code::UnknownColumn, range, message);
                SqlType::Unknown
            }
        }
    }

    fn infer_function(
        &mut self,
        f: &Function,
        scope: &Scope,
        grouping: Option<&Grouping>,
        aliases_ok: bool,
    ) -> SqlType {
        let name = f
            .name
            .0
            .last()
            .map(|p| p.to_string().trim_matches('"').to_lowercase())
            .unwrap_or_default();
        let is_window = f.over.is_some();
        let aggregate = !is_window && self.functions.is_aggregate_call(f);
        // Inside an aggregate, columns need not be grouped.
        let arg_grouping = if aggregate { None } else { grouping };

        let mut arg_types = Vec::new();
        let mut arg_exprs: Vec<Option<&Expr>> = Vec::new();
        let mut named: Vec<(String, SqlType)> = Vec::new();
        let mut star = false;
        // Lambdas by positional argument, typed once the other arguments are.
        let mut lambdas: Vec<(usize, &sqlparser::ast::LambdaFunction)> = Vec::new();
        // The date part of a date function, as written (`month`, `'hour'`).
        let mut date_part: Option<String> = None;
        // The one column of a subquery argument (BigQuery's `array(select ...)`).
        let mut array_of: Option<SqlType> = None;
        match &f.args {
            FunctionArguments::List(list) => {
                let part_position = date_part_position(&name, self.dialect);
                for (position, arg) in list.args.iter().enumerate() {
                    let (arg_name, arg_expr) = match arg {
                        FunctionArg::Unnamed(a) => (None, a),
                        FunctionArg::Named { name, arg, .. } => (Some(name.value.clone()), arg),
                        FunctionArg::ExprNamed { arg, .. } => (None, arg),
                    };
                    if part_position == Some(position) {
                        date_part = match arg_expr {
                            FunctionArgExpr::Expr(Expr::Identifier(part)) => {
                                Some(part.value.clone())
                            }
                            FunctionArgExpr::Expr(Expr::Value(v)) => match &v.value {
                                Value::SingleQuotedString(p) => Some(p.clone()),
                                _ => None,
                            },
                            _ => None,
                        };
                    }
                    let ty = match arg_expr {
                        // `datediff(day, a, b)`: a date part written as a keyword
                        // (Snowflake, Databricks, SQL Server), not a column.
                        FunctionArgExpr::Expr(Expr::Identifier(part))
                            if part_position == Some(position)
                                && part.quote_style.is_none()
                                && is_date_part(&part.value)
                                && !scope_has_column(scope, &part.value) =>
                        {
                            SqlType::Varchar
                        }
                        // BigQuery's `date_trunc(d, week(monday))`: a week
                        // starting on that day, not a call on a column.
                        FunctionArgExpr::Expr(Expr::Function(week))
                            if part_position == Some(position)
                                && self.dialect == Dialect::BigQuery
                                && bigquery_week_part(week) =>
                        {
                            date_part = Some("week".into());
                            SqlType::Varchar
                        }
                        FunctionArgExpr::Expr(Expr::Lambda(lambda))
                            if arg_name.is_none() && json_arrow(lambda, self.dialect).is_none() =>
                        {
                            lambdas.push((arg_types.len(), lambda));
                            // Spark's catalog matches a lambda argument by its class.
                            if self.spark_types {
                                SqlType::Named("LAMBDA".into())
                            } else {
                                SqlType::Unknown
                            }
                        }
                        FunctionArgExpr::Expr(x) => self.infer(x, scope, arg_grouping, aliases_ok),
                        _ => {
                            star = true;
                            SqlType::Unknown
                        }
                    };
                    match arg_name {
                        Some(n) => named.push((n, ty)),
                        None => {
                            arg_types.push(ty);
                            arg_exprs.push(match arg_expr {
                                FunctionArgExpr::Expr(x) => Some(x),
                                _ => None,
                            });
                        }
                    }
                }
                for clause in &list.clauses {
                    if let sqlparser::ast::FunctionArgumentClause::OrderBy(order) = clause {
                        for o in order {
                            self.infer(&o.expr, scope, arg_grouping, aliases_ok);
                        }
                    }
                }
            }
            FunctionArguments::Subquery(q) => {
                let schema = self.analyze_query(q, Some(scope));
                array_of = Some(subquery_value_type(q, &schema)).filter(|t| !t.is_unknown());
            }
            FunctionArguments::None => {}
        }
        let higher_order = HigherOrder::of(&name, self.dialect, self.spark_types);
        let mut bodies = Vec::new();
        for (position, lambda) in lambdas {
            let params = higher_order.map_or_else(Vec::new, |h| {
                h.param_types(self.dialect, self.spark_types, position, &arg_types)
            });
            let body = self.infer_lambda(lambda, params, scope, arg_grouping, aliases_ok);
            bodies.push((position, body));
        }
        if let Some(filter) = &f.filter {
            self.infer(filter, scope, arg_grouping, aliases_ok);
        }
        let mut ordered_types = Vec::new();
        for o in &f.within_group {
            ordered_types.push(self.infer(&o.expr, scope, arg_grouping, aliases_ok));
        }
        if let Some(WindowType::WindowSpec(spec)) = &f.over {
            for p in &spec.partition_by {
                self.infer(p, scope, grouping, aliases_ok);
            }
            for o in &spec.order_by {
                self.infer(&o.expr, scope, grouping, aliases_ok);
            }
        }
        if let Some(ty) = higher_order
            .filter(|_| !bodies.is_empty())
            .and_then(|h| h.result_type(self.dialect, &arg_types, &bodies))
        {
            return ty;
        }
        // `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)` is `quantile_cont(x, 0.5)`.
        if let (Some(ordered), Some(q)) = (ordered_types.first(), percentile_as_quantile(&name)) {
            if self.dialect == Dialect::Postgres && name == "percentile_cont" {
                return postgres_result_type(&name, std::slice::from_ref(ordered))
                    .unwrap_or(SqlType::Unknown);
            }
            if self.spark_types {
                return crate::types::spark::ordered_set_type(&name, ordered);
            }
            let mut args = vec![ordered.clone()];
            args.extend(arg_types);
            return self.function_type(q, &args, named, star);
        }
        if self.spark_types {
            let args: Vec<super::spark_calls::SparkArg> = arg_types
                .into_iter()
                .zip(arg_exprs)
                .map(|(ty, expr)| super::spark_calls::SparkArg { ty, expr })
                .collect();
            return self.spark_call_type(&name, &args);
        }
        if self.dialect == Dialect::Snowflake {
            if let Some(ty) = snowflake_result_type(&name, &arg_types, date_part.as_deref()) {
                return ty;
            }
        }
        if self.dialect == Dialect::BigQuery {
            if let Some(ty) = self.bigquery_call_type(f, &name, &arg_types, array_of) {
                return ty;
            }
        }
        if self.dialect == Dialect::Redshift {
            if let Some(ty) = redshift_result_type(&name, &arg_types) {
                return ty;
            }
        }
        let arg_types = if self.dialect == Dialect::Postgres {
            if let Some(ty) = postgres_result_type(&name, &arg_types) {
                return ty;
            }
            // `coalesce` and `nullif` keep NUMERIC as it is; DuckDB's catalog
            // reads a decimal of some precision.
            if keeps_precision(&name) {
                arg_types
            } else {
                arg_types.iter().map(with_some_precision).collect()
            }
        } else {
            arg_types
        };
        if let Some(ty) = date_part_type(&name, f) {
            return ty;
        }
        if let Some(ty) = self.macro_call_type(&name, &arg_types) {
            return ty;
        }
        // `list_aggregate(xs, 'sum')`: the named aggregate over the elements.
        if let ("list_aggregate" | "array_aggregate" | "list_aggr" | "array_aggr", [list, _, ..]) =
            (name.as_str(), arg_types.as_slice())
        {
            if let (SqlType::List(element) | SqlType::Array(element, _), Some(Expr::Value(v))) =
                (list, arg_exprs.get(1).copied().flatten())
            {
                if let Value::SingleQuotedString(aggregate) = &v.value {
                    let mut args = vec![(**element).clone()];
                    args.extend(arg_types[2..].iter().cloned());
                    return self.function_type(&aggregate.to_lowercase(), &args, named, star);
                }
            }
        }
        self.function_type(&name, &arg_types, named, star)
    }

    /// A BigQuery call typed as BigQuery types it, where that differs from
    /// DuckDB (`array_of`: the column of a subquery argument).
    fn bigquery_call_type(
        &self,
        f: &Function,
        name: &str,
        args: &[SqlType],
        array_of: Option<SqlType>,
    ) -> Option<SqlType> {
        if name == "array" {
            return array_of.map(|t| SqlType::List(Box::new(t)));
        }
        // `net.host(...)`, `hll_count.merge(...)`; `safe.` only makes errors NULL.
        let parts: Vec<String> = f
            .name
            .0
            .iter()
            .map(|p| p.to_string().trim_matches('`').to_lowercase())
            .skip_while(|p| p == "safe")
            .collect();
        let qualifier = match parts.as_slice() {
            [q, _] => Some(q.as_str()),
            _ => None,
        };
        bigquery_result_type(qualifier, name, args)
    }

    /// A lambda's body typed with its parameters bound (a parameter's own
    /// type, as Snowflake lets one write it, over the one given).
    fn infer_lambda(
        &mut self,
        lambda: &sqlparser::ast::LambdaFunction,
        param_types: Vec<SqlType>,
        scope: &Scope,
        grouping: Option<&Grouping>,
        aliases_ok: bool,
    ) -> SqlType {
        let params = match &lambda.params {
            sqlparser::ast::OneOrManyWithParens::One(p) => std::slice::from_ref(p),
            sqlparser::ast::OneOrManyWithParens::Many(ps) => ps.as_slice(),
        };
        let columns = params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let ty = match &p.data_type {
                    Some(t) => crate::types::parse_type_in(&t.to_string(), self.dialect),
                    None => param_types.get(i).cloned().unwrap_or(SqlType::Unknown),
                };
                super::Column::new(p.name.value.clone(), ty)
            })
            .collect();
        let inner = Scope::for_lambda(scope, columns);
        self.infer(&lambda.body, &inner, grouping, aliases_ok)
    }

    /// A DuckDB macro's result: its body typed with the arguments' types.
    fn macro_call_type(&mut self, name: &str, args: &[SqlType]) -> Option<SqlType> {
        let (overload, _) = self.functions.best_overload(name, args)?;
        let (params, body) = overload.macro_body.as_ref()?;
        if self.macro_depth > 4 {
            return Some(SqlType::Unknown);
        }
        let expr = parse_macro_body(body)?;
        let mut scope = Scope::with_parent(None);
        scope.items.push(super::scope::FromItem::unqualified(
            super::RelationSchema::closed(
                params
                    .iter()
                    .zip(args)
                    .map(|(p, t)| super::Column::new(p.clone(), t.clone()))
                    .collect(),
            ),
        ));
        self.macro_depth += 1;
        let before = self.diagnostics.len();
        let ty = self.infer(&expr, &scope, None, false);
        self.diagnostics.truncate(before);
        self.macro_depth -= 1;
        Some(ty)
    }

    /// The result type of a call, with DuckDB's rules where the catalog's
    /// generic signature does not say enough.
    fn function_type(
        &self,
        name: &str,
        args: &[SqlType],
        named: Vec<(String, SqlType)>,
        star: bool,
    ) -> SqlType {
        let first = args.first().cloned().unwrap_or(SqlType::Unknown);
        let fold = |args: &[SqlType]| {
            args.iter()
                .cloned()
                .try_fold(SqlType::Null, |acc, t| self.supertype(&acc, &t))
                .unwrap_or(SqlType::Unknown)
        };
        match name {
            "count" | "count_star" | "approx_count_distinct" => return SqlType::BigInt,
            // SQL's niladic keywords (and Snowflake's call forms of them).
            "current_timestamp" | "getdate" | "systimestamp" => return SqlType::TimestampTz,
            "localtimestamp" | "sysdate" => return SqlType::Timestamp,
            "current_time" => return SqlType::TimeTz,
            "localtime" => return SqlType::Time,
            // DuckDB sums every integer type into a HUGEINT.
            "sum" if first.is_integer() => return SqlType::HugeInt,
            "sum" if matches!(first, SqlType::Decimal(..)) => {
                if let SqlType::Decimal(_, s) = first {
                    return SqlType::Decimal(38, s);
                }
            }
            "avg" | "mean" if matches!(first, SqlType::Decimal(..)) => return SqlType::Double,
            "coalesce" | "ifnull" | "greatest" | "least" => return fold(args),
            "nullif" => return first.materialize(),
            "if" | "iff" if args.len() == 3 => return fold(&args[1..]),
            "struct_pack" | "row" if !named.is_empty() || name == "struct_pack" => {
                return SqlType::Struct(
                    named
                        .into_iter()
                        .map(|(n, t)| (n, t.materialize()))
                        .collect(),
                )
            }
            "list_value" | "list_pack" | "array_value" => {
                return SqlType::List(Box::new(fold(args).materialize()))
            }
            "unnest" => return first.element().cloned().unwrap_or(SqlType::Unknown),
            "round" | "trunc" | "floor" | "ceil" | "ceiling"
                if matches!(first, SqlType::Decimal(..)) =>
            {
                // The scale follows a constant digits argument; without one it is 0.
                if let SqlType::Decimal(w, s) = first {
                    return match args.get(1) {
                        None => SqlType::Decimal(w, 0),
                        Some(SqlType::IntegerLiteral(d)) => {
                            SqlType::Decimal(w, (*d).clamp(0, s as i128) as u8)
                        }
                        Some(_) => first,
                    };
                }
            }
            "concat" if !args.iter().any(|a| matches!(a, SqlType::List(_))) => {
                return SqlType::Varchar
            }
            "columns" => return SqlType::Unknown,
            "grouping" | "grouping_id" => return SqlType::BigInt,
            "median" | "quantile_cont" | "quantile_disc" | "quantile" | "approx_quantile"
            | "mad" => {
                let scalar = match (name, &first) {
                    ("median" | "quantile_cont" | "mad", t) if t.is_integer() => SqlType::Double,
                    ("approx_quantile", SqlType::Decimal(w, _)) => {
                        if *w > 18 {
                            SqlType::HugeInt
                        } else {
                            SqlType::BigInt
                        }
                    }
                    ("approx_quantile", SqlType::UBigInt) => SqlType::HugeInt,
                    ("approx_quantile", t) if t.is_integer() => SqlType::BigInt,
                    ("mad", SqlType::Decimal(..)) => first.clone(),
                    ("median" | "quantile_cont", SqlType::Date) => SqlType::Timestamp,
                    (_, t) => t.clone().materialize(),
                };
                return match args.get(1) {
                    Some(SqlType::List(_)) => SqlType::List(Box::new(scalar)),
                    _ => scalar,
                };
            }
            "histogram" => {
                return SqlType::Map(Box::new(first.materialize()), Box::new(SqlType::UBigInt))
            }
            "row" if named.is_empty() => {
                return SqlType::Struct(
                    args.iter()
                        .map(|t| (String::new(), t.clone().materialize()))
                        .collect(),
                )
            }
            _ => {}
        }
        if star && matches!(name, "count") {
            return SqlType::BigInt;
        }
        if args.iter().any(SqlType::is_unknown) && !self.all_overloads_agree(name) {
            return SqlType::Unknown;
        }
        match self.functions.resolve(name, args) {
            Some(call) => call.ty,
            None => SqlType::Unknown,
        }
    }

    /// Whether every overload returns the same concrete type (so unknown
    /// arguments do not matter).
    fn all_overloads_agree(&self, name: &str) -> bool {
        let overloads = self.functions.overloads(name);
        let Some(first) = overloads.first() else {
            return false;
        };
        matches!(first.ret, Some(crate::catalog::Param::Concrete(_)))
            && overloads.iter().all(|o| o.ret == first.ret)
    }

    /// DuckDB's typing of binary operators.
    fn binary_type(&self, op: &BinaryOperator, l: &SqlType, r: &SqlType) -> SqlType {
        use BinaryOperator as B;
        if self.dialect == Dialect::Postgres && !l.is_unknown() && !r.is_unknown() {
            if let Some(ty) = postgres_json_symbol(op)
                .or_else(|| arithmetic_symbol(op))
                .and_then(|s| postgres_json_operator(s, l, r))
            {
                return ty;
            }
            if let Some(ty) = arithmetic_symbol(op).and_then(|s| postgres_arithmetic(s, l, r)) {
                return ty;
            }
        }
        if self.dialect == Dialect::Redshift && matches!(op, B::Divide) {
            if let Some(ty) = integer_division(l, r) {
                return ty;
            }
        }
        if self.dialect == Dialect::Redshift {
            let (lm, rm) = (l.clone().materialize(), r.clone().materialize());
            if let Some(ty) =
                arithmetic_symbol(op).and_then(|s| redshift_decimal_arithmetic(s, &lm, &rm))
            {
                return ty;
            }
        }
        match op {
            B::Eq
            | B::NotEq
            | B::Lt
            | B::LtEq
            | B::Gt
            | B::GtEq
            | B::Spaceship
            | B::And
            | B::Or
            | B::Xor
            | B::Match
            | B::Regexp
            | B::Glob
            | B::PGRegexMatch
            | B::PGRegexIMatch
            | B::PGRegexNotMatch
            | B::PGRegexNotIMatch
            | B::PGLikeMatch
            | B::PGILikeMatch
            | B::PGNotLikeMatch
            | B::PGNotILikeMatch
            | B::PGStartsWith
            | B::PGOverlap
            | B::AtArrow
            | B::ArrowAt => SqlType::Boolean,
            // `||` of a string and a value of unknown type is a string where
            // `||` joins only strings (Snowflake, Redshift) or refuses a
            // string with an array (all but Postgres, whose `'a' || array`
            // prepends to the array).
            B::StringConcat
                if (l.is_unknown() || r.is_unknown())
                    && (matches!(self.dialect, Dialect::Snowflake | Dialect::Redshift)
                        || self.dialect != Dialect::Postgres
                            && (l.is_string() || r.is_string())) =>
            {
                SqlType::Varchar
            }
            _ if l.is_unknown() || r.is_unknown() => SqlType::Unknown,
            B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo
                if self.dialect == Dialect::BigQuery && bigquery_decimal_result(l, r).is_some() =>
            {
                bigquery_decimal_result(l, r).unwrap_or(SqlType::Unknown)
            }
            _ if self.spark_types => {
                let symbol = match (arithmetic_symbol(op), op) {
                    (Some(symbol), _) => symbol,
                    (None, B::StringConcat) => "||",
                    (None, B::MyIntegerDivide | B::DuckIntegerDivide) => "div",
                    (None, B::BitwiseAnd) => "&",
                    (None, B::BitwiseOr) => "|",
                    (None, B::BitwiseXor | B::PGBitwiseXor) => "^",
                    (None, B::PGBitwiseShiftLeft) => "<<",
                    (None, B::PGBitwiseShiftRight) => ">>",
                    _ => return SqlType::Unknown,
                };
                self.spark_operator_type(symbol, l, r)
            }
            B::StringConcat => match (l, r) {
                (SqlType::Null, _) | (_, SqlType::Null) => SqlType::Null,
                // Postgres appends or prepends an element: `text[] || 'z'`.
                (SqlType::List(_), e) | (e, SqlType::List(_))
                    if matches!(self.dialect, Dialect::Postgres | Dialect::Redshift)
                        && !matches!(e, SqlType::List(_)) =>
                {
                    if matches!(l, SqlType::List(_)) {
                        l.clone()
                    } else {
                        r.clone()
                    }
                }
                (SqlType::List(_), _) | (_, SqlType::List(_)) => {
                    common_supertype(l, r).unwrap_or(SqlType::Unknown)
                }
                (SqlType::Blob, SqlType::Blob) => SqlType::Blob,
                _ => SqlType::Varchar,
            },
            B::Plus | B::Minus | B::Multiply | B::Modulo => {
                self.arithmetic_type(arithmetic_symbol(op).unwrap_or("%"), l, r)
            }
            B::Divide => {
                if let Some(ty) = self.snowflake_fixed_point("/", l, r) {
                    ty
                } else if (l.is_integer() || matches!(l, SqlType::Decimal(..) | SqlType::Null))
                    && (r.is_integer() || matches!(r, SqlType::Decimal(..) | SqlType::Null))
                {
                    SqlType::Double
                } else {
                    self.functions
                        .resolve("/", &[l.clone(), r.clone()])
                        .map_or(SqlType::Unknown, |c| c.ty)
                }
            }
            B::DuckIntegerDivide | B::MyIntegerDivide => {
                let float = |t: &SqlType| matches!(t, SqlType::Float | SqlType::Double);
                if (matches!(l, SqlType::Decimal(..)) || matches!(r, SqlType::Decimal(..)))
                    && !float(l)
                    && !float(r)
                {
                    SqlType::Double
                } else if float(l) || float(r) {
                    common_supertype(l, r).map_or(SqlType::Unknown, |t| t.materialize())
                } else {
                    self.arithmetic_type("//", l, r)
                }
            }
            B::Arrow | B::HashArrow => SqlType::Json,
            B::LongArrow | B::HashLongArrow => SqlType::Varchar,
            B::Custom(symbol) => self
                .functions
                .resolve(symbol, &[l.clone(), r.clone()])
                .map_or(SqlType::Unknown, |c| c.ty),
            other => {
                let symbol = match other {
                    B::BitwiseOr => "|",
                    B::BitwiseAnd => "&",
                    // DuckDB's `^` (and `**`) is its power, of DOUBLEs.
                    B::BitwiseXor if self.dialect == Dialect::DuckDb => return SqlType::Double,
                    B::BitwiseXor | B::PGBitwiseXor => "xor",
                    B::PGBitwiseShiftLeft => "<<",
                    B::PGBitwiseShiftRight => ">>",
                    B::PGExp => return SqlType::Double,
                    _ => return SqlType::Unknown,
                };
                self.arithmetic_type(symbol, l, r)
            }
        }
    }

    /// Snowflake's NUMBER(P,S) for `+ - * /` on fixed-point numbers.
    fn snowflake_fixed_point(&self, symbol: &str, l: &SqlType, r: &SqlType) -> Option<SqlType> {
        (self.dialect == Dialect::Snowflake)
            .then(|| {
                snowflake_number_arithmetic(symbol, l, r)
                    .or_else(|| crate::catalog::snowflake_date_arithmetic(symbol, l, r))
            })
            .flatten()
    }

    /// `+ - * %` and friends: decimal width/scale rules, else the catalog on
    /// the operands' common type.
    fn arithmetic_type(&self, symbol: &str, l: &SqlType, r: &SqlType) -> SqlType {
        if let Some(ty) = self.snowflake_fixed_point(symbol, l, r) {
            return ty;
        }
        let decimal = matches!(l, SqlType::Decimal(..)) || matches!(r, SqlType::Decimal(..));
        let other_exact =
            |t: &SqlType| t.is_integer() || matches!(t, SqlType::Decimal(..) | SqlType::Null);
        if decimal && other_exact(l) && other_exact(r) {
            let (wl, sl) = l.decimal_width_scale().unwrap_or((18, 3));
            let (wr, sr) = r.decimal_width_scale().unwrap_or((18, 3));
            let (wl, sl) = if matches!(l, SqlType::Null) {
                (wr, sr)
            } else {
                (wl, sl)
            };
            let (wr, sr) = if matches!(r, SqlType::Null) {
                (wl, sl)
            } else {
                (wr, sr)
            };
            let (width, scale) = match symbol {
                "+" | "-" => {
                    let scale = sl.max(sr);
                    (
                        (wl - sl).max(wr - sr) as u32 + scale as u32 + 1,
                        scale as u32,
                    )
                }
                "*" => {
                    let mut width = wl as u32 + wr as u32;
                    // Both operands fit in 64 bits: DuckDB keeps the result there.
                    if width > 18 && wl <= 18 && wr <= 18 {
                        width = 18;
                    }
                    (width, sl as u32 + sr as u32)
                }
                "%" => {
                    let scale = sl.max(sr);
                    let width = (wl - sl).max(wr - sr) as u32 + scale as u32;
                    if width > 38 {
                        return SqlType::Double;
                    }
                    (width, scale as u32)
                }
                _ => return SqlType::Double,
            };
            if scale > 38 {
                return SqlType::Double;
            }
            return SqlType::Decimal(width.min(38) as u8, scale as u8);
        }
        // Integer literals adopt the other operand's integer type.
        let (l, r) = match (l, r) {
            (SqlType::IntegerLiteral(a), SqlType::IntegerLiteral(b)) => (
                crate::types::SqlType::IntegerLiteral(*a).materialize(),
                SqlType::IntegerLiteral(*b).materialize(),
            ),
            _ => (l.clone(), r.clone()),
        };
        if l.is_numeric() && r.is_numeric() {
            if let Some(common) = common_supertype(&l, &r) {
                let common = common.materialize();
                if let Some(call) = self
                    .functions
                    .resolve(symbol, &[common.clone(), common.clone()])
                {
                    return call.ty;
                }
                return common;
            }
        }
        self.functions
            .resolve(symbol, &[l.materialize(), r.materialize()])
            .map_or(SqlType::Unknown, |c| c.ty)
    }

    /// Whether an expression aggregates (outside subqueries).
    pub(crate) fn contains_aggregate(&self, e: &Expr) -> bool {
        use sqlparser::ast::Visit;
        let mut finder = AggregateFinder {
            analyzer: self,
            query_depth: 0,
        };
        e.visit(&mut finder).is_break()
    }
}

/// Finds an aggregate call that belongs to the current SELECT.
struct AggregateFinder<'a, 'b> {
    analyzer: &'a Analyzer<'b>,
    query_depth: usize,
}

impl sqlparser::ast::Visitor for AggregateFinder<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, _: &sqlparser::ast::Query) -> std::ops::ControlFlow<()> {
        self.query_depth += 1;
        std::ops::ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &sqlparser::ast::Query) -> std::ops::ControlFlow<()> {
        self.query_depth -= 1;
        std::ops::ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> std::ops::ControlFlow<()> {
        if let Expr::Function(f) = e {
            if self.query_depth == 0
                && f.over.is_none()
                && self.analyzer.functions.is_aggregate_call(f)
            {
                return std::ops::ControlFlow::Break(());
            }
        }
        std::ops::ControlFlow::Continue(())
    }
}

fn percentile_as_quantile(name: &str) -> Option<&'static str> {
    match name {
        "percentile_cont" => Some("quantile_cont"),
        "percentile_disc" => Some("quantile_disc"),
        "mode" => Some("mode"),
        _ => None,
    }
}

/// `date_part('epoch', x)` is DOUBLE and `date_part(['year', 'month'], x)` a STRUCT.
/// Whether a column of that name is known in scope (then a date part
/// keyword that happens to be a column name reads the column).
fn scope_has_column(scope: &Scope, name: &str) -> bool {
    matches!(
        scope.resolve(name, false),
        super::scope::Resolution::Found { .. }
    )
}

/// Which argument of a date function may be a bare date part keyword:
/// BigQuery writes it after the date (`date_trunc(d, month)`,
/// `date_diff(a, b, day)`), the others before.
pub(crate) fn date_part_position(function: &str, dialect: crate::syntax::Dialect) -> Option<usize> {
    if dialect == crate::syntax::Dialect::BigQuery {
        match function {
            "date_trunc" | "datetime_trunc" | "timestamp_trunc" | "time_trunc" | "last_day" => {
                return Some(1)
            }
            "date_diff" | "datetime_diff" | "timestamp_diff" | "time_diff" => return Some(2),
            _ => {}
        }
    }
    match function {
        "dateadd" | "datediff" | "date_diff" | "date_add" | "timestampadd" | "timestampdiff"
        | "timestamp_diff" | "date_trunc" | "datetrunc" | "date_part" | "datepart"
        | "time_slice" | "timeadd" | "timediff" | "timestamp_trunc" | "datename" => Some(0),
        "last_day" => Some(1),
        _ => None,
    }
}

/// The value of a query used as an expression: its one column's, or
/// BigQuery's `SELECT AS STRUCT`'s struct of its columns.
fn subquery_value_type(q: &sqlparser::ast::Query, schema: &super::RelationSchema) -> SqlType {
    use sqlparser::ast::{SetExpr, ValueTableMode};
    let as_struct = matches!(q.body.as_ref(), SetExpr::Select(s) if matches!(
        s.value_table_mode,
        Some(ValueTableMode::AsStruct | ValueTableMode::DistinctAsStruct)
    ));
    match schema.columns.as_slice() {
        _ if as_struct && !schema.open => SqlType::Struct(
            schema
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.clone()))
                .collect(),
        ),
        [only] if !as_struct => only.ty.clone(),
        _ => SqlType::Unknown,
    }
}

/// BigQuery's `WEEK(<weekday>)` date part (`WEEK(MONDAY)`).
fn bigquery_week_part(f: &Function) -> bool {
    let FunctionArguments::List(list) = &f.args else {
        return false;
    };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(day)))] = list.args.as_slice()
    else {
        return false;
    };
    f.name.to_string().eq_ignore_ascii_case("week")
        && day.quote_style.is_none()
        && matches!(
            day.value.to_ascii_lowercase().as_str(),
            "sunday" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday"
        )
}

/// Names of date and time parts that engines accept as bare keywords.
pub(crate) fn is_date_part(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "year"
            | "years"
            | "y"
            | "yy"
            | "yyy"
            | "yyyy"
            | "yr"
            | "yrs"
            | "quarter"
            | "quarters"
            | "q"
            | "qtr"
            | "qtrs"
            | "qq"
            | "month"
            | "months"
            | "mm"
            | "mon"
            | "mons"
            | "m"
            | "week"
            | "weeks"
            | "w"
            | "wk"
            | "wks"
            | "weekofyear"
            | "woy"
            | "wy"
            | "weekiso"
            | "isoweek"
            | "day"
            | "days"
            | "d"
            | "dd"
            | "dayofmonth"
            | "dayofweek"
            | "dow"
            | "dw"
            | "weekday"
            | "dayofweekiso"
            | "isodow"
            | "dayofyear"
            | "doy"
            | "dy"
            | "yearofweek"
            | "yearofweekiso"
            | "isoyear"
            | "hour"
            | "hours"
            | "h"
            | "hh"
            | "hr"
            | "hrs"
            | "minute"
            | "minutes"
            | "mi"
            | "min"
            | "mins"
            | "n"
            | "second"
            | "seconds"
            | "s"
            | "sec"
            | "secs"
            | "ss"
            | "millisecond"
            | "milliseconds"
            | "ms"
            | "msec"
            | "msecs"
            | "microsecond"
            | "microseconds"
            | "us"
            | "usec"
            | "usecs"
            | "mcs"
            | "nanosecond"
            | "nanoseconds"
            | "ns"
            | "nsec"
            | "nanosec"
            | "nsecond"
            | "epoch"
            | "epoch_second"
            | "epoch_seconds"
            | "epoch_millisecond"
            | "epoch_milliseconds"
            | "epoch_microsecond"
            | "epoch_microseconds"
            | "epoch_nanosecond"
            | "epoch_nanoseconds"
            | "timezone_hour"
            | "timezone_minute"
            | "tzh"
            | "tzm"
            | "decade"
            | "century"
            | "millennium"
    )
}

fn date_part_type(name: &str, f: &Function) -> Option<SqlType> {
    if !matches!(name, "date_part" | "datepart") {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let first = match list.args.first()? {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => e,
        _ => return None,
    };
    let part_type = |part: &str| match part.to_ascii_lowercase().as_str() {
        "epoch" | "julian" => SqlType::Double,
        _ => SqlType::BigInt,
    };
    match first {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(p) => Some(part_type(p)),
            _ => None,
        },
        Expr::Array(a) => {
            let mut fields = Vec::new();
            for e in &a.elem {
                let Expr::Value(v) = e else { return None };
                let Value::SingleQuotedString(p) = &v.value else {
                    return None;
                };
                fields.push((p.clone(), part_type(p)));
            }
            Some(SqlType::Struct(fields))
        }
        _ => None,
    }
}

/// Parses a DuckDB macro body (an expression) once per call site.
fn parse_macro_body(body: &str) -> Option<Expr> {
    Dialect::DuckDb.parse_expr(body)
}

/// Resolves `a`, `t.a`, `s.t.a`, and struct field paths like `t.col.field`.
fn resolve_path(scope: &Scope, ids: &[&Ident], aliases_ok: bool) -> (Resolution, Vec<String>) {
    let names: Vec<&str> = ids.iter().map(|i| i.value.as_str()).collect();
    let rest = |from: usize| names[from..].iter().map(|n| n.to_string()).collect();
    if names.len() == 1 {
        return (scope.resolve(names[0], aliases_ok), Vec::new());
    }
    // A lambda's parameter hides relations of its name: `x.f` is its field.
    if scope.is_lambda_param(names[0]) {
        return (scope.resolve(names[0], aliases_ok), rest(1));
    }
    // Longest qualifier first: `schema.table.col`, then `table.col`, then `col.field`.
    // None is longer than the longest relation name in scope, which also keeps
    // a path of thousands of parts (`a.b.b.b...`) from being tried quadratically.
    let longest = scope.longest_qualifier().min(names.len() - 1);
    let mut not_found = None;
    for q in (1..=longest).rev() {
        // As written: qualifiers compare ASCII-case-insensitively, as engines
        // compare them (`ÄBC.x` names `Äbc`; `äbc.x` does not).
        match scope.resolve_qualified(&names[..q], names[q]) {
            Resolution::NoSuchQualifier => continue,
            // The relation lacks the column: `ep.key` may still be the field
            // `key` of a column `ep` (`unnest(xs) as ep`), as engines bind it.
            Resolution::NotFound => {
                not_found = Some(rest(q + 1));
                break;
            }
            res => return (res, rest(q + 1)),
        }
    }
    // No relation matched: the first name may be a struct column.
    match (scope.resolve(names[0], aliases_ok), not_found) {
        (found @ Resolution::Found { .. }, _) => (found, rest(1)),
        (_, Some(path)) => (Resolution::NotFound, path),
        (unknown @ Resolution::Unknown { .. }, None) => (unknown, Vec::new()),
        _ if scope.any_open_anywhere() => (
            Resolution::Unknown {
                lineage: Vec::new(),
                from: Vec::new(),
            },
            Vec::new(),
        ),
        _ => (Resolution::NoSuchQualifier, Vec::new()),
    }
}

impl Scope<'_> {
    /// The most parts a qualifier can have and still name a relation here.
    fn longest_qualifier(&self) -> usize {
        let mut longest = 1;
        let mut s = Some(self);
        while let Some(scope) = s {
            for item in &scope.items {
                longest = longest.max(item.parts.len());
            }
            s = scope.parent;
        }
        longest
    }

    fn any_open_anywhere(&self) -> bool {
        let mut s = Some(self);
        while let Some(scope) = s {
            if scope.any_open() && scope.items.iter().any(|i| i.qualifier.is_empty()) {
                return true;
            }
            s = scope.parent;
        }
        false
    }
}

/// The field a value of BigQuery's `STRUCT(...)` makes: its alias, its
/// column's name, or none.
fn struct_field_name(value: &Expr) -> String {
    match value {
        Expr::Named { name, .. } => name.value.clone(),
        Expr::Identifier(id) => id.value.clone(),
        Expr::CompoundIdentifier(ids) => ids.last().map_or(String::new(), |i| i.value.clone()),
        _ => String::new(),
    }
}

/// A date or timestamp moved by an interval literal in Spark SQL
/// (`ts + interval 1 day`, `d - interval '2' hour`, `d + interval 1 week
/// 12 hours`, read as a sum of one-unit intervals): a timestamp stays
/// one; a date stays a date unless the interval has a part finer than a day.
fn spark_interval_shift(
    left: &Expr,
    op: &sqlparser::ast::BinaryOperator,
    right: &Expr,
    l: &SqlType,
    r: &SqlType,
) -> Option<SqlType> {
    use sqlparser::ast::BinaryOperator as B;
    let (moved, intervals) = match op {
        B::Plus | B::Minus if interval_terms(right).is_some() => (l, interval_terms(right)?),
        B::Plus if interval_terms(left).is_some() => (r, interval_terms(left)?),
        _ => return None,
    };
    let mut finer_than_a_day = false;
    for interval in intervals {
        finer_than_a_day |= interval_finer_than_a_day(interval)?;
    }
    match moved {
        SqlType::Date if finer_than_a_day => Some(SqlType::Timestamp),
        SqlType::Date => Some(SqlType::Date),
        t @ (SqlType::Timestamp | SqlType::TimestampTz) => Some(t.clone()),
        _ => None,
    }
}

/// The interval literals `e` adds up (`interval 1 day`, `(interval 1 week
/// + interval 12 hours)`), or None when it is anything else.
fn interval_terms(e: &Expr) -> Option<Vec<&sqlparser::ast::Interval>> {
    use sqlparser::ast::BinaryOperator as B;
    let mut terms = Vec::new();
    // A stack, not recursion: the sum is as long as the SQL makes it.
    let mut pending = vec![e];
    while let Some(e) = pending.pop() {
        match e {
            Expr::Interval(i) => terms.push(i),
            Expr::Nested(inner) => pending.push(inner),
            Expr::BinaryOp {
                left,
                op: B::Plus,
                right,
            } => {
                pending.push(right);
                pending.push(left);
            }
            _ => return None,
        }
    }
    Some(terms)
}

/// Whether an interval literal has a part finer than a day (None when its
/// parts are not written out).
fn interval_finer_than_a_day(interval: &sqlparser::ast::Interval) -> Option<bool> {
    use sqlparser::ast::DateTimeField as F;
    let finer = |field: &F| {
        matches!(
            field,
            F::Hour
                | F::Hours
                | F::Minute
                | F::Minutes
                | F::Second
                | F::Seconds
                | F::Millisecond
                | F::Milliseconds
                | F::Microsecond
                | F::Microseconds
                | F::Nanosecond
                | F::Nanoseconds
        )
    };
    match (&interval.leading_field, &interval.last_field) {
        (Some(lead), last) => Some(finer(lead) || last.as_ref().is_some_and(finer)),
        // `interval '1 day 2 hours'`: the parts are in the string.
        (None, _) => match interval.value.as_ref() {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(text) => {
                    let text = text.to_ascii_lowercase();
                    Some(
                        ["hour", "minute", "second", "milli", "micro"]
                            .iter()
                            .any(|unit| text.contains(unit)),
                    )
                }
                _ => None,
            },
            _ => None,
        },
    }
}

/// DuckDB's `payload -> '$.a'` (JSON extraction), which sqlparser reads as
/// a lambda with a literal body: the column it reads.
pub(crate) fn json_arrow(
    lambda: &sqlparser::ast::LambdaFunction,
    dialect: Dialect,
) -> Option<Expr> {
    let sqlparser::ast::OneOrManyWithParens::One(param) = &lambda.params else {
        return None;
    };
    let literal = matches!(
        lambda.body.as_ref(),
        Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_) | Value::Number(..))
    );
    (dialect == Dialect::DuckDb
        && param.data_type.is_none()
        && literal
        && lambda.syntax == sqlparser::ast::LambdaSyntax::Arrow)
        .then(|| Expr::Identifier(param.name.clone()))
}

/// The symbol of a Postgres operator that has a JSON form.
fn postgres_json_symbol(op: &BinaryOperator) -> Option<&'static str> {
    use BinaryOperator as B;
    Some(match op {
        B::Arrow => "->",
        B::LongArrow => "->>",
        B::HashArrow => "#>",
        B::HashLongArrow => "#>>",
        B::AtArrow => "@>",
        B::ArrowAt => "<@",
        B::Question => "?",
        B::QuestionAnd => "?&",
        B::QuestionPipe => "?|",
        B::AtQuestion => "@?",
        B::AtAt => "@@",
        B::HashMinus => "#-",
        B::StringConcat => "||",
        _ => return None,
    })
}
/// The symbol of `+ - * / %`.
fn arithmetic_symbol(op: &BinaryOperator) -> Option<&'static str> {
    Some(match op {
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Multiply => "*",
        BinaryOperator::Divide => "/",
        BinaryOperator::Modulo => "%",
        _ => return None,
    })
}

/// What a column reference that names nothing was likely meant to be: for
/// `t.x`, the alias that hides table `t` here, or the relation in scope
/// that has `x` when `t` lacks it, or a column of `t` close to `x`;
/// otherwise a visible name close to it.
fn unknown_column_hint(ids: &[&Ident], resolution: &Resolution, scope: &Scope) -> String {
    let last = ids.last().map_or("", |i| i.value.as_str());
    let qualifier: Vec<String> = ids[..ids.len().saturating_sub(1)]
        .iter()
        .map(|i| i.value.clone())
        .collect();
    if !qualifier.is_empty() {
        let shown = qualifier.join(".");
        match resolution {
            Resolution::NoSuchQualifier => {
                if let Some(item) = scope.item_hidden_by_alias(&qualifier) {
                    return format!(
                        "; `{shown}` is aliased `{}` here: write `{}.{last}`",
                        item.qualifier, item.qualifier
                    );
                }
            }
            Resolution::NotFound => {
                if let Some((depth, index, item)) = scope.find_item(&qualifier) {
                    // Another relation of the same query level.
                    let elsewhere = scope.items.iter().enumerate().find(|(i, other)| {
                        depth == 0 && *i != index && other.column(last).is_some()
                    });
                    if let Some((_, other)) = elsewhere {
                        return format!("; `{}.{last}` has it", other.qualifier);
                    }
                    let own = item.schema.columns.iter().map(|c| c.name.as_str());
                    return did_you_mean_hint(last, own);
                }
            }
            _ => {}
        }
    }
    let names = scope.visible_names();
    did_you_mean_hint(last, names.iter().map(String::as_str))
}

impl Analyzer<'_> {
    /// The type of `column.field.field...`, reporting a field that a struct
    /// of known fields lacks (the engines stop there: DuckDB's "Could not
    /// find key", Spark's "No such struct field", BigQuery's "Field name
    /// does not exist").
    fn struct_fields_type(
        &mut self,
        ty: SqlType,
        field_path: &[String],
        ids: &[&Ident],
        range: crate::text::TextRange,
    ) -> SqlType {
        let mut ty = ty;
        for (i, field) in field_path.iter().enumerate() {
            if let SqlType::Struct(fields) = &ty {
                if !fields.is_empty() && !fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(field))
                {
                    let depth = ids.len() - field_path.len() + i;
                    let of = ids[..depth]
                        .iter()
                        .map(|id| id.value.as_str())
                        .collect::<Vec<_>>()
                        .join(".");
                    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
                    let hint = crate::diagnostics::did_you_mean_hint(field, names.iter().copied());
                    self.report(
                        Code::UnknownColumn,
                        range,
                        format!(
                            "struct `{of}` has no field `{field}`: its fields are {}{hint}",
                            names.join(", ")
                        ),
                    );
                    return SqlType::Unknown;
                }
            }
            ty = field_type(&ty, field);
        }
        ty
    }
}

fn field_type(ty: &SqlType, field: &str) -> SqlType {
    match ty {
        SqlType::Json => SqlType::Json,
        SqlType::Struct(fields) | SqlType::Union(fields) => fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(field))
            .map_or(SqlType::Unknown, |(_, t)| t.clone()),
        // Spark reads `m.key` of a map of strings as `m['key']`.
        SqlType::Map(key, value) if matches!(**key, SqlType::Varchar) => (**value).clone(),
        _ => SqlType::Unknown,
    }
}

fn subscript_type(base: &SqlType, index: &Expr, index_ty: &SqlType) -> SqlType {
    match base {
        SqlType::List(t) | SqlType::Array(t, _) => (**t).clone(),
        SqlType::Map(_, v) => (**v).clone(),
        SqlType::Struct(_) => match index {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) => field_type(base, s),
                _ => SqlType::Unknown,
            },
            _ => SqlType::Unknown,
        },
        SqlType::Varchar if !matches!(index_ty, SqlType::Varchar) => SqlType::Varchar,
        SqlType::Json => SqlType::Json,
        // Postgres 14's `jsonb['key']`.
        SqlType::Named(n) if n == "JSONB" => base.clone(),
        _ => SqlType::Unknown,
    }
}

fn literal_type(v: &Value) -> SqlType {
    match v {
        Value::Number(n, _) => number_literal_type(n),
        Value::SingleQuotedString(_)
        | Value::DoubleQuotedString(_)
        | Value::EscapedStringLiteral(_)
        | Value::UnicodeStringLiteral(_)
        | Value::NationalStringLiteral(_)
        | Value::DollarQuotedString(_)
        | Value::TripleSingleQuotedString(_)
        | Value::TripleDoubleQuotedString(_) => SqlType::StringLiteral,
        Value::SingleQuotedByteStringLiteral(_) | Value::DoubleQuotedByteStringLiteral(_) => {
            SqlType::Blob
        }
        Value::HexStringLiteral(_) => SqlType::StringLiteral,
        Value::Boolean(_) => SqlType::Boolean,
        Value::Null => SqlType::Null,
        _ => SqlType::Unknown,
    }
}

/// DuckDB: integers by value, `1.5` as an exact DECIMAL, exponents as DOUBLE.
fn number_literal_type(n: &str) -> SqlType {
    let text = n.replace('_', "");
    if text.contains(['e', 'E']) {
        return SqlType::Double;
    }
    if let Some((int, frac)) = text.split_once('.') {
        let int_digits = int
            .trim_start_matches(['-', '+'])
            .trim_start_matches('0')
            .len()
            .max(1);
        let scale = frac.len();
        let width = (int_digits + scale).max(1).max(scale);
        return if width > 38 {
            SqlType::Double
        } else {
            SqlType::Decimal(width as u8, scale as u8)
        };
    }
    match text.parse::<i128>() {
        Ok(v) => SqlType::IntegerLiteral(v),
        Err(_) => SqlType::Double,
    }
}

impl Analyzer<'_> {
    /// Where the known columns of every relation in `from` are listed, when
    /// all of them list only what a file documents.
    fn documented_places(&self, from: &[String]) -> Option<Vec<String>> {
        if from.is_empty() {
            return None;
        }
        from.iter()
            .map(|relation| {
                self.documented
                    .iter()
                    .find(|(d, _)| d == relation)
                    .map(|(_, place)| place.clone())
            })
            .collect()
    }

    /// The type of a name no relation provides that the engine reads
    /// anyway: a keyword value (`current_date`), a BigQuery pseudo-column,
    /// `LEVEL` in a hierarchical query.
    fn implicit_column_type(&self, ids: &[&Ident]) -> Option<SqlType> {
        if let [id] = ids {
            if id.quote_style.is_none() {
                if let Some(ty) = keyword_value_type(&id.value) {
                    return Some(ty);
                }
            }
            if self.connect_by_depth > 0 && id.value.eq_ignore_ascii_case("level") {
                return Some(SqlType::BigInt);
            }
            if self.dialect == crate::syntax::Dialect::BigQuery {
                return bigquery_pseudo_column(&id.value);
            }
        }
        None
    }

    /// A relation's name where a value goes (`to_jsonb(o)`, `select o from
    /// orders o`): in Postgres, DuckDB and BigQuery, a row of its columns.
    fn whole_row(&mut self, ids: &[&Ident], scope: &Scope) -> Option<SqlType> {
        use crate::syntax::Dialect;
        let [id] = ids else { return None };
        if !matches!(
            self.dialect,
            Dialect::Postgres | Dialect::DuckDb | Dialect::BigQuery
        ) {
            return None;
        }
        let (_, _, item) = scope.find_item(std::slice::from_ref(&id.value))?;
        if item.schema.open {
            return Some(SqlType::Unknown);
        }
        Some(SqlType::Struct(
            item.schema
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.clone()))
                .collect(),
        ))
    }

    /// A column none of the known columns provides, which only relations
    /// whose known columns are those a file documents could: the table may
    /// well have it (YAML documents some columns, not always all), so a
    /// warning that says where the list is, not an error.
    fn report_undocumented_column(
        &mut self,
        shown: &str,
        name: &str,
        places: &[String],
        scope: &Scope,
        range: crate::text::TextRange,
    ) {
        // A typo of a declared column is the likelier reading (not of an
        // alias: the column read is a relation's).
        let hint = if self.hints.spend(scope.visible_name_count()) {
            did_you_mean_hint(
                name,
                scope.relation_column_names().iter().map(String::as_str),
            )
        } else {
            String::new()
        };
        if hint.is_empty() {
            // Likely a column the YAML leaves out: said once per source, below.
            self.undocumented_reads
                .push(super::query::UndocumentedRead {
                    places: places.to_vec(),
                    shown: shown.to_string(),
                    range,
                    gem: self.current_gem.clone(),
                });
            return;
        }
        let advice = "If the table has it, declare it there or read the table's columns from a fabric (`loupe catalog`)";
        let mut d = crate::diagnostics::Diagnostic::new(
            Code::UnknownColumn,
            range,
            format!(
                "column `{shown}` is not among {}{hint} {advice}",
                places.join(" nor among ")
            ),
        );
        d.severity = crate::diagnostics::Severity::Warning;
        d.gem = self.current_gem.clone();
        self.diagnostics.push(d);
    }

    /// One warning per list of documented relations the statement reads
    /// undeclared columns of, at the first such read: a staging model on a
    /// table whose YAML lists four columns may read fifty others.
    pub(super) fn report_undocumented_reads(&mut self) {
        let mut reads = std::mem::take(&mut self.undocumented_reads);
        reads.sort_by_key(|r| r.range.start);
        let mut groups: Vec<(&Vec<String>, Vec<&super::query::UndocumentedRead>)> = Vec::new();
        for read in &reads {
            match groups
                .iter_mut()
                .find(|(places, _)| **places == read.places)
            {
                Some((_, members)) => members.push(read),
                None => groups.push((&read.places, vec![read])),
            }
        }
        for (places, members) in groups {
            let mut names: Vec<&str> = Vec::new();
            for m in &members {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(&m.shown)) {
                    names.push(&m.shown);
                }
            }
            let among = places.join(" nor among ");
            let message = match names.as_slice() {
                [one] => format!(
                    "column `{one}` is not among {among}; if the table has it, declare it there or read the table's columns from a fabric (`loupe catalog`)"
                ),
                _ => {
                    const LISTED: usize = 5;
                    let listed: Vec<String> =
                        names.iter().take(LISTED).map(|n| format!("`{n}`")).collect();
                    let more = match names.len().saturating_sub(LISTED) {
                        0 => String::new(),
                        n => format!(" and {n} more"),
                    };
                    format!(
                        "{} columns read here are not among {among}: {}{more}; if the table has them, declare them there or read the table's columns from a fabric (`loupe catalog`)",
                        names.len(),
                        listed.join(", ")
                    )
                }
            };
            let mut d =
                crate::diagnostics::Diagnostic::new(Code::UnknownColumn, members[0].range, message);
            d.severity = crate::diagnostics::Severity::Warning;
            d.gem = members[0].gem.clone();
            self.diagnostics.push(d);
        }
    }

    /// The common type of CASE branches, array elements, map keys: Spark's
    /// wider type in a Spark project, DuckDB's supertype otherwise.
    fn unify(&self, acc: Option<SqlType>, t: SqlType) -> SqlType {
        if self.spark_types {
            return super::spark_calls::spark_unify(acc, t);
        }
        match acc {
            None => t,
            Some(a) => self.supertype(&a, &t).unwrap_or(SqlType::Unknown),
        }
    }

    /// The type two values of a COALESCE, CASE or set operation convert to.
    /// BigQuery keeps NUMERIC or BIGNUMERIC where an exact number meets one
    /// (DuckDB's rules would make a BIGNUMERIC and an INT64 a FLOAT64).
    pub(crate) fn supertype(&self, a: &SqlType, b: &SqlType) -> Option<SqlType> {
        if self.dialect == Dialect::BigQuery {
            if let Some(decimal) = bigquery_decimal_result(a, b) {
                return Some(decimal);
            }
        }
        common_supertype(a, b)
    }
}

/// Spark: numbers by `number_literal_type`, strings and booleans as elsewhere.
fn spark_literal_type(v: &Value) -> SqlType {
    match v {
        Value::Number(_, true) => SqlType::BigInt,
        Value::Number(n, false) => {
            crate::types::spark::number_literal_type(n).unwrap_or(SqlType::Unknown)
        }
        other => literal_type(other),
    }
}

/// Bare words that parse as identifiers but are values or special functions.
fn keyword_value_type(word: &str) -> Option<SqlType> {
    Some(match word.to_ascii_lowercase().as_str() {
        "current_date" => SqlType::Date,
        "current_time" => SqlType::TimeTz,
        "current_timestamp" => SqlType::TimestampTz,
        "localtime" => SqlType::Time,
        // Redshift's and Oracle's `sysdate`: the transaction's start.
        "localtimestamp" | "sysdate" => SqlType::Timestamp,
        "current_user" | "current_role" | "session_user" | "user" | "current_schema"
        | "current_catalog" => SqlType::Varchar,
        "default" => SqlType::Unknown,
        _ => return None,
    })
}

/// BigQuery's pseudo-columns, readable though no `select *` shows them: the
/// suffix a wildcard table (`events_*`) matched, the partition of an
/// ingestion-time partitioned table, an external table's file.
fn bigquery_pseudo_column(name: &str) -> Option<SqlType> {
    Some(match name.to_ascii_uppercase().as_str() {
        "_TABLE_SUFFIX" | "_FILE_NAME" => SqlType::Varchar,
        "_PARTITIONTIME" => SqlType::TimestampTz,
        "_PARTITIONDATE" => SqlType::Date,
        _ => return None,
    })
}

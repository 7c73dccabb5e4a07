//! Objects of the dbt Jinja context that are plain data: relations, mutable
//! lists and dicts (dbt code calls `.append()` and `.update()`), empty query
//! results, dates, and the `modules.re` helpers.

use std::fmt;
use std::sync::{Arc, Mutex};

use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Value};
use minijinja::{Error, ErrorKind, State};

use super::source_map::{REF_CLOSE, REF_MID, REF_OPEN};

/// A relation (`ref()`, `source()`, `this`, `api.Relation.create`). When it
/// came from a call, it prints with markers so the rendered range is known.
#[derive(Debug, Clone)]
pub struct Relation {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub identifier: String,
    pub call: Option<usize>,
    /// The adapter's identifier quote (`"`, or `` ` `` on BigQuery and Spark).
    pub quote: char,
}

impl Relation {
    /// `schema.identifier`, a part that is no plain word quoted as the
    /// adapter quotes it: a BigQuery wildcard table `events_*` prints as
    /// `` `events_*` ``, as dbt prints it.
    fn plain(&self) -> String {
        let mut out = String::new();
        for part in self.schema.iter().chain([&self.identifier]) {
            if !out.is_empty() {
                out.push('.');
            }
            if is_plain_word(part) {
                out.push_str(part);
            } else {
                let q = self.quote;
                out.push(q);
                out.push_str(&part.replace(q, &format!("{q}{q}")));
                out.push(q);
            }
        }
        out
    }
}

/// An identifier that needs no quotes in any dialect (empty parts print as they are).
fn is_plain_word(part: &str) -> bool {
    part.is_empty()
        || (!part.starts_with(|c: char| c.is_ascii_digit())
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// The quote an adapter puts around identifiers.
pub fn identifier_quote(adapter: &str) -> char {
    match adapter {
        "bigquery" | "databricks" | "spark" | "mysql" | "hive" => '`',
        _ => '"',
    }
}

impl Object for Relation {
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    /// Relations compare (and hash, as dict keys) by their name parts.
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["database", "schema", "identifier"])
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "database" => self.database.clone().map_or(Value::from(()), Value::from),
            "schema" => self.schema.clone().map_or(Value::from(()), Value::from),
            "identifier" | "name" | "table" => Value::from(self.identifier.clone()),
            "type" => Value::from("table"),
            "is_table" => Value::from(true),
            // dbt_utils checks `obj.get('metadata', {}).get('type', '').endswith('Relation')`.
            "metadata" => Value::from_serialize(serde_json::json!({"type": "DuckDBRelation"})),
            "is_view" | "is_cte" => Value::from(false),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "render" | "render_pure" => Ok(Value::from(self.plain())),
            "get" => Ok(_args
                .first()
                .and_then(|k| self.get_value(k))
                .or_else(|| _args.get(1).cloned())
                .unwrap_or_default()),
            "include" | "quote" | "incorporate" | "replace_path" | "without_identifier"
            | "information_schema" => Ok(Value::from_dyn_object(self.clone())),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.call {
            Some(id) => write!(f, "{REF_OPEN}{id}{REF_MID}{}{REF_CLOSE}", self.plain()),
            None => f.write_str(&self.plain()),
        }
    }
}

/// A list that `.append()`, `.extend()`, `.insert()`, `.pop()` and `.remove()` change.
#[derive(Debug, Default)]
pub struct MutableList(pub Mutex<Vec<Value>>);

impl Object for MutableList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let items = self.0.lock().unwrap();
        let i = key.as_i64()?;
        let i = if i < 0 { items.len() as i64 + i } else { i };
        items.get(usize::try_from(i).ok()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.lock().unwrap().clone())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let mut items = self.0.lock().unwrap();
        match method {
            "append" => items.extend(args.first().cloned().map(make_mutable)),
            "extend" => {
                if let Some(seq) = args.first() {
                    items.extend(seq.try_iter()?);
                }
            }
            "insert" => {
                if let (Some(i), Some(v)) = (args.first().and_then(|i| i.as_i64()), args.get(1)) {
                    let i = (i.max(0) as usize).min(items.len());
                    items.insert(i, v.clone());
                }
            }
            "pop" => {
                let i = args.first().and_then(|i| i.as_i64()).unwrap_or(-1);
                let i = if i < 0 { items.len() as i64 + i } else { i };
                return Ok(match usize::try_from(i) {
                    Ok(i) if i < items.len() => items.remove(i),
                    _ => Value::from(()),
                });
            }
            "remove" => {
                if let Some(pos) = args.first().and_then(|v| items.iter().position(|x| x == v)) {
                    items.remove(pos);
                }
            }
            "index" => {
                return Ok(args
                    .first()
                    .and_then(|v| items.iter().position(|x| x == v))
                    .map_or(Value::from(-1), Value::from))
            }
            "count" => {
                return Ok(Value::from(
                    args.first()
                        .map_or(0, |v| items.iter().filter(|x| *x == v).count()),
                ))
            }
            "copy" => return Ok(Value::from_object(MutableList(Mutex::new(items.clone())))),
            "reverse" => items.reverse(),
            "clear" => items.clear(),
            "sort" => items.sort(),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }
        Ok(Value::from(()))
    }
}

/// dbt's `graph`, built and converted for Jinja on first use: converting the
/// graph of a big project takes a tenth of a second, and most renders never
/// read it.
pub struct LazyGraph {
    build: Box<dyn Fn() -> serde_json::Value + Send + Sync>,
    value: std::sync::OnceLock<Value>,
}

impl fmt::Debug for LazyGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LazyGraph")
    }
}

impl LazyGraph {
    pub fn new(build: impl Fn() -> serde_json::Value + Send + Sync + 'static) -> LazyGraph {
        LazyGraph {
            build: Box::new(build),
            value: std::sync::OnceLock::new(),
        }
    }

    fn value(&self) -> &Value {
        self.value
            .get_or_init(|| make_mutable(Value::from_serialize((self.build)())))
    }
}

impl Object for LazyGraph {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.value()
            .get_item(key)
            .ok()
            .filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.value()
                .try_iter()
                .map(|keys| keys.collect())
                .unwrap_or_default(),
        )
    }

    fn call_method(
        self: &Arc<Self>,
        state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        self.value().call_method(state, method, args)
    }
}

/// A dict that `.update()`, `.pop()`, `.setdefault()` and item assignment change.
#[derive(Debug, Default)]
pub struct MutableDict(pub Mutex<indexmap::IndexMap<Value, Value>>);

impl Object for MutableDict {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0.lock().unwrap().get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.lock().unwrap().keys().cloned().collect())
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let mut map = self.0.lock().unwrap();
        match method {
            "update" => {
                for arg in args {
                    if let Ok(kwargs) = Kwargs::try_from(arg.clone()) {
                        for k in kwargs.args() {
                            map.insert(Value::from(k), make_mutable(kwargs.peek::<Value>(k)?));
                        }
                        continue;
                    }
                    for k in arg.try_iter()? {
                        let v = arg.get_item(&k)?;
                        map.insert(k, make_mutable(v));
                    }
                }
                Ok(Value::from(()))
            }
            "pop" => {
                let key = args.first().cloned().unwrap_or_default();
                Ok(map
                    .shift_remove(&key)
                    .or_else(|| args.get(1).cloned())
                    .unwrap_or_default())
            }
            "setdefault" => {
                let key = args.first().cloned().unwrap_or_default();
                let default = make_mutable(args.get(1).cloned().unwrap_or_default());
                Ok(map.entry(key).or_insert(default).clone())
            }
            "get" => {
                let key = args.first().cloned().unwrap_or_default();
                Ok(map
                    .get(&key)
                    .cloned()
                    .or_else(|| args.get(1).cloned())
                    .unwrap_or_default())
            }
            "items" => Ok(Value::from(
                map.iter()
                    .map(|(k, v)| Value::from(vec![k.clone(), v.clone()]))
                    .collect::<Vec<_>>(),
            )),
            "keys" => Ok(Value::from(map.keys().cloned().collect::<Vec<_>>())),
            "values" => Ok(Value::from(map.values().cloned().collect::<Vec<_>>())),
            "copy" => Ok(Value::from_object(MutableDict(Mutex::new(map.clone())))),
            "clear" => {
                map.clear();
                Ok(Value::from(()))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// Makes plain list and dict values (from literals and filters) mutable;
/// other objects (namespaces, relations, columns) stay as they are.
pub fn make_mutable(value: Value) -> Value {
    let Some(obj) = value.as_object() else {
        return value;
    };
    if let Some(items) = obj.downcast_ref::<Vec<Value>>() {
        return Value::from_object(MutableList(Mutex::new(items.clone())));
    }
    let is_plain_map = obj
        .downcast_ref::<indexmap::IndexMap<Value, Value>>()
        .is_some();
    if is_plain_map {
        let mut map = indexmap::IndexMap::new();
        for k in value.try_iter().into_iter().flatten() {
            let v = value.get_item(&k).unwrap_or_default();
            map.insert(k, v);
        }
        return Value::from_object(MutableDict(Mutex::new(map)));
    }
    value
}

/// The result of a query Loupe does not run: no columns, no rows.
#[derive(Debug, Default)]
pub struct EmptyTable;

impl Object for EmptyTable {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "columns" => Value::from_object(EmptyColumns),
            "rows" | "column_names" | "column_types" => Value::from(Vec::<Value>::new()),
            "table" => Value::from_object(EmptyTable),
            "data" => Value::from(Vec::<Value>::new()),
            "response" => {
                Value::from_serialize(serde_json::json!({"rows_affected": 0, "code": ""}))
            }
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "print_table" | "print_json" | "print_csv" => Ok(Value::from("")),
            "select" | "where" | "order_by" | "limit" | "distinct" => {
                Ok(Value::from_object(EmptyTable))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// `table.columns` of an empty result: any column is an empty column.
#[derive(Debug, Default)]
pub struct EmptyColumns;

impl Object for EmptyColumns {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, _key: &Value) -> Option<Value> {
        Some(Value::from_object(EmptyColumn))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }
}

#[derive(Debug, Default)]
pub struct EmptyColumn;

impl Object for EmptyColumn {
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Empty
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "name" => Some(Value::from("")),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "values" | "values_distinct" | "values_without_nulls" => {
                Ok(Value::from(Vec::<Value>::new()))
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A point in time for `run_started_at` and `modules.datetime`, with the
/// methods dbt code calls on it.
#[derive(Debug, Clone)]
pub struct DateTime {
    /// Seconds since the Unix epoch, UTC.
    pub epoch: i64,
    /// A Python `date` (midnight, shown without a time), not a `datetime`.
    pub date_only: bool,
}

impl DateTime {
    pub fn now() -> Self {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        DateTime {
            epoch,
            date_only: false,
        }
    }

    /// Its day, as a Python `date`.
    pub fn date(&self) -> Self {
        DateTime {
            epoch: self.epoch - self.epoch.rem_euclid(86_400),
            date_only: true,
        }
    }

    fn parts(&self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.epoch.div_euclid(86_400);
        let secs = self.epoch.rem_euclid(86_400);
        // Civil-from-days (Howard Hinnant).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (
            y,
            m,
            d,
            (secs / 3600) as u32,
            ((secs % 3600) / 60) as u32,
            (secs % 60) as u32,
        )
    }

    fn strftime(&self, format: &str) -> String {
        let (y, m, d, hh, mm, ss) = self.parts();
        let mut out = String::new();
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('Y') => out.push_str(&format!("{y:04}")),
                Some('y') => out.push_str(&format!("{:02}", y % 100)),
                Some('m') => out.push_str(&format!("{m:02}")),
                Some('d') => out.push_str(&format!("{d:02}")),
                Some('H') => out.push_str(&format!("{hh:02}")),
                Some('M') => out.push_str(&format!("{mm:02}")),
                Some('S') => out.push_str(&format!("{ss:02}")),
                Some('f') => out.push_str("000000"),
                Some('%') => out.push('%'),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        out
    }
}

impl Object for DateTime {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let (y, m, d, hh, mm, ss) = self.parts();
        Some(match key.as_str()? {
            "year" => Value::from(y),
            "month" => Value::from(m),
            "day" => Value::from(d),
            "hour" => Value::from(hh),
            "minute" => Value::from(mm),
            "second" => Value::from(ss),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "strftime" => Ok(Value::from(
                self.strftime(args.first().and_then(|a| a.as_str()).unwrap_or("")),
            )),
            "isoformat" if self.date_only => Ok(Value::from(self.strftime("%Y-%m-%d"))),
            "isoformat" => Ok(Value::from(self.strftime("%Y-%m-%dT%H:%M:%S"))),
            "date" => Ok(Value::from_object(self.date())),
            "astimezone" | "replace" | "now" | "utcnow" | "today" => {
                Ok(Value::from_dyn_object(self.clone()))
            }
            "timestamp" => Ok(Value::from(self.epoch)),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.date_only {
            f.write_str(&self.strftime("%Y-%m-%d"))
        } else {
            f.write_str(&self.strftime("%Y-%m-%d %H:%M:%S.%f+00:00"))
        }
    }
}

impl DateTime {
    /// The point of a civil date and `[month, day, hour, minute, second]`
    /// (UTC), `None` out of range.
    pub fn from_parts(year: i64, rest: [i64; 5], date_only: bool) -> Option<DateTime> {
        let [month, day, hour, minute, second] = rest;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        if !(1..=9999).contains(&year)
            || !(1..=days_in_month).contains(&day)
            || !(0..24).contains(&hour)
            || !(0..60).contains(&minute)
            || !(0..60).contains(&second)
        {
            return None;
        }
        // Days-from-civil (Howard Hinnant).
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let time = if date_only {
            0
        } else {
            hour * 3600 + minute * 60 + second
        };
        Some(DateTime {
            epoch: days * 86_400 + time,
            date_only,
        })
    }

    /// Python's `datetime.strptime` for the directives dbt code uses (`%Y
    /// %y %m %d %H %M %S %f %b %B %%`); `None` when `text` does not match.
    pub fn parse(text: &str, format: &str) -> Option<DateTime> {
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let mut parts = [1900, 1, 1, 0, 0, 0];
        let mut rest = text;
        let mut directives = format.chars();
        // Up to `most` digits (at least one).
        let digits = |rest: &mut &str, most: usize| -> Option<i64> {
            let n = rest
                .bytes()
                .take(most)
                .take_while(u8::is_ascii_digit)
                .count();
            let value = rest.get(..n).filter(|d| !d.is_empty())?.parse().ok()?;
            *rest = &rest[n..];
            Some(value)
        };
        while let Some(c) = directives.next() {
            if c != '%' {
                rest = if c.is_whitespace() {
                    rest.trim_start()
                } else {
                    rest.strip_prefix(c)?
                };
                continue;
            }
            match directives.next()? {
                'Y' => parts[0] = digits(&mut rest, 4)?,
                'y' => {
                    let y = digits(&mut rest, 2)?;
                    parts[0] = if y < 69 { 2000 + y } else { 1900 + y };
                }
                'm' => parts[1] = digits(&mut rest, 2)?,
                'd' => parts[2] = digits(&mut rest, 2)?,
                'H' => parts[3] = digits(&mut rest, 2)?,
                'M' => parts[4] = digits(&mut rest, 2)?,
                'S' => parts[5] = digits(&mut rest, 2)?,
                'f' => {
                    digits(&mut rest, 6)?;
                }
                'b' | 'B' => {
                    let lower = rest.to_ascii_lowercase();
                    let month = MONTHS.iter().position(|m| lower.starts_with(m))?;
                    let full = [
                        "january",
                        "february",
                        "march",
                        "april",
                        "may",
                        "june",
                        "july",
                        "august",
                        "september",
                        "october",
                        "november",
                        "december",
                    ][month];
                    let len = if lower.starts_with(full) {
                        full.len()
                    } else {
                        3
                    };
                    parts[1] = month as i64 + 1;
                    rest = &rest[len..];
                }
                '%' => rest = rest.strip_prefix('%')?,
                _ => return None,
            }
        }
        if !rest.is_empty() {
            return None;
        }
        let [year, rest @ ..] = parts;
        DateTime::from_parts(year, rest, false)
    }

    /// `fromisoformat`: `2024-01-10`, `2024-01-10T06:30[:00[.000]][+00:00]`.
    pub fn from_iso(text: &str, date_only: bool) -> Option<DateTime> {
        let text = text.trim();
        let (date, time) = match text.find(['T', ' ']) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let point = DateTime::parse(date, "%Y-%m-%d")?;
        let Some(time) = time.filter(|_| !date_only) else {
            return Some(DateTime {
                date_only,
                ..point.date()
            });
        };
        // The clock, without fractions or an offset (points are UTC here).
        let clock = time.split(['+', 'Z', '.']).next().unwrap_or(time);
        let clock = clock.split('-').next().unwrap_or(clock);
        let mut fields = clock.split(':').map(|f| f.parse::<i64>().ok());
        let (hour, minute, second) = (
            fields.next().flatten()?,
            fields.next().flatten().unwrap_or(0),
            fields.next().flatten().unwrap_or(0),
        );
        let (y, m, d, ..) = point.parts();
        DateTime::from_parts(y, [m.into(), d.into(), hour, minute, second], false)
    }

    /// This point moved by `delta` (`sign` 1 or -1): `x + timedelta(...)`.
    pub fn shifted(&self, sign: i64, delta: &TimeDelta) -> DateTime {
        // A date moves by whole days only, as Python's does.
        let seconds = if self.date_only {
            delta.seconds - delta.seconds.rem_euclid(86_400)
        } else {
            delta.seconds
        };
        DateTime {
            epoch: self.epoch.saturating_add(sign.saturating_mul(seconds)),
            date_only: self.date_only,
        }
    }
}

/// `modules.datetime.timedelta(...)`: a duration in whole seconds.
#[derive(Debug, Clone)]
pub struct TimeDelta {
    pub seconds: i64,
}

impl TimeDelta {
    /// Python's arguments, positional in its order or by name.
    pub fn from_args(positional: &[Value], kwargs: Option<&Kwargs>) -> TimeDelta {
        const UNITS: [(&str, f64); 7] = [
            ("days", 86_400.0),
            ("seconds", 1.0),
            ("microseconds", 1e-6),
            ("milliseconds", 1e-3),
            ("minutes", 60.0),
            ("hours", 3_600.0),
            ("weeks", 604_800.0),
        ];
        let number = |v: &Value| f64::try_from(v.clone()).unwrap_or(0.0);
        let mut seconds = 0.0;
        for (i, (unit, scale)) in UNITS.iter().enumerate() {
            let given = positional
                .get(i)
                .cloned()
                .or_else(|| kwargs.and_then(|k| k.peek::<Option<Value>>(unit).ok().flatten()));
            if let Some(v) = given {
                seconds += number(&v) * scale;
            }
        }
        if let Some(k) = kwargs {
            // Read, so minijinja does not call the others unknown.
            for (unit, _) in UNITS {
                let _ = k.peek::<Option<Value>>(unit);
            }
        }
        TimeDelta {
            seconds: seconds.round().clamp(i64::MIN as f64, i64::MAX as f64) as i64,
        }
    }
}

impl Object for TimeDelta {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "days" => Value::from(self.seconds.div_euclid(86_400)),
            "seconds" => Value::from(self.seconds.rem_euclid(86_400)),
            "microseconds" => Value::from(0),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "total_seconds" => Ok(Value::from(self.seconds as f64)),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    /// As Python prints it: `7 days, 0:00:00`, `1 day, 2:03:04`, `0:00:05`.
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let rest = self.seconds.rem_euclid(86_400);
        let clock = format!("{}:{:02}:{:02}", rest / 3600, (rest % 3600) / 60, rest % 60);
        match days {
            0 => f.write_str(&clock),
            1 | -1 => write!(f, "{days} day, {clock}"),
            _ => write!(f, "{days} days, {clock}"),
        }
    }
}

/// `modules.re`: Python regexes where the `regex` crate understands them; a
/// pattern it cannot compile simply matches nothing.
#[derive(Debug, Default)]
pub struct ReModule;

fn python_regex(pattern: &str, flags: i64) -> Option<regex::Regex> {
    let mut prefix = String::new();
    if flags & 2 != 0 {
        prefix.push_str("(?i)");
    }
    if flags & 64 != 0 {
        prefix.push_str("(?x)");
    }
    if flags & 8 != 0 {
        prefix.push_str("(?m)");
    }
    if flags & 16 != 0 {
        prefix.push_str("(?s)");
    }
    regex::Regex::new(&format!("{prefix}{pattern}")).ok()
}

impl Object for ReModule {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(Value::from(match key.as_str()? {
            "IGNORECASE" | "I" => 2,
            "MULTILINE" | "M" => 8,
            "DOTALL" | "S" => 16,
            "VERBOSE" | "X" => 64,
            _ => return None,
        }))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let arg = |i: usize| args.get(i).map(|v| v.to_string()).unwrap_or_default();
        let flags_at = |i: usize| args.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
        match method {
            "match" | "search" | "fullmatch" => {
                let Some(re) = python_regex(&arg(0), flags_at(2)) else {
                    return Ok(Value::from(()));
                };
                let text = arg(1);
                let found = match method {
                    "match" => re.find(&text).filter(|m| m.start() == 0),
                    "fullmatch" => re
                        .find(&text)
                        .filter(|m| m.start() == 0 && m.end() == text.len()),
                    _ => re.find(&text),
                };
                Ok(found.map_or(Value::from(()), |m| Value::from(m.as_str().to_string())))
            }
            "findall" => {
                let Some(re) = python_regex(&arg(0), flags_at(2)) else {
                    return Ok(Value::from(Vec::<Value>::new()));
                };
                let text = arg(1);
                let found: Vec<Value> = re
                    .captures_iter(&text)
                    .map(|c| {
                        Value::from(
                            c.get(1)
                                .or_else(|| c.get(0))
                                .map_or("", |m| m.as_str())
                                .to_string(),
                        )
                    })
                    .collect();
                Ok(Value::from(found))
            }
            "sub" => {
                let text = arg(2);
                let Some(re) = python_regex(&arg(0), flags_at(4)) else {
                    return Ok(Value::from(text));
                };
                let replacement = arg(1).replace("\\g<", "${").replace('>', "}");
                Ok(Value::from(
                    re.replace_all(&text, replacement.as_str()).into_owned(),
                ))
            }
            "split" => {
                let text = arg(1);
                let Some(re) = python_regex(&arg(0), flags_at(3)) else {
                    return Ok(Value::from(vec![Value::from(text)]));
                };
                Ok(Value::from(
                    re.split(&text)
                        .map(|s| Value::from(s.to_string()))
                        .collect::<Vec<_>>(),
                ))
            }
            "escape" => Ok(Value::from(regex::escape(&arg(0)))),
            "compile" => Ok(Value::from(arg(0))),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// A Python tuple (`{% set t = ('a', 'b') %}`): a sequence that prints as
/// Python does, `('a', 'b')`, which SQL `IN` lists rely on.
#[derive(Debug)]
pub struct Tuple(pub Vec<Value>);

impl Object for Tuple {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let i = key.as_i64()?;
        let i = if i < 0 { self.0.len() as i64 + i } else { i };
        self.0.get(usize::try_from(i).ok()?).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.0.clone())
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(python_repr).collect();
        if items.len() == 1 {
            write!(f, "({},)", items[0])
        } else {
            write!(f, "({})", items.join(", "))
        }
    }
}

/// A value as Python's `repr` shows it.
fn python_repr(v: &Value) -> String {
    match v.as_str() {
        Some(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        None if v.is_none() => "None".to_string(),
        None => match v.kind() {
            minijinja::value::ValueKind::Bool => {
                if v.is_true() {
                    "True".into()
                } else {
                    "False".into()
                }
            }
            _ => v.to_string(),
        },
    }
}

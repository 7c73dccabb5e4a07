//! YAML read as dbt reads it: a key written twice in one mapping keeps its
//! last value (PyYAML's behaviour) instead of failing the whole file.
//! serde_yaml's own `Value` refuses duplicates, so mappings are built here.

use std::cell::RefCell;
use std::fmt;

use serde::de::{
    Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value as Yaml};

thread_local! {
    static DUPLICATES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Parses `text`; also returns the keys that were written twice (in order).
pub fn parse(text: &str) -> Result<(Yaml, Vec<String>), serde_yaml::Error> {
    if let Some(line) = flow_nesting_past(text, MAX_FLOW_NESTING) {
        return Err(serde::de::Error::custom(format!(
            "brackets nest more than {MAX_FLOW_NESTING} deep at line {line}"
        )));
    }
    if let Some(read) = super::block_yaml::parse(text) {
        return Ok(read);
    }
    parse_with_serde_yaml(text)
}

/// `parse` by serde_yaml's events, for every file the block reader leaves.
pub(super) fn parse_with_serde_yaml(text: &str) -> Result<(Yaml, Vec<String>), serde_yaml::Error> {
    DUPLICATES.with(|d| d.borrow_mut().clear());
    let parsed = serde_yaml::from_str::<Lenient>(text);
    let duplicates = DUPLICATES.with(|d| std::mem::take(&mut *d.borrow_mut()));
    parsed.map(|v| (v.0, duplicates))
}

/// One plain scalar (a number, or what may be one) as serde_yaml resolves it
/// where it stands in a file: as the item of a sequence, so that `---` or
/// `...` alone are not read as document markers.
pub(super) fn scalar(text: &str) -> Option<Yaml> {
    match serde_yaml::from_str::<Lenient>(&format!("- {text}"))
        .ok()?
        .0
    {
        Yaml::Sequence(mut items) if items.len() == 1 => items.pop(),
        _ => None,
    }
}

/// serde_yaml stops at 128 levels, but libyaml's scanner takes time
/// quadratic in the depth of `[[[...` or `{a: {a: ...` before that.
const MAX_FLOW_NESTING: usize = 100;

/// The line (from 1) where `[` and `{` outside quotes and comments first
/// nest deeper than `max`, if they do.
fn flow_nesting_past(text: &str, max: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut line, mut i) = (0usize, 1usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q && bytes[i] != b'\n' {
                    i += 1;
                }
                if bytes.get(i) == Some(&q) {
                    i += 1;
                }
                continue;
            }
            b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where each key written twice in one block mapping is written the second
/// time: (key, byte offset). A line scan of block YAML (flow mappings are
/// not followed); it only places the warning.
pub fn duplicate_key_offsets(text: &str) -> Vec<(String, usize)> {
    // Keys seen per mapping, a mapping known by the indentation of its keys.
    let mut open: Vec<(usize, Vec<String>)> = Vec::new();
    let mut found = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end();
        let trimmed = body.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut indent = body.len() - trimmed.len();
        let mut rest = trimmed;
        let mut new_item = false;
        while let Some(after) = rest.strip_prefix("- ") {
            // A sequence item opens a new mapping, its keys one level in.
            indent += 2 + (after.len() - after.trim_start().len());
            rest = after.trim_start();
            new_item = true;
        }
        open.retain(|(i, _)| *i < indent || (*i == indent && !new_item));
        let Some((key, _)) = rest.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches(['"', '\'']);
        if key.is_empty() || key.contains(' ') && !rest.starts_with(['"', '\'']) {
            continue;
        }
        match open.last_mut() {
            Some((i, keys)) if *i == indent => {
                if keys.iter().any(|k| k == key) {
                    found.push((key.to_string(), start + body.len() - rest.len()));
                } else {
                    keys.push(key.to_string());
                }
            }
            _ => open.push((indent, vec![key.to_string()])),
        }
    }
    found
}

struct Lenient(Yaml);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

impl<'de> Visitor<'de> for LenientVisitor {
    type Value = Yaml;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Yaml, E> {
        Ok(Yaml::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Number(v.into()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::String(v))
    }

    fn visit_unit<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_none<E>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Yaml, D::Error> {
        Lenient::deserialize(d).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut items = Vec::new();
        while let Some(Lenient(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Yaml::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut mapping = Mapping::new();
        while let Some((Lenient(k), Lenient(v))) = map.next_entry()? {
            if mapping.contains_key(&k) {
                let shown = match &k {
                    Yaml::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                DUPLICATES.with(|d| d.borrow_mut().push(shown));
            }
            // Last wins, in the place of the first (as a Python dict does).
            mapping.insert(k, v);
        }
        Ok(Yaml::Mapping(mapping))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Yaml, A::Error> {
        // serde_yaml hands a tagged value (`!tag value`) over as an enum.
        let (tag, variant) = data.variant::<String>()?;
        let Lenient(value) = variant.newtype_variant()?;
        Ok(Yaml::Tagged(Box::new(TaggedValue {
            tag: Tag::new(tag),
            value,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicated_key_keeps_its_last_value() {
        let text = "version: 2\nsources:\n  - name: shop\n    schema: raw\n    schema: landing\n    tables:\n      - name: orders\n";
        assert!(serde_yaml::from_str::<Yaml>(text).is_err());
        let (yaml, duplicates) = parse(text).unwrap();
        assert_eq!(yaml["sources"][0]["schema"].as_str(), Some("landing"));
        assert_eq!(duplicates, vec!["schema".to_string()]);
    }

    #[test]
    fn the_second_writing_of_a_key_is_found() {
        let text = "sources:\n  - name: a\n    description: x\n    tables:\n      - name: t\n        description: y\n      - name: u\n        description: z\n    description: w\n";
        let found = duplicate_key_offsets(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "description");
        assert_eq!(&text[found[0].1..found[0].1 + 14], "description: w");
    }

    #[test]
    fn values_of_every_kind_survive() {
        let text = "a: 1\nb: -2\nc: 1.5\nd: true\ne: ~\nf: [x, {g: h}]\ni: !tagged 3\n";
        let (yaml, duplicates) = parse(text).unwrap();
        assert_eq!(yaml, serde_yaml::from_str::<Yaml>(text).unwrap());
        assert!(duplicates.is_empty());
        assert!(parse("a: [").is_err());
    }
}

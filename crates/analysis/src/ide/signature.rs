//! Signature help: the overloads of the function whose call the cursor is in.

use crate::catalog::{FunctionCatalog, Param};

/// A function's overloads and which argument the cursor is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHelp {
    pub signatures: Vec<String>,
    pub active_parameter: usize,
}

/// Looks back from `offset` for an unclosed `name(` and counts the commas.
pub fn signature_help(text: &str, offset: usize) -> Option<SignatureHelp> {
    let offset = crate::text::floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let (mut depth, mut commas) = (0i32, 0usize);
    let mut quote: Option<char> = None;
    for (i, c) in before.char_indices().rev() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ')') => depth += 1,
            (None, '(') if depth > 0 => depth -= 1,
            (None, '(') => {
                let name: String = before[..i]
                    .trim_end()
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let name = name.to_lowercase();
                let overloads = FunctionCatalog::duckdb().overloads(&name);
                if overloads.is_empty() {
                    return None;
                }
                let signatures = overloads.iter().map(|o| signature_text(&name, o)).collect();
                return Some(SignatureHelp {
                    signatures,
                    active_parameter: commas,
                });
            }
            (None, ',') if depth == 0 => commas += 1,
            (None, ';') => return None,
            _ => {}
        }
    }
    None
}

/// `round(DOUBLE, INTEGER) -> DOUBLE`.
pub(crate) fn signature_text(name: &str, o: &crate::catalog::Overload) -> String {
    let mut params: Vec<String> = o.params.iter().map(param_text).collect();
    if let Some(v) = &o.varargs {
        params.push(format!("{}...", param_text(v)));
    }
    let ret = o.ret.as_ref().map_or("?".to_string(), param_text);
    format!("{name}({}) -> {ret}", params.join(", "))
}

fn param_text(p: &Param) -> String {
    match p {
        Param::Concrete(t) => t.to_string(),
        Param::AnyDecimal => "DECIMAL".into(),
        Param::AnyNested(n) => n.to_string(),
    }
}

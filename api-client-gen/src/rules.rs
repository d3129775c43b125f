//! garde rules from a schema's constraints, the pydantic way.

use crate::doc::Node;
use crate::model::{Rules, Ty};

/// The rules a field of type `ty` gets from its schema; what garde cannot
/// check is said through `warn`.
pub fn rules_of(schema: &Node, ty: &Ty, mut warn: impl FnMut(String)) -> Rules {
    let count = |key: &str| {
        schema
            .get(key)
            .as_f64()
            .filter(|n| *n >= 0.0)
            .map(|n| n as u64)
    };
    let mut rules = Rules::default();
    match strip_option(ty) {
        Ty::String => {
            rules.chars = (count("minLength"), count("maxLength"));
            if let Some(pattern) = schema.get("pattern").as_str() {
                let ascii = ascii_classes(pattern);
                match regex_syntax::ParserBuilder::new()
                    .unicode(false)
                    .utf8(false)
                    .build()
                    .parse(&ascii)
                {
                    Ok(_) => rules.pattern = Some(ascii),
                    Err(_) => warn(format!(
                        "pattern `{pattern}` is not a Rust regex (lookaround or backreference?): not checked"
                    )),
                }
            }
            match schema.get("format").as_str() {
                Some("email") => rules.email = true,
                Some("uri" | "url") => rules.url = true,
                _ => {}
            }
        }
        Ty::Vec(_) => rules.items = (count("minItems"), count("maxItems")),
        Ty::Map(_) => rules.items = (count("minProperties"), count("maxProperties")),
        Ty::I32 | Ty::I64 => rules.range = integer_range(schema),
        Ty::F32 | Ty::F64 => rules.range = number_range(schema, &mut warn),
        _ => {}
    }
    rules
}

/// ECMA-262's `\d`, `\w`, `\s` and `\b` (what a JSON Schema `pattern`
/// means) are ASCII; spelled out as ASCII (`[0-9]`, `(?-u:\b)`), they
/// need none of regex's Unicode tables, which garde's derive checks its
/// patterns without (regex with its `std` feature only). `[\b]` is a
/// backspace, as in ECMA-262.
fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => out.push_str(&ascii_escape(next, in_class)),
                None => out.push(c),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The escape `\next` of an ECMA-262 pattern, spelled for Rust's regex
/// without its Unicode tables (`in_class`: inside `[…]`).
fn ascii_escape(next: char, in_class: bool) -> String {
    match (next, in_class) {
        ('b', false) => return "(?-u:\\b)".to_owned(),
        ('B', false) => return "(?-u:\\B)".to_owned(),
        ('b', true) => return "\\x08".to_owned(),
        _ => {}
    }
    let (positive, negated) = match next {
        'd' => ("0-9", false),
        'D' => ("0-9", true),
        'w' => ("0-9A-Za-z_", false),
        'W' => ("0-9A-Za-z_", true),
        's' => ("\\t\\n\\x0B\\x0C\\r ", false),
        'S' => ("\\t\\n\\x0B\\x0C\\r ", true),
        other => return format!("\\{other}"),
    };
    match (in_class, negated) {
        (true, false) => positive.to_owned(),
        (false, false) => format!("[{positive}]"),
        // A negated class inside a class (`[a\D]`) is a nested class,
        // which Rust's regex reads as a union.
        (_, true) => format!("[^{positive}]"),
    }
}

fn strip_option(ty: &Ty) -> &Ty {
    match ty {
        Ty::Option(inner) => strip_option(inner),
        other => other,
    }
}

/// Inclusive integer bounds: an exclusive bound (3.0's boolean or 3.1's
/// number) moves by one.
fn integer_range(schema: &Node) -> (Option<f64>, Option<f64>) {
    let (min, min_exclusive) = bound(schema, "minimum", "exclusiveMinimum");
    let (max, max_exclusive) = bound(schema, "maximum", "exclusiveMaximum");
    let min = min.map(|m| {
        if min_exclusive {
            m.floor() + 1.0
        } else {
            m.ceil()
        }
    });
    let max = max.map(|m| {
        if max_exclusive {
            m.ceil() - 1.0
        } else {
            m.floor()
        }
    });
    (min, max)
}

fn number_range(schema: &Node, warn: &mut impl FnMut(String)) -> (Option<f64>, Option<f64>) {
    let (min, min_exclusive) = bound(schema, "minimum", "exclusiveMinimum");
    let (max, max_exclusive) = bound(schema, "maximum", "exclusiveMaximum");
    if min_exclusive || max_exclusive {
        warn(
            "an exclusive bound on a number is checked as inclusive (garde has no exclusive range)"
                .into(),
        );
    }
    (min, max)
}

/// `(bound, exclusive)`: 3.0 writes `minimum: 1, exclusiveMinimum: true`,
/// 3.1 writes `exclusiveMinimum: 1`.
fn bound(schema: &Node, inclusive: &str, exclusive: &str) -> (Option<f64>, bool) {
    match (schema.get(inclusive).as_f64(), schema.get(exclusive)) {
        (_, Node::Num(n)) => (Some(*n), true),
        (Some(n), Node::Bool(true)) => (Some(n), true),
        (n, _) => (n, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::parse;

    fn rules(json: &str, ty: Ty) -> (Rules, Vec<String>) {
        let mut warnings = Vec::new();
        let rules = rules_of(&parse(json).unwrap(), &ty, |w| warnings.push(w));
        (rules, warnings)
    }

    #[test]
    fn exclusive_integer_bounds_tighten() {
        let (r, _) = rules(
            r#"{"minimum": 0, "exclusiveMinimum": true, "maximum": 10}"#,
            Ty::I64,
        );
        assert_eq!(r.range, (Some(1.0), Some(10.0)));
        let (r, _) = rules(
            r#"{"exclusiveMinimum": 0, "exclusiveMaximum": 10}"#,
            Ty::I32,
        );
        assert_eq!(r.range, (Some(1.0), Some(9.0)));
    }

    #[test]
    fn string_rules_and_bad_patterns() {
        let (r, w) = rules(
            r#"{"minLength": 1, "maxLength": 5, "pattern": "^[a-z]+$", "format": "email"}"#,
            Ty::String.optional(),
        );
        assert_eq!(
            (r.chars, r.pattern.as_deref(), r.email),
            ((Some(1), Some(5)), Some("^[a-z]+$"), true)
        );
        assert!(w.is_empty());
        let (r, w) = rules(r#"{"pattern": "^(?!x)"}"#, Ty::String);
        assert!(r.pattern.is_none() && w.len() == 1, "{w:?}");
    }

    #[test]
    fn perl_classes_become_ascii() {
        assert_eq!(
            ascii_classes(r"(\d{4})-\w+\s[a-f\d]\."),
            r"([0-9]{4})-[0-9A-Za-z_]+[\t\n\x0B\x0C\r ][a-f0-9]\."
        );
        assert_eq!(ascii_classes(r"\D\\d"), r"[^0-9]\\d");
        // DigitalOcean's `\b`: an ASCII word boundary, a backspace in a class.
        assert_eq!(
            ascii_classes(r"^\bword\B[\b\D]$"),
            r"^(?-u:\b)word(?-u:\B)[\x08[^0-9]]$"
        );
        let (r, w) = rules(r#"{"pattern": "\\bdroplet\\b"}"#, Ty::String);
        assert_eq!(
            (r.pattern.as_deref(), w.len()),
            (Some(r"(?-u:\b)droplet(?-u:\b)"), 0)
        );
        let (r, w) = rules(r#"{"pattern": "^[a-f\\d]{24}$"}"#, Ty::String);
        assert_eq!((r.pattern.as_deref(), w.len()), (Some("^[a-f0-9]{24}$"), 0));
    }

    #[test]
    fn number_exclusive_bounds_are_reported() {
        let (r, w) = rules(r#"{"exclusiveMinimum": 0.5}"#, Ty::F64);
        assert_eq!(r.range, (Some(0.5), None));
        assert_eq!(w.len(), 1);
    }
}

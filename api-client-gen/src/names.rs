//! Rust names from the document's names: identifiers, types, uniqueness.

use std::collections::HashSet;

use heck::{ToPascalCase, ToSnakeCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Names the generated code itself uses for types, which a schema's name
/// must not take.
const RESERVED_TYPES: &[&str] = &[
    "Result",
    "Option",
    "Some",
    "None",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Self",
    "Response",
    "Bytes",
    "Part",
    // The module's `use` lines.
    "Serialize",
    "Deserialize",
];

/// Keeps letters, digits and `_`, with `+`/`-` spelled out where they are
/// the whole difference (`+1`, `-1` as emoji or sort orders).
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => out.push(c),
            '+' if raw.len() <= 2 => out.push_str("plus_"),
            '-' if raw.len() <= 2 => out.push_str("minus_"),
            _ => out.push('_'),
        }
    }
    out
}

/// A snake_case identifier (`operationId`, a parameter, a property).
pub fn snake(raw: &str) -> String {
    valid(words(raw).to_snake_case(), "value", "_", &["_"])
}

/// A PascalCase type or variant name.
pub fn pascal(raw: &str) -> String {
    valid(words(raw).to_pascal_case(), "Value", "V", RESERVED_TYPES)
}

/// `name` as an identifier: `empty` for nothing, `prefix` before a digit,
/// `_` after a keyword or a `reserved` name.
fn valid(mut name: String, empty: &str, prefix: &str, reserved: &[&str]) -> String {
    if name.is_empty() {
        name = empty.to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, prefix);
    }
    if KEYWORDS.contains(&name.as_str()) || reserved.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// Hands out names that are unique within one scope: the second `Pet`
/// becomes `Pet2`, the second `list` becomes `list_2`.
#[derive(Default)]
pub struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// Marks a name as taken without handing it out.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// `name`, or `name` with the smallest suffix that is free.
    pub fn unique(&mut self, name: String, separator: &str) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        (2..)
            .map(|n| format!("{name}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .expect("an unbounded range has a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake("getPetById"), "get_pet_by_id");
        assert_eq!(snake("repos/get-content"), "repos_get_content");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("+1"), "plus_1");
        assert_eq!(snake("-1"), "minus_1");
        assert_eq!(snake("@timestamp"), "timestamp");
        assert_eq!(snake(""), "value");
        assert_eq!(pascal("pet-status"), "PetStatus");
        assert_eq!(pascal("Result"), "Result_");
        assert_eq!(pascal("200"), "V200");
        assert_eq!(pascal("self"), "Self_");
    }

    #[test]
    fn scopes_suffix_collisions() {
        let mut scope = Scope::default();
        assert_eq!(scope.unique("list".into(), "_"), "list");
        assert_eq!(scope.unique("list".into(), "_"), "list_2");
        assert_eq!(scope.unique("list".into(), "_"), "list_3");
        scope.reserve("Pet");
        assert_eq!(scope.unique("Pet".into(), ""), "Pet2");
    }
}

//! `#[serde(rename_all = "…")]`: the names of fields and variants under
//! serde's case rules, spelled and applied exactly as serde's derive does
//! (fields are written in snake_case, variants in PascalCase).

/// A case rule of `rename_all`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

/// Every rule, by the name serde gives it.
pub const RULES: [(&str, Case); 8] = [
    ("lowercase", Case::Lower),
    ("UPPERCASE", Case::Upper),
    ("PascalCase", Case::Pascal),
    ("camelCase", Case::Camel),
    ("snake_case", Case::Snake),
    ("SCREAMING_SNAKE_CASE", Case::ScreamingSnake),
    ("kebab-case", Case::Kebab),
    ("SCREAMING-KEBAB-CASE", Case::ScreamingKebab),
];

impl Case {
    /// The rule named `name`, if serde has it.
    pub fn named(name: &str) -> Option<Case> {
        RULES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    }

    /// A field's name (written in snake_case) under this rule.
    pub fn field(self, field: &str) -> String {
        match self {
            Case::Lower | Case::Snake => field.to_owned(),
            Case::Upper | Case::ScreamingSnake => field.to_ascii_uppercase(),
            Case::Pascal => pascal(field),
            Case::Camel => lower_first(&pascal(field)),
            Case::Kebab => field.replace('_', "-"),
            Case::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }

    /// A variant's name (written in PascalCase) under this rule.
    pub fn variant(self, variant: &str) -> String {
        match self {
            Case::Pascal => variant.to_owned(),
            Case::Lower => variant.to_ascii_lowercase(),
            Case::Upper => variant.to_ascii_uppercase(),
            Case::Camel => lower_first(variant),
            Case::Snake => snake(variant),
            Case::ScreamingSnake => snake(variant).to_ascii_uppercase(),
            Case::Kebab => snake(variant).replace('_', "-"),
            Case::ScreamingKebab => snake(variant).to_ascii_uppercase().replace('_', "-"),
        }
    }
}

/// `user_name` as `UserName`.
fn pascal(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for c in field.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `UserName` as `userName`.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `UserName` as `user_name`.
fn snake(variant: &str) -> String {
    let mut out = String::with_capacity(variant.len() + 4);
    for (i, c) in variant.char_indices() {
        if i > 0 && c.is_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_variants_as_serde_names_them() {
        let field = "user_name";
        let expected = [
            "user_name",
            "USER_NAME",
            "UserName",
            "userName",
            "user_name",
            "USER_NAME",
            "user-name",
            "USER-NAME",
        ];
        for ((_, case), want) in RULES.iter().zip(expected) {
            assert_eq!(case.field(field), want);
        }
        let variant = "VeryTasty";
        let expected = [
            "verytasty",
            "VERYTASTY",
            "VeryTasty",
            "veryTasty",
            "very_tasty",
            "VERY_TASTY",
            "very-tasty",
            "VERY-TASTY",
        ];
        for ((_, case), want) in RULES.iter().zip(expected) {
            assert_eq!(case.variant(variant), want);
        }
    }
}

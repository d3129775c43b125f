//! The runtime as generated code names it: one path prefix (the
//! `__private` module of the user's `api_client`, or of the crate given
//! with `#[api(crate = …)]`) and the table of every item named through
//! it. A test checks each expansion against the table, and the table
//! against a compile-checked use of every item (`tests/ui/pass/private_items.rs`).

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::Path;

use crate::model::ApiTrait;

/// Every item of `__private` that generated code names (read by the tests,
/// which hold every expansion and the runtime to it).
#[cfg_attr(not(test), allow(dead_code))]
pub const ITEMS: &[&str] = &[
    "AnyBody",
    "Arg",
    "Argument",
    "BuildRequest",
    "Call",
    "Checks",
    "ClientBuilder",
    "CountValue",
    "CursorValue",
    "Described",
    "DescribedShape",
    "Duration",
    "Endpoint",
    "EndpointRetry",
    "Envelope",
    "Events",
    "EventsBody",
    "Field",
    "FlagValue",
    "FromCore",
    "Given",
    "HeaderMap",
    "HeaderName",
    "HeaderValue",
    "Json",
    "Method",
    "MockBuilder",
    "MockKit",
    "MockRequest",
    "MockServer",
    "Model",
    "NoShape",
    "Optional",
    "PageParts",
    "PageScheme",
    "Pages",
    "PagesMock",
    "Paging",
    "Presence",
    "Probe",
    "QueryStyle",
    "RATE_LIMIT_FEATURE",
    "RateLimit",
    "Raw",
    "Result",
    "RetryPolicy",
    "Session",
    "Shape",
    "ShapeOfDecoded",
    "ShapeOfDescribed",
    "ShapeOfUnknown",
    "StreamDecl",
    "StreamFormat",
    "Streamed",
    "Text",
    "Unit",
    "ValidateViaGarde",
    "ValidateViaNothing",
    "Variants",
    "WithMeta",
    "assert_api_result",
    "assert_validates",
    "block_on",
    "block_on_call",
    "decode_api_error",
    "if_mock",
    "model_de",
    "serde",
];

/// `…::__private`: interpolated as `#rt::Call`.
pub struct Rt(Path);

impl Rt {
    pub fn of(api: &ApiTrait) -> Rt {
        Rt::in_crate(api.args.krate.as_ref())
    }

    /// The `__private` of `krate` (the crate given with `crate = path`),
    /// or of `::api_client`.
    pub fn in_crate(krate: Option<&Path>) -> Rt {
        let krate = krate
            .cloned()
            .unwrap_or_else(|| syn::parse_quote!(::api_client));
        Rt(syn::parse_quote!(#krate::__private))
    }
}

impl ToTokens for Rt {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.0.to_tokens(tokens);
    }
}

/// The `__private` items `tokens` names, in order of appearance (a
/// `use …::{A as _, B}` names each).
#[cfg(test)]
pub fn named_items(tokens: &str) -> Vec<String> {
    let ident = |text: &str| -> String {
        let text = text.trim_start();
        let end = text
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        text[..end].to_owned()
    };
    let mut names = Vec::new();
    for rest in tokens.split("__private").skip(1) {
        let Some(rest) = rest.trim_start().strip_prefix("::") else {
            continue;
        };
        match rest.trim_start().strip_prefix('{') {
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                names.extend(group.split(',').map(ident).filter(|n| !n.is_empty()));
            }
            None => names.push(ident(rest)),
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_what_the_pass_case_compiles() {
        let pass = include_str!("../../tests/ui/pass/private_items.rs");
        let used: Vec<&str> = ITEMS
            .iter()
            .copied()
            .filter(|item| pass.contains(&format!(" {item},")))
            .collect();
        assert_eq!(
            used, ITEMS,
            "every item of the table is in private_items.rs"
        );
    }
}

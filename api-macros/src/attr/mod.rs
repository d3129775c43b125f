//! Attribute parsing: `#[api(...)]` arguments, method attributes (verbs,
//! static headers) and parameter attributes (`#[query]`, `#[header]`,
//! `#[body]`). Names are constants; a near miss gets a "did you mean".

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Path, Token};

use crate::ctxt::Ctxt;

mod error;
mod limit;
mod method;
mod paginate;
mod param;
mod stream;

pub use error::{ErrorDecl, StatusArm, StatusPattern, parse_error_attr};
pub use limit::{RateLimitAttr, parse_rate_limit};
pub use method::{parse_envelope, parse_method_attr};
pub use paginate::{FieldPath, NextCursor, PaginateAttr, Scheme, Total, parse_paginate};
pub use param::{parse_param_attr, parse_static_header};
pub use stream::{StreamAttr, StreamFormatAttr, parse_stream};

pub const BASE: &str = "base";
pub const ERROR: &str = "error";
pub const BLOCKING: &str = "blocking";
pub const CLIENT: &str = "client";
pub const CRATE: &str = "crate";
pub const HEADER: &str = "header";
pub const QUERY: &str = "query";
pub const COOKIE: &str = "cookie";
pub const BODY: &str = "body";
pub const FORM: &str = "form";
pub const FIELD: &str = "field";
pub const PART: &str = "part";
pub const MULTIPART: &str = "multipart";
pub const NO_AUTH: &str = "no_auth";
pub const VALIDATE: &str = "validate";
pub const OMIT_NONE: &str = "omit_none";
pub const RENAME: &str = "rename";
pub const STYLE: &str = "style";
pub const EXPLODE: &str = "explode";
pub const IDEMPOTENT: &str = "idempotent";
pub const IDEMPOTENCY_KEY: &str = "idempotency_key";
pub const RETRY: &str = "retry";
pub const TIMEOUT: &str = "timeout";
pub const RATE_LIMIT: &str = "rate_limit";
pub const PAGINATE: &str = "paginate";
pub const STREAM: &str = "stream";
pub const SSE: &str = "sse";
pub const JSONL: &str = "jsonl";
pub const DONE: &str = "done";
pub const RESUMABLE: &str = "resumable";
pub const BURST: &str = "burst";
pub const ATTEMPTS: &str = "attempts";
pub const OFF: &str = "off";
pub const TOTAL: &str = "total";
pub const ATTEMPT: &str = "attempt";
pub const ENVELOPE: &str = "envelope";
pub const DATA: &str = "data";
pub const OK: &str = "ok";

/// The HTTP methods, by attribute name.
pub const VERBS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// Attributes of the language that may sit on a trait method or parameter
/// and are passed through untouched.
const BUILTIN: [&str; 12] = [
    "doc",
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "cfg",
    "cfg_attr",
    "deprecated",
    "must_use",
    "inline",
    "diagnostic",
];

/// The arguments of `#[api(...)]`.
#[derive(Default)]
pub struct ApiArgs {
    pub base: Option<LitStr>,
    pub client: Option<Ident>,
    pub krate: Option<Path>,
    /// `error = Type`: the API's error document.
    pub error: Option<syn::Type>,
    /// `blocking`: a blocking client.
    pub blocking: Option<Span>,
}

/// A header with a fixed value: `#[header("Accept", "application/json")]`.
pub struct StaticHeader {
    /// Lowercased, valid header name.
    pub name: String,
    pub value: String,
}

/// An HTTP method attribute with its route.
pub struct Verb {
    pub name: &'static str,
    pub span: Span,
    pub route: LitStr,
}

/// `#[retry(off)]` or `#[retry(attempts = n)]`.
pub enum RetryAttr {
    Off,
    Attempts(u32),
}

/// `#[timeout(total = "5s", attempt = "1s")]`, in milliseconds.
#[derive(Default)]
pub struct TimeoutAttr {
    pub total: Option<u64>,
    pub attempt: Option<u64>,
}

/// `#[envelope(data = "data", error = "error", ok = "ok")]`.
#[derive(Default, Clone)]
pub struct EnvelopeAttr {
    pub data: Option<String>,
    pub error: Option<String>,
    pub ok: Option<String>,
}

/// What a method attribute is.
pub enum MethodAttr {
    Verb(Verb),
    Header(StaticHeader),
    Idempotent(Span),
    /// `#[idempotency_key]` or `#[idempotency_key("Header-Name")]`: a key
    /// per call in that header (lowercase), the endpoint safe to retry.
    IdempotencyKey(Span, String),
    /// With the attribute's tokens, to point at all of it.
    Retry(RetryAttr, proc_macro2::TokenStream),
    Timeout(TimeoutAttr),
    RateLimit(RateLimitAttr),
    /// `#[paginate(…)]`: how the endpoint's pages chain.
    Paginate(Box<PaginateAttr>),
    /// A `#[paginate(…)]` that did not parse (its error is recorded).
    BadPaginate,
    /// `#[stream(…)]`: how an event stream is read.
    Stream(StreamAttr),
    /// `#[error(…)]`: this endpoint's error document, one type or one per
    /// status.
    Error(Box<ErrorDecl>),
    Envelope(EnvelopeAttr),
    /// `#[multipart]`: the body is made of the `#[part]` arguments.
    Multipart(Span),
    /// `#[no_auth]`: this endpoint is sent without the client's credentials.
    NoAuth,
    /// `#[validate]`: the response type must be validated (a compile error
    /// when it cannot be).
    Validate(Span),
    /// Not ours: kept on the emitted trait.
    Other(Box<Attribute>),
}

/// How a `#[query]` argument is written: OpenAPI's `style` and `explode`,
/// as the runtime's `QueryStyle`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum QueryForm {
    /// One pair per value (`form`, exploded: the default).
    Form,
    /// One pair, the values joined by this (already encoded) text.
    Joined(&'static str),
    /// `name[field]=value`.
    DeepObject,
}

/// What a parameter attribute makes of the argument.
pub enum ParamAttr {
    Query {
        key: Option<LitStr>,
        style: QueryForm,
    },
    Header {
        name: String,
    },
    /// `#[cookie("name")]`: a pair in the `Cookie` header.
    Cookie {
        name: String,
    },
    /// `#[body]`, or `#[body(omit_none)]`: `None` fields are left out.
    Body {
        omit_none: bool,
    },
    Form,
    Field {
        name: String,
    },
    Part {
        name: String,
    },
}

/// The single identifier naming an attribute, if it is one.
fn attr_name(attr: &Attribute) -> Option<String> {
    attr.path().get_ident().map(Ident::to_string)
}

/// Edit distance with adjacent transpositions (optimal string alignment),
/// for "did you mean": `bsae` is one edit from `base`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: the distance between the first i chars of a and j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The closest of `candidates` to `name`, if close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = if name.len() <= 4 { 1 } else { 2 };
    candidates
        .iter()
        .map(|c| (distance(&name.to_ascii_lowercase(), c), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

fn suggestion(name: &str, candidates: &[&str]) -> String {
    match did_you_mean(name, candidates) {
        Some(s) => format!(": did you mean `{s}`?"),
        None => format!("; expected one of {}", list(candidates)),
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `#[api(base = "...", client = Name, crate = path)]`.
pub fn parse_api_args(cx: &Ctxt, args: proc_macro2::TokenStream) -> ApiArgs {
    let mut out = ApiArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident(BASE) {
            set_once(cx, &meta, &mut out.base, BASE, meta.value()?.parse()?);
        } else if meta.path.is_ident(CLIENT) {
            set_once(cx, &meta, &mut out.client, CLIENT, meta.value()?.parse()?);
        } else if meta.path.is_ident(BLOCKING) {
            let span = meta.path.span();
            if meta.input.peek(Token![=]) {
                let on: syn::LitBool = meta.value()?.parse()?;
                out.blocking = on.value.then_some(span);
            } else {
                out.blocking = Some(span);
            }
        } else if meta.path.is_ident(ERROR) {
            set_once(cx, &meta, &mut out.error, ERROR, meta.value()?.parse()?);
        } else if meta.path.is_ident(CRATE) {
            let value = meta.value()?;
            let path = if value.peek(LitStr) {
                value.parse::<LitStr>()?.parse()?
            } else {
                Path::parse_mod_style(value)?
            };
            set_once(cx, &meta, &mut out.krate, CRATE, path);
        } else {
            unknown_argument(cx, &meta, "api", &[BASE, CLIENT, CRATE, ERROR, BLOCKING])?;
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
    }
    out
}

/// Reports an unknown argument of `#[attribute(…)]` (with a "did you mean"
/// among `known`) and skips its value, so the next arguments are read.
fn unknown_argument(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    attribute: &str,
    known: &[&str],
) -> syn::Result<()> {
    let name = meta
        .path
        .get_ident()
        .map(Ident::to_string)
        .unwrap_or_default();
    cx.error_spanned_by(
        &meta.path,
        format!(
            "unknown argument `{name}` of `#[{attribute}]`{}",
            suggestion(&name, known)
        ),
    );
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    }
    Ok(())
}

fn set_once<T>(cx: &Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut Option<T>, name: &str, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("`{name}` is given twice"));
    } else {
        *slot = Some(value);
    }
}

#[cfg(test)]
mod tests {
    use super::method::parse_duration_ms;
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("gett", &VERBS), Some("get"));
        assert_eq!(did_you_mean("Post", &VERBS), Some("post"));
        assert_eq!(did_you_mean("delet", &VERBS), Some("delete"));
        assert_eq!(did_you_mean("renme", &[RENAME]), Some("rename"));
        assert_eq!(did_you_mean("bsae", &[BASE, CLIENT]), Some("base"));
        assert_eq!(did_you_mean("test", &VERBS), None);
        assert_eq!(did_you_mean("serde", &[QUERY, HEADER, BODY]), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("5s"), Some(5_000));
        assert_eq!(parse_duration_ms("2m"), Some(120_000));
        for bad in ["5", "s", "1.5s", "-1s", "5 hours", ""] {
            assert_eq!(parse_duration_ms(bad), None, "{bad}");
        }
    }
}

//! Attribute parsing: `#[api(...)]` arguments, method attributes (verbs,
//! static headers) and parameter attributes (`#[query]`, `#[header]`,
//! `#[body]`). Names are constants; a near miss gets a "did you mean".

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Meta, Path, Token};

use crate::ctxt::Ctxt;

pub const BASE: &str = "base";
pub const ERROR: &str = "error";
pub const BLOCKING: &str = "blocking";
pub const CLIENT: &str = "client";
pub const CRATE: &str = "crate";
pub const HEADER: &str = "header";
pub const QUERY: &str = "query";
pub const BODY: &str = "body";
pub const FORM: &str = "form";
pub const FIELD: &str = "field";
pub const PART: &str = "part";
pub const MULTIPART: &str = "multipart";
pub const NO_AUTH: &str = "no_auth";
pub const VALIDATE: &str = "validate";
pub const OMIT_NONE: &str = "omit_none";
pub const RENAME: &str = "rename";
pub const IDEMPOTENT: &str = "idempotent";
pub const RETRY: &str = "retry";
pub const TIMEOUT: &str = "timeout";
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
    /// With the attribute's tokens, to point at all of it.
    Retry(RetryAttr, proc_macro2::TokenStream),
    Timeout(TimeoutAttr),
    /// `#[error(Type)]`: this endpoint's error document.
    Error(Box<syn::Type>),
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

/// What a parameter attribute makes of the argument.
pub enum ParamAttr {
    Query {
        key: Option<LitStr>,
    },
    Header {
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

/// Classifies an attribute on a trait method.
pub fn parse_method_attr(cx: &Ctxt, attr: &Attribute) -> Option<MethodAttr> {
    let Some(name) = attr_name(attr) else {
        return Some(MethodAttr::Other(Box::new(attr.clone())));
    };
    if let Some(verb) = VERBS.iter().find(|v| **v == name) {
        return parse_verb(cx, attr, verb).map(MethodAttr::Verb);
    }
    match name.as_str() {
        HEADER => return parse_static_header(cx, attr).map(MethodAttr::Header),
        IDEMPOTENT => {
            if !matches!(attr.meta, Meta::Path(_)) {
                cx.error_spanned_by(attr, "`#[idempotent]` takes no arguments");
                return None;
            }
            return Some(MethodAttr::Idempotent(attr.path().span()));
        }
        RETRY => {
            return parse_retry(cx, attr)
                .map(|r| MethodAttr::Retry(r, quote::ToTokens::to_token_stream(attr)));
        }
        TIMEOUT => return parse_timeout(cx, attr).map(MethodAttr::Timeout),
        ENVELOPE => return parse_envelope(cx, attr).map(MethodAttr::Envelope),
        NO_AUTH => {
            if !matches!(attr.meta, Meta::Path(_)) {
                cx.error_spanned_by(attr, "`#[no_auth]` takes no arguments");
                return None;
            }
            return Some(MethodAttr::NoAuth);
        }
        VALIDATE => {
            if !matches!(attr.meta, Meta::Path(_)) {
                cx.error_spanned_by(
                    attr,
                    "`#[validate]` takes no arguments: the rules are on the response type (`#[derive(garde::Validate)]`)",
                );
                return None;
            }
            return Some(MethodAttr::Validate(attr.path().span()));
        }
        MULTIPART => {
            if !matches!(attr.meta, Meta::Path(_)) {
                cx.error_spanned_by(attr, "`#[multipart]` takes no arguments: the parts are the `#[part(\"name\")]` arguments");
                return None;
            }
            return Some(MethodAttr::Multipart(attr.path().span()));
        }
        ERROR => {
            return match attr.parse_args::<syn::Type>() {
                Ok(ty) => Some(MethodAttr::Error(Box::new(ty))),
                Err(_) => {
                    cx.error_spanned_by(
                        attr,
                        "write `#[error(ErrorType)]` with the type of the API's error document",
                    );
                    None
                }
            };
        }
        _ => {}
    }
    let ours: Vec<&str> = VERBS
        .iter()
        .copied()
        .chain([
            HEADER, IDEMPOTENT, RETRY, TIMEOUT, ERROR, ENVELOPE, MULTIPART,
        ])
        .collect();
    if !BUILTIN.contains(&name.as_str()) {
        if let Some(close) = did_you_mean(&name, &ours) {
            cx.error_spanned_by(
                attr.path(),
                format!("unknown attribute `#[{name}]`: did you mean `#[{close}]`?"),
            );
            return None;
        }
    }
    Some(MethodAttr::Other(Box::new(attr.clone())))
}

fn parse_verb(cx: &Ctxt, attr: &Attribute, verb: &'static str) -> Option<Verb> {
    let route = match &attr.meta {
        Meta::List(list) => match list.parse_args::<LitStr>() {
            Ok(route) => route,
            Err(_) => {
                cx.error_spanned_by(
                    &list.tokens,
                    format!("`#[{verb}]` takes one route string: `#[{verb}(\"/path/<id>\")]`"),
                );
                return None;
            }
        },
        _ => {
            cx.error_spanned_by(
                attr,
                format!("`#[{verb}]` needs a route: `#[{verb}(\"/path/<id>\")]`"),
            );
            return None;
        }
    };
    Some(Verb {
        name: verb,
        span: attr.path().span(),
        route,
    })
}

fn parse_retry(cx: &Ctxt, attr: &Attribute) -> Option<RetryAttr> {
    let usage = "write `#[retry(off)]` or `#[retry(attempts = 5)]`";
    if !matches!(attr.meta, Meta::List(_)) {
        cx.error_spanned_by(attr, usage);
        return None;
    }
    let (out, clean) = cx.scope(|cx| {
        let mut out = None;
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(OFF) {
                out = Some(RetryAttr::Off);
            } else if meta.path.is_ident(ATTEMPTS) {
                let lit: syn::LitInt = meta.value()?.parse()?;
                match lit.base10_parse::<u32>() {
                Ok(n) if n >= 1 => out = Some(RetryAttr::Attempts(n)),
                _ => cx.error_spanned_by(
                    &lit,
                    "`attempts` counts every attempt, the first included: a whole number from 1",
                ),
            }
            } else {
                unknown_argument(cx, &meta, "retry", &[OFF, ATTEMPTS])?;
            }
            Ok(())
        });
        match result {
            Ok(()) => out,
            Err(e) => {
                cx.syn_error(e);
                None
            }
        }
    });
    if out.is_none() && clean {
        cx.error_spanned_by(attr, usage);
    }
    out
}

fn parse_timeout(cx: &Ctxt, attr: &Attribute) -> Option<TimeoutAttr> {
    let usage = "write `#[timeout(total = \"5s\")]` and/or `attempt = \"1s\"` (units: ms, s, m)";
    if !matches!(attr.meta, Meta::List(_)) {
        cx.error_spanned_by(attr, usage);
        return None;
    }
    let (out, clean) = cx.scope(|cx| {
        let mut out = TimeoutAttr::default();
        let result = attr.parse_nested_meta(|meta| {
        let slot = if meta.path.is_ident(TOTAL) {
            &mut out.total
        } else if meta.path.is_ident(ATTEMPT) {
            &mut out.attempt
        } else {
            unknown_argument(cx, &meta, "timeout", &[TOTAL, ATTEMPT])?;
            return Ok(());
        };
        let lit: LitStr = meta.value()?.parse()?;
        match parse_duration_ms(&lit.value()) {
            Some(ms) if ms > 0 => *slot = Some(ms),
            _ => cx.error_spanned_by(
                &lit,
                format!("`{}` is not a duration: write a whole number with a unit, e.g. \"500ms\", \"5s\", \"2m\"", lit.value()),
            ),
        }
        Ok(())
        });
        result.map(|()| out).map_err(|e| cx.syn_error(e)).ok()
    });
    let out = out?;
    if out.total.is_none() && out.attempt.is_none() {
        if clean {
            cx.error_spanned_by(attr, usage);
        }
        return None;
    }
    Some(out)
}

/// Parses `#[envelope(data = "…", error = "…", ok = "…")]`.
pub fn parse_envelope(cx: &Ctxt, attr: &Attribute) -> Option<EnvelopeAttr> {
    let usage = "write `#[envelope(data = \"data\")]`, with `error = \"error\"` and/or `ok = \"ok\"` to recognise an error envelope";
    if !matches!(attr.meta, Meta::List(_)) {
        cx.error_spanned_by(attr, usage);
        return None;
    }
    let (out, clean) = cx.scope(|cx| {
        let mut out = EnvelopeAttr::default();
        let result = attr.parse_nested_meta(|meta| {
            let slot = if meta.path.is_ident(DATA) {
                &mut out.data
            } else if meta.path.is_ident(ERROR) {
                &mut out.error
            } else if meta.path.is_ident(OK) {
                &mut out.ok
            } else {
                unknown_argument(cx, &meta, "envelope", &[DATA, ERROR, OK])?;
                return Ok(());
            };
            let lit: LitStr = meta.value()?.parse()?;
            if lit.value().is_empty() {
                cx.error_spanned_by(&lit, "an envelope field name cannot be empty");
            }
            *slot = Some(lit.value());
            Ok(())
        });
        result.map(|()| out).map_err(|e| cx.syn_error(e)).ok()
    });
    let out = out?;
    if out.data.is_none() && out.error.is_none() && out.ok.is_none() {
        if clean {
            cx.error_spanned_by(attr, usage);
        }
        return None;
    }
    Some(out)
}

/// `"500ms"`, `"5s"`, `"2m"` in milliseconds.
pub fn parse_duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(digits);
    let n: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// Parses `#[header("Name", "value")]` on a trait or method.
pub fn parse_static_header(cx: &Ctxt, attr: &Attribute) -> Option<StaticHeader> {
    let usage = "a fixed header is written `#[header(\"Name\", \"value\")]`";
    let Meta::List(list) = &attr.meta else {
        cx.error_spanned_by(attr, usage);
        return None;
    };
    let parsed = list.parse_args_with(|input: syn::parse::ParseStream<'_>| {
        let name: LitStr = input.parse()?;
        input.parse::<Token![,]>()?;
        let value: LitStr = input.parse()?;
        input.parse::<Option<Token![,]>>()?;
        Ok((name, value))
    });
    let Ok((name, value)) = parsed else {
        cx.error_spanned_by(&list.tokens, usage);
        return None;
    };
    let name_ok = check_header_name(cx, &name);
    let text = value.value();
    if let Some(bad) = text
        .chars()
        .find(|&c| !(c == '\t' || (' '..='~').contains(&c)))
    {
        cx.error_spanned_by(
            &value,
            format!(
                "header value holds `{}`: a fixed header value must be visible ASCII (no CR, LF or other control characters)",
                bad.escape_default()
            ),
        );
        return None;
    }
    Some(StaticHeader {
        name: name_ok?,
        value: text,
    })
}

/// Checks a header name literal; returns it lowercased.
pub fn check_header_name(cx: &Ctxt, name: &LitStr) -> Option<String> {
    let text = name.value();
    let valid = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        cx.error_spanned_by(
            name,
            format!(
                "`{}` is not a valid header name: use letters, digits and `-`",
                text.escape_default()
            ),
        );
        return None;
    }
    Some(text.to_ascii_lowercase())
}

/// Classifies an attribute on a parameter: ours, passed through (`None`
/// with no error), or an error.
pub fn parse_param_attr(cx: &Ctxt, attr: &Attribute) -> Result<Option<ParamAttr>, ()> {
    let name = attr_name(attr).unwrap_or_default();
    match name.as_str() {
        QUERY => parse_query(cx, attr).map(Some).ok_or(()),
        HEADER => parse_header_param(cx, attr).map(Some).ok_or(()),
        BODY | FORM => match &attr.meta {
            Meta::Path(_) if name == BODY => Ok(Some(ParamAttr::Body { omit_none: false })),
            Meta::Path(_) => Ok(Some(ParamAttr::Form)),
            Meta::List(list) if name == BODY => match list.parse_args::<Ident>() {
                Ok(arg) if arg == OMIT_NONE => Ok(Some(ParamAttr::Body { omit_none: true })),
                _ => {
                    cx.error_spanned_by(
                        &list.tokens,
                        "`#[body]` takes no argument but `omit_none`: `#[body(omit_none)]` leaves the fields that are `None` out of the JSON (send an explicit `null` with `Some(None)` in an `Option<Option<T>>` field)",
                    );
                    Err(())
                }
            },
            _ => {
                cx.error_spanned_by(attr, format!("`#[{name}]` takes no arguments"));
                Err(())
            }
        },
        FIELD | PART => {
            let usage = format!("write `#[{name}(\"name\")]` with the name the server expects");
            let Meta::List(list) = &attr.meta else {
                cx.error_spanned_by(attr, usage);
                return Err(());
            };
            match list.parse_args::<LitStr>() {
                Ok(lit) if !lit.value().is_empty() => Ok(Some(if name == FIELD {
                    ParamAttr::Field { name: lit.value() }
                } else {
                    ParamAttr::Part { name: lit.value() }
                })),
                _ => {
                    cx.error_spanned_by(&list.tokens, usage);
                    Err(())
                }
            }
        }
        n if BUILTIN.contains(&n) => Ok(None),
        _ => {
            cx.error_spanned_by(
                attr.path(),
                format!(
                    "unknown parameter attribute `#[{name}]`{}",
                    suggestion(&name, &[QUERY, HEADER, BODY])
                ),
            );
            Err(())
        }
    }
}

fn parse_query(cx: &Ctxt, attr: &Attribute) -> Option<ParamAttr> {
    if let Meta::Path(_) = attr.meta {
        return Some(ParamAttr::Query { key: None });
    }
    let mut key = None;
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident(RENAME) {
            let lit: LitStr = meta.value()?.parse()?;
            if lit.value().is_empty() {
                cx.error_spanned_by(&lit, "a query key cannot be empty");
            }
            key = Some(lit);
        } else {
            unknown_argument(cx, &meta, "query", &[RENAME])?;
        }
        Ok(())
    });
    if let Err(e) = result {
        cx.syn_error(e);
        return None;
    }
    Some(ParamAttr::Query { key })
}

fn parse_header_param(cx: &Ctxt, attr: &Attribute) -> Option<ParamAttr> {
    let usage = "a header argument is written `#[header(\"Name\")] value: T`";
    let Meta::List(list) = &attr.meta else {
        cx.error_spanned_by(attr, usage);
        return None;
    };
    let Ok(name) = list.parse_args::<LitStr>() else {
        cx.error_spanned_by(&list.tokens, usage);
        return None;
    };
    check_header_name(cx, &name).map(|name| ParamAttr::Header { name })
}

#[cfg(test)]
mod tests {
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

//! Method attributes: the verb and route, `#[header]`, `#[idempotent]`,
//! `#[retry]`, `#[timeout]`, `#[envelope]`, `#[error]` and the flags.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Meta};

use super::*;
use crate::ctxt::Ctxt;

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
            return flag(cx, attr, "`#[idempotent]` takes no arguments")
                .map(MethodAttr::Idempotent);
        }
        IDEMPOTENCY_KEY => return parse_idempotency_key(cx, attr),
        RETRY => {
            return parse_retry(cx, attr)
                .map(|r| MethodAttr::Retry(r, quote::ToTokens::to_token_stream(attr)));
        }
        TIMEOUT => return parse_timeout(cx, attr).map(MethodAttr::Timeout),
        RATE_LIMIT => return parse_rate_limit(cx, attr).map(MethodAttr::RateLimit),
        PAGINATE => {
            return Some(
                parse_paginate(cx, attr).map_or(MethodAttr::BadPaginate, |p| {
                    MethodAttr::Paginate(Box::new(p))
                }),
            );
        }
        ENVELOPE => return parse_envelope(cx, attr).map(MethodAttr::Envelope),
        STREAM => return parse_stream(cx, attr).map(MethodAttr::Stream),
        NO_AUTH => {
            return flag(cx, attr, "`#[no_auth]` takes no arguments").map(|_| MethodAttr::NoAuth);
        }
        VALIDATE => {
            let message = "`#[validate]` takes no arguments: the rules are on the response type (`#[derive(garde::Validate)]`)";
            return flag(cx, attr, message).map(MethodAttr::Validate);
        }
        MULTIPART => {
            let message = "`#[multipart]` takes no arguments: the parts are the `#[part(\"name\")]` arguments";
            return flag(cx, attr, message).map(MethodAttr::Multipart);
        }
        ERROR => return parse_error_attr(cx, attr).map(|e| MethodAttr::Error(Box::new(e))),
        _ => {}
    }
    not_ours(cx, attr, &name)
}

/// An attribute that is not ours: kept, unless its name is a near miss of
/// one of ours ("did you mean").
fn not_ours(cx: &Ctxt, attr: &Attribute, name: &str) -> Option<MethodAttr> {
    let ours: Vec<&str> = VERBS
        .iter()
        .copied()
        .chain([
            HEADER,
            IDEMPOTENT,
            RETRY,
            TIMEOUT,
            RATE_LIMIT,
            ERROR,
            ENVELOPE,
            MULTIPART,
            PAGINATE,
            STREAM,
            IDEMPOTENCY_KEY,
        ])
        .collect();
    if !BUILTIN.contains(&name) {
        if let Some(close) = did_you_mean(name, &ours) {
            cx.error_spanned_by(
                attr.path(),
                format!("unknown attribute `#[{name}]`: did you mean `#[{close}]`?"),
            );
            return None;
        }
    }
    Some(MethodAttr::Other(Box::new(attr.clone())))
}

/// `#[idempotency_key]` (the `Idempotency-Key` header) or
/// `#[idempotency_key("X-Request-Key")]`.
fn parse_idempotency_key(cx: &Ctxt, attr: &Attribute) -> Option<MethodAttr> {
    let span = attr.path().span();
    let name = match &attr.meta {
        Meta::Path(_) => return Some(MethodAttr::IdempotencyKey(span, "idempotency-key".into())),
        Meta::List(list) => list.parse_args::<LitStr>().ok(),
        Meta::NameValue(_) => None,
    };
    let usage = "write `#[idempotency_key]` (the `Idempotency-Key` header) or `#[idempotency_key(\"X-Header-Name\")]`";
    let Some(name) = name else {
        cx.error_spanned_by(attr, usage);
        return None;
    };
    let text = name.value();
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if text.is_empty() || !text.bytes().all(token) {
        cx.error_spanned_by(&name, format!("`{text}` is not a header name: {usage}"));
        return None;
    }
    Some(MethodAttr::IdempotencyKey(span, text.to_ascii_lowercase()))
}

/// A flag attribute (`#[idempotent]`): its span, or `message` when it was
/// given arguments.
fn flag(cx: &Ctxt, attr: &Attribute, message: &str) -> Option<Span> {
    if matches!(attr.meta, Meta::Path(_)) {
        Some(attr.path().span())
    } else {
        cx.error_spanned_by(attr, message);
        None
    }
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

//! `#[rate_limit(10 per second, burst = 5)]`, on the trait (the client's
//! limit) or on a method (that endpoint's own).

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitInt, Meta, Token};

use super::{BURST, did_you_mean};
use crate::ctxt::Ctxt;

/// The periods a rate can be declared over.
pub const UNITS: [&str; 3] = ["second", "minute", "hour"];

/// A declared rate limit, checked: `calls` and `burst` at least 1.
pub struct RateLimitAttr {
    pub calls: u32,
    /// One of [`UNITS`].
    pub unit: &'static str,
    pub burst: u32,
    /// The attribute, to point at.
    pub span: Span,
}

const USAGE: &str = "write `#[rate_limit(10 per second)]` (or `per minute`, `per hour`), with `, burst = 5` to allow bursts";

/// The tokens inside the parentheses, before their values are checked.
struct Raw {
    calls: LitInt,
    unit: Ident,
    burst: Option<LitInt>,
}

impl Parse for Raw {
    fn parse(input: ParseStream<'_>) -> syn::Result<Raw> {
        let calls: LitInt = input.parse()?;
        let per: Ident = input.parse()?;
        if per != "per" {
            return Err(syn::Error::new(
                per.span(),
                format!("expected `per`: {USAGE}"),
            ));
        }
        let unit: Ident = input.parse()?;
        let mut burst = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: Ident = input.parse()?;
            if key != BURST {
                let hint = did_you_mean(&key.to_string(), &[BURST])
                    .map_or(String::new(), |b| format!(": did you mean `{b}`?"));
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown argument `{key}` of `#[rate_limit]`{hint}"),
                ));
            }
            input.parse::<Token![=]>()?;
            burst = Some(input.parse()?);
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error(USAGE));
        }
        Ok(Raw { calls, unit, burst })
    }
}

/// Parses and checks `#[rate_limit(…)]`.
pub fn parse_rate_limit(cx: &Ctxt, attr: &Attribute) -> Option<RateLimitAttr> {
    let Meta::List(list) = &attr.meta else {
        cx.error_spanned_by(attr, USAGE);
        return None;
    };
    if list.tokens.is_empty() {
        cx.error_spanned_by(attr, USAGE);
        return None;
    }
    let raw: Raw = match syn::parse2::<Raw>(list.tokens.clone()) {
        Ok(raw) => raw,
        Err(e) => {
            cx.syn_error(e);
            return None;
        }
    };
    let calls = at_least_one(cx, &raw.calls, "the number of calls");
    let unit = unit(cx, &raw.unit);
    let burst = match &raw.burst {
        Some(lit) => at_least_one(cx, lit, "`burst`"),
        None => Some(1),
    };
    Some(RateLimitAttr {
        calls: calls?,
        unit: unit?,
        burst: burst?,
        span: attr.path().span(),
    })
}

fn at_least_one(cx: &Ctxt, lit: &LitInt, what: &str) -> Option<u32> {
    match lit.base10_parse::<u32>() {
        Ok(n) if n >= 1 => Some(n),
        _ => {
            cx.error_spanned_by(
                lit,
                format!("{what} must be a whole number from 1 to {}", u32::MAX),
            );
            None
        }
    }
}

fn unit(cx: &Ctxt, ident: &Ident) -> Option<&'static str> {
    let name = ident.to_string();
    let singular = name.strip_suffix('s').unwrap_or(&name);
    if let Some(unit) = UNITS.iter().find(|u| **u == singular) {
        return Some(unit);
    }
    let hint = did_you_mean(&name, &UNITS).map_or_else(
        || "; expected `second`, `minute` or `hour`".to_owned(),
        |u| format!(": did you mean `{u}`?"),
    );
    cx.error_spanned_by(ident, format!("unknown period `{name}`{hint}"));
    None
}

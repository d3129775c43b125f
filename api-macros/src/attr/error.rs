//! `#[error(…)]` on a method: the type of the API's error document, one for
//! every status (`#[error(ApiError)]`) or one per status
//! (`#[error(404 | 410 => NotFound, 400..=499 => ClientError, _ => ApiError)]`).

use syn::parse::{Parse, ParseStream};
use syn::{Attribute, LitInt, Token, Type};

use crate::ctxt::Ctxt;

/// The declared error document of an endpoint.
pub enum ErrorDecl {
    /// One type for every error status.
    One(Type),
    /// A type per status, tried in order; a status no arm matches keeps only
    /// the raw body.
    ByStatus(Vec<StatusArm>),
}

/// `404 | 410 => NotFound`.
pub struct StatusArm {
    pub patterns: Vec<StatusPattern>,
    pub ty: Type,
}

/// One status pattern of an arm.
pub enum StatusPattern {
    /// `404`.
    Code(LitInt, u16),
    /// `400..=499`.
    Range(LitInt, LitInt, u16, u16),
    /// `_`: every other status.
    Any(Token![_]),
}

impl StatusPattern {
    /// The statuses it matches.
    fn codes(&self) -> std::ops::RangeInclusive<u16> {
        match self {
            StatusPattern::Code(_, code) => *code..=*code,
            StatusPattern::Range(_, _, lo, hi) => *lo..=*hi,
            StatusPattern::Any(_) => FIRST..=LAST,
        }
    }
}

const FIRST: u16 = 100;
const LAST: u16 = 599;
const USAGE: &str = concat!(
    "write `#[error(ErrorType)]` with the type of the API's error document, ",
    "or a type per status: `#[error(404 => NotFound, 400..=499 => ClientError, _ => ApiError)]`"
);

/// Parses `#[error(…)]`; every misuse is an error at its token.
pub fn parse_error_attr(cx: &Ctxt, attr: &Attribute) -> Option<ErrorDecl> {
    let parsed = attr.parse_args_with(|input: ParseStream| {
        if input.peek(LitInt) || input.peek(Token![_]) {
            let arms = input.parse_terminated(StatusArm::parse, Token![,])?;
            Ok(ErrorDecl::ByStatus(arms.into_iter().collect()))
        } else {
            Ok(ErrorDecl::One(input.parse()?))
        }
    });
    match parsed {
        Ok(ErrorDecl::ByStatus(arms)) if arms.is_empty() => {
            cx.error_spanned_by(attr, USAGE);
            None
        }
        Ok(ErrorDecl::ByStatus(arms)) => check_arms(cx, &arms).then_some(ErrorDecl::ByStatus(arms)),
        Ok(one) => Some(one),
        Err(_) if !matches!(attr.meta, syn::Meta::List(_)) => {
            cx.error_spanned_by(attr, USAGE);
            None
        }
        Err(e) if e.to_string().starts_with("expected") => {
            cx.error_at(e.span(), format!("{e}: {USAGE}"));
            None
        }
        Err(e) => {
            cx.syn_error(e);
            None
        }
    }
}

/// Every pattern can match: none is wholly covered by the arms before it.
fn check_arms(cx: &Ctxt, arms: &[StatusArm]) -> bool {
    let mut covered = [false; (LAST - FIRST + 1) as usize];
    let mut ok = true;
    for pattern in arms.iter().flat_map(|a| &a.patterns) {
        let slots = pattern.codes().map(|c| usize::from(c - FIRST));
        if slots.clone().all(|i| covered[i]) {
            let what = match pattern {
                StatusPattern::Any(_) => "`_` matches no status: the arms before it cover them all",
                _ => "an earlier arm already matches this status: put the narrower one first",
            };
            cx.error_spanned_by(pattern.tokens(), what);
            ok = false;
        }
        slots.for_each(|i| covered[i] = true);
    }
    ok
}

impl StatusPattern {
    /// The pattern as written: `404`, `400..=499`, `_`.
    pub fn tokens(&self) -> proc_macro2::TokenStream {
        match self {
            StatusPattern::Code(lit, _) => quote::quote!(#lit),
            StatusPattern::Range(lo, hi, _, _) => quote::quote!(#lo..=#hi),
            StatusPattern::Any(underscore) => quote::quote!(#underscore),
        }
    }
}

impl Parse for StatusArm {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut patterns = vec![input.parse()?];
        while input.peek(Token![|]) {
            input.parse::<Token![|]>()?;
            patterns.push(input.parse()?);
        }
        input.parse::<Token![=>]>()?;
        Ok(StatusArm {
            patterns,
            ty: input.parse()?,
        })
    }
}

impl Parse for StatusPattern {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![_]) {
            return Ok(StatusPattern::Any(input.parse()?));
        }
        let lo: LitInt = input.parse()?;
        let low = status(&lo)?;
        if !input.peek(Token![..=]) {
            return Ok(StatusPattern::Code(lo, low));
        }
        input.parse::<Token![..=]>()?;
        let hi: LitInt = input.parse()?;
        let high = status(&hi)?;
        if high < low {
            let message =
                format!("the range {low}..={high} is empty: write the lower status first");
            return Err(syn::Error::new_spanned(quote::quote!(#lo..=#hi), message));
        }
        Ok(StatusPattern::Range(lo, hi, low, high))
    }
}

/// An HTTP status, 100 to 599, written without a suffix.
fn status(lit: &LitInt) -> syn::Result<u16> {
    let code = lit
        .base10_parse::<u16>()
        .ok()
        .filter(|c| (FIRST..=LAST).contains(c));
    match code {
        Some(code) if lit.suffix().is_empty() => Ok(code),
        _ => Err(syn::Error::new(
            lit.span(),
            format!("`{lit}` is not an HTTP status: write a number from {FIRST} to {LAST}"),
        )),
    }
}

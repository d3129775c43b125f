//! `#[paginate(…)]` on a method: how its pages chain.
//!
//! - `link`: the `Link: <…>; rel="next"` header;
//! - `cursor = arg, next = field.path` (a cursor in the page) or
//!   `cursor = arg, next_from_last = field` (a field of the last item, as
//!   Stripe's `starting_after`);
//! - `page = arg` (page numbers) or `offset = arg` (item offsets), which
//!   end on an empty page, `has_more = field` or `total = field` /
//!   `total = "X-Total-Count"`;
//! - `items = field.path`: where the items are in the page (the whole
//!   body when absent);
//! - `allow_non_get`: the endpoint is not a GET, and walking it is safe.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Meta, Token};

use super::did_you_mean;
use crate::ctxt::Ctxt;

const KEYS: [&str; 10] = [
    "link",
    "cursor",
    "page",
    "offset",
    "next",
    "next_from_last",
    "items",
    "has_more",
    "total",
    "allow_non_get",
];

const USAGE: &str = "write `#[paginate(link)]`, `#[paginate(cursor = arg, next = field)]`, `#[paginate(cursor = arg, next_from_last = field)]`, `#[paginate(page = arg)]` or `#[paginate(offset = arg)]`, with `items = field` when the items are a field of the page";

/// A field path of the page or of an item: `response_metadata.next_cursor`.
pub struct FieldPath(pub Vec<Ident>);

/// How the next page is asked for.
pub enum Scheme {
    Link(Span),
    /// The argument that carries the cursor.
    Cursor(Ident),
    Page(Ident),
    Offset(Ident),
}

/// Where a cursor walk finds the next cursor.
pub enum NextCursor {
    /// A field of the page.
    Field(FieldPath),
    /// A field of the page's last item.
    LastItem(FieldPath),
}

/// Where the total number of items is.
pub enum Total {
    Field(FieldPath),
    Header(LitStr),
}

/// A parsed `#[paginate(…)]`, its keys checked against each other.
pub struct PaginateAttr {
    pub scheme: Scheme,
    pub next: Option<NextCursor>,
    /// `items = path`, with the key's span.
    pub items: Option<(Span, FieldPath)>,
    pub has_more: Option<FieldPath>,
    pub total: Option<Total>,
    pub allow_non_get: bool,
    /// The attribute's name, to point at.
    pub span: Span,
}

enum Value {
    None,
    Path(FieldPath),
    Str(LitStr),
}

struct Entry {
    key: Ident,
    value: Value,
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Entry> {
        let key = Ident::parse_any(input)?;
        if input.parse::<Option<Token![=]>>()?.is_none() {
            return Ok(Entry {
                key,
                value: Value::None,
            });
        }
        let value = if input.peek(LitStr) {
            Value::Str(input.parse()?)
        } else {
            let path = Punctuated::<Ident, Token![.]>::parse_separated_nonempty_with(
                input,
                Ident::parse_any,
            )?;
            Value::Path(FieldPath(path.into_iter().collect()))
        };
        Ok(Entry { key, value })
    }
}

/// Parses and checks `#[paginate(…)]`.
pub fn parse_paginate(cx: &Ctxt, attr: &Attribute) -> Option<PaginateAttr> {
    let Meta::List(list) = &attr.meta else {
        cx.error_spanned_by(attr, USAGE);
        return None;
    };
    let entries = match list.parse_args_with(Punctuated::<Entry, Token![,]>::parse_terminated) {
        Ok(entries) => entries,
        Err(e) => {
            cx.syn_error(e);
            return None;
        }
    };
    let (parsed, clean) = cx.scope(|cx| read(cx, entries, attr.path().span()));
    parsed.filter(|_| clean)
}

/// What the keys of a `#[paginate(…)]` said, as they are read.
#[derive(Default)]
struct Keys {
    schemes: Vec<Scheme>,
    next: Option<(Ident, NextCursor)>,
    items: Option<(Span, FieldPath)>,
    has_more: Option<(Ident, FieldPath)>,
    total: Option<(Ident, Total)>,
    allow_non_get: bool,
}

impl Keys {
    /// Takes one key's value, of the kind it takes.
    fn take(&mut self, cx: &Ctxt, key: Ident, name: &str, value: Value) {
        match (name, value) {
            ("link", Value::None) => self.schemes.push(Scheme::Link(key.span())),
            ("allow_non_get", Value::None) => self.allow_non_get = true,
            ("cursor" | "page" | "offset", Value::Path(path)) => match argument(cx, &key, path) {
                Some(arg) if name == "cursor" => self.schemes.push(Scheme::Cursor(arg)),
                Some(arg) if name == "page" => self.schemes.push(Scheme::Page(arg)),
                Some(arg) => self.schemes.push(Scheme::Offset(arg)),
                None => {}
            },
            ("next", Value::Path(path)) => self.next = Some((key, NextCursor::Field(path))),
            ("next_from_last", Value::Path(path)) => {
                self.next = Some((key, NextCursor::LastItem(path)));
            }
            ("items", Value::Path(path)) => self.items = Some((key.span(), path)),
            ("has_more", Value::Path(path)) => self.has_more = Some((key, path)),
            ("total", Value::Path(path)) => self.total = Some((key, Total::Field(path))),
            ("total", Value::Str(header)) if http_header_name(&header.value()) => {
                self.total = Some((key, Total::Header(header)));
            }
            ("total", Value::Str(header)) => {
                cx.error_spanned_by(&header, "not a valid header name")
            }
            (known, _) if KEYS.contains(&known) => cx.error_spanned_by(&key, usage_of(known)),
            (unknown, _) => {
                let hint = did_you_mean(unknown, &KEYS)
                    .map_or(String::new(), |k| format!(": did you mean `{k}`?"));
                cx.error_spanned_by(
                    &key,
                    format!("unknown argument `{unknown}` of `#[paginate]`{hint}"),
                );
            }
        }
    }
}

/// Every key's value, then the one scheme and the keys it allows.
fn read(cx: &Ctxt, entries: Punctuated<Entry, Token![,]>, span: Span) -> Option<PaginateAttr> {
    let mut keys = Keys::default();
    let mut seen: Vec<String> = Vec::new();
    for Entry { key, value } in entries {
        let name = key.to_string();
        if seen.contains(&name) {
            cx.error_spanned_by(&key, format!("`{name}` is given twice"));
            continue;
        }
        seen.push(name.clone());
        keys.take(cx, key, &name, value);
    }
    let Keys {
        schemes,
        next,
        items,
        has_more,
        total,
        allow_non_get,
    } = keys;
    let scheme = one_scheme(cx, schemes, span)?;
    check_keys(
        cx,
        &scheme,
        next.as_ref(),
        has_more.as_ref(),
        total.as_ref(),
    );
    Some(PaginateAttr {
        scheme,
        next: next.map(|(_, n)| n),
        items,
        has_more: has_more.map(|(_, p)| p),
        total: total.map(|(_, t)| t),
        allow_non_get,
        span,
    })
}

fn usage_of(key: &str) -> String {
    match key {
        "link" | "allow_non_get" => format!("`{key}` takes no value"),
        "cursor" | "page" | "offset" => {
            format!("write `{key} = argument`, naming the `#[query]` argument that carries it")
        }
        "total" => "write `total = field` (a field of the page) or `total = \"X-Total-Count\"` (a response header)".to_owned(),
        _ => format!("write `{key} = field` (a field path such as `meta.{key}`)"),
    }
}

/// The argument a scheme names: one identifier.
fn argument(cx: &Ctxt, key: &Ident, path: FieldPath) -> Option<Ident> {
    let mut idents = path.0;
    if idents.len() == 1 {
        return idents.pop();
    }
    cx.error_spanned_by(
        key,
        format!("`{key}` names one argument of the method (a `#[query]` argument)"),
    );
    None
}

fn one_scheme(cx: &Ctxt, mut schemes: Vec<Scheme>, span: Span) -> Option<Scheme> {
    if schemes.len() > 1 {
        let second = match &schemes[1] {
            Scheme::Link(span) => *span,
            Scheme::Cursor(i) | Scheme::Page(i) | Scheme::Offset(i) => i.span(),
        };
        cx.error_at(
            second,
            "an endpoint's pages chain one way: `link`, `cursor`, `page` or `offset`, not several",
        );
        return None;
    }
    let scheme = schemes.pop();
    if scheme.is_none() {
        cx.error_at(span, format!("how do the pages chain? {USAGE}"));
    }
    scheme
}

fn check_keys(
    cx: &Ctxt,
    scheme: &Scheme,
    next: Option<&(Ident, NextCursor)>,
    has_more: Option<&(Ident, FieldPath)>,
    total: Option<&(Ident, Total)>,
) {
    match (scheme, next) {
        (Scheme::Cursor(arg), None) => cx.error_spanned_by(
            arg,
            "where is the next cursor? add `next = field` (a field of the page, e.g. `response_metadata.next_cursor`) or `next_from_last = field` (a field of the last item, e.g. `id`)",
        ),
        (Scheme::Cursor(_), Some(_)) | (_, None) => {}
        (_, Some((key, _))) => cx.error_spanned_by(
            key,
            format!("`{key}` is the next cursor of a `cursor = argument` walk"),
        ),
    }
    if let Scheme::Link(_) = scheme {
        for key in [has_more.map(|h| &h.0), total.map(|t| &t.0)]
            .into_iter()
            .flatten()
        {
            cx.error_spanned_by(
                key,
                format!("a `link` walk ends when a page has no next link: `{key}` does not apply"),
            );
        }
    }
    if let (Scheme::Cursor(_), Some((key, _))) = (scheme, total) {
        cx.error_spanned_by(
            key,
            "a `cursor` walk ends when the page has no next cursor (or `has_more` is false): `total` does not apply",
        );
    }
}

fn http_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

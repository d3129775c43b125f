//! Static headers and parameter attributes: `#[query]`, `#[header]`,
//! `#[body]`, `#[form]`, `#[field]`, `#[part]`.

use syn::{Attribute, LitStr, Meta};

use super::*;
use crate::ctxt::Ctxt;

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

/// An RFC 9110 token: what a header or cookie name may be.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks a header name literal; returns it lowercased.
pub fn check_header_name(cx: &Ctxt, name: &LitStr) -> Option<String> {
    let text = name.value();
    if !is_token(&text) {
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
        COOKIE => parse_cookie_param(cx, attr).map(Some).ok_or(()),
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
                    suggestion(&name, &[QUERY, HEADER, COOKIE, BODY])
                ),
            );
            Err(())
        }
    }
}

fn parse_query(cx: &Ctxt, attr: &Attribute) -> Option<ParamAttr> {
    if let Meta::Path(_) = attr.meta {
        return Some(ParamAttr::Query {
            key: None,
            style: QueryForm::Form,
        });
    }
    let (mut key, mut style, mut explode) = (None, None, None);
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident(RENAME) {
            let lit: LitStr = meta.value()?.parse()?;
            if lit.value().is_empty() {
                cx.error_spanned_by(&lit, "a query key cannot be empty");
            }
            key = Some(lit);
        } else if meta.path.is_ident(STYLE) {
            style = Some(meta.value()?.parse::<LitStr>()?);
        } else if meta.path.is_ident(EXPLODE) {
            explode = Some(meta.value()?.parse::<syn::LitBool>()?);
        } else {
            unknown_argument(cx, &meta, "query", &[RENAME, STYLE, EXPLODE])?;
        }
        Ok(())
    });
    if let Err(e) = result {
        cx.syn_error(e);
        return None;
    }
    let style = query_form(cx, style.as_ref(), explode.as_ref())?;
    Some(ParamAttr::Query { key, style })
}

/// OpenAPI's query styles, with `explode`'s defaults (`true` for `form`,
/// `false` for the delimited styles).
fn query_form(
    cx: &Ctxt,
    style: Option<&LitStr>,
    explode: Option<&syn::LitBool>,
) -> Option<QueryForm> {
    const STYLES: [&str; 4] = ["form", "spaceDelimited", "pipeDelimited", "deepObject"];
    let name = style.map_or_else(|| "form".to_owned(), LitStr::value);
    let form = match (name.as_str(), explode.map(|e| e.value)) {
        ("form", None | Some(true)) | ("spaceDelimited" | "pipeDelimited", Some(true)) => {
            QueryForm::Form
        }
        ("form", Some(false)) => QueryForm::Joined(","),
        ("spaceDelimited", _) => QueryForm::Joined("%20"),
        ("pipeDelimited", _) => QueryForm::Joined("%7C"),
        ("deepObject", None | Some(true)) => QueryForm::DeepObject,
        ("deepObject", Some(false)) => {
            cx.error_spanned_by(
                explode?,
                "`deepObject` is always exploded (`filter[key]=value`): remove `explode = false`",
            );
            return None;
        }
        (other, _) => {
            cx.error_spanned_by(
                style?,
                format!(
                    "unknown query style `{other}`{}",
                    suggestion(other, &STYLES)
                ),
            );
            return None;
        }
    };
    Some(form)
}

/// `#[cookie("name")]`: the name is an RFC 6265 token, kept as written.
fn parse_cookie_param(cx: &Ctxt, attr: &Attribute) -> Option<ParamAttr> {
    let usage = "a cookie argument is written `#[cookie(\"name\")] value: T`";
    let name = name_argument(cx, attr, usage)?;
    let text = name.value();
    if !is_token(&text) {
        cx.error_spanned_by(
            &name,
            format!(
                "`{}` is not a valid cookie name: use letters, digits and `-`, `_`, `.`",
                text.escape_default()
            ),
        );
        return None;
    }
    Some(ParamAttr::Cookie { name: text })
}

fn parse_header_param(cx: &Ctxt, attr: &Attribute) -> Option<ParamAttr> {
    let usage = "a header argument is written `#[header(\"Name\")] value: T`";
    let name = name_argument(cx, attr, usage)?;
    check_header_name(cx, &name).map(|name| ParamAttr::Header { name })
}

/// The one string literal of `#[attr("…")]`, or `usage` as the error.
fn name_argument(cx: &Ctxt, attr: &Attribute, usage: &str) -> Option<LitStr> {
    let Meta::List(list) = &attr.meta else {
        cx.error_spanned_by(attr, usage);
        return None;
    };
    let parsed = list.parse_args::<LitStr>();
    if parsed.is_err() {
        cx.error_spanned_by(&list.tokens, usage);
    }
    parsed.ok()
}

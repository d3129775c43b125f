//! The declared return type of an endpoint: `Result<T>` and how `T` is
//! decoded.

use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, ReturnType, Signature, Type};

use crate::ctxt::Ctxt;

/// The `T` of `Result<T>` and how to decode it.
pub struct Output {
    pub ty: Type,
    pub kind: OutputKind,
}

pub enum OutputKind {
    /// `T: DeserializeOwned`, decoded from JSON.
    Json,
    /// `Option<T>`: `None` on 204/205, an empty body or `null`.
    Optional,
    /// `String`.
    Text,
    /// `Bytes`.
    Bytes,
    /// `()`.
    Unit,
    /// `ByteStream`: the body as a stream.
    Stream,
    /// `Response<T>`: the inner type and its kind.
    Meta(Box<Output>),
}

const RETURN_HELP: &str = "an endpoint returns `api_client::Result<T>` with `T` one of: a `DeserializeOwned` type (JSON), `Option<T>` (`None` for 204, 205, an empty body or `null`), `String`, `Bytes`, `()`, `ByteStream` (the body as a stream) or `Response<T>` (with status, headers and URL)";

/// The declared return type of `sig`, classified; `crate_name` is the
/// last segment of the runtime's path (`api_client`, or `#[api(crate = …)]`).
pub fn parse(cx: &Ctxt, sig: &Signature, crate_name: &str) -> Option<Output> {
    let ReturnType::Type(_, ty) = &sig.output else {
        cx.error_at(
            sig.paren_token.span.close(),
            format!("`{}` has no return type: {RETURN_HELP}", sig.ident),
        );
        return None;
    };
    if last_segment(ty).is_some_and(|s| s.ident == "Pages") {
        cx.error_spanned_by(
            ty,
            "`Pages<T>` is what a paginated endpoint returns: say how its pages chain with `#[paginate(…)]` (e.g. `#[paginate(link)]`)",
        );
        return None;
    }
    let inner = result_argument(ty, crate_name);
    match inner {
        Ok(inner) => classify(cx, inner, false),
        Err(NotOurs::Shape(message)) => {
            cx.error_spanned_by(ty, format!("{message}: {RETURN_HELP}"));
            None
        }
        Err(NotOurs::ForeignResult(message)) => {
            cx.error_spanned_by(ty, message);
            None
        }
    }
}

/// A paginated endpoint's return type, `Pages<T>` or `Pages<T, P>`: the
/// item type, and the page type (`P`, or `Vec<T>` when the page is the
/// items), which is what each response decodes into.
pub struct PagesOutput {
    pub item: Type,
    /// The declared page type, if given.
    pub page: Option<Type>,
    /// The page, decoded as JSON.
    pub output: Output,
}

const PAGES_HELP: &str = "a paginated endpoint returns `Pages<T>` (the items are the whole body, a JSON array) or `Pages<T, Page>` (the items are a field of `Page`, named with `items = field`)";

/// The declared return type of a paginated endpoint.
pub fn parse_pages(cx: &Ctxt, sig: &Signature) -> Option<PagesOutput> {
    let ReturnType::Type(_, ty) = &sig.output else {
        cx.error_at(
            sig.paren_token.span.close(),
            format!("`{}` has no return type: {PAGES_HELP}", sig.ident),
        );
        return None;
    };
    let Some(last) = last_segment(ty).filter(|s| s.ident == "Pages") else {
        let hint = if last_segment(ty).is_some_and(|s| s.ident == "Result") {
            " (not in a `Result`: each item of the stream is a `Result`)"
        } else {
            ""
        };
        cx.error_spanned_by(ty, format!("{PAGES_HELP}{hint}"));
        return None;
    };
    let types: Vec<&Type> = match &last.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let (item, page) = match types.as_slice() {
        [item] => ((*item).clone(), None),
        [item, page] => ((*item).clone(), Some((*page).clone())),
        _ => {
            cx.error_spanned_by(ty, PAGES_HELP);
            return None;
        }
    };
    let decoded = match &page {
        Some(page) => page.clone(),
        None => syn::parse_quote_spanned!(item.span()=> ::std::vec::Vec<#item>),
    };
    Some(PagesOutput {
        item,
        page,
        output: Output {
            ty: decoded,
            kind: OutputKind::Json,
        },
    })
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// Why a return type is not `Result<T>`.
enum NotOurs {
    /// Not a `Result<T>` at all: the message, completed with the list of
    /// accepted types.
    Shape(String),
    /// Another crate's `Result`: a whole message.
    ForeignResult(String),
}

/// The `T` of `Result<T>`: `Result` alone (imported from api-client) or
/// a path through the runtime's crate (`api_client::Result`). Another
/// crate's `Result` (`anyhow::Result`, `reqwest::Result`, `std::io::Result`)
/// is named in the error, rather than left to rustc's "expected `Result<User,
/// Error>`, found `Result<User, Error>`".
fn result_argument<'a>(ty: &'a Type, crate_name: &str) -> Result<&'a Type, NotOurs> {
    let Type::Path(path) = ty else {
        return Err(NotOurs::Shape("unsupported return type".to_owned()));
    };
    let segments = &path.path.segments;
    let Some(last) = segments.last().filter(|s| s.ident == "Result") else {
        return Err(NotOurs::Shape("unsupported return type".to_owned()));
    };
    if segments.len() > 1 {
        let owner = &segments[segments.len() - 2].ident;
        if owner != crate_name && owner != "__private" {
            let written: Vec<String> = segments.iter().map(|s| s.ident.to_string()).collect();
            return Err(NotOurs::ForeignResult(format!(
                "`{}` is not api-client's `Result`: an endpoint's errors are `api_client::Error`, so write `{crate_name}::Result<T>` (`?` converts the error where you call the endpoint)",
                written.join("::"),
            )));
        }
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Err(NotOurs::Shape("`Result` needs its success type".to_owned()));
    };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [t] if args.args.len() == 1 => Ok(t),
        [_, _] => Err(NotOurs::Shape("a custom error type in `Result<T, E>` is not supported; errors are `api_client::Error`".to_owned())),
        _ => Err(NotOurs::Shape("unsupported return type".to_owned())),
    }
}

fn classify(cx: &Ctxt, ty: &Type, in_response: bool) -> Option<Output> {
    let kind = match ty {
        Type::Paren(p) => return classify(cx, &p.elem, in_response),
        Type::Group(g) => return classify(cx, &g.elem, in_response),
        Type::Tuple(t) if t.elems.is_empty() => OutputKind::Unit,
        Type::Tuple(_) | Type::Array(_) => OutputKind::Json,
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let bare = matches!(last.arguments, PathArguments::None);
            match last.ident.to_string().as_str() {
                "String" if bare => OutputKind::Text,
                "Bytes" if bare => OutputKind::Bytes,
                "ByteStream" if bare && in_response => {
                    cx.error_spanned_by(ty, "a `ByteStream` already carries the status, headers and URL: return `Result<ByteStream>`");
                    return None;
                }
                "ByteStream" if bare => OutputKind::Stream,
                "Response" => return classify_response(cx, ty, &last.arguments, in_response),
                "Option" if !bare => OutputKind::Optional,
                _ => OutputKind::Json,
            }
        }
        Type::Path(_) => OutputKind::Json,
        Type::Reference(_) => {
            cx.error_spanned_by(ty, "a borrowed return type cannot outlive the response: return an owned type such as `String` or `Vec<T>`");
            return None;
        }
        _ => {
            cx.error_spanned_by(ty, format!("unsupported return type: {RETURN_HELP}"));
            return None;
        }
    };
    Some(Output {
        ty: ty.clone(),
        kind,
    })
}

fn classify_response(
    cx: &Ctxt,
    ty: &Type,
    args: &PathArguments,
    in_response: bool,
) -> Option<Output> {
    if in_response {
        cx.error_spanned_by(
            ty,
            "`Response<Response<T>>` is not supported: use one `Response<T>`",
        );
        return None;
    }
    let inner = match args {
        PathArguments::AngleBracketed(a) if a.args.len() == 1 => match a.args.first() {
            Some(GenericArgument::Type(t)) => Some(t),
            _ => None,
        },
        _ => None,
    };
    let Some(inner) = inner else {
        cx.error_spanned_by(ty, "`Response` takes one type, the body's: `Response<T>`");
        return None;
    };
    let inner = classify(cx, inner, true)?;
    Some(Output {
        ty: ty.clone(),
        kind: OutputKind::Meta(Box::new(inner)),
    })
}

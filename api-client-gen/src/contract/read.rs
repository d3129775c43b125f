//! Declarations read back from Rust source: `#[api]` traits, and the
//! structs and enums beside them (with their serde names).

use quote::ToTokens;
use syn::{
    Attribute, FnArg, GenericArgument, Item, LitStr, PathArguments, ReturnType, TraitItem, Type,
};

use crate::Error;

/// Where an argument goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A route placeholder.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
    /// A cookie.
    Cookie,
    /// The JSON body.
    Body,
    /// A form body.
    Form,
    /// A multipart part.
    Part,
}

impl Location {
    /// The OpenAPI `in` of a parameter (bodies have none).
    pub fn openapi(&self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
            Location::Body | Location::Form | Location::Part => "body",
        }
    }
}

/// One argument of a declared method.
#[derive(Clone)]
pub struct Param {
    /// The name on the wire (the query key, the header name, the part).
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// Not `Option`.
    pub required: bool,
    /// Its type, `Option` and references removed.
    pub ty: Type,
}

/// One declared method.
#[derive(Clone)]
pub struct Operation {
    /// The Rust method's name.
    pub name: String,
    /// `get`, `post`, …
    pub verb: String,
    /// The route, `<x>` placeholders as written.
    pub route: String,
    /// The arguments.
    pub params: Vec<Param>,
    /// The success type (`T` of `Result<T>` or `Result<Response<T>>`), or
    /// each event's (`T` of `Events<T>`).
    pub returns: Type,
    /// It returns `Events<T>`: an event stream.
    pub streams: bool,
}

/// A struct field or enum value, by its wire name.
#[derive(Clone)]
pub struct Member {
    /// The wire name.
    pub name: String,
    /// Its type (`None` for an enum's unit variant).
    pub ty: Option<Type>,
    /// Not `Option`.
    pub required: bool,
}

/// A struct or enum of the source.
#[derive(Clone)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// A struct's fields, or an enum's variants.
    pub members: Vec<Member>,
    /// An enum of unit variants (a string enum).
    pub is_enum: bool,
    /// `pub type X = Y;`.
    pub alias: Option<Type>,
}

/// Everything read from one source file.
#[derive(Default)]
pub struct Source {
    /// The operations of every `#[api]` trait.
    pub operations: Vec<Operation>,
    /// The types defined beside them.
    pub types: Vec<TypeDef>,
}

impl Source {
    /// The type named `name`, if the source defines it.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }
}

const VERBS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// Reads the `#[api]` traits and types of a Rust file.
///
/// # Errors
/// The source does not parse, or holds no `#[api]` trait.
pub fn read(source: &str) -> Result<Source, Error> {
    let file = syn::parse_file(source)
        .map_err(|e| Error::new(format!("the Rust source does not parse: {e}")))?;
    let mut out = Source::default();
    collect(&file.items, &mut out);
    if out.operations.is_empty() && !file.items.iter().any(is_api_trait) {
        return Err(Error::new("no `#[api]` trait in the Rust source"));
    }
    Ok(out)
}

fn is_api_trait(item: &Item) -> bool {
    matches!(item, Item::Trait(t) if t.attrs.iter().any(|a| a.path().is_ident("api")))
}

fn collect(items: &[Item], out: &mut Source) {
    for item in items {
        match item {
            Item::Trait(t) if is_api_trait(item) => {
                for member in &t.items {
                    if let TraitItem::Fn(f) = member
                        && let Some(op) = operation(&f.attrs, &f.sig)
                    {
                        out.operations.push(op);
                    }
                }
            }
            Item::Struct(s) => out.types.push(TypeDef {
                name: s.ident.to_string(),
                members: s
                    .fields
                    .iter()
                    .filter(|f| !is_flatten(&f.attrs))
                    .filter_map(|f| field(&f.attrs, f.ident.as_ref()?.to_string(), &f.ty))
                    .collect(),
                is_enum: false,
                alias: None,
            }),
            Item::Enum(e) => out.types.push(TypeDef {
                name: e.ident.to_string(),
                members: e
                    .variants
                    .iter()
                    .map(|v| Member {
                        name: serde_name(&v.attrs).unwrap_or_else(|| v.ident.to_string()),
                        ty: None,
                        required: true,
                    })
                    .collect(),
                is_enum: e.variants.iter().all(|v| v.fields.is_empty()),
                alias: None,
            }),
            Item::Type(t) => out.types.push(TypeDef {
                name: t.ident.to_string(),
                members: Vec::new(),
                is_enum: false,
                alias: Some((*t.ty).clone()),
            }),
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect(items, out);
                }
            }
            _ => {}
        }
    }
}

fn field(attrs: &[Attribute], ident: String, ty: &Type) -> Option<Member> {
    let (inner, optional) = strip_option(ty);
    Some(Member {
        name: serde_name(attrs).unwrap_or(ident),
        ty: Some(inner),
        required: !optional,
    })
}

/// `#[serde(rename = "…")]`.
fn serde_name(attrs: &[Attribute]) -> Option<String> {
    let mut name = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                name = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
    }
    name
}

fn is_flatten(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .any(|a| a.to_token_stream().to_string().contains("flatten"))
}

fn operation(attrs: &[Attribute], sig: &syn::Signature) -> Option<Operation> {
    let verb_attr = attrs
        .iter()
        .find(|a| VERBS.iter().any(|v| a.path().is_ident(v)))?;
    let verb = verb_attr.path().get_ident()?.to_string();
    let route: LitStr = verb_attr.parse_args().ok()?;
    let route = route.value();
    let params = sig.inputs.iter().filter_map(|arg| match arg {
        FnArg::Typed(pat) => param(
            &pat.attrs,
            pat.pat.to_token_stream().to_string(),
            &pat.ty,
            &route,
        ),
        FnArg::Receiver(_) => None,
    });
    let params = params.collect();
    let (returns, streams) = match &sig.output {
        ReturnType::Type(_, ty) => match generic_arg(ty, "Events") {
            Some(item) => (item, true),
            None => (success_type(ty), false),
        },
        ReturnType::Default => (syn::parse_quote!(()), false),
    };
    Some(Operation {
        name: sig.ident.to_string(),
        verb,
        route,
        params,
        returns,
        streams,
    })
}

fn param(attrs: &[Attribute], ident: String, ty: &Type, route: &str) -> Option<Param> {
    let (ty, optional) = strip_option(ty);
    let mut location = None;
    let mut name = ident.clone();
    for attr in attrs {
        let path = attr
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        match path.as_str() {
            "query" => {
                location = Some(Location::Query);
                let _ = attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("rename") {
                        name = meta.value()?.parse::<LitStr>()?.value();
                    } else if meta.input.peek(syn::Token![=]) {
                        // `style = "…"`, `explode = false`: not the name.
                        meta.value()?.parse::<syn::Expr>()?;
                    }
                    Ok(())
                });
            }
            "header" | "cookie" | "part" | "field" => {
                location = Some(if path == "header" {
                    Location::Header
                } else if path == "cookie" {
                    Location::Cookie
                } else if path == "part" {
                    Location::Part
                } else {
                    Location::Form
                });
                if let Ok(lit) = attr.parse_args::<LitStr>() {
                    name = lit.value();
                }
            }
            "body" => location = Some(Location::Body),
            "form" => location = Some(Location::Form),
            _ => {}
        }
    }
    let location = location.or_else(|| {
        (route.contains(&format!("<{ident}>")) || route.contains(&format!("<{ident}..>")))
            .then_some(Location::Path)
    })?;
    Some(Param {
        name,
        location,
        required: !optional,
        ty,
    })
}

/// `(T, true)` for `Option<T>`, with references and slices' `&` removed.
pub fn strip_option(ty: &Type) -> (Type, bool) {
    let ty = strip_ref(ty);
    match generic_arg(&ty, "Option") {
        Some(inner) => (strip_ref(&inner), true),
        None => (ty, false),
    }
}

fn strip_ref(ty: &Type) -> Type {
    match ty {
        Type::Reference(r) => strip_ref(&r.elem),
        other => other.clone(),
    }
}

/// The `T` of `Wrapper<T>` when `ty` is one (by last path segment).
pub fn generic_arg(ty: &Type, wrapper: &str) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

fn success_type(ty: &Type) -> Type {
    let inner = generic_arg(ty, "Result").unwrap_or_else(|| ty.clone());
    generic_arg(&inner, "Response").unwrap_or(inner)
}

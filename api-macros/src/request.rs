//! The one function per endpoint that fills a request from the arguments
//! (`__api_build_<method>`, on the client struct). It is emitted once,
//! against the runtime's `BuildRequest`, and both the client's method
//! (with a `Call`) and the mock's (with a `MockRequest`) call it: the
//! request a mock expects is built by the statements that build the
//! request the client sends.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, Ident, Lifetime, LitStr, PathArguments, Type};

use crate::attr::{ErrorDecl, QueryForm, StaticHeader, StatusArm, StatusPattern};
use crate::model::{ApiTrait, Endpoint, Method, Param, Role, unraw};
use crate::route::Piece;
use crate::rt::Rt;

/// The name of the function that fills `m`'s request.
pub fn builder_ident(m: &Method) -> Ident {
    format_ident!("__api_build_{}", unraw(&m.sig.ident))
}

/// The lifetime that names the elided lifetimes of argument types.
fn arg_lifetime() -> Lifetime {
    Lifetime::new("'__api_arg", Span::call_site())
}

/// The method's own lifetime parameters (it has no other kind).
pub fn lifetime_params(m: &Method) -> impl Iterator<Item = &syn::GenericParam> {
    m.sig
        .generics
        .params
        .iter()
        .filter(|p| matches!(p, syn::GenericParam::Lifetime(_)))
}

/// `fn __api_build_x<…, R: BuildRequest>(cx, arguments…) -> R`.
pub fn emit_builder(api: &ApiTrait, rt: &Rt, m: &Method, endpoint: &Endpoint) -> TokenStream {
    let name = builder_ident(m);
    let lifetime = arg_lifetime();
    let generics = lifetime_params(m);
    let params = endpoint.params.iter().map(|p| {
        let ident = &p.ident;
        if takes_body(p) {
            let ty = name_elided(&p.ty, &lifetime);
            quote!(#ident: ::core::option::Option<#ty>)
        } else {
            let value = name_elided(value_type(p), &lifetime);
            quote!(#ident: &impl #rt::Argument<Value = #value>)
        }
    });
    let endpoint_static = endpoint_static(api, rt, m, endpoint);
    let headers = api
        .headers
        .iter()
        .chain(&endpoint.headers)
        .map(|h| static_header(rt, h));
    let path = emit_path(endpoint);
    let query_literal = endpoint
        .route
        .query
        .as_ref()
        .map(|q| quote!(__api_req.query_literal(#q);));
    let args = endpoint
        .params
        .iter()
        .map(|p| emit_argument(rt, p, &lifetime));
    let key = endpoint.idempotency_key.as_ref().map(|name| {
        quote! {
            __api_req.idempotency_key({
                const __API_KEY: #rt::HeaderName = #rt::HeaderName::from_static(#name);
                __API_KEY
            });
        }
    });
    let cfgs = m.attrs.iter().filter(|a| a.path().is_ident("cfg"));
    quote! {
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(clippy::too_many_arguments, clippy::extra_unused_lifetimes, non_snake_case)]
        fn #name<#lifetime, #(#generics,)* __ApiRequest: #rt::BuildRequest>(
            __api_cx: <__ApiRequest as #rt::BuildRequest>::Context<'_>,
            #(#params),*
        ) -> __ApiRequest {
            #endpoint_static
            let mut __api_req =
                <__ApiRequest as #rt::BuildRequest>::start(__api_cx, &__API_ENDPOINT);
            #(#headers)*
            #(#path)*
            #query_literal
            #(#args)*
            #key
            __api_req
        }
    }
}

/// The arguments of the client's call of the builder: each value as a
/// `Given`, a part or stream as `Some`.
pub fn client_arguments<'a>(
    rt: &'a Rt,
    endpoint: &'a Endpoint,
) -> impl Iterator<Item = TokenStream> + 'a {
    endpoint.params.iter().map(move |p| {
        let ident = &p.ident;
        if takes_body(p) {
            quote!(::core::option::Option::Some(#ident))
        } else if by_reference(p) {
            quote!(&#rt::Given(#ident))
        } else {
            quote!(&#rt::Given(&#ident))
        }
    })
}

/// The arguments of the mock's call of the builder: each `Arg` (a `&T`
/// body as the `T` it refers to), a part or stream as `None` (any).
pub fn mock_arguments(endpoint: &Endpoint) -> impl Iterator<Item = TokenStream> + '_ {
    endpoint.params.iter().map(|p| {
        let ident = &p.ident;
        if takes_body(p) {
            quote!(::core::option::Option::None)
        } else if by_reference(p) {
            quote!(&#ident.referent())
        } else {
            quote!(&#ident)
        }
    })
}

/// A multipart part or a streamed body: moved into the request.
pub fn takes_body(p: &Param) -> bool {
    matches!(p.role, Role::Part { .. } | Role::Body { stream: true, .. })
}

/// A `&T` body or form, serialized (and validated) as the `T`.
fn by_reference(p: &Param) -> bool {
    matches!(p.role, Role::Body { stream: false, .. } | Role::Form)
        && matches!(p.ty, Type::Reference(_))
}

/// The type an argument's value has in the request: `T` of a `&T` body.
fn value_type(p: &Param) -> &Type {
    match &p.ty {
        Type::Reference(r) if by_reference(p) => &r.elem,
        ty => ty,
    }
}

fn emit_argument(rt: &Rt, p: &Param, lifetime: &Lifetime) -> TokenStream {
    let ident = &p.ident;
    let span = p.ty.span();
    let name = unraw(ident);
    let validator = || probe(rt, &name_elided(value_type(p), lifetime));
    match &p.role {
        Role::Path => TokenStream::new(),
        Role::Query { key, style } => match style {
            QueryForm::Form => quote_spanned!(span=> __api_req.query(#key, #ident);),
            QueryForm::Joined(delimiter) => quote_spanned! {span=>
                __api_req.query_styled(#key, #ident, #rt::QueryStyle::Joined(#delimiter));
            },
            QueryForm::DeepObject => quote_spanned! {span=>
                __api_req.query_styled(#key, #ident, #rt::QueryStyle::DeepObject);
            },
        },
        Role::Header { name } => {
            let name = LitStr::new(name, p.span);
            quote_spanned! {span=>
                __api_req.header(
                    {
                        const __API_NAME: #rt::HeaderName = #rt::HeaderName::from_static(#name);
                        __API_NAME
                    },
                    #ident,
                );
            }
        }
        Role::Cookie { name } => quote_spanned!(span=> __api_req.cookie(#name, #ident);),
        Role::Body { stream: true, .. } => quote_spanned!(span=> __api_req.upload(#ident);),
        Role::Body {
            stream: false,
            omit_none,
        } => {
            let validator = validator();
            quote_spanned!(span=> __api_req.json(#name, #ident, #validator, #omit_none);)
        }
        Role::Form => {
            let validator = validator();
            quote_spanned!(span=> __api_req.form(#name, #ident, #validator);)
        }
        Role::Field { name } => quote_spanned!(span=> __api_req.field(#name, #ident);),
        Role::Part { name } => quote_spanned!(span=> __api_req.part(#name, #ident);),
    }
}

/// The checks of `ty`, each picked by autoref specialization: its
/// validator when it derives `garde::Validate`, its shape when it derives
/// `api_client::Deserialize` (wire names, and the report of a body that
/// does not decode).
pub fn probe(rt: &Rt, ty: &Type) -> TokenStream {
    quote! {{
        #[allow(unused_imports)]
        use #rt::{DescribedShape as _, NoShape as _, ValidateViaGarde as _, ValidateViaNothing as _};
        #rt::Checks::new(
            (&#rt::Probe::<#ty>::new()).validator(),
            (&#rt::Probe::<#ty>::new()).described(),
        )
    }}
}

/// The static descriptor of an endpoint, `__API_ENDPOINT`: everything the
/// runtime needs to know of it, computed at expansion.
fn endpoint_static(api: &ApiTrait, rt: &Rt, m: &Method, endpoint: &Endpoint) -> TokenStream {
    let name = unraw(&m.sig.ident);
    let route = &endpoint.route.lit;
    let method = format_ident!("{}", endpoint.verb.name.to_ascii_uppercase());
    let none = quote!(::core::option::Option::None);
    let some = |value: TokenStream| quote!(::core::option::Option::Some(#value));
    let envelope = match endpoint.envelope.as_ref().or(api.envelope.as_ref()) {
        Some(e) => {
            let field = |f: &Option<String>| f.as_ref().map_or(none.clone(), |n| some(quote!(#n)));
            let (data, error, ok) = (field(&e.data), field(&e.error), field(&e.ok));
            some(quote!(#rt::Envelope { data: #data, error: #error, ok: #ok }))
        }
        None => none.clone(),
    };
    let idempotent = endpoint.idempotent.is_some();
    let no_auth = endpoint.no_auth;
    let retry = match &endpoint.retry {
        None => quote!(#rt::EndpointRetry::Inherit),
        Some((crate::attr::RetryAttr::Off, _)) => quote!(#rt::EndpointRetry::Off),
        Some((crate::attr::RetryAttr::Attempts(n), _)) => {
            quote!(#rt::EndpointRetry::Attempts(#n))
        }
    };
    let duration = |ms: Option<u64>| {
        ms.map_or(none.clone(), |ms| {
            some(quote!(#rt::Duration::from_millis(#ms)))
        })
    };
    let error = match (&endpoint.error, &api.args.error) {
        (Some(ErrorDecl::One(ty)), _) | (None, Some(ty)) => quote_spanned! {ty.span()=>
            ::core::option::Option::Some(#rt::decode_api_error::<#ty>)
        },
        (Some(ErrorDecl::ByStatus(arms)), _) => error_by_status(rt, arms),
        (None, None) => none.clone(),
    };
    let timeout = duration(endpoint.timeout.total);
    let attempt_timeout = duration(endpoint.timeout.attempt);
    quote! {
        static __API_ENDPOINT: #rt::Endpoint = #rt::Endpoint {
            name: #name,
            method: #rt::Method::#method,
            route: #route,
            idempotent: #idempotent,
            retry: #retry,
            timeout: #timeout,
            attempt_timeout: #attempt_timeout,
            error: #error,
            envelope: #envelope,
            no_auth: #no_auth,
        };
    }
}

/// A fixed header of the trait or the method (the method's come last,
/// and win).
fn static_header(rt: &Rt, h: &StaticHeader) -> TokenStream {
    let StaticHeader { name, value } = h;
    quote! {
        __api_req.static_header(
            {
                const __API_NAME: #rt::HeaderName = #rt::HeaderName::from_static(#name);
                __API_NAME
            },
            {
                const __API_VALUE: #rt::HeaderValue = #rt::HeaderValue::from_static(#value);
                __API_VALUE
            },
        );
    }
}

fn emit_path(endpoint: &Endpoint) -> impl Iterator<Item = TokenStream> + '_ {
    endpoint.route.pieces.iter().map(move |piece| match piece {
        Piece::Literal(text) => quote!(__api_req.path(#text);),
        Piece::Param(ph) => {
            // Validation guarantees the argument exists.
            let Some(param) = endpoint.params.iter().find(|p| unraw(&p.ident) == ph.name) else {
                return TokenStream::new();
            };
            let ident = &param.ident;
            let name = &ph.name;
            let whole = ph.whole;
            let method = if ph.rest {
                format_ident!("segments")
            } else {
                format_ident!("segment")
            };
            quote_spanned!(param.ty.span()=> __api_req.#method(#name, #ident, #whole);)
        }
    })
}

/// `ty` with every elided lifetime (`&T`, `'_`) named `lifetime`: elided
/// lifetimes are not allowed in argument-position `impl Trait`.
pub fn name_elided(ty: &Type, lifetime: &Lifetime) -> Type {
    let mut ty = ty.clone();
    rename(&mut ty, lifetime);
    ty
}

fn rename(ty: &mut Type, lifetime: &Lifetime) {
    match ty {
        Type::Reference(r) => {
            match &mut r.lifetime {
                None => r.lifetime = Some(lifetime.clone()),
                Some(l) if l.ident == "_" => *l = lifetime.clone(),
                Some(_) => {}
            }
            rename(&mut r.elem, lifetime);
        }
        Type::Path(p) => {
            for segment in &mut p.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        match arg {
                            GenericArgument::Type(t) => rename(t, lifetime),
                            GenericArgument::Lifetime(l) if l.ident == "_" => *l = lifetime.clone(),
                            _ => {}
                        }
                    }
                }
            }
        }
        Type::Slice(s) => rename(&mut s.elem, lifetime),
        Type::Array(a) => rename(&mut a.elem, lifetime),
        Type::Paren(p) => rename(&mut p.elem, lifetime),
        Type::Group(g) => rename(&mut g.elem, lifetime),
        Type::Tuple(t) => t.elems.iter_mut().for_each(|e| rename(e, lifetime)),
        _ => {}
    }
}

/// The lifetime mock methods name elided lifetimes with.
pub fn mock_lifetime() -> Lifetime {
    arg_lifetime()
}

/// `#[error(404 => NotFound, _ => ApiError)]`: a decoder that picks the
/// type by status; a status no arm matches decodes nothing.
fn error_by_status(rt: &Rt, arms: &[StatusArm]) -> TokenStream {
    let matches = arms.iter().map(|arm| {
        let patterns = arm.patterns.iter().map(StatusPattern::tokens);
        let ty = &arm.ty;
        quote_spanned! {ty.span()=>
            #(#patterns)|* => #rt::decode_api_error::<#ty>(status, headers, body),
        }
    });
    let any = arms
        .iter()
        .flat_map(|a| &a.patterns)
        .any(|p| matches!(p, StatusPattern::Any(_)));
    let rest = (!any).then(|| quote!(_ => ::core::option::Option::None,));
    quote! {
        ::core::option::Option::Some(
            |status: u16, headers: &#rt::HeaderMap, body: &[u8]| match status {
                #(#matches)*
                #rest
            },
        )
    }
}

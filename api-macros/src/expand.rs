//! Expansion: the model into the trait, the client struct and its impls.
//!
//! Generated code names the runtime only through `#krate::__private` and
//! std only through `::core` paths; its locals start with `__api_`.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemTrait, LitStr, Path, ReturnType, Signature, Type};

use crate::attr::{self, StaticHeader};
use crate::ctxt::Ctxt;
use crate::model::{ApiTrait, Endpoint, Method, Output, OutputKind, Role, unraw};
use crate::route::Piece;
use crate::valid;

/// The whole macro: parse, validate, expand. Errors come out as
/// `compile_error!`s next to a client that still type-checks, so the rest
/// of the user's code does not drown in follow-on errors.
pub fn api(args: TokenStream, item: TokenStream) -> TokenStream {
    let started = std::time::Instant::now();
    let output = api_inner(args, item);
    if std::env::var_os("API_MACROS_TIMING").is_some_and(|v| v != "0") {
        eprintln!(
            "api-macros: expanded in {} µs",
            started.elapsed().as_micros()
        );
    }
    output
}

fn api_inner(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::parse_api_args(&cx, args);
    let item: ItemTrait = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => {
            // Not a trait: nothing to keep.
            let _ = cx.check();
            return syn::Error::new(
                e.span(),
                "`#[api]` goes on a trait whose methods declare the endpoints: `#[api(base = \"https://…\")] pub trait MyApi { … }`",
            )
            .to_compile_error();
        }
    };
    let api = ApiTrait::parse(&cx, args, item);
    valid::check(&cx, &api);
    let generic = !api.item.generics.params.is_empty();
    let output = match cx.check() {
        Ok(()) => {
            let mut out = expand(&api, true);
            out.extend(crate::mock::emit(&api, &krate(&api)));
            out
        }
        Err(errors) if generic => {
            let mut out = emit_trait(&api);
            out.extend(errors.to_compile_error());
            out
        }
        Err(errors) => {
            let mut out = expand(&api, false);
            out.extend(errors.to_compile_error());
            out
        }
    };
    if std::env::var_os("API_MACROS_DEBUG").is_some_and(|v| v != "0") {
        eprintln!("// #[api] expansion of `{}`\n{output}", api.item.ident);
    }
    output
}

fn krate(api: &ApiTrait) -> Path {
    api.args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::api_client))
}

/// The trait, client struct, constructors and trait impl. With `ok` false
/// the method bodies are `unreachable!()`: only the errors matter then.
fn expand(api: &ApiTrait, ok: bool) -> TokenStream {
    let krate = krate(api);
    let trait_def = emit_trait(api);
    let trait_ident = &api.item.ident;
    let client = &api.client;
    let vis = &api.item.vis;
    let base = match &api.args.base {
        Some(base) => quote!(::core::option::Option::Some(#base)),
        None => quote!(::core::option::Option::None),
    };
    let client_name = client.to_string();
    let struct_doc = format!(
        "The generated client of [`{trait_ident}`]: one pooled HTTP session, cheap to clone (clones share it).\n\n\
         Create it once with [`{client}::builder`] or [`{client}::new`] and reuse it."
    );
    let methods = api.methods.iter().map(|m| {
        if ok {
            emit_method(api, &krate, m)
        } else {
            emit_placeholder(m)
        }
    });
    quote! {
        #trait_def

        #[doc = #struct_doc]
        #[derive(::core::clone::Clone)]
        #vis struct #client {
            __api_session: #krate::__private::Session,
        }

        impl #client {
            /// Starts building a client with the declared base URL and the
            /// default policies; `.build()` finishes it.
            pub fn builder() -> #krate::__private::ClientBuilder<Self> {
                #krate::__private::ClientBuilder::__new(#base)
            }

            /// A client with the declared base URL and default settings.
            ///
            /// # Errors
            /// When no base URL was declared or the HTTP client cannot be
            /// initialised.
            pub fn new() -> #krate::__private::Result<Self> {
                Self::builder().build()
            }

            /// The session this client runs on, shared by its clones: its
            /// cookies, metrics and base URL.
            pub fn session(&self) -> &#krate::__private::Session {
                &self.__api_session
            }

            /// The same client (same connection pool) with another deadline
            /// for each call, every attempt and backoff included.
            pub fn with_timeout(&self, total: #krate::__private::Duration) -> Self {
                #client { __api_session: self.__api_session.with_timeout(total) }
            }

            /// The same client (same connection pool) with another limit
            /// on each attempt.
            pub fn with_attempt_timeout(&self, attempt: #krate::__private::Duration) -> Self {
                #client { __api_session: self.__api_session.with_attempt_timeout(attempt) }
            }

            /// The same client (same connection pool) with another retry
            /// policy for every endpoint.
            pub fn with_retry(&self, policy: #krate::__private::RetryPolicy) -> Self {
                #client { __api_session: self.__api_session.with_retry(policy) }
            }
        }

        impl ::core::fmt::Debug for #client {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_tuple(#client_name).field(&self.__api_session).finish()
            }
        }

        impl #krate::__private::FromCore for #client {
            fn from_core(core: #krate::__private::Session) -> Self {
                #client { __api_session: core }
            }
        }

        impl #trait_ident for #client {
            #(#methods)*
        }
    }
}

/// The trait as the user wrote it, less our attributes, with each
/// `async fn` turned into `fn … -> impl Future<Output = T> + Send`.
fn emit_trait(api: &ApiTrait) -> TokenStream {
    let ItemTrait {
        attrs,
        vis,
        trait_token,
        ident,
        generics,
        colon_token,
        supertraits,
        ..
    } = &api.item;
    let methods = api.methods.iter().map(|m| {
        let attrs = &m.attrs;
        let sig = desugar(&m.sig);
        quote!(#(#attrs)* #sig;)
    });
    quote! {
        #(#attrs)*
        #vis #trait_token #ident #generics #colon_token #supertraits {
            #(#methods)*
        }
    }
}

/// `async fn f(..) -> T` as `fn f(..) -> impl Future<Output = T> + Send`,
/// with `&self` as its receiver: a missing or wrong receiver is an error
/// already, and the method still exists for the code that calls it.
fn desugar(sig: &Signature) -> Signature {
    let mut sig = sig.clone();
    let receiver: syn::FnArg = syn::parse_quote_spanned!(sig.ident.span()=> &self);
    match sig.inputs.first_mut() {
        Some(syn::FnArg::Receiver(r))
            if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none() => {}
        Some(first @ syn::FnArg::Receiver(_)) => *first = receiver,
        _ => sig.inputs.insert(0, receiver),
    }
    if sig.asyncness.take().is_some() {
        let output = match &sig.output {
            ReturnType::Default => quote!(()),
            ReturnType::Type(_, ty) => quote!(#ty),
        };
        let span = match &sig.output {
            ReturnType::Type(_, ty) => ty.span(),
            ReturnType::Default => sig.ident.span(),
        };
        sig.output = syn::parse_quote_spanned! {span=>
            -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
        };
    }
    sig
}

/// The `cfg` attributes of a method, which its impl must share.
fn cfg_attrs(m: &Method) -> impl Iterator<Item = &syn::Attribute> {
    m.attrs.iter().filter(|a| a.path().is_ident("cfg"))
}

fn emit_placeholder(m: &Method) -> TokenStream {
    let cfgs = cfg_attrs(m);
    let sig = desugar(&m.sig);
    let body = if m.sig.asyncness.is_some() {
        quote!(async { ::core::unreachable!() })
    } else {
        quote!(::core::unreachable!())
    };
    quote! {
        #(#cfgs)*
        #[allow(unused_variables)]
        #sig { #body }
    }
}

fn emit_method(api: &ApiTrait, krate: &Path, m: &Method) -> TokenStream {
    let Some(endpoint) = &m.endpoint else {
        return emit_placeholder(m);
    };
    let cfgs = cfg_attrs(m);
    let sig = desugar(&m.sig);
    let endpoint_static = endpoint_static(api, krate, m, endpoint);
    let call = format_ident!("__api_call");
    let headers = static_headers(api, krate, endpoint, &call);
    let path = emit_path(endpoint, &call);
    let query_literal = endpoint
        .route
        .query
        .as_ref()
        .map(|q| quote!(#call.query_literal(#q);));
    let args = emit_arguments(krate, endpoint);
    let decoder = decoder(krate, &endpoint.output);
    let validator = response_validator(krate, &endpoint.output);
    let ret_span = match &m.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => m.sig.ident.span(),
    };
    // `#[validate]`: a compile error at the type when it cannot be.
    let must_validate = endpoint
        .validate
        .and_then(|_| validated_type(&endpoint.output))
        .map(|(ty, checked)| {
            quote_spanned!(ty.span()=> #krate::__private::assert_validates::<#checked>();)
        });
    // A `Result` that is not ours (`use anyhow::Result`) is named as such.
    let is_ours = match &m.sig.output {
        ReturnType::Type(_, ty) => {
            Some(quote_spanned!(ty.span()=> #krate::__private::assert_api_result::<#ty>();))
        }
        ReturnType::Default => None,
    };
    let send = if api.blocking {
        quote_spanned!(ret_span=> #krate::__private::block_on(__api_call.send::<#decoder>(#validator)))
    } else {
        quote_spanned!(ret_span=> __api_call.send::<#decoder>(#validator))
    };
    quote! {
        #(#cfgs)*
        #sig {
            #is_ours
            #must_validate
            #endpoint_static
            let mut __api_call = #krate::__private::Call::new(&self.__api_session, &__API_ENDPOINT);
            #(#headers)*
            #(#path)*
            #query_literal
            #(#args)*
            #send
        }
    }
}

/// The static descriptor of an endpoint, `__API_ENDPOINT`: everything the
/// runtime needs to know of it, computed at expansion.
pub fn endpoint_static(
    api: &ApiTrait,
    krate: &Path,
    m: &Method,
    endpoint: &Endpoint,
) -> TokenStream {
    let name = unraw(&m.sig.ident);
    let route = &endpoint.route.lit;
    let method = format_ident!("{}", endpoint.verb.name.to_ascii_uppercase());
    let none = quote!(::core::option::Option::None);
    let envelope = match endpoint.envelope.as_ref().or(api.envelope.as_ref()) {
        Some(e) => {
            let field = |f: &Option<String>| match f {
                Some(name) => quote!(::core::option::Option::Some(#name)),
                None => none.clone(),
            };
            let (data, error, ok) = (field(&e.data), field(&e.error), field(&e.ok));
            quote!(::core::option::Option::Some(#krate::__private::Envelope { data: #data, error: #error, ok: #ok }))
        }
        None => none.clone(),
    };
    let idempotent = endpoint.idempotent.is_some();
    let no_auth = endpoint.no_auth;
    let retry = match &endpoint.retry {
        None => quote!(#krate::__private::EndpointRetry::Inherit),
        Some((crate::attr::RetryAttr::Off, _)) => quote!(#krate::__private::EndpointRetry::Off),
        Some((crate::attr::RetryAttr::Attempts(n), _)) => {
            quote!(#krate::__private::EndpointRetry::Attempts(#n))
        }
    };
    let duration = |ms: Option<u64>| match ms {
        Some(ms) => {
            quote!(::core::option::Option::Some(#krate::__private::Duration::from_millis(#ms)))
        }
        None => none.clone(),
    };
    let error = match endpoint.error.as_ref().or(api.args.error.as_ref()) {
        Some(ty) => quote_spanned! {ty.span()=>
            ::core::option::Option::Some(#krate::__private::decode_api_error::<#ty>)
        },
        None => none.clone(),
    };
    let timeout = duration(endpoint.timeout.total);
    let attempt_timeout = duration(endpoint.timeout.attempt);
    quote! {
        static __API_ENDPOINT: #krate::__private::Endpoint = #krate::__private::Endpoint {
            name: #name,
            method: #krate::__private::Method::#method,
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

/// The fixed headers of the trait, then of the method (which win).
pub fn static_headers<'a>(
    api: &'a ApiTrait,
    krate: &'a Path,
    endpoint: &'a Endpoint,
    receiver: &'a syn::Ident,
) -> impl Iterator<Item = TokenStream> + 'a {
    api.headers
        .iter()
        .chain(&endpoint.headers)
        .map(move |h| emit_static_header(krate, h, receiver))
}

fn emit_static_header(krate: &Path, h: &StaticHeader, receiver: &syn::Ident) -> TokenStream {
    let StaticHeader { name, value } = h;
    quote! {
        #receiver.static_header(
            {
                const __API_NAME: #krate::__private::HeaderName =
                    #krate::__private::HeaderName::from_static(#name);
                __API_NAME
            },
            {
                const __API_VALUE: #krate::__private::HeaderValue =
                    #krate::__private::HeaderValue::from_static(#value);
                __API_VALUE
            },
        );
    }
}

pub fn emit_path<'a>(
    endpoint: &'a Endpoint,
    receiver: &'a syn::Ident,
) -> impl Iterator<Item = TokenStream> + 'a {
    endpoint.route.pieces.iter().map(move |piece| match piece {
        Piece::Literal(text) => quote!(#receiver.path(#text);),
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
            quote_spanned!(param.ty.span()=> #receiver.#method(#name, &#ident, #whole);)
        }
    })
}

fn emit_arguments<'a>(
    krate: &'a Path,
    endpoint: &'a Endpoint,
) -> impl Iterator<Item = TokenStream> + 'a {
    endpoint.params.iter().map(move |p| {
        let ident = &p.ident;
        let span = p.ty.span();
        match &p.role {
            Role::Path => TokenStream::new(),
            Role::Query { key } => quote_spanned!(span=> __api_call.query(#key, &#ident);),
            Role::Header { name } => {
                let name = LitStr::new(name, p.span);
                quote_spanned! {span=>
                    __api_call.header(
                        {
                            const __API_NAME: #krate::__private::HeaderName =
                                #krate::__private::HeaderName::from_static(#name);
                            __API_NAME
                        },
                        &#ident,
                    );
                }
            }
            Role::Body { stream: true, .. } => quote_spanned!(span=> __api_call.upload(#ident);),
            Role::Body {
                stream: false,
                omit_none,
            } => {
                let name = unraw(ident);
                let (value, validator) = by_reference(krate, ident, &p.ty);
                let json = if *omit_none {
                    format_ident!("json_omitting_none")
                } else {
                    format_ident!("json")
                };
                quote_spanned!(span=> __api_call.#json(#name, #value, #validator);)
            }
            Role::Form => {
                let name = unraw(ident);
                let (value, validator) = by_reference(krate, ident, &p.ty);
                quote_spanned!(span=> __api_call.form(#name, #value, #validator);)
            }
            Role::Field { name } => quote_spanned!(span=> __api_call.field(#name, &#ident);),
            Role::Part { name } => quote_spanned!(span=> __api_call.part(#name, #ident);),
        }
    })
}

/// A body argument as a reference, with the validator of what it refers
/// to: a `&T` argument is passed as it is and `T` is validated.
fn by_reference(krate: &Path, ident: &syn::Ident, ty: &Type) -> (TokenStream, TokenStream) {
    match ty {
        Type::Reference(r) => (quote!(#ident), probe(krate, &r.elem)),
        other => (quote!(&#ident), probe(krate, other)),
    }
}

/// The validator of `ty`, picked by autoref specialization: `Some` when the
/// type derives `garde::Validate`, `None` otherwise.
fn probe(krate: &Path, ty: &Type) -> TokenStream {
    quote! {{
        #[allow(unused_imports)]
        use #krate::__private::{ValidateViaGarde as _, ValidateViaNothing as _};
        (&#krate::__private::Probe::<#ty>::new()).validator()
    }}
}

/// The validator of what a return type decodes from JSON, if anything.
fn response_validator(krate: &Path, output: &Output) -> TokenStream {
    match &output.kind {
        OutputKind::Json | OutputKind::Optional => probe(krate, &output.ty),
        OutputKind::Meta(inner) => response_validator(krate, inner),
        OutputKind::Text | OutputKind::Bytes | OutputKind::Unit | OutputKind::Stream => {
            quote!(::core::option::Option::None)
        }
    }
}

/// The type `#[validate]` checks, with the declared type it is in: `T`
/// of `T`, `Option<T>` and `Response<T>` (so that the error names `T`).
fn validated_type(output: &Output) -> Option<(&Type, TokenStream)> {
    match &output.kind {
        OutputKind::Json => Some((&output.ty, output.ty.to_token_stream())),
        OutputKind::Optional => Some((&output.ty, option_argument(&output.ty))),
        OutputKind::Meta(inner) => validated_type(inner),
        _ => None,
    }
}

/// The runtime decoder for a return type.
fn decoder(krate: &Path, output: &Output) -> TokenStream {
    let ty = &output.ty;
    match &output.kind {
        OutputKind::Json => quote_spanned!(ty.span()=> #krate::__private::Json<#ty>),
        OutputKind::Optional => {
            let inner = option_argument(ty);
            quote_spanned!(ty.span()=> #krate::__private::Optional<#inner>)
        }
        OutputKind::Text => quote!(#krate::__private::Text),
        OutputKind::Bytes => quote!(#krate::__private::Raw),
        OutputKind::Unit => quote!(#krate::__private::Unit),
        OutputKind::Stream => quote!(#krate::__private::Streamed),
        OutputKind::Meta(inner) => {
            let inner = decoder(krate, inner);
            quote!(#krate::__private::WithMeta<#inner>)
        }
    }
}

/// The `T` of `Option<T>` (the kind was chosen because it is one).
fn option_argument(ty: &Type) -> TokenStream {
    if let Type::Path(p) = ty {
        if let Some(syn::PathArguments::AngleBracketed(args)) =
            p.path.segments.last().map(|s| &s.arguments)
        {
            if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                return quote!(#inner);
            }
        }
    }
    quote!(#ty)
}

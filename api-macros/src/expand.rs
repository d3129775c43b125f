//! Expansion: the model into the trait, the client struct and its impls.
//!
//! Generated code names the runtime only through `__private` (see `rt.rs`) and
//! std only through `::core` paths; its locals start with `__api_`.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemTrait, ReturnType, Signature, Type};

use crate::attr;
use crate::attr::RateLimitAttr;
use crate::ctxt::Ctxt;
use crate::model::{ApiTrait, Method, Output, OutputKind, unraw};
use crate::request::{builder_ident, client_arguments, emit_builder, probe};
use crate::rt::Rt;
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
            out.extend(crate::mock::emit(&api, &Rt::of(&api)));
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

/// The trait, client struct, constructors and trait impl. With `ok` false
/// the method bodies are `unreachable!()`: only the errors matter then.
fn expand(api: &ApiTrait, ok: bool) -> TokenStream {
    let rt = Rt::of(api);
    let trait_def = emit_trait(api);
    let trait_ident = &api.item.ident;
    let client = &api.client;
    let vis = &api.item.vis;
    let client_name = client.to_string();
    let struct_doc = format!(
        "The generated client of [`{trait_ident}`]: one pooled HTTP session, cheap to clone (clones share it).\n\n\
         Create it once with [`{client}::builder`] or [`{client}::new`] and reuse it."
    );
    let methods = api.methods.iter().map(|m| {
        if ok {
            emit_method(api, &rt, m)
        } else {
            emit_placeholder(m)
        }
    });
    let inherent = emit_inherent(api, &rt, ok);
    quote! {
        #trait_def

        #[doc = #struct_doc]
        #[derive(::core::clone::Clone)]
        #vis struct #client {
            __api_session: #rt::Session,
        }

        #inherent

        impl ::core::fmt::Debug for #client {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_tuple(#client_name).field(&self.__api_session).finish()
            }
        }

        impl #rt::FromCore for #client {
            fn from_core(core: #rt::Session) -> Self {
                #client { __api_session: core }
            }
        }

        impl #trait_ident for #client {
            #(#methods)*
        }
    }
}

/// The client's own functions: constructors, the session, per-client
/// overrides, and the request builders (used by the methods and the
/// mocks).
fn emit_inherent(api: &ApiTrait, rt: &Rt, ok: bool) -> TokenStream {
    let client = &api.client;
    let base = match &api.args.base {
        Some(base) => quote!(::core::option::Option::Some(#base)),
        None => quote!(::core::option::Option::None),
    };
    let builders = api.methods.iter().filter(|_| ok).filter_map(|m| {
        let endpoint = m.endpoint.as_ref()?;
        let split = endpoint
            .paginate
            .as_ref()
            .map(|p| crate::pages::emit_split(rt, m, p));
        let builder = emit_builder(api, rt, m, endpoint);
        Some(quote!(#builder #split))
    });
    let (limits_check, limits) = declared_limits(api, rt);
    let overrides = emit_overrides(client, rt);
    quote! {
        impl #client {
            /// Starts building a client with the declared base URL and the
            /// default policies; `.build()` finishes it.
            pub fn builder() -> #rt::ClientBuilder<Self> {
                #limits_check
                #rt::ClientBuilder::__new(#base) #(#limits)*
            }

            /// A client with the declared base URL and default settings.
            ///
            /// # Errors
            /// When no base URL was declared or the HTTP client cannot be
            /// initialised.
            pub fn new() -> #rt::Result<Self> {
                Self::builder().build()
            }

            /// The session this client runs on, shared by its clones: its
            /// cookies, metrics and base URL.
            pub fn session(&self) -> &#rt::Session {
                &self.__api_session
            }

            #overrides

            #(#builders)*
        }
    }
}

/// The client's per-client overrides: the same client (same pool) with
/// another deadline, attempt limit or retry policy.
fn emit_overrides(client: &syn::Ident, rt: &Rt) -> TokenStream {
    quote! {
        /// The same client (same connection pool) with another deadline
        /// for each call, every attempt and backoff included.
        pub fn with_timeout(&self, total: #rt::Duration) -> Self {
            #client { __api_session: self.__api_session.with_timeout(total) }
        }

        /// The same client (same connection pool) with another limit
        /// on each attempt.
        pub fn with_attempt_timeout(&self, attempt: #rt::Duration) -> Self {
            #client { __api_session: self.__api_session.with_attempt_timeout(attempt) }
        }

        /// The same client (same connection pool) with another retry
        /// policy for every endpoint.
        pub fn with_retry(&self, policy: #rt::RetryPolicy) -> Self {
            #client { __api_session: self.__api_session.with_retry(policy) }
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

fn emit_method(api: &ApiTrait, rt: &Rt, m: &Method) -> TokenStream {
    let Some(endpoint) = &m.endpoint else {
        return emit_placeholder(m);
    };
    let cfgs = cfg_attrs(m);
    let sig = desugar(&m.sig);
    let builder = builder_ident(m);
    let args = client_arguments(rt, endpoint);
    let decoder = decoder(rt, &endpoint.output);
    let validator = response_validator(rt, &endpoint.output);
    let ret_span = match &m.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => m.sig.ident.span(),
    };
    // `#[validate]`: a compile error at the type when it cannot be.
    let must_validate = endpoint
        .validate
        .and_then(|_| validated_type(&endpoint.output))
        .map(|(ty, checked)| quote_spanned!(ty.span()=> #rt::assert_validates::<#checked>();));
    let is_ours = assert_ours(rt, m);
    let call = quote!(Self::#builder(self.__api_session.__call_base(), #(#args),*));
    let streamed = stream_body(rt, m, endpoint, &call, &validator);
    if let Some(body) = streamed {
        // Pages and event streams: a plain `fn` that returns the stream.
        return quote! {
            #(#cfgs)*
            #[cfg_attr(debug_assertions, inline)]
            #sig {
                #must_validate
                #body
            }
        };
    }
    let send = if api.blocking {
        quote_spanned!(ret_span=> #rt::block_on_call::<#decoder>(&self.__api_session, __api_call, #validator))
    } else {
        quote_spanned!(ret_span=> self.__api_session.send::<#decoder>(__api_call, #validator))
    };
    // `#[inline]` in dev builds: not compiled where the trait is declared,
    // but in each crate that calls the method, and only if one does. A
    // crate wrapping a large API (GitHub's 1,223 operations) builds none
    // of the request and decoding code of the endpoints nobody calls. Not
    // in release builds, where an inline function is compiled into every
    // codegen unit that calls it (a 100-method client built 1.38× slower
    // than its hand-written twin, against 1.01× without).
    quote! {
        #(#cfgs)*
        #[cfg_attr(debug_assertions, inline)]
        #sig {
            #is_ours
            #must_validate
            let __api_call: #rt::Call = #call;
            #send
        }
    }
}

/// The body of a method that returns a stream (pages or events), if it
/// is one: the call, handed to the stream.
fn stream_body(
    rt: &Rt,
    m: &Method,
    endpoint: &crate::model::Endpoint,
    call: &TokenStream,
    checks: &TokenStream,
) -> Option<TokenStream> {
    let (call, checks) = (call.clone(), checks.clone());
    match (&endpoint.paginate, &endpoint.events) {
        (Some(p), _) => Some(crate::pages::emit_body(rt, m, endpoint, p, call, checks)),
        (None, Some(events)) => Some(crate::events::emit_body(rt, events, call, checks)),
        (None, None) => None,
    }
}

/// A `Result` that is not ours (`use anyhow::Result;`) is named as such,
/// at the user's return type.
fn assert_ours(rt: &Rt, m: &Method) -> Option<TokenStream> {
    match &m.sig.output {
        ReturnType::Type(_, ty) => {
            Some(quote_spanned!(ty.span()=> #rt::assert_api_result::<#ty>();))
        }
        ReturnType::Default => None,
    }
}

/// The checks of what a return type decodes from JSON (none for others).
fn response_validator(rt: &Rt, output: &Output) -> TokenStream {
    match &output.kind {
        OutputKind::Json | OutputKind::Optional => probe(rt, &output.ty),
        OutputKind::Meta(inner) => response_validator(rt, inner),
        OutputKind::Text | OutputKind::Bytes | OutputKind::Unit | OutputKind::Stream => {
            quote!(#rt::Checks::none())
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
fn decoder(rt: &Rt, output: &Output) -> TokenStream {
    let ty = &output.ty;
    match &output.kind {
        OutputKind::Json => quote_spanned!(ty.span()=> #rt::Json<#ty>),
        OutputKind::Optional => {
            let inner = option_argument(ty);
            quote_spanned!(ty.span()=> #rt::Optional<#inner>)
        }
        OutputKind::Text => quote!(#rt::Text),
        OutputKind::Bytes => quote!(#rt::Raw),
        OutputKind::Unit => quote!(#rt::Unit),
        OutputKind::Stream => quote!(#rt::Streamed),
        OutputKind::Meta(inner) => {
            let inner = decoder(rt, inner);
            quote!(#rt::WithMeta<#inner>)
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

/// The declared `#[rate_limit]`s, as builder calls (the trait's is the
/// client's limit, which `.rate_limit(…)` replaces), and the check that
/// the `rate-limit` feature is on, at the first declaration.
fn declared_limits(api: &ApiTrait, rt: &Rt) -> (TokenStream, Vec<TokenStream>) {
    let value = |r: &RateLimitAttr| {
        let per = format_ident!("per_{}", r.unit);
        let (calls, burst) = (r.calls, r.burst);
        quote!(#rt::RateLimit::#per(#calls).burst(#burst))
    };
    let mut calls: Vec<TokenStream> = api
        .rate_limit
        .iter()
        .map(|r| {
            let limit = value(r);
            quote!(.__declared_rate_limit(#limit))
        })
        .collect();
    let endpoints = api.methods.iter().filter_map(|m| {
        let limit = m.endpoint.as_ref()?.rate_limit.as_ref()?;
        Some((unraw(&m.sig.ident), limit))
    });
    let mut first = api.rate_limit.as_ref().map(|r| r.span);
    for (name, limit) in endpoints {
        first = first.or(Some(limit.span));
        let limit = value(limit);
        calls.push(quote!(.__endpoint_rate_limit(#name, #limit)));
    }
    let check = first.map_or_else(TokenStream::new, |span| {
        quote_spanned! {span=>
            const _: () = ::core::assert!(
                #rt::RATE_LIMIT_FEATURE,
                "`#[rate_limit]` needs the `rate-limit` feature of api-client: add `features = [\"rate-limit\"]` to its line in Cargo.toml"
            );
        }
    });
    (check, calls)
}

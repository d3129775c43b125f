//! Expansion of the typed mock kit (`GitHubMock`), emitted inside
//! `__private::if_mock!` so that it exists only with api-client's `mock`
//! feature. Each mock method records the expected request with the same
//! route pieces and argument roles as the client method.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{GenericArgument, Lifetime, Path, PathArguments, Type};

use crate::expand::{emit_path, endpoint_static, static_headers};
use crate::model::{ApiTrait, Endpoint, Method, Output, OutputKind, Role, unraw};

/// The mock kit of `api`.
pub fn emit(api: &ApiTrait, krate: &Path) -> TokenStream {
    let trait_ident = &api.item.ident;
    let mock = format_ident!("{}Mock", trait_ident);
    let vis = &api.item.vis;
    let api_name = trait_ident.to_string();
    let endpoints = api.methods.iter().filter_map(|m| {
        let e = m.endpoint.as_ref()?;
        let name = unraw(&m.sig.ident);
        let method = e.verb.name.to_ascii_uppercase();
        let route = &e.route.lit;
        Some(quote!((#name, #method, #route)))
    });
    let methods = api
        .methods
        .iter()
        .filter_map(|m| m.endpoint.as_ref().map(|e| emit_method(api, krate, m, e)));
    let doc = format!(
        "Typed mocks of [`{trait_ident}`] on a wiremock `MockServer`: one method per endpoint, taking \
         the same arguments (values or `api_client::mock::any()`). Point the client at `server.uri()`."
    );
    quote! {
        #krate::__private::if_mock! {
            #[doc = #doc]
            #vis struct #mock<'__api> {
                __api_kit: #krate::__private::MockKit<'__api>,
            }

            impl<'__api> #mock<'__api> {
                /// Mocks of the endpoints on `server`.
                pub fn new(server: &'__api #krate::__private::MockServer) -> Self {
                    const __API_ENDPOINTS: &[(&str, &str, &str)] = &[#(#endpoints),*];
                    #mock {
                        __api_kit: #krate::__private::MockKit::new(server, #api_name, __API_ENDPOINTS),
                    }
                }

                #(#methods)*
            }
        }
    }
}

fn emit_method(api: &ApiTrait, krate: &Path, m: &Method, endpoint: &Endpoint) -> TokenStream {
    let name = &m.sig.ident;
    let trait_ident = &api.item.ident;
    let doc = format!(
        "The mock of [`{trait_ident}::{name}`] (`{} {}`).",
        endpoint.verb.name.to_ascii_uppercase(),
        endpoint.route.lit.value()
    );
    let lifetime = Lifetime::new("'__api_arg", proc_macro2::Span::call_site());
    let generics = m
        .sig
        .generics
        .params
        .iter()
        .filter(|p| matches!(p, syn::GenericParam::Lifetime(_)));
    let recorder = format_ident!("__api_mock");
    let mut params = Vec::new();
    let mut conversions = Vec::new();
    let mut args = Vec::new();
    for p in &endpoint.params {
        let ident = &p.ident;
        let ty = name_elided(&p.ty, &lifetime);
        let opaque = matches!(p.role, Role::Part { .. } | Role::Body { stream: true, .. });
        if opaque {
            params.push(quote!(#ident: impl ::core::convert::Into<#krate::__private::AnyBody>));
            conversions.push(quote!(let #ident: #krate::__private::AnyBody = #ident.into();));
        } else {
            params.push(quote!(#ident: impl ::core::convert::Into<#krate::__private::Arg<#ty>>));
            conversions.push(quote!(let #ident: #krate::__private::Arg<#ty> = #ident.into();));
        }
        args.push(match &p.role {
            Role::Path => TokenStream::new(),
            Role::Query { key } => quote!(#recorder.query(#key, &#ident);),
            Role::Header { name } => quote! {
                #recorder.header(
                    {
                        const __API_NAME: #krate::__private::HeaderName =
                            #krate::__private::HeaderName::from_static(#name);
                        __API_NAME
                    },
                    &#ident,
                );
            },
            Role::Body {
                stream: false,
                omit_none: false,
            } => quote!(#recorder.json(&#ident);),
            Role::Body {
                stream: false,
                omit_none: true,
            } => quote!(#recorder.json_omitting_none(&#ident);),
            Role::Form => {
                let key = unraw(ident);
                quote!(#recorder.form(#key, &#ident);)
            }
            Role::Field { name } => quote!(#recorder.field(#name, &#ident);),
            Role::Part { .. } | Role::Body { stream: true, .. } => {
                quote!(#recorder.any_body(#ident);)
            }
        });
    }
    let endpoint_static = endpoint_static(api, krate, m, endpoint);
    let headers = static_headers(api, krate, endpoint, &recorder);
    let path = emit_path(endpoint, &recorder);
    let query_literal = endpoint
        .route
        .query
        .as_ref()
        .map(|q| quote!(#recorder.query_literal(#q);));
    let response = response_type(&endpoint.output);
    quote! {
        #[doc = #doc]
        #[allow(clippy::too_many_arguments)]
        pub fn #name<#lifetime, #(#generics),*>(&self, #(#params),*) -> #krate::__private::MockBuilder<'__api, #response> {
            #endpoint_static
            #(#conversions)*
            let mut __api_mock = #krate::__private::MockRequest::new(&__API_ENDPOINT);
            #(#headers)*
            #(#path)*
            #query_literal
            #(#args)*
            self.__api_kit.for_endpoint(__api_mock)
        }
    }
}

/// The type a mock's `returns(&R)` takes: the declared body type.
fn response_type(output: &Output) -> TokenStream {
    match &output.kind {
        OutputKind::Meta(inner) => response_type(inner),
        OutputKind::Stream => quote!(()),
        _ => {
            let ty = &output.ty;
            quote!(#ty)
        }
    }
}

/// `ty` with every elided lifetime (`&T`, `'_`) named `lifetime`: elided
/// lifetimes are not allowed in argument-position `impl Trait`.
fn name_elided(ty: &Type, lifetime: &Lifetime) -> Type {
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

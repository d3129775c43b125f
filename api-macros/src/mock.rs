//! Expansion of the typed mock kit (`GitHubMock`), emitted inside
//! `__private::if_mock!` so that it exists only with api-client's `mock`
//! feature. Each mock method fills its expected request with the client's
//! own request builder (`request.rs`), its arguments values or `any()`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{ApiTrait, Endpoint, Method, Output, OutputKind, unraw};
use crate::request::{
    builder_ident, lifetime_params, mock_arguments, mock_lifetime, name_elided, takes_body,
};
use crate::rt::Rt;

/// The mock kit of `api`.
pub fn emit(api: &ApiTrait, rt: &Rt) -> TokenStream {
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
        .filter_map(|m| m.endpoint.as_ref().map(|e| emit_method(api, rt, m, e)));
    let doc = format!(
        "Typed mocks of [`{trait_ident}`] on a wiremock `MockServer`: one method per endpoint, taking \
         the same arguments (values or `api_client::mock::any()`). Point the client at `server.uri()`."
    );
    quote! {
        #rt::if_mock! {
            #[doc = #doc]
            #vis struct #mock<'__api> {
                __api_kit: #rt::MockKit<'__api>,
            }

            impl<'__api> #mock<'__api> {
                /// Mocks of the endpoints on `server`.
                pub fn new(server: &'__api #rt::MockServer) -> Self {
                    const __API_ENDPOINTS: &[(&str, &str, &str)] = &[#(#endpoints),*];
                    #mock {
                        __api_kit: #rt::MockKit::new(server, #api_name, __API_ENDPOINTS),
                    }
                }

                #(#methods)*
            }
        }
    }
}

fn emit_method(api: &ApiTrait, rt: &Rt, m: &Method, endpoint: &Endpoint) -> TokenStream {
    let name = &m.sig.ident;
    let trait_ident = &api.item.ident;
    let client = &api.client;
    let doc = format!(
        "The mock of [`{trait_ident}::{name}`] (`{} {}`).",
        endpoint.verb.name.to_ascii_uppercase(),
        endpoint.route.lit.value()
    );
    let lifetime = mock_lifetime();
    let generics = lifetime_params(m);
    let (params, conversions) = mock_params(rt, endpoint, &lifetime);
    let builder = builder_ident(m);
    let args = mock_arguments(endpoint);
    let response = match &endpoint.events {
        Some(events) => {
            let item = &events.item;
            quote!(#rt::EventsBody<#item>)
        }
        None => response_type(&endpoint.output),
    };
    let cfgs = m.attrs.iter().filter(|a| a.path().is_ident("cfg"));
    if let Some(p) = &endpoint.paginate {
        let item = &p.item;
        let page = crate::pages::page_type(p);
        let paging = crate::pages::paging(rt, endpoint, p);
        let split = crate::pages::split_ident(m);
        let doc = format!("{doc} Its pages are served with `.pages(…)`.");
        return quote! {
            #(#cfgs)*
            #[doc = #doc]
            #[allow(clippy::too_many_arguments)]
            pub fn #name<#lifetime, #(#generics),*>(&self, #(#params),*) -> #rt::PagesMock<'__api, #item, #page> {
                #(#conversions)*
                let __api_mock: #rt::MockRequest = #client::#builder((), #(#args),*);
                self.__api_kit.for_pages(__api_mock, #paging, #client::#split)
            }
        };
    }
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #[allow(clippy::too_many_arguments)]
        pub fn #name<#lifetime, #(#generics),*>(&self, #(#params),*) -> #rt::MockBuilder<'__api, #response> {
            #(#conversions)*
            let __api_mock: #rt::MockRequest = #client::#builder((), #(#args),*);
            self.__api_kit.for_endpoint(__api_mock)
        }
    }
}

/// A mock method's parameters (a value or `any()` for each argument) and
/// their conversions to what the request builder takes.
fn mock_params(
    rt: &Rt,
    endpoint: &Endpoint,
    lifetime: &syn::Lifetime,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut params = Vec::new();
    let mut conversions = Vec::new();
    for p in &endpoint.params {
        let ident = &p.ident;
        if takes_body(p) {
            params.push(quote!(#ident: impl ::core::convert::Into<#rt::AnyBody>));
            conversions.push(quote!(let _: #rt::AnyBody = #ident.into();));
        } else {
            let ty = name_elided(&p.ty, lifetime);
            params.push(quote!(#ident: impl ::core::convert::Into<#rt::Arg<#ty>>));
            conversions.push(quote!(let #ident: #rt::Arg<#ty> = #ident.into();));
        }
    }
    (params, conversions)
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

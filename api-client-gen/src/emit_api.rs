//! Methods and traits to tokens: the `#[api]` declaration.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit_models::{TypePrinter, docs};
use crate::model::{Arg, Errors, EventFormat, Method, QueryStyle, Returns, Role, Status, Ty};

/// One `#[api]` trait to print.
pub struct ApiTrait {
    /// The trait's name.
    pub name: String,
    /// Its docs: the document's title, description, servers and auth.
    pub doc: String,
    /// The absolute base URL, if the document gives one.
    pub base: Option<String>,
    /// The error document shared by every method, declared on the trait.
    pub error: Option<Ty>,
    /// Its methods.
    pub methods: Vec<Method>,
}

impl TypePrinter<'_> {
    /// The trait and its `#[api]` attribute.
    pub fn api_trait(&self, api: &ApiTrait) -> TokenStream {
        let name = format_ident!("{}", api.name);
        let doc = docs(Some(&api.doc));
        let mut args = Vec::new();
        if let Some(base) = &api.base {
            args.push(quote!(base = #base));
        }
        if let Some(error) = &api.error {
            let error = self.ty(error);
            args.push(quote!(error = #error));
        }
        let attr = if args.is_empty() {
            quote!(#[api])
        } else {
            quote!(#[api(#(#args),*)])
        };
        let methods = api
            .methods
            .iter()
            .map(|m| self.method(m, api.error.as_ref()));
        quote! {
            #doc
            #attr
            pub trait #name {
                #(#methods)*
            }
        }
    }

    fn method(&self, m: &Method, shared_error: Option<&Ty>) -> TokenStream {
        let ident = format_ident!("{}", m.ident);
        let doc_text = if m.doc.is_empty() {
            format!("`{}`", m.operation)
        } else {
            m.doc.join("\n\n")
        };
        let doc = docs(Some(&doc_text));
        let deprecated = m.deprecated.then(|| quote!(#[deprecated]));
        let verb = format_ident!("{}", m.verb);
        let route = &m.route;
        let error = match &m.error {
            Some(Errors::One(e)) if Some(e) == shared_error => None,
            Some(Errors::One(e)) => {
                let e = self.ty(e);
                Some(quote!(#[error(#e)]))
            }
            Some(Errors::ByStatus(arms)) => {
                let arms = arms.iter().map(|(statuses, ty)| {
                    let patterns = statuses.iter().map(status_pattern);
                    let ty = self.ty(ty);
                    quote!(#(#patterns)|* => #ty)
                });
                Some(quote!(#[error(#(#arms),*)]))
            }
            None => None,
        };
        let no_auth = m.no_auth.then(|| quote!(#[no_auth]));
        let accept = m
            .accept
            .as_ref()
            .map(|media| quote!(#[header("Accept", #media)]));
        let multipart = m.multipart.then(|| quote!(#[multipart]));
        let signature = self.signature(m, &ident);
        quote! {
            #doc
            #deprecated
            #[#verb(#route)]
            #multipart
            #accept
            #error
            #no_auth
            #signature
        }
    }

    fn arg(&self, arg: &Arg) -> TokenStream {
        let ident = format_ident!("{}", arg.ident);
        let attr = match &arg.role {
            Role::Path => None,
            Role::Query(key, style) => {
                let mut args = Vec::new();
                if let Some(key) = key {
                    args.push(quote!(rename = #key));
                }
                args.extend(match style {
                    QueryStyle::Form => None,
                    QueryStyle::FormJoined => Some(quote!(explode = false)),
                    QueryStyle::SpaceDelimited => Some(quote!(style = "spaceDelimited")),
                    QueryStyle::PipeDelimited => Some(quote!(style = "pipeDelimited")),
                    QueryStyle::DeepObject => Some(quote!(style = "deepObject")),
                });
                Some(if args.is_empty() {
                    quote!(#[query])
                } else {
                    quote!(#[query(#(#args),*)])
                })
            }
            Role::Header(name) => Some(quote!(#[header(#name)])),
            Role::Cookie(name) => Some(quote!(#[cookie(#name)])),
            Role::Body => Some(quote!(#[body])),
            Role::Form => Some(quote!(#[form])),
            Role::Part(name) => Some(quote!(#[part(#name)])),
        };
        let ty = match arg.role {
            Role::Part(_) => self.part_ty(&arg.ty),
            _ => self.arg_ty(&arg.ty),
        };
        quote!(#attr #ident: #ty)
    }

    /// An argument's type: strings, slices and models borrowed, `Copy`
    /// values by value.
    pub fn arg_ty(&self, ty: &Ty) -> TokenStream {
        match ty {
            Ty::Option(inner) => {
                let inner = self.arg_ty(inner);
                quote!(Option<#inner>)
            }
            Ty::String => quote!(&str),
            Ty::Vec(item) => {
                let item = match &**item {
                    Ty::String => quote!(&str),
                    other => self.ty(other),
                };
                quote!(&[#item])
            }
            ty if self.is_copy(ty) => self.ty(ty),
            other => {
                let t = self.ty(other);
                quote!(&#t)
            }
        }
    }

    /// `async fn x(…) -> Result<T>`, or for an event stream the plain
    /// `fn x(…) -> Events<T>` with its format.
    fn signature(&self, m: &Method, ident: &proc_macro2::Ident) -> TokenStream {
        let args = m.args.iter().map(|a| self.arg(a));
        match &m.returns {
            Returns::Events(ty, format) => {
                let ty = self.ty(ty);
                let format = match format {
                    EventFormat::Sse => quote!(sse),
                    EventFormat::Lines => quote!(jsonl),
                };
                quote! {
                    #[stream(#format)]
                    fn #ident(&self, #(#args),*) -> api_client::Events<#ty>;
                }
            }
            returns => {
                let output = self.output(returns, m.with_headers);
                quote!(async fn #ident(&self, #(#args),*) -> Result<#output>;)
            }
        }
    }

    fn part_ty(&self, ty: &Ty) -> TokenStream {
        match ty {
            Ty::Option(inner) => {
                let inner = self.part_ty(inner);
                quote!(Option<#inner>)
            }
            Ty::String => quote!(&str),
            _ => quote!(api_client::Part),
        }
    }

    fn output(&self, returns: &Returns, with_headers: bool) -> TokenStream {
        let body = match returns {
            Returns::Unit => quote!(()),
            Returns::Json(ty) => self.ty(ty),
            Returns::Text => quote!(String),
            Returns::Bytes => quote!(api_client::Bytes),
            Returns::Events(ty, _) => self.ty(ty),
        };
        if with_headers {
            quote!(api_client::Response<#body>)
        } else {
            body
        }
    }
}

/// The `use` lines every generated module starts with.
pub fn prelude() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use api_client::{Deserialize, Result, api};
        #[allow(unused_imports)]
        use serde::Serialize;
    }
}

/// `404`, `400..=499` or `_`.
fn status_pattern(status: &Status) -> TokenStream {
    let literal = |n: u16| proc_macro2::Literal::u16_unsuffixed(n);
    match *status {
        Status::Code(code) => {
            let code = literal(code);
            quote!(#code)
        }
        Status::Class(class) => {
            let (lo, hi) = (literal(class * 100), literal(class * 100 + 99));
            quote!(#lo..=#hi)
        }
        Status::Default => quote!(_),
    }
}

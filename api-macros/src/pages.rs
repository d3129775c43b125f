//! Paginated endpoints (`#[paginate(…)]`): the checks that span the
//! attribute, the arguments and the types, and the expansion: the
//! client's method returns `Pages`, whose pages are split into items and
//! next-page hints by one function per endpoint (`__api_split_…`), read
//! by the client and by its typed mock alike.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::attr::{FieldPath, NextCursor, Scheme, Total};
use crate::ctxt::Ctxt;
use crate::model::{Endpoint, Method, Paginated, Role, unraw};
use crate::rt::Rt;

/// Checks a paginated endpoint: the argument its scheme names is a
/// `#[query]` argument, a non-GET says it may be walked, and the fields it
/// reads belong to a declared page type.
pub fn check(cx: &Ctxt, endpoint: &Endpoint) {
    let Some(p) = &endpoint.paginate else { return };
    if let Some(arg) = scheme_argument(&p.attr.scheme) {
        check_argument(cx, endpoint, arg);
    }
    if endpoint.verb.name != "get" && !p.attr.allow_non_get {
        cx.error_at(
            endpoint.verb.span,
            format!(
                "walking the pages sends this `{}` once per page: if that is safe (a search sent as a POST), say so with `#[paginate(…, allow_non_get)]`",
                endpoint.verb.name.to_ascii_uppercase()
            ),
        );
    }
    match (&p.attr.items, &p.page) {
        (Some((span, _)), None) => cx.error_at(
            *span,
            "`items` names a field of the page: declare the page type, `Pages<Item, Page>`",
        ),
        (None, Some(page)) => cx.error_spanned_by(
            page,
            "where are the items in this page type? add `items = field` to `#[paginate(…)]`",
        ),
        _ => {}
    }
    if p.page.is_none() {
        let page_fields = [
            p.attr.has_more.as_ref().map(|f| ("has_more", f)),
            match &p.attr.total {
                Some(Total::Field(f)) => Some(("total", f)),
                _ => None,
            },
            match &p.attr.next {
                Some(NextCursor::Field(f)) => Some(("next", f)),
                _ => None,
            },
        ];
        for (key, field) in page_fields.into_iter().flatten() {
            cx.error_at(
                field.0[0].span(),
                format!(
                    "`{key}` reads a field of the page, but the page is the items (a JSON array): declare the page type, `Pages<Item, Page>`"
                ),
            );
        }
    }
}

fn scheme_argument(scheme: &Scheme) -> Option<&Ident> {
    match scheme {
        Scheme::Link(_) => None,
        Scheme::Cursor(arg) | Scheme::Page(arg) | Scheme::Offset(arg) => Some(arg),
    }
}

fn check_argument(cx: &Ctxt, endpoint: &Endpoint, arg: &Ident) {
    let name = unraw(arg);
    match endpoint.params.iter().find(|p| unraw(&p.ident) == name) {
        None => {
            let names: Vec<String> = endpoint.params.iter().map(|p| unraw(&p.ident)).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let hint = crate::attr::did_you_mean(&name, &names)
                .map_or(String::new(), |n| format!(": did you mean `{n}`?"));
            cx.error_spanned_by(
                arg,
                format!("`{name}` is no argument of this method: the next page's value goes in one of its `#[query]` arguments{hint}"),
            );
        }
        Some(p) if !matches!(p.role, Role::Query { .. }) => cx.error_spanned_by(
            arg,
            format!(
                "`{name}` is {}: the next page's value goes in a `#[query]` argument",
                p.role.describe()
            ),
        ),
        Some(_) => {}
    }
}

/// The query key the scheme's argument is sent as.
fn query_key(endpoint: &Endpoint, arg: &Ident) -> String {
    let name = unraw(arg);
    endpoint
        .params
        .iter()
        .find_map(|p| match &p.role {
            Role::Query { key, .. } if unraw(&p.ident) == name => Some(key.clone()),
            _ => None,
        })
        .unwrap_or(name)
}

/// The endpoint's `Paging` value.
pub fn paging(rt: &Rt, endpoint: &Endpoint, p: &Paginated) -> TokenStream {
    let scheme = match &p.attr.scheme {
        Scheme::Link(_) => quote!(#rt::PageScheme::Link),
        Scheme::Cursor(arg) => {
            let key = query_key(endpoint, arg);
            quote!(#rt::PageScheme::Cursor(#key))
        }
        Scheme::Page(arg) => {
            let key = query_key(endpoint, arg);
            quote!(#rt::PageScheme::Page(#key))
        }
        Scheme::Offset(arg) => {
            let key = query_key(endpoint, arg);
            quote!(#rt::PageScheme::Offset(#key))
        }
    };
    let total_header = match &p.attr.total {
        Some(Total::Header(name)) => quote!(::core::option::Option::Some(#name)),
        _ => quote!(::core::option::Option::None),
    };
    quote!(#rt::Paging { scheme: #scheme, total_header: #total_header })
}

/// The page type each response decodes into.
pub fn page_type(p: &Paginated) -> TokenStream {
    let item = &p.item;
    match &p.page {
        Some(page) => quote!(#page),
        None => quote!(::std::vec::Vec<#item>),
    }
}

pub fn split_ident(m: &Method) -> Ident {
    format_ident!("__api_split_{}", unraw(&m.sig.ident))
}

/// A field the declaration names, read on the page (or an item): every
/// token of `on.a.b` at the user's field, so that a missing field or a
/// wrong type is reported there.
struct Fields<'a> {
    rt: &'a Rt,
}

impl Fields<'_> {
    fn span(path: &FieldPath) -> Span {
        path.0.last().map_or(Span::call_site(), Ident::span)
    }

    /// `on.a.b`, at the field's span.
    fn field(&self, path: &FieldPath, on: &str) -> TokenStream {
        let span = Self::span(path);
        let on = Ident::new(on, span);
        let members = &path.0;
        quote_spanned!(span=> #on #(.#members)*)
    }

    /// `rt::Trait::method(&__api_page.a.b)`: the field's value as the
    /// runtime reads it (a cursor, a flag, a count).
    fn read(&self, path: &FieldPath, tr: &str, method: &str) -> TokenStream {
        let rt = self.rt;
        let (tr, method) = (format_ident!("{}", tr), format_ident!("{}", method));
        let value = self.field(path, "__api_page");
        let call = quote_spanned!(Self::span(path)=> #tr::#method(&#value));
        quote!(#rt::#call)
    }

    /// `let __api_items: Vec<T> = …`: the page's items field, or the page.
    fn items(&self, p: &Paginated) -> TokenStream {
        let item = &p.item;
        match &p.attr.items {
            Some((_, path)) => {
                let value = self.field(path, "__api_page");
                quote_spanned!(Self::span(path)=> let __api_items: ::std::vec::Vec<#item> = #value;)
            }
            None => quote!(let __api_items: ::std::vec::Vec<#item> = __api_page;),
        }
    }

    /// The next cursor: read from the page before its items are moved out
    /// of it, or from the last item after.
    fn next(&self, p: &Paginated) -> (TokenStream, TokenStream) {
        let rt = self.rt;
        match &p.attr.next {
            Some(NextCursor::LastItem(path)) => {
                let value = self.field(path, "__api_item");
                let span = Self::span(path);
                let call = quote_spanned!(span=> CursorValue::cursor(&#value));
                let after = quote_spanned! {span=>
                    let __api_next = __api_items
                        .last()
                        .and_then(|__api_item| #rt::#call);
                };
                (quote!(), after)
            }
            Some(NextCursor::Field(path)) => {
                let next = self.read(path, "CursorValue", "cursor");
                let before =
                    quote!(let __api_next: ::core::option::Option<::std::string::String> = #next;);
                (before, quote!())
            }
            None => (
                quote!(let __api_next: ::core::option::Option<::std::string::String> = ::core::option::Option::None;),
                quote!(),
            ),
        }
    }
}

/// `fn __api_split_x(page: P) -> PageParts<T>`: the items, and the fields
/// the declaration names, each read at the user's tokens (so a field the
/// page does not have, or of the wrong type, is an error there).
pub fn emit_split(rt: &Rt, m: &Method, p: &Paginated) -> TokenStream {
    let name = split_ident(m);
    let (item, page) = (&p.item, page_type(p));
    let fields = Fields { rt };
    let none = quote!(::core::option::Option::None);
    let has_more = p
        .attr
        .has_more
        .as_ref()
        .map_or(none.clone(), |path| fields.read(path, "FlagValue", "flag"));
    let total = match &p.attr.total {
        Some(Total::Field(path)) => fields.read(path, "CountValue", "count"),
        _ => none,
    };
    let items = fields.items(p);
    let (next, next_from_last) = fields.next(p);
    let cfgs = m.attrs.iter().filter(|a| a.path().is_ident("cfg"));
    quote! {
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #name(__api_page: #page) -> #rt::PageParts<#item> {
            #next
            let __api_has_more: ::core::option::Option<bool> = #has_more;
            let __api_total: ::core::option::Option<u64> = #total;
            #items
            #next_from_last
            #rt::PageParts {
                items: __api_items,
                next: __api_next,
                has_more: __api_has_more,
                total: __api_total,
            }
        }
    }
}

/// The body of the client's paginated method.
pub fn emit_body(
    rt: &Rt,
    m: &Method,
    endpoint: &Endpoint,
    p: &Paginated,
    call: TokenStream,
    validator: TokenStream,
) -> TokenStream {
    let item = &p.item;
    let page = page_type(p);
    let paging = paging(rt, endpoint, p);
    let split = split_ident(m);
    quote! {
        let __api_call: #rt::Call = #call;
        #rt::Pages::<#item, #page>::__new(&self.__api_session, __api_call, #paging, #validator, Self::#split)
    }
}

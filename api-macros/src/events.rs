//! Event streams: a method returning `Events<T>`, a plain `fn` in either
//! kind of client (nothing is sent until the stream is polled), read as
//! `#[stream(…)]` says or as the response's content type does.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, ReturnType, Signature, Type};

use crate::attr::{StreamAttr, StreamFormatAttr};
use crate::ctxt::Ctxt;
use crate::rt::Rt;

/// A streaming endpoint: its item type and its declaration.
pub struct EventsDecl {
    pub item: Type,
    pub attr: Option<StreamAttr>,
}

const HELP: &str = "an event stream returns `Events<T>`, each event's data decoded as `T` (`Events<String>` for the data as text)";

/// The last path segment of a type, if it is a path.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// The one type argument of a path segment.
fn only_argument(segment: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let first = types.next()?;
    types.next().is_none().then_some(first)
}

/// Whether `sig` returns `Events<…>`.
pub fn returns_events(sig: &Signature) -> bool {
    matches!(&sig.output, ReturnType::Type(_, ty) if last_segment(ty).is_some_and(|s| s.ident == "Events"))
}

/// `Result<Events<T>>`: a stream wrapped where it should not be.
pub fn wrapped_events(sig: &Signature) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let inner = only_argument(last_segment(ty).filter(|s| s.ident == "Result")?)?;
    last_segment(inner)
        .is_some_and(|s| s.ident == "Events")
        .then_some(&**ty)
}

/// The `T` of `Events<T>`.
pub fn parse(cx: &Ctxt, sig: &Signature) -> Option<Type> {
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    match last_segment(ty).and_then(only_argument) {
        Some(item) => Some(item.clone()),
        None => {
            cx.error_spanned_by(ty, HELP);
            None
        }
    }
}

/// The body of a streaming method: the call, handed to the stream.
pub fn emit_body(
    rt: &Rt,
    decl: &EventsDecl,
    call: TokenStream,
    checks: TokenStream,
) -> TokenStream {
    let item = &decl.item;
    let (format, done, resumable) = match &decl.attr {
        Some(a) => (a.format, a.done.as_ref(), a.resumable),
        None => (None, None, false),
    };
    let format = match format {
        Some(StreamFormatAttr::Sse) => quote!(::core::option::Option::Some(#rt::StreamFormat::Sse)),
        Some(StreamFormatAttr::Lines) => {
            quote!(::core::option::Option::Some(#rt::StreamFormat::Lines))
        }
        None => quote!(::core::option::Option::None),
    };
    let done = match done {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    };
    quote::quote_spanned! {item.span()=>
        let __api_call: #rt::Call = #call;
        #rt::Events::<#item>::__new(
            &self.__api_session,
            __api_call,
            #rt::StreamDecl { format: #format, done: #done, resumable: #resumable },
            #checks,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_return_types_are_recognized() {
        let sig: Signature = syn::parse_quote!(fn a(&self) -> Events<Tick>);
        assert!(returns_events(&sig));
        let sig: Signature = syn::parse_quote!(fn a(&self) -> Result<Events<Tick>>);
        assert!(!returns_events(&sig) && wrapped_events(&sig).is_some());
        let sig: Signature = syn::parse_quote!(async fn a(&self) -> Result<Tick>);
        assert!(!returns_events(&sig) && wrapped_events(&sig).is_none());
    }
}

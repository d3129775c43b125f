//! The `#[api]` attribute of [api-client](https://docs.rs/api-client).
//! Depend on `api-client`, which re-exports it with its documentation.
//!
//! The pipeline: `attr` and `route` parse the user's tokens into the typed
//! `model`, recording every problem in a `ctxt::Ctxt`; `valid` checks what
//! spans several pieces; `expand` emits the trait, the client and its impl,
//! `request` the one function per endpoint that fills a request from its
//! arguments (called by the client and by the mock kit, `mock`), naming the
//! runtime only through the table of `rt`; `pages` checks and expands
//! paginated endpoints.
#![deny(missing_docs)]

mod attr;
mod case;
mod ctxt;
mod derive_de;
mod events;
mod expand;
mod mock;
mod model;
mod output;
mod pages;
mod request;
mod route;
mod rt;
mod valid;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Turns a trait into a typed REST client (expanded by `api-macros`; the
/// reference is the documentation of `api_client::api`).
#[proc_macro_attribute]
pub fn api(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::api(args.into(), item.into()).into()
}

/// `serde::Deserialize` for JSON models, in a fraction of the code serde's
/// derive writes (expanded by `api-macros`; the reference is the
/// documentation of `api_client::Deserialize`).
#[proc_macro_derive(Deserialize, attributes(serde, api_client))]
pub fn derive_deserialize(item: TokenStream) -> TokenStream {
    derive_de::derive(item.into()).into()
}

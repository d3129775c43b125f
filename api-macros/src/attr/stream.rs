//! `#[stream(…)]` on a method returning `Events<T>`: the format when the
//! content type does not say it (`sse`, `jsonl`), the data that ends the
//! stream (`done = "[DONE]"`), and `resumable` for a stream whose method
//! is not idempotent but may be resumed.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Meta};

use super::{DONE, JSONL, RESUMABLE, SSE, STREAM, unknown_argument};
use crate::ctxt::Ctxt;

/// The event format a declaration names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StreamFormatAttr {
    Sse,
    Lines,
}

/// A parsed `#[stream(…)]`.
pub struct StreamAttr {
    pub span: Span,
    pub format: Option<StreamFormatAttr>,
    pub done: Option<LitStr>,
    pub resumable: bool,
}

/// Parses `#[stream]` or `#[stream(sse | jsonl, done = "…", resumable)]`.
pub fn parse_stream(cx: &Ctxt, attr: &Attribute) -> Option<StreamAttr> {
    let mut out = StreamAttr {
        span: attr.path().span(),
        format: None,
        done: None,
        resumable: false,
    };
    if matches!(attr.meta, Meta::Path(_)) {
        return Some(out);
    }
    let (_, clean) = cx.scope(|cx| {
        let result = attr.parse_nested_meta(|meta| {
            let format = if meta.path.is_ident(SSE) {
                Some(StreamFormatAttr::Sse)
            } else if meta.path.is_ident(JSONL) {
                Some(StreamFormatAttr::Lines)
            } else {
                None
            };
            if let Some(format) = format {
                if out.format.replace(format).is_some() {
                    cx.error_spanned_by(&meta.path, "one format: `sse` or `jsonl`");
                }
            } else if meta.path.is_ident(DONE) {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    cx.error_spanned_by(
                        &lit,
                        "the end of a stream is the data of an event: it cannot be empty",
                    );
                }
                out.done = Some(lit);
            } else if meta.path.is_ident(RESUMABLE) {
                out.resumable = true;
            } else {
                unknown_argument(cx, &meta, STREAM, &[SSE, JSONL, DONE, RESUMABLE])?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    });
    clean.then_some(out)
}

//! The error accumulator: every stage records problems here and goes on,
//! so one build reports every mistake in a declaration.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects `syn::Error`s. It must be consumed with [`Ctxt::check`]: that
/// is where the errors become one combined error.
pub struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at the span of `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, message: M) {
        self.syn_error(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error at `span`.
    pub fn error_at<M: Display>(&self, span: Span, message: M) {
        self.syn_error(syn::Error::new(span, message));
    }

    /// Records an error that was already built.
    pub fn syn_error(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// Runs one parse with its own context and returns what it parsed
    /// with whether it found no problem; its problems are then recorded
    /// here too. A parse knows its own failures, not a count of everyone's.
    pub fn scope<T>(&self, parse: impl FnOnce(&Ctxt) -> T) -> (T, bool) {
        let local = Ctxt::new();
        let parsed = parse(&local);
        let clean = match local.check() {
            Ok(()) => true,
            Err(errors) => {
                self.syn_error(errors);
                false
            }
        };
        (parsed, clean)
    }

    /// Consumes the context: `Err` with every recorded error combined.
    pub fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for rest in errors {
            combined.combine(rest);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // A context dropped without `check` would lose errors: that is a bug
        // in this crate, never a user mistake.
        debug_assert!(
            std::thread::panicking() || self.errors.borrow().is_none(),
            "api-macros: an error context was dropped without being checked"
        );
    }
}

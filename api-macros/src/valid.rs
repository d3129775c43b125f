//! Checks that span several pieces of an endpoint: route placeholders
//! against arguments, and bodies against the HTTP method.

use std::collections::HashMap;

use quote::ToTokens;

use crate::ctxt::Ctxt;
use crate::model::{ApiTrait, Endpoint, Param, Role, unraw};

pub fn check(cx: &Ctxt, api: &ApiTrait) {
    if let Some(base) = &api.args.base {
        if let Err(problem) = check_base(&base.value()) {
            cx.error_spanned_by(
                base,
                format!("invalid base URL `{}`: {problem}", base.value()),
            );
        }
    }
    for endpoint in api.methods.iter().filter_map(|m| m.endpoint.as_ref()) {
        check_route_bindings(cx, endpoint);
        check_body(cx, endpoint);
        check_retry(cx, endpoint);
        check_validate(cx, endpoint);
        crate::pages::check(cx, endpoint);
    }
}

/// `#[validate]` needs something validated: a JSON response type.
/// (`#[body(omit_none)]` on a stream is checked here too.)
fn check_validate(cx: &Ctxt, endpoint: &Endpoint) {
    use crate::model::OutputKind;
    if let Some(span) = endpoint.validate {
        let mut output = &endpoint.output;
        while let OutputKind::Meta(inner) = &output.kind {
            output = inner;
        }
        if !matches!(output.kind, OutputKind::Json | OutputKind::Optional) {
            cx.error_at(
                span,
                "`#[validate]` needs a JSON response type to validate: `String`, `Bytes`, `()` and `ByteStream` are never validated",
            );
        }
    }
    for p in &endpoint.params {
        if matches!(
            p.role,
            Role::Body {
                stream: true,
                omit_none: true
            }
        ) {
            cx.error_spanned_by(
                &p.ty,
                "`omit_none` applies to a JSON body: an `Upload` is sent as it is",
            );
        }
    }
}

/// An absolute http(s) URL with a host, and no query, fragment or blanks.
fn check_base(base: &str) -> Result<(), &'static str> {
    let lower = base.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or("it must be an absolute `http://` or `https://` URL")?;
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err("it has no host");
    }
    if base.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or control characters");
    }
    if base.contains(['?', '#']) {
        return Err("it cannot have a query or a fragment: put those in routes");
    }
    if let Some((_, port)) = authority
        .rsplit_once(':')
        .filter(|_| !authority.ends_with(']'))
    {
        if port.parse::<u16>().is_err() && !port.is_empty() {
            return Err("its port is not a number from 0 to 65535");
        }
    }
    Ok(())
}

fn check_route_bindings(cx: &Ctxt, endpoint: &Endpoint) {
    let route = &endpoint.route;
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for ph in route.placeholders() {
        if seen.insert(&ph.name, ()).is_some() {
            cx.error_at(
                ph.span,
                format!(
                    "route parameter `<{}>` appears twice in `{}`: each argument fills one place",
                    ph.name,
                    route.lit.value()
                ),
            );
            continue;
        }
        match endpoint.params.iter().find(|p| unraw(&p.ident) == ph.name) {
            None => cx.error_at(
                ph.span,
                format!(
                    "route parameter `<{}>` in `{}` has no argument: add an argument `{}` or remove `<{}>`",
                    ph.name,
                    route.lit.value(),
                    ph.name,
                    ph.name
                ),
            ),
            Some(p) if !matches!(p.role, Role::Path) => {
                let mut e = syn::Error::new(
                    p.span,
                    format!(
                        "argument `{}` fills `<{}>` in the route, so it cannot also be {}",
                        ph.name,
                        ph.name,
                        p.role.describe()
                    ),
                );
                e.combine(syn::Error::new(ph.span, format!("`<{}>` is bound here", ph.name)));
                cx.syn_error(e);
            }
            Some(_) => {}
        }
    }
    for p in &endpoint.params {
        let name = unraw(&p.ident);
        if matches!(p.role, Role::Path) && !seen.contains_key(name.as_str()) {
            cx.error_spanned_by(
                &p.ident,
                format!(
                    "argument `{name}` is not used: add `<{name}>` to the route `{}`, or mark it `#[query]`, `#[header(\"…\")]` or `#[body]`",
                    route.lit.value()
                ),
            );
        }
    }
}

fn check_body(cx: &Ctxt, endpoint: &Endpoint) {
    let of = |f: fn(&Role) -> bool| endpoint.params.iter().filter(move |p| f(&p.role));
    let bodies: Vec<&Param> = of(|r| matches!(r, Role::Body { .. })).collect();
    let forms: Vec<&Param> = of(|r| matches!(r, Role::Form)).collect();
    let fields: Vec<&Param> = of(|r| matches!(r, Role::Field { .. })).collect();
    let parts: Vec<&Param> = of(|r| matches!(r, Role::Part { .. })).collect();
    at_most_one(cx, &bodies, &forms);
    // One kind of body: JSON or stream, form, or multipart.
    let kinds = [
        bodies.first().map(|p| (p.span, "`#[body]`")),
        forms
            .first()
            .or(fields.first())
            .map(|p| (p.span, "`#[form]`/`#[field]`")),
        parts.first().map(|p| (p.span, "`#[part]`")),
    ];
    let present: Vec<_> = kinds.iter().flatten().collect();
    if let [(_, first), rest @ ..] = present.as_slice() {
        for (span, what) in rest {
            cx.error_at(
                *span,
                format!(
                    "{what} cannot be combined with {first}: an endpoint sends one kind of body"
                ),
            );
        }
    }
    match (endpoint.multipart, parts.first()) {
        (None, Some(part)) => cx.error_at(
            part.span,
            "a `#[part]` argument needs `#[multipart]` on the method",
        ),
        (Some(span), None) => cx.error_at(
            span,
            "`#[multipart]` needs at least one `#[part(\"name\")]` argument",
        ),
        _ => {}
    }
    no_body_on_get(cx, endpoint, present.first().copied());
}

/// At most one `#[body]` and one `#[form]`.
fn at_most_one(cx: &Ctxt, bodies: &[&Param], forms: &[&Param]) {
    for (list, what, fix) in [
        (bodies, "`#[body]`", "group the values in one struct"),
        (
            forms,
            "`#[form]`",
            "group the fields in one struct, or use `#[field(\"name\")]`",
        ),
    ] {
        if let [first, rest @ ..] = list {
            for extra in rest {
                let mut e = syn::Error::new(
                    extra.span,
                    format!("an endpoint has at most one {what}: {fix}"),
                );
                e.combine(syn::Error::new(
                    first.span,
                    format!("the first {what} is here"),
                ));
                cx.syn_error(e);
            }
        }
    }
}

/// A GET or HEAD request has no body.
fn no_body_on_get(cx: &Ctxt, endpoint: &Endpoint, body: Option<&(proc_macro2::Span, &str)>) {
    let verb = endpoint.verb.name;
    if matches!(verb, "get" | "head") {
        if let Some((span, what)) = body {
            let mut e = syn::Error::new(
                *span,
                format!(
                    "a `{}` request cannot have a body ({what}): servers and proxies may drop it; use `#[query]` arguments, or `#[post]`",
                    verb.to_ascii_uppercase()
                ),
            );
            e.combine(syn::Error::new_spanned(
                endpoint.verb.route.to_token_stream(),
                format!("the method is `#[{verb}]`"),
            ));
            cx.syn_error(e);
        }
    }
}

/// Whether the endpoint's body is streamed, so it cannot be sent twice.
fn streams_body(endpoint: &Endpoint) -> bool {
    endpoint.multipart.is_some()
        || endpoint
            .params
            .iter()
            .any(|p| matches!(p.role, Role::Body { stream: true, .. }))
}

/// A POST or PATCH replayed after a failure may act twice: forcing
/// retries on one needs `#[idempotent]`.
fn check_retry(cx: &Ctxt, endpoint: &Endpoint) {
    if let Some((crate::attr::RetryAttr::Attempts(n), tokens)) = &endpoint.retry {
        if *n > 1 && streams_body(endpoint) {
            cx.error_spanned_by(
                tokens,
                format!(
                    "`#[retry(attempts = {n})]` on an endpoint whose body is streamed (an `Upload` or `#[multipart]`): a streamed body cannot be sent twice, so it is never retried"
                ),
            );
            return;
        }
    }
    let verb = endpoint.verb.name;
    if !matches!(verb, "post" | "patch") || endpoint.idempotent.is_some() {
        return;
    }
    if let Some((crate::attr::RetryAttr::Attempts(n), tokens)) = &endpoint.retry {
        if *n > 1 {
            cx.error_spanned_by(
                tokens,
                format!(
                    "`#[retry(attempts = {n})]` on a `{}`: a retried {} may be applied twice; mark the endpoint `#[idempotent]` if the server deduplicates it (or send an `Idempotency-Key` header)",
                    verb.to_ascii_uppercase(),
                    verb.to_ascii_uppercase()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_base;

    #[test]
    fn base_urls() {
        for ok in [
            "https://api.github.com",
            "http://127.0.0.1:8080/v2/",
            "HTTPS://H",
            "http://[::1]:80",
        ] {
            assert!(check_base(ok).is_ok(), "{ok}");
        }
        for bad in [
            "api.github.com",
            "ftp://h",
            "https://",
            "http://h?x=1",
            "http://h/#a",
            "http://h:99999",
            "http://a b",
        ] {
            assert!(check_base(bad).is_err(), "{bad}");
        }
    }
}

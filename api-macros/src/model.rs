//! The typed model of an `#[api]` trait, built from syn's tree. Every node
//! keeps the user's tokens (and so their spans) next to the parsed value.
//! Building it records every problem in the context and carries on.

use proc_macro2::Span;
use quote::format_ident;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, ItemTrait, Pat, Signature, TraitItem, TraitItemFn, Type};

use crate::attr::{
    self, ApiArgs, EnvelopeAttr, ErrorDecl, MethodAttr, PaginateAttr, ParamAttr, RateLimitAttr,
    RetryAttr, StaticHeader, TimeoutAttr, Verb,
};
use crate::ctxt::Ctxt;
use crate::events::EventsDecl;
use crate::route::{self, Route};

/// The whole declaration.
pub struct ApiTrait {
    /// The trait without the items and attributes that are ours.
    pub item: ItemTrait,
    pub args: ApiArgs,
    pub client: Ident,
    pub headers: Vec<StaticHeader>,
    /// `#[envelope(…)]` on the trait.
    pub envelope: Option<EnvelopeAttr>,
    /// `#[rate_limit(…)]` on the trait: the client's limit.
    pub rate_limit: Option<RateLimitAttr>,
    /// Every method, cleaned, for the emitted trait and impl.
    pub methods: Vec<Method>,
    /// Plain `fn` methods: a blocking client.
    pub blocking: bool,
}

/// One trait method as emitted, and its endpoint when it parsed.
pub struct Method {
    pub attrs: Vec<Attribute>,
    pub sig: Signature,
    pub endpoint: Option<Endpoint>,
    /// Declared `#[paginate(…)]` (even if it did not parse): a plain `fn`
    /// returning `Pages`, in an async client as in a blocking one.
    pub paginated: bool,
    /// Returns `Events<T>`: a plain `fn` too.
    pub streams: bool,
}

/// A paginated endpoint: how its pages chain, and its item and page types.
pub struct Paginated {
    pub attr: PaginateAttr,
    pub item: Type,
    /// The declared page type (`Pages<T, P>`); `None`: the page is `Vec<T>`.
    pub page: Option<Type>,
}

pub struct Endpoint {
    pub verb: Verb,
    pub route: Route,
    pub headers: Vec<StaticHeader>,
    /// `#[idempotent]` (or `#[idempotency_key]`), with its span.
    pub idempotent: Option<Span>,
    /// `#[idempotency_key]`: the header a new key per call goes in.
    pub idempotency_key: Option<String>,
    pub retry: Option<(RetryAttr, proc_macro2::TokenStream)>,
    pub timeout: TimeoutAttr,
    /// `#[rate_limit(…)]` on the method: the endpoint's own limit.
    pub rate_limit: Option<RateLimitAttr>,
    /// `#[error(…)]` on the method.
    pub error: Option<ErrorDecl>,
    /// `#[envelope(…)]` on the method.
    pub envelope: Option<EnvelopeAttr>,
    /// `#[multipart]`, with its span.
    pub multipart: Option<Span>,
    /// `#[no_auth]`.
    pub no_auth: bool,
    /// `#[validate]`, with its span.
    pub validate: Option<Span>,
    /// `#[paginate(…)]`.
    pub paginate: Option<Paginated>,
    /// An event stream (`Events<T>`, `#[stream(…)]`).
    pub events: Option<crate::events::EventsDecl>,
    pub params: Vec<Param>,
    /// What a response decodes into (each page's, when paginated).
    pub output: Output,
}

pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    pub role: Role,
    /// The attribute that gave the role, or the argument's name.
    pub span: Span,
}

pub enum Role {
    /// Bound to a route placeholder of the same name.
    Path,
    Query {
        key: String,
        style: attr::QueryForm,
    },
    Header {
        name: String,
    },
    /// `#[cookie("name")]`.
    Cookie {
        name: String,
    },
    /// `#[body]`: JSON, or a streamed `Upload`; `omit_none` leaves `None`
    /// fields out of the JSON.
    Body {
        stream: bool,
        omit_none: bool,
    },
    Form,
    Field {
        name: String,
    },
    Part {
        name: String,
    },
}

impl Role {
    pub fn describe(&self) -> &'static str {
        match self {
            Role::Path => "a path argument",
            Role::Query { .. } => "`#[query]`",
            Role::Header { .. } => "`#[header]`",
            Role::Cookie { .. } => "`#[cookie]`",
            Role::Body { .. } => "`#[body]`",
            Role::Form => "`#[form]`",
            Role::Field { .. } => "`#[field]`",
            Role::Part { .. } => "`#[part]`",
        }
    }
}

pub use crate::output::{Output, OutputKind};

impl ApiTrait {
    pub fn parse(cx: &Ctxt, args: ApiArgs, mut item: ItemTrait) -> ApiTrait {
        check_trait_shape(cx, &item);
        let mut headers = Vec::new();
        let mut envelope = None;
        let mut rate_limit = None;
        item.attrs.retain(|a| {
            if a.path().is_ident(attr::HEADER) {
                headers.extend(attr::parse_static_header(cx, a));
                false
            } else if a.path().is_ident(attr::ENVELOPE) {
                envelope = attr::parse_envelope(cx, a);
                false
            } else if a.path().is_ident(attr::RATE_LIMIT) {
                once(cx, &mut rate_limit, attr::parse_rate_limit(cx, a));
                false
            } else {
                true
            }
        });
        let crate_name = args
            .krate
            .as_ref()
            .and_then(|k| k.segments.last())
            .map_or_else(|| "api_client".to_owned(), |s| s.ident.to_string());
        let mut methods = Vec::new();
        for trait_item in std::mem::take(&mut item.items) {
            match trait_item {
                TraitItem::Fn(f) => methods.push(parse_method(cx, f, &crate_name)),
                other => cx.error_spanned_by(
                    &other,
                    "an `#[api]` trait holds only endpoint methods: move this item elsewhere",
                ),
            }
        }
        let client = args
            .client
            .clone()
            .unwrap_or_else(|| format_ident!("{}Client", item.ident));
        let blocking = check_mode(cx, args.blocking, &methods);
        ApiTrait {
            blocking,
            item,
            args,
            client,
            headers,
            envelope,
            rate_limit,
            methods,
        }
    }
}

/// Keeps the first `#[rate_limit]`; a second is an error at its name.
fn once(cx: &Ctxt, slot: &mut Option<RateLimitAttr>, parsed: Option<RateLimitAttr>) {
    match (slot.as_ref(), parsed) {
        (Some(_), Some(again)) => cx.error_at(
            again.span,
            "`#[rate_limit]` is given twice: declare one limit here",
        ),
        (None, parsed) => *slot = parsed,
        (Some(_), None) => {}
    }
}

/// Async or blocking: `#[api(blocking)]` or plain `fn`s throughout make a
/// blocking client; a mix is an error.
fn check_mode(cx: &Ctxt, declared: Option<Span>, methods: &[Method]) -> bool {
    // A paginated method, or an event stream, is a plain `fn` in either
    // kind of client.
    for m in methods.iter().filter(|m| m.paginated || m.streams) {
        if let Some(asyncness) = &m.sig.asyncness {
            let what = if m.paginated {
                "a paginated method"
            } else {
                "an event stream"
            };
            cx.error_spanned_by(
                asyncness,
                format!(
                    "{what} returns its stream at once (nothing is sent until it is polled): write `fn {}` without `async`",
                    m.sig.ident
                ),
            );
        }
    }
    let (asyncs, plains): (Vec<&Method>, Vec<&Method>) = methods
        .iter()
        .filter(|m| !m.paginated && !m.streams)
        .partition(|m| m.sig.asyncness.is_some());
    if declared.is_some() {
        for m in asyncs {
            cx.error_spanned_by(
                m.sig.asyncness,
                format!(
                    "`#[api(blocking)]` declares a blocking client: write `fn {}` without `async`",
                    m.sig.ident
                ),
            );
        }
        return true;
    }
    if asyncs.is_empty() {
        return !plains.is_empty();
    }
    for m in plains {
        cx.error_spanned_by(
            m.sig.fn_token,
            format!(
                "`{}` is not `async` but other endpoints are: a client is async (write `async fn {}`) or blocking (every method a plain `fn`, or `#[api(blocking)]`)",
                m.sig.ident, m.sig.ident
            ),
        );
    }
    false
}

fn check_trait_shape(cx: &Ctxt, item: &ItemTrait) {
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &item.generics,
            "an `#[api]` trait cannot be generic: the generated client implements it for one concrete API",
        );
    }
    if let Some(unsafety) = &item.unsafety {
        cx.error_spanned_by(unsafety, "an `#[api]` trait cannot be `unsafe`");
    }
    if let Some(auto) = &item.auto_token {
        cx.error_spanned_by(auto, "an `#[api]` trait cannot be an auto trait");
    }
}

/// A method's attributes, each read once: ours parsed, the others kept.
#[derive(Default)]
struct MethodAttrs {
    kept: Vec<Attribute>,
    verbs: Vec<Verb>,
    headers: Vec<StaticHeader>,
    idempotent: Option<Span>,
    idempotency_key: Option<(Span, String)>,
    retry: Option<(RetryAttr, proc_macro2::TokenStream)>,
    timeout: TimeoutAttr,
    rate_limit: Option<RateLimitAttr>,
    error: Option<ErrorDecl>,
    envelope: Option<EnvelopeAttr>,
    multipart: Option<Span>,
    no_auth: bool,
    validate: Option<Span>,
    paginate: Option<PaginateAttr>,
    /// `#[paginate]` is there, parsed or not.
    paginated: bool,
    stream: Option<crate::attr::StreamAttr>,
    /// An attribute of ours could not be parsed (its error is recorded).
    failed: bool,
}

impl MethodAttrs {
    fn parse(cx: &Ctxt, attrs: &[Attribute], method: &Ident) -> MethodAttrs {
        let mut out = MethodAttrs::default();
        for a in attrs {
            match attr::parse_method_attr(cx, a) {
                Some(MethodAttr::Verb(verb)) => {
                    if let Some(first) = out.verbs.first() {
                        cx.error_at(
                            verb.span,
                            format!(
                                "`{method}` already has `#[{}]`: an endpoint has exactly one HTTP method",
                                first.name
                            ),
                        );
                        out.failed = true;
                    }
                    out.verbs.push(verb);
                }
                Some(MethodAttr::Header(h)) => out.headers.push(h),
                Some(MethodAttr::Idempotent(span)) => out.idempotent = Some(span),
                Some(MethodAttr::IdempotencyKey(span, name)) => {
                    out.idempotency_key = Some((span, name));
                }
                Some(MethodAttr::Retry(r, tokens)) => out.retry = Some((r, tokens)),
                Some(MethodAttr::Error(ty)) => out.error = Some(*ty),
                Some(MethodAttr::Envelope(e)) => out.envelope = Some(e),
                Some(MethodAttr::Multipart(span)) => out.multipart = Some(span),
                Some(MethodAttr::NoAuth) => out.no_auth = true,
                Some(MethodAttr::Validate(span)) => out.validate = Some(span),
                Some(MethodAttr::RateLimit(r)) => once(cx, &mut out.rate_limit, Some(r)),
                Some(MethodAttr::Paginate(p)) => {
                    if out.paginated {
                        cx.error_at(p.span, "`#[paginate]` is given twice");
                        out.failed = true;
                    }
                    out.paginate = Some(*p);
                    out.paginated = true;
                }
                Some(MethodAttr::BadPaginate) => {
                    out.paginated = true;
                    out.failed = true;
                }
                Some(MethodAttr::Stream(stream)) => {
                    if out.stream.is_some() {
                        cx.error_at(stream.span, "`#[stream]` is given twice");
                        out.failed = true;
                    }
                    out.stream = Some(stream);
                }
                Some(MethodAttr::Timeout(t)) => {
                    out.timeout.total = t.total.or(out.timeout.total);
                    out.timeout.attempt = t.attempt.or(out.timeout.attempt);
                }
                Some(MethodAttr::Other(a)) => out.kept.push(*a),
                None => out.failed = true,
            }
        }
        out
    }
}

fn parse_method(cx: &Ctxt, f: TraitItemFn, crate_name: &str) -> Method {
    let TraitItemFn {
        attrs,
        mut sig,
        default,
        ..
    } = f;
    let mut a = MethodAttrs::parse(cx, &attrs, &sig.ident);
    let mut ok = !a.failed;
    if let Some(body) = &default {
        cx.error_spanned_by(
            body,
            "an endpoint is declared without a body: the generated client implements it",
        );
        ok = false;
    }
    ok &= check_signature(cx, &sig);
    let params = parse_params(cx, &mut sig);
    let paginated = a.paginated;
    let streams =
        crate::events::returns_events(&sig) || crate::events::wrapped_events(&sig).is_some();
    let (output, paginate, events) = parse_output(cx, &sig, &mut a, crate_name);
    let route = a.verbs.first().and_then(|v| route::parse(cx, &v.route));
    // A verb attribute that failed to parse already said what is wrong.
    if a.verbs.is_empty() && !a.failed {
        cx.error_at(
            sig.ident.span(),
            format!(
                "`{}` has no HTTP method: add one of `#[get(\"/path\")]`, `#[post(…)]`, `#[put(…)]`, `#[patch(…)]`, `#[delete(…)]`, `#[head(…)]`, `#[options(…)]`",
                sig.ident
            ),
        );
    }
    let kept = std::mem::take(&mut a.kept);
    let verb = std::mem::take(&mut a.verbs).into_iter().next();
    let endpoint = match (ok, verb, route, params, output) {
        (true, Some(verb), Some(route), Some(params), Some(output)) => {
            let mut endpoint = endpoint(a, verb, route, params, output, paginate);
            endpoint.events = events;
            Some(endpoint)
        }
        _ => None,
    };
    Method {
        attrs: kept,
        sig,
        endpoint,
        paginated,
        streams,
    }
}

/// The return type: a declared output; for a paginated method, the
/// pages' output and the declaration of how they chain; for an event
/// stream, its item (decoded and validated as a response) and its
/// declaration.
fn parse_output(
    cx: &Ctxt,
    sig: &Signature,
    a: &mut MethodAttrs,
    crate_name: &str,
) -> (Option<Output>, Option<Paginated>, Option<EventsDecl>) {
    if crate::events::returns_events(sig) {
        return parse_events(cx, sig, a);
    }
    if let Some(stream) = a.stream.take() {
        cx.error_at(
            stream.span,
            "`#[stream(…)]` declares an event stream: the method returns `Events<T>` (a plain `fn`)",
        );
    }
    if let Some(ty) = crate::events::wrapped_events(sig) {
        cx.error_spanned_by(
            ty,
            "return `Events<T>` itself, not in a `Result`: each event is a `Result`, and the call's own errors come as the first",
        );
        return (None, None, None);
    }
    if !a.paginated {
        return (crate::output::parse(cx, sig, crate_name), None, None);
    }
    match (crate::output::parse_pages(cx, sig), a.paginate.take()) {
        (Some(pages), Some(attr)) => {
            let (item, page) = (pages.item, pages.page);
            (
                Some(pages.output),
                Some(Paginated { attr, item, page }),
                None,
            )
        }
        (Some(pages), None) => (Some(pages.output), None, None),
        (None, _) => (None, None, None),
    }
}

/// An event stream's output: each event's data, as JSON.
fn parse_events(
    cx: &Ctxt,
    sig: &Signature,
    a: &mut MethodAttrs,
) -> (Option<Output>, Option<Paginated>, Option<EventsDecl>) {
    if a.paginated {
        cx.error_spanned_by(
            &sig.output,
            "a method returns pages or events, not both: `#[paginate]` returns `Pages<T>`",
        );
        return (None, None, None);
    }
    let Some(item) = crate::events::parse(cx, sig) else {
        return (None, None, None);
    };
    let output = Output {
        ty: item.clone(),
        kind: OutputKind::Json,
    };
    let decl = EventsDecl {
        item,
        attr: a.stream.take(),
    };
    (Some(output), None, Some(decl))
}

/// An endpoint from its parsed parts.
fn endpoint(
    a: MethodAttrs,
    verb: Verb,
    route: Route,
    params: Vec<Param>,
    output: Output,
    paginate: Option<Paginated>,
) -> Endpoint {
    Endpoint {
        verb,
        route,
        headers: a.headers,
        idempotent: a
            .idempotent
            .or(a.idempotency_key.as_ref().map(|(span, _)| *span)),
        idempotency_key: a.idempotency_key.map(|(_, name)| name),
        retry: a.retry,
        timeout: a.timeout,
        rate_limit: a.rate_limit,
        error: a.error,
        envelope: a.envelope,
        multipart: a.multipart,
        no_auth: a.no_auth,
        validate: a.validate,
        paginate,
        events: None,
        params,
        output,
    }
}

/// Receiver, asyncness, generics, qualifiers. Returns whether it is usable.
fn check_signature(cx: &Ctxt, sig: &Signature) -> bool {
    cx.scope(|cx| signature_problems(cx, sig)).1
}

fn signature_problems(cx: &Ctxt, sig: &Signature) {
    match sig.receiver() {
        Some(r) if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none() => {}
        Some(r) => cx.error_spanned_by(
            r,
            "an endpoint takes `&self`: the client is shared, so it cannot be moved or borrowed mutably",
        ),
        None => cx.error_at(
            sig.paren_token.span.open(),
            format!("`{}` needs a `&self` receiver: write `fn {}(&self, …)`", sig.ident, sig.ident),
        ),
    }
    let has_type_generics = sig
        .generics
        .params
        .iter()
        .any(|p| !matches!(p, syn::GenericParam::Lifetime(_)));
    if has_type_generics || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            "an endpoint cannot be generic: use concrete argument types (`&str`, `&T`, `Option<u32>`…)",
        );
    }
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(c, "an endpoint cannot be `const`");
    }
    if let Some(u) = &sig.unsafety {
        cx.error_spanned_by(u, "an endpoint cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "an endpoint cannot declare an ABI");
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "an endpoint cannot be variadic");
    }
}

/// Reads each argument's role and strips our attributes from the signature.
fn parse_params(cx: &Ctxt, sig: &mut Signature) -> Option<Vec<Param>> {
    let mut params = Vec::new();
    let mut ok = true;
    for input in sig.inputs.iter_mut() {
        let FnArg::Typed(arg) = input else { continue };
        let (role, role_span) = take_role(cx, arg, &mut ok);
        let ident = match &*arg.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() => {
                p.ident.clone()
            }
            other => {
                cx.error_spanned_by(
                    other,
                    "an endpoint argument must be a plain name (`login: &str`): it names the value on the wire",
                );
                ok = false;
                continue;
            }
        };
        params.push(Param {
            span: role_span.unwrap_or_else(|| ident.span()),
            role: role_of(role, &ident, &arg.ty),
            ident,
            ty: (*arg.ty).clone(),
        });
    }
    ok.then_some(params)
}

/// The argument's role attribute (taken off it, with its span); `ok` is
/// cleared when one is wrong or there are several.
fn take_role(
    cx: &Ctxt,
    arg: &mut syn::PatType,
    ok: &mut bool,
) -> (Option<ParamAttr>, Option<proc_macro2::Span>) {
    let mut role = None;
    let mut role_span = None;
    arg.attrs.retain(|a| match attr::parse_param_attr(cx, a) {
        Ok(Some(parsed)) => {
            if role.is_some() {
                cx.error_spanned_by(
                    a,
                    "an argument has one role: `#[query]`, `#[header(\"…\")]` or `#[body]`, not several",
                );
                *ok = false;
            } else {
                role = Some(parsed);
                role_span = Some(a.path().span());
            }
            false
        }
        Ok(None) => true,
        Err(()) => {
            *ok = false;
            false
        }
    });
    (role, role_span)
}

/// The role an attribute gives an argument (a path argument without one).
fn role_of(role: Option<ParamAttr>, ident: &Ident, ty: &Type) -> Role {
    match role {
        None => Role::Path,
        Some(ParamAttr::Query { key, style }) => Role::Query {
            key: key.map_or_else(|| unraw(ident), |k| k.value()),
            style,
        },
        Some(ParamAttr::Header { name }) => Role::Header { name },
        Some(ParamAttr::Cookie { name }) => Role::Cookie { name },
        Some(ParamAttr::Body { omit_none }) => Role::Body {
            stream: last_ident(ty).is_some_and(|i| i == "Upload"),
            omit_none,
        },
        Some(ParamAttr::Form) => Role::Form,
        Some(ParamAttr::Field { name }) => Role::Field { name },
        Some(ParamAttr::Part { name }) => Role::Part { name },
    }
}

/// The last identifier of a path type (`api_client::Upload` → `Upload`).
pub fn last_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| &s.ident),
        Type::Group(g) => last_ident(&g.elem),
        Type::Paren(p) => last_ident(&p.elem),
        _ => None,
    }
}

/// The name of an identifier as the wire sees it (`r#type` → `type`).
pub fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

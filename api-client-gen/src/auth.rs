//! Security schemes to the builder: a trait (`PetstoreAuth`) with one
//! method per scheme, implemented for the generated clients' builders, so
//! a user writes `.with_api_key(key)` and never the header's name.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::Warning;
use crate::doc::{Document, Node};
use crate::names::snake;

/// A security scheme the builder can send.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheme {
    /// Its key in `components.securitySchemes`.
    pub key: String,
    /// The builder method: `with_<key>`.
    pub method: String,
    /// What it sends.
    pub kind: SchemeKind,
    /// The document's description.
    pub description: Option<String>,
}

/// How a scheme's credential is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemeKind {
    /// `Authorization: Bearer …`.
    Bearer,
    /// A token the user obtained (an OAuth 2 flow other than client
    /// credentials, OpenID Connect), sent as a bearer token; with the
    /// scheme's kind.
    Token(&'static str),
    /// HTTP Basic.
    Basic,
    /// HTTP Digest.
    Digest,
    /// An API key in the named header.
    Header(String),
    /// An API key in the named query parameter.
    Query(String),
    /// OAuth 2 client credentials: tokens fetched from the URL, with the
    /// flow's scopes.
    ClientCredentials {
        token_url: String,
        scopes: Vec<String>,
    },
}

/// Builder methods a scheme's method must not shadow.
const BUILDER_METHODS: [&str; 1] = ["with_reqwest_client"];

/// The document's security schemes; one the builder cannot send is a
/// warning naming it.
pub fn schemes(doc: &Document, warnings: &mut Vec<Warning>) -> Vec<Scheme> {
    let entries = doc
        .root()
        .get("components")
        .get("securitySchemes")
        .entries();
    let mut out: Vec<Scheme> = Vec::new();
    for (key, scheme) in entries {
        let scheme = doc.resolve(scheme).unwrap_or(scheme);
        let at = format!("securitySchemes.{key}");
        let Some(kind) = kind_of(scheme)
            .map_err(|why| warnings.push(Warning { at, message: why }))
            .ok()
        else {
            continue;
        };
        let mut method = format!("with_{}", snake(key).trim_start_matches("r#"));
        while BUILDER_METHODS.contains(&method.as_str()) || out.iter().any(|s| s.method == method) {
            method.push_str("_scheme");
        }
        out.push(Scheme {
            key: key.clone(),
            method,
            kind,
            description: scheme.get("description").as_str().map(str::to_owned),
        });
    }
    out
}

fn kind_of(scheme: &Node) -> Result<SchemeKind, String> {
    let name = || {
        scheme
            .get("name")
            .as_str()
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
    };
    const NO_NAME: &str = "an API key without a `name`: no builder method";
    const MTLS: &str =
        "mutual TLS: give the builder your certificate and key with `.identity_pem(…)`";
    const COOKIE: &str =
        "an API key in a cookie: the builder cannot send it; add it with `.header(\"Cookie\", …)`";
    let http = scheme.get("scheme").as_str().map(str::to_ascii_lowercase);
    let place = scheme.get("in").as_str();
    match (scheme.get("type").as_str(), http.as_deref(), place) {
        (Some("http"), Some("bearer"), _) => Ok(SchemeKind::Bearer),
        (Some("http"), Some("basic"), _) => Ok(SchemeKind::Basic),
        (Some("http"), Some("digest"), _) => Ok(SchemeKind::Digest),
        (Some("apiKey"), _, Some("header")) => name().map(SchemeKind::Header).ok_or(NO_NAME.into()),
        (Some("apiKey"), _, Some("query")) => name().map(SchemeKind::Query).ok_or(NO_NAME.into()),
        (Some("apiKey"), _, Some("cookie")) => Err(COOKIE.into()),
        (Some("oauth2"), _, _) => Ok(oauth2(scheme)),
        (Some("openIdConnect"), _, _) => Ok(SchemeKind::Token("OpenID Connect")),
        (Some("mutualTLS"), _, _) => Err(MTLS.into()),
        (kind, scheme, _) => Err(format!(
            "the scheme `{}{}` is not one the builder sends; add the credential with `.header(…)`",
            kind.unwrap_or("?"),
            scheme.map(|s| format!(" {s}")).unwrap_or_default()
        )),
    }
}

/// Client credentials when the flow has an absolute token URL, else a
/// token the user obtained.
fn oauth2(scheme: &Node) -> SchemeKind {
    let flow = scheme.get("flows").get("clientCredentials");
    match flow.get("tokenUrl").as_str() {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            let scopes = flow.get("scopes").entries().iter().map(|(s, _)| s.clone());
            SchemeKind::ClientCredentials {
                token_url: url.to_owned(),
                scopes: scopes.collect(),
            }
        }
        _ => SchemeKind::Token("OAuth 2"),
    }
}

/// One line per scheme for the trait's docs: the call that sends it.
pub fn doc_lines(schemes: &[Scheme], trait_name: &str) -> Vec<String> {
    schemes
        .iter()
        .map(|s| {
            let args = match &s.kind {
                SchemeKind::Bearer | SchemeKind::Token(_) => "token",
                SchemeKind::Basic | SchemeKind::Digest => "user, password",
                SchemeKind::Header(_) | SchemeKind::Query(_) => "key",
                SchemeKind::ClientCredentials { .. } => "client_id, client_secret",
            };
            format!("- `{}`: `.{}({args})` (`{trait_name}`)", s.key, s.method)
        })
        .collect()
}

/// The auth trait and its implementation for each client's builder.
pub fn auth_trait(name: &str, schemes: &[Scheme], clients: &[String]) -> TokenStream {
    if schemes.is_empty() || clients.is_empty() {
        return TokenStream::new();
    }
    let ident = format_ident!("{name}");
    let declarations = schemes.iter().map(|s| {
        let (method, args) = (format_ident!("{}", s.method), arguments(&s.kind));
        let doc = crate::emit_models::docs(Some(&scheme_doc(s)));
        quote! { #doc fn #method(self, #args) -> Self; }
    });
    let impls = clients.iter().map(|client| {
        let client = format_ident!("{client}");
        let bodies = schemes.iter().map(|s| {
            let (method, args) = (format_ident!("{}", s.method), arguments(&s.kind));
            let body = call(&s.kind);
            quote! { fn #method(self, #args) -> Self { #body } }
        });
        quote! {
            impl #ident for api_client::ClientBuilder<#client> {
                #(#bodies)*
            }
        }
    });
    let doc = crate::emit_models::docs(Some(
        "The document's security schemes, on the builder: one method per scheme. A client sends one credential; the last call wins.",
    ));
    quote! {
        #doc
        pub trait #ident: Sized {
            #(#declarations)*
        }
        #(#impls)*
    }
}

fn scheme_doc(s: &Scheme) -> String {
    let what = match &s.kind {
        SchemeKind::Bearer => "`Authorization: Bearer <token>`".to_owned(),
        SchemeKind::Token(kind) => {
            format!("{kind}: a token you obtained, sent as `Authorization: Bearer <token>`")
        }
        SchemeKind::Basic => "HTTP Basic authentication".to_owned(),
        SchemeKind::Digest => "HTTP Digest authentication".to_owned(),
        SchemeKind::Header(h) => format!("an API key in the header `{h}`"),
        SchemeKind::Query(q) => format!("an API key in the query parameter `{q}`"),
        SchemeKind::ClientCredentials { token_url, scopes } => {
            let mut text = format!(
                "OAuth 2 client credentials: tokens fetched from <{token_url}> (no scope asked for), refreshed before they expire"
            );
            if !scopes.is_empty() {
                let scopes: Vec<String> = scopes.iter().map(|s| format!("`{s}`")).collect();
                text.push_str(&format!(". The document's scopes: {}; to ask for some, give the builder `.auth_provider(ClientCredentials::new(url, id, secret).scope(…))`", scopes.join(", ")));
            }
            text
        }
    };
    let mut doc = format!("`{}`: {what}.", s.key);
    if let Some(description) = &s.description {
        doc.push_str("\n\n");
        doc.push_str(description.trim());
    }
    doc
}

fn arguments(kind: &SchemeKind) -> TokenStream {
    let secret = quote!(impl ::core::convert::Into<api_client::Secret>);
    let string = quote!(impl ::core::convert::Into<::std::string::String>);
    match kind {
        SchemeKind::Bearer | SchemeKind::Token(_) => quote!(token: #secret),
        SchemeKind::Basic | SchemeKind::Digest => quote!(user: #string, password: #secret),
        SchemeKind::Header(_) | SchemeKind::Query(_) => quote!(key: #secret),
        SchemeKind::ClientCredentials { .. } => quote!(client_id: #string, client_secret: #secret),
    }
}

fn call(kind: &SchemeKind) -> TokenStream {
    match kind {
        SchemeKind::Bearer | SchemeKind::Token(_) => quote!(self.bearer_auth(token)),
        SchemeKind::Basic => quote!(self.basic_auth(user, password)),
        SchemeKind::Digest => quote!(self.digest_auth(user, password)),
        SchemeKind::Header(name) => quote!(self.api_key_header(#name, key)),
        SchemeKind::Query(name) => quote!(self.api_key_query(#name, key)),
        SchemeKind::ClientCredentials { token_url, .. } => quote! {
            self.auth_provider(api_client::auth::ClientCredentials::new(#token_url, client_id, client_secret))
        },
    }
}

//! Operations to methods: parameters in their roles, bodies, responses.

use crate::doc::{Document, Node};
use crate::model::{Arg, Errors, Method, QueryStyle, Returns, Role, Status, Ty};
use crate::names::{Scope, pascal, snake};
use crate::schema::{Schemas, doc_of, primary_type};

/// The HTTP methods of a path item that the runtime sends.
pub const VERBS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Headers the specification says to ignore as parameters.
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// A path as the macro's route takes it: its `{name}` templates kept, and
/// every other character that RFC 3986 does not allow in a path (a space,
/// `|`, `<`, `"`, a stray `{`, non-ASCII…) percent-encoded, as is a `%`
/// that starts no escape.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while !rest.is_empty() {
        // A template: `{` and a name without braces or slashes, then `}`.
        if let Some(after) = rest.strip_prefix('{') {
            if let Some(end) = after
                .find(['{', '}', '/'])
                .filter(|&e| after[e..].starts_with('}'))
            {
                if end > 0 {
                    out.push_str(&rest[..end + 2]);
                    rest = &rest[end + 2..];
                    continue;
                }
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        let escape =
            rest.len() >= 3 && c == '%' && rest.as_bytes()[1..3].iter().all(u8::is_ascii_hexdigit);
        if escape || c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c) {
            out.push(c);
        } else {
            for byte in c.to_string().bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether `name` is an HTTP token (a valid header name).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Lowers one operation. `names` is the trait's scope of method names;
/// what cannot be expressed is pushed to `schemas.warnings` under the
/// operation's name.
pub struct OpLowering<'a, 'd> {
    /// The document.
    pub doc: &'d Document,
    /// The models built so far.
    pub schemas: &'a mut Schemas<'d>,
}

impl OpLowering<'_, '_> {
    /// The method for `verb path`, from the operation and the path item's
    /// shared parameters.
    pub fn method(
        &mut self,
        path: &str,
        verb: &str,
        item: &Node,
        op: &Node,
        names: &mut Scope,
    ) -> Option<Method> {
        let operation = op
            .get("operationId")
            .as_str()
            .map_or_else(|| format!("{verb} {path}"), str::to_owned);
        if let Some(twice) = repeated_placeholder(path) {
            self.warn(
                &operation,
                format!(
                    "the path uses `{{{twice}}}` twice (one argument fills one place): left out"
                ),
            );
            return None;
        }
        let ident = names.unique(snake(&operation), "_");
        let hint = pascal(&operation);
        let mut args = Vec::new();
        let mut arg_names = Scope::default();
        // A fragment (`/items#v2`, a trick to declare a path twice) never
        // reaches the server.
        let mut route = encode_path(path.split('#').next().unwrap_or(path));
        for param in self.parameters(item, op, &operation) {
            if let Some(arg) = self.parameter(param, &operation, &hint, &mut arg_names, &mut route)
            {
                args.push(arg);
            }
        }
        self.undeclared_path_parameters(&operation, &mut route, &mut arg_names, &mut args);
        args.sort_by_key(|a| a.role != Role::Path);
        let multipart = if matches!(verb, "get" | "head") {
            if !op.get("requestBody").is_null() {
                self.warn(
                    &operation,
                    format!(
                        "a request body on `{}` is left out: servers and proxies may drop it",
                        verb.to_uppercase()
                    ),
                );
            }
            false
        } else {
            self.request_body(op, &operation, &hint, &mut arg_names, &mut args)
        };
        let (returns, with_headers) = self.success(op, &operation, &hint);
        let accept = self.accept(op, &returns);
        let error = self.error_type(op, &operation, &hint);
        let no_auth = matches!(op.get("security"), Node::Seq(s) if s.is_empty());
        let doc = method_doc(op, &args);
        let (deprecated, verb) = (crate::schema::deprecated(op), verb.to_owned());
        Some(Method {
            ident,
            operation,
            doc,
            deprecated,
            verb,
            route,
            args,
            multipart,
            returns,
            with_headers,
            accept,
            error,
            no_auth,
        })
    }

    /// The `{name}`s of the path that no parameter declares: each becomes
    /// a string argument, with a warning (the macro would refuse a `{`).
    fn undeclared_path_parameters(
        &mut self,
        operation: &str,
        route: &mut String,
        names: &mut Scope,
        args: &mut Vec<Arg>,
    ) {
        while let Some(open) = route.find('{') {
            let Some(len) = route[open..].find('}') else {
                break;
            };
            let name = route[open + 1..open + len].to_owned();
            let ident = names.unique(snake(&name), "_");
            self.warn(
                operation,
                format!("path parameter `{name}` is not declared: taken as a string"),
            );
            route.replace_range(open..=open + len, &format!("<{ident}>"));
            args.push(Arg {
                ident,
                ty: Ty::String,
                role: Role::Path,
                doc: None,
            });
        }
    }

    /// The path item's parameters overridden by the operation's (same name
    /// and location), references followed.
    fn parameters<'n>(&mut self, item: &'n Node, op: &'n Node, operation: &str) -> Vec<&'n Node>
    where
        Self: 'n,
    {
        let mut params: Vec<&Node> = Vec::new();
        for raw in item
            .get("parameters")
            .items()
            .iter()
            .chain(op.get("parameters").items())
        {
            let param = match self.doc.resolve(raw) {
                Ok(p) => p,
                Err(e) => {
                    self.warn(operation, format!("{e}; parameter left out"));
                    continue;
                }
            };
            let key = |p: &Node| {
                (
                    p.get("name").as_str().map(str::to_owned),
                    p.get("in").as_str().map(str::to_owned),
                )
            };
            params.retain(|p| key(p) != key(param));
            params.push(param);
        }
        params
    }

    fn parameter(
        &mut self,
        param: &Node,
        operation: &str,
        hint: &str,
        names: &mut Scope,
        route: &mut String,
    ) -> Option<Arg> {
        let name = param.get("name").as_str()?;
        let location = param.get("in").as_str().unwrap_or("");
        let required = param.get("required").as_bool() == Some(true) || location == "path";
        let schema = if param.get("schema").is_null() {
            content_schema(param)
        } else {
            param.get("schema")
        };
        let ty = self
            .schemas
            .ty_of(schema, &format!("{hint}{}", pascal(name)));
        let doc = doc_of(param);
        let role = match location {
            "path" => return self.path_parameter(param, name, ty, doc, operation, names, route),
            "query" if name.is_empty() => {
                self.warn(
                    operation,
                    "a query parameter with an empty name: left out".into(),
                );
                return None;
            }
            "query" => match query_style(param) {
                Ok(style) => Role::Query(Some(name.to_owned()), style),
                Err(note) => {
                    self.warn(operation, format!("query parameter `{name}`: {note}"));
                    return None;
                }
            },
            "header" if IGNORED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) => {
                return None;
            }
            "header" if !is_token(name) => {
                self.warn(
                    operation,
                    format!(
                        "header parameter `{}` is not a valid header name: left out",
                        name.escape_default()
                    ),
                );
                return None;
            }
            "header" => Role::Header(name.to_owned()),
            "cookie" if valid_cookie_name(name) => Role::Cookie(name.to_owned()),
            "cookie" => {
                self.warn(
                    operation,
                    format!("cookie parameter `{name}` is not a valid cookie name: left out"),
                );
                return None;
            }
            other => {
                self.warn(
                    operation,
                    format!(
                        "parameter `{name}` in `{other}` is not a parameter location: left out"
                    ),
                );
                return None;
            }
        };
        let ident = names.unique(snake(name), "_");
        let role = match role {
            Role::Query(Some(key), style) if key == ident => Role::Query(None, style),
            role => role,
        };
        let ty = if required { ty } else { ty.optional() };
        Some(Arg {
            ident,
            ty,
            role,
            doc,
        })
    }

    /// A path parameter: its `{name}` in the route becomes `<ident>`.
    #[allow(clippy::too_many_arguments)]
    fn path_parameter(
        &mut self,
        param: &Node,
        name: &str,
        mut ty: Ty,
        doc: Option<String>,
        operation: &str,
        names: &mut Scope,
        route: &mut String,
    ) -> Option<Arg> {
        let ident = names.unique(snake(name), "_");
        let placeholder = format!("{{{name}}}");
        if !route.contains(&placeholder) {
            self.warn(
                operation,
                format!("path parameter `{name}` is not in the path: left out"),
            );
            return None;
        }
        *route = route.replace(&placeholder, &format!("<{ident}>"));
        if let Some(style) = param.get("style").as_str().filter(|s| *s != "simple") {
            self.warn(operation, format!("path parameter `{name}`: `style: {style}` is not supported: the value is sent plain (`simple`)"));
        }
        if !self.schemas.is_single_value(&ty) {
            self.warn(
                operation,
                format!("path parameter `{name}` is not a single value: taken as a string"),
            );
            ty = Ty::String;
        }
        Some(Arg {
            ident,
            ty,
            role: Role::Path,
            doc,
        })
    }

    /// Adds the body's arguments; returns whether the body is multipart.
    fn request_body(
        &mut self,
        op: &Node,
        operation: &str,
        hint: &str,
        names: &mut Scope,
        args: &mut Vec<Arg>,
    ) -> bool {
        let body = match self.doc.resolve(op.get("requestBody")) {
            Ok(Node::Null) => return false,
            Ok(body) => body,
            Err(e) => {
                self.warn(operation, format!("{e}; request body left out"));
                return false;
            }
        };
        let content = body.get("content").entries();
        let pick = |wanted: fn(&str) -> bool| {
            content
                .iter()
                .find(|(media, _)| wanted(&media.to_ascii_lowercase()))
        };
        let doc = doc_of(body);
        let json: fn(&str) -> bool = is_json;
        let form: fn(&str) -> bool = |m| m.starts_with("application/x-www-form-urlencoded");
        let encoded = [
            (json, "Request", "body", Role::Body),
            (form, "Form", "form", Role::Form),
        ];
        if let Some((media, suffix, name, role)) = encoded
            .into_iter()
            .find_map(|(wanted, suffix, name, role)| Some((&pick(wanted)?.1, suffix, name, role)))
        {
            let ty = self
                .schemas
                .ty_of(media.get("schema"), &format!("{hint}{suffix}"));
            args.push(Arg {
                ident: names.unique(name.into(), "_"),
                ty,
                role,
                doc,
            });
        } else if let Some((_, media)) = pick(|m| m.starts_with("multipart/form-data")) {
            self.parts(media.get("schema"), operation, names, args);
            return true;
        } else if let Some((media, _)) = content.first() {
            self.warn(operation, format!("request body of type `{media}` is not generated (JSON, form and multipart are): send it with a hand-written method taking an `Upload`"));
        }
        false
    }

    fn parts(&mut self, schema: &Node, operation: &str, names: &mut Scope, args: &mut Vec<Arg>) {
        let schema = self.doc.resolve(schema).unwrap_or(schema);
        let required = schema.required();
        if schema.get("properties").entries().is_empty() {
            self.warn(
                operation,
                "a multipart body without properties: no parts generated".into(),
            );
        }
        for (name, property) in schema.get("properties").entries() {
            let property = self.doc.resolve(property).unwrap_or(property);
            let text = primary_type(property) == Some("string")
                && !matches!(property.get("format").as_str(), Some("binary" | "byte"));
            let ty = if text { Ty::String } else { Ty::Bytes };
            let optional = !required.contains(&name.as_str());
            let ty = if optional { ty.optional() } else { ty };
            args.push(Arg {
                ident: names.unique(snake(name), "_"),
                ty,
                role: Role::Part(name.clone()),
                doc: doc_of(property),
            });
        }
    }

    /// The first 2xx response: its body and whether it declares headers.
    fn success(&mut self, op: &Node, operation: &str, hint: &str) -> (Returns, bool) {
        let responses = op.get("responses").entries();
        let mut success = Vec::new();
        for (code, response) in responses.iter().filter(|(code, _)| code.starts_with('2')) {
            match self.doc.resolve(response) {
                Ok(response) => success.push((code, response)),
                Err(e) => self.warn(operation, format!("{e}; response {code} is not read")),
            }
        }
        // The first response with a body is the type; one without (a 204
        // beside a 200) makes it `Option<T>`, `None` when nothing came.
        let with_body = success
            .iter()
            .find(|(_, r)| !r.get("content").entries().is_empty());
        let Some(&(_, response)) = with_body.or(success.first()) else {
            return (Returns::Unit, false);
        };
        let mut returns = self.body_of(response, &format!("{hint}Response"));
        let mut empty = false;
        for (code, other) in &success {
            if other.get("content").entries().is_empty() {
                empty |= !std::ptr::eq(*other, response);
            } else if self.peek_body(other) != self.peek_body(response) {
                self.warn(operation, format!("response {code} has another body than the first success response; only the first is typed"));
            }
        }
        if let (true, Returns::Json(ty)) = (empty, &returns) {
            returns = Returns::Json(ty.clone().optional());
        }
        (returns, !response.get("headers").entries().is_empty())
    }

    /// The JSON media type to ask for, when the first success response
    /// offers others too (a server picks the first one for `*/*`).
    fn accept(&self, op: &Node, returns: &Returns) -> Option<String> {
        if !matches!(returns, Returns::Json(_)) {
            return None;
        }
        let responses = op.get("responses").entries();
        let content = responses
            .iter()
            .filter(|(code, _)| code.starts_with('2'))
            .map(|(_, r)| self.doc.resolve(r).unwrap_or(r).get("content").entries())
            .find(|content| !content.is_empty())?;
        if content.len() < 2 {
            return None;
        }
        content
            .iter()
            .map(|(media, _)| media)
            .find(|m| is_json(&m.to_ascii_lowercase()) && *m != "*/*")
            .cloned()
    }

    fn body_of(&mut self, response: &Node, hint: &str) -> Returns {
        let content = response.get("content").entries();
        if let Some((_, media)) = content
            .iter()
            .find(|(m, _)| is_json(&m.to_ascii_lowercase()))
        {
            return Returns::Json(self.schemas.ty_of(media.get("schema"), hint));
        }
        match content.first() {
            None => Returns::Unit,
            Some((media, _)) if media.starts_with("text/") => Returns::Text,
            Some(_) => Returns::Bytes,
        }
    }

    /// The media types of a response, to compare two without lowering.
    fn peek_body(&self, response: &Node) -> Vec<(String, Option<String>)> {
        let entries = response.get("content").entries();
        entries
            .iter()
            .map(|(m, media)| {
                (
                    m.clone(),
                    media.get("schema").reference().map(str::to_owned),
                )
            })
            .collect()
    }

    /// The error documents: the JSON schemas of the 4xx/5xx/default
    /// responses, by status.
    fn error_type(&mut self, op: &Node, operation: &str, hint: &str) -> Option<Errors> {
        let mut found: Vec<(Status, Ty)> = Vec::new();
        for (code, response) in op.get("responses").entries() {
            let Some(status) = Status::parse(code) else {
                if !code.trim().starts_with(['1', '2', '3']) {
                    self.warn(operation, format!("the response key `{code}` is not a status, a class (`4XX`) or `default`: left out"));
                }
                continue;
            };
            let response = self.doc.resolve(response).unwrap_or(response);
            if let Returns::Json(ty) = self.body_of(response, &format!("{hint}Error")) {
                found.push((status, ty));
            }
        }
        // An arm per response; `shapes::canonical_errors` orders and merges
        // them once the models are final.
        let arms: Vec<(Vec<Status>, Ty)> = found.into_iter().map(|(s, ty)| (vec![s], ty)).collect();
        (!arms.is_empty()).then_some(Errors::ByStatus(arms))
    }

    fn warn(&mut self, operation: &str, what: String) {
        self.schemas.warnings.push((operation.to_owned(), what));
    }
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
        || essence == "*/*"
}

/// A parameter given as `content: {media: {schema}}` instead of `schema`.
fn content_schema(param: &Node) -> &Node {
    param
        .get("content")
        .entries()
        .first()
        .map_or(&Node::Null, |(_, media)| media.get("schema"))
}

/// Summary, description, then a line per documented argument.
fn method_doc(op: &Node, args: &[Arg]) -> Vec<String> {
    let texts = ["summary", "description"]
        .iter()
        .filter_map(|k| op.get(k).as_str());
    let mut doc: Vec<String> = texts
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let params: Vec<String> = args
        .iter()
        .filter_map(|a| {
            a.doc
                .as_ref()
                .map(|d| format!("- `{}`: {}", a.ident, one_line(d)))
        })
        .collect();
    if !params.is_empty() {
        doc.push(params.join("\n"));
    }
    doc
}

/// A `{name}` that appears twice in a path template.
fn repeated_placeholder(path: &str) -> Option<&str> {
    let names: Vec<&str> = path
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    names
        .iter()
        .enumerate()
        .find(|(i, name)| names[..*i].contains(name))
        .map(|(_, name)| *name)
}

/// A query parameter's `style`/`explode` (`explode` defaults to `true` for
/// `form` only); an error names a style a query cannot have.
fn query_style(param: &Node) -> Result<QueryStyle, String> {
    let style = param.get("style").as_str().unwrap_or("form");
    let explode = param.get("explode").as_bool().unwrap_or(style == "form");
    Ok(match (style, explode) {
        ("form", true) | ("spaceDelimited" | "pipeDelimited", true) => QueryStyle::Form,
        ("form", false) => QueryStyle::FormJoined,
        ("spaceDelimited", false) => QueryStyle::SpaceDelimited,
        ("pipeDelimited", false) => QueryStyle::PipeDelimited,
        ("deepObject", _) => QueryStyle::DeepObject,
        (other, _) => return Err(format!("`style: {other}` is not a query style: left out")),
    })
}

/// An RFC 6265 cookie name (a token), as `#[cookie]` accepts it.
fn valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The docs of one argument on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::{encode_path, is_token};

    #[test]
    fn paths_are_encoded_around_their_templates() {
        assert_eq!(encode_path("/pets/{petId}"), "/pets/{petId}");
        assert_eq!(
            encode_path("/files/{name}/a b|c<d>\"e^`{x}"),
            "/files/{name}/a%20b%7Cc%3Cd%3E%22e%5E%60{x}"
        );
        assert_eq!(encode_path("/a/{/b%2F%zz/é"), "/a/%7B/b%2F%25zz/%C3%A9");
        assert_eq!(encode_path("/{}/x}"), "/%7B%7D/x%7D");
    }

    #[test]
    fn header_names_are_tokens() {
        assert!(is_token("X-Request-Id"));
        for bad in ["", "X-Bad\nHeader", "a b", "é"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }
}

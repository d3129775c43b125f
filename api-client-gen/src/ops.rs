//! Operations to methods: parameters in their roles, bodies, responses.

use crate::doc::{Document, Node};
use crate::model::{Arg, Errors, EventFormat, Method, Returns, Role, Status, Ty};
use crate::names::{Scope, pascal, snake};
use crate::schema::{Schemas, doc_of, primary_type};

/// The HTTP methods of a path item that the runtime sends.
pub const VERBS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// Headers the specification says to ignore as parameters.
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
        let multipart = self.body(verb, op, &operation, &hint, (&mut arg_names, &mut args));
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

    /// Adds the body's arguments, but on a GET or HEAD (servers and
    /// proxies may drop it: a warning); returns whether it is multipart.
    fn body(
        &mut self,
        verb: &str,
        op: &Node,
        operation: &str,
        hint: &str,
        (names, args): (&mut Scope, &mut Vec<Arg>),
    ) -> bool {
        if !matches!(verb, "get" | "head") {
            return self.request_body(op, operation, hint, names, args);
        }
        if !op.get("requestBody").is_null() {
            self.warn(
                operation,
                format!(
                    "a request body on `{}` is left out: servers and proxies may drop it",
                    verb.to_uppercase()
                ),
            );
        }
        false
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
        let stream = content
            .iter()
            .find_map(|(m, media)| event_format(m).map(|f| (f, media)));
        if let Some((format, media)) = stream {
            return Returns::Events(self.event_type(media, format, hint), format);
        }
        match content.first() {
            None => Returns::Unit,
            Some((media, _)) if media.starts_with("text/") => Returns::Text,
            Some(_) => Returns::Bytes,
        }
    }

    /// The type of each event of a stream: OpenAPI 3.2's `itemSchema`, else
    /// the schema (for server-sent events, the event's data; for JSON
    /// lines, the items of an array schema, or the schema); a string, or
    /// nothing said, is the data as text.
    fn event_type(&mut self, media: &Node, format: EventFormat, hint: &str) -> Ty {
        let item = media.get("itemSchema");
        let schema = if item.is_null() {
            let schema = media.get("schema");
            let array = self
                .doc
                .resolve(schema)
                .ok()
                .filter(|s| s.get("type").as_str() == Some("array"));
            match (format, array) {
                (EventFormat::Lines, Some(array)) => array.get("items"),
                _ => schema,
            }
        } else {
            item
        };
        if schema.is_null() {
            return Ty::String;
        }
        self.schemas.ty_of(schema, &format!("{hint}Event"))
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

    pub(crate) fn warn(&mut self, operation: &str, what: String) {
        self.schemas.warnings.push((operation.to_owned(), what));
    }
}

/// The event format a media type names.
fn event_format(media: &str) -> Option<EventFormat> {
    let media = media.to_ascii_lowercase();
    match media.split(';').next().unwrap_or("").trim() {
        "text/event-stream" => Some(EventFormat::Sse),
        "application/x-ndjson"
        | "application/jsonl"
        | "application/x-jsonlines"
        | "application/jsonlines"
        | "application/json-seq" => Some(EventFormat::Lines),
        _ => None,
    }
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
        || essence == "*/*"
}

/// A parameter given as `content: {media: {schema}}` instead of `schema`.
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
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

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

#[cfg(test)]
mod tests {
    use super::encode_path;

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
}

//! A declared trait against a server's published document: every place
//! where what the client sends or expects is not what the document says.

use syn::Type;

use super::export::{is_unit, last_ident, openapi_path};
use super::read::{Location, Operation, Source, generic_arg, strip_option};
use crate::doc::{Document, Node};
use crate::schema::primary_type;

/// Headers the document may declare that the client sets itself.
const IMPLICIT_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// One difference between the declaration and the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mismatch {
    /// The declared method.
    pub method: String,
    /// What differs.
    pub message: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.method, self.message)
    }
}

/// Compares every declared operation with the document.
pub fn check(source: &Source, doc: &Document) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for op in &source.operations {
        let mut say = |message: String| {
            out.push(Mismatch {
                method: op.name.clone(),
                message,
            })
        };
        let path = openapi_path(&op.route);
        let Some((published_path, item)) = find_path(doc, &path, &op.verb) else {
            say(format!(
                "`{} {path}`: the document has no such path",
                op.verb.to_uppercase()
            ));
            continue;
        };
        let published = item.get(&op.verb);
        if published.is_null() {
            say(format!(
                "the document has no `{}` operation on `{published_path}`",
                op.verb.to_uppercase()
            ));
            continue;
        }
        parameters(doc, op, item, published, &mut say);
        body(doc, op, published, &mut say);
        response(source, doc, op, published, &mut say);
    }
    out.sort();
    out
}

/// `{x}` and `<x>` compare as one placeholder, whatever their names.
fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.trim_end_matches('/').to_owned()
}

/// The path item for `path`: of the templates that differ only in their
/// placeholders' names (`/a/{id}` for DELETE, `/a/{digest}` for GET), the
/// one with the verb.
fn find_path<'d>(doc: &'d Document, path: &str, verb: &str) -> Option<(&'d str, &'d Node)> {
    let wanted = normalize(path);
    let paths = doc.root().get("paths").entries();
    let candidates: Vec<(&str, &Node)> = paths
        .iter()
        .filter(|(p, _)| normalize(p.split('#').next().unwrap_or(p)) == wanted)
        .map(|(p, item)| (p.as_str(), doc.resolve(item).unwrap_or(item)))
        .collect();
    candidates
        .iter()
        .find(|(_, item)| !item.get(verb).is_null())
        .or(candidates.first())
        .copied()
}

fn parameters(
    doc: &Document,
    op: &Operation,
    item: &Node,
    published: &Node,
    say: &mut impl FnMut(String),
) {
    let listed: Vec<&Node> = item
        .get("parameters")
        .items()
        .iter()
        .chain(published.get("parameters").items())
        .map(|p| doc.resolve(p).unwrap_or(p))
        .collect();
    let name_in = |p: &Node| {
        (
            p.get("name").as_str().unwrap_or("").to_owned(),
            p.get("in").as_str().unwrap_or("").to_owned(),
        )
    };
    for param in op.params.iter().filter(|p| {
        matches!(
            p.location,
            Location::Query | Location::Header | Location::Cookie
        )
    }) {
        let place = param.location.openapi();
        let same_name: Vec<(String, String)> = listed
            .iter()
            .map(|p| name_in(p))
            .filter(|(n, _)| names_match(n, &param.name, &param.location))
            .collect();
        match same_name.iter().find(|(_, at)| at == place) {
            Some(_) => {}
            None => match same_name.first() {
                Some((name, at)) => say(format!(
                    "parameter `{name}` is sent in the {place}; the document has it in the {at}"
                )),
                None => say(format!(
                    "parameter `{}` ({place}) is not in the document",
                    param.name
                )),
            },
        }
    }
    required_are_declared(op, &listed, say);
}

/// Every required parameter of the document is declared (but the path's,
/// checked with the route, and the headers the client sends itself).
fn required_are_declared(op: &Operation, listed: &[&Node], say: &mut impl FnMut(String)) {
    for p in listed {
        let name = p.get("name").as_str().unwrap_or("").to_owned();
        let at = p.get("in").as_str().unwrap_or("");
        let required = p.get("required").as_bool() == Some(true);
        if !required
            || at == "path"
            || (at == "header" && IMPLICIT_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
        {
            continue;
        }
        let declared = op
            .params
            .iter()
            .any(|d| names_match(&name, &d.name, &d.location));
        if !declared {
            say(format!(
                "required parameter `{name}` ({at}) is not declared"
            ));
        }
    }
}

fn names_match(published: &str, declared: &str, location: &Location) -> bool {
    match location {
        Location::Header => published.eq_ignore_ascii_case(declared),
        _ => published == declared,
    }
}

fn body(doc: &Document, op: &Operation, published: &Node, say: &mut impl FnMut(String)) {
    let declared = op
        .params
        .iter()
        .any(|p| matches!(p.location, Location::Body | Location::Form | Location::Part));
    let request = doc
        .resolve(published.get("requestBody"))
        .unwrap_or(&Node::Null);
    match (declared, request.is_null()) {
        (true, true) => say("sends a body; the document's operation takes none".into()),
        (false, false) if request.get("required").as_bool() == Some(true) => {
            say("the document requires a request body; none is declared".into())
        }
        _ => {}
    }
}

fn response(
    source: &Source,
    doc: &Document,
    op: &Operation,
    published: &Node,
    say: &mut impl FnMut(String),
) {
    let responses = published.get("responses").entries();
    let Some((code, success)) = responses.iter().find(|(c, _)| c.starts_with('2')) else {
        return;
    };
    let success = doc.resolve(success).unwrap_or(success);
    let content = success.get("content").entries();
    // An event stream's item, as the generator reads it: OpenAPI 3.2's
    // `itemSchema`, else the schema (of JSON lines, an array's items).
    let stream = content.iter().find_map(|(m, media)| {
        let lines = m.contains("jsonl") || m.contains("ndjson") || m.contains("json-seq");
        if !lines && !m.starts_with("text/event-stream") {
            return None;
        }
        let item = media.get("itemSchema");
        if !item.is_null() {
            return Some(item);
        }
        let schema = media.get("schema");
        let resolved = doc.resolve(schema).unwrap_or(schema);
        Some(match resolved.get("type").as_str() {
            Some("array") if lines => resolved.get("items"),
            _ => schema,
        })
    });
    let json = content
        .iter()
        .find(|(m, _)| m.contains("json"))
        .map(|(_, media)| media.get("schema"));
    let json = if op.streams { stream.or(json) } else { json };
    let returns = &op.returns;
    let Some(schema) = json else {
        return;
    };
    if is_unit(returns) {
        return;
    }
    let mut compare = Compare {
        source,
        doc,
        problems: Vec::new(),
    };
    compare.types(returns, schema, "$", 0);
    for problem in compare.problems {
        say(format!("the {code} response: {problem}"));
    }
}

/// Compares declared types with schemas, collecting the problems with
/// their JSON paths.
struct Compare<'a> {
    source: &'a Source,
    doc: &'a Document,
    problems: Vec<String>,
}

impl Compare<'_> {
    /// Whether values of `ty` decode what `schema` describes (three levels
    /// of nested models deep).
    fn types(&mut self, ty: &Type, schema: &Node, at: &str, depth: usize) {
        let schema = self.doc.resolve(schema).unwrap_or(schema);
        let ty = resolve_alias(self.source, &strip_option(ty).0);
        let declared = last_ident(&ty).unwrap_or_default();
        let item = match &ty {
            Type::Slice(s) => Some((*s.elem).clone()),
            other => generic_arg(other, "Vec"),
        };
        let expected = match primary_type(schema) {
            None if !schema.get("properties").is_null() => Some("object"),
            other => other,
        };
        let problem = match (expected, item) {
            (Some("array"), Some(item)) => {
                return self.types(&item, schema.get("items"), &format!("{at}[]"), depth);
            }
            (Some("array"), None) if declared != "Value" => {
                format!("`{at}` is an array in the document; declared `{declared}`")
            }
            (Some(t), Some(_)) if t != "array" => {
                format!("`{at}` is {} in the document; declared a list", article(t))
            }
            (Some(t @ ("string" | "integer" | "number" | "boolean")), _)
                if !scalar_matches(t, &declared, self.source) =>
            {
                format!(
                    "`{at}` is {} in the document; declared `{declared}`",
                    article(t)
                )
            }
            (Some("object"), _) if SCALARS.contains(&declared.as_str()) => {
                format!("`{at}` is an object in the document; declared `{declared}`")
            }
            (Some("object") | None, _) if depth < 3 => {
                return self.fields(&declared, schema, at, depth);
            }
            _ => return,
        };
        self.problems.push(problem);
    }

    /// The schema's properties against the fields of the struct `declared`
    /// (when the source defines it).
    fn fields(&mut self, declared: &str, schema: &Node, at: &str, depth: usize) {
        let Some(def) = self
            .source
            .type_def(declared)
            .filter(|d| !d.is_enum && d.alias.is_none())
        else {
            return;
        };
        for (name, property) in schema.get("properties").entries() {
            let required = schema.required().contains(&name.as_str());
            match def.members.iter().find(|m| &m.name == name) {
                Some(member) => {
                    if let Some(member_ty) = &member.ty {
                        self.types(member_ty, property, &format!("{at}.{name}"), depth + 1);
                    }
                }
                None if required => self.problems.push(format!(
                    "`{at}.{name}` is required in the document; `{declared}` has no such field"
                )),
                None => {}
            }
        }
    }
}

const SCALARS: [&str; 14] = [
    "String", "str", "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64",
    "usize",
];

fn article(t: &str) -> String {
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {t}")
    } else {
        format!("a {t}")
    }
}

fn scalar_matches(expected: &str, declared: &str, source: &Source) -> bool {
    let is_enum = source.type_def(declared).is_some_and(|d| d.is_enum);
    match expected {
        "string" => {
            matches!(
                declared,
                "String" | "str" | "Uuid" | "DateTime" | "NaiveDate" | "Url" | "Value"
            ) || is_enum
        }
        "integer" => declared.starts_with(['i', 'u']) && declared.len() <= 5 || declared == "Value",
        "number" => {
            matches!(declared, "f32" | "f64" | "Value")
                || declared.starts_with(['i', 'u']) && declared.len() <= 5
        }
        "boolean" => matches!(declared, "bool" | "Value"),
        _ => true,
    }
}

/// Follows `pub type X = Y;` in the source.
fn resolve_alias(source: &Source, ty: &Type) -> Type {
    let mut ty = ty.clone();
    for _ in 0..16 {
        let Some(alias) = last_ident(&ty)
            .and_then(|n| source.type_def(&n))
            .and_then(|d| d.alias.clone())
        else {
            break;
        };
        ty = strip_option(&alias).0;
    }
    ty
}

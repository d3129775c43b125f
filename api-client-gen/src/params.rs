//! An operation's parameters as the method's arguments: the path item's
//! and the operation's, each in its role (path, query with its style,
//! header, cookie); the path as a route, its literal characters
//! percent-encoded, its undeclared templates typed as strings. What
//! cannot be sent as the document says is a warning, and left out.

use crate::doc::Node;
use crate::model::{Arg, QueryStyle, Role, Ty};
use crate::names::{Scope, pascal, snake};
use crate::ops::OpLowering;
use crate::schema::doc_of;

const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// Whether `name` is an HTTP token (a valid header name).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl OpLowering<'_, '_> {
    /// The `{name}`s of the path that no parameter declares: each becomes
    /// a string argument, with a warning (the macro would refuse a `{`).
    pub(crate) fn undeclared_path_parameters(
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
    pub(crate) fn parameters<'n>(
        &mut self,
        item: &'n Node,
        op: &'n Node,
        operation: &str,
    ) -> Vec<&'n Node>
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

    pub(crate) fn parameter(
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
        if location == "path" {
            return self.path_parameter(param, name, ty, doc, operation, names, route);
        }
        let role = self.role(param, name, location, operation)?;
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

    /// The role of a parameter that is not in the path, `None` (with a
    /// warning) when it cannot be sent as the document says.
    fn role(&mut self, param: &Node, name: &str, location: &str, operation: &str) -> Option<Role> {
        Some(match location {
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
}

fn content_schema(param: &Node) -> &Node {
    param
        .get("content")
        .entries()
        .first()
        .map_or(&Node::Null, |(_, media)| media.get("schema"))
}

/// Summary, description, then a line per documented argument.
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

#[cfg(test)]
mod tests {
    use super::is_token;

    #[test]
    fn header_names_are_tokens() {
        assert!(is_token("X-Request-Id"));
        for bad in ["", "X-Bad\nHeader", "a b", "é"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }
}

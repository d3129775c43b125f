//! The document: JSON or YAML read into one ordered tree, and local `$ref`s.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use yaml_rust2::{Yaml, YamlLoader};

use crate::Error;

/// A JSON/YAML value whose objects keep the document's key order (the
/// order of a schema's properties is the order of the struct's fields).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `null`, or a YAML `~`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Seq(Vec<Node>),
    /// An object, in document order.
    Map(Vec<(String, Node)>),
}

static NULL: Node = Node::Null;

impl Node {
    /// The member `key` of an object, `Null` when absent or not an object.
    pub fn get(&self, key: &str) -> &Node {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements of an array (none for anything else).
    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of an object (none for anything else).
    pub fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Whether this is `Null` (absent members are `Null` too).
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    /// A schema's `required` property names.
    pub fn required(&self) -> Vec<&str> {
        self.get("required")
            .items()
            .iter()
            .filter_map(Node::as_str)
            .collect()
    }

    /// The `$ref` of a reference object.
    pub fn reference(&self) -> Option<&str> {
        self.get("$ref").as_str()
    }
}

/// Reads a document: JSON when it starts with `{`, YAML otherwise.
pub fn parse(text: &str) -> Result<Node, Error> {
    if text.trim_start().starts_with('{') {
        let mut de = serde_json::Deserializer::from_str(text);
        let node =
            Node::deserialize(&mut de).map_err(|e| Error::new(format!("invalid JSON: {e}")))?;
        de.end()
            .map_err(|e| Error::new(format!("invalid JSON: {e}")))?;
        return Ok(node);
    }
    let docs =
        YamlLoader::load_from_str(text).map_err(|e| Error::new(format!("invalid YAML: {e}")))?;
    match docs.into_iter().next() {
        Some(doc) => from_yaml(doc),
        None => Err(Error::new("the document is empty")),
    }
}

fn from_yaml(yaml: Yaml) -> Result<Node, Error> {
    Ok(match yaml {
        Yaml::Null => Node::Null,
        Yaml::Boolean(b) => Node::Bool(b),
        Yaml::Integer(i) => Node::Num(i as f64),
        Yaml::Real(r) => Node::Num(
            r.parse()
                .map_err(|_| Error::new(format!("invalid YAML number `{r}`")))?,
        ),
        Yaml::String(s) => Node::Str(s),
        Yaml::Array(items) => {
            Node::Seq(items.into_iter().map(from_yaml).collect::<Result<_, _>>()?)
        }
        Yaml::Hash(hash) => {
            let mut entries = Vec::with_capacity(hash.len());
            for (k, v) in hash {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Real(r) => r,
                    other => return Err(Error::new(format!("unsupported YAML key {other:?}"))),
                };
                entries.push((key, from_yaml(v)?));
            }
            Node::Map(entries)
        }
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err(Error::new("invalid YAML value (an unresolved alias?)"));
        }
    })
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Node, E> {
        Ok(Node::Num(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Node, E> {
        Ok(Node::Num(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Node, E> {
        Ok(Node::Num(n))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            entries.push((k, v));
        }
        Ok(Node::Map(entries))
    }
}

/// The whole document, with `$ref` lookup.
pub struct Document {
    root: Node,
}

impl Document {
    /// Wraps a parsed document after checking that it is OpenAPI 3.x.
    pub fn new(root: Node) -> Result<Document, Error> {
        match root.get("openapi").as_str() {
            Some(v) if v.starts_with("3.") => Ok(Document { root }),
            Some(v) => Err(Error::new(format!(
                "OpenAPI version `{v}` is not supported (3.0 and 3.1 are)"
            ))),
            None if root.get("swagger").as_str().is_some() => Err(Error::new(
                "Swagger 2.0 is not supported: convert the document to OpenAPI 3 first",
            )),
            None => Err(Error::new(
                "not an OpenAPI document: no `openapi` version field",
            )),
        }
    }

    /// The root object.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Follows a local `$ref` (`#/components/schemas/Pet`), and the `$ref`s
    /// it lands on, at most 32 deep.
    pub fn resolve<'a>(&'a self, mut node: &'a Node) -> Result<&'a Node, Error> {
        for _ in 0..32 {
            let Some(reference) = node.reference() else {
                return Ok(node);
            };
            node = self.lookup(reference)?;
        }
        Err(Error::new("a `$ref` chain longer than 32 (a cycle?)"))
    }

    /// The node a local JSON pointer names.
    pub fn lookup(&self, reference: &str) -> Result<&Node, Error> {
        let Some(pointer) = reference.strip_prefix('#') else {
            return Err(Error::new(format!(
                "`$ref: {reference}`: only local references (`#/…`) are supported"
            )));
        };
        let mut node = &self.root;
        for raw in pointer.split('/').skip(1) {
            let key = raw.replace("~1", "/").replace("~0", "~");
            let key = percent_encoding::percent_decode_str(&key).decode_utf8_lossy();
            node = match node {
                Node::Seq(items) => key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .unwrap_or(&NULL),
                _ => node.get(&key),
            };
        }
        if node.is_null() {
            return Err(Error::new(format!("`$ref: {reference}` points at nothing")));
        }
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_keep_key_order() {
        let json = parse(r#"{"b": 1, "a": [true, null, "x"]}"#).unwrap();
        let yaml = parse("b: 1\na:\n  - true\n  - ~\n  - x\n").unwrap();
        assert_eq!(json, yaml);
        let keys: Vec<_> = json.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn references_are_followed_and_escaped() {
        let doc = Document::new(
            parse(r##"{"openapi":"3.1.0","components":{"schemas":{"a/b":{"type":"string"},"C":{"$ref":"#/components/schemas/a~1b"}}}}"##)
                .unwrap(),
        )
        .unwrap();
        let c = doc.lookup("#/components/schemas/C").unwrap();
        assert_eq!(doc.resolve(c).unwrap().get("type").as_str(), Some("string"));
        assert!(doc.lookup("#/components/schemas/D").is_err());
        assert!(doc.lookup("other.yaml#/x").is_err());
    }

    #[test]
    fn swagger_2_and_cycles_are_clear_errors() {
        let e = Document::new(parse(r#"{"swagger":"2.0"}"#).unwrap())
            .err()
            .unwrap();
        assert!(e.to_string().contains("Swagger 2.0"), "{e}");
        let doc =
            Document::new(parse(r##"{"openapi":"3.0.3","x":{"$ref":"#/x"}}"##).unwrap()).unwrap();
        assert!(doc.resolve(doc.root().get("x")).is_err());
    }
}

//! The document: JSON or YAML read into one ordered tree (`node.rs`), and
//! local `$ref`s.

use std::collections::HashMap;

use serde::Deserialize;

use crate::Error;
use crate::node::NULL;
pub use crate::node::Node;

/// Reads a document: JSON when it starts with `{`, YAML otherwise (aliases
/// and nesting bounded, `yaml.rs`).
pub fn parse(text: &str) -> Result<Node, Error> {
    if text.trim_start().starts_with('{') {
        let mut de = serde_json::Deserializer::from_str(text);
        let node =
            Node::deserialize(&mut de).map_err(|e| Error::new(format!("invalid JSON: {e}")))?;
        de.end()
            .map_err(|e| Error::new(format!("invalid JSON: {e}")))?;
        return Ok(node);
    }
    crate::yaml::parse(text)
}

/// The pointer of every component (`#/components/schemas/Pet`, its name
/// escaped as JSON pointers are) to where it is.
fn index_components(root: &Node) -> HashMap<String, (usize, usize)> {
    let escape = |s: &str| s.replace('~', "~0").replace('/', "~1");
    let mut index = HashMap::new();
    for (k, (kind, entries)) in root.get("components").entries().iter().enumerate() {
        for (e, (name, _)) in entries.entries().iter().enumerate() {
            let pointer = format!("#/components/{}/{}", escape(kind), escape(name));
            index.entry(pointer).or_insert((k, e));
        }
    }
    index
}

/// The whole document, with `$ref` lookup.
pub struct Document {
    root: Node,
    /// Where each component is (`#/components/<kind>/<name>` to the
    /// indexes of its kind and its entry): a `$ref` is found in constant
    /// time, not by a walk over thousands of schemas.
    components: HashMap<String, (usize, usize)>,
}

impl Document {
    /// Wraps a parsed document after checking that it is OpenAPI 3.x.
    pub fn new(root: Node) -> Result<Document, Error> {
        match root.get("openapi").as_str() {
            Some(v) if v.starts_with("3.") => {
                let components = index_components(&root);
                Ok(Document { root, components })
            }
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
        if let Some(&(kind, entry)) = self.components.get(reference) {
            let kinds = self.root.get("components").entries();
            return Ok(&kinds[kind].1.entries()[entry].1);
        }
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

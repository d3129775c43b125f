//! YAML documents read into [`Node`]s from yaml-rust2's events, with a
//! budget: an alias is a copy of what its anchor names, so a few hundred
//! bytes of anchors and aliases can stand for billions of nodes (the
//! "billion laughs"). The nodes made, aliases' copies included, are
//! counted and bounded by the document's size, and nesting is bounded too
//! (a value is dropped recursively). Past either bound, reading stops
//! with a clear error.

use std::collections::HashMap;

use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::Error;
use crate::node::Node;

/// Nodes a document may stand for beyond one per byte it holds.
const BASE_BUDGET: u64 = 1_000_000;

/// The deepest nesting read.
pub const MAX_DEPTH: usize = 256;

/// Reads the first document of `text`.
pub fn parse(text: &str) -> Result<Node, Error> {
    let mut loader = Loader {
        stack: Vec::new(),
        anchors: HashMap::new(),
        budget: BASE_BUDGET + text.len() as u64,
        error: None,
        doc: None,
    };
    Parser::new_from_str(text)
        .load(&mut loader, false)
        .map_err(|e| Error::new(format!("invalid YAML: {e}")))?;
    if let Some(error) = loader.error {
        return Err(error);
    }
    loader
        .doc
        .ok_or_else(|| Error::new("the document is empty"))
}

/// A sequence or mapping being read.
struct Open {
    node: Node,
    anchor: usize,
    /// A mapping's key, read, waiting for its value.
    key: Option<String>,
    /// The nodes it holds so far (itself included), for an alias's copy.
    size: u64,
}

struct Loader {
    stack: Vec<Open>,
    /// What each anchor names, and how many nodes that is.
    anchors: HashMap<usize, (Node, u64)>,
    /// Nodes still allowed.
    budget: u64,
    error: Option<Error>,
    doc: Option<Node>,
}

impl MarkedEventReceiver for Loader {
    fn on_event(&mut self, event: Event, _mark: Marker) {
        if self.error.is_some() || self.doc.is_some() {
            return;
        }
        if let Err(error) = self.event(event) {
            self.error = Some(error);
            // Nothing more is kept.
            self.stack.clear();
            self.anchors.clear();
        }
    }
}

impl Loader {
    fn event(&mut self, event: Event) -> Result<(), Error> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                // As yaml-rust2's own loader: quoted, or tagged with
                // anything but a core scalar type, it is a string.
                let typed = |t: &yaml_rust2::parser::Tag| {
                    t.handle == "tag:yaml.org,2002:"
                        && matches!(t.suffix.as_str(), "bool" | "int" | "float" | "null")
                };
                let quoted = style != TScalarStyle::Plain || tag.is_some_and(|t| !typed(&t));
                let node = if quoted {
                    Node::Str(value)
                } else {
                    scalar(Yaml::from_str(&value))?
                };
                self.value(node, anchor, 1)
            }
            Event::SequenceStart(anchor, _) => self.open(Node::Seq(Vec::new()), anchor),
            Event::MappingStart(anchor, _) => self.open(Node::Map(Vec::new()), anchor),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(open) => self.value(open.node, open.anchor, open.size),
                None => Ok(()),
            },
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(Error::new("invalid YAML: an alias to an unknown anchor"));
                };
                let (node, size) = (node.clone(), *size);
                self.spend(size)?;
                self.value(node, 0, size)
            }
            _ => Ok(()),
        }
    }

    /// Counts `nodes` against the budget.
    fn spend(&mut self, nodes: u64) -> Result<(), Error> {
        self.budget = self.budget.checked_sub(nodes).ok_or_else(|| {
            Error::new(
                "the YAML document expands to more values than its size allows (an alias bomb?): refused",
            )
        })?;
        Ok(())
    }

    fn open(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::new(format!(
                "the YAML document is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        self.spend(1)?;
        self.stack.push(Open {
            node,
            anchor,
            key: None,
            size: 1,
        });
        Ok(())
    }

    /// A finished value: kept for its anchor, then put in its parent (or
    /// made the document).
    fn value(&mut self, node: Node, anchor: usize, size: u64) -> Result<(), Error> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.doc = Some(node);
            return Ok(());
        };
        parent.size += size;
        match &mut parent.node {
            Node::Seq(items) => items.push(node),
            Node::Map(entries) => match parent.key.take() {
                Some(key) => entries.push((key, node)),
                None => parent.key = Some(key_text(node)?),
            },
            _ => {}
        }
        Ok(())
    }
}

/// A plain scalar's value, as YAML 1.2's core schema reads it.
fn scalar(yaml: Yaml) -> Result<Node, Error> {
    Ok(match yaml {
        Yaml::Null => Node::Null,
        Yaml::Boolean(b) => Node::Bool(b),
        Yaml::Integer(i) => Node::Num(i as f64),
        Yaml::Real(r) => Node::Num(
            r.parse()
                .map_err(|_| Error::new(format!("invalid YAML number `{r}`")))?,
        ),
        Yaml::String(s) => Node::Str(s),
        other => return Err(Error::new(format!("unsupported YAML value {other:?}"))),
    })
}

/// A mapping key as text.
fn key_text(node: Node) -> Result<String, Error> {
    Ok(match node {
        Node::Str(s) => s,
        Node::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        Node::Num(n) => n.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Null => "null".to_owned(),
        Node::Seq(_) | Node::Map(_) => {
            return Err(Error::new("unsupported YAML key: a sequence or mapping"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_copies_within_a_budget() {
        let doc = parse("a: &x {k: [1, two, 'three', true, ~]}\nb: *x\n").unwrap();
        assert_eq!(doc.get("a"), doc.get("b"));
        assert_eq!(doc.get("b").get("k").items().len(), 5);
        // The billion laughs, 429 bytes: refused at once.
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i", "j"]
            .iter()
            .enumerate()
        {
            let prev = ["a", "b", "c", "d", "e", "f", "g", "h", "i"][i];
            let refs = vec![format!("*{prev}"); 9].join(",");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let err = parse(&bomb).unwrap_err();
        assert!(err.to_string().contains("alias bomb"), "{err}");
    }

    #[test]
    fn nesting_is_bounded() {
        // Block style, which the parser does not bound itself.
        let deep: String = (0..=MAX_DEPTH)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect::<String>()
            + &" ".repeat(MAX_DEPTH + 1)
            + "v: 1\n";
        let err = parse(&deep).unwrap_err();
        assert!(err.to_string().contains("nested deeper"), "{err}");
        // Flow style, which yaml-rust2 bounds.
        let flow = format!(
            "{}1{}",
            "[".repeat(4 * MAX_DEPTH),
            "]".repeat(4 * MAX_DEPTH)
        );
        assert!(parse(&flow).is_err());
        let fine = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn keys_and_scalars_as_yaml_1_2_reads_them() {
        let doc = parse("200: {a: 1.5, b: '1', c: !!str 2, d: null, e: yes}\n").unwrap();
        let ok = doc.get("200");
        assert_eq!(ok.get("a"), &Node::Num(1.5));
        assert_eq!(ok.get("b"), &Node::Str("1".into()));
        assert_eq!(ok.get("c"), &Node::Str("2".into()));
        assert_eq!(ok.get("d"), &Node::Null);
        assert_eq!(ok.get("e"), &Node::Str("yes".into()));
    }
}

//! The report of a body that does not decode, pydantic's way: every
//! problem at once, each at its wire path, saying what was expected and
//! which JSON type came (never the value: it may be a secret).
//!
//! Only a failed decode gets here: the body is read again into a JSON tree
//! and walked along the declared type's [`Shape`]. Each misfit is a
//! problem, and is replaced in the tree by a placeholder that fits, so
//! that the rules of the type can then run on the repaired value: a type
//! error in one field and a broken rule in another are reported together
//! (the rules of the repaired places are not). The work is linear in the
//! body; past [`KEPT`] problems only a count is kept, and rules are not
//! run.

use serde_json::Value;

use crate::error::{KEPT_VIOLATIONS as KEPT, Violation};
use crate::shape::{Model, Presence, Shape, Variants};

/// Models nested deeper than this get no placeholder.
const PLACEHOLDER_DEPTH: usize = 16;

/// What the walk of a body found.
pub(crate) struct Walked {
    /// The problems kept, in document order.
    pub(crate) problems: Vec<Violation>,
    /// How many more there were.
    pub(crate) more: usize,
    /// The body with every misfit replaced by a placeholder; `None` when
    /// one could not be (a type known only by decoding, a cycle of
    /// required models) or when too many problems were found.
    pub(crate) repaired: Option<Value>,
    /// The paths of the replaced values: a rule broken there or below is
    /// the placeholder's, not the body's.
    repaired_at: Vec<String>,
}

impl Walked {
    /// Whether a rule violation lies at or under a repaired place.
    pub(crate) fn is_repaired(&self, path: &str) -> bool {
        self.repaired_at.iter().any(|at| {
            path.strip_prefix(at.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    }
}

/// Walks `text` (a JSON document whose path is `root`) along `shape`.
/// `None` when the text is not JSON at all or nothing misfits (the
/// failure was another: a duplicate field, trailing characters).
pub(crate) fn walk(text: &[u8], shape: Shape, root: &str) -> Option<Walked> {
    let mut value: Value = serde_json::from_slice(text).ok()?;
    let mut walk = Walk {
        path: vec![Step::Root(root.to_owned())],
        problems: Vec::new(),
        more: 0,
        repaired_at: Vec::new(),
        repairable: true,
    };
    walk.value(&mut value, shape);
    if walk.problems.is_empty() {
        return None;
    }
    let repaired = (walk.repairable && walk.more == 0).then_some(value);
    Some(Walked {
        problems: walk.problems,
        more: walk.more,
        repaired,
        repaired_at: walk.repaired_at,
    })
}

/// One step of the path being walked.
enum Step {
    Root(String),
    Key(String),
    Index(usize),
}

/// The walk's state.
struct Walk {
    path: Vec<Step>,
    problems: Vec<Violation>,
    more: usize,
    repaired_at: Vec<String>,
    repairable: bool,
}

impl Walk {
    fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Root(root) => out.push_str(root),
                Step::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Records a problem here (its message made only if it is kept) and
    /// puts a placeholder of `shape` in its place.
    fn problem(
        &mut self,
        value: &mut Value,
        shape: Shape,
        code: &'static str,
        message: impl FnOnce() -> String,
    ) {
        if self.problems.len() < KEPT {
            let path = self.render();
            self.problems
                .push(Violation::new(path.clone(), code, message()));
            self.repaired_at.push(path);
        } else {
            self.more += 1;
        }
        match placeholder(shape, 0) {
            Some(fit) => *value = fit,
            None => self.repairable = false,
        }
    }

    fn mismatch(&mut self, value: &mut Value, shape: Shape) {
        let found = json_type(value);
        self.problem(value, shape, "type", || {
            format!("expected {}, found {found}", describe(shape))
        });
    }

    fn value(&mut self, value: &mut Value, shape: Shape) {
        let fits = match (shape, &*value) {
            (Shape::Any, _) => true,
            (Shape::Option(_), Value::Null) => true,
            (Shape::Option(inner), _) => return self.value(value, inner()),
            (Shape::Bool, v) => v.is_boolean(),
            (Shape::Integer { min, max }, Value::Number(n)) => {
                let n = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
                match n {
                    Some(n) if n < min || n > max => {
                        return self.problem(value, shape, "type", || {
                            format!(
                                "expected {}, found an integer out of range",
                                describe(shape)
                            )
                        });
                    }
                    Some(_) => true,
                    None => false,
                }
            }
            (Shape::Number, v) => v.is_number(),
            (Shape::String, v) => v.is_string(),
            (Shape::List(inner), Value::Array(_)) => return self.list(value, inner()),
            (Shape::Map(inner), Value::Object(_)) => return self.map(value, inner()),
            (Shape::Model(model), Value::Object(_)) => return self.model(value, model),
            (Shape::Enum(variants), Value::String(s)) => {
                if variants.names.contains(&s.as_str()) {
                    true
                } else {
                    return self.problem(value, shape, "enum", || {
                        format!("expected {}, found another string", describe(shape))
                    });
                }
            }
            (Shape::Other(other), v) => {
                if (other.fits)(v) {
                    true
                } else {
                    let found = json_type(value);
                    return self.problem(value, shape, "value", || {
                        format!("expected {}, found {found}", describe(shape))
                    });
                }
            }
            _ => false,
        };
        if !fits {
            self.mismatch(value, shape);
        }
    }

    fn list(&mut self, value: &mut Value, inner: Shape) {
        let Value::Array(items) = value else { return };
        for (i, item) in items.iter_mut().enumerate() {
            self.path.push(Step::Index(i));
            self.value(item, inner);
            self.path.pop();
        }
    }

    fn map(&mut self, value: &mut Value, inner: Shape) {
        let Value::Object(entries) = value else {
            return;
        };
        for (key, item) in entries.iter_mut() {
            self.path.push(Step::Key(key.clone()));
            self.value(item, inner);
            self.path.pop();
        }
    }

    fn model(&mut self, value: &mut Value, model: &'static Model) {
        let Value::Object(entries) = value else {
            return;
        };
        let mut flatten = None;
        for (i, field) in model.fields.iter().enumerate() {
            let shape = (model.field_shape)(i);
            if field.presence == Presence::Flatten {
                flatten = Some(shape);
                continue;
            }
            // Under its name, else the first alias sent.
            let key = std::iter::once(field.wire)
                .chain(field.aliases.iter().copied())
                .find(|k| entries.contains_key(*k))
                .unwrap_or(field.wire);
            self.path.push(Step::Key(key.to_owned()));
            match entries.get_mut(key) {
                Some(item) => self.value(item, shape),
                None if field.presence == Presence::Required
                    && !matches!(shape, Shape::Option(_) | Shape::Any) =>
                {
                    let mut slot = Value::Null;
                    self.problem(&mut slot, shape, "missing", || {
                        "a required field is missing".to_owned()
                    });
                    entries.insert(field.wire.to_owned(), slot);
                }
                None => {}
            }
            self.path.pop();
        }
        // The keys the model does not declare go to its flattened map.
        if let Some(Shape::Map(inner)) = flatten {
            let inner = inner();
            for (key, item) in entries.iter_mut() {
                let declared =
                    |f: &crate::shape::Field| f.wire == key || f.aliases.contains(&key.as_str());
                if !model.fields.iter().any(declared) {
                    self.path.push(Step::Key(key.clone()));
                    self.value(item, inner);
                    self.path.pop();
                }
            }
        }
    }
}

/// A JSON value of `shape` that decodes, for a misfit's place; `None`
/// when none is known.
fn placeholder(shape: Shape, depth: usize) -> Option<Value> {
    Some(match shape {
        Shape::Any | Shape::Option(_) => Value::Null,
        Shape::Bool => Value::Bool(false),
        Shape::Integer { min, .. } => Value::from(i64::try_from(min.max(0)).ok()?),
        Shape::Number => Value::from(0),
        Shape::String => Value::String(String::new()),
        Shape::List(_) => Value::Array(Vec::new()),
        Shape::Map(_) => Value::Object(serde_json::Map::new()),
        Shape::Enum(variants) => Value::String((*variants.names.first()?).to_owned()),
        Shape::Model(model) if depth < PLACEHOLDER_DEPTH => {
            let mut object = serde_json::Map::new();
            for (i, field) in model.fields.iter().enumerate() {
                let shape = (model.field_shape)(i);
                if field.presence == Presence::Required && !matches!(shape, Shape::Option(_)) {
                    object.insert(field.wire.to_owned(), placeholder(shape, depth + 1)?);
                }
            }
            Value::Object(object)
        }
        Shape::Model(_) => return None,
        Shape::Other(other) => {
            let candidates = [
                Value::Null,
                Value::String(String::new()),
                Value::from(0),
                Value::Bool(false),
                Value::Array(Vec::new()),
                Value::Object(serde_json::Map::new()),
            ];
            return candidates.into_iter().find(|c| (other.fits)(c));
        }
    })
}

/// What a shape expects, as a person reads it.
fn describe(shape: Shape) -> String {
    match shape {
        Shape::Any => "any value".to_owned(),
        Shape::Bool => "a boolean".to_owned(),
        Shape::Integer { min, max } if min == i64::MIN as i128 && max == i64::MAX as i128 => {
            "an integer".to_owned()
        }
        Shape::Integer { min, max } => format!("an integer from {min} to {max}"),
        Shape::Number => "a number".to_owned(),
        Shape::String => "a string".to_owned(),
        Shape::Option(inner) => format!("{} or null", describe(inner())),
        Shape::List(_) => "an array".to_owned(),
        Shape::Map(_) => "an object".to_owned(),
        Shape::Model(model) => format!("an object ({})", model.name),
        Shape::Enum(variants) => one_of(variants),
        Shape::Other(other) => format!("a valid {}", crate::error::short_type_name((other.name)())),
    }
}

/// `one of "open", "closed"` (at most eight names, then how many more).
fn one_of(variants: &Variants) -> String {
    const SHOWN: usize = 8;
    let mut out = String::from("one of ");
    for (i, name) in variants.names.iter().take(SHOWN).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&format!("{name:?}"));
    }
    if variants.names.len() > SHOWN {
        out.push_str(&format!(" (and {} more)", variants.names.len() - SHOWN));
    }
    out
}

/// The JSON type of a value, as a person reads it.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

//! Schemas to models: objects, enums, unions, `allOf`, nullability, formats.

use std::collections::HashMap;

use crate::Options;
use crate::doc::{Document, Node};
use crate::model::{Ext, Field, Kind, Model, Ty, Variant};
use crate::names::{Scope, pascal, snake};
use crate::rules::rules_of;

/// The models of one document, built as schemas are met.
pub struct Schemas<'d> {
    doc: &'d Document,
    opts: &'d Options,
    /// The models, in the order they were named.
    pub models: Vec<Model>,
    /// `$ref` → model name, for every reference already lowered.
    by_ref: HashMap<String, String>,
    types: Scope,
    /// What could not be expressed: `(where, what)`.
    pub warnings: Vec<(String, String)>,
    /// Discriminator properties, by the struct that holds them.
    pub tagged: Vec<(String, String)>,
}

impl<'d> Schemas<'d> {
    /// Names every component schema, so references can point at them.
    /// `traits` are the traits' names: they, and the `…Client` and
    /// `…Mock` types `#[api]` makes of them, are not given to models.
    pub fn new(doc: &'d Document, opts: &'d Options, traits: &[String]) -> Schemas<'d> {
        let mut schemas = Schemas {
            doc,
            opts,
            models: Vec::new(),
            by_ref: HashMap::new(),
            types: Scope::default(),
            warnings: Vec::new(),
            tagged: Vec::new(),
        };
        for name in traits {
            for suffix in ["", "Client", "Mock"] {
                schemas.types.reserve(&format!("{name}{suffix}"));
            }
        }
        for (key, _) in doc.root().get("components").get("schemas").entries() {
            let name = schemas.types.unique(pascal(key), "");
            schemas.by_ref.insert(
                format!("#/components/schemas/{}", escape_pointer(key)),
                name,
            );
        }
        schemas
    }

    /// Builds the model of every component schema.
    pub fn lower_components(&mut self) {
        for (key, schema) in self.doc.root().get("components").get("schemas").entries() {
            let reference = format!("#/components/schemas/{}", escape_pointer(key));
            let name = self.by_ref[&reference].clone();
            self.define(&name, schema);
        }
        self.break_alias_cycles();
    }

    /// `A: {$ref: B}`, `B: {$ref: A}` would be `type A = B; type B = A;`,
    /// which does not compile: such aliases become any JSON, with a warning.
    /// An alias is on such a cycle when its component of the aliases'
    /// graph has another member, or it names itself (one pass, however
    /// long the cycle).
    fn break_alias_cycles(&mut self) {
        let aliases: HashMap<String, Vec<String>> = self
            .models
            .iter()
            .filter_map(|m| match &m.kind {
                Kind::Alias(Ty::Named(target)) => Some((m.name.clone(), vec![target.clone()])),
                _ => None,
            })
            .collect();
        let component = crate::graph::components(&aliases);
        let mut size: HashMap<usize, usize> = HashMap::new();
        for c in component.values() {
            *size.entry(*c).or_default() += 1;
        }
        let on_cycle: std::collections::HashSet<String> = aliases
            .iter()
            .filter(|(name, targets)| {
                size[&component[name.as_str()]] > 1 || targets.first() == Some(*name)
            })
            .map(|(name, _)| name.clone())
            .collect();
        for model in &mut self.models {
            if on_cycle.contains(&model.name) {
                self.warnings.push((
                    model.name.clone(),
                    "a `$ref` cycle with no schema in it: typed as any JSON".into(),
                ));
                model.kind = Kind::Alias(Ty::Json);
            }
        }
    }

    /// Whether values of this type can fill a path segment: a primitive, a
    /// string enum (it has `Display`), or an alias of one.
    pub fn is_single_value(&self, ty: &Ty) -> bool {
        let mut ty = ty;
        for _ in 0..16 {
            match ty {
                Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::Ext(_) => {
                    return true;
                }
                Ty::Named(name) => match self
                    .models
                    .iter()
                    .find(|m| &m.name == name)
                    .map(|m| &m.kind)
                {
                    Some(Kind::Enum(_)) => return true,
                    Some(Kind::Alias(inner)) => ty = inner,
                    _ => return false,
                },
                _ => return false,
            }
        }
        false
    }

    /// The Rust type of a schema; inline objects, enums and unions become
    /// models named after `hint`.
    pub fn ty_of(&mut self, schema: &Node, hint: &str) -> Ty {
        if let Some(reference) = schema.reference() {
            return self.ty_of_ref(reference, hint);
        }
        let (inner, nullable) = self.ty_of_value(schema, hint);
        if nullable { inner.optional() } else { inner }
    }

    fn ty_of_ref(&mut self, reference: &str, hint: &str) -> Ty {
        if let Some(name) = self.by_ref.get(reference) {
            return Ty::Named(name.clone());
        }
        match self.doc.lookup(reference) {
            Ok(target) => {
                let name = self
                    .types
                    .unique(pascal(reference.rsplit('/').next().unwrap_or(hint)), "");
                self.by_ref.insert(reference.to_owned(), name.clone());
                self.define(&name, target);
                Ty::Named(name)
            }
            Err(e) => {
                self.warn(hint, format!("{e}; typed as any JSON"));
                Ty::Json
            }
        }
    }

    /// Defines the model `name` from a schema: a struct, enum or union, or
    /// an alias for anything else.
    fn define(&mut self, name: &str, schema: &Node) {
        let index = self.push(name, schema);
        let kind = if let Some(reference) = schema.reference() {
            Kind::Alias(self.ty_of_ref(reference, name))
        } else if let Some(only) = single_member(schema) {
            Kind::Alias(self.ty_of(only, name))
        } else if let Some(kind) = self.kind_of(schema, name) {
            kind
        } else {
            Kind::Alias(self.plain(schema, name))
        };
        self.models[index].kind = kind;
    }

    /// Adds a model whose shape is filled in later (its members may be
    /// models too, listed after it).
    fn push(&mut self, name: &str, schema: &Node) -> usize {
        let doc = doc_of(schema);
        self.models.push(Model {
            name: name.to_owned(),
            doc,
            deprecated: deprecated(schema),
            kind: Kind::Alias(Ty::Json),
        });
        self.models.len() - 1
    }

    /// `(type, nullable)` of a schema that is not a reference.
    fn ty_of_value(&mut self, schema: &Node, hint: &str) -> (Ty, bool) {
        let nullable = is_nullable(schema);
        if let Some(only) = single_member(schema) {
            return (self.ty_of(only, hint), nullable);
        }
        if !is_model(schema) {
            return (self.plain(schema, hint), nullable);
        }
        let name = self.types.unique(pascal(hint), "");
        let index = self.push(&name, schema);
        if let Some(kind) = self.kind_of(schema, &name) {
            self.models[index].kind = kind;
        }
        (Ty::Named(name), nullable)
    }

    /// The shape of a schema that is a model of its own (see `is_model`).
    fn kind_of(&mut self, schema: &Node, name: &str) -> Option<Kind> {
        if !schema.get("allOf").is_null() {
            Some(self.all_of(schema, name))
        } else if let Some(members) = union_members(schema) {
            Some(self.union(schema, &members, name))
        } else if let Some(values) = string_enum(schema) {
            Some(Kind::Enum(enum_variants(&values)))
        } else if is_object(schema) && !schema.get("properties").entries().is_empty() {
            Some(self.object(schema, name))
        } else {
            None
        }
    }

    /// Primitives, arrays, maps and anything else.
    fn plain(&mut self, schema: &Node, hint: &str) -> Ty {
        match primary_type(schema) {
            Some("string") => self.string(schema),
            Some("integer") => match schema.get("format").as_str() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            Some("number") => match schema.get("format").as_str() {
                Some("float") => Ty::F32,
                _ => Ty::F64,
            },
            Some("boolean") => Ty::Bool,
            Some("array") => Ty::Vec(Box::new(
                self.ty_of(schema.get("items"), &format!("{hint}Item")),
            )),
            Some("object") | None if is_object(schema) => {
                match schema.get("additionalProperties") {
                    Node::Map(_) => Ty::Map(Box::new(
                        self.ty_of(schema.get("additionalProperties"), &format!("{hint}Value")),
                    )),
                    _ => Ty::Json,
                }
            }
            _ => Ty::Json,
        }
    }

    fn string(&mut self, schema: &Node) -> Ty {
        let opts = self.opts;
        match schema.get("format").as_str() {
            Some("date-time") if opts.chrono => Ty::Ext(Ext::DateTime),
            Some("date") if opts.chrono => Ty::Ext(Ext::Date),
            Some("uuid") if opts.uuid => Ty::Ext(Ext::Uuid),
            Some("uri" | "url") if opts.url => Ty::Ext(Ext::Url),
            _ => Ty::String,
        }
    }

    /// An object's properties as fields; `extra` for `additionalProperties`.
    fn object(&mut self, schema: &Node, name: &str) -> Kind {
        let mut fields = Vec::new();
        self.add_fields(schema, name, &mut fields);
        let extra = match schema.get("additionalProperties") {
            Node::Map(_) => {
                Some(self.ty_of(schema.get("additionalProperties"), &format!("{name}Value")))
            }
            Node::Bool(true) => Some(Ty::Json),
            _ => None,
        };
        if extra.is_some() {
            make_room_for_extra(&mut fields);
        }
        Kind::Struct { fields, extra }
    }

    fn add_fields(&mut self, schema: &Node, owner: &str, fields: &mut Vec<Field>) {
        let required = schema.required();
        let mut scope = Scope::default();
        for field in fields.iter() {
            scope.reserve(&field.ident);
        }
        for (wire, property) in schema.get("properties").entries() {
            if fields.iter().any(|f| &f.wire == wire) {
                continue;
            }
            let ty = self.ty_of(property, &format!("{owner}{}", pascal(wire)));
            let optional = !required.contains(&wire.as_str());
            let resolved = self.doc.resolve(property).unwrap_or(property);
            let rules = rules_of(resolved, &ty, |what| {
                self.warnings.push((format!("{owner}.{wire}"), what))
            });
            fields.push(Field {
                ident: scope.unique(snake(wire), "_"),
                wire: wire.clone(),
                ty: if optional { ty.optional() } else { ty },
                optional,
                boxed: false,
                doc: doc_of(property),
                deprecated: deprecated(property),
                rules,
            });
        }
    }

    /// `allOf`: every member's properties in one struct (members that are
    /// references are followed; nested `allOf`s are merged too).
    fn all_of(&mut self, schema: &Node, name: &str) -> Kind {
        let mut fields = Vec::new();
        let mut extra = None;
        let mut stack = vec![schema];
        let mut seen = 0;
        while let Some(node) = stack.pop() {
            seen += 1;
            if seen > 64 {
                self.warn(
                    name,
                    "an `allOf` deeper than 64 members; the rest is left out".into(),
                );
                break;
            }
            let node = match self.doc.resolve(node) {
                Ok(node) => node,
                Err(e) => {
                    self.warn(name, format!("{e}; member left out"));
                    continue;
                }
            };
            let own = Node::Map(vec![
                ("properties".into(), node.get("properties").clone()),
                ("required".into(), node.get("required").clone()),
            ]);
            self.add_fields(&own, name, &mut fields);
            if let Node::Map(_) | Node::Bool(true) = node.get("additionalProperties") {
                extra = Some(Ty::Json);
            }
            if union_members(node).is_some() {
                self.warn(
                    name,
                    "a `oneOf`/`anyOf` inside `allOf` is not merged; its properties are left out"
                        .into(),
                );
            }
            stack.extend(node.get("allOf").items().iter().rev());
        }
        // A property two members declare keeps the first one's type and
        // requiredness.
        if extra.is_some() {
            make_room_for_extra(&mut fields);
        }
        Kind::Struct { fields, extra }
    }

    /// `oneOf`/`anyOf`: a tagged enum when a discriminator names a property
    /// and every member is a model, an untagged one otherwise.
    fn union(&mut self, schema: &Node, members: &[&Node], name: &str) -> Kind {
        let discriminator = schema.get("discriminator");
        let property = discriminator
            .get("propertyName")
            .as_str()
            .map(str::to_owned);
        let mut variants = Vec::new();
        let mut scope = Scope::default();
        for (i, member) in members.iter().enumerate() {
            let ty = self.ty_of(member, &format!("{name}Variant{}", i + 1));
            let ident = scope.unique(variant_name(&ty), "");
            let tag = member.reference().map(|r| tag_of(discriminator, r));
            variants.push(Variant { ident, tag, ty });
        }
        let taggable = variants
            .iter()
            .all(|v| v.tag.is_some() && matches!(v.ty, Ty::Named(_)));
        match property {
            Some(property) if taggable => {
                for variant in &variants {
                    if let Ty::Named(model) = &variant.ty {
                        self.tagged.push((model.clone(), property.clone()));
                    }
                }
                Kind::Union {
                    tag: Some(property),
                    variants,
                }
            }
            Some(property) => {
                self.warn(name, format!("discriminator `{property}` over members that are not all references: decoded untagged"));
                Kind::Union {
                    tag: None,
                    variants: strip_tags(variants),
                }
            }
            None => Kind::Union {
                tag: None,
                variants: strip_tags(variants),
            },
        }
    }

    fn warn(&mut self, at: &str, what: String) {
        self.warnings.push((at.to_owned(), what));
    }
}

fn strip_tags(variants: Vec<Variant>) -> Vec<Variant> {
    variants
        .into_iter()
        .map(|v| Variant { tag: None, ..v })
        .collect()
}

/// The discriminator value of a member: from `mapping`, else its name.
fn tag_of(discriminator: &Node, reference: &str) -> String {
    discriminator
        .get("mapping")
        .entries()
        .iter()
        .find(|(_, target)| {
            target.as_str() == Some(reference) || target.as_str() == reference.rsplit('/').next()
        })
        .map(|(value, _)| value.clone())
        .unwrap_or_else(|| reference.rsplit('/').next().unwrap_or(reference).to_owned())
}

fn variant_name(ty: &Ty) -> String {
    match ty {
        Ty::Named(name) => name.clone(),
        Ty::String | Ty::Ext(_) => "Text".into(),
        Ty::I32 | Ty::I64 => "Integer".into(),
        Ty::F32 | Ty::F64 => "Number".into(),
        Ty::Bool => "Boolean".into(),
        Ty::Vec(_) => "List".into(),
        Ty::Option(inner) => variant_name(inner),
        Ty::Map(_) | Ty::Json | Ty::Bytes => "Object".into(),
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `type`, or the first non-null entry of a 3.1 type array.
pub fn primary_type(schema: &Node) -> Option<&str> {
    match schema.get("type") {
        Node::Str(t) => Some(t),
        Node::Seq(types) => {
            let named: Vec<&str> = types
                .iter()
                .filter_map(Node::as_str)
                .filter(|t| *t != "null")
                .collect();
            match named.as_slice() {
                [one] => Some(one),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_object(schema: &Node) -> bool {
    primary_type(schema) == Some("object")
        || (schema.get("type").is_null() && !schema.get("properties").is_null())
}

/// 3.0's `nullable: true`, 3.1's `type: [T, "null"]`, or a `null` member.
fn is_nullable(schema: &Node) -> bool {
    schema.get("nullable").as_bool() == Some(true)
        || schema
            .get("type")
            .items()
            .iter()
            .any(|t| t.as_str() == Some("null"))
        || ["oneOf", "anyOf"]
            .iter()
            .any(|k| schema.get(k).items().iter().any(is_null_schema))
}

fn is_null_schema(schema: &Node) -> bool {
    schema.get("type").as_str() == Some("null") || (schema.get("enum").items() == [Node::Null])
}

/// The members of a `oneOf`/`anyOf`, `null` left out.
fn union_members(schema: &Node) -> Option<Vec<&Node>> {
    let members = if schema.get("oneOf").is_null() {
        schema.get("anyOf")
    } else {
        schema.get("oneOf")
    };
    let members: Vec<&Node> = members
        .items()
        .iter()
        .filter(|m| !is_null_schema(m))
        .collect();
    (members.len() > 1).then_some(members)
}

/// A schema that only wraps another: `allOf: [$ref]`, `oneOf: [$ref, null]`.
fn single_member(schema: &Node) -> Option<&Node> {
    if !schema.get("properties").is_null() {
        return None;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        let members: Vec<&Node> = schema
            .get(key)
            .items()
            .iter()
            .filter(|m| !is_null_schema(m))
            .collect();
        if let [only] = members.as_slice() {
            return Some(only);
        }
    }
    None
}

/// Whether a schema becomes a model of its own (not an alias).
fn is_model(schema: &Node) -> bool {
    !schema.get("allOf").is_null()
        || union_members(schema).is_some()
        || string_enum(schema).is_some()
        || (is_object(schema) && !schema.get("properties").entries().is_empty())
}

fn string_enum(schema: &Node) -> Option<Vec<&str>> {
    let values = schema.get("enum").items();
    let strings: Vec<&str> = values.iter().filter_map(Node::as_str).collect();
    let all_strings = values.iter().all(|v| v.as_str().is_some() || v.is_null());
    (!strings.is_empty() && all_strings).then_some(strings)
}

/// `(Rust name, wire value)` per distinct value.
fn enum_variants(values: &[&str]) -> Vec<(String, String)> {
    let mut scope = Scope::default();
    let mut variants: Vec<(String, String)> = Vec::new();
    for value in values {
        if variants.iter().any(|(_, wire)| wire == value) {
            continue;
        }
        let name = if value.is_empty() {
            "Empty".to_owned()
        } else {
            pascal(value)
        };
        variants.push((scope.unique(name, ""), (*value).to_owned()));
    }
    variants
}

/// The field `extra` holds the properties a schema does not declare: a
/// declared property of that name takes another.
fn make_room_for_extra(fields: &mut [Field]) {
    let mut scope = Scope::default();
    for field in fields.iter() {
        scope.reserve(&field.ident);
    }
    scope.reserve("extra");
    for field in fields.iter_mut().filter(|f| f.ident == "extra") {
        field.ident = scope.unique("extra".to_owned(), "_");
    }
}

/// `title` and `description`, one paragraph each.
pub fn doc_of(node: &Node) -> Option<String> {
    let parts: Vec<&str> = ["title", "description"]
        .iter()
        .filter_map(|k| node.get(k).as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// `deprecated: true`.
pub fn deprecated(node: &Node) -> bool {
    node.get("deprecated").as_bool() == Some(true)
}

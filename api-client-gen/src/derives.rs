//! What each model derives: `Serialize` if a request sends it,
//! `Deserialize` if a response holds it, garde's `Validate` if it has a
//! rule somewhere inside. Derives are most of a large client's build time
//! (GitHub's: thousands of types), so none is written that no call uses.

use std::collections::{HashMap, HashSet};

use crate::model::{Errors, Kind, Method, Model, Returns, Role, Ty};

/// The derives of every model, by name.
#[derive(Debug, Default)]
pub struct Uses {
    /// Models a request sends (bodies, query and header arguments).
    pub serialize: HashSet<String>,
    /// Models a response holds (success bodies and error documents).
    pub deserialize: HashSet<String>,
    /// Models with a garde rule in them (their own or a field's model's).
    pub validated: HashSet<String>,
    /// Structs and unions derive no `PartialEq` (a quarter of GitHub's
    /// build).
    pub lean: bool,
}

impl Uses {
    /// Computes the derives. With `both`, every model gets both serde
    /// derives; models no method reaches (`all_schemas`) always do.
    pub fn new<'m>(
        models: &[Model],
        methods: impl Iterator<Item = &'m Method>,
        both: bool,
    ) -> Uses {
        let by_name: HashMap<&str, &Model> = models.iter().map(|m| (m.name.as_str(), m)).collect();
        let (mut sent, mut received) = (Vec::new(), Vec::new());
        for method in methods {
            for arg in method.args.iter().filter(|a| a.role != Role::Path) {
                sent.extend(named_in(&arg.ty));
            }
            if let Returns::Json(ty) | Returns::Events(ty, _) = &method.returns {
                received.extend(named_in(ty));
            }
            received.extend(
                method
                    .error
                    .iter()
                    .flat_map(Errors::types)
                    .flat_map(named_in),
            );
        }
        let mut uses = Uses {
            serialize: closure(&by_name, sent),
            deserialize: closure(&by_name, received),
            validated: validated(models),
            lean: false,
        };
        for model in models {
            let unused =
                !uses.serialize.contains(&model.name) && !uses.deserialize.contains(&model.name);
            if both || unused {
                uses.serialize.insert(model.name.clone());
                uses.deserialize.insert(model.name.clone());
            }
        }
        uses
    }
}

/// Every model reachable from `roots`.
pub fn closure(by_name: &HashMap<&str, &Model>, mut stack: Vec<String>) -> HashSet<String> {
    let mut seen = HashSet::new();
    while let Some(name) = stack.pop() {
        if let Some(model) = by_name.get(name.as_str())
            && seen.insert(name)
        {
            stack.extend(model_refs(&model.kind));
        }
    }
    seen
}

/// The models with a rule in them, to a fixed point (a struct holding a
/// validated model is validated, through aliases and containers).
fn validated(models: &[Model]) -> HashSet<String> {
    let mut out: HashSet<String> = HashSet::new();
    loop {
        let before = out.len();
        for model in models {
            let yes = match &model.kind {
                Kind::Struct { fields, .. } => fields.iter().any(|f| {
                    f.rules != Default::default() || named_in(&f.ty).iter().any(|n| out.contains(n))
                }),
                Kind::Union { variants, .. } => variants
                    .iter()
                    .any(|v| named_in(&v.ty).iter().any(|n| out.contains(n))),
                Kind::Alias(ty) => named_in(ty).iter().any(|n| out.contains(n)),
                Kind::Enum(_) => false,
            };
            if yes {
                out.insert(model.name.clone());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Every model a type names, inside containers too.
pub fn named_in(ty: &Ty) -> Vec<String> {
    match ty {
        Ty::Named(name) => vec![name.clone()],
        Ty::Option(inner) | Ty::Vec(inner) | Ty::Map(inner) => named_in(inner),
        _ => Vec::new(),
    }
}

/// The models a model's shape names.
pub fn model_refs(kind: &Kind) -> Vec<String> {
    match kind {
        Kind::Struct { fields, extra } => fields
            .iter()
            .map(|f| &f.ty)
            .chain(extra)
            .flat_map(named_in)
            .collect(),
        Kind::Union { variants, .. } => variants.iter().flat_map(|v| named_in(&v.ty)).collect(),
        Kind::Alias(ty) => named_in(ty),
        Kind::Enum(_) => Vec::new(),
    }
}

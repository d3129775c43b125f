//! Models of one shape become one type: a model like an earlier one is an
//! alias of it, and error documents name the type once.

use std::collections::HashMap;

use crate::model::{Errors, Kind, Model, Status, Ty};

/// A model with the same shape as an earlier one (GitHub's `state: open |
/// closed` in a hundred places, its error documents repeated inline per
/// operation) becomes an alias of it: one type to compile, and values move
/// between the two without conversion. Shapes are compared with the types
/// they name taken through the aliases found so far, until no new alias
/// appears, so two structs whose fields are aliased twins are twins too.
pub fn alias_duplicates(models: &mut [Model]) {
    loop {
        let aliases = alias_targets(models);
        let mut first: HashMap<String, String> = HashMap::new();
        let mut found = false;
        for model in models.iter_mut() {
            if matches!(model.kind, Kind::Alias(_)) {
                continue;
            }
            let key = shape_key(&model.kind, &aliases);
            match first.get(&key) {
                Some(original) => {
                    model.kind = Kind::Alias(Ty::Named(original.clone()));
                    found = true;
                }
                None => {
                    first.insert(key, model.name.clone());
                }
            }
        }
        if !found {
            return;
        }
    }
}

/// Each alias's final target (through chains of aliases).
fn alias_targets(models: &[Model]) -> HashMap<String, Ty> {
    let direct: HashMap<&str, &Ty> = models
        .iter()
        .filter_map(|m| match &m.kind {
            Kind::Alias(ty) => Some((m.name.as_str(), ty)),
            _ => None,
        })
        .collect();
    direct
        .keys()
        .map(|name| {
            let mut ty = direct[name];
            // Bounded: a chain cannot be longer than the aliases.
            for _ in 0..direct.len() {
                match ty {
                    Ty::Named(next) if direct.contains_key(next.as_str()) => {
                        ty = direct[next.as_str()]
                    }
                    _ => break,
                }
            }
            ((*name).to_owned(), ty.clone())
        })
        .collect()
}

/// `ty` with every aliased name replaced by its target.
fn through(ty: &Ty, aliases: &HashMap<String, Ty>) -> Ty {
    match ty {
        Ty::Named(name) => aliases.get(name).cloned().unwrap_or_else(|| ty.clone()),
        Ty::Vec(inner) => Ty::Vec(Box::new(through(inner, aliases))),
        Ty::Map(inner) => Ty::Map(Box::new(through(inner, aliases))),
        Ty::Option(inner) => Ty::Option(Box::new(through(inner, aliases))),
        other => other.clone(),
    }
}

/// What makes two models the same type: the kind without field docs, and
/// named types through the aliases.
fn shape_key(kind: &Kind, aliases: &HashMap<String, Ty>) -> String {
    let mut shape = kind.clone();
    match &mut shape {
        Kind::Struct { fields, extra } => {
            for field in fields.iter_mut() {
                field.doc = None;
                field.ty = through(&field.ty, aliases);
            }
            if let Some(extra) = extra {
                *extra = through(extra, aliases);
            }
        }
        Kind::Union { variants, .. } => {
            for variant in variants.iter_mut() {
                variant.ty = through(&variant.ty, aliases);
            }
        }
        Kind::Enum(_) | Kind::Alias(_) => {}
    }
    format!("{shape:?}")
}

/// Error documents after aliasing, as the macro takes them: statuses, then
/// classes, then `default` (the narrowest first); arms whose types are one
/// model (inline schemas of the same shape, now aliases) name it once,
/// statuses of one type share an arm, and a method whose arms are all one
/// model has `#[error(T)]`.
pub fn canonical_errors(models: &[Model], errors: Errors) -> Errors {
    let Errors::ByStatus(mut arms) = errors else {
        return errors;
    };
    arms.sort_by_key(|(statuses, _)| match statuses.first() {
        Some(Status::Code(_)) => 0,
        Some(Status::Class(_)) => 1,
        _ => 2,
    });
    let aliases = alias_targets(models);
    // One type for all: named as the first response names it (an
    // operation's own alias reads better than the model it aliases).
    let first = arms.first().map(|(_, ty)| ty.clone());
    let mut merged: Vec<(Vec<Status>, Ty)> = Vec::new();
    for (statuses, ty) in arms {
        let ty = through(&ty, &aliases);
        let codes = |s: &[Status]| s.iter().all(|s| matches!(s, Status::Code(_)));
        let codes_here = codes(&statuses);
        match merged
            .iter_mut()
            .find(|(s, t)| *t == ty && codes_here && codes(s))
        {
            Some((existing, _)) => existing.extend(statuses),
            None => merged.push((statuses, ty)),
        }
    }
    if let Some(first) = first
        && merged.iter().all(|(_, ty)| *ty == merged[0].1)
    {
        return Errors::One(first);
    }
    Errors::ByStatus(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, Rules};

    fn model(name: &str, kind: Kind) -> Model {
        Model {
            name: name.into(),
            doc: None,
            deprecated: false,
            kind,
        }
    }

    fn object(field_ty: Ty, doc: &str) -> Kind {
        Kind::Struct {
            fields: vec![Field {
                ident: "code".into(),
                wire: "code".into(),
                ty: field_ty,
                optional: false,
                boxed: false,
                doc: Some(doc.into()),
                deprecated: false,
                rules: Rules::default(),
            }],
            extra: None,
        }
    }

    #[test]
    fn twins_through_aliased_fields_become_one_type() {
        let state = || Kind::Enum(vec![("Open".into(), "open".into())]);
        let mut models = vec![
            model("Error", object(Ty::Named("ErrorCode".into()), "one")),
            model("Error2", object(Ty::Named("Error2Code".into()), "two")),
            model("ErrorCode", state()),
            model("Error2Code", state()),
        ];
        alias_duplicates(&mut models);
        let kinds: Vec<String> = models.iter().map(|m| format!("{:?}", m.kind)).collect();
        assert!(kinds[1].contains("Alias(Named(\"Error\"))"), "{kinds:?}");
        assert!(
            kinds[3].contains("Alias(Named(\"ErrorCode\"))"),
            "{kinds:?}"
        );
        let by_status = Errors::ByStatus(vec![
            (vec![Status::Code(404)], Ty::Named("Error".into())),
            (vec![Status::Code(422)], Ty::Named("Error2".into())),
        ]);
        assert_eq!(
            canonical_errors(&models, by_status),
            Errors::One(Ty::Named("Error".into()))
        );
        // A lone alias keeps its own name.
        let lone = Errors::ByStatus(vec![(vec![Status::Code(404)], Ty::Named("Error2".into()))]);
        assert_eq!(
            canonical_errors(&models, lone),
            Errors::One(Ty::Named("Error2".into()))
        );
    }

    #[test]
    fn different_shapes_stay_apart_and_codes_of_one_type_share_an_arm() {
        let mut models = vec![
            model("A", object(Ty::String, "")),
            model("B", object(Ty::I64, "")),
            model("A2", object(Ty::String, "")),
        ];
        alias_duplicates(&mut models);
        assert!(matches!(models[1].kind, Kind::Struct { .. }));
        // In document order: the class first; it goes after the statuses.
        let errors = Errors::ByStatus(vec![
            (vec![Status::Class(5)], Ty::Named("A2".into())),
            (vec![Status::Code(400)], Ty::Named("A".into())),
            (vec![Status::Code(422)], Ty::Named("B".into())),
            (vec![Status::Code(404)], Ty::Named("A2".into())),
        ]);
        assert_eq!(
            canonical_errors(&models, errors),
            Errors::ByStatus(vec![
                (
                    vec![Status::Code(400), Status::Code(404)],
                    Ty::Named("A".into())
                ),
                (vec![Status::Code(422)], Ty::Named("B".into())),
                (vec![Status::Class(5)], Ty::Named("A".into())),
            ])
        );
    }
}

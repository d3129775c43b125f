//! The pipeline: document → models and methods → one formatted module.

use std::collections::{BTreeMap, HashMap};

use quote::quote;

use crate::auth;
use crate::derives::{Uses, closure, named_in};
use crate::doc::{Document, Node, parse};
use crate::emit_api::{ApiTrait, prelude};
use crate::emit_models::TypePrinter;
use crate::model::{Errors, Kind, Method, Model, Ty};
use crate::names::{Scope, pascal};
use crate::ops::{OpLowering, VERBS};
use crate::schema::Schemas;
use crate::shapes::{alias_duplicates, canonical_errors};
use crate::{Error, Generated, Options, Warning};

/// Generates the module for a document (JSON or YAML text).
///
/// # Errors
/// The text is not JSON/YAML, or not an OpenAPI 3.0/3.1 document.
pub fn generate(text: &str, options: &Options) -> Result<Generated, Error> {
    let doc = Document::new(parse(text)?)?;
    let default_name = options
        .trait_name
        .clone()
        .unwrap_or_else(|| title_name(&doc));
    let auth_name = format!("{default_name}Auth");
    let mut reserved = trait_names(&doc, options, &default_name);
    reserved.push(auth_name.clone());
    let mut schemas = Schemas::new(&doc, options, &reserved);
    schemas.lower_components();
    let mut groups = lower_operations(&doc, &mut schemas, options, &default_name);
    let tagged = std::mem::take(&mut schemas.tagged);
    let mut models = std::mem::take(&mut schemas.models);
    let mut warnings: Vec<Warning> = schemas
        .warnings
        .drain(..)
        .map(|(at, message)| Warning { at, message })
        .collect();
    let base = base_url(&doc, &mut warnings);
    let schemes = auth::schemes(&doc, &mut warnings);
    let auth_doc = auth::doc_lines(&schemes, &auth_name);
    if !options.all_schemas {
        models = reachable(models, groups.values().flatten());
    }
    untag_fields(&mut models, &tagged);
    box_cycles(&mut models);
    alias_duplicates(&mut models);
    for method in groups.values_mut().flatten() {
        method.error = method.error.take().map(|e| canonical_errors(&models, e));
    }
    let traits: Vec<ApiTrait> = groups
        .into_iter()
        .map(|(name, methods)| api_trait(&doc, name, base.clone(), &auth_doc, methods))
        .collect();
    if traits.is_empty() {
        warnings.push(Warning {
            at: "paths".into(),
            message: "no operation selected: the module has models only".into(),
        });
    }
    warnings.sort();
    warnings.dedup();
    let mut uses = Uses::new(
        &models,
        traits.iter().flat_map(|t| &t.methods),
        options.all_derives,
    );
    uses.lean = options.lean;
    let clients: Vec<String> = traits.iter().map(|t| format!("{}Client", t.name)).collect();
    let auth = auth::auth_trait(&auth_name, &schemes, &clients);
    let code = print(&doc, &traits, auth, &models, &uses, options)?;
    Ok(Generated {
        dependencies: dependencies(&code, options),
        code,
        warnings,
    })
}

/// The selected operations as methods, by trait name (one trait, or one
/// per tag).
fn lower_operations<'d>(
    doc: &'d Document,
    schemas: &mut Schemas<'d>,
    options: &Options,
    default_name: &str,
) -> BTreeMap<String, Vec<Method>> {
    let mut groups: BTreeMap<String, (Scope, Vec<Method>)> = BTreeMap::new();
    for (path, item) in doc.root().get("paths").entries() {
        let item = match doc.resolve(item) {
            Ok(item) => item,
            Err(e) => {
                schemas
                    .warnings
                    .push((path.clone(), format!("{e}; path left out")));
                continue;
            }
        };
        for (verb, op) in item.entries() {
            if verb == "trace" {
                schemas.warnings.push((
                    format!("trace {path}"),
                    "TRACE has no method attribute: left out".into(),
                ));
            }
            if !VERBS.contains(&verb.as_str()) || !selected(options, path, op) {
                continue;
            }
            let group = group_of(op, options, default_name);
            let (names, methods) = groups.entry(group).or_default();
            if let Some(method) = (OpLowering {
                doc,
                schemas: &mut *schemas,
            })
            .method(path, verb, item, op, names)
            {
                methods.push(method);
            }
        }
    }
    groups
        .into_iter()
        .map(|(name, (_, methods))| (name, methods))
        .collect()
}

/// The trait an operation goes to: the document's, or its first tag's
/// (`PetApi`: a tag is often a model's name too).
fn group_of(op: &Node, options: &Options, default_name: &str) -> String {
    match op.get("tags").items().first().and_then(Node::as_str) {
        Some(tag) if options.per_tag => format!("{}Api", pascal(tag).trim_end_matches('_')),
        _ => default_name.to_owned(),
    }
}

/// Every trait's name, before models are named.
fn trait_names(doc: &Document, options: &Options, default_name: &str) -> Vec<String> {
    let items = doc
        .root()
        .get("paths")
        .entries()
        .iter()
        .filter_map(|(_, item)| doc.resolve(item).ok());
    let ops = items.flat_map(|item| {
        item.entries()
            .iter()
            .filter(|(verb, _)| VERBS.contains(&verb.as_str()))
            .map(|(_, op)| op)
    });
    let mut names: Vec<String> = ops.map(|op| group_of(op, options, default_name)).collect();
    names.push(default_name.to_owned());
    names.sort();
    names.dedup();
    names
}

fn selected(options: &Options, path: &str, op: &Node) -> bool {
    let tags = op.get("tags").items();
    let tag_ok = options.tags.is_empty()
        || tags
            .iter()
            .filter_map(Node::as_str)
            .any(|t| options.tags.iter().any(|w| w == t));
    let path_ok =
        options.paths.is_empty() || options.paths.iter().any(|p| path.starts_with(p.as_str()));
    let id = op.get("operationId").as_str();
    let op_ok = options.operations.is_empty()
        || id.is_some_and(|id| options.operations.iter().any(|w| w == id));
    tag_ok && path_ok && op_ok
}

fn title_name(doc: &Document) -> String {
    let title = doc.root().get("info").get("title").as_str().unwrap_or("");
    let name = pascal(title.trim_end_matches(" API").trim_end_matches(" Api"));
    if name == "Value" {
        "Api".to_owned()
    } else {
        name
    }
}

/// The first server's URL with its variables' defaults, when absolute.
fn base_url(doc: &Document, warnings: &mut Vec<Warning>) -> Option<String> {
    let server = doc.root().get("servers").items().first()?;
    let mut url = server.get("url").as_str()?.to_owned();
    for (name, variable) in server.get("variables").entries() {
        if let Some(default) = variable.get("default").as_str() {
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let url = url.trim_end_matches('/').to_owned();
    if (url.starts_with("https://") || url.starts_with("http://")) && !url.contains(['{', '?']) {
        return Some(url);
    }
    warnings.push(Warning { at: "servers".into(), message: format!("the server URL `{url}` is not absolute: give the builder `.base_url(…)` (the scheme and host, then `{url}`)") });
    None
}

fn api_trait(
    doc: &Document,
    name: String,
    base: Option<String>,
    auth: &[String],
    methods: Vec<Method>,
) -> ApiTrait {
    let first = match methods.first().and_then(|m| m.error.as_ref()) {
        Some(Errors::One(ty)) => Some(ty.clone()),
        _ => None,
    };
    let shared = |ty: &Ty| {
        methods
            .iter()
            .all(|m| matches!(&m.error, Some(Errors::One(t)) if t == ty))
    };
    let error = first.filter(shared);
    ApiTrait {
        doc: trait_doc(doc, auth),
        name,
        base,
        error,
        methods,
    }
}

fn trait_doc(doc: &Document, auth: &[String]) -> String {
    let info = doc.root().get("info");
    let mut parts = vec![format!(
        "{} (version {})",
        info.get("title").as_str().unwrap_or("API"),
        info.get("version").as_str().unwrap_or("?")
    )];
    if let Some(description) = info.get("description").as_str() {
        parts.push(description.trim().to_owned());
    }
    if !auth.is_empty() {
        parts.push(format!(
            "Authentication (the document's security schemes), on the builder:\n{}",
            auth.join("\n")
        ));
    }
    parts.push("Generated by api-client-gen.".to_owned());
    parts.join("\n\n")
}

/// The models the methods use, directly or through other models, in their
/// original order.
fn reachable<'m>(models: Vec<Model>, methods: impl Iterator<Item = &'m Method>) -> Vec<Model> {
    let by_name: HashMap<&str, &Model> = models.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut roots: Vec<String> = Vec::new();
    for method in methods {
        let returns = match &method.returns {
            crate::model::Returns::Json(ty) | crate::model::Returns::Events(ty, _) => Some(ty),
            _ => None,
        };
        let types = method
            .args
            .iter()
            .map(|a| &a.ty)
            .chain(returns)
            .chain(method.error.iter().flat_map(Errors::types));
        roots.extend(types.flat_map(named_in));
    }
    let keep = closure(&by_name, roots);
    models
        .into_iter()
        .filter(|m| keep.contains(&m.name))
        .collect()
}

/// A struct that is a variant of a tagged union loses the tag to serde;
/// its discriminator field becomes optional so it decodes both alone and
/// as a variant.
fn untag_fields(models: &mut [Model], tagged: &[(String, String)]) {
    for (model, property) in tagged {
        let Some(Model {
            kind: Kind::Struct { fields, .. },
            ..
        }) = models.iter_mut().find(|m| &m.name == model)
        else {
            continue;
        };
        for field in fields
            .iter_mut()
            .filter(|f| &f.wire == property && !f.optional)
        {
            field.optional = true;
            field.ty = field.ty.clone().optional();
            let note = format!(
                "Empty when this value is decoded as a variant of a union tagged by `{property}`."
            );
            field.doc = Some(
                field
                    .doc
                    .take()
                    .map_or(note.clone(), |d| format!("{d}\n\n{note}")),
            );
        }
    }
}

/// Boxes the fields through which a struct contains itself (directly or
/// through other structs, not behind a `Vec` or a map): a field whose type
/// is in its struct's component of the graph leads back to it.
fn box_cycles(models: &mut [Model]) {
    let edges: HashMap<String, Vec<String>> = models
        .iter()
        .map(|m| (m.name.clone(), direct_names(&m.kind)))
        .collect();
    let component = crate::graph::components(&edges);
    for model in models.iter_mut() {
        let Some(&own) = component.get(model.name.as_str()) else {
            continue;
        };
        if let Kind::Struct { fields, .. } = &mut model.kind {
            for field in fields.iter_mut() {
                let target = field.ty.direct_name().and_then(|t| component.get(t));
                if target == Some(&own) {
                    field.boxed = true;
                }
            }
        }
    }
}

fn direct_names(kind: &Kind) -> Vec<String> {
    match kind {
        Kind::Struct { fields, .. } => fields
            .iter()
            .filter(|f| !f.boxed)
            .filter_map(|f| f.ty.direct_name())
            .map(str::to_owned)
            .collect(),
        Kind::Union { variants, .. } => variants
            .iter()
            .filter_map(|v| v.ty.direct_name())
            .map(str::to_owned)
            .collect(),
        Kind::Alias(ty) => ty.direct_name().map(str::to_owned).into_iter().collect(),
        Kind::Enum(_) => Vec::new(),
    }
}

fn print(
    doc: &Document,
    traits: &[ApiTrait],
    auth: proc_macro2::TokenStream,
    models: &[Model],
    uses: &Uses,
    options: &Options,
) -> Result<String, Error> {
    let printer = TypePrinter::new(models, uses, !options.no_validate);
    let prelude = prelude();
    let traits = traits.iter().map(|t| printer.api_trait(t));
    let models = models.iter().map(|m| printer.model(m));
    let tokens = quote! { #prelude #(#traits)* #auth #(#models)* };
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::new(format!("internal error: the generated module does not parse ({e}); please report it with the document")))?;
    let info = doc.root().get("info");
    let header = format!(
        "// Generated by api-client-gen from {} (version {}).\n// Edit freely, or regenerate; the generator keeps no state.\n\n",
        crate::markdown::printable(info.get("title").as_str().unwrap_or("an OpenAPI document"))
            .replace('\n', " "),
        crate::markdown::printable(info.get("version").as_str().unwrap_or("?")).replace('\n', " "),
    );
    Ok(header + &space_items(&error_arms(&prettyplease::unparse(&file))))
}

/// `#[error(404 => A, 500..=599 => B)]` as a person writes it: the
/// printer spaces an attribute's punctuation as if it were `key = value`
/// (`404 = >A`, which would not even parse).
fn error_arms(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(start) = rest.find("#[error(") {
        let Some(len) = rest[start..].find(")]") else {
            break;
        };
        let (before, attr) = (&rest[..start], &rest[start..start + len]);
        out.push_str(before);
        let attr = attr
            .replace("= >", "=> ")
            .replace("..= ", "..=")
            .replace('|', " | ")
            .replace("  |", " |")
            .replace("|  ", "| ")
            .replace("=>  ", "=> ");
        out.push_str(&attr);
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// A blank line between top-level items, as a person writes them.
fn space_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 20);
    let mut previous = "";
    for line in code.lines() {
        let starts_item = !line.starts_with([' ', '}', ')']) && !line.is_empty();
        // A comment's `;` (a doc line quoting code) ends nothing.
        let ended_item =
            previous == "}" || (previous.ends_with(';') && !previous.starts_with([' ', '/']));
        if starts_item
            && ended_item
            && !(previous.starts_with("use ") && line.starts_with("#[allow"))
        {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// The crates the module names, beside api-client and serde.
fn dependencies(code: &str, options: &Options) -> Vec<&'static str> {
    let mut deps = Vec::new();
    let uses = |needle: &str| code.contains(needle);
    if uses("garde::Validate") {
        deps.push("garde");
    }
    if uses("serde_json::") {
        deps.push("serde_json");
    }
    for (on, krate) in [
        (options.chrono, "chrono"),
        (options.uuid, "uuid"),
        (options.url, "url"),
    ] {
        if on && uses(&format!("{krate}::")) {
            deps.push(krate);
        }
    }
    deps
}

//! A declared trait back to an OpenAPI 3.1 description: paths, parameters,
//! bodies, responses, and schemas from the structs and enums of the source.

use serde_json::{Map, Value, json};
use syn::Type;

use super::read::{Location, Operation, Source, TypeDef, generic_arg, strip_option};

/// The OpenAPI document of the declarations in `source`.
pub fn document(source: &Source, title: &str) -> Value {
    let mut paths = Map::new();
    for op in &source.operations {
        let path = openapi_path(&op.route);
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[op.verb.as_str()] = operation(op);
    }
    let schemas: Map<String, Value> = source
        .types
        .iter()
        .map(|t| (t.name.clone(), type_def(t)))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": title, "version": "declared"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// `/pet/<pet_id>` → `/pet/{pet_id}` (the query part of a route is left out).
pub fn openapi_path(route: &str) -> String {
    let path = route.split('?').next().unwrap_or(route);
    path.replace("..>", ">").replace('<', "{").replace('>', "}")
}

fn operation(op: &Operation) -> Value {
    let mut out = json!({"operationId": op.name, "responses": {"200": {"description": "success"}}});
    let parameters: Vec<Value> = op
        .params
        .iter()
        .filter(|p| {
            matches!(
                p.location,
                Location::Path | Location::Query | Location::Header | Location::Cookie
            )
        })
        .map(|p| json!({"name": p.name, "in": p.location.openapi(), "required": p.required || p.location == Location::Path, "schema": schema(&p.ty)}))
        .collect();
    if !parameters.is_empty() {
        out["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = op
        .params
        .iter()
        .find(|p| matches!(p.location, Location::Body | Location::Form))
    {
        let media = if body.location == Location::Body {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        out["requestBody"] =
            json!({"required": true, "content": {media: {"schema": schema(&body.ty)}}});
    }
    let parts: Map<String, Value> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Part)
        .map(|p| (p.name.clone(), schema(&p.ty)))
        .collect();
    if !parts.is_empty() {
        out["requestBody"] = json!({"content": {"multipart/form-data": {"schema": {"type": "object", "properties": parts}}}});
    }
    let body = match op.streams {
        true => Some(json!({"text/event-stream": {"itemSchema": schema(&op.returns)}})),
        false => response(&op.returns),
    };
    if let Some(body) = body {
        out["responses"]["200"]["content"] = body;
    }
    out
}

fn response(ty: &Type) -> Option<Value> {
    match last_ident(ty).as_deref() {
        None if is_unit(ty) => None,
        Some("String") => Some(json!({"text/plain": {"schema": {"type": "string"}}})),
        Some("Bytes" | "ByteStream") => Some(json!({"application/octet-stream": {}})),
        _ => Some(json!({"application/json": {"schema": schema(ty)}})),
    }
}

fn type_def(def: &TypeDef) -> Value {
    if let Some(alias) = &def.alias {
        return schema(alias);
    }
    if def.is_enum {
        return json!({"type": "string", "enum": def.members.iter().map(|m| m.name.clone()).collect::<Vec<_>>()});
    }
    if def.members.iter().any(|m| m.ty.is_none()) {
        return json!({"description": format!("`{}`: an enum with data", def.name)});
    }
    let properties: Map<String, Value> = def
        .members
        .iter()
        .filter_map(|m| Some((m.name.clone(), schema(m.ty.as_ref()?))))
        .collect();
    let required: Vec<&str> = def
        .members
        .iter()
        .filter(|m| m.required)
        .map(|m| m.name.as_str())
        .collect();
    json!({"type": "object", "properties": properties, "required": required})
}

/// The JSON schema of a Rust type; types of the source are references.
pub fn schema(ty: &Type) -> Value {
    let (ty, optional) = strip_option(ty);
    let mut out = plain_schema(&ty);
    if optional && let Some(t) = out.get("type").and_then(Value::as_str).map(str::to_owned) {
        out["type"] = json!([t, "null"]);
    }
    out
}

fn plain_schema(ty: &Type) -> Value {
    if let Type::Slice(slice) = ty {
        return json!({"type": "array", "items": schema(&slice.elem)});
    }
    for wrapper in ["Vec", "HashSet", "BTreeSet"] {
        if let Some(item) = generic_arg(ty, wrapper) {
            return json!({"type": "array", "items": schema(&item)});
        }
    }
    if let Some(inner) = generic_arg(ty, "Box") {
        return schema(&inner);
    }
    if let Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && matches!(last.ident.to_string().as_str(), "HashMap" | "BTreeMap")
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(value)) = args.args.iter().nth(1)
    {
        return json!({"type": "object", "additionalProperties": schema(value)});
    }
    match last_ident(ty).as_deref() {
        Some("String" | "str") => json!({"type": "string"}),
        Some("bool") => json!({"type": "boolean"}),
        Some("i8" | "i16" | "i32" | "u8" | "u16") => json!({"type": "integer", "format": "int32"}),
        Some("i64" | "u32" | "u64" | "i128" | "u128" | "isize" | "usize") => {
            json!({"type": "integer", "format": "int64"})
        }
        Some("f32") => json!({"type": "number", "format": "float"}),
        Some("f64") => json!({"type": "number"}),
        Some("Value") => json!({}),
        Some("Uuid") => json!({"type": "string", "format": "uuid"}),
        Some("DateTime") => json!({"type": "string", "format": "date-time"}),
        Some("NaiveDate") => json!({"type": "string", "format": "date"}),
        Some("Url") => json!({"type": "string", "format": "uri"}),
        Some("Bytes" | "Part" | "Upload") => json!({"type": "string", "format": "binary"}),
        Some(name) => json!({"$ref": format!("#/components/schemas/{name}")}),
        None => json!({}),
    }
}

/// The last path segment's name (`Pet` of `crate::models::Pet`).
pub fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(r) => last_ident(&r.elem),
        Type::Paren(p) => last_ident(&p.elem),
        _ => None,
    }
}

/// `()`.
pub fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

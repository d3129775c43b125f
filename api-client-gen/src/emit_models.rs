//! Models to tokens: structs, enums with `Display`, unions; serde and garde
//! attributes.

use std::collections::HashMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::derives::Uses;
use crate::model::{Ext, Field, Kind, Model, Rules, Ty};

/// Prints types, knowing what each model derives (a field holding a
/// validated model needs `dive`).
pub struct TypePrinter<'m> {
    kinds: HashMap<&'m str, &'m Kind>,
    uses: &'m Uses,
    validate: bool,
}

impl<'m> TypePrinter<'m> {
    /// A printer for the types of `models`.
    pub fn new(models: &'m [Model], uses: &'m Uses, validate: bool) -> TypePrinter<'m> {
        TypePrinter {
            kinds: models.iter().map(|m| (m.name.as_str(), &m.kind)).collect(),
            uses,
            validate,
        }
    }

    /// An owned type.
    pub fn ty(&self, ty: &Ty) -> TokenStream {
        match ty {
            Ty::String => quote!(String),
            Ty::Bool => quote!(bool),
            Ty::I32 => quote!(i32),
            Ty::I64 => quote!(i64),
            Ty::F32 => quote!(f32),
            Ty::F64 => quote!(f64),
            Ty::Ext(Ext::DateTime) => quote!(chrono::DateTime<chrono::Utc>),
            Ty::Ext(Ext::Date) => quote!(chrono::NaiveDate),
            Ty::Ext(Ext::Uuid) => quote!(uuid::Uuid),
            Ty::Ext(Ext::Url) => quote!(url::Url),
            Ty::Bytes => quote!(api_client::Bytes),
            Ty::Json => quote!(serde_json::Value),
            Ty::Vec(t) => {
                let t = self.ty(t);
                quote!(Vec<#t>)
            }
            Ty::Map(t) => {
                let t = self.ty(t);
                quote!(std::collections::HashMap<String, #t>)
            }
            Ty::Option(t) => {
                let t = self.ty(t);
                quote!(Option<#t>)
            }
            Ty::Named(n) => {
                let n = format_ident!("{}", n);
                quote!(#n)
            }
        }
    }

    /// Whether values of this type are `Copy` (passed by value).
    pub fn is_copy(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 => true,
            Ty::Ext(ext) => *ext != Ext::Url,
            Ty::Named(n) => {
                // Through aliases (at most 16: `lower_components` breaks
                // cycles, this bounds the walk anyway).
                let mut name = n.as_str();
                for _ in 0..16 {
                    match self.kinds.get(name) {
                        Some(Kind::Enum(_)) => return true,
                        Some(Kind::Alias(Ty::Named(next))) => name = next,
                        _ => return false,
                    }
                }
                false
            }
            _ => false,
        }
    }

    /// Whether values of this type are validated by garde.
    pub fn validated(&self, ty: &Ty) -> bool {
        self.validated_depth(ty, 0)
    }

    fn validated_depth(&self, ty: &Ty, depth: usize) -> bool {
        match ty.innermost() {
            Ty::Named(n) => match self.kinds.get(n.as_str()) {
                Some(Kind::Struct { .. } | Kind::Union { .. }) => {
                    self.validate && self.uses.validated.contains(n)
                }
                Some(Kind::Alias(inner)) if depth < 16 => self.validated_depth(inner, depth + 1),
                _ => false,
            },
            _ => false,
        }
    }

    /// A model's item(s).
    pub fn model(&self, model: &Model) -> TokenStream {
        let name = format_ident!("{}", model.name);
        let doc = docs(with_deprecation(model.doc.as_deref(), model.deprecated).as_deref());
        let body = match &model.kind {
            Kind::Struct { fields, extra } => self.structure(&model.name, fields, extra.as_ref()),
            Kind::Enum(variants) => enumeration(&name, variants, self.serde(&model.name)),
            Kind::Union { tag, variants } => self.union(&model.name, tag.as_deref(), variants),
            Kind::Alias(ty) => {
                let ty = self.ty(ty);
                quote!(pub type #name = #ty;)
            }
        };
        quote! { #doc #body }
    }

    /// `Serialize`, `Deserialize`, as the calls need them. `Deserialize` is
    /// api-client's (a fraction of serde's code, a large client's build
    /// time) except for unions, which need serde's untagged and tagged
    /// forms.
    fn serde(&self, name: &str) -> TokenStream {
        self.serde_derives(name, false)
    }

    fn serde_derives(&self, name: &str, union: bool) -> TokenStream {
        let ser = self
            .uses
            .serialize
            .contains(name)
            .then(|| quote!(Serialize,));
        let de = self.uses.deserialize.contains(name).then(|| {
            if union {
                quote!(serde::Deserialize,)
            } else {
                quote!(Deserialize,)
            }
        });
        quote!(#ser #de)
    }

    fn derives(&self, name: &str, default: bool, union: bool) -> TokenStream {
        let garde =
            (self.validate && self.uses.validated.contains(name)).then(|| quote!(garde::Validate));
        let default = default.then(|| quote!(Default,));
        let serde = self.serde_derives(name, union);
        let common = if self.uses.lean {
            quote!(Debug, Clone,)
        } else {
            quote!(Debug, Clone, PartialEq,)
        };
        quote!(#[derive(#common #default #serde #garde)])
    }

    /// Whether the model derives garde's `Validate` (its fields then carry
    /// `#[garde(…)]`).
    fn derives_validate(&self, name: &str) -> bool {
        self.validate && self.uses.validated.contains(name)
    }

    fn structure(&self, model: &str, fields: &[Field], extra: Option<&Ty>) -> TokenStream {
        let name = format_ident!("{}", model);
        let validated = self.derives_validate(model);
        let all_optional = fields.iter().all(|f| f.optional);
        let derives = self.derives(model, all_optional, false);
        let fields = fields.iter().map(|f| self.field(f, validated));
        let extra = extra.map(|ty| {
            let ty = self.ty(ty);
            let garde = validated.then(|| quote!(#[garde(skip)]));
            quote! {
                /// Properties the schema does not declare.
                #[serde(flatten)]
                #garde
                pub extra: std::collections::HashMap<String, #ty>,
            }
        });
        quote! {
            #derives
            pub struct #name {
                #(#fields)*
                #extra
            }
        }
    }

    fn field(&self, field: &Field, validated: bool) -> TokenStream {
        let ident = format_ident!("{}", field.ident);
        let doc = docs(with_deprecation(field.doc.as_deref(), field.deprecated).as_deref());
        let mut serde = Vec::new();
        if field.ident != field.wire {
            let wire = &field.wire;
            serde.push(quote!(rename = #wire));
        }
        if field.optional {
            serde.push(quote!(default, skip_serializing_if = "Option::is_none"));
        }
        let serde = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
        let garde =
            validated.then(|| garde_attr(&field.rules, self.validated(&field.ty), &field.ty));
        let ty = if field.boxed {
            boxed(self, &field.ty)
        } else {
            self.ty(&field.ty)
        };
        quote! { #doc #serde #garde pub #ident: #ty, }
    }

    fn union(
        &self,
        model: &str,
        tag: Option<&str>,
        variants: &[crate::model::Variant],
    ) -> TokenStream {
        let name = format_ident!("{}", model);
        let validated = self.derives_validate(model);
        let derives = self.derives(model, false, true);
        let repr = match tag {
            Some(tag) => quote!(#[serde(tag = #tag)]),
            None => quote!(#[serde(untagged)]),
        };
        let variants = variants.iter().map(|v| {
            let ident = format_ident!("{}", v.ident);
            let rename = v
                .tag
                .as_ref()
                .filter(|t| **t != v.ident)
                .map(|t| quote!(#[serde(rename = #t)]));
            let ty = self.ty(&v.ty);
            let garde = validated.then(|| {
                if self.validated(&v.ty) {
                    quote!(#[garde(dive)])
                } else {
                    quote!(#[garde(skip)])
                }
            });
            quote!(#rename #ident(#garde #ty),)
        });
        quote! {
            #derives
            #repr
            pub enum #name { #(#variants)* }
        }
    }
}

/// `Box<T>` inside the `Option` of a field.
fn boxed(printer: &TypePrinter, ty: &Ty) -> TokenStream {
    match ty {
        Ty::Option(inner) => {
            let inner = boxed(printer, inner);
            quote!(Option<#inner>)
        }
        other => {
            let t = printer.ty(other);
            quote!(Box<#t>)
        }
    }
}

fn enumeration(
    name: &proc_macro2::Ident,
    variants: &[(String, String)],
    serde: TokenStream,
) -> TokenStream {
    let idents: Vec<_> = variants
        .iter()
        .map(|(ident, _)| format_ident!("{}", ident))
        .collect();
    let wires: Vec<_> = variants.iter().map(|(_, wire)| wire).collect();
    let renames = variants
        .iter()
        .map(|(ident, wire)| (ident != wire).then(|| quote!(#[serde(rename = #wire)])));
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, #serde)]
        pub enum #name { #(#renames #idents,)* }

        impl #name {
            /// The value as the API spells it.
            pub fn as_str(&self) -> &'static str {
                match self { #(Self::#idents => #wires,)* }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// `#[garde(...)]` for a field: its rules, `dive` into validated models,
/// or `skip`.
fn garde_attr(rules: &Rules, dive: bool, ty: &Ty) -> TokenStream {
    let mut parts = Vec::new();
    let pair = |(min, max): (Option<u64>, Option<u64>)| {
        let min = min.map(Literal::u64_unsuffixed).map(|m| quote!(min = #m));
        let max = max.map(Literal::u64_unsuffixed).map(|m| quote!(max = #m));
        min.into_iter().chain(max).collect::<Vec<_>>()
    };
    if rules.chars != (None, None) {
        let bounds = pair(rules.chars);
        parts.push(quote!(length(chars, #(#bounds),*)));
    }
    if rules.items != (None, None) {
        let bounds = pair(rules.items);
        parts.push(quote!(length(#(#bounds),*)));
    }
    if let Some(range) = range(rules.range, ty) {
        parts.push(range);
    }
    if let Some(pattern) = &rules.pattern {
        parts.push(quote!(pattern(#pattern)));
    }
    if rules.email {
        parts.push(quote!(email));
    }
    if rules.url {
        parts.push(quote!(url));
    }
    if dive {
        parts.push(quote!(dive));
    }
    if parts.is_empty() {
        return quote!(#[garde(skip)]);
    }
    quote!(#[garde(#(#parts),*)])
}

/// `range(min = …, max = …)` with literals of the field's type; a bound the
/// type cannot hold is left out (it holds by construction).
fn range((min, max): (Option<f64>, Option<f64>), ty: &Ty) -> Option<TokenStream> {
    let base = match ty {
        Ty::Option(inner) => inner,
        other => other,
    };
    let lit = |v: f64| -> Option<Literal> {
        match base {
            Ty::I32 if v >= f64::from(i32::MIN) && v <= f64::from(i32::MAX) => {
                Some(Literal::i64_unsuffixed(v as i64))
            }
            Ty::I64 if (-9.0e18..=9.0e18).contains(&v) => Some(Literal::i64_unsuffixed(v as i64)),
            Ty::F32 if v.is_finite() && v.abs() <= f64::from(f32::MAX) => {
                Some(Literal::f32_unsuffixed(v as f32))
            }
            Ty::F64 if v.is_finite() => Some(Literal::f64_unsuffixed(v)),
            _ => None,
        }
    };
    let min = min.and_then(lit).map(|m| quote!(min = #m));
    let max = max.and_then(lit).map(|m| quote!(max = #m));
    if min.is_none() && max.is_none() {
        return None;
    }
    let bounds = min.into_iter().chain(max);
    Some(quote!(range(#(#bounds),*)))
}

/// Models and fields say they are deprecated in their docs: a
/// `#[deprecated]` would warn in the module's own derives.
fn with_deprecation(doc: Option<&str>, deprecated: bool) -> Option<String> {
    match (doc, deprecated) {
        (doc, false) => doc.map(str::to_owned),
        (None, true) => Some("**Deprecated.**".to_owned()),
        (Some(doc), true) => Some(format!("**Deprecated.** {doc}")),
    }
}

/// `#[doc = "…"]` lines (printed as `///`).
pub fn docs(text: Option<&str>) -> TokenStream {
    let Some(text) = text else {
        return TokenStream::new();
    };
    let text = crate::markdown::sanitize(text);
    let lines = text.lines().map(|line| {
        let line = format!(" {}", line.trim_end());
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

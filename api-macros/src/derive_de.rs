//! `#[derive(api_client::Deserialize)]`: serde's `Deserialize` for JSON
//! models, in a fraction of the code serde's derive writes (no field enum,
//! no sequence form, one visitor), reading the `#[serde(…)]` attributes a
//! model of an API uses: `rename`, `default`, `flatten` on a map of the
//! other fields, and `skip_serializing_if` (for `Serialize`). Structs with
//! named fields and enums of unit variants (string enums); anything else is
//! a clear error that says to derive `serde::Deserialize`. The runtime is
//! named through the same table as `#[api]`'s (`rt.rs`): `__private` of
//! `::api_client`, or of the crate `#[api_client(crate = path)]` names. On
//! an error, an impl whose body is `unreachable!()` is still emitted, so
//! that code using the type shows no follow-on errors.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::case::{Case, RULES};
use crate::ctxt::Ctxt;
use crate::rt::Rt;

const OTHERWISE: &str = "derive `serde::Deserialize` for it instead";

/// Expands the derive; every problem is an error at its token.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let cx = Ctxt::new();
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            format!("`api_client::Deserialize` takes no generic parameters: {OTHERWISE}"),
        );
    }
    let (rt, case) = container_attrs(&cx, &input);
    let (body, shape) = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => {
                fields_body(&cx, &rt, &input, case, fields.named.iter().collect())
            }
            other => {
                let message = format!("`api_client::Deserialize` needs named fields: {OTHERWISE}");
                cx.error_spanned_by(other, message);
                (TokenStream::new(), TokenStream::new())
            }
        },
        Data::Enum(data) => enum_body(&cx, &rt, &input, case, data),
        Data::Union(u) => {
            cx.error_spanned_by(u.union_token, "a union cannot be decoded from JSON");
            (TokenStream::new(), TokenStream::new())
        }
    };
    match cx.check() {
        Ok(()) => {
            let deserialize = deserialize_impl(&rt, &input.ident, body);
            let described = described_impl(&rt, &input.ident, shape);
            quote!(#deserialize #described)
        }
        Err(errors) => {
            let errors = errors.to_compile_error();
            // A generic type's impl would need its generics, which were
            // refused: no placeholder then.
            let placeholder = input
                .generics
                .params
                .is_empty()
                .then(|| deserialize_impl(&rt, &input.ident, quote!(::core::unreachable!())));
            quote!(#errors #placeholder)
        }
    }
}

/// `impl Deserialize for name` with `body` as `deserialize`'s.
fn deserialize_impl(rt: &Rt, name: &syn::Ident, body: TokenStream) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl<'de> #rt::serde::Deserialize<'de> for #name {
            fn deserialize<__D>(__deserializer: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: #rt::serde::Deserializer<'de>,
            {
                #body
            }
        }
    }
}

/// `impl Described for name`, whose shape `shape` makes: the type's JSON
/// for the report of a body that does not decode, and the wire names of
/// its fields for rule violations.
fn described_impl(rt: &Rt, name: &syn::Ident, shape: TokenStream) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl #rt::Described for #name {
            fn shape() -> #rt::Shape {
                #shape
            }
        }
    }
}

/// The container's attributes: the runtime's path
/// (`#[api_client(crate = path)]`, for a renamed dependency) and serde's
/// `rename_all`; every other container attribute of serde's (`untagged`,
/// `tag`, `deny_unknown_fields`, …) changes the decoding, and is an error
/// that names it.
fn container_attrs(cx: &Ctxt, input: &DeriveInput) -> (Rt, Option<Case>) {
    let mut case = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let lit: LitStr = meta.value()?.parse()?;
                case = Case::named(&lit.value());
                if case.is_none() {
                    let known: Vec<String> = RULES.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                    let message = format!("unknown `rename_all` rule: serde's are {}", known.join(", "));
                    cx.error_spanned_by(&lit, message);
                }
                return Ok(());
            }
            let name = quote::ToTokens::to_token_stream(&meta.path).to_string();
            cx.error_spanned_by(
                &meta.path,
                format!("`#[serde({name})]` on the type is not read by `api_client::Deserialize` (it reads `rename_all`): {OTHERWISE}"),
            );
            if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|inner| {
                    if inner.input.peek(syn::Token![=]) {
                        inner.value()?.parse::<syn::Expr>()?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    let mut krate = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("api_client"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = Some(meta.value()?.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(meta.error("`#[api_client(…)]` takes `crate = path` (the api-client crate, when it is renamed)"))
            }
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    (Rt::in_crate(krate.as_ref()), case)
}

/// What `#[serde(…)]` says about one field or variant.
#[derive(Default)]
struct Attrs {
    rename: Option<LitStr>,
    aliases: Vec<LitStr>,
    default: FieldDefault,
    flatten: bool,
}

/// A field's `#[serde(default …)]`.
#[derive(Default)]
enum FieldDefault {
    /// Absent: the field is required.
    #[default]
    Required,
    /// `default`: the type's `Default`.
    Trait,
    /// `default = "path"`: what the function at `path` returns.
    Function(syn::ExprPath),
}

fn attrs(cx: &Ctxt, attrs: &[syn::Attribute], variant: bool) -> Attrs {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                out.rename = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("default") && !variant {
                out.default = match meta.input.peek(syn::Token![=]) {
                    true => FieldDefault::Function(meta.value()?.parse::<LitStr>()?.parse()?),
                    false => FieldDefault::Trait,
                };
            } else if meta.path.is_ident("alias") && !variant {
                out.aliases.push(meta.value()?.parse()?);
            } else if meta.path.is_ident("flatten") && !variant {
                out.flatten = true;
            } else if meta.path.is_ident("skip_serializing_if") && !variant {
                meta.value()?.parse::<LitStr>()?;
            } else {
                let name = quote::ToTokens::to_token_stream(&meta.path).to_string();
                let known = if variant { "`rename`" } else { "`rename`, `alias`, `default`, `flatten` and `skip_serializing_if`" };
                cx.error_spanned_by(
                    &meta.path,
                    format!("`#[serde({name})]` is not read by `api_client::Deserialize` (it reads {known}): {OTHERWISE}"),
                );
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// The JSON name: the `rename`, else the identifier without `r#` under
/// the container's `rename_all` (a field's rule or a variant's).
fn wire_name(
    ident: &syn::Ident,
    rename: Option<&LitStr>,
    case: Option<Case>,
    variant: bool,
) -> LitStr {
    rename.cloned().unwrap_or_else(|| {
        let text = ident.to_string();
        let text = text.trim_start_matches("r#");
        let text = match (case, variant) {
            (None, _) => text.to_owned(),
            (Some(case), false) => case.field(text),
            (Some(case), true) => case.variant(text),
        };
        LitStr::new(&text, ident.span())
    })
}

/// A struct's `deserialize` body and its shape.
fn fields_body(
    cx: &Ctxt,
    rt: &Rt,
    input: &DeriveInput,
    case: Option<Case>,
    fields: Vec<&syn::Field>,
) -> (TokenStream, TokenStream) {
    let model = quote!(#rt::model_de);
    let de = quote!(#rt::serde::de);
    let name = &input.ident;
    let expecting = format!("struct {name}");
    let (mut slots, mut arms, mut inits) = (Vec::new(), Vec::new(), Vec::new());
    let mut described = Vec::new();
    let mut rest: Option<(syn::Ident, Span)> = None;
    for (i, field) in fields.iter().enumerate() {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        let ty = &field.ty;
        let a = attrs(cx, &field.attrs, false);
        described.push(Described::of(ident, ty, &a, case));
        if a.flatten {
            if rest.is_some() {
                cx.error_spanned_by(ident, "only one field can be `#[serde(flatten)]`");
            }
            rest = Some((format_ident!("__rest"), field.span()));
            slots.push(quote_spanned!(ty.span()=> let mut __rest: #ty = ::core::default::Default::default();));
            inits.push(quote!(#ident: __rest));
            continue;
        }
        let (slot, arm, init) = field_code(rt, ident, ty, &a, case, i);
        slots.push(slot);
        arms.push(arm);
        inits.push(init);
    }
    let other = match &rest {
        // A map of the fields the model does not declare (JSON Schema's
        // `additionalProperties`).
        Some((ident, span)) => quote_spanned! {*span=>
            _ => {
                let __value = #de::MapAccess::next_value(&mut __map)?;
                let _ = #ident.insert(__key.into_string(), __value);
            }
        },
        None => quote!(_ => #model::skip(&mut __map)?,),
    };
    let code = FieldsCode {
        slots,
        arms,
        other,
        inits,
    };
    (
        visitor(rt, name, &expecting, code),
        model_shape(rt, name, &described),
    )
}

/// A declared field's slot, its arm in the `match` on keys, and its value
/// in the struct (read, defaulted, or missing as serde decides).
fn field_code(
    rt: &Rt,
    ident: &syn::Ident,
    ty: &syn::Type,
    a: &Attrs,
    case: Option<Case>,
    i: usize,
) -> (TokenStream, TokenStream, TokenStream) {
    let model = quote!(#rt::model_de);
    let slot = format_ident!("__field{}", i);
    let wire = wire_name(ident, a.rename.as_ref(), case, false);
    let aliases = &a.aliases;
    let declare = quote_spanned!(ty.span()=> let mut #slot: ::core::option::Option<#ty> = ::core::option::Option::None;);
    let arm = quote_spanned!(ty.span()=> #wire #(| #aliases)* => #model::field(&mut __map, &mut #slot, #wire)?,);
    let init = match &a.default {
        FieldDefault::Trait => quote_spanned!(ty.span()=> #ident: #model::or_default(#slot)),
        FieldDefault::Function(path) => {
            quote_spanned!(path.span()=> #ident: ::core::option::Option::unwrap_or_else(#slot, #path))
        }
        FieldDefault::Required => {
            quote_spanned!(ty.span()=> #ident: #model::missing::<#ty, __A::Error>(#slot, #wire)?)
        }
    };
    (declare, arm, init)
}

/// What the shape of a model says of one field.
struct Described<'a> {
    wire: LitStr,
    aliases: Vec<LitStr>,
    rust: String,
    ty: &'a syn::Type,
    presence: &'static str,
}

impl<'a> Described<'a> {
    fn of(ident: &syn::Ident, ty: &'a syn::Type, a: &Attrs, case: Option<Case>) -> Self {
        let presence = match (&a.default, a.flatten) {
            (_, true) => "Flatten",
            (FieldDefault::Required, false) => "Required",
            (_, false) => "Default",
        };
        Described {
            wire: wire_name(ident, a.rename.as_ref(), case, false),
            aliases: a.aliases.clone(),
            rust: ident.to_string().trim_start_matches("r#").to_owned(),
            ty,
            presence,
        }
    }
}

/// A model's shape: a static table of its fields, and one function that
/// gives the shape of each field's type (autoref specialization: the
/// type's own when it is described, else "fits when it decodes", else
/// any value).
fn model_shape(rt: &Rt, name: &syn::Ident, fields: &[Described<'_>]) -> TokenStream {
    let name = name.to_string();
    let entries = fields.iter().map(|f| {
        let (wire, rust, aliases) = (&f.wire, &f.rust, &f.aliases);
        let presence = format_ident!("{}", f.presence);
        quote!(#rt::Field {
            wire: #wire,
            aliases: &[#(#aliases),*],
            rust: #rust,
            presence: #rt::Presence::#presence,
        })
    });
    let arms = fields.iter().enumerate().map(|(i, f)| {
        let ty = f.ty;
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote_spanned!(ty.span()=> #i => (&&#rt::Probe::<#ty>::new()).field_shape(),)
    });
    quote! {
        fn __api_field_shape(__i: usize) -> #rt::Shape {
            #[allow(unused_imports)]
            use #rt::{ShapeOfDecoded as _, ShapeOfDescribed as _, ShapeOfUnknown as _};
            match __i {
                #(#arms)*
                _ => #rt::Shape::Any,
            }
        }
        static __API_MODEL: #rt::Model = #rt::Model {
            name: #name,
            fields: &[#(#entries),*],
            field_shape: __api_field_shape,
        };
        #rt::Shape::Model(&__API_MODEL)
    }
}

/// The pieces of a struct's `visit_map`.
struct FieldsCode {
    slots: Vec<TokenStream>,
    arms: Vec<TokenStream>,
    other: TokenStream,
    inits: Vec<TokenStream>,
}

/// The visitor: a slot per field, a `match` on each key, the struct.
fn visitor(rt: &Rt, name: &syn::Ident, expecting: &str, code: FieldsCode) -> TokenStream {
    let model = quote!(#rt::model_de);
    let de = quote!(#rt::serde::de);
    let FieldsCode {
        slots,
        arms,
        other,
        inits,
    } = code;
    quote! {
        struct __Visitor;
        impl<'de> #de::Visitor<'de> for __Visitor {
            type Value = #name;
            fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                __f.write_str(#expecting)
            }
            fn visit_map<__A>(self, mut __map: __A) -> ::core::result::Result<#name, __A::Error>
            where
                __A: #de::MapAccess<'de>,
            {
                #(#slots)*
                while let ::core::option::Option::Some(__key) =
                    #de::MapAccess::next_key::<#model::Key<'de>>(&mut __map)?
                {
                    match __key.as_str() {
                        #(#arms)*
                        #other
                    }
                }
                ::core::result::Result::Ok(#name { #(#inits),* })
            }
        }
        #rt::serde::Deserializer::deserialize_map(__deserializer, __Visitor)
    }
}

/// A string enum's `deserialize` body (each unit variant is its renamed
/// name) and its shape.
fn enum_body(
    cx: &Ctxt,
    rt: &Rt,
    input: &DeriveInput,
    case: Option<Case>,
    data: &syn::DataEnum,
) -> (TokenStream, TokenStream) {
    let (mut wires, mut arms) = (Vec::new(), Vec::new());
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            let message = format!(
                "`api_client::Deserialize` decodes enums of unit variants (string enums) only: {OTHERWISE}"
            );
            cx.error_spanned_by(&variant.fields, message);
            continue;
        }
        let a = attrs(cx, &variant.attrs, true);
        let wire = wire_name(&variant.ident, a.rename.as_ref(), case, true);
        let ident = &variant.ident;
        arms.push(quote!(Self::#ident));
        wires.push(wire);
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            format!("an enum without variants cannot be decoded: {OTHERWISE}"),
        );
    }
    let count = wires.len();
    let name = input.ident.to_string();
    // The last variant is `_`: every index the runtime returns is matched.
    let last = arms.pop();
    let indices = (0..arms.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let body = quote! {
        const __VARIANTS: [&str; #count] = [#(#wires),*];
        ::core::result::Result::Ok(match #rt::model_de::variant(__deserializer, #name, &__VARIANTS)? {
            #(#indices => #arms,)*
            _ => #last,
        })
    };
    let shape = quote! {
        static __API_VARIANTS: #rt::Variants = #rt::Variants {
            name: #name,
            names: &[#(#wires),*],
        };
        #rt::Shape::Enum(&__API_VARIANTS)
    };
    (body, shape)
}

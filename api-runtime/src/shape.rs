//! What the JSON of a type looks like ([`Shape`]), for the reports of
//! decoding and validation: the wire names of a model's fields beside
//! their Rust names, which fields may be left out, and what each holds.
//! `#[derive(api_client::Deserialize)]` describes its models
//! ([`Described`]); the containers and scalars of std are described here.
//! Nothing here runs on a call that succeeds: a shape is made when a report
//! is written.

use std::collections::{BTreeMap, HashMap};

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

/// The shape of a type, made on demand.
pub type ShapeFn = fn() -> Shape;

/// What a JSON value of some type is.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Shape {
    /// Any JSON value (`serde_json::Value`).
    Any,
    /// `true` or `false`.
    Bool,
    /// An integer from `min` to `max`.
    Integer {
        /// The smallest value.
        min: i128,
        /// The largest value.
        max: i128,
    },
    /// Any number.
    Number,
    /// A string.
    String,
    /// `null`, or the inner shape.
    Option(ShapeFn),
    /// An array of the inner shape.
    List(ShapeFn),
    /// An object whose values have the inner shape, with any keys.
    Map(ShapeFn),
    /// A model: an object with declared fields.
    Model(&'static Model),
    /// One of a string enum's names.
    Enum(&'static Variants),
    /// A type with no description: a value fits when it decodes.
    Other(&'static Other),
}

/// A model's fields, as its derive declared them.
#[doc(hidden)]
pub struct Model {
    /// The type's name.
    pub name: &'static str,
    /// Its fields, in declaration order.
    pub fields: &'static [Field],
    /// The shape of field `i`.
    pub field_shape: fn(usize) -> Shape,
}

/// One field of a model.
#[doc(hidden)]
pub struct Field {
    /// Its name in JSON (after `rename`).
    pub wire: &'static str,
    /// Other names it is read under (`alias`).
    pub aliases: &'static [&'static str],
    /// Its name in Rust.
    pub rust: &'static str,
    /// Whether it may be left out.
    pub presence: Presence,
}

/// Whether a field may be left out of the JSON.
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// It must be there, unless its shape is an `Option`.
    Required,
    /// `#[serde(default)]`: left out, it takes its default.
    Default,
    /// `#[serde(flatten)]`: the object's other keys.
    Flatten,
}

/// A string enum's names.
#[doc(hidden)]
pub struct Variants {
    /// The type's name.
    pub name: &'static str,
    /// The JSON name of each variant.
    pub names: &'static [&'static str],
}

/// A type without a description, checked by decoding it.
#[doc(hidden)]
pub struct Other {
    /// The type's name, for "expected a valid …".
    pub name: fn() -> &'static str,
    /// Whether a JSON value decodes into it.
    pub fits: fn(&serde_json::Value) -> bool,
}

/// A type whose JSON shape is known: what
/// `#[derive(api_client::Deserialize)]` implements for its models.
#[doc(hidden)]
pub trait Described {
    /// The shape of this type's JSON.
    fn shape() -> Shape;
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Described for $t {
            fn shape() -> Shape {
                Shape::Integer { min: <$t>::MIN as i128, max: <$t>::MAX as i128 }
            }
        }
    )*};
}

integers!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Described for bool {
    fn shape() -> Shape {
        Shape::Bool
    }
}

impl Described for f32 {
    fn shape() -> Shape {
        Shape::Number
    }
}

impl Described for f64 {
    fn shape() -> Shape {
        Shape::Number
    }
}

impl Described for String {
    fn shape() -> Shape {
        Shape::String
    }
}

impl Described for serde_json::Value {
    fn shape() -> Shape {
        Shape::Any
    }
}

impl<T: Described> Described for Box<T> {
    fn shape() -> Shape {
        T::shape()
    }
}

impl<T: Described> Described for Option<T> {
    fn shape() -> Shape {
        Shape::Option(T::shape)
    }
}

impl<T: Described> Described for Vec<T> {
    fn shape() -> Shape {
        Shape::List(T::shape)
    }
}

impl<T: Described, S> Described for HashMap<String, T, S> {
    fn shape() -> Shape {
        Shape::Map(T::shape)
    }
}

impl<T: Described> Described for BTreeMap<String, T> {
    fn shape() -> Shape {
        Shape::Map(T::shape)
    }
}

/// A zero-sized stand-in for a type, for autoref specialization: generated
/// code asks it for the type's validator (`response/validate.rs`) and
/// shape, and method lookup picks the impl the type allows.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<fn(&T)>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

/// For a call's type: picked when `T` is [`Described`] (no autoref).
#[doc(hidden)]
pub trait DescribedShape {
    /// `Some` shape, for the call's report and wire names.
    fn described(&self) -> Option<ShapeFn>;
}

impl<T: Described> DescribedShape for Probe<T> {
    fn described(&self) -> Option<ShapeFn> {
        Some(T::shape)
    }
}

/// For a call's type that is not described: no shape.
#[doc(hidden)]
pub trait NoShape {
    /// `None`.
    fn described(&self) -> Option<ShapeFn>;
}

impl<T: ?Sized> NoShape for &Probe<T> {
    fn described(&self) -> Option<ShapeFn> {
        None
    }
}

// A model's field: `(&&Probe::<T>::new()).field_shape()` picks the first
// that holds of: `T` is described (an impl on `&Probe`, found without
// autoref), `T` decodes (on `&&Probe`, with autoref), anything (on
// `Probe`, after a deref). The last keeps a field whose type does not
// decode (already an error of its own) from adding another.

/// A field whose type is [`Described`]: its shape.
#[doc(hidden)]
pub trait ShapeOfDescribed {
    /// The type's shape.
    fn field_shape(&self) -> Shape;
}

impl<T: Described> ShapeOfDescribed for &Probe<T> {
    fn field_shape(&self) -> Shape {
        T::shape()
    }
}

/// A field whose type only decodes: a value fits when it decodes.
#[doc(hidden)]
pub trait ShapeOfDecoded {
    /// A shape checked by decoding.
    fn field_shape(&self) -> Shape;
}

impl<T: DeserializeOwned> ShapeOfDecoded for &&Probe<T> {
    fn field_shape(&self) -> Shape {
        struct Of<T>(PhantomData<T>);
        impl<T: DeserializeOwned> Of<T> {
            const OTHER: Other = Other {
                name: std::any::type_name::<T>,
                fits: |value| T::deserialize(value).is_ok(),
            };
        }
        Shape::Other(&Of::<T>::OTHER)
    }
}

/// Any other field: any value.
#[doc(hidden)]
pub trait ShapeOfUnknown {
    /// [`Shape::Any`].
    fn field_shape(&self) -> Shape;
}

impl<T: ?Sized> ShapeOfUnknown for Probe<T> {
    fn field_shape(&self) -> Shape {
        Shape::Any
    }
}

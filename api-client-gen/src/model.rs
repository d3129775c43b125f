//! What is generated, before it is printed: Rust types, models and methods.

/// A Rust type a schema or parameter becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `String` (`&str` as an argument).
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// A `format` mapped to a crate the user enabled.
    Ext(Ext),
    /// Raw bytes: a binary body or response.
    Bytes,
    /// Any JSON: `serde_json::Value`.
    Json,
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `HashMap<String, T>` (`additionalProperties`).
    Map(Box<Ty>),
    /// `Option<T>` (`nullable`, a `null` type, or not required).
    Option(Box<Ty>),
    /// A generated model, by its Rust name.
    Named(String),
}

/// Formats that map to the usual crates, when the user enables them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ext {
    /// `format: date-time`: `chrono::DateTime<chrono::Utc>`.
    DateTime,
    /// `format: date`: `chrono::NaiveDate`.
    Date,
    /// `format: uuid`: `uuid::Uuid`.
    Uuid,
    /// `format: uri`/`url`: `url::Url`.
    Url,
}

impl Ty {
    /// `Option<self>`, unless it already is one.
    pub fn optional(self) -> Ty {
        match self {
            Ty::Option(_) => self,
            other => Ty::Option(Box::new(other)),
        }
    }

    /// The type inside `Option`, `Vec` and maps, down to the first other.
    pub fn innermost(&self) -> &Ty {
        match self {
            Ty::Option(t) | Ty::Vec(t) | Ty::Map(t) => t.innermost(),
            other => other,
        }
    }

    /// The model this type names directly, through `Option` only (a `Vec`
    /// or a map is already a pointer, so it needs no `Box`).
    pub fn direct_name(&self) -> Option<&str> {
        match self {
            Ty::Option(t) => t.direct_name(),
            Ty::Named(n) => Some(n),
            _ => None,
        }
    }
}

/// garde rules from a schema's constraints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    /// `minLength`/`maxLength` (characters).
    pub chars: (Option<u64>, Option<u64>),
    /// `minItems`/`maxItems`, `minProperties`/`maxProperties`.
    pub items: (Option<u64>, Option<u64>),
    /// `minimum`/`maximum` (exclusive bounds already tightened for integers).
    pub range: (Option<f64>, Option<f64>),
    /// `pattern`, checked to compile with Rust's regex.
    pub pattern: Option<String>,
    /// `format: email`.
    pub email: bool,
    /// `format: uri`/`url` on a `String` field.
    pub url: bool,
}

/// One field of a struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust name.
    pub ident: String,
    /// The JSON name.
    pub wire: String,
    /// The type, `Option` included.
    pub ty: Ty,
    /// Not required: skipped when `None` and defaulted when missing.
    pub optional: bool,
    /// Boxed because the type contains the struct itself.
    pub boxed: bool,
    /// From the property's `description` or `title`.
    pub doc: Option<String>,
    /// Deprecated in the document.
    pub deprecated: bool,
    /// Constraints checked by garde.
    pub rules: Rules,
}

/// One variant of a `oneOf`/`anyOf`.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The Rust name.
    pub ident: String,
    /// The discriminator's value, for a tagged union.
    pub tag: Option<String>,
    /// What the variant holds.
    pub ty: Ty,
}

/// The shape of a model.
#[derive(Debug, Clone)]
pub enum Kind {
    /// An object, with `additionalProperties` kept in `extra`.
    Struct {
        /// The properties, in document order (`allOf` members merged).
        fields: Vec<Field>,
        /// The type of undeclared properties, kept in a flattened map.
        extra: Option<Ty>,
    },
    /// A string `enum`: `(Rust name, wire value)`.
    Enum(Vec<(String, String)>),
    /// A `oneOf`/`anyOf`: tagged by a discriminator property, or untagged.
    Union {
        /// The discriminator's property.
        tag: Option<String>,
        /// The alternatives, in document order.
        variants: Vec<Variant>,
    },
    /// Another name for a type (`type Tags = Vec<String>`).
    Alias(Ty),
}

/// A named type of the generated module.
#[derive(Debug, Clone)]
pub struct Model {
    /// The Rust name.
    pub name: String,
    /// From the schema's `title`/`description`.
    pub doc: Option<String>,
    /// Deprecated in the document.
    pub deprecated: bool,
    /// Its shape.
    pub kind: Kind,
}

/// OpenAPI's `style`/`explode` of a query parameter, as `#[query(…)]`
/// writes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QueryStyle {
    /// `form`, exploded: one pair per value (the default).
    Form,
    /// `form`, not exploded: `explode = false` (`ids=1,2`).
    FormJoined,
    /// `style = "spaceDelimited"`.
    SpaceDelimited,
    /// `style = "pipeDelimited"`.
    PipeDelimited,
    /// `style = "deepObject"` (`filter[key]=value`).
    DeepObject,
}

/// How an argument reaches the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// A `<name>` segment of the route.
    Path,
    /// `#[query]`, with the wire key when it differs from the argument,
    /// and how its values are written.
    Query(Option<String>, QueryStyle),
    /// `#[header("Name")]`.
    Header(String),
    /// `#[cookie("name")]`.
    Cookie(String),
    /// `#[body]`: the JSON body.
    Body,
    /// `#[form]`: a form-encoded body.
    Form,
    /// `#[part("name")]` of a multipart body.
    Part(String),
}

/// One argument of a method.
#[derive(Debug, Clone)]
pub struct Arg {
    /// The Rust name.
    pub ident: String,
    /// Its type, as an owned type (the printer borrows strings, slices and
    /// models).
    pub ty: Ty,
    /// Its role.
    pub role: Role,
    /// Said in the method's docs (the parameter's description).
    pub doc: Option<String>,
}

/// The error documents of an operation's 4xx, 5xx and default responses.
#[derive(Debug, Clone, PartialEq)]
pub enum Errors {
    /// One type for every error status: `#[error(T)]`.
    One(Ty),
    /// A type per status, narrowest first: `#[error(404 => A, _ => B)]`.
    ByStatus(Vec<(Vec<Status>, Ty)>),
}

impl Errors {
    /// Every type it names.
    pub fn types(&self) -> Vec<&Ty> {
        match self {
            Errors::One(ty) => vec![ty],
            Errors::ByStatus(arms) => arms.iter().map(|(_, ty)| ty).collect(),
        }
    }
}

/// A response's key in `responses`: `404`, `4XX` or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// One status.
    Code(u16),
    /// A class: `4` for `4XX`.
    Class(u16),
    /// `default`: every other status.
    Default,
}

impl Status {
    /// Reads a key of `responses`; `None` for a success, an informational
    /// or a redirect status, or a key that is none of the forms.
    pub fn parse(key: &str) -> Option<Status> {
        let key = key.trim();
        if key == "default" {
            return Some(Status::Default);
        }
        let first = key.chars().next()?.to_digit(10)?;
        if !(4..=5).contains(&first) || key.len() != 3 {
            return None;
        }
        if key[1..].eq_ignore_ascii_case("xx") {
            return Some(Status::Class(first as u16));
        }
        key.parse().ok().map(Status::Code)
    }
}

/// What a method returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Returns {
    /// `()`: no content, or content not read.
    Unit,
    /// A JSON body.
    Json(Ty),
    /// `String`: a text body.
    Text,
    /// `Bytes`: any other body.
    Bytes,
    /// `Events<T>`: a stream of events, each one's data a `T`.
    Events(Ty, EventFormat),
}

/// How an event stream is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFormat {
    /// `text/event-stream`.
    Sse,
    /// JSON lines or JSON text sequences.
    Lines,
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Method {
    /// The Rust name.
    pub ident: String,
    /// The `operationId`, or the verb and path it was named from.
    pub operation: String,
    /// Summary and description.
    pub doc: Vec<String>,
    /// Deprecated in the document.
    pub deprecated: bool,
    /// `get`, `post`, …
    pub verb: String,
    /// The route, with `<ident>` placeholders.
    pub route: String,
    /// The arguments, path parameters first, then in document order.
    pub args: Vec<Arg>,
    /// `#[multipart]`.
    pub multipart: bool,
    /// The success body.
    pub returns: Returns,
    /// Wrapped in `Response<T>`: the success response declares headers.
    pub with_headers: bool,
    /// `#[error(…)]`: the error documents.
    pub error: Option<Errors>,
    /// `#[header("Accept", …)]`: the success response offers JSON beside
    /// other media types (XML first, say), so the client asks for JSON.
    pub accept: Option<String>,
    /// `#[no_auth]`: `security: []`.
    pub no_auth: bool,
}

use api_client::Deserialize;

#[derive(Deserialize)]
pub struct Pair(u32, u32);

#[derive(Deserialize)]
pub enum Shape {
    Circle { radius: f64 },
    Square,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum Id {
    Text,
}

#[derive(Deserialize)]
pub struct Renamed {
    #[serde(rename = "a", deserialize_with = "b")]
    pub a: u32,
    #[serde(with = "x")]
    pub c: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Strict {
    pub a_b: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camel_case")]
pub struct BadRule {
    pub a_b: u32,
}

#[derive(Deserialize)]
pub struct Generic<T> {
    pub t: T,
}

#[derive(Deserialize)]
pub struct TwoRests {
    #[serde(flatten)]
    pub a: std::collections::HashMap<String, u32>,
    #[serde(flatten)]
    pub b: std::collections::HashMap<String, u32>,
}

#[derive(Deserialize)]
pub struct NotDecodable {
    pub inner: std::time::Instant,
}

fn main() {
    // Each refused type still implements `Deserialize` (with a body that
    // is never reached): no follow-on error here.
    let _ = serde_json::from_str::<Pair>("[1, 2]");
    let _ = serde_json::from_str::<Renamed>("{}");
}

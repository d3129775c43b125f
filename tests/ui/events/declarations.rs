use api_client::{api, Events, Result};

#[derive(serde::Deserialize)]
pub struct Tick {
    pub n: u32,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    // A stream declared `async`.
    #[get("/a")]
    async fn a(&self) -> Events<Tick>;

    // A stream in a `Result`.
    #[get("/b")]
    fn b(&self) -> Result<Events<Tick>>;

    // `#[stream]` on an endpoint that does not stream.
    #[get("/c")]
    #[stream(sse)]
    async fn c(&self) -> Result<Tick>;

    // An unknown argument, two formats, an empty end.
    #[get("/d")]
    #[stream(jsnl)]
    fn d(&self) -> Events<Tick>;

    #[get("/e")]
    #[stream(sse, jsonl)]
    fn e(&self) -> Events<Tick>;

    #[get("/f")]
    #[stream(done = "")]
    fn f(&self) -> Events<Tick>;

    // Pages and events at once.
    #[get("/g")]
    #[paginate(link)]
    fn g(&self) -> Events<Tick>;

    // No item type.
    #[get("/h")]
    fn h(&self) -> Events;
}

fn main() {}

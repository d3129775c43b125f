use api_client::{api, Pages};

#[derive(serde::Deserialize)]
pub struct Repo {
    pub id: u64,
    pub tags: Vec<String>,
}

#[derive(serde::Deserialize)]
pub struct Other {
    pub id: u64,
}

#[derive(serde::Deserialize)]
pub struct List {
    pub data: Vec<Other>,
    pub repos: Vec<Repo>,
    pub has_more: String,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    // The items are of another type than the stream's.
    #[get("/a")]
    #[paginate(link, items = data)]
    fn a(&self) -> Pages<Repo, List>;

    // `has_more` is not a flag, and the cursor is not a string or number.
    #[get("/b")]
    #[paginate(cursor = after, next_from_last = tags, has_more = has_more, items = repos)]
    fn b(&self, #[query] after: Option<String>) -> Pages<Repo, List>;
}

fn main() {}

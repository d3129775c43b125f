use api_client::{api, Pages};

#[derive(serde::Deserialize)]
pub struct Repo {
    pub id: u64,
}

#[derive(serde::Deserialize)]
pub struct List {
    pub data: Vec<Repo>,
    pub has_more: bool,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    // The page type has no field `items`.
    #[get("/a")]
    #[paginate(link, items = items)]
    fn a(&self) -> Pages<Repo, List>;
}

fn main() {}

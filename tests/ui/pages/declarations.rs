use api_client::{api, Pages, Result};

#[derive(serde::Deserialize)]
pub struct Repo {
    pub id: u64,
}

#[derive(serde::Deserialize)]
pub struct List {
    pub data: Vec<Repo>,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    // The cursor argument does not exist.
    #[get("/a")]
    #[paginate(cursor = curosr, next = next, items = data)]
    fn a(&self, #[query] cursor: Option<String>) -> Pages<Repo, List>;

    // The page argument is not a query argument.
    #[get("/b/<page>")]
    #[paginate(page = page)]
    fn b(&self, page: u32) -> Pages<Repo>;

    // Walking a POST without saying it is safe.
    #[post("/c")]
    #[paginate(link)]
    fn c(&self) -> Pages<Repo>;

    // `items` without a page type.
    #[get("/d")]
    #[paginate(link, items = data)]
    fn d(&self) -> Pages<Repo>;

    // A page type without `items`.
    #[get("/e")]
    #[paginate(link)]
    fn e(&self) -> Pages<Repo, List>;

    // Two schemes.
    #[get("/f")]
    #[paginate(link, page = page)]
    fn f(&self, #[query] page: Option<u32>) -> Pages<Repo>;

    // A cursor walk that does not say where the next cursor is.
    #[get("/g")]
    #[paginate(cursor = cursor, items = data)]
    fn g(&self, #[query] cursor: Option<String>) -> Pages<Repo, List>;

    // An unknown key, and `total` on a link walk.
    #[get("/h")]
    #[paginate(link, totl = total)]
    fn h(&self) -> Pages<Repo>;

    #[get("/i")]
    #[paginate(link, total = "X-Total-Count")]
    fn i(&self) -> Pages<Repo>;

    // Async, and a `Result` around the stream.
    #[get("/j")]
    #[paginate(link)]
    async fn j(&self) -> Pages<Repo>;

    #[get("/k")]
    #[paginate(link)]
    fn k(&self) -> Result<Pages<Repo>>;

    // `Pages` without `#[paginate]`.
    #[get("/l")]
    async fn l(&self) -> Pages<Repo>;

    // A page field read from a page that is the items.
    #[get("/m")]
    #[paginate(page = page, has_more = more)]
    fn m(&self, #[query] page: Option<u32>) -> Pages<Repo>;
}

fn main() {}

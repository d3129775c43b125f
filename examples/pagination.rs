//! Pagination: every item of a paginated list as one typed stream, for two
//! ways real APIs chain their pages: GitHub's `Link: <…>; rel="next"`
//! header, and Stripe's `has_more` with the last item's id sent back as
//! `starting_after`.
//!
//! Runs offline against a local server: `cargo run --example pagination`.

use api_client::{Pages, Result, api};
use serde::{Deserialize, Serialize};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Debug, Serialize, Deserialize)]
pub struct Repo {
    pub id: u64,
    pub name: String,
}

/// Stripe's list object: the items are in `data`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RepoList {
    pub data: Vec<Repo>,
    pub has_more: bool,
}

#[api]
pub trait Catalog {
    /// GitHub style: the body is the items, the next page is in `Link`.
    #[get("/user/repos")]
    #[paginate(link)]
    fn repos(&self, #[query] per_page: u32) -> Pages<Repo>;

    /// Stripe style: `has_more`, and the last item's `id` as the cursor.
    #[get("/v1/repos")]
    #[paginate(cursor = starting_after, next_from_last = id, has_more = has_more, items = data)]
    fn repo_list(
        &self,
        #[query] limit: u32,
        #[query] starting_after: Option<u64>,
    ) -> Pages<Repo, RepoList>;
}

#[tokio::main]
async fn main() -> Result<()> {
    let server = start_local_server().await;
    let catalog = CatalogClient::builder().base_url(server.uri()).build()?;

    // Nothing is sent until the stream is polled; each page is requested
    // when the previous one's items have been taken.
    let mut repos = catalog.repos(4);
    while let Some(repo) = repos.next().await {
        let repo = repo?;
        println!("repo {:>2}: {}", repo.id, repo.name);
    }

    // Page by page, with each page's response metadata.
    let mut pages = catalog.repos(4).pages();
    while let Some(page) = pages.next_page().await {
        let page = page?;
        let link = page.headers().get("link").is_some();
        println!(
            "page {} ({}): {} items, next link: {link}",
            page.number(),
            page.url(),
            page.items().len()
        );
    }

    // At most 5 items: the walk stops there, with no request for more.
    let first_five = catalog.repo_list(2, None).max_items(5).all().await?;
    println!(
        "first five: {:?}",
        first_five.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    let sent = server.received_requests().await.unwrap_or_default().len();
    println!("requests sent: {sent} (3 + 3 pages of repos, 3 pages of the list)");
    Ok(())
}

/// Ten repositories, served GitHub-style and Stripe-style.
async fn start_local_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/user/repos"))
        .respond_with(GitHubStyle { base: server.uri() })
        .mount(&server)
        .await;
    Mock::given(path("/v1/repos"))
        .respond_with(StripeStyle)
        .mount(&server)
        .await;
    server
}

const REPOS: u64 = 10;

fn repos(ids: std::ops::RangeInclusive<u64>) -> Vec<Repo> {
    ids.map(|id| Repo {
        id,
        name: format!("project-{id}"),
    })
    .collect()
}

fn number(request: &Request, name: &str) -> Option<u64> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

struct GitHubStyle {
    base: String,
}

impl Respond for GitHubStyle {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let per_page = number(request, "per_page").unwrap_or(30);
        let page = number(request, "page").unwrap_or(1);
        let last = (page * per_page).min(REPOS);
        let mut response =
            ResponseTemplate::new(200).set_body_json(repos((page - 1) * per_page + 1..=last));
        if last < REPOS {
            let next = format!(
                "<{}/user/repos?per_page={per_page}&page={}>; rel=\"next\"",
                self.base,
                page + 1
            );
            response = response.insert_header("link", next.as_str());
        }
        response
    }
}

struct StripeStyle;

impl Respond for StripeStyle {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let after = number(request, "starting_after").unwrap_or(0);
        let last = (after + number(request, "limit").unwrap_or(10)).min(REPOS);
        ResponseTemplate::new(200).set_body_json(RepoList {
            data: repos(after + 1..=last),
            has_more: last < REPOS,
        })
    }
}

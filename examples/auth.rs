//! Authentication: an API key, HTTP Basic, and OAuth2 client credentials
//! with a token that is fetched once, cached and renewed on a 401.
//!
//! Runs offline against local servers: `cargo run --example auth`.

use api_client::{Result, Secret, api, auth::ClientCredentials};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize)]
pub struct Me {
    pub name: String,
}

#[api]
pub trait Accounts {
    #[get("/me")]
    async fn me(&self) -> Result<Me>;
}

#[tokio::main]
async fn main() -> Result<()> {
    let (api, auth) = start_local_servers().await;

    // An API key in the query string: sent, but masked in errors and logs.
    let by_key = AccountsClient::builder()
        .base_url(api.uri())
        .api_key_query("api_key", Secret::new("k-123"))
        .build()?;
    println!("api key      -> {:?}", by_key.me().await?);

    // HTTP Basic.
    let basic = AccountsClient::builder()
        .base_url(api.uri())
        .basic_auth("ann", "s3cret")
        .build()?;
    println!("basic        -> {:?}", basic.me().await?);

    // OAuth2 client credentials: one token request, then the token is
    // reused by every call and clone until it expires or is refused.
    let provider = ClientCredentials::new(
        format!("{}/oauth/token", auth.uri()),
        "my-app",
        "client-secret",
    )
    .scope("accounts:read");
    let oauth = AccountsClient::builder()
        .base_url(api.uri())
        .auth_provider(provider)
        .build()?;
    for _ in 0..3 {
        println!("oauth2       -> {:?}", oauth.clone().me().await?);
    }
    let token_requests = auth.received_requests().await.unwrap_or_default().len();
    println!("token requests for 3 calls: {token_requests}");

    // Secrets never show: not in Debug, not in errors.
    println!("client Debug -> {by_key:?}");
    Ok(())
}

async fn start_local_servers() -> (MockServer, MockServer) {
    let api = MockServer::start().await;
    let me = |name: &str| ResponseTemplate::new(200).set_body_json(json!({ "name": name }));
    Mock::given(path("/me"))
        .and(query_param("api_key", "k-123"))
        .respond_with(me("key holder"))
        .mount(&api)
        .await;
    Mock::given(path("/me"))
        .and(header("authorization", "Basic YW5uOnMzY3JldA=="))
        .respond_with(me("ann"))
        .mount(&api)
        .await;
    Mock::given(path("/me"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(me("my-app"))
        .mount(&api)
        .await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&api)
        .await;

    let auth = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at-1", "token_type": "Bearer", "expires_in": 3600
        })))
        .mount(&auth)
        .await;
    (api, auth)
}

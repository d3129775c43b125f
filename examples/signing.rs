//! Request signing: an HMAC-SHA256 signature over a timestamp, the method,
//! the path with its query and the body, in `X-Timestamp` and
//! `X-Signature` headers, as crypto exchanges ask for; the local server
//! recomputes it and refuses a mismatch.
//!
//! Runs offline against a local server: `cargo run --example signing`.

use api_client::{Result, api, auth::SignError, auth::SignRequest};
use ring::hmac;
use serde::{Deserialize, Serialize};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    pub symbol: String,
    pub quantity: u32,
}

#[api]
pub trait Exchange {
    #[post("/api/v3/order")]
    async fn place(&self, #[query] recv_window: u32, #[body] order: &Order) -> Result<Order>;
}

/// The text both sides sign.
fn signed_text(timestamp: &str, method: &str, path_and_query: &str, body: &[u8]) -> Vec<u8> {
    let mut text = format!("{timestamp}{method}{path_and_query}").into_bytes();
    text.extend_from_slice(body);
    text
}

fn signature(key: &hmac::Key, text: &[u8]) -> String {
    let tag = hmac::sign(key, text);
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn path_and_query(url: &api_client::Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let secret = b"my-api-secret".to_vec();
    let server = start_local_server(hmac::Key::new(hmac::HMAC_SHA256, &secret)).await;

    // The signer sees each attempt as it is sent, after the credentials:
    // a retried attempt is signed again, with a new timestamp.
    let key = hmac::Key::new(hmac::HMAC_SHA256, &secret);
    let sign = move |request: &mut SignRequest<'_>| -> std::result::Result<(), SignError> {
        let body = request
            .body()
            .ok_or("streamed bodies are not signed by this API")?;
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis()
            .to_string();
        let text = signed_text(
            &timestamp,
            request.method().as_str(),
            &path_and_query(request.url()),
            body,
        );
        request.set_header("x-timestamp", &timestamp)?;
        request.set_header("x-signature", &signature(&key, &text))?;
        Ok(())
    };
    let exchange = ExchangeClient::builder()
        .base_url(server.uri())
        .signer(sign)
        .build()?;
    let order = Order {
        symbol: "BTCEUR".into(),
        quantity: 2,
    };
    println!("placed: {:?}", exchange.place(5000, &order).await?);

    // A client with the wrong secret is refused by the server.
    let wrong = hmac::Key::new(hmac::HMAC_SHA256, b"not-the-secret");
    let forger = ExchangeClient::builder()
        .base_url(server.uri())
        .signer(
            move |request: &mut SignRequest<'_>| -> std::result::Result<(), SignError> {
                let text = signed_text(
                    "0",
                    request.method().as_str(),
                    &path_and_query(request.url()),
                    request.body().unwrap_or_default(),
                );
                request.set_header("x-timestamp", "0")?;
                request.set_header("x-signature", &signature(&wrong, &text))?;
                Ok(())
            },
        )
        .build()?;
    match forger.place(5000, &order).await {
        Ok(_) => println!("the forged signature was accepted?"),
        Err(e) => println!("forged: {e}"),
    }
    Ok(())
}

/// A server that checks every request's signature.
async fn start_local_server(key: hmac::Key) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/api/v3/order"))
        .respond_with(Verify { key })
        .mount(&server)
        .await;
    server
}

struct Verify {
    key: hmac::Key,
}

impl Respond for Verify {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        let text = signed_text(
            header("x-timestamp"),
            request.method.as_str(),
            &path_and_query(&request.url),
            &request.body,
        );
        if signature(&self.key, &text) == header("x-signature") {
            ResponseTemplate::new(200).set_body_raw(request.body.clone(), "application/json")
        } else {
            ResponseTemplate::new(401).set_body_raw(
                r#"{"code":-1022,"msg":"Signature for this request is not valid."}"#,
                "application/json",
            )
        }
    }
}

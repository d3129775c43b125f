//! Rule 2: every credential the client knows is registered where it
//! enters, in every form it is sent (raw, base64, percent-encoded), and
//! scrubbed from errors, Debug output and log events; the value of any
//! header that may not cross origins counts as one, whatever its name.

use api_client::{ErrorKind, auth::ClientCredentials, auth::SignError, auth::SignRequest};
use base64::Engine as _;
use serde_json::json;
use wiremock::matchers::{path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{Partner, builder, raw_server};

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Asserts that none of `secrets` is in `printed`, which must show a mask.
fn assert_scrubbed(printed: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
    }
    assert!(printed.contains("***"), "nothing was masked:\n{printed}");
}

#[tokio::test]
async fn a_proxy_that_echoes_the_request_head_prints_no_proxy_credential() {
    // A forward proxy that refuses every request, quoting what it got.
    fn answer(head: &str) -> String {
        let body = head.replace("\r\n", " | ");
        format!(
            "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    }
    let (proxy, heads) = raw_server(answer).await;
    let with_credentials = proxy.replace("http://", "http://pxuser:ppass-0009@");
    let (captured, _guard) = crate::support::capture_debug_logs();
    let client = super::PartnerClient::builder()
        .base_url("http://127.0.0.1:9")
        .proxy(&with_credentials)
        .no_retry()
        .build()
        .unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status, "{err}");
    let sent = heads.lock().unwrap().join("\n");
    let pair = b64("pxuser:ppass-0009");
    assert!(
        sent.contains(&pair),
        "the proxy got its credentials: {sent}"
    );
    let printed = format!("{err}\n{err:?}\n{}", captured.text());
    assert!(printed.contains("call failed"), "{printed}");
    assert_scrubbed(&printed, &["ppass-0009", &pair]);
}

#[tokio::test]
async fn a_token_endpoint_that_echoes_the_request_prints_no_client_secret() {
    let auth = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(|request: &Request| {
            ResponseTemplate::new(401).set_body_string(format!("refused: {:?}", request.headers))
        })
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    let provider = ClientCredentials::new(
        format!("{}/oauth/token", auth.uri()),
        "client-ab",
        "client-secret-0010",
    );
    let (captured, _guard) = crate::support::capture_debug_logs();
    let client = builder(&api.uri())
        .auth_provider(provider)
        .no_retry()
        .build()
        .unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    let pair = b64("client-ab:client-secret-0010");
    let printed = format!("{err}\n{err:?}\n{}", captured.text());
    assert_scrubbed(&printed, &["client-secret-0010", &pair]);
}

#[tokio::test]
async fn echoed_header_values_are_scrubbed_whatever_their_names_and_sources() {
    let server = MockServer::start().await;
    // Echoes every header, as text and as JSON under an unexpected key.
    Mock::given(path_regex("^/(items|keyed)/text$"))
        .respond_with(|request: &Request| {
            ResponseTemplate::new(400).set_body_string(format!("bad: {:?}", request.headers))
        })
        .mount(&server)
        .await;
    Mock::given(path_regex("^/(items|keyed)/json$"))
        .respond_with(|request: &Request| {
            let echoed: Vec<String> = request
                .headers
                .iter()
                .map(|(k, v)| format!("{k}={}", v.to_str().unwrap_or("")))
                .collect();
            ResponseTemplate::new(422).set_body_json(json!({ "received": echoed }))
        })
        .mount(&server)
        .await;
    let (captured, _guard) = crate::support::capture_debug_logs();
    // Without hooks or a signer the request is sent as built; with them,
    // each attempt sends a copy: both are covered.
    let plain = builder(&server.uri())
        .header("Ocp-Apim-Subscription-Key", "apim-key-0001")
        .no_retry()
        .build()
        .unwrap();
    let hooked = builder(&server.uri())
        .on_request(|request| request.set_header("X-Hook-Token", "hook-tok-0004"))
        .signer(|request: &mut SignRequest<'_>| -> Result<(), SignError> {
            request.set_header("x-signature", "sig-0005-over-the-path")
        })
        .no_retry()
        .build()
        .unwrap();
    let mut printed = String::new();
    for client in [plain, hooked] {
        for id in ["text", "json"] {
            for err in [
                client.item(id).await.unwrap_err(),
                client.keyed(id, "partner-key-0003").await.unwrap_err(),
            ] {
                assert_eq!(err.kind(), ErrorKind::Status);
                printed.push_str(&format!("{err}\n{err:?}\n"));
            }
        }
    }
    printed.push_str(&captured.text());
    assert_scrubbed(
        &printed,
        &[
            "apim-key-0001",
            "partner-key-0003",
            "hook-tok-0004",
            "sig-0005",
            "static-secret-0008",
        ],
    );
    // A short value stays readable: `1` is no credential.
    assert!(printed.contains("accept"), "{printed}");
}

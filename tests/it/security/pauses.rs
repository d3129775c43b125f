//! Rule 5: a server's pause applies to the origin that announced it, is
//! bounded by a configurable maximum, shows on `session().quota()`, and a
//! wait of the client's own limit says so. Rule 6: two credentials on one
//! builder are both sent, or refused at `build()`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api_client::{ErrorKind, limits::DEFAULT_MAX_SERVER_PAUSE, limits::RateLimit};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{Partner, builder};

/// Epoch seconds `secs` from now, as `X-RateLimit-Reset` writes them.
fn epoch_in(secs: u64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    (now.as_secs() + secs).to_string()
}

fn spent(reset_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({}))
        .insert_header("x-ratelimit-limit", "60")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", epoch_in(reset_in).as_str())
}

#[tokio::test]
async fn a_redirect_target_on_another_host_cannot_pause_the_client() {
    let elsewhere = MockServer::start().await;
    Mock::given(path("/landing"))
        .respond_with(spent(3600))
        .mount(&elsewhere)
        .await;
    let origin = MockServer::start().await;
    let far = format!("{}/landing", elsewhere.uri());
    Mock::given(path("/items/away"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", far.as_str()))
        .mount(&origin)
        .await;
    Mock::given(path("/items/home"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"home": true})))
        .mount(&origin)
        .await;
    let client = builder(&origin.uri()).build().unwrap();
    client.item("away").await.unwrap();
    assert_eq!(client.session().quota(), None, "another origin's quota");
    let home = client.item("home").await.unwrap();
    assert_eq!(home.body(), &json!({"home": true}));
}

#[tokio::test]
async fn a_pause_is_capped_and_shown_on_the_session() {
    let server = MockServer::start().await;
    // A day away: a client would stop for a day.
    Mock::given(path("/items/spent"))
        .respond_with(spent(86_400))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    client.item("spent").await.unwrap();
    let quota = client.session().quota().unwrap();
    assert!(quota.resets_in().unwrap() > Duration::from_secs(86_000));
    let paused = quota.paused_for().unwrap();
    assert!(paused <= DEFAULT_MAX_SERVER_PAUSE, "{paused:?}");
    assert!(paused > DEFAULT_MAX_SERVER_PAUSE - Duration::from_secs(60));
    // The next call would wait past its deadline: it fails at once,
    // saying the server asked, for the capped time.
    let err = client.item("spent").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert!(err.retry_after().unwrap() <= DEFAULT_MAX_SERVER_PAUSE);
    assert!(
        err.to_string()
            .contains("the server asked to retry after 9 min"),
        "{err}"
    );
    // A client may cap it lower.
    let client = builder(&server.uri())
        .max_server_pause(Duration::from_secs(2))
        .build()
        .unwrap();
    client.item("spent").await.unwrap();
    let paused = client.session().quota().unwrap().paused_for().unwrap();
    assert!(paused <= Duration::from_secs(2), "{paused:?}");
}

#[tokio::test]
async fn the_client_s_own_rate_limit_says_it_is_its_own() {
    let server = MockServer::start().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .rate_limit(RateLimit::per_hour(1))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    client.item("1").await.unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let text = err.to_string();
    assert!(text.contains("the client's own rate limit"), "{text}");
    assert!(!text.contains("server"), "{text}");
    // A person's units, not nanoseconds: `1 per 1 h`, `in 59 min 59 s`.
    assert!(text.contains("1 per 1 h"), "{text}");
    assert!(text.contains(" min "), "{text}");
    assert!(!text.contains("ns") && !text.contains("3600s"), "{text}");
}

#[tokio::test]
async fn two_credentials_in_two_places_are_both_sent() {
    let server = MockServer::start().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .bearer_auth("bearer-0011")
        .api_key_header("Ocp-Apim-Subscription-Key", "apim-0012")
        .build()
        .unwrap();
    client.item("1").await.unwrap();
    let got = &server.received_requests().await.unwrap()[0].headers;
    assert_eq!(got["authorization"], "Bearer bearer-0011");
    assert_eq!(got["ocp-apim-subscription-key"], "apim-0012");
    // The same setter twice: the last one wins, as for every setter.
    let client = builder(&server.uri())
        .bearer_auth("first")
        .bearer_auth("second-0013")
        .build()
        .unwrap();
    client.item("1").await.unwrap();
    let got = &server.received_requests().await.unwrap()[1].headers;
    assert_eq!(got["authorization"], "Bearer second-0013");
}

#[test]
fn two_credentials_in_one_place_are_refused_at_build() {
    let cases = [
        (
            builder("http://127.0.0.1:9")
                .bearer_auth("t")
                .basic_auth("u", "p"),
            ["`.bearer_auth(…)`", "`.basic_auth(…)`"],
        ),
        (
            builder("http://127.0.0.1:9")
                .api_key_header("X-Key", "a")
                .api_key_header_env("x-key", "SOME_VAR"),
            ["`.api_key_header(…)`", "`.api_key_header_env(…)`"],
        ),
        (
            builder("http://u:pw@127.0.0.1:9").digest_auth("u", "p"),
            ["base URL", "`.digest_auth(…)`"],
        ),
    ];
    for (builder, named) in cases {
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Builder);
        let text = err.to_string();
        for name in named {
            assert!(text.contains(name), "{text}");
        }
        assert!(!text.contains("pw"), "{text}");
    }
}

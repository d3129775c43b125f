//! Session state and plumbing: cookies, redirects, proxies, hooks,
//! metrics and request ids.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_client::{ErrorKind, Response, Result, RetryPolicy, api};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[api]
pub trait Site {
    #[post("/login")]
    async fn login(&self) -> Result<()>;

    #[get("/profile")]
    async fn profile(&self) -> Result<Response<serde_json::Value>>;

    #[get("/old")]
    async fn old(&self) -> Result<Response<serde_json::Value>>;

    #[get("/old")]
    async fn where_to(&self) -> Result<Response<()>>;

    #[get("/users/<id>")]
    async fn user(&self, id: u32) -> Result<serde_json::Value>;
}

fn builder(server: &MockServer) -> api_client::ClientBuilder<SiteClient> {
    SiteClient::builder().base_url(server.uri())
}

#[tokio::test]
async fn cookies_persist_across_calls_and_are_readable() {
    let server = MockServer::start().await;
    Mock::given(path("/login"))
        .respond_with(
            ResponseTemplate::new(204)
                .insert_header("set-cookie", "session=abc123; Path=/; HttpOnly"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/profile"))
        .and(header("cookie", "session=abc123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"me": true})))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).cookie_store(true).build().unwrap();
    assert_eq!(c.session().cookies(&server.uri()), Some(vec![]));
    c.login().await.unwrap();
    assert_eq!(
        c.session().cookies(&server.uri()),
        Some(vec![("session".to_owned(), "abc123".to_owned())])
    );
    c.clone().profile().await.unwrap();
    // Cookies can be set by hand, as in a requests session.
    c.session().add_cookie("theme=dark; Path=/", &server.uri());
    let cookies = c.session().cookies(&server.uri()).unwrap();
    assert!(
        cookies.contains(&("theme".to_owned(), "dark".to_owned())),
        "{cookies:?}"
    );
    // Without a store, cookies are neither kept nor readable.
    let plain = builder(&server).build().unwrap();
    plain.login().await.unwrap();
    assert_eq!(plain.session().cookies(&server.uri()), None);
}

#[tokio::test]
async fn redirects_are_followed_to_the_final_url_or_not_at_all() {
    let server = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/profile"))
        .mount(&server)
        .await;
    Mock::given(path("/profile"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let followed = builder(&server).build().unwrap().old().await.unwrap();
    assert_eq!(followed.url().path(), "/profile");
    let err = builder(&server)
        .no_redirects()
        .build()
        .unwrap()
        .old()
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status().map(|s| s.as_u16())),
        (ErrorKind::Status, Some(301))
    );
    Mock::given(path("/users/1"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/users/1"))
        .mount(&server)
        .await;
    let err = builder(&server)
        .max_redirects(3)
        .build()
        .unwrap()
        .user(1)
        .await
        .unwrap_err();
    // A redirect loop is permanent: one attempt, its own kind and message.
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err:?}");
    assert_eq!(err.attempts(), 1, "{err}");
    assert!(
        err.to_string().contains("too many redirects (more than 3)"),
        "{err}"
    );
}

#[tokio::test]
async fn calls_go_through_a_configured_proxy() {
    // wiremock stands in for a forward proxy: it receives the absolute URI.
    let proxy = MockServer::start().await;
    Mock::given(path("/users/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"via": "proxy"})))
        .expect(1)
        .mount(&proxy)
        .await;
    let c = SiteClient::builder()
        .base_url("http://api.example.invalid")
        .proxy(proxy.uri())
        .build()
        .unwrap();
    assert_eq!(c.user(7).await.unwrap(), json!({"via": "proxy"}));
    let err = SiteClient::builder()
        .base_url("http://h")
        .proxy("::not a url::")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Builder);
    let err = SiteClient::builder()
        .base_url("http://h")
        .add_root_certificate_pem(b"nope")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("invalid root certificate"),
        "{err}"
    );
    let err = SiteClient::builder()
        .base_url("http://h")
        .identity_pem(b"nope")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("invalid client identity"), "{err}");
}

#[tokio::test]
async fn hooks_see_every_attempt_and_can_add_headers() {
    let server = MockServer::start().await;
    Mock::given(path("/users/1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/users/1"))
        .and(header("x-correlation-id", "corr-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let c = builder(&server)
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(1)))
        .on_request(|request| request.set_header("x-correlation-id", "corr-1"))
        .on_response(move |attempt| {
            log.lock().unwrap().push((
                attempt.route(),
                attempt.method().to_string(),
                attempt.attempt(),
                attempt.status().map(|s| s.as_u16()),
                attempt.error(),
            ));
        })
        .build()
        .unwrap();
    c.user(1).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (
                "/users/<id>",
                "GET".to_owned(),
                1,
                Some(503),
                Some(ErrorKind::Status)
            ),
            ("/users/<id>", "GET".to_owned(), 2, Some(200), None),
        ]
    );
}

#[tokio::test]
async fn metrics_count_calls_classes_and_latency_per_route() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/404"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({}))
                .set_delay(Duration::from_millis(20)),
        )
        .mount(&server)
        .await;
    let c = builder(&server).record_metrics(true).build().unwrap();
    assert!(
        builder(&server)
            .build()
            .unwrap()
            .session()
            .metrics()
            .is_none()
    );
    for id in 1..=9 {
        c.user(id).await.unwrap();
    }
    c.user(404).await.unwrap_err();
    c.profile().await.unwrap();
    let snapshot = c.session().metrics().unwrap();
    let users = snapshot.endpoint("GET", "/users/<id>").unwrap();
    assert_eq!(
        (users.calls, users.success, users.client_errors),
        (10, 9, 1)
    );
    assert!(users.p50 >= Duration::from_millis(20), "{users:?}");
    assert!(users.p99 >= users.p50 && users.max >= users.p99);
    assert_eq!(snapshot.endpoint("GET", "/profile").unwrap().calls, 1);
    assert_eq!(snapshot.endpoints.len(), 2);
}

#[tokio::test]
async fn request_ids_are_kept_and_printed() {
    let server = MockServer::start().await;
    Mock::given(path("/users/1"))
        .respond_with(ResponseTemplate::new(500).insert_header("x-request-id", "req-7f3a"))
        .mount(&server)
        .await;
    Mock::given(path("/profile"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-trace", "t-1")
                .set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    let err = builder(&server)
        .no_retry()
        .build()
        .unwrap()
        .user(1)
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("req-7f3a"));
    assert!(err.to_string().contains("(request id req-7f3a)"), "{err}");
    let c = builder(&server)
        .request_id_header("X-Trace")
        .build()
        .unwrap();
    assert_eq!(c.profile().await.unwrap().request_id(), Some("t-1"));
}

#[tokio::test]
async fn a_response_lists_the_redirects_it_followed_without_the_api_key() {
    let server = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/moved?step=2"))
        .mount(&server)
        .await;
    Mock::given(path("/moved"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/profile"))
        .mount(&server)
        .await;
    Mock::given(path("/profile"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = builder(&server)
        .api_key_query("key", "hist-secret")
        .build()
        .unwrap();
    let response = client.old().await.unwrap();
    let hops: Vec<(u16, String)> = response
        .history()
        .iter()
        .map(|r| (r.status().as_u16(), r.url().path().to_owned()))
        .collect();
    assert_eq!(hops, [(301, "/old".to_owned()), (307, "/moved".to_owned())]);
    assert_eq!(response.history()[1].url().query(), Some("step=2"));
    assert!(!format!("{:?}", response.history()).contains("hist-secret"));
    assert_eq!(response.url().path(), "/profile");
    // No redirect, no history.
    let direct = client.profile().await.unwrap();
    assert!(direct.history().is_empty());
}

#[tokio::test]
async fn with_redirects_off_a_3xx_is_read_as_a_response_of_a_body_less_type() {
    let server = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/profile"))
        .mount(&server)
        .await;
    let off = builder(&server).no_redirects().build().unwrap();
    let response = off.where_to().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/profile");
    assert!(response.history().is_empty());
    // A JSON body cannot come from it: that stays the status error.
    let err = off.old().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
    // With redirects on, the 3xx is followed as before.
    Mock::given(path("/profile"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let on = builder(&server).build().unwrap().where_to().await.unwrap();
    assert_eq!((on.status().as_u16(), on.history().len()), (200, 1));
}

/// OpenAPI's cookie parameters: `#[cookie("name")]` arguments.
#[api_client::api]
pub trait Cookies {
    #[get("/prefs")]
    async fn prefs(
        &self,
        #[cookie("session-id")] session: &str,
        #[cookie("theme")] theme: Option<&str>,
        #[cookie("n")] n: u32,
    ) -> api_client::Result<()>;
}

#[tokio::test]
async fn cookie_arguments_share_one_header_with_the_jar() {
    let server = MockServer::start().await;
    Mock::given(path("/prefs"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let plain = CookiesClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    // A value a cookie cannot hold as is is percent-encoded; `None` sends
    // nothing.
    plain.prefs("a b;c", Some("dark"), 3).await.unwrap();
    plain.prefs("s1", None, 0).await.unwrap();
    // With a cookie store, the jar's cookies follow the arguments in the
    // same header (RFC 6265 allows one).
    let jarred = CookiesClient::builder()
        .base_url(server.uri())
        .cookie_store(true)
        .build()
        .unwrap();
    jarred.session().add_cookie("jar=1; Path=/", &server.uri());
    jarred.prefs("s2", None, 1).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let sent: Vec<Vec<&str>> = requests
        .iter()
        .map(|r| {
            r.headers
                .get_all("cookie")
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        sent,
        [
            vec!["session-id=a%20b%3Bc; theme=dark; n=3"],
            vec!["session-id=s1; n=0"],
            vec!["session-id=s2; n=1; jar=1"],
        ]
    );

    // The generated mock expects the cookies the client sends.
    let mocked = MockServer::start().await;
    let mock = CookiesMock::new(&mocked);
    mock.prefs("s3", Some("light"), 2)
        .responds(204)
        .expect(1)
        .mount()
        .await;
    let c = CookiesClient::builder()
        .base_url(mocked.uri())
        .build()
        .unwrap();
    c.prefs("s3", Some("light"), 2).await.unwrap();
    let err = c.prefs("zz-secret-9", Some("light"), 2).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("cookie `session-id`: another value was sent"),
        "{text}"
    );
    assert!(
        !text.contains("zz-secret-9"),
        "cookie values are not shown: {text}"
    );
}

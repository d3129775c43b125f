//! The call span on OpenTelemetry's HTTP client conventions (issue 17):
//! its name for exporters (`otel.name = "{method} {url.template}"`) and
//! the attributes `http.request.method`, `url.template`, `server.address`,
//! `server.port`, `url.full` (redacted), `http.response.status_code`,
//! `error.type` and `http.request.resend_count`, for a success, a retried
//! call and failures; secrets and query values never appear.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_client::{Result, RetryPolicy, api};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[api]
pub trait Traced {
    #[get("/users/<login>")]
    async fn user(&self, login: &str, #[query] q: &str) -> Result<String>;
}

fn client(base: &str) -> TracedClient {
    TracedClient::builder()
        .base_url(base)
        .bearer_auth("tok-secret-1")
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap()
}

/// `/users/flaky` answers 503 once, then 200; `/users/gone` answers 404.
async fn flaky_and_gone() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/users/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/users/gone"))
        .respond_with(ResponseTemplate::new(404))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/users/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_call_span_carries_the_http_client_conventions() {
    let server = flaky_and_gone().await;
    let port = server.address().port();
    let (logs, _guard) = crate::support::capture_debug_logs();
    let c = client(&server.uri());
    c.user("flaky", "query-secret").await.unwrap();
    let retried = logs.text();
    c.user("gone", "query-secret").await.unwrap_err();
    let failed = logs.text()[retried.len()..].to_owned();

    for text in [&retried, &failed] {
        assert!(text.contains("otel.name=GET /users/<login>"), "{text}");
        assert!(text.contains("otel.kind=\"client\""), "{text}");
        assert!(text.contains("http.request.method=GET"), "{text}");
        assert!(text.contains("url.template=\"/users/<login>\""), "{text}");
        assert!(text.contains("server.address=\"127.0.0.1\""), "{text}");
        assert!(text.contains(&format!("server.port={port}")), "{text}");
        assert!(text.contains("url.full=http://127.0.0.1"), "{text}");
        assert!(text.contains("q=***"), "query values are masked: {text}");
        assert!(!text.contains("query-secret"), "{text}");
        assert!(!text.contains("tok-secret-1"), "{text}");
    }
    assert!(
        retried.contains("http.response.status_code=200"),
        "{retried}"
    );
    assert!(retried.contains("http.request.resend_count=1"), "{retried}");
    assert!(!retried.contains("error.type"), "{retried}");
    assert!(failed.contains("http.response.status_code=404"), "{failed}");
    assert!(failed.contains("error.type=\"404\""), "{failed}");
}

#[tokio::test]
async fn a_call_that_never_got_a_response_names_its_error_type() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (logs, _guard) = crate::support::capture_debug_logs();
    let c = TracedClient::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    c.user("x", "y").await.unwrap_err();
    let text = logs.text();
    assert!(text.contains("error.type=\"connect\""), "{text}");
    assert!(!text.contains("http.response.status_code"), "{text}");
}

/// A `metrics` recorder that keeps every histogram value with its labels.
#[derive(Clone, Default)]
struct Memory {
    records: Arc<Mutex<Vec<Recorded>>>,
}

#[derive(Clone, Debug)]
struct Recorded {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

struct Handle {
    key: metrics::Key,
    records: Arc<Mutex<Vec<Recorded>>>,
}

impl metrics::HistogramFn for Handle {
    fn record(&self, value: f64) {
        self.records.lock().unwrap().push(Recorded {
            name: self.key.name().to_owned(),
            labels: self
                .key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect(),
            value,
        });
    }
}

impl metrics::Recorder for Memory {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::noop()
    }
    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }
    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::from_arc(Arc::new(Handle {
            key: key.clone(),
            records: self.records.clone(),
        }))
    }
}

#[test]
fn the_request_duration_histogram_has_the_conventions_attributes() {
    let memory = Memory::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The local recorder holds for everything the runtime polls on this
    // thread, the calls included.
    let port = metrics::with_local_recorder(&memory, || {
        runtime.block_on(async {
            let server = flaky_and_gone().await;
            let c = client(&server.uri());
            c.user("flaky", "query-secret").await.unwrap();
            c.user("gone", "query-secret").await.unwrap_err();
            server.address().port()
        })
    });
    let records = memory.records.lock().unwrap().clone();
    assert_eq!(
        records.len(),
        2,
        "one value per call, retries included: {records:?}"
    );
    let label = |r: &Recorded, k: &str| {
        r.labels
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    for r in &records {
        assert_eq!(r.name, api_client::metrics::REQUEST_DURATION);
        assert!(r.value > 0.0 && r.value < 30.0, "seconds: {r:?}");
        assert_eq!(label(r, "http.request.method").as_deref(), Some("GET"));
        assert_eq!(label(r, "url.template").as_deref(), Some("/users/<login>"));
        assert_eq!(label(r, "server.address").as_deref(), Some("127.0.0.1"));
        assert_eq!(label(r, "server.port"), Some(port.to_string()));
        let printed = format!("{r:?}");
        assert!(!printed.contains("query-secret") && !printed.contains("tok-secret-1"));
    }
    assert_eq!(
        label(&records[0], "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(label(&records[0], "error.type"), None);
    assert_eq!(
        label(&records[1], "http.response.status_code").as_deref(),
        Some("404")
    );
    assert_eq!(label(&records[1], "error.type").as_deref(), Some("404"));
}

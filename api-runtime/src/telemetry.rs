//! OpenTelemetry's `http.client.request.duration` histogram (seconds),
//! recorded once per call through the `metrics` facade (feature
//! `metrics`), with the attributes of the conventions: the method, the
//! route template, the server's address and port, the status code and the
//! error type. An application that installs a `metrics` exporter
//! (Prometheus, OpenTelemetry) gets it without code; without one, the
//! facade's no-op recorder takes it.

use std::sync::Once;
use std::time::Duration;

use http::StatusCode;
use metrics::Label;
use url::Url;

use crate::error::Error;
use crate::request::endpoint::Endpoint;

/// The histogram's name, as the conventions spell it.
pub const REQUEST_DURATION: &str = "http.client.request.duration";

/// Records one call's duration.
pub(crate) fn record_call(
    endpoint: &'static Endpoint,
    url: Option<&Url>,
    result: std::result::Result<StatusCode, &Error>,
    elapsed: Duration,
) {
    static DESCRIBED: Once = Once::new();
    DESCRIBED.call_once(|| {
        metrics::describe_histogram!(
            REQUEST_DURATION,
            metrics::Unit::Seconds,
            "Duration of HTTP client requests."
        );
    });
    let mut labels = Vec::with_capacity(6);
    labels.push(Label::from_static_parts(
        "http.request.method",
        endpoint.method.as_str(),
    ));
    labels.push(Label::from_static_parts("url.template", endpoint.route));
    if let Some(url) = url {
        if let Some(host) = url.host_str() {
            labels.push(Label::new("server.address", host.to_owned()));
        }
        if let Some(port) = url.port_or_known_default() {
            labels.push(Label::new("server.port", port.to_string()));
        }
    }
    let status = match result {
        Ok(status) => Some(status),
        Err(e) => e.status(),
    };
    if let Some(status) = status {
        labels.push(Label::new(
            "http.response.status_code",
            status.as_u16().to_string(),
        ));
    }
    if let Err(e) = result {
        labels.push(Label::new("error.type", e.error_type()));
    }
    metrics::histogram!(REQUEST_DURATION, labels).record(elapsed.as_secs_f64());
}

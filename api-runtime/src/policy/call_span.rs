//! A call's span, on OpenTelemetry's HTTP client conventions, and what
//! the end of a call is told to: the span, the debug events, the built-in
//! recorder and (feature `metrics`) the `metrics` facade.

use http::StatusCode;
use tokio::time::Instant;
use url::Url;

use crate::error::Error;
use crate::policy::Policies;
use crate::request::endpoint::Endpoint;

/// The span of a call of `endpoint` to `target` (the page number of a
/// walk, if it is one). Named `{method} {url.template}` for exporters
/// (`otel.name`); its values are computed only when a subscriber wants it.
pub(crate) fn call_span(
    endpoint: &'static Endpoint,
    target: Option<&Url>,
    page: Option<u32>,
) -> tracing::Span {
    tracing::info_span!(
        "api_client.call",
        otel.name = %format_args!("{} {}", endpoint.method, endpoint.route),
        otel.kind = "client",
        endpoint = endpoint.name,
        page,
        http.request.method = %endpoint.method,
        url.template = endpoint.route,
        server.address = target.and_then(|u| u.host_str()),
        server.port = target.and_then(|u| u.port_or_known_default()),
        url.full = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        http.request.resend_count = tracing::field::Empty,
        error.type = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    )
}

/// What the end of a call is told to: the span (its URL, redacted, its
/// time and error type), the debug events and the metrics (the status the
/// call ended with).
pub(crate) fn end_of_call(
    policies: &Policies,
    endpoint: &'static Endpoint,
    span: &tracing::Span,
    started: Instant,
    url: Option<&Url>,
    result: std::result::Result<StatusCode, &Error>,
) {
    // The clock is read again, and the URL shown, only if something
    // records them.
    if !span.is_disabled() {
        if let Some(url) = url {
            let url = policies.engine.visible.logged_url(url);
            span.record("url.full", tracing::field::display(url));
        }
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        if let Err(e) = result {
            span.record("error.type", &*e.error_type());
            if e.attempts() > 1 {
                span.record("http.request.resend_count", e.attempts() - 1);
            }
        }
    }
    let status = match result {
        Ok(status) => {
            tracing::debug!(parent: span, "response received");
            Some(status)
        }
        Err(e) => {
            tracing::debug!(parent: span, error = %e, "call failed");
            e.status()
        }
    };
    if let Some(metrics) = &policies.metrics {
        metrics.record(&endpoint.method, endpoint.route, status, started.elapsed());
    }
    #[cfg(feature = "metrics")]
    crate::telemetry::record_call(endpoint, url, result, started.elapsed());
}

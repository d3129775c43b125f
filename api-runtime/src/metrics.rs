//! A ready-made recorder: per endpoint (route template), call counts,
//! status classes and latency percentiles ([`MetricsSnapshot`], read with
//! [`Session::metrics`](crate::Session::metrics)); and, with the `metrics`
//! feature, the name of the OpenTelemetry histogram recorded through the
//! `metrics` facade.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;

#[cfg(feature = "metrics")]
pub use crate::telemetry::REQUEST_DURATION;
use http::{Method, StatusCode};

/// Counts of one endpoint, and its latency distribution (whole calls,
/// retries and backoff included).
struct Stats {
    calls: u64,
    classes: [u64; 5],
    failures: u64,
    latency: Histogram<u64>,
}

/// The live recorder of a client.
pub(crate) struct Metrics {
    endpoints: Mutex<HashMap<(Method, &'static str), Stats>>,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        Metrics {
            endpoints: Mutex::new(HashMap::new()),
        }
    }

    /// Records one call of `route`: its final status (none when no
    /// response arrived) and how long it took.
    pub(crate) fn record(
        &self,
        method: &Method,
        route: &'static str,
        status: Option<StatusCode>,
        elapsed: Duration,
    ) {
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|p| p.into_inner());
        let stats = endpoints
            .entry((method.clone(), route))
            .or_insert_with(|| Stats {
                calls: 0,
                classes: [0; 5],
                failures: 0,
                // 1 µs to 1 hour at 3 significant figures; larger values saturate.
                latency: Histogram::new_with_bounds(1, 3_600_000_000, 3)
                    .expect("1 µs to 1 h at 3 significant figures is a valid histogram"),
            });
        stats.calls += 1;
        match status.map(|s| s.as_u16() / 100) {
            Some(class @ 1..=5) => stats.classes[usize::from(class - 1)] += 1,
            _ => stats.failures += 1,
        }
        let micros = u64::try_from(elapsed.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        stats.latency.saturating_record(micros);
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        let endpoints = self.endpoints.lock().unwrap_or_else(|p| p.into_inner());
        let mut list: Vec<EndpointMetrics> = endpoints
            .iter()
            .map(|((method, route), s)| {
                let at = |q: f64| Duration::from_micros(s.latency.value_at_quantile(q));
                EndpointMetrics {
                    method: method.clone(),
                    route,
                    calls: s.calls,
                    informational: s.classes[0],
                    success: s.classes[1],
                    redirection: s.classes[2],
                    client_errors: s.classes[3],
                    server_errors: s.classes[4],
                    failures: s.failures,
                    p50: at(0.50),
                    p95: at(0.95),
                    p99: at(0.99),
                    max: Duration::from_micros(s.latency.max()),
                }
            })
            .collect();
        list.sort_by(|a, b| (a.route, a.method.as_str()).cmp(&(b.route, b.method.as_str())));
        MetricsSnapshot {
            endpoints: list,
            circuits_opened: 0,
            circuits_closed: 0,
        }
    }
}

/// Per-endpoint figures at one moment, from
/// [`Session::metrics`](crate::Session::metrics).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// One entry per endpoint called so far, ordered by route.
    pub endpoints: Vec<EndpointMetrics>,
    /// How many times a circuit of the
    /// [`circuit_breaker`](crate::ClientBuilder::circuit_breaker) opened
    /// (a failing probe included).
    pub circuits_opened: u64,
    /// How many times a probe closed an open circuit.
    pub circuits_closed: u64,
}

impl MetricsSnapshot {
    /// The figures of the endpoint with this route template and method.
    pub fn endpoint(&self, method: &str, route: &str) -> Option<&EndpointMetrics> {
        self.endpoints
            .iter()
            .find(|e| e.route == route && e.method.as_str().eq_ignore_ascii_case(method))
    }
}

/// The figures of one endpoint. Latencies are of whole calls (retries and
/// backoff included), with 3 significant figures.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EndpointMetrics {
    /// The HTTP method.
    pub method: Method,
    /// The route template, e.g. `/users/<login>`.
    pub route: &'static str,
    /// Calls made.
    pub calls: u64,
    /// Calls that ended with a 1xx status.
    pub informational: u64,
    /// Calls that ended with a 2xx status.
    pub success: u64,
    /// Calls that ended with a 3xx status.
    pub redirection: u64,
    /// Calls that ended with a 4xx status.
    pub client_errors: u64,
    /// Calls that ended with a 5xx status.
    pub server_errors: u64,
    /// Calls that ended without a response (connect, timeout, transport).
    pub failures: u64,
    /// Median latency.
    pub p50: Duration,
    /// 95th percentile latency.
    pub p95: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// The slowest call.
    pub max: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_classes() {
        let m = Metrics::new();
        for ms in 1..=100u64 {
            let status = if ms % 10 == 0 {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            m.record(
                &Method::GET,
                "/users/<id>",
                Some(status),
                Duration::from_millis(ms),
            );
        }
        m.record(&Method::GET, "/users/<id>", None, Duration::from_secs(5));
        let snap = m.snapshot();
        let e = snap.endpoint("get", "/users/<id>").unwrap();
        assert_eq!(
            (e.calls, e.success, e.server_errors, e.failures),
            (101, 90, 10, 1)
        );
        let near = |d: Duration, ms: u64| (d.as_millis() as i64 - ms as i64).abs() <= 1;
        assert!(
            near(e.p50, 51) && near(e.p95, 96) && near(e.p99, 100),
            "{e:?}"
        );
        assert!(near(e.max, 5000), "{e:?}");
    }
}

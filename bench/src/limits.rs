//! `limits`: what a generous rate limit and a circuit breaker add to each
//! call, at 16 in flight: the same generated client with and without them,
//! in interleaved rounds, CPU per call from this process's CPU time.

use std::sync::Arc;
use std::time::Duration;

use api_client::{limits::CircuitBreaker, limits::RateLimit};

use crate::clients::{self, Bench, BenchClient};
use crate::run::CONCURRENT;
use crate::run::job;
use crate::run::{self, Job, Measured};

fn user_job(client: BenchClient) -> Job {
    let client = Arc::new(client);
    job(move || {
        let c = client.clone();
        async move { Bench::user(&*c).await }
    })
}

/// The plain client, with a rate limit it never reaches (a million
/// calls a second, bursts of a thousand) and a breaker per host, then with
/// a concurrency limit (64 slots) too.
fn jobs(base: &str) -> Vec<(&'static str, Job)> {
    let limited = || {
        BenchClient::builder()
            .base_url(base)
            .rate_limit(RateLimit::per_second(1_000_000).burst(1_000))
            .circuit_breaker(CircuitBreaker::new().cool_down(Duration::from_secs(5)))
    };
    let bulkhead = limited()
        .concurrency_limit(64)
        .build()
        .expect("a client with every limit");
    // The reference is second: paired figures are against it.
    vec![
        (
            "rate limit + breaker",
            user_job(limited().build().expect("a limited client")),
        ),
        ("no limits", user_job(clients::generated(base))),
        (
            "rate limit + breaker + concurrency limit",
            user_job(bulkhead),
        ),
        (
            "no limits, server quotas not read",
            user_job(
                BenchClient::builder()
                    .base_url(base)
                    .server_rate_limits(false)
                    .build()
                    .expect("a client"),
            ),
        ),
        // The same as the reference: what the measurement's noise alone gives.
        (
            "no limits (a second client)",
            user_job(clients::generated(base)),
        ),
    ]
}

/// Runs the comparison: `rounds` interleaved rounds of `CONCURRENT` calls.
pub async fn measure(base: &str, rounds: usize) -> Result<Vec<Measured>, String> {
    run::compare(
        "16 in flight, small GET",
        &jobs(base),
        CONCURRENT,
        16,
        rounds,
    )
    .await
}

/// The report: throughput, and CPU per call, each paired with the plain
/// client's in the same round (ratio and difference, medians).
pub fn report(measured: &[Measured]) -> String {
    let mut out = String::from(
        "| client (generated, 16 in flight) | req/s | paired vs no limits | CPU µs/call | added CPU µs/call (paired) |\n|---|---:|---:|---:|---:|\n",
    );
    for m in measured {
        out.push_str(&format!(
            "| {} | {:.0} | {:.3} | {:.2} | {:+.2} |\n",
            m.client,
            m.rps,
            m.paired.unwrap_or(1.0),
            m.cpu_us.unwrap_or(0.0),
            m.cpu_added_us.unwrap_or(0.0),
        ));
    }
    out
}

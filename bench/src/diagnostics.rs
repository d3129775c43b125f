//! Diagnostics whose figures are not reported: runs for a profiler, the
//! cost of reqwest's layers one by one, decode and validation timings.

use std::sync::Arc;

use crate::clients::{self, Bench, ConnPerTask, HandWritten, RawHyper, User};
use crate::run::{self, CONCURRENT};
use crate::scenarios::{Clients, Jobs, with};
use crate::server;

/// Runs the diagnostic `what` names; `false` when it names none.
pub(crate) async fn run(what: &str) -> bool {
    match what {
        "profile-blocking" => profile_blocking().await,
        "probe" => probe().await,
        "micro" => micro(),
        "first-call" => {
            let arg = |i| std::env::args().nth(i).unwrap_or_default();
            match crate::https::first_call_here(&arg(2), &arg(3), &arg(4)).await {
                Ok(ms) => println!("{ms:.3}"),
                Err(e) => eprintln!("{e}"),
            }
        }
        "client-memory" => {
            let kind = std::env::args().nth(2).unwrap_or_default();
            match crate::https::client_memory(&kind) {
                Ok(kib) => println!("{kib:.2}"),
                Err(e) => eprintln!("{e}"),
            }
        }
        w if w.starts_with("profile-") => profile(w).await,
        _ => return false,
    }
    true
}

/// `API_BENCH_CALLS=N`: how many calls a profile makes (callgrind counts
/// instructions of a run of N calls, and of 2N).
fn profile_calls() -> usize {
    env_number("API_BENCH_CALLS").unwrap_or(48_000)
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|n| n.parse().ok())
}

/// `profile-blocking generated|shared|reqwest|ureq`.
async fn profile_blocking() {
    let which = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "generated".into());
    let server = server::start().await.expect("a server");
    server::pin_to_core(1);
    let base = server.base.clone();
    let calls = profile_calls();
    let done = tokio::task::spawn_blocking(move || crate::blocking::profile(base, which, calls))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    eprintln!("{done:?}");
}

/// For `perf record` or callgrind: one client, 16 in flight
/// (`API_BENCH_IN_FLIGHT=1`: sequential), a fixed number of calls.
async fn profile(what: &str) {
    let server = server::start().await.expect("a server");
    server::pin_to_core(1);
    let clients = Clients::new(&server.base);
    let job = match what {
        "profile-per-task" => {
            let per_task = Arc::new(ConnPerTask::new(&server.base));
            with(
                &per_task,
                |c| async move { c.get::<User>("/users/42").await },
            )
        }
        "profile-hyper" => with(&clients.hyper, |y| async move {
            y.get::<User>("/users/42").await
        }),
        "profile-generated" => with(
            &clients.generated,
            |g| async move { Bench::user(&*g).await },
        ),
        _ => with(&clients.hand, |h| async move { h.user().await }),
    };
    let in_flight = env_number("API_BENCH_IN_FLIGHT").unwrap_or(16);
    let jobs = [(what, job.clone()), (what, job)];
    let r = run::compare(what, &jobs, profile_calls(), in_flight, 1).await;
    eprintln!("{:?}", r.map(|m| m[0].rps));
}

/// What each of reqwest's per-request layers costs at 16 in flight, from
/// raw hyper up to the settings the clients use.
async fn probe() {
    let server = server::start().await.expect("a server");
    server::pin_to_core(1);
    let mut jobs: Jobs = Clients::new(&server.base).small();
    for (name, client) in RawHyper::variants(&server.base) {
        let client = Arc::new(client);
        jobs.push((
            name,
            with(&client, |y| async move { y.get::<User>("/users/42").await }),
        ));
    }
    for (name, client) in HandWritten::reqwest_variants(&server.base) {
        let client = Arc::new(client);
        jobs.push((
            name,
            with(&client, |c| async move { c.user_untimed().await }),
        ));
    }
    match run::compare("probe", &jobs, CONCURRENT, 16, 7).await {
        Ok(measured) => {
            for m in measured {
                eprintln!(
                    "{:<40} {:>8.0} req/s  {:>5.1} µs CPU/call  vs hand-written {:.3}",
                    m.client,
                    m.rps,
                    m.cpu_us.unwrap_or(0.0),
                    m.paired.unwrap_or(0.0)
                );
            }
        }
        Err(e) => eprintln!("probe failed: {e}"),
    }
}

/// Times `f` (µs per call, after a warm-up).
fn time(label: &str, f: &dyn Fn()) {
    for _ in 0..50 {
        f();
    }
    let n = 500;
    let t = std::time::Instant::now();
    for _ in 0..n {
        f();
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    eprintln!("{label}: {us:.1} µs");
}

/// Decode and validation timings, and the sizes of one call's future.
fn micro() {
    let (_, many) = server::payloads();
    time("decode Vec<User>", &|| {
        std::hint::black_box(serde_json::from_slice::<Vec<User>>(&many).unwrap());
    });
    time("decode Vec<CheckedUser>", &|| {
        std::hint::black_box(serde_json::from_slice::<Vec<clients::CheckedUser>>(&many).unwrap());
    });
    let users: Vec<clients::CheckedUser> = serde_json::from_slice(&many).unwrap();
    let g = clients::generated("http://127.0.0.1:1");
    let h = HandWritten::new("http://127.0.0.1:1");
    eprintln!(
        "future sizes: generated {} B, hand-written {} B",
        std::mem::size_of_val(&Bench::user(&g)),
        std::mem::size_of_val(&h.user())
    );
    time("validate Vec<CheckedUser>", &|| {
        garde::Validate::validate(std::hint::black_box(&users)).unwrap();
    });
}

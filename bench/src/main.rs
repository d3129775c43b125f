//! The benchmark harness of api-client.
//!
//! ```text
//! cargo run --release -p api-client-bench -- http      # clients against a local server
//! cargo run --release -p api-client-bench -- compile   # expansion and build time, 100 methods
//! cargo run --release -p api-client-bench -- all       # both
//! cargo run --release -p api-client-bench -- http --runs 5   # medians of 5 runs
//! cargo run --release -p api-client-bench -- hello           # clean builds: hello client vs reqwest
//! cargo run --release -p api-client-bench -- tls       # TLS backends' clean build cost (slow)
//! cargo run --release -p api-client-bench -- limits    # cost of a rate limit and a breaker per call
//! cargo run --release -p api-client-bench -- pages     # a walk of 100 pages against 100 plain calls
//! cargo run --release -p api-client-bench -- micro     # decode/validate timings, future sizes
//! perf record -e cpu-clock -g -- target/release/api-client-bench profile-generated   # or profile-hand
//! ```
//!
//! `micro` and `profile-*` are diagnostics: their figures are not reported.
//!
//! Results are printed and written to `target/bench/report.md` and
//! `docs/benchmarks.svg`; `BENCHMARKS.md` records them with the machine.

mod blocking;
mod clients;
mod compile;
mod limits;
mod openapi;
mod pages;
mod report;
mod run;
mod server;

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use run::{Job, Measured};

pub(crate) fn job<F, Fut, T, E>(f: F) -> Job
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    E: Display,
{
    Arc::new(move || {
        let fut = f();
        Box::pin(async move { fut.await.map(|_| ()).map_err(|e| e.to_string()) })
    })
}

/// How many calls per round, for the scenarios; rounds per scenario.
const SMALL: usize = 1_000;
const LARGE: usize = 400;
pub(crate) const CONCURRENT: usize = 6_400;
const ROUNDS: usize = 25;

/// The HTTP scenarios; `only_concurrent`: just the 16-in-flight one.
async fn http(base: &str, only_concurrent: bool) -> Result<Vec<Measured>, String> {
    let generated = Arc::new(clients::generated(base));
    let hand = Arc::new(clients::HandWritten::new(base));
    let hyper = Arc::new(clients::RawHyper::new(base));
    let user = serde_json::from_value::<clients::User>(server::user_json(42))
        .map_err(|e| e.to_string())?;
    let user = Arc::new(user);
    let mut all = Vec::new();

    macro_rules! trio {
        ($gen:expr, $hand:expr, $hyper:expr) => {{
            let (g, h, y) = (generated.clone(), hand.clone(), hyper.clone());
            let _ = (&g, &h, &y);
            vec![
                (
                    "generated",
                    job(move || {
                        let g = g.clone();
                        async move { $gen(g).await }
                    }),
                ),
                (
                    "hand-written reqwest",
                    job(move || {
                        let h = h.clone();
                        async move { $hand(h).await }
                    }),
                ),
                (
                    "raw hyper",
                    job(move || {
                        let y = y.clone();
                        async move { $hyper(y).await }
                    }),
                ),
            ]
        }};
    }

    let small = trio!(
        |g: Arc<clients::BenchClient>| async move { clients::Bench::user(&*g).await },
        |h: Arc<clients::HandWritten>| async move { h.user().await },
        |y: Arc<clients::RawHyper>| async move { y.get::<clients::User>("/users/42").await }
    );
    if !only_concurrent {
        eprintln!("GET small, sequential…");
        all.extend(run::compare("GET 400 B, sequential", &small, SMALL, 1, ROUNDS).await?);
    }
    eprintln!("GET small, 16 in flight…");
    let mut concurrent = small;
    let untimed = Arc::new(clients::HandWritten::without_timeouts(base));
    let per_task = Arc::new(clients::ConnPerTask::new(base));
    concurrent.push((
        "hyper, a connection per task",
        job(move || {
            let c = per_task.clone();
            async move { c.get::<clients::User>("/users/42").await }
        }),
    ));
    concurrent.push((
        "reqwest, no timeouts (diagnostic)",
        job(move || {
            let u = untimed.clone();
            async move { u.user_untimed().await }
        }),
    ));
    all.extend(
        run::compare(
            "GET 400 B, 16 in flight",
            &concurrent,
            CONCURRENT,
            16,
            ROUNDS,
        )
        .await?,
    );
    if only_concurrent {
        return Ok(all);
    }
    let small: Vec<_> = concurrent.into_iter().take(3).collect();
    let _ = &small;

    let large = trio!(
        |g: Arc<clients::BenchClient>| async move { clients::Bench::users(&*g).await },
        |h: Arc<clients::HandWritten>| async move { h.users().await },
        |y: Arc<clients::RawHyper>| async move { y.get::<Vec<clients::User>>("/users").await }
    );
    eprintln!("GET 30 KB, sequential…");
    all.extend(run::compare("GET 30 KB, sequential", &large, LARGE, 1, ROUNDS).await?);

    let u = user.clone();
    let (g, h, y) = (generated.clone(), hand.clone(), hyper.clone());
    let (u1, u2, u3) = (u.clone(), u.clone(), u);
    let post = vec![
        (
            "generated",
            job(move || {
                let (g, u) = (g.clone(), u1.clone());
                async move { clients::Bench::echo(&*g, &u).await }
            }),
        ),
        (
            "hand-written reqwest",
            job(move || {
                let (h, u) = (h.clone(), u2.clone());
                async move { h.echo(&u).await }
            }),
        ),
        (
            "raw hyper",
            job(move || {
                let (y, u) = (y.clone(), u3.clone());
                async move { y.echo(&u).await }
            }),
        ),
    ];
    eprintln!("POST JSON, sequential…");
    all.extend(run::compare("POST 400 B JSON, sequential", &post, SMALL, 1, ROUNDS).await?);

    let (g, h) = (generated.clone(), hand.clone());
    let (g2, h2) = (generated.clone(), hand.clone());
    let checked = vec![
        (
            "generated",
            job(move || {
                let g = g.clone();
                async move { clients::Bench::users_checked(&*g).await }
            }),
        ),
        (
            "hand-written reqwest",
            job(move || {
                let h = h.clone();
                async move { h.users_checked().await }
            }),
        ),
        (
            "generated, no validation",
            job(move || {
                let g = g2.clone();
                async move { clients::Bench::users(&*g).await }
            }),
        ),
        (
            "hand-written, no validation",
            job(move || {
                let h = h2.clone();
                async move { h.users().await }
            }),
        ),
    ];
    eprintln!("GET 30 KB with validation…");
    all.extend(
        run::compare(
            "GET 30 KB + validation, sequential",
            &checked,
            LARGE,
            1,
            ROUNDS,
        )
        .await?,
    );

    eprintln!("blocking clients…");
    let base_owned = base.to_owned();
    // On a plain thread, as a script or a CLI calls a blocking client (in
    // a runtime's context, a blocking call hands off to a runtime).
    all.extend(blocking::on_plain_thread(base_owned).await?);
    Ok(all)
}

/// Python requests and httpx, when Python and the packages are there.
fn python(base: &str) -> Vec<Measured> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/bench.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(base)
        .output();
    let Ok(output) = output else {
        eprintln!("python3 not found: no Python figures");
        return Vec::new();
    };
    if !output.status.success() {
        eprintln!(
            "the Python benchmark did not run: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return Vec::new();
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| Measured {
            client: v["client"].as_str().unwrap_or("?").to_owned(),
            scenario: v["scenario"].as_str().unwrap_or("?").to_owned(),
            rps: v["rps"].as_f64().unwrap_or(0.0),
            paired: None,
            paired_range: None,
            mean_us: v["mean_us"].as_f64().unwrap_or(0.0),
            p50_us: v["p50_us"].as_f64().unwrap_or(0.0),
            p99_us: v["p99_us"].as_f64().unwrap_or(0.0),
            cpu_us: None,
            cpu_added_us: None,
        })
        .collect()
}

/// `--runs N`: how many times to run the HTTP part (1 to 20).
fn runs_arg() -> usize {
    std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 20)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let mut sections = Vec::new();
    // Compile first: the HTTP part pins this process (and so its children)
    // to one core.
    if what == "compile" || what == "all" {
        match compile::measure() {
            Ok(section) => sections.push(section),
            Err(e) => {
                eprintln!("compile-time measurement failed: {e}");
                std::process::exit(1);
            }
        }
    }
    // `API_BENCH_CALLS=N`: how many calls a profile makes (callgrind
    // counts instructions of a run of N calls, and of 2N).
    let profile_calls = std::env::var("API_BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48_000);
    if what == "profile-blocking" {
        // `profile-blocking generated|shared|reqwest|ureq`
        let which = std::env::args()
            .nth(2)
            .unwrap_or_else(|| "generated".into());
        let server = server::start().await.expect("a server");
        server::pin_to_core(1);
        let base = server.base.clone();
        let done =
            tokio::task::spawn_blocking(move || blocking::profile(base, which, profile_calls))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r);
        eprintln!("{done:?}");
        return;
    }
    if what.starts_with("profile-") {
        // For `perf record`: one client, 16 in flight, a fixed number of calls.
        let server = server::start().await.expect("a server");
        server::pin_to_core(1);
        let generated = Arc::new(clients::generated(&server.base));
        let hand = Arc::new(clients::HandWritten::new(&server.base));
        let hyper = Arc::new(clients::RawHyper::new(&server.base));
        let per_task = Arc::new(clients::ConnPerTask::new(&server.base));
        let job = if what == "profile-per-task" {
            job(move || {
                let c = per_task.clone();
                async move { c.get::<clients::User>("/users/42").await }
            })
        } else if what == "profile-hyper" {
            job(move || {
                let y = hyper.clone();
                async move { y.get::<clients::User>("/users/42").await }
            })
        } else if what == "profile-generated" {
            job(move || {
                let g = generated.clone();
                async move { clients::Bench::user(&*g).await }
            })
        } else {
            job(move || {
                let h = hand.clone();
                async move { h.user().await }
            })
        };
        let r = run::compare(
            &what,
            &[(what.as_str(), job.clone()), (what.as_str(), job)],
            profile_calls,
            // `API_BENCH_IN_FLIGHT=1` profiles sequential calls.
            std::env::var("API_BENCH_IN_FLIGHT")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(16),
            1,
        )
        .await;
        eprintln!("{:?}", r.map(|m| m[0].rps));
        return;
    }
    if what == "probe" {
        // Diagnostic: what each of reqwest's per-request layers costs at 16
        // in flight, from raw hyper up to the settings the clients use.
        let server = server::start().await.expect("a server");
        server::pin_to_core(1);
        let variants = clients::HandWritten::reqwest_variants(&server.base);
        let hyper = Arc::new(clients::RawHyper::new(&server.base));
        let generated = Arc::new(clients::generated(&server.base));
        let hand = Arc::new(clients::HandWritten::new(&server.base));
        let mut jobs: Vec<(&str, run::Job)> = vec![
            (
                "generated",
                job(move || {
                    let g = generated.clone();
                    async move { clients::Bench::user(&*g).await }
                }),
            ),
            (
                "hand-written reqwest",
                job(move || {
                    let h = hand.clone();
                    async move { h.user().await }
                }),
            ),
            (
                "raw hyper",
                job(move || {
                    let y = hyper.clone();
                    async move { y.get::<clients::User>("/users/42").await }
                }),
            ),
        ];
        for (name, client) in clients::RawHyper::variants(&server.base) {
            let client = Arc::new(client);
            jobs.push((
                name,
                job(move || {
                    let y = client.clone();
                    async move { y.get::<clients::User>("/users/42").await }
                }),
            ));
        }
        for (name, client) in variants {
            let client = Arc::new(client);
            jobs.push((
                name,
                job(move || {
                    let c = client.clone();
                    async move { c.user_untimed().await }
                }),
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
        return;
    }
    if what == "limits" {
        let server = server::start().await.expect("a server");
        server::pin_to_core(1);
        eprintln!("server: {} at {}", server.kind, server.base);
        match limits::measure(&server.base, ROUNDS).await {
            Ok(measured) => sections.push(format!(
                "## Limits: added cost per call\n\n{}",
                limits::report(&measured)
            )),
            Err(e) => {
                eprintln!("a benchmark call failed: {e}");
                std::process::exit(1);
            }
        }
    }
    if what == "pages" {
        let server = server::start().await.expect("a server");
        server::pin_to_core(1);
        eprintln!("server: {} at {}", server.kind, server.base);
        match pages::measure(&server.base, ROUNDS).await {
            Ok(measured) => sections.push(format!(
                "## Pagination: a walk of 100 pages against 100 plain calls\n\n{}",
                pages::report(&measured)
            )),
            Err(e) => {
                eprintln!("a benchmark call failed: {e}");
                std::process::exit(1);
            }
        }
    }
    if what == "micro" {
        let (_, many) = server::payloads();
        let time = |label: &str, f: &dyn Fn()| {
            for _ in 0..50 {
                f();
            }
            let n = 500;
            let t = std::time::Instant::now();
            for _ in 0..n {
                f();
            }
            eprintln!(
                "{label}: {:.1} µs",
                t.elapsed().as_secs_f64() * 1e6 / n as f64
            );
        };
        time("decode Vec<User>", &|| {
            std::hint::black_box(serde_json::from_slice::<Vec<clients::User>>(&many).unwrap());
        });
        time("decode Vec<CheckedUser>", &|| {
            std::hint::black_box(
                serde_json::from_slice::<Vec<clients::CheckedUser>>(&many).unwrap(),
            );
        });
        let users: Vec<clients::CheckedUser> = serde_json::from_slice(&many).unwrap();
        let g = clients::generated("http://127.0.0.1:1");
        let h = clients::HandWritten::new("http://127.0.0.1:1");
        eprintln!(
            "future sizes: generated {} B, hand-written {} B",
            std::mem::size_of_val(&clients::Bench::user(&g)),
            std::mem::size_of_val(&h.user())
        );
        time("validate Vec<CheckedUser>", &|| {
            garde::Validate::validate(std::hint::black_box(&users)).unwrap();
        });
        return;
    }
    if what == "blocking" {
        // The blocking scenarios alone, `--runs N` times.
        let server = server::start().await.expect("a server");
        eprintln!("server: {} at {}", server.kind, server.base);
        // `--unpinned`: the clients on both cores, as most machines run.
        if !std::env::args().any(|a| a == "--unpinned") {
            server::pin_to_core(1);
        }
        let mut all_runs = Vec::new();
        for run in 1..=runs_arg() {
            eprintln!("run {run}");
            match blocking::on_plain_thread(server.base.clone()).await {
                Ok(results) => all_runs.push(results),
                Err(e) => {
                    eprintln!("a benchmark call failed: {e}");
                    std::process::exit(1);
                }
            }
        }
        let results = run::across_runs(&all_runs);
        sections.push(report::http(&server.kind, all_runs.len(), &results));
    }
    if what == "http" || what == "all" || what == "concurrent" {
        let server = match server::start().await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("cannot start a server: {e}");
                std::process::exit(1);
            }
        };
        eprintln!("server: {} at {}", server.kind, server.base);
        if server::pin_to_core(1) {
            eprintln!("pinned: server on CPU 0, clients on CPU 1");
        }
        // `--runs N`: the whole HTTP part N times, figures the median run.
        let runs = runs_arg();
        let mut all_runs = Vec::new();
        for run in 1..=runs {
            eprintln!("run {run} of {runs}");
            let mut results = match http(&server.base, what == "concurrent").await {
                Ok(results) => results,
                Err(e) => {
                    eprintln!("a benchmark call failed: {e}");
                    std::process::exit(1);
                }
            };
            if what != "concurrent" {
                eprintln!("Python…");
                results.extend(python(&server.base));
            }
            all_runs.push(results);
        }
        let results = run::across_runs(&all_runs);
        sections.push(report::http(&server.kind, runs, &results));
        if what != "concurrent" {
            report::svg(&results);
        }
    }
    if what == "hello" {
        match compile::hello() {
            Ok(section) => sections.push(section),
            Err(e) => {
                eprintln!("hello measurement failed: {e}");
                std::process::exit(1);
            }
        }
    }
    if what == "openapi" {
        match openapi::measure(runs_arg()) {
            Ok(section) => sections.push(section),
            Err(e) => {
                eprintln!("OpenAPI measurement failed: {e}");
                std::process::exit(1);
            }
        }
    }
    if what == "tls" {
        match compile::tls() {
            Ok(section) => sections.push(section),
            Err(e) => {
                eprintln!("TLS measurement failed: {e}");
                std::process::exit(1);
            }
        }
    }
    if sections.is_empty() {
        eprintln!(
            "usage: api-client-bench [http|concurrent|blocking|compile|hello|tls|openapi|limits|all|micro|profile-generated|profile-hand]"
        );
        std::process::exit(2);
    }
    let text = sections.join("\n");
    println!("{text}");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench");
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(format!("{dir}/report.md"), &text);
}

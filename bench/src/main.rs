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
//! cargo run --release -p api-client-bench -- events    # event streams: events/s against reqwest + eventsource-stream, memory
//! cargo run --release -p api-client-bench -- https     # HTTPS h1/h2: first call, pooled calls, memory per client
//! perf record -e cpu-clock -g -- target/release/api-client-bench profile-generated   # or profile-hand, -hyper, -per-task
//! ```
//!
//! `micro` and `profile-*` are diagnostics: their figures are not reported.
//!
//! Results are printed and written to `target/bench/report.md` and
//! `docs/benchmarks.svg`; `BENCHMARKS.md` records them with the machine.

mod blocking;
mod clients;
mod compile;
mod diagnostics;
mod events;
mod https;
mod limits;
mod openapi;
mod pages;
mod report;
mod run;
mod scenarios;
mod server;
mod tls_server;

use run::ROUNDS;

const USAGE: &str = "usage: api-client-bench [http|concurrent|blocking|compile|hello|tls|openapi|limits|pages|events|https|all|micro|probe|profile-generated|profile-hand|profile-hyper|profile-per-task|profile-blocking]";

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
    if diagnostics::run(&what).await {
        return;
    }
    let sections = match sections(&what).await {
        Ok(sections) => sections,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if sections.is_empty() {
        eprintln!("{USAGE}");
        std::process::exit(2);
    }
    let text = sections.join("\n");
    println!("{text}");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench");
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(format!("{dir}/report.md"), &text);
}

/// The report's sections for the command `what`; none for an unknown one.
async fn sections(what: &str) -> Result<Vec<String>, String> {
    let mut sections = Vec::new();
    // Compile first: the HTTP part pins this process (and so its children)
    // to one core.
    if what == "compile" || what == "all" {
        let section = compile::measure();
        sections.push(section.map_err(|e| format!("compile-time measurement failed: {e}"))?);
    }
    let section = match what {
        "limits" => Some(limits().await?),
        "pages" => Some(pages().await?),
        "blocking" => Some(blocking().await?),
        "http" | "all" | "concurrent" => Some(http(what).await?),
        "hello" => Some(compile::hello().map_err(|e| format!("hello measurement failed: {e}"))?),
        "openapi" => Some(
            openapi::measure(runs_arg()).map_err(|e| format!("OpenAPI measurement failed: {e}"))?,
        ),
        "tls" => Some(compile::tls().map_err(|e| format!("TLS measurement failed: {e}"))?),
        "events" => Some(events::measure().await.map_err(failed)?),
        "https" => Some(https::measure().await.map_err(failed)?),
        _ => None,
    };
    sections.extend(section);
    Ok(sections)
}

/// A local server, the clients pinned to the second core.
async fn pinned_server() -> Result<server::Server, String> {
    let server = server::start()
        .await
        .map_err(|e| format!("cannot start a server: {e}"))?;
    eprintln!("server: {} at {}", server.kind, server.base);
    if server::pin_to_core(1) {
        eprintln!("pinned: server on CPU 0, clients on CPU 1");
    }
    Ok(server)
}

fn failed(e: String) -> String {
    format!("a benchmark call failed: {e}")
}

async fn limits() -> Result<String, String> {
    let server = pinned_server().await?;
    let measured = limits::measure(&server.base, ROUNDS)
        .await
        .map_err(failed)?;
    let table = limits::report(&measured);
    Ok(format!("## Limits: added cost per call\n\n{table}"))
}

async fn pages() -> Result<String, String> {
    let server = pinned_server().await?;
    let measured = pages::measure(&server.base, ROUNDS).await.map_err(failed)?;
    let table = pages::report(&measured);
    Ok(format!(
        "## Pagination: a walk of 100 pages against 100 plain calls\n\n{table}"
    ))
}

/// The blocking scenarios alone, `--runs N` times; `--unpinned`: the
/// clients on both cores, as most machines run.
async fn blocking() -> Result<String, String> {
    let server = if std::env::args().any(|a| a == "--unpinned") {
        server::start()
            .await
            .map_err(|e| format!("cannot start a server: {e}"))?
    } else {
        pinned_server().await?
    };
    let mut all_runs = Vec::new();
    for run in 1..=runs_arg() {
        eprintln!("run {run}");
        all_runs.push(
            blocking::on_plain_thread(server.base.clone())
                .await
                .map_err(failed)?,
        );
    }
    let results = run::across_runs(&all_runs);
    Ok(report::http(&server.kind, all_runs.len(), &results))
}

/// The HTTP scenarios `--runs N` times, figures from the median run;
/// `concurrent`: the 16-in-flight scenario alone, without Python.
async fn http(what: &str) -> Result<String, String> {
    let server = pinned_server().await?;
    let only_concurrent = what == "concurrent";
    let runs = runs_arg();
    let mut all_runs = Vec::new();
    for run in 1..=runs {
        eprintln!("run {run} of {runs}");
        let mut results = scenarios::http(&server.base, only_concurrent)
            .await
            .map_err(failed)?;
        if !only_concurrent {
            eprintln!("Python…");
            results.extend(scenarios::python(&server.base));
        }
        all_runs.push(results);
    }
    let results = run::across_runs(&all_runs);
    if !only_concurrent {
        report::svg(&results);
    }
    Ok(report::http(&server.kind, runs, &results))
}

//! `pages`: what walking a paginated list costs against calling the plain
//! endpoint as many times: 100 pages of 100 users chained by `Link`
//! headers (`Pages<User>`), against 100 calls of `GET /users` (the same
//! 30 KB body), one after the other, in interleaved rounds.

use std::sync::Arc;

use crate::clients::{self, Bench, BenchClient};
use crate::run::{self, Job, Measured};
use crate::server::PAGES;

/// Walks per round (each `PAGES` requests).
const WALKS: usize = 20;

/// One walk of every page, every item taken.
fn walk(client: Arc<BenchClient>) -> Job {
    crate::run::job(move || {
        let client = client.clone();
        async move {
            let mut pages = client.pages();
            let mut items = 0;
            while let Some(user) = pages.next().await {
                user.map_err(|e| e.to_string())?;
                items += 1;
            }
            if items == PAGES * 100 {
                Ok(())
            } else {
                Err(format!("the walk gave {items} items"))
            }
        }
    })
}

/// One walk, page by page ([`Pages::pages`](api_client::Pages::pages)).
fn walk_pages(client: Arc<BenchClient>) -> Job {
    crate::run::job(move || {
        let client = client.clone();
        async move {
            let mut pages = client.pages().pages();
            let mut items = 0;
            while let Some(page) = pages.next_page().await {
                items += page.map_err(|e| e.to_string())?.items().len();
            }
            if items == PAGES * 100 {
                Ok(())
            } else {
                Err(format!("the walk gave {items} items"))
            }
        }
    })
}

/// `PAGES` calls of the plain endpoint, one after the other; with `take`,
/// each item is taken from the list as a walk's consumer takes it.
fn calls(client: Arc<BenchClient>, take: bool) -> Job {
    crate::run::job(move || {
        let client = client.clone();
        async move {
            for _ in 0..PAGES {
                let users = Bench::users(&*client).await.map_err(|e| e.to_string())?;
                if take {
                    for user in users {
                        std::hint::black_box(user);
                    }
                }
            }
            Ok::<_, String>(())
        }
    })
}

/// Runs the comparison: `rounds` interleaved rounds of `WALKS` walks
/// (and as many series of plain calls), sequential and 4 at a time.
pub async fn measure(base: &str, rounds: usize) -> Result<Vec<Measured>, String> {
    let client = Arc::new(clients::generated(base));
    // The reference is second: paired figures are against it.
    let jobs = [
        ("walk of 100 pages, item by item", walk(client.clone())),
        ("100 plain calls", calls(client.clone(), false)),
        (
            "walk of 100 pages, page by page",
            walk_pages(client.clone()),
        ),
        (
            "100 plain calls, each item taken",
            calls(client.clone(), true),
        ),
    ];
    // Diagnostic, for `perf`: `API_BENCH_PAGES_ONLY=0` (or 1, 2, 3) runs
    // that job alone, 4 at a time.
    if let Some(only) = std::env::var("API_BENCH_PAGES_ONLY")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let job = jobs.get(only).ok_or("no such job")?.clone();
        let walks = std::env::var("API_BENCH_PAGES_WALKS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(WALKS * 4);
        return run::compare("alone", &[job], walks, 4, 1).await;
    }
    let mut out = Vec::new();
    for (scenario, in_flight) in [("one at a time", 1), ("4 at a time", 4)] {
        out.extend(run::compare(scenario, &jobs, WALKS * in_flight, in_flight, rounds).await?);
    }
    Ok(out)
}

/// The report: walks (or series) per second, the walk's throughput paired
/// with the plain calls' in the same round, and CPU per page.
pub fn report(measured: &[Measured]) -> String {
    let mut out = String::from(
        "| scenario | client (generated) | pages/s | paired vs plain calls | CPU µs per page |\n|---|---|---:|---:|---:|\n",
    );
    for m in measured {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.3} | {:.1} |\n",
            m.scenario,
            m.client,
            m.rps * PAGES as f64,
            m.paired.unwrap_or(1.0),
            m.cpu_us.unwrap_or(0.0) / PAGES as f64,
        ));
    }
    out
}

//! The blocking clients, sequential, on a plain thread as a script or a
//! CLI calls them: generated, reqwest's, ureq, and the generated client
//! through the shared runtime (what every blocking call did before issue
//! 18, and still does inside a runtime's context).

use std::fmt::Display;
use std::sync::Arc;

use crate::clients;
use crate::run::{self, BlockingJob, Measured};
use crate::run::{LARGE, ROUNDS, SMALL};

/// A blocking call as the harness runs it.
fn blocking_job<F, T, E>(f: F) -> BlockingJob
where
    F: Fn() -> Result<T, E> + Send + Sync + 'static,
    E: Display,
{
    Arc::new(move || f().map(|_| ()).map_err(|e| e.to_string()))
}

/// [`scenarios`] on a new plain thread.
pub async fn on_plain_thread(base: String) -> Result<Vec<Measured>, String> {
    tokio::task::spawn_blocking(move || {
        std::thread::spawn(move || scenarios(base))
            .join()
            .map_err(|_| "the blocking scenarios panicked".to_owned())
    })
    .await
    .map_err(|e| e.to_string())??
}

/// The blocking clients, sequential: generated, reqwest's, ureq.
fn scenarios(base: String) -> Result<Vec<Measured>, String> {
    let g = Arc::new(clients::generated_blocking(&base));
    let h = Arc::new(clients::HandWrittenBlocking::new(&base));
    let u = Arc::new(clients::Ureq::new(&base));
    let (g1, h1, u1, g2, h2, u2) = (g.clone(), h.clone(), u.clone(), g.clone(), h, u);
    let (g3, g4) = (g.clone(), g);
    let small: Vec<(&str, BlockingJob)> = vec![
        (
            "generated blocking",
            blocking_job(move || clients::BenchBlocking::user(&*g1)),
        ),
        (
            "reqwest blocking",
            blocking_job(move || h1.get::<clients::User>("/users/42")),
        ),
        (
            "ureq",
            blocking_job(move || u1.get::<clients::User>("/users/42")),
        ),
        (
            "generated blocking, via the shared runtime (before issue 18)",
            via_shared_runtime(g3, clients::BenchBlocking::user)?,
        ),
    ];
    let large: Vec<(&str, BlockingJob)> = vec![
        (
            "generated blocking",
            blocking_job(move || clients::BenchBlocking::users(&*g2)),
        ),
        (
            "reqwest blocking",
            blocking_job(move || h2.get::<Vec<clients::User>>("/users")),
        ),
        (
            "ureq",
            blocking_job(move || u2.get::<Vec<clients::User>>("/users")),
        ),
        (
            "generated blocking, via the shared runtime (before issue 18)",
            via_shared_runtime(g4, clients::BenchBlocking::users)?,
        ),
    ];
    let mut out = run::compare_blocking("blocking GET 400 B, sequential", &small, SMALL, ROUNDS)?;
    out.extend(run::compare_blocking(
        "blocking GET 30 KB, sequential",
        &large,
        LARGE,
        ROUNDS,
    )?);
    Ok(out)
}

/// A call of the generated blocking client made where a runtime's context
/// is entered, so that it runs on the shared runtime, handed off and back:
/// what every blocking call did before issue 18.
fn via_shared_runtime<T: 'static>(
    client: Arc<clients::BenchBlockingClient>,
    call: fn(&clients::BenchBlockingClient) -> api_client::Result<T>,
) -> Result<BlockingJob, String> {
    let context = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    Ok(blocking_job(move || {
        let _entered = context.handle().enter();
        call(&client)
    }))
}

/// For `perf` and callgrind: `calls` sequential small GETs of one blocking
/// client (`generated`, `shared`, `reqwest` or `ureq`) on a plain thread.
pub fn profile(base: String, which: String, calls: usize) -> Result<(), String> {
    let job: BlockingJob = match which.as_str() {
        "generated" => {
            let g = clients::generated_blocking(&base);
            blocking_job(move || clients::BenchBlocking::user(&g))
        }
        "shared" => via_shared_runtime(Arc::new(clients::generated_blocking(&base)), |g| {
            clients::BenchBlocking::user(g)
        })?,
        "reqwest" => {
            let h = clients::HandWrittenBlocking::new(&base);
            blocking_job(move || h.get::<clients::User>("/users/42"))
        }
        "ureq" => {
            let u = clients::Ureq::new(&base);
            blocking_job(move || u.get::<clients::User>("/users/42"))
        }
        other => return Err(format!("no blocking client {other:?}")),
    };
    std::thread::spawn(move || (0..calls).try_for_each(|_| job()))
        .join()
        .map_err(|_| "the calls panicked".to_owned())?
}

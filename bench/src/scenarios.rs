//! The HTTP scenarios: the same calls made by the generated client, a
//! hand-written reqwest client and raw hyper, compared round by round.

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use crate::clients::{self, Bench, BenchClient, ConnPerTask, HandWritten, RawHyper, User};
use crate::run::{self, CONCURRENT, Job, LARGE, Measured, ROUNDS, SMALL, job};

/// A scenario's clients, each with the job that makes its call.
pub(crate) type Jobs = Vec<(&'static str, Job)>;

/// A job calling `f` with a shared client.
pub(crate) fn with<C, F, Fut, T, E>(client: &Arc<C>, f: F) -> Job
where
    C: Send + Sync + 'static,
    F: Fn(Arc<C>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    E: Display,
{
    let client = client.clone();
    job(move || f(client.clone()))
}

/// The clients every scenario compares, against one server.
pub(crate) struct Clients {
    pub(crate) base: String,
    pub(crate) generated: Arc<BenchClient>,
    pub(crate) hand: Arc<HandWritten>,
    pub(crate) hyper: Arc<RawHyper>,
}

impl Clients {
    pub(crate) fn new(base: &str) -> Clients {
        Clients {
            base: base.to_owned(),
            generated: Arc::new(clients::generated(base)),
            hand: Arc::new(HandWritten::new(base)),
            hyper: Arc::new(RawHyper::new(base)),
        }
    }

    /// `GET /users/42`: a 400-byte JSON object.
    pub(crate) fn small(&self) -> Jobs {
        vec![
            (
                "generated",
                with(&self.generated, |g| async move { Bench::user(&*g).await }),
            ),
            (
                "hand-written reqwest",
                with(&self.hand, |h| async move { h.user().await }),
            ),
            (
                "raw hyper",
                with(
                    &self.hyper,
                    |y| async move { y.get::<User>("/users/42").await },
                ),
            ),
        ]
    }

    /// `small`, and two diagnostics: a connection per task, reqwest
    /// without its timeouts.
    fn concurrent(&self) -> Jobs {
        let mut jobs = self.small();
        let per_task = Arc::new(ConnPerTask::new(&self.base));
        let untimed = Arc::new(HandWritten::without_timeouts(&self.base));
        jobs.push((
            "hyper, a connection per task",
            with(
                &per_task,
                |c| async move { c.get::<User>("/users/42").await },
            ),
        ));
        jobs.push((
            "reqwest, no timeouts (diagnostic)",
            with(&untimed, |u| async move { u.user_untimed().await }),
        ));
        jobs
    }

    /// `GET /users`: a 30 KB JSON array.
    fn large(&self) -> Jobs {
        vec![
            (
                "generated",
                with(&self.generated, |g| async move { Bench::users(&*g).await }),
            ),
            (
                "hand-written reqwest",
                with(&self.hand, |h| async move { h.users().await }),
            ),
            (
                "raw hyper",
                with(&self.hyper, |y| async move {
                    y.get::<Vec<User>>("/users").await
                }),
            ),
        ]
    }

    /// `POST /echo` with a 400-byte JSON body.
    fn post(&self, user: &Arc<User>) -> Jobs {
        let (u1, u2, u3) = (user.clone(), user.clone(), user.clone());
        vec![
            (
                "generated",
                with(&self.generated, move |g| {
                    let u = u1.clone();
                    async move { Bench::echo(&*g, &u).await }
                }),
            ),
            (
                "hand-written reqwest",
                with(&self.hand, move |h| {
                    let u = u2.clone();
                    async move { h.echo(&u).await }
                }),
            ),
            (
                "raw hyper",
                with(&self.hyper, move |y| {
                    let u = u3.clone();
                    async move { y.echo(&u).await }
                }),
            ),
        ]
    }

    /// `GET /users` decoded into validated models, and without validation.
    fn checked(&self) -> Jobs {
        vec![
            (
                "generated",
                with(&self.generated, |g| async move {
                    Bench::users_checked(&*g).await
                }),
            ),
            (
                "hand-written reqwest",
                with(&self.hand, |h| async move { h.users_checked().await }),
            ),
            (
                "generated, no validation",
                with(&self.generated, |g| async move { Bench::users(&*g).await }),
            ),
            (
                "hand-written, no validation",
                with(&self.hand, |h| async move { h.users().await }),
            ),
        ]
    }
}

/// Every HTTP scenario once; `only_concurrent`: just the 16-in-flight one.
pub(crate) async fn http(base: &str, only_concurrent: bool) -> Result<Vec<Measured>, String> {
    let clients = Clients::new(base);
    let mut all = Vec::new();
    if !only_concurrent {
        eprintln!("GET small, sequential…");
        let small = clients.small();
        all.extend(run::compare("GET 400 B, sequential", &small, SMALL, 1, ROUNDS).await?);
    }
    eprintln!("GET small, 16 in flight…");
    let concurrent = clients.concurrent();
    let name = "GET 400 B, 16 in flight";
    all.extend(run::compare(name, &concurrent, CONCURRENT, 16, ROUNDS).await?);
    if !only_concurrent {
        all.extend(bodies(&clients).await?);
    }
    Ok(all)
}

/// The scenarios with larger bodies, validation, and the blocking clients.
async fn bodies(clients: &Clients) -> Result<Vec<Measured>, String> {
    let mut all = Vec::new();
    eprintln!("GET 30 KB, sequential…");
    let large = clients.large();
    all.extend(run::compare("GET 30 KB, sequential", &large, LARGE, 1, ROUNDS).await?);

    eprintln!("POST JSON, sequential…");
    let user =
        serde_json::from_value::<User>(crate::server::user_json(42)).map_err(|e| e.to_string())?;
    let post = clients.post(&Arc::new(user));
    let name = "POST 400 B JSON, sequential";
    all.extend(run::compare(name, &post, SMALL, 1, ROUNDS).await?);

    eprintln!("GET 30 KB with validation…");
    let checked = clients.checked();
    let name = "GET 30 KB + validation, sequential";
    all.extend(run::compare(name, &checked, LARGE, 1, ROUNDS).await?);

    eprintln!("blocking clients…");
    // On a plain thread, as a script or a CLI calls a blocking client (in
    // a runtime's context, a blocking call hands off to a runtime).
    all.extend(crate::blocking::on_plain_thread(clients.base.clone()).await?);
    Ok(all)
}

/// Python requests and httpx, when Python and the packages are there.
pub(crate) fn python(base: &str) -> Vec<Measured> {
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
        .map(|v| python_figures(&v))
        .collect()
}

/// One line of the Python benchmark's output.
fn python_figures(v: &serde_json::Value) -> Measured {
    Measured {
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
    }
}

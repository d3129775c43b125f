//! Measuring: bounded loops of calls, rounds alternating between clients to
//! cancel drift, latencies in an HDR histogram.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// How many calls per round, for the scenarios; rounds per scenario.
pub const SMALL: usize = 1_000;
pub const LARGE: usize = 400;
pub const CONCURRENT: usize = 6_400;
pub const ROUNDS: usize = 25;

/// One call of one client: `Err` with a message if it failed.
pub type Job =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// A job from a closure returning any call's future.
pub fn job<F, Fut, T, E>(f: F) -> Job
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    E: std::fmt::Display,
{
    Arc::new(move || {
        let fut = f();
        Box::pin(async move { fut.await.map(|_| ()).map_err(|e| e.to_string()) })
    })
}

/// One blocking call.
pub type BlockingJob = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The figures of one client in one scenario.
#[derive(Clone, Debug)]
pub struct Measured {
    pub client: String,
    pub scenario: String,
    pub rps: f64,
    /// Throughput relative to the scenario's first client, the median of
    /// the per-round ratios (paired, so drift between rounds cancels).
    pub paired: Option<f64>,
    /// Across several runs: the lowest and highest run's `paired`.
    pub paired_range: Option<(f64, f64)>,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// CPU time this process spent per call (µs, median round): the
    /// client's own cost, which the server's noise does not move. `None`
    /// for clients measured in another process.
    pub cpu_us: Option<f64>,
    /// CPU µs per call more than the reference client's (the second), the
    /// median of the per-round differences.
    pub cpu_added_us: Option<f64>,
}

/// CPU time used by this process so far (every thread; the server and
/// Python are other processes).
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a
    // constant the kernel knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One round's figures: wall time and the process CPU time it used.
struct Took {
    wall: Duration,
    cpu: Duration,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// The clients' order in round `round`: alternating, so that no client
/// always runs first.
fn order(round: usize, clients: usize) -> Vec<usize> {
    if round.is_multiple_of(2) {
        (0..clients).collect()
    } else {
        (0..clients).rev().collect()
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `calls` calls of `job`, `concurrency` in flight.
async fn round(
    job: &Job,
    calls: usize,
    concurrency: usize,
    latencies: &mut Histogram<u64>,
) -> Result<Took, String> {
    let started = Instant::now();
    let cpu = process_cpu();
    let per_task = calls / concurrency;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let job = job.clone();
            tokio::spawn(async move {
                let mut local = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    let t = Instant::now();
                    job().await?;
                    local.push(t.elapsed());
                }
                Ok::<_, String>(local)
            })
        })
        .collect();
    for task in tasks {
        let local = task.await.map_err(|e| e.to_string())??;
        for d in local {
            latencies.saturating_record(d.as_micros().max(1) as u64);
        }
    }
    Ok(Took {
        wall: started.elapsed(),
        cpu: process_cpu().saturating_sub(cpu),
    })
}

/// What the rounds of one scenario measured, per client.
struct Tally {
    hists: Vec<Histogram<u64>>,
    /// Calls per second, one entry per round.
    rates: Vec<Vec<f64>>,
    /// CPU µs per call, one entry per round.
    cpus: Vec<Vec<f64>>,
}

impl Tally {
    fn new(clients: usize) -> Tally {
        Tally {
            hists: (0..clients).map(|_| histogram()).collect(),
            rates: vec![Vec::new(); clients],
            cpus: vec![Vec::new(); clients],
        }
    }

    fn record(&mut self, client: usize, calls: usize, took: &Took) {
        self.rates[client].push(calls as f64 / took.wall.as_secs_f64());
        self.cpus[client].push(took.cpu.as_secs_f64() * 1e6 / calls as f64);
    }

    /// Figures per client; paired ratios against the second client (the
    /// hand-written reference in every scenario).
    fn summarize<'a>(self, scenario: &str, names: impl Iterator<Item = &'a str>) -> Vec<Measured> {
        let reference = self.rates.get(1).cloned();
        let reference_cpu = self.cpus.get(1).cloned();
        names
            .zip(self.hists)
            .zip(self.rates)
            .zip(self.cpus)
            .map(|(((name, h), r), cpu)| Measured {
                client: name.to_owned(),
                scenario: scenario.to_owned(),
                paired: reference
                    .as_ref()
                    .map(|base| median(r.iter().zip(base).map(|(a, b)| a / b).collect())),
                paired_range: None,
                rps: median(r),
                mean_us: h.mean(),
                p50_us: h.value_at_quantile(0.5) as f64,
                p99_us: h.value_at_quantile(0.99) as f64,
                cpu_added_us: reference_cpu
                    .as_ref()
                    .map(|base| median(cpu.iter().zip(base).map(|(a, b)| a - b).collect())),
                cpu_us: Some(median(cpu)),
            })
            .collect()
    }
}

/// Measures async clients in one scenario: `rounds` rounds, each running
/// every client for `calls` calls in turn.
pub async fn compare(
    scenario: &str,
    clients: &[(&str, Job)],
    calls: usize,
    concurrency: usize,
    rounds: usize,
) -> Result<Vec<Measured>, String> {
    let mut tally = Tally::new(clients.len());
    // A warm-up round fills the pools.
    for (_, job) in clients {
        round(job, concurrency * 20, concurrency, &mut histogram()).await?;
    }
    for r in 0..rounds {
        for i in order(r, clients.len()) {
            let took = round(&clients[i].1, calls, concurrency, &mut tally.hists[i]).await?;
            tally.record(i, calls, &took);
        }
    }
    Ok(tally.summarize(scenario, clients.iter().map(|(n, _)| *n)))
}

/// `calls` sequential calls of a blocking `job` on this thread.
fn blocking_round(
    job: &BlockingJob,
    calls: usize,
    latencies: &mut Histogram<u64>,
) -> Result<Took, String> {
    let started = Instant::now();
    let cpu = process_cpu();
    for _ in 0..calls {
        let t = Instant::now();
        job()?;
        latencies.saturating_record(t.elapsed().as_micros().max(1) as u64);
    }
    Ok(Took {
        wall: started.elapsed(),
        cpu: process_cpu().saturating_sub(cpu),
    })
}

/// The same for blocking clients, on the calling thread.
pub fn compare_blocking(
    scenario: &str,
    clients: &[(&str, BlockingJob)],
    calls: usize,
    rounds: usize,
) -> Result<Vec<Measured>, String> {
    let mut tally = Tally::new(clients.len());
    for (_, job) in clients {
        blocking_round(job, 20, &mut histogram())?;
    }
    for r in 0..rounds {
        for i in order(r, clients.len()) {
            let took = blocking_round(&clients[i].1, calls, &mut tally.hists[i])?;
            tally.record(i, calls, &took);
        }
    }
    Ok(tally.summarize(scenario, clients.iter().map(|(n, _)| *n)))
}

/// The figures of several runs of the same scenarios: per client, the
/// median of each figure across runs, and the range of the paired ratio.
pub fn across_runs(runs: &[Vec<Measured>]) -> Vec<Measured> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    if runs.len() == 1 {
        return first.clone();
    }
    first
        .iter()
        .map(|m| {
            let same: Vec<&Measured> = runs
                .iter()
                .filter_map(|run| {
                    run.iter()
                        .find(|o| o.scenario == m.scenario && o.client == m.client)
                })
                .collect();
            let of = |f: &dyn Fn(&Measured) -> Option<f64>| {
                let values: Vec<f64> = same.iter().filter_map(|o| f(o)).collect();
                (!values.is_empty()).then(|| median(values))
            };
            let paired: Vec<f64> = same.iter().filter_map(|o| o.paired).collect();
            Measured {
                client: m.client.clone(),
                scenario: m.scenario.clone(),
                rps: of(&|o| Some(o.rps)).unwrap_or(0.0),
                paired: of(&|o| o.paired),
                paired_range: (!paired.is_empty()).then(|| {
                    let lo = paired.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = paired.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lo, hi)
                }),
                mean_us: of(&|o| Some(o.mean_us)).unwrap_or(0.0),
                p50_us: of(&|o| Some(o.p50_us)).unwrap_or(0.0),
                p99_us: of(&|o| Some(o.p99_us)).unwrap_or(0.0),
                cpu_us: of(&|o| o.cpu_us),
                cpu_added_us: of(&|o| o.cpu_added_us),
            }
        })
        .collect()
}

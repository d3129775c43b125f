//! The HTTPS scenarios: nginx over TLS (`tls_server.rs`), HTTP/1.1 and
//! HTTP/2, the generated client against hand-written reqwest, both with
//! the platform's verifier and the bench's CA added: the first call (a
//! new client and one GET), pooled calls (sequential and 16 in flight),
//! and the memory a client takes.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_client::api;

use crate::clients::User;
use crate::run::{self, job};
use crate::scenarios::Jobs;
use crate::tls_server::TlsServer;

#[api]
pub trait Secure {
    #[get("/users/42")]
    async fn user(&self) -> api_client::Result<User>;
}

fn ours(base: &str, ca: &[u8]) -> Result<SecureClient, String> {
    SecureClient::builder()
        .base_url(base)
        .add_root_certificate_pem(ca)
        .build()
        .map_err(|e| e.to_string())
}

fn theirs(ca: &[u8]) -> Result<reqwest::Client, String> {
    let _ = api_client::ensure_tls_provider();
    let ca = reqwest::Certificate::from_pem(ca).map_err(|e| e.to_string())?;
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())
}

async fn reqwest_user(client: &reqwest::Client, base: &str) -> Result<User, String> {
    let bytes = client
        .get(format!("{base}/users/42"))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// Medians of `n` first calls (a new client, one GET) of each, in turn.
async fn first_call(base: &str, ca: &[u8], n: usize) -> Result<(f64, f64), String> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let started = Instant::now();
        ours(base, ca)?.user().await.map_err(|e| e.to_string())?;
        a.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        reqwest_user(&theirs(ca)?, base).await?;
        b.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok((median(&mut a), median(&mut b)))
}

/// This process's resident memory, in KiB.
fn resident_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0.0)
}

/// KiB per client over 1,000 clients made by `make`, kept alive.
fn per_client<T>(make: impl Fn() -> Result<T, String>) -> Result<f64, String> {
    // One first: what every client shares (the process's trust store)
    // is not a client's own.
    let first = make()?;
    let before = resident_kib();
    let clients = (0..1000).map(|_| make()).collect::<Result<Vec<T>, String>>()?;
    let after = resident_kib();
    drop((first, clients));
    Ok((after - before) / 1000.0)
}

/// KiB per client of `kind`, measured in a process of its own (memory a
/// measurement freed would otherwise be reused by the next).
fn memory_in_child(kind: &str) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args(["client-memory", kind])
        .output()
        .map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("client-memory {kind}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// `client-memory <kind>`: prints the KiB per client of `kind` (run by
/// [`memory_in_child`]).
pub fn client_memory(kind: &str) -> Result<f64, String> {
    const CA: &[u8] = include_bytes!("../../tests/fixtures/ca.pem");
    let base = "https://127.0.0.1:1";
    match kind {
        "ours-default" => per_client(|| {
            SecureClient::builder().base_url(base).build().map_err(|e| e.to_string())
        }),
        "ours-ca" => per_client(|| ours(base, CA)),
        "reqwest-default" => per_client(|| {
            let _ = api_client::ensure_tls_provider();
            reqwest::Client::builder().build().map_err(|e| e.to_string())
        }),
        "reqwest-ca" => per_client(|| theirs(CA)),
        other => Err(format!("unknown client kind `{other}`")),
    }
}

/// Pooled calls of each client, `in_flight` at a time.
async fn pooled(server: &TlsServer, base: &str, in_flight: usize) -> Result<(f64, f64, f64), String> {
    let generated = Arc::new(ours(base, &server.ca)?);
    let hand = Arc::new(theirs(&server.ca)?);
    let url = base.to_owned();
    let jobs: Jobs = vec![
        ("generated", job(move || {
            let g = generated.clone();
            async move { g.user().await }
        })),
        ("hand-written reqwest", job(move || {
            let (h, url) = (hand.clone(), url.clone());
            async move { reqwest_user(&h, &url).await }
        })),
    ];
    let calls = if in_flight > 1 { 3_200 } else { 500 };
    let measured = run::compare("https", &jobs, calls, in_flight, 9).await?;
    let ratio = measured[0].paired.unwrap_or(f64::NAN);
    Ok((measured[0].rps, measured[1].rps, ratio))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The benchmark's section of the report.
pub async fn measure() -> Result<String, String> {
    let server = crate::tls_server::start().await?;
    let mut out = String::from("### HTTPS (nginx, TLS 1.3, a CA made at run time)\n\n");
    let _ = writeln!(out, "| scenario | generated | hand-written reqwest | generated / reqwest |\n|---|---:|---:|---:|");
    for (label, base) in [("h1", &server.h1), ("h2", &server.h2)] {
        eprintln!("first call, {label}…");
        let (a, b) = first_call(base, &server.ca, 40).await?;
        let _ = writeln!(out, "| first call (new client + GET), {label}, ms | {a:.2} | {b:.2} | {:.3} (time ratio reqwest / ours) |", b / a);
        for in_flight in [1, 16] {
            eprintln!("pooled, {label}, {in_flight} in flight…");
            let (a, b, ratio) = pooled(&server, base, in_flight).await?;
            let _ = writeln!(out, "| GET 400 B, {label}, {in_flight} in flight, req/s | {a:.0} | {b:.0} | {ratio:.3} |");
        }
    }
    eprintln!("memory per client…");
    for (label, ours_kind, theirs_kind) in [
        ("default roots", "ours-default", "reqwest-default"),
        ("with the bench's CA added", "ours-ca", "reqwest-ca"),
    ] {
        let a = memory_in_child(ours_kind)?;
        let b = memory_in_child(theirs_kind)?;
        let _ = writeln!(out, "| memory per client (1,000 built, {label}), KiB | {a:.1} | {b:.1} | |");
    }
    Ok(out)
}

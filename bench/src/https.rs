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

/// The first call of the first client of a process (the trust store read
/// included), each client in 9 processes of its own, in turn: medians, ms.
fn first_call_cold(label: &str, base: &str, ca: &[u8]) -> Result<(f64, f64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let ca_file =
        std::env::temp_dir().join(format!("api-client-bench-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca).map_err(|e| e.to_string())?;
    let run = |who: &str| -> Result<f64, String> {
        let out = std::process::Command::new(&exe)
            .args(["first-call", who, base])
            .arg(&ca_file)
            .output()
            .map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| {
                format!(
                    "first-call {who} {label}: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        a.push(run("ours")?);
        b.push(run("reqwest")?);
    }
    let _ = std::fs::remove_file(&ca_file);
    Ok((median(&mut a), median(&mut b)))
}

/// `first-call <ours|reqwest> <base> <ca file>`: the ms of a new client's
/// first GET in this new process (run by [`first_call_cold`]).
pub async fn first_call_here(who: &str, base: &str, ca_file: &str) -> Result<f64, String> {
    let ca = std::fs::read(ca_file).map_err(|e| e.to_string())?;
    let started = Instant::now();
    match who {
        "ours" => {
            ours(base, &ca)?.user().await.map_err(|e| e.to_string())?;
        }
        _ => {
            reqwest_user(&theirs(&ca)?, base).await?;
        }
    }
    Ok(started.elapsed().as_secs_f64() * 1e3)
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
    let clients = (0..1000)
        .map(|_| make())
        .collect::<Result<Vec<T>, String>>()?;
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
        .map_err(|_| {
            format!(
                "client-memory {kind}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

/// `client-memory <kind>`: prints the KiB per client of `kind` (run by
/// [`memory_in_child`]).
pub fn client_memory(kind: &str) -> Result<f64, String> {
    const CA: &[u8] = include_bytes!("../../tests/fixtures/ca.pem");
    let base = "https://127.0.0.1:1";
    match kind {
        "ours-default" => per_client(|| {
            SecureClient::builder()
                .base_url(base)
                .build()
                .map_err(|e| e.to_string())
        }),
        "ours-ca" => per_client(|| ours(base, CA)),
        "reqwest-default" => per_client(|| {
            let _ = api_client::ensure_tls_provider();
            reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())
        }),
        "reqwest-ca" => per_client(|| theirs(CA)),
        other => Err(format!("unknown client kind `{other}`")),
    }
}

/// hyper-util's pooled client over rustls (hyper-rustls), trusting the
/// bench's CA: the floor.
type RawTls = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<bytes::Bytes>,
>;

fn raw_hyper(ca: &[u8], h2: bool) -> Result<RawTls, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let _ = api_client::ensure_tls_provider();
    let provider = rustls::crypto::CryptoProvider::get_default()
        .ok_or("no crypto provider")?
        .clone();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca) {
        roots
            .add(cert.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_http1();
    let https = if h2 {
        https.enable_http2().build()
    } else {
        https.build()
    };
    let mut builder =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new());
    builder.http2_only(h2);
    Ok(builder.build(https))
}

async fn raw_user(client: &RawTls, uri: &hyper::Uri) -> Result<User, String> {
    use http_body_util::BodyExt as _;
    let request = hyper::Request::get(uri.clone())
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .map_err(|e| e.to_string())?;
    let response = client.request(request).await.map_err(|e| e.to_string())?;
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_slice(&body.to_bytes()).map_err(|e| e.to_string())
}

/// Pooled calls of each client, `in_flight` at a time: req/s of ours,
/// reqwest's and raw hyper's, ours / reqwest and ours / hyper (paired).
async fn pooled(server: &TlsServer, base: &str, in_flight: usize) -> Result<[f64; 5], String> {
    let generated = Arc::new(ours(base, &server.ca)?);
    let hand = Arc::new(theirs(&server.ca)?);
    let raw = Arc::new(raw_hyper(&server.ca, base == server.h2)?);
    let uri: hyper::Uri = format!("{base}/users/42")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let url = base.to_owned();
    let jobs: Jobs = vec![
        (
            "generated",
            job(move || {
                let g = generated.clone();
                async move { g.user().await }
            }),
        ),
        (
            "hand-written reqwest",
            job(move || {
                let (h, url) = (hand.clone(), url.clone());
                async move { reqwest_user(&h, &url).await }
            }),
        ),
        (
            "raw hyper",
            job(move || {
                let (r, uri) = (raw.clone(), uri.clone());
                async move { raw_user(&r, &uri).await }
            }),
        ),
    ];
    let calls = if in_flight > 1 { 3_200 } else { 500 };
    let m = run::compare("https", &jobs, calls, in_flight, 9).await?;
    let paired = |i: usize| m[i].paired.unwrap_or(f64::NAN);
    Ok([
        m[0].rps,
        m[1].rps,
        m[2].rps,
        paired(0),
        paired(0) / paired(2),
    ])
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The benchmark's section of the report.
pub async fn measure() -> Result<String, String> {
    let server = crate::tls_server::start().await?;
    if crate::server::pin_to_core(1) {
        eprintln!("pinned: nginx on CPU 0, clients on CPU 1");
    }
    let mut out = String::from("### HTTPS (nginx, TLS 1.3, a CA made at run time)\n\n");
    let _ = writeln!(
        out,
        "| scenario | generated | hand-written reqwest | raw hyper | ÷ reqwest | ÷ hyper |\n|---|---:|---:|---:|---:|---:|"
    );
    // `API_BENCH_HTTPS=pooled`: the pooled scenarios alone (a diagnostic).
    let pooled_only = std::env::var("API_BENCH_HTTPS").is_ok_and(|v| v == "pooled");
    for (label, base) in [("h1", &server.h1), ("h2", &server.h2)] {
        if pooled_only {
            for in_flight in [1, 16] {
                let [a, b, c, r, h] = pooled(&server, base, in_flight).await?;
                let _ = writeln!(
                    out,
                    "| GET 400 B, {label}, {in_flight} in flight, req/s | {a:.0} | {b:.0} | {c:.0} | {r:.3} | {h:.3} |"
                );
            }
            continue;
        }
        eprintln!("first call, {label}…");
        let (a, b) = first_call_cold(label, base, &server.ca)?;
        let _ = writeln!(
            out,
            "| first call in a new process, {label}, ms | {a:.2} | {b:.2} | | {:.3} | |",
            b / a
        );
        let (a, b) = first_call(base, &server.ca, 40).await?;
        let _ = writeln!(
            out,
            "| first call of a later client, {label}, ms | {a:.2} | {b:.2} | | {:.3} | |",
            b / a
        );
        for in_flight in [1, 16] {
            eprintln!("pooled, {label}, {in_flight} in flight…");
            let [a, b, c, r, h] = pooled(&server, base, in_flight).await?;
            let _ = writeln!(
                out,
                "| GET 400 B, {label}, {in_flight} in flight, req/s | {a:.0} | {b:.0} | {c:.0} | {r:.3} | {h:.3} |"
            );
        }
    }
    if pooled_only {
        return Ok(out);
    }
    eprintln!("memory per client…");
    for (label, ours_kind, theirs_kind) in [
        ("default roots", "ours-default", "reqwest-default"),
        ("with the bench's CA added", "ours-ca", "reqwest-ca"),
    ] {
        let a = memory_in_child(ours_kind)?;
        let b = memory_in_child(theirs_kind)?;
        let _ = writeln!(
            out,
            "| memory per client (1,000 built, {label}), KiB | {a:.1} | {b:.1} | |"
        );
    }
    Ok(out)
}

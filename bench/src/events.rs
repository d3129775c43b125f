//! Event streams: events per second parsed and decoded by a generated
//! client's `Events<T>`, against what a reqwest user writes (reqwest's
//! `bytes_stream()`, `eventsource-stream`, `serde_json` per event), on the
//! same local stream; and the generated client's memory over a million
//! events.

use std::time::{Duration, Instant};

use api_client::{Events, api};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One event's data, as a chat API's token events look.
#[derive(Debug, api_client::Deserialize)]
#[allow(dead_code)]
pub struct Token {
    id: u64,
    text: String,
    index: u32,
}

#[api]
pub trait Feed {
    #[get("/events")]
    fn events(&self, #[query] n: usize) -> Events<Token>;
}

/// Events per round, and rounds.
const PER_ROUND: usize = 100_000;
const ROUNDS: usize = 7;
const MILLION: usize = 1_000_000;

/// A thousand events, the block the server repeats.
fn block() -> Vec<u8> {
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!(
            "id: {i}\ndata: {{\"id\": {i}, \"text\": \"token{}\", \"index\": {}}}\n\n",
            i % 97,
            i % 13
        ));
    }
    text.into_bytes()
}

/// A local server on its own thread: `GET /events?n=N` streams N events
/// (N rounded up to a thousand), chunked, in blocks of a thousand.
fn start_server() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
            let _ = tx.send(format!(
                "http://{}",
                listener.local_addr().expect("an address")
            ));
            let block = std::sync::Arc::new(block());
            // Bounded: the benchmark makes 2 × ROUNDS + 1 connections.
            for _ in 0..(2 * ROUNDS + 4) {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(socket, block.clone()));
            }
        });
    });
    rx.recv().expect("the server's address")
}

async fn serve(mut socket: tokio::net::TcpStream, block: std::sync::Arc<Vec<u8>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let n: usize = head
        .split("n=")
        .nth(1)
        .and_then(|rest| rest.split([' ', '&']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let response =
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
    if socket.write_all(response.as_bytes()).await.is_err() {
        return;
    }
    let framed = [format!("{:x}\r\n", block.len()).as_bytes(), &block, b"\r\n"].concat();
    for _ in 0..n.div_ceil(1000) {
        if socket.write_all(&framed).await.is_err() {
            return;
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
}

/// The generated client: every event, decoded.
async fn ours(client: &FeedClient, n: usize) -> Result<usize, String> {
    let mut events = client.events(n);
    let mut count = 0;
    while let Some(event) = events.next().await {
        event.map_err(|e| e.to_string())?;
        count += 1;
    }
    Ok(count)
}

/// reqwest, eventsource-stream and serde_json, as their users write it.
async fn theirs(client: &reqwest::Client, base: &str, n: usize) -> Result<usize, String> {
    let response = client
        .get(format!("{base}/events?n={n}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let mut events = response.bytes_stream().eventsource();
    let mut count = 0;
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| e.to_string())?;
        let _: Token = serde_json::from_str(&event.data).map_err(|e| e.to_string())?;
        count += 1;
    }
    Ok(count)
}

/// This process's resident memory, from `/proc` (kB; 0 where unknown).
fn resident_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// The generated client over a million events: resident memory sampled
/// every hundred thousand.
async fn memory(client: &FeedClient) -> Result<Vec<u64>, String> {
    let mut events = client.events(MILLION);
    let mut samples = vec![resident_kb()];
    let mut count = 0;
    while let Some(event) = events.next().await {
        event.map_err(|e| e.to_string())?;
        count += 1;
        if count % 100_000 == 0 {
            samples.push(resident_kb());
        }
    }
    if count != MILLION {
        return Err(format!("{count} events of a million"));
    }
    Ok(samples)
}

/// The benchmark's section of the report.
pub async fn measure() -> Result<String, String> {
    let _ = api_client::ensure_tls_provider();
    let base = start_server();
    let ours_client = FeedClient::builder()
        .base_url(&base)
        .build()
        .map_err(|e| e.to_string())?;
    let theirs_client = reqwest::Client::builder()
        .build()
        .map_err(|e| e.to_string())?;
    let (mut ours_rate, mut theirs_rate, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        eprintln!("events, round {}…", round + 1);
        let rate = |took: Duration| PER_ROUND as f64 / took.as_secs_f64();
        let started = Instant::now();
        check(ours(&ours_client, PER_ROUND).await?)?;
        let a = rate(started.elapsed());
        let started = Instant::now();
        check(theirs(&theirs_client, &base, PER_ROUND).await?)?;
        let b = rate(started.elapsed());
        ours_rate.push(a);
        theirs_rate.push(b);
        ratios.push(a / b);
    }
    eprintln!("a million events…");
    let samples = memory(&ours_client).await?;
    Ok(report(
        &mut ours_rate,
        &mut theirs_rate,
        &mut ratios,
        &samples,
    ))
}

fn check(count: usize) -> Result<(), String> {
    if count == PER_ROUND {
        Ok(())
    } else {
        Err(format!("{count} events of {PER_ROUND}"))
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn report(ours: &mut [f64], theirs: &mut [f64], ratios: &mut [f64], samples: &[u64]) -> String {
    let (lo, hi) = (
        ratios.iter().copied().fold(f64::MAX, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
    );
    let ratio = median(ratios);
    let (first, max, last) = (
        samples[0],
        samples.iter().copied().max().unwrap_or(0),
        samples.last().copied().unwrap_or(0),
    );
    format!(
        "### Event streams (server-sent events, {PER_ROUND} events a round, {ROUNDS} rounds)\n\n\
         | client | events/s (median) |\n|---|---:|\n\
         | generated `Events<Token>` | {:.0} |\n\
         | reqwest + eventsource-stream + serde_json | {:.0} |\n\n\
         Generated / reqwest: {ratio:.3} per round, median ({lo:.3}–{hi:.3}) (target ≥ 1.0).\n\n\
         Resident memory over a million events, sampled every 100,000: {first} kB at the start, \
         {max} kB at most, {last} kB at the end.\n",
        median(ours),
        median(theirs),
    )
}

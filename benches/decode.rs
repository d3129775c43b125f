//! Decode + validate cost: a ~30 KB JSON array of 100 objects decoded
//! (1) with plain `serde_json::from_slice`, (2) through api-client's decode
//! path without validation (content-type check, JSON path tracking) and
//! (3) with garde validation, as a generated client does on every call.
//!
//! Run: `cargo bench --bench decode`. Rounds alternate between the three
//! so that machine drift hits them alike; the median round is reported.

use std::hint::black_box;
use std::time::{Duration, Instant};

use api_client::__private::{Probe, ValidateViaGarde as _, decode_json_body};
use api_client::{Bytes, HeaderMap};
use garde::Validate;
use serde::Deserialize;

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
struct User {
    #[garde(range(min = 1))]
    id: u64,
    #[garde(length(min = 1, max = 39))]
    login: String,
    #[garde(length(max = 100))]
    name: String,
    #[garde(email)]
    email: String,
    #[garde(range(min = 0, max = 150))]
    age: u32,
    #[garde(skip)]
    site_admin: bool,
    #[garde(length(max = 200))]
    bio: String,
    #[garde(dive)]
    repos: Vec<Repo>,
}

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
struct Repo {
    #[garde(length(min = 1))]
    name: String,
    #[garde(range(min = 0))]
    stars: i64,
}

fn payload() -> Vec<u8> {
    let users: Vec<serde_json::Value> = (1..=100)
        .map(|i| {
            serde_json::json!({
                "id": i,
                "login": format!("user{i}"),
                "name": format!("User Number {i}"),
                "email": format!("user{i}@example.com"),
                "age": 20 + i % 50,
                "site_admin": i % 7 == 0,
                "bio": "Writes Rust and HTTP clients, reads RFCs, answers issues on weekends, and keeps a garden of well-tested crates.",
                "repos": [{"name": "api-client", "stars": i * 3}, {"name": "dotfiles", "stars": 1}],
            })
        })
        .collect();
    serde_json::to_vec(&users).expect("serializable")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let body = payload();
    let bytes = Bytes::from(body.clone());
    let headers = HeaderMap::new();
    // The borrow is the autoref-specialization probe, as in generated code.
    #[allow(clippy::needless_borrow)]
    let validator = (&Probe::<Vec<User>>::new()).validator();
    assert!(validator.is_some());
    let iterations = 300;
    let rounds = 21;
    let (mut plain, mut decode, mut validated) = (Vec::new(), Vec::new(), Vec::new());
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..iterations {
            f();
        }
        start.elapsed() / iterations
    };
    for _ in 0..rounds {
        plain.push(time(&|| {
            black_box(serde_json::from_slice::<Vec<User>>(black_box(&body)).unwrap());
        }));
        decode.push(time(&|| {
            black_box(decode_json_body::<Vec<User>>(&headers, &bytes, None).unwrap());
        }));
        validated.push(time(&|| {
            black_box(decode_json_body::<Vec<User>>(&headers, &bytes, validator).unwrap());
        }));
    }
    let (plain, decode, validated) = (median(plain), median(decode), median(validated));
    let pct = |a: Duration, b: Duration| (a.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0;
    println!(
        "payload: {} bytes, 100 objects; median of {rounds} rounds of {iterations}",
        body.len()
    );
    println!(
        "serde_json::from_slice            {:>10.1} µs",
        plain.as_secs_f64() * 1e6
    );
    println!(
        "api-client decode (no validation) {:>10.1} µs  ({:+.1}% vs from_slice)",
        decode.as_secs_f64() * 1e6,
        pct(decode, plain)
    );
    println!(
        "api-client decode + validate      {:>10.1} µs  ({:+.1}% vs from_slice, {:+.1}% vs decode)",
        validated.as_secs_f64() * 1e6,
        pct(validated, plain),
        pct(validated, decode)
    );
}

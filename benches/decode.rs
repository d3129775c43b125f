//! Decode + validate cost: a ~30 KB JSON array of 100 objects decoded
//! (1) with plain `serde_json::from_slice`, (2) through api-client's decode
//! path without validation (content-type check, JSON path tracking) and
//! (3) with garde validation, as a generated client does on every call;
//! then the same models deriving `api_client::Deserialize`, (4) decoded and
//! validated without their shape and (5) with it (what a generated client
//! passes: the valid path must not pay for the report), and (6, 7) the
//! report of a body with one bad field in one item, and in every item.
//!
//! Run: `cargo bench --bench decode`. Rounds alternate between the jobs
//! so that machine drift hits them alike; the median round is reported.

use std::hint::black_box;
use std::time::{Duration, Instant};

use api_client::__private::{Checks, Described, Probe, ValidateViaGarde as _, decode_json_body};
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

/// `User`, deriving `api_client::Deserialize`.
#[derive(Debug, api_client::Deserialize, Validate)]
#[allow(dead_code)]
struct Model {
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
    repos: Vec<ModelRepo>,
}

#[derive(Debug, api_client::Deserialize, Validate)]
#[allow(dead_code)]
struct ModelRepo {
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

/// The payload with `"age"` a string in the first `bad` items.
fn broken(bad: usize) -> Vec<u8> {
    let mut users: serde_json::Value = serde_json::from_slice(&payload()).expect("JSON");
    for user in users.as_array_mut().expect("an array").iter_mut().take(bad) {
        user["age"] = serde_json::json!("old");
    }
    serde_json::to_vec(&users).expect("serializable")
}

/// One job of the benchmark: its label and what it runs.
type Job<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// The median time of each job, rounds alternating between them.
fn measure(jobs: &[Job<'_>]) -> Vec<Duration> {
    let iterations = 300;
    let rounds = 21;
    let mut times = vec![Vec::new(); jobs.len()];
    for _ in 0..rounds {
        for (i, (_, job)) in jobs.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..iterations {
                job();
            }
            times[i].push(start.elapsed() / iterations);
        }
    }
    times.into_iter().map(median).collect()
}

fn main() {
    let body = payload();
    let bytes = Bytes::from(body.clone());
    let one_bad = Bytes::from(broken(1));
    let all_bad = Bytes::from(broken(100));
    let headers = HeaderMap::new();
    // The borrows are the autoref-specialization probes, as in generated code.
    #[allow(clippy::needless_borrow)]
    let validator = (&Probe::<Vec<User>>::new()).validator();
    #[allow(clippy::needless_borrow)]
    let model_validator = (&Probe::<Vec<Model>>::new()).validator();
    assert!(validator.is_some() && model_validator.is_some());
    let shape = Some(<Vec<Model> as Described>::shape as fn() -> _);
    let (checks, unshaped, shaped) = (
        Checks::new(validator, None),
        Checks::new(model_validator, None),
        Checks::new(model_validator, shape),
    );
    let report = |body: &Bytes| {
        let e = decode_json_body::<Vec<Model>>(&headers, body, shaped).unwrap_err();
        assert!(!e.violations().is_empty());
        black_box(e);
    };
    let jobs: Vec<Job<'_>> = vec![
        (
            "serde_json::from_slice (serde's derive)",
            Box::new(|| {
                black_box(serde_json::from_slice::<Vec<User>>(black_box(&body)).unwrap());
            }),
        ),
        (
            "api-client decode, no validation",
            Box::new(|| {
                black_box(decode_json_body::<Vec<User>>(&headers, &bytes, Checks::none()).unwrap());
            }),
        ),
        (
            "api-client decode + validate",
            Box::new(|| {
                black_box(decode_json_body::<Vec<User>>(&headers, &bytes, checks).unwrap());
            }),
        ),
        (
            "api_client::Deserialize + validate, no shape",
            Box::new(|| {
                black_box(decode_json_body::<Vec<Model>>(&headers, &bytes, unshaped).unwrap());
            }),
        ),
        (
            "api_client::Deserialize + validate, shape",
            Box::new(|| {
                black_box(decode_json_body::<Vec<Model>>(&headers, &bytes, shaped).unwrap());
            }),
        ),
        ("report: 1 bad item of 100", Box::new(|| report(&one_bad))),
        (
            "report: 100 bad items of 100",
            Box::new(|| report(&all_bad)),
        ),
    ];
    let times = measure(&jobs);
    println!(
        "payload: {} bytes, 100 objects; medians of 21 rounds of 300",
        body.len()
    );
    for ((label, _), time) in jobs.iter().zip(&times) {
        let vs = time.as_secs_f64() / times[0].as_secs_f64();
        println!(
            "{label:<46} {:>8.1} µs  {vs:>5.2}× from_slice",
            time.as_secs_f64() * 1e6
        );
    }
    let shaped_vs = times[4].as_secs_f64() / times[3].as_secs_f64();
    println!("valid path with the shape / without: {shaped_vs:.3}");
}

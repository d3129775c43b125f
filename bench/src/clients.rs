//! The clients measured, all doing the same calls with the same decode:
//! the generated client, the client a careful engineer writes by hand with
//! reqwest (same `Client` settings), raw hyper (the floor), and the
//! blocking pair.

use std::time::Duration;

use api_client::{Result, api};
use bytes::Bytes;
use garde::Validate;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub bio: String,
    pub company: String,
    pub location: String,
    pub blog: String,
    pub followers: u64,
    pub following: u64,
    pub public_repos: u32,
    pub created_at: String,
    pub site_admin: bool,
}

/// The same user, with constraints (validated on every decode).
#[derive(Debug, Clone, Deserialize, Validate)]
#[allow(dead_code)]
pub struct CheckedUser {
    #[garde(range(min = 1))]
    pub id: u64,
    #[garde(length(min = 1, max = 39))]
    pub login: String,
    #[garde(length(max = 100))]
    pub name: String,
    #[garde(email)]
    pub email: String,
    #[garde(length(max = 160))]
    pub bio: String,
    #[garde(length(max = 100))]
    pub company: String,
    #[garde(length(max = 100))]
    pub location: String,
    #[garde(length(max = 200))]
    pub blog: String,
    #[garde(skip)]
    pub followers: u64,
    #[garde(skip)]
    pub following: u64,
    #[garde(range(max = 100_000))]
    pub public_repos: u32,
    #[garde(length(min = 20, max = 20))]
    pub created_at: String,
    #[garde(skip)]
    pub site_admin: bool,
}

#[api]
pub trait Bench {
    #[get("/users/42")]
    async fn user(&self) -> Result<User>;

    #[get("/users")]
    async fn users(&self) -> Result<Vec<User>>;

    #[get("/users")]
    async fn users_checked(&self) -> Result<Vec<CheckedUser>>;

    #[post("/echo")]
    async fn echo(&self, #[body] user: &User) -> Result<User>;

    /// `/users` in 100 pages chained by `Link` headers.
    #[get("/pages")]
    #[paginate(link)]
    fn pages(&self) -> api_client::Pages<User>;
}

#[api(blocking)]
pub trait BenchBlocking {
    #[get("/users/42")]
    fn user(&self) -> Result<User>;

    #[get("/users")]
    fn users(&self) -> Result<Vec<User>>;
}

pub fn generated(base: &str) -> BenchClient {
    BenchClient::builder()
        .base_url(base)
        .build()
        .expect("a generated client")
}

pub fn generated_blocking(base: &str) -> BenchBlockingClient {
    BenchBlockingClient::builder()
        .base_url(base)
        .build()
        .expect("a generated blocking client")
}

/// The settings the generated client gives its reqwest client, so that the
/// hand-written one is the same.
fn same_settings(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    let _ = api_client::ensure_tls_provider();
    builder
        .user_agent(api_client::defaults::DEFAULT_USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(30))
        .referer(false)
}

/// What a careful engineer writes with reqwest: one pooled client, the
/// URL formatted per call, status checked, bytes decoded with serde_json.
pub struct HandWritten {
    client: reqwest::Client,
    base: String,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl HandWritten {
    pub fn new(base: &str) -> HandWritten {
        HandWritten {
            client: same_settings(reqwest::Client::builder())
                .build()
                .expect("a reqwest client"),
            base: base.to_owned(),
        }
    }

    /// Diagnostic: reqwest with no time limits at all (no timers per call).
    pub fn without_timeouts(base: &str) -> HandWritten {
        let _ = api_client::ensure_tls_provider();
        HandWritten {
            client: reqwest::Client::builder()
                .build()
                .expect("a reqwest client"),
            base: base.to_owned(),
        }
    }

    /// Diagnostic: reqwest clients that differ by one setting each, from
    /// the defaults towards the leanest configuration (each step keeps the
    /// ones before it).
    pub fn reqwest_variants(base: &str) -> Vec<(&'static str, HandWritten)> {
        type Step = fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder;
        let _ = api_client::ensure_tls_provider();
        let steps: [(&'static str, Step); 6] = [
            ("reqwest defaults", |b| b),
            ("+ no internal retry", |b| {
                b.retry(reqwest::retry::never().max_retries_per_request(0))
            }),
            ("+ no proxy lookup", |b| b.no_proxy()),
            ("+ http1 only", |b| b.http1_only()),
            ("+ no decompression", |b| {
                b.no_gzip().no_brotli().no_zstd().no_deflate()
            }),
            ("+ redirects off", |b| {
                b.redirect(reqwest::redirect::Policy::none())
            }),
        ];
        (1..=steps.len())
            .map(|n| {
                let builder = steps[..n]
                    .iter()
                    .fold(reqwest::Client::builder(), |b, (_, step)| step(b));
                (
                    steps[n - 1].0,
                    HandWritten {
                        client: builder.build().expect("a reqwest client"),
                        base: base.to_owned(),
                    },
                )
            })
            .collect()
    }

    pub async fn user_untimed(&self) -> std::result::Result<User, BoxError> {
        self.send(self.client.get(format!("{}/users/42", self.base)))
            .await
    }

    /// Sends, checks the status, reads the bytes, decodes them.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> std::result::Result<T, BoxError> {
        let bytes = request.send().await?.error_for_status()?.bytes().await?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> std::result::Result<T, BoxError> {
        self.send(
            self.client
                .get(format!("{}{path}", self.base))
                .timeout(Duration::from_secs(60)),
        )
        .await
    }

    pub async fn user(&self) -> std::result::Result<User, BoxError> {
        self.get("/users/42").await
    }

    pub async fn users(&self) -> std::result::Result<Vec<User>, BoxError> {
        self.get("/users").await
    }

    pub async fn users_checked(&self) -> std::result::Result<Vec<CheckedUser>, BoxError> {
        let users: Vec<CheckedUser> = self.get("/users").await?;
        users.validate()?;
        Ok(users)
    }

    pub async fn echo(&self, user: &User) -> std::result::Result<User, BoxError> {
        self.send(
            self.client
                .post(format!("{}/echo", self.base))
                .timeout(Duration::from_secs(60))
                .header("content-type", "application/json")
                .body(serde_json::to_vec(user)?),
        )
        .await
    }
}

/// The blocking hand-written client.
pub struct HandWrittenBlocking {
    client: reqwest::blocking::Client,
    base: String,
}

impl HandWrittenBlocking {
    pub fn new(base: &str) -> HandWrittenBlocking {
        let _ = api_client::ensure_tls_provider();
        let client = reqwest::blocking::Client::builder()
            .user_agent(api_client::defaults::DEFAULT_USER_AGENT)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .referer(false)
            .build()
            .expect("a blocking reqwest client");
        HandWrittenBlocking {
            client,
            base: base.to_owned(),
        }
    }

    pub fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> std::result::Result<T, BoxError> {
        let bytes = self
            .client
            .get(format!("{}{path}", self.base))
            .send()?
            .error_for_status()?
            .bytes()?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// hyper with a connection per task, no pool: the ceiling of what the
/// connections themselves can do. Each call takes an idle connection of
/// its own (a pop from a short list under a lock held for nanoseconds),
/// opening one when there is none, and gives it back when the body is
/// read: at 16 in flight, 16 connections, one per task.
pub struct ConnPerTask {
    idle: std::sync::Mutex<Vec<hyper::client::conn::http1::SendRequest<Full<Bytes>>>>,
    addr: String,
    authority: String,
}

impl ConnPerTask {
    pub fn new(base: &str) -> ConnPerTask {
        let authority = base.trim_start_matches("http://").trim_end_matches('/');
        ConnPerTask {
            idle: std::sync::Mutex::new(Vec::new()),
            addr: authority.to_owned(),
            authority: authority.to_owned(),
        }
    }

    async fn connection(
        &self,
    ) -> std::result::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, BoxError> {
        let idle = self.idle.lock().map_err(|_| "poisoned")?.pop();
        if let Some(mut sender) = idle
            && sender.ready().await.is_ok()
        {
            return Ok(sender);
        }
        let stream = tokio::net::TcpStream::connect(&self.addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(sender)
    }

    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> std::result::Result<T, BoxError> {
        let mut sender = self.connection().await?;
        let request = hyper::Request::get(path)
            .header(hyper::header::HOST, &self.authority)
            .header(hyper::header::USER_AGENT, "bench/0")
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::new()))?;
        let response = sender.send_request(request).await?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()).into());
        }
        let bytes = response.into_body().collect().await?.to_bytes();
        self.idle.lock().map_err(|_| "poisoned")?.push(sender);
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// ureq, what a blocking Rust user picks today: one agent (its pool), the
/// same time limits, the body read whole and decoded with serde_json, as
/// the others do.
pub struct Ureq {
    agent: ureq::Agent,
    base: String,
}

impl Ureq {
    pub fn new(base: &str) -> Ureq {
        let config = ureq::Agent::config_builder()
            .user_agent(api_client::defaults::DEFAULT_USER_AGENT)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Ureq {
            agent: config.into(),
            base: base.to_owned(),
        }
    }

    pub fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> std::result::Result<T, BoxError> {
        let mut response = self.agent.get(format!("{}{path}", self.base)).call()?;
        let bytes = response.body_mut().read_to_vec()?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// The floor: hyper-util's pooled client, no timeouts, no retries.
pub struct RawHyper {
    client: HyperClient<HttpConnector, Full<Bytes>>,
    base: String,
}

impl RawHyper {
    pub fn new(base: &str) -> RawHyper {
        RawHyper {
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
            base: base.to_owned(),
        }
    }

    /// Diagnostic: hyper-util's client with some of reqwest's settings.
    pub fn variants(base: &str) -> Vec<(&'static str, RawHyper)> {
        let nodelay = || {
            let mut c = HttpConnector::new();
            c.set_nodelay(true);
            c
        };
        let timers = || {
            let mut b = HyperClient::builder(TokioExecutor::new());
            b.timer(hyper_util::rt::TokioTimer::new())
                .pool_timer(hyper_util::rt::TokioTimer::new())
                .pool_idle_timeout(Duration::from_secs(90));
            b
        };
        vec![
            (
                "hyper + nodelay",
                RawHyper {
                    client: HyperClient::builder(TokioExecutor::new()).build(nodelay()),
                    base: base.to_owned(),
                },
            ),
            (
                "hyper + nodelay + pool timers",
                RawHyper {
                    client: timers().build(nodelay()),
                    base: base.to_owned(),
                },
            ),
        ]
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: hyper::Request<Full<Bytes>>,
    ) -> std::result::Result<T, BoxError> {
        let response = self.client.request(request).await?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()).into());
        }
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok(serde_json::from_slice(&bytes)?)
    }

    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> std::result::Result<T, BoxError> {
        let request =
            hyper::Request::get(format!("{}{path}", self.base)).body(Full::new(Bytes::new()))?;
        self.send(request).await
    }

    pub async fn echo(&self, user: &User) -> std::result::Result<User, BoxError> {
        let request = hyper::Request::post(format!("{}/echo", self.base))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(user)?)))?;
        self.send(request).await
    }
}

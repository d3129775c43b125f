//! Compile time, which users pay on every build: the macro's expansion of a
//! 100-method trait, and the build of a crate with that trait against the
//! same client written by hand with reqwest. Also the TLS backends' build
//! cost (`tls`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const METHODS: usize = 100;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn manifest(name: &str, deps: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{deps}\n"
    )
}

/// 100 endpoints: pairs of a GET with a path and a query argument, and a
/// POST with a JSON body.
fn generated_source() -> String {
    let mut s = String::from(
        "use api_client::{api, Result};\n\n#[derive(Debug, serde::Serialize, serde::Deserialize)]\npub struct Item { pub id: u64, pub name: String }\n\n#[api(base = \"https://api.example.com\")]\npub trait Big {\n",
    );
    for i in 0..METHODS / 2 {
        let _ = writeln!(
            s,
            "    #[get(\"/items{i}/<id>\")]\n    async fn get{i}(&self, id: u64, #[query] q: Option<&str>) -> Result<Item>;"
        );
        let _ = writeln!(
            s,
            "    #[post(\"/items{i}\")]\n    async fn create{i}(&self, #[body] item: &Item) -> Result<Item>;"
        );
    }
    s.push_str("}\n");
    s.push_str(&caller("BigClient", "use std::future::Future as _;\n"));
    s
}

/// A caller of every method, polled from a plain function, so that both
/// crates generate the code an application that uses the client would
/// (an `async fn` nobody polls is never compiled to machine code).
fn caller(client: &str, prelude: &str) -> String {
    let mut s = format!("\n{prelude}pub async fn call_all(c: &{client}, item: &Item) {{\n");
    for i in 0..METHODS / 2 {
        let _ = writeln!(
            s,
            "    let _ = c.get{i}(1, Some(\"q\")).await;\n    let _ = c.create{i}(item).await;"
        );
    }
    let _ = writeln!(
        s,
        "}}\n\npub fn poll_all(c: &{client}, item: &Item, cx: &mut std::task::Context<'_>) -> bool {{\n    let mut fut = Box::pin(call_all(c, item));\n    fut.as_mut().poll(cx).is_ready()\n}}"
    );
    s
}

/// The same client by hand: what a careful engineer writes with reqwest.
fn hand_written_source() -> String {
    let mut s = String::from(
        "use std::time::Duration;\n\n#[derive(Debug, serde::Serialize, serde::Deserialize)]\npub struct Item { pub id: u64, pub name: String }\n\n\
         #[derive(Debug)]\npub enum Error { Http(reqwest::Error), Json(serde_json::Error) }\n\
         impl From<reqwest::Error> for Error { fn from(e: reqwest::Error) -> Self { Error::Http(e) } }\n\
         impl From<serde_json::Error> for Error { fn from(e: serde_json::Error) -> Self { Error::Json(e) } }\n\n\
         #[derive(Clone)]\npub struct BigClient { client: reqwest::Client, base: String }\n\n\
         impl BigClient {\n    pub fn new(base: &str) -> Result<Self, Error> {\n        let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).read_timeout(Duration::from_secs(30)).build()?;\n        Ok(BigClient { client, base: base.trim_end_matches('/').to_owned() })\n    }\n",
    );
    for i in 0..METHODS / 2 {
        let _ = writeln!(
            s,
            "    pub async fn get{i}(&self, id: u64, q: Option<&str>) -> Result<Item, Error> {{\n        let mut url = format!(\"{{}}/items{i}/{{}}\", self.base, id);\n        if let Some(q) = q {{ url.push_str(\"?q=\"); url.extend(form_urlencoded::byte_serialize(q.as_bytes())); }}\n        let bytes = self.client.get(url).timeout(Duration::from_secs(60)).send().await?.error_for_status()?.bytes().await?;\n        Ok(serde_json::from_slice(&bytes)?)\n    }}"
        );
        let _ = writeln!(
            s,
            "    pub async fn create{i}(&self, item: &Item) -> Result<Item, Error> {{\n        let body = serde_json::to_vec(item)?;\n        let bytes = self.client.post(format!(\"{{}}/items{i}\", self.base)).timeout(Duration::from_secs(60)).header(\"content-type\", \"application/json\").body(body).send().await?.error_for_status()?.bytes().await?;\n        Ok(serde_json::from_slice(&bytes)?)\n    }}"
        );
    }
    s.push_str("}\n");
    s.push_str(&caller("BigClient", "use std::future::Future as _;\n"));
    s
}

fn cargo(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Result<(Duration, String), String> {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(args).current_dir(dir);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let output = cmd.output().map_err(|e| e.to_string())?;
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(format!("cargo {} failed:\n{stderr}", args.join(" ")));
    }
    Ok((took, stderr))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The two 100-endpoint crates: name, manifest, source.
fn crates() -> Result<[(&'static str, String, String); 2], String> {
    let api_client = repo().canonicalize().map_err(|e| e.to_string())?;
    let common = concat!(
        "serde = { version = \"1\", features = [\"derive\"] }\n",
        "serde_json = \"1\"\n"
    );
    let ours = format!("api-client = {{ path = {api_client:?} }}\n{common}");
    let theirs = format!(
        "reqwest = {{ version = \"0.13\", default-features = false, features = [\"rustls-no-provider\", \"http2\"] }}\nrustls = {{ version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }}\nform_urlencoded = \"1\"\n{common}"
    );
    Ok([
        (
            "generated",
            manifest("generated", &ours),
            generated_source(),
        ),
        (
            "hand-written",
            manifest("hand-written", &theirs),
            hand_written_source(),
        ),
    ])
}

/// Writes a one-file crate: its manifest (a workspace of its own) and
/// `src/<file>`.
fn write_crate(dir: &Path, manifest: &str, file: &str, source: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n"))
        .map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src").join(file), source).map_err(|e| e.to_string())
}

/// Builds both crates once (dependencies), then times 3 rebuilds of each
/// crate alone, and reads the macro's own expansion time.
pub fn measure() -> Result<String, String> {
    let root = repo().join("target/bench/compile");
    let mut section = String::from("### Compile time (100 endpoints)\n\n");
    let _ = writeln!(
        section,
        "| crate | build of the crate alone, dev (median of 3, not incremental) | release |"
    );
    let _ = writeln!(section, "|---|---:|---:|");
    let target = root.join("target").to_string_lossy().into_owned();
    let mut times = Vec::new();
    let mut expansion_line = String::new();
    for (name, manifest, source) in &crates()? {
        let dir = root.join(name);
        write_crate(&dir, manifest, "lib.rs", source)?;
        eprintln!("building {name} (dependencies first)…");
        let (dev, release) = rebuilds(&dir, &target)?;
        let (d, r) = (dev.as_secs_f64(), release.as_secs_f64());
        let _ = writeln!(section, "| {name} | {d:.2} s | {r:.2} s |");
        times.push((d, r));
        if *name == "generated" {
            expansion_line = expansion(&dir, &target)?;
        }
    }
    section.push_str(&expansion_line);
    if let [(gd, gr), (hd, hr)] = times.as_slice() {
        let _ = writeln!(
            section,
            "\nGenerated / hand-written build time: {:.2}× dev, {:.2}× release (target ≤ 1.3×).",
            gd / hd,
            gr / hr
        );
    }
    Ok(section)
}

/// The crate's dependencies built, then the medians of 3 rebuilds of the
/// crate alone, dev and release, without incremental compilation.
fn rebuilds(dir: &Path, target: &str) -> Result<(Duration, Duration), String> {
    let envs = [("CARGO_TARGET_DIR", target)];
    cargo(dir, &["build", "-q"], &envs)?;
    cargo(dir, &["build", "-q", "--release"], &envs)?;
    // Incremental compilation off: each build compiles the whole crate.
    let timed = [envs[0], ("CARGO_INCREMENTAL", "0")];
    let mut dev = Vec::new();
    let mut release = Vec::new();
    for _ in 0..3 {
        touch(&dir.join("src/lib.rs"))?;
        dev.push(cargo(dir, &["build", "-q"], &timed)?.0);
        touch(&dir.join("src/lib.rs"))?;
        release.push(cargo(dir, &["build", "-q", "--release"], &timed)?.0);
    }
    Ok((median(dev), median(release)))
}

/// The report's line on `#[api]`'s own expansion time, read from a build
/// with `API_MACROS_TIMING` set.
fn expansion(dir: &Path, target: &str) -> Result<String, String> {
    touch(&dir.join("src/lib.rs"))?;
    let envs = [("CARGO_TARGET_DIR", target), ("API_MACROS_TIMING", "1")];
    let (_, stderr) = cargo(dir, &["build"], &envs)?;
    touch(&dir.join("src/lib.rs"))?;
    let us = stderr.lines().find_map(|l| {
        let after = l.split("expanded in ").nth(1)?;
        after.split(' ').next()?.parse::<u64>().ok()
    });
    let Some(us) = us else {
        eprintln!("no expansion time in the build output");
        return Ok(String::new());
    };
    Ok(format!(
        "\nExpansion of the 100-method trait by `#[api]` (trait, client and mock kit): {:.1} ms (target < 50 ms).\n",
        us as f64 / 1000.0
    ))
}

fn touch(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| e.to_string())
}

/// Clean release builds of a minimal reqwest program with each TLS
/// backend, in separate target directories.
pub fn tls() -> Result<String, String> {
    let root = repo().join("target/bench/tls");
    let variants = [
        (
            "rustls, aws-lc-rs provider (reqwest's default)",
            "features = [\"rustls\"]",
        ),
        (
            "rustls, no provider (ring installed by the app)",
            "features = [\"rustls-no-provider\"]",
        ),
        ("native-tls (system OpenSSL)", "features = [\"native-tls\"]"),
        ("no TLS", "features = []"),
    ];
    let mut section = String::from(
        "### TLS backend build cost (clean release build of a minimal reqwest program)\n\n| backend | clean build |\n|---|---:|\n",
    );
    for (i, (name, features)) in variants.iter().enumerate() {
        let dir = root.join(format!("v{i}"));
        std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
        let extra = if i == 1 {
            "rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }\n"
        } else {
            ""
        };
        let deps = format!(
            "reqwest = {{ version = \"0.13\", default-features = false, {features} }}\ntokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n{extra}"
        );
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("{}\n[workspace]\n", manifest("tls-probe", &deps)),
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(
            dir.join("src/main.rs"),
            "#[tokio::main(flavor = \"current_thread\")]\nasync fn main() { let c = reqwest::Client::builder().build(); println!(\"{}\", c.is_ok()); }\n",
        )
        .map_err(|e| e.to_string())?;
        let target = dir.join("target");
        let _ = std::fs::remove_dir_all(&target);
        let target = target.to_string_lossy().into_owned();
        eprintln!("clean build: {name}…");
        let (took, _) = cargo(
            &dir,
            &["build", "-q", "--release"],
            &[("CARGO_TARGET_DIR", target.as_str())],
        )?;
        let _ = writeln!(section, "| {name} | {:.0} s |", took.as_secs_f64());
    }
    Ok(section)
}

/// The two hello programs: name, dependencies, source.
fn hello_programs() -> Result<[(&'static str, String, &'static str); 2], String> {
    let api_client = repo().canonicalize().map_err(|e| e.to_string())?;
    let tokio = "tokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n";
    let serde = "serde = { version = \"1\", features = [\"derive\"] }\n";
    Ok([
        (
            "api-client (default features)",
            format!("api-client = {{ path = {api_client:?} }}\n{serde}{tokio}"),
            "#[derive(Debug, serde::Deserialize)]\npub struct Pong { pub ok: bool }\n\n\
             #[api_client::api(base = \"https://example.com\")]\npub trait Hello {\n    #[get(\"/ping\")]\n    async fn ping(&self) -> api_client::Result<Pong>;\n}\n\n\
             #[tokio::main(flavor = \"current_thread\")]\nasync fn main() {\n    let client = HelloClient::new().unwrap();\n    println!(\"{:?}\", client.ping().await.map(|p| p.ok).ok());\n}\n",
        ),
        (
            "reqwest (default features)",
            format!("reqwest = {{ version = \"0.13\", features = [\"json\"] }}\n{serde}{tokio}"),
            "#[derive(Debug, serde::Deserialize)]\npub struct Pong { pub ok: bool }\n\n\
             #[tokio::main(flavor = \"current_thread\")]\nasync fn main() {\n    let client = reqwest::Client::new();\n    let pong = async { client.get(\"https://example.com/ping\").send().await?.error_for_status()?.json::<Pong>().await };\n    println!(\"{:?}\", pong.await.map(|p| p.ok).ok());\n}\n",
        ),
    ])
}

/// What a user pays to add us: clean builds (dependencies included, a new
/// target directory each time) of a one-endpoint hello client on
/// api-client with its default features, and of the same program on
/// reqwest with its default features (its `json` feature for the decode),
/// in dev and release.
pub fn hello() -> Result<String, String> {
    let root = repo().join("target/bench/hello");
    let mut section = String::from(
        "### What a user pays to add us: a hello client, clean build\n\n\
         | program | clean build, dev | clean build, release |\n|---|---:|---:|\n",
    );
    let mut times = Vec::new();
    for (i, (name, deps, source)) in hello_programs()?.iter().enumerate() {
        let dir = root.join(format!("p{i}"));
        write_crate(&dir, &manifest("hello", deps), "main.rs", source)?;
        let mut row = Vec::new();
        for profile in [&["build", "-q"][..], &["build", "-q", "--release"][..]] {
            eprintln!("clean build: {name} {profile:?}…");
            row.push(clean_build(&dir, profile)?.as_secs_f64());
        }
        let _ = writeln!(section, "| {name} | {:.0} s | {:.0} s |", row[0], row[1]);
        times.push(row);
    }
    if let [ours, theirs] = times.as_slice() {
        let _ = writeln!(
            section,
            "\napi-client / reqwest: {:.2}× dev, {:.2}× release (target ≤ 1.0).",
            ours[0] / theirs[0],
            ours[1] / theirs[1]
        );
    }
    Ok(section)
}

/// A build in a new target directory of the crate's own.
fn clean_build(dir: &Path, args: &[&str]) -> Result<Duration, String> {
    let target = dir.join("target");
    let _ = std::fs::remove_dir_all(&target);
    let target = target.to_string_lossy().into_owned();
    Ok(cargo(dir, args, &[("CARGO_TARGET_DIR", target.as_str())])?.0)
}

//! The generator on GitHub's REST description (npm `@octokit/openapi`,
//! `api.github.com.json`): how long it takes to write the module, and how
//! long a crate holding it takes to build, to rebuild after one edited
//! line, and to document.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The document: `--doc PATH`, or the npm package fetched once into
/// `target/bench/openapi`.
fn document(dir: &Path) -> Result<PathBuf, String> {
    let given = std::env::args().skip_while(|a| a != "--doc").nth(1);
    if let Some(path) = given {
        return Ok(PathBuf::from(path));
    }
    let path = dir.join("package/generated/api.github.com.json");
    if path.exists() {
        return Ok(path);
    }
    eprintln!("fetching @octokit/openapi from npm…");
    run(Command::new("npm")
        .args(["pack", "--silent", "@octokit/openapi"])
        .current_dir(dir))?;
    let tarball = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .ok_or("npm pack wrote no tarball")?;
    run(Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("package/generated/api.github.com.json")
        .current_dir(dir))?;
    Ok(path)
}

fn run(cmd: &mut Command) -> Result<(Duration, String), String> {
    let started = Instant::now();
    let output = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(format!("{cmd:?} failed:\n{stderr}"));
    }
    Ok((started.elapsed(), stderr))
}

fn cargo(
    dir: &Path,
    args: &[&str],
    target: &Path,
    rustdocflags: bool,
) -> Result<(Duration, String), String> {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    if rustdocflags {
        cmd.env("RUSTDOCFLAGS", "-D warnings");
    }
    run(&mut cmd)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Generates the module 5 times (median), then builds the crate `runs`
/// times from clean (dependencies already built) and after editing one
/// line, and documents it with warnings denied.
pub fn measure(runs: usize) -> Result<String, String> {
    let dir = repo().join("target/bench/openapi");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let doc = document(&dir)?;
    let text = std::fs::read_to_string(&doc).map_err(|e| format!("{}: {e}", doc.display()))?;
    let mut generate = Vec::new();
    let mut generated = None;
    for _ in 0..5 {
        let started = Instant::now();
        let out = api_client_gen::generate(&text, &api_client_gen::Options::default())
            .map_err(|e| e.to_string())?;
        generate.push(started.elapsed());
        generated = Some(out);
    }
    let generated = generated.expect("five runs");
    let crate_dir = dir.join("github");
    write_crate(&crate_dir, &generated.code)?;
    let target = dir.join("target");
    let (clean, edited) = builds(&crate_dir, &target, runs)?;
    eprintln!("documenting…");
    let (doc_time, _) = cargo(&crate_dir, &["doc", "-q", "--no-deps"], &target, true)?;
    let mut s = String::from("### The GitHub client generated from its OpenAPI description\n\n");
    let _ = writeln!(
        s,
        "`{}`: {} operations, {} lines written, {} warnings.\n",
        doc.file_name().unwrap_or_default().to_string_lossy(),
        generated.code.matches("    async fn ").count(),
        generated.code.lines().count(),
        generated.warnings.len()
    );
    let rows = [
        (
            "generate the module (median of 5, release build of the generator)".to_owned(),
            format!("{:.2} s", median(generate).as_secs_f64()),
        ),
        (
            format!("build the crate, dev, from clean (dependencies built; median of {runs})"),
            format!("{:.1} s", median(clean).as_secs_f64()),
        ),
        (
            format!("rebuild after editing one line, dev (incremental; median of {runs})"),
            format!("{:.1} s", median(edited).as_secs_f64()),
        ),
        (
            "`cargo doc --no-deps` with `-D warnings`".to_owned(),
            format!("{:.1} s, no warning", doc_time.as_secs_f64()),
        ),
    ];
    let _ = writeln!(s, "| step | time |\n|---|---:|");
    for (step, time) in rows {
        let _ = writeln!(s, "| {step} | {time} |");
    }
    Ok(s)
}

/// The crate holding the generated module, `src/github.rs`.
fn write_crate(crate_dir: &Path, code: &str) -> Result<(), String> {
    std::fs::create_dir_all(crate_dir.join("src")).map_err(|e| e.to_string())?;
    let api_client = repo().canonicalize().map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"github\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\napi-client = {{ path = {api_client:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\ngarde = {{ version = \"0.23\", features = [\"derive\", \"email\", \"url\", \"regex\"] }}\n\n[workspace]\n"
    );
    std::fs::write(crate_dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(crate_dir.join("src/lib.rs"), "//! GitHub's REST API, generated by api-client-gen.\n#![allow(missing_docs)]\npub mod github;\n").map_err(|e| e.to_string())?;
    std::fs::write(crate_dir.join("src/github.rs"), code).map_err(|e| e.to_string())
}

/// `runs` clean builds of the crate, and `runs` rebuilds after editing one
/// line of the module.
fn builds(
    crate_dir: &Path,
    target: &Path,
    runs: usize,
) -> Result<(Vec<Duration>, Vec<Duration>), String> {
    let module = crate_dir.join("src/github.rs");
    eprintln!("building the dependencies…");
    cargo(crate_dir, &["build", "-q"], target, false)?;
    let (mut clean, mut edited) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        eprintln!("run {run} of {runs}: clean build of the crate…");
        cargo(crate_dir, &["clean", "-q", "-p", "github"], target, false)?;
        clean.push(cargo(crate_dir, &["build", "-q"], target, false)?.0);
        eprintln!("run {run} of {runs}: rebuild after editing one line…");
        let code = std::fs::read_to_string(&module).map_err(|e| e.to_string())?;
        let code = code.replacen(
            "Generated by api-client-gen.",
            &format!("Generated by api-client-gen (edit {run})."),
            1,
        );
        std::fs::write(&module, code).map_err(|e| e.to_string())?;
        edited.push(cargo(crate_dir, &["build", "-q"], target, false)?.0);
    }
    Ok((clean, edited))
}

//! The report: a Markdown table per scenario with the ratios the targets
//! are about, and an SVG bar chart of throughput.

use std::fmt::Write as _;

use crate::run::Measured;

fn find<'a>(results: &'a [Measured], scenario: &str, client: &str) -> Option<&'a Measured> {
    results
        .iter()
        .find(|m| m.scenario == scenario && m.client == client)
}

/// The Markdown section of the HTTP benchmark.
pub fn http(server: &str, runs: usize, results: &[Measured]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Throughput and latency (server: {server})\n");
    if runs > 1 {
        let _ = writeln!(
            out,
            "Medians of {runs} runs; the ratio's range across the runs in brackets.\n"
        );
    }
    let mut scenarios: Vec<&str> = Vec::new();
    for m in results {
        if !scenarios.contains(&m.scenario.as_str()) {
            scenarios.push(&m.scenario);
        }
    }
    let _ = writeln!(
        out,
        "| scenario | client | req/s | mean µs | p50 µs | p99 µs | client CPU µs/call | vs hand-written |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    for scenario in &scenarios {
        let reference = find(results, scenario, "hand-written reqwest")
            .or_else(|| find(results, scenario, "reqwest blocking"))
            .map(|m| m.rps);
        for m in results.iter().filter(|m| &m.scenario == scenario) {
            let ratio = match (m.paired, reference) {
                (Some(p), _) => match m.paired_range {
                    Some((lo, hi)) if hi > lo => format!("{p:.3} [{lo:.3}–{hi:.3}]"),
                    _ => format!("{p:.3}"),
                },
                (None, Some(r)) => format!("{:.3}", m.rps / r),
                (None, None) => String::new(),
            };
            let cpu = m.cpu_us.map_or_else(String::new, |c| format!("{c:.1}"));
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {cpu} | {ratio} |",
                m.scenario, m.client, m.rps, m.mean_us, m.p50_us, m.p99_us
            );
        }
    }
    let _ = writeln!(out, "\n### Targets\n");
    let ratio =
        |s: &str, a: &str, b: &str| Some(find(results, s, a)?.rps / find(results, s, b)?.rps);
    // Against the hand-written reference: the paired (per-round) ratio.
    let paired = |s: &str, a: &str| find(results, s, a)?.paired;
    let mut check =
        |label: &str, value: Option<f64>, ok: &dyn Fn(f64) -> bool, fmt: &dyn Fn(f64) -> String| {
            let line = match value {
                Some(v) => format!(
                    "- {label}: {} ({})",
                    fmt(v),
                    if ok(v) { "met" } else { "NOT met" }
                ),
                None => format!("- {label}: not measured"),
            };
            let _ = writeln!(out, "{line}");
        };
    for s in &scenarios {
        if let Some(r) =
            paired(s, "generated").filter(|_| find(results, s, "hand-written reqwest").is_some())
        {
            check(
                &format!("generated / hand-written, {s}"),
                Some(r),
                &|v| v >= 0.97,
                &|v| format!("{v:.3} (target ≥ 0.97)"),
            );
        }
        if let Some(r) = paired(s, "generated blocking") {
            check(
                &format!("generated blocking / reqwest blocking, {s}"),
                Some(r),
                &|v| v >= 0.97,
                &|v| format!("{v:.3} (target ≥ 0.97)"),
            );
            // Both paired against reqwest's blocking client, round by round.
            check(
                &format!("generated blocking / ureq, {s}"),
                paired(s, "ureq").map(|u| r / u),
                &|v| v >= 0.95,
                &|v| format!("{v:.3} (target ≥ 0.95)"),
            );
        }
    }
    check(
        "generated / Python requests.Session, GET 400 B sequential",
        ratio(
            "GET 400 B, sequential",
            "generated",
            "Python requests.Session",
        ),
        &|v| v >= 4.0,
        &|v| format!("{v:.1}× (target ≥ 4×)"),
    );
    check(
        "generated / Python httpx.AsyncClient, 16 in flight",
        ratio(
            "GET 400 B, 16 in flight",
            "generated",
            "Python httpx.AsyncClient",
        ),
        &|v| v >= 50.0,
        &|v| format!("{v:.1}× (target ≥ 50×)"),
    );
    // Both paired against the hand-written client, round by round.
    let against = |peer: &str| {
        paired("GET 400 B, 16 in flight", "generated")
            .zip(paired("GET 400 B, 16 in flight", peer))
            .map(|(g, y)| g / y)
    };
    check(
        "generated / raw hyper (hyper-util's pooled client), 16 in flight",
        against("raw hyper"),
        &|v| v >= 1.1,
        &|v| format!("{v:.3} (target ≥ 1.1)"),
    );
    check(
        "generated / hyper with a connection per task, 16 in flight",
        against("hyper, a connection per task"),
        &|v| v >= 0.75,
        &|v| format!("{v:.3} (target ≥ 0.75)"),
    );
    check(
        "validation cost on the 30 KB array (generated)",
        paired(
            "GET 30 KB + validation, sequential",
            "generated, no validation",
        )
        .zip(paired("GET 30 KB + validation, sequential", "generated"))
        .map(|(plain, validated)| (plain / validated - 1.0) * 100.0),
        &|v| v <= 15.0,
        &|v| format!("{v:+.1}% slower (target ≤ 15%)"),
    );
    out
}

/// A horizontal bar chart of throughput, one group per scenario, written
/// to `docs/benchmarks.svg`.
pub fn svg(results: &[Measured]) {
    let width = 900.0;
    let label_w = 330.0;
    let bar_h = 16.0;
    let max = results.iter().map(|m| m.rps).fold(1.0, f64::max);
    let mut y = 40.0;
    let mut body = String::new();
    let mut scenarios: Vec<&str> = Vec::new();
    for m in results {
        if !scenarios.contains(&m.scenario.as_str()) {
            scenarios.push(&m.scenario);
        }
    }
    for scenario in scenarios {
        let _ = writeln!(
            body,
            r#"<text x="10" y="{y}" font-weight="bold">{}</text>"#,
            escape(scenario)
        );
        y += 8.0;
        for m in results.iter().filter(|m| m.scenario == scenario) {
            let w = ((m.rps / max) * (width - label_w - 90.0)).max(1.0);
            let color = if m.client.starts_with("generated") {
                "#2b6cb0"
            } else if m.client.starts_with("Python") {
                "#c05621"
            } else {
                "#718096"
            };
            let _ = writeln!(
                body,
                r#"<text x="20" y="{ty}">{}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="{bar_h}" fill="{color}"/><text x="{tx:.1}" y="{ty}">{:.0}/s</text>"#,
                escape(&m.client),
                m.rps,
                ty = y + 12.5,
                tx = label_w + w + 6.0,
            );
            y += bar_h + 4.0;
        }
        y += 18.0;
    }
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" font-family="sans-serif" font-size="12">
<text x="10" y="20" font-size="15" font-weight="bold">api-client benchmarks: requests per second (higher is better)</text>
{body}</svg>
"#,
        h = y + 10.0
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/benchmarks.svg");
    if let Err(e) = std::fs::write(path, svg) {
        eprintln!("cannot write {path}: {e}");
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

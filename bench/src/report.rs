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
    table(&mut out, &scenarios, results);
    let _ = writeln!(out, "\n### Targets\n");
    for line in per_scenario(&scenarios, results).chain(headline(results)) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// One row per client and scenario.
fn table(out: &mut String, scenarios: &[&str], results: &[Measured]) {
    let _ = writeln!(
        out,
        "| scenario | client | req/s | mean µs | p50 µs | p99 µs | client CPU µs/call | vs hand-written |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    for scenario in scenarios {
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
}

/// A target's line: the figure, and whether it meets its bound.
fn check(
    label: &str,
    value: Option<f64>,
    ok: impl Fn(f64) -> bool,
    fmt: impl Fn(f64) -> String,
) -> String {
    match value {
        Some(v) => {
            let verdict = if ok(v) { "met" } else { "NOT met" };
            format!("- {label}: {} ({verdict})", fmt(v))
        }
        None => format!("- {label}: not measured"),
    }
}

/// A ratio at least `min`, printed to three decimals.
fn at_least(label: &str, value: Option<f64>, min: f64) -> String {
    check(
        label,
        value,
        |v| v >= min,
        |v| format!("{v:.3} (target ≥ {min})"),
    )
}

/// Throughput relative to the scenario's reference, paired round by round.
fn paired(results: &[Measured], scenario: &str, client: &str) -> Option<f64> {
    find(results, scenario, client)?.paired
}

/// The generated clients against their reqwest and ureq peers, per scenario.
fn per_scenario<'a>(
    scenarios: &'a [&str],
    results: &'a [Measured],
) -> impl Iterator<Item = String> + 'a {
    scenarios.iter().flat_map(move |s| {
        let mut lines = Vec::new();
        let has_hand = find(results, s, "hand-written reqwest").is_some();
        if let Some(r) = paired(results, s, "generated").filter(|_| has_hand) {
            lines.push(at_least(
                &format!("generated / hand-written, {s}"),
                Some(r),
                0.97,
            ));
        }
        if let Some(r) = paired(results, s, "generated blocking") {
            let label = format!("generated blocking / reqwest blocking, {s}");
            lines.push(at_least(&label, Some(r), 0.97));
            // Both paired against reqwest's blocking client, round by round.
            let ureq = paired(results, s, "ureq").map(|u| r / u);
            lines.push(at_least(
                &format!("generated blocking / ureq, {s}"),
                ureq,
                0.95,
            ));
        }
        lines
    })
}

/// The headline targets: against Python, raw hyper, and validation's cost.
fn headline(results: &[Measured]) -> Vec<String> {
    let ratio =
        |s: &str, a: &str, b: &str| Some(find(results, s, a)?.rps / find(results, s, b)?.rps);
    let concurrent = "GET 400 B, 16 in flight";
    // Both paired against the hand-written client, round by round.
    let against = |peer: &str| {
        paired(results, concurrent, "generated")
            .zip(paired(results, concurrent, peer))
            .map(|(g, y)| g / y)
    };
    let checked = "GET 30 KB + validation, sequential";
    let validation = paired(results, checked, "generated, no validation")
        .zip(paired(results, checked, "generated"))
        .map(|(plain, validated)| (plain / validated - 1.0) * 100.0);
    vec![
        check(
            "generated / Python requests.Session, GET 400 B sequential",
            ratio(
                "GET 400 B, sequential",
                "generated",
                "Python requests.Session",
            ),
            |v| v >= 4.0,
            |v| format!("{v:.1}× (target ≥ 4×)"),
        ),
        check(
            "generated / Python httpx.AsyncClient, 16 in flight",
            ratio(concurrent, "generated", "Python httpx.AsyncClient"),
            |v| v >= 50.0,
            |v| format!("{v:.1}× (target ≥ 50×)"),
        ),
        at_least(
            "generated / raw hyper (hyper-util's pooled client), 16 in flight",
            against("raw hyper"),
            1.1,
        ),
        at_least(
            "generated / hyper with a connection per task, 16 in flight",
            against("hyper, a connection per task"),
            0.75,
        ),
        check(
            "validation cost on the 30 KB array (generated)",
            validation,
            |v| v <= 15.0,
            |v| format!("{v:+.1}% slower (target ≤ 15%)"),
        ),
    ]
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

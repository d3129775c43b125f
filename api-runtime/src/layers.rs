//! The layer test: imports only point down. Each file of `src/` is on a
//! floor (the table below, also in `docs/ARCHITECTURE.md`); a file may
//! name (`use crate::…`, `crate::…::` inline, `super::…`) only files of its
//! own floor or below, and no file reaches itself through the files it
//! names (no circle, within a floor either). Test modules (`#[cfg(test)]
//! mod …`) and comments are not read: the rule is about what ships.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The floors, from the ground up: a path prefix of `src/` and its floor.
const FLOORS: &[(&str, u8, &str)] = &[
    ("error/", 0, "ground"),
    ("secret.rs", 0, "ground"),
    ("encode.rs", 0, "ground"),
    ("shape.rs", 0, "ground"),
    ("request/", 1, "request"),
    ("engine/", 2, "engine"),
    ("metrics.rs", 3, "policy"),
    ("telemetry.rs", 3, "policy"),
    ("policy/", 3, "policy"),
    ("response/", 4, "response"),
    ("client.rs", 5, "front"),
    ("run.rs", 5, "front"),
    ("blocking.rs", 5, "front"),
    ("builder/", 5, "front"),
    ("pages/", 5, "front"),
    ("events/", 5, "front"),
    ("mock/", 5, "front"),
    ("lib.rs", 6, "facade"),
    ("layers.rs", 6, "tests"),
];

fn floor(file: &str) -> Option<(u8, &'static str)> {
    FLOORS
        .iter()
        .find(|(prefix, ..)| file == *prefix || file.starts_with(prefix))
        .map(|(_, floor, name)| (*floor, *name))
}

/// Every `.rs` file under `dir`, by its path relative to `root`.
fn sources(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.strip_prefix(root).expect("under src/");
            let text = std::fs::read_to_string(&path).expect("a source file");
            out.insert(name.to_string_lossy().replace('\\', "/"), text);
        }
    }
}

/// `text` without comments and without `#[cfg(test)] mod … { … }` blocks.
fn shipped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = rest[at + 12..].trim_start();
        let is_mod = after.starts_with("mod ") || after.starts_with("pub(crate) mod ");
        let Some(open) = after.find('{').filter(|_| is_mod) else {
            out.push_str(&rest[..at + 12]);
            rest = &rest[at + 12..];
            continue;
        };
        out.push_str(&rest[..at]);
        let body = &after[open + 1..];
        let mut depth = 1;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            if depth == 0 {
                end = i + 1;
                break;
            }
        }
        rest = &body[end..];
    }
    out.push_str(rest);
    out.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path (`["engine", "direct"]`) of a file.
fn module_of(file: &str) -> Vec<String> {
    let file = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = file.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The file a module path names: the longest prefix that is a file.
fn file_of(files: &BTreeMap<String, String>, parts: &[String]) -> Option<String> {
    for n in (0..=parts.len()).rev() {
        let base = parts[..n].join("/");
        let candidates = if n == 0 {
            vec!["lib.rs".to_owned()]
        } else {
            vec![format!("{base}.rs"), format!("{base}/mod.rs")]
        };
        if let Some(found) = candidates.into_iter().find(|c| files.contains_key(c)) {
            return Some(found);
        }
    }
    None
}

/// The paths a file names: `crate::a::b` (`use` groups expanded) and
/// `super::a`, as module paths.
fn named_paths(module: &[String], text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // The identifiers of a path, up to the first that ends it.
    let words = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        for segment in s.split("::") {
            let segment = segment.trim_start();
            let end = segment
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(segment.len());
            if end > 0 {
                out.push(segment[..end].to_owned());
            }
            if end < segment.len() || end == 0 {
                break;
            }
        }
        out
    };
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent(module))] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find("};").unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let mut path = base.clone();
                    path.extend(words(item.trim().trim_start_matches('{')));
                    out.push(path);
                }
                continue;
            }
            let mut path = base.clone();
            path.extend(words(rest));
            out.push(path);
        }
    }
    out
}

fn parent(module: &[String]) -> Vec<String> {
    module[..module.len().saturating_sub(1)].to_vec()
}

/// Every file's edges to the files it names (not itself).
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    let mut graph = BTreeMap::new();
    for (file, text) in &files {
        // `super` of `a/b.rs` is `a`; of `a/mod.rs`, the crate.
        let module = module_of(file);
        let mut to = BTreeSet::new();
        for path in named_paths(&module, &shipped(text)) {
            if let Some(target) = file_of(&files, &path).filter(|t| t != file) {
                to.insert(target);
            }
        }
        graph.insert(file.clone(), to);
    }
    graph
}

#[test]
fn every_file_is_on_a_floor_and_imports_point_down() {
    let graph = edges();
    let mut problems = Vec::new();
    for (file, targets) in &graph {
        let Some((from, from_name)) = floor(file) else {
            problems.push(format!("{file} is on no floor of the table"));
            continue;
        };
        for target in targets {
            let Some((to, to_name)) = floor(target) else {
                continue;
            };
            if to > from {
                problems.push(format!(
                    "{file} ({from_name}) imports {target} ({to_name}), a floor above"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let graph = edges();
    // Tarjan's components over the file graph.
    let names: Vec<&String> = graph.keys().collect();
    let index: BTreeMap<&String, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let next: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            graph[*n]
                .iter()
                .filter_map(|t| index.get(t).copied())
                .collect()
        })
        .collect();
    let mut cycles = Vec::new();
    for component in components(&next) {
        if component.len() > 1 {
            let mut files: Vec<&str> = component.iter().map(|i| names[*i].as_str()).collect();
            files.sort_unstable();
            cycles.push(files.join(" <-> "));
        }
    }
    assert!(cycles.is_empty(), "import circles:\n{}", cycles.join("\n"));
}

/// The strongly connected components of a graph (recursive Tarjan: the
/// graph is a few dozen files).
fn components(next: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        next: &'a [Vec<usize>],
        order: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on: Vec<bool>,
        counter: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.order[v] = Some(s.counter);
        s.low[v] = s.counter;
        s.counter += 1;
        s.stack.push(v);
        s.on[v] = true;
        for &w in &s.next[v] {
            match s.order[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(o) if s.on[w] => s.low[v] = s.low[v].min(o),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.order[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(component);
        }
    }
    let n = next.len();
    let mut s = State {
        next,
        order: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on: vec![false; n],
        counter: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.order[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn architecture_states_the_same_floors() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ARCHITECTURE.md");
    let Ok(doc) = std::fs::read_to_string(&doc) else {
        // Built from a package without the workspace's docs.
        return;
    };
    let mut problems = Vec::new();
    for (prefix, number, name) in FLOORS.iter().filter(|(_, _, name)| *name != "tests") {
        let row_start = format!("| {number} {name} |");
        let Some(row) = doc.lines().find(|l| l.starts_with(&row_start)) else {
            problems.push(format!("no row `{row_start}` in the floors table"));
            continue;
        };
        let files = row.split('|').nth(2).unwrap_or("");
        if !files.contains(&format!("`{prefix}`")) {
            problems.push(format!(
                "the row of floor {number} does not list `{prefix}`"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/ARCHITECTURE.md: {}",
        problems.join("; ")
    );
}

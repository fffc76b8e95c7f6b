//! The house's layering: no import circle between the crate's top-level rooms (`src/X/` or
//! `src/X.rs`), nor between the files of one folder. Every `crate::X` path a room's code
//! names (outside comments) is an edge from that room to `X`, every `super::Y` (or
//! `crate::…::folder::Y`) path a file names an edge to its sibling `Y`; a circle among them
//! fails with the files that make it.
//! The data flows sensor → features → control → engine → compose/synth → audio, and the
//! vocabulary (music, preset, controls) sits below them all.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The room a file under `src/` belongs to (`None`: the crate root and binaries).
fn room(rel: &str) -> Option<String> {
    let first = rel.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "bin")).then(|| name.to_string())
}

/// The rooms `code` names through `crate::X` paths, comments left out.
fn named_rooms(code: &str) -> BTreeSet<String> {
    named_after(code, "crate::")
}

/// The first segments of the paths after `prefix` in `code` (`prefix{a::B, c}` gives `a`
/// and `c`), comments left out.
fn named_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut rooms = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let line = line.split(" //").next().unwrap_or(line);
        let mut from = 0;
        while let Some(found) = line[from..].find(prefix) {
            let at = from + found;
            from = at + prefix.len();
            // Not the tail of a longer path (`x::super::y`, `crate::a::super`).
            if line[..at].ends_with("::") {
                continue;
            }
            let rest = &line[from..];
            let first = |item: &str| -> String {
                item.trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            };
            let names: Vec<String> = match rest.strip_prefix('{') {
                // `crate::{a::B, c}`: each item's first segment, on this line.
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(first)
                    .collect(),
                None => vec![first(rest)],
            };
            // `super::super::x` leaves this folder: it names no sibling.
            rooms.extend(names.into_iter().filter(|n| !n.is_empty() && n != "super"));
        }
    }
    rooms
}

fn walk(dir: &Path, root: &Path, graph: &mut Graph) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, root, graph);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let Some(from) = room(&rel) else { continue };
            let code = std::fs::read_to_string(&path).unwrap();
            let edges = graph.entry(from.clone()).or_default();
            for to in named_rooms(&code) {
                if to != from {
                    edges.entry(to).or_default().insert(rel.clone());
                }
            }
        }
    }
}

/// A circle in `graph`, as the rooms along it (first and last the same), if there is one.
fn find_circle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap();
                let mut circle = path[start..].to_vec();
                circle.push(node.to_string());
                return Some(circle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            if let Some(circle) = visit(next, graph, marks, path) {
                return Some(circle);
            }
        }
        path.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn no_room_of_the_crate_imports_itself_round_a_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = Graph::new();
    walk(&root, &root, &mut graph);
    assert!(graph.len() > 20, "the rooms were read: {:?}", graph.keys());
    if let Some(circle) = find_circle(&graph) {
        let why: Vec<String> = circle
            .windows(2)
            .map(|w| format!("{} -> {} ({:?})", w[0], w[1], graph[&w[0]][&w[1]]))
            .collect();
        panic!("an import circle between rooms:\n  {}", why.join("\n  "));
    }
    // The vocabulary reads none of the rooms above it.
    for low in ["music", "preset", "controls"] {
        for high in [
            "compose", "synth", "engine", "daemon", "control", "features",
        ] {
            assert!(
                !graph[low].contains_key(high),
                "{low} imports {high}: {:?}",
                graph[low][high]
            );
        }
    }
    assert!(
        !graph["synth"].contains_key("compose"),
        "synth is DSP only and never reads the composer: {:?}",
        graph["synth"]["compose"]
    );
}

/// The files of the folder `dir` (module path `module`, e.g. `crate::synth::voices`) and
/// the siblings each names, outside its tests; then the same for each folder inside it.
fn sibling_graphs(dir: &Path, module: &str, out: &mut Vec<(String, Graph)>) {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            sibling_graphs(&path, &format!("{module}::{stem}"), out);
        } else if path.extension().is_some_and(|e| e == "rs") && stem != "mod" {
            let code = std::fs::read_to_string(&path).unwrap();
            let code = code.split("#[cfg(test)]").next().unwrap_or("").to_owned();
            files.insert(stem, code);
        }
    }
    let mut graph = Graph::new();
    for (stem, code) in &files {
        let mut named = named_after(code, "super::");
        named.extend(named_after(code, &format!("{module}::")));
        let edges = graph.entry(stem.clone()).or_default();
        for sibling in named {
            if sibling != *stem && files.contains_key(&sibling) {
                edges.entry(sibling).or_default().insert(stem.clone());
            }
        }
    }
    out.push((module.to_owned(), graph));
}

#[test]
fn no_file_imports_itself_round_a_circle_of_its_siblings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "bin") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            sibling_graphs(&path, &format!("crate::{name}"), &mut folders);
        }
    }
    assert!(folders.len() > 15, "the folders were read");
    let edges: usize = folders
        .iter()
        .flat_map(|(_, g)| g.values())
        .map(|e| e.len())
        .sum();
    assert!(edges > 100, "sibling imports were seen ({edges})");
    for (module, graph) in &folders {
        if let Some(circle) = find_circle(graph) {
            panic!("an import circle in {module}: {}", circle.join(" -> "));
        }
    }
}

#[test]
fn the_check_sees_paths_groups_and_circles() {
    let siblings = named_after(
        "use super::{ble_error::BleError, status};\nuse super::super::x;\n",
        "super::",
    );
    assert_eq!(siblings, ["ble_error", "status"].map(String::from).into());
    let rooms = named_rooms(
        "use crate::music::bar::BarPlan;\nuse crate::{preset::Preset, controls};\n// crate::daemon\nlet x = crate::synth::dsp::exp_fast(1.0); // crate::audio\n",
    );
    let want: BTreeSet<String> = ["music", "preset", "controls", "synth"]
        .map(String::from)
        .into();
    assert_eq!(rooms, want);
    let mut graph = Graph::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "d")] {
        graph
            .entry(a.into())
            .or_default()
            .insert(b.into(), BTreeSet::new());
    }
    assert_eq!(find_circle(&graph), None);
    graph
        .entry("d".into())
        .or_default()
        .insert("b".into(), BTreeSet::new());
    assert_eq!(
        find_circle(&graph),
        Some(["b", "c", "d", "b"].map(String::from).to_vec())
    );
}

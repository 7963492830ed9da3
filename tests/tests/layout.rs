//! Layout habits the code can enforce (DESIGN.md): no two files of a crate import each other,
//! directly or through others, and no file of `runtime/src` or `compiler/src` runs past 800
//! lines unless its module doc says why.
//!
//! Imports are read as text: every `crate::a::b` path in a file's non-test code names the
//! longest module file it reaches (`src/a/b.rs`, `src/a/b/mod.rs`, else `src/a.rs`…). Test
//! modules (from the first `#[cfg(test)]` on) are left out: a test may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file (`src/eval/mod.rs` → `eval`, `src/lib.rs` → ``).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// Non-test code of a file.
fn code(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

/// `crate::` paths in `text`, as module paths (`crate::eval::scratch::Scratch` gives
/// `eval::scratch::Scratch`; the caller finds the longest module prefix).
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let path: Vec<String> = after
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            // `use crate::{a, b::c}`: each item of a brace list at the crate root.
            if path.is_empty() && after.starts_with('{') {
                let inner = after[1..].split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let p: Vec<String> = item
                        .trim()
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    out.push(p);
                }
            } else {
                // `use crate::a::{b, c::d}`: the braces' items under the path.
                let tail = &after[path.join("::").len()..];
                if let Some(inner) = tail.strip_prefix("::{") {
                    for item in inner.split('}').next().unwrap_or("").split(',') {
                        let mut p = path.clone();
                        p.extend(
                            item.trim()
                                .split("::")
                                .filter(|s| !s.is_empty())
                                .map(str::to_string),
                        );
                        out.push(p);
                    }
                }
                out.push(path);
            }
            rest = after;
        }
    }
    out
}

/// Edges file → file of one crate's `src`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<String, String> = files
        .iter()
        .map(|f| {
            (
                module_of(src, f),
                f.strip_prefix(src).unwrap_or(f).display().to_string(),
            )
        })
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = f.strip_prefix(src).unwrap_or(f).display().to_string();
        let text = std::fs::read_to_string(f).expect("source file");
        for path in crate_paths(code(&text)) {
            let to = (1..=path.len())
                .rev()
                .find_map(|n| modules.get(&path[..n].join("::")));
            if let Some(to) = to {
                if *to != from {
                    edges.entry(from.clone()).or_default().insert(to.clone());
                }
            }
        }
        edges.entry(from).or_default();
    }
    edges
}

/// A cycle of `g`, if it has one (depth-first search).
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut c = stack[at..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n.as_str()) {
            if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

const CRATES: &[&str] = &[
    "runtime",
    "compiler",
    "reference",
    "audit",
    "arrow",
    "access",
    "cli",
    "harness",
    "hint",
    "catalog",
];

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let mut loops = Vec::new();
    for c in CRATES {
        let src = root().join(c).join("src");
        assert!(src.is_dir(), "{}", src.display());
        if let Some(cy) = cycle(&graph(&src)) {
            loops.push(format!("{c}: {}", cy.join(" -> ")));
        }
    }
    assert!(loops.is_empty(), "import loops:\n{}", loops.join("\n"));
}

#[test]
fn the_loop_finder_finds_loops() {
    // The reader on a made-up pair that imports each other, and on a chain that does not.
    let a = "use crate::b::Thing;\nfn f() {}\n#[cfg(test)]\nmod tests { use crate::c::X; }";
    let paths = crate_paths(code(a));
    assert_eq!(paths, vec![vec!["b".to_string(), "Thing".to_string()]]);
    let nested = crate_paths("use crate::{x::Y, z};\nuse crate::p::{q::R, s};");
    assert!(nested.contains(&vec!["x".into(), "Y".into()]), "{nested:?}");
    assert!(
        nested.contains(&vec!["p".into(), "q".into(), "R".into()]),
        "{nested:?}"
    );
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a.rs".into()).or_default().insert("b.rs".into());
    g.entry("b.rs".into()).or_default().insert("c.rs".into());
    assert_eq!(cycle(&g), None);
    g.entry("c.rs".into()).or_default().insert("a.rs".into());
    assert_eq!(
        cycle(&g),
        Some(vec![
            "a.rs".into(),
            "b.rs".into(),
            "c.rs".into(),
            "a.rs".into()
        ])
    );
}

#[test]
fn long_files_say_why() {
    let mut long = Vec::new();
    for c in ["runtime", "compiler"] {
        let mut files = Vec::new();
        rust_files(&root().join(c).join("src"), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).expect("source file");
            let lines = text.lines().count();
            let doc: String = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .collect::<Vec<_>>()
                .join("\n");
            if lines > 800 && !doc.contains("Why this file is long") {
                long.push(format!("{} ({lines} lines)", f.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over 800 lines without a reason: {long:?}"
    );
}

//! Tidy checks on the code's shape, read from the source as rust-analyzer's own tidy test reads
//! it: the arrows between modules run one way (no module imports one above it, no import circle)
//! and no function in `src/` is too long to read. Each check is tried on a made-up source first,
//! so a check that cannot fail would fail here.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use support::{rust_files, workspace};

/// The crates whose `src/` is checked.
const CRATES: [&str; 4] = ["bank-core", "bank-stress", "xtask", "examples/my-bank"];

/// The longest a function in `src/` may be, in lines from its `fn` to its closing brace.
const MAX_FUNCTION_LINES: usize = 80;

/// `source` with comments, string and character literals blanked out (newlines kept, so line
/// numbers stay true), and everything from the first `#[cfg(test)]` on dropped: test modules
/// may `use super::*`, and test functions may be as long as their table of cases.
fn code_of(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |text: &str, out: &mut String| {
        out.extend(text.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    };
    while i < bytes.len() {
        let rest = &source[i..];
        let end = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |end| end + 2)
        } else if let Some(hashes) = raw_string_hashes(source, i) {
            let closing = format!("\"{}", "#".repeat(hashes));
            let opening = 2 + hashes;
            rest[opening..]
                .find(&closing)
                .map_or(rest.len(), |end| opening + end + closing.len())
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(rest.len())
        } else if let Some(len) = char_literal_len(rest) {
            len
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        blank(&rest[..end], &mut out);
        i += end;
    }
    match out.find("#[cfg(test)]") {
        Some(tests) => out[..tests].to_string(),
        None => out,
    }
}

/// The number of `#` of a raw string literal starting at `at` (`r"`, `r#"`, …), if one does.
fn raw_string_hashes(source: &str, at: usize) -> Option<usize> {
    let rest = source[at..].strip_prefix('r')?;
    let before = source[..at].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    rest[hashes..].starts_with('"').then_some(hashes)
}

/// The length of a character literal at the start of `rest` (`'a'`, `'\n'`, `'\u{1F600}'`), not
/// a lifetime.
fn char_literal_len(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix('\'')?;
    if let Some(escaped) = body.strip_prefix('\\') {
        let close = escaped.find('\'')?;
        return (close <= 10).then_some(close + 3);
    }
    let c = body.chars().next()?;
    body[c.len_utf8()..]
        .starts_with('\'')
        .then_some(c.len_utf8() + 2)
}

// ---- functions ----------------------------------------------------------------------------

/// Every function with a body in `code` (from [`code_of`]): its name, first line and length in
/// lines.
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let mut search = 0;
    while let Some(offset) = code[search..].find("fn ") {
        let at = search + offset;
        search = at + 3;
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = code[at + 3..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue; // `fn(` in a type
        }
        // The body starts at the first `{` before any `;` (a declaration without a body).
        let Some(open) = code[at..].find(['{', ';']).map(|rel| at + rel) else {
            break;
        };
        if bytes[open] == b';' {
            continue;
        }
        let mut depth = 0usize;
        let mut close = open;
        for (index, &byte) in bytes.iter().enumerate().skip(open) {
            match byte {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = index;
                        break;
                    }
                }
                _ => {}
            }
        }
        let line_of = |offset: usize| code[..offset].matches('\n').count() + 1;
        found.push((name, line_of(at), line_of(close) - line_of(at) + 1));
    }
    found
}

/// The functions longer than [`MAX_FUNCTION_LINES`] in `code`, as `name (N lines, line L)`.
fn long_functions(code: &str) -> Vec<String> {
    functions(code)
        .into_iter()
        .filter(|(_, _, lines)| *lines > MAX_FUNCTION_LINES)
        .map(|(name, line, lines)| format!("{name} ({lines} lines, line {line})"))
        .collect()
}

#[test]
fn the_length_check_measures_from_fn_to_the_closing_brace() {
    let body = "    let x = \"}\"; // }\n".repeat(MAX_FUNCTION_LINES);
    let long = format!("fn long() {{\n{body}}}\nfn short() -> u8 {{ 1 }}\n");
    let code = code_of(&long);
    assert_eq!(
        functions(&code),
        vec![
            ("long".to_string(), 1, MAX_FUNCTION_LINES + 2),
            ("short".to_string(), MAX_FUNCTION_LINES + 3, 1)
        ]
    );
    assert_eq!(long_functions(&code).len(), 1);
    let declaration = code_of("trait T { fn f(&self); }\nfn g() {}\n");
    assert_eq!(functions(&declaration), vec![("g".to_string(), 2, 1)]);
}

#[test]
fn no_function_in_src_is_longer_than_80_lines() {
    let mut long = Vec::new();
    for krate in CRATES {
        for path in rust_files(&workspace().join(krate).join("src")) {
            let code = code_of(&std::fs::read_to_string(&path).unwrap());
            for function in long_functions(&code) {
                let path = path
                    .strip_prefix(workspace())
                    .unwrap()
                    .display()
                    .to_string();
                long.push(format!("{path}: {function}"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them into named steps): {long:#?}"
    );
}

// ---- arrows -------------------------------------------------------------------------------

/// A module's path inside its crate: `["checker", "replay"]`; the crate root is `[]`.
type ModulePath = Vec<String>;

/// The module a source file is, from its path under `src/`.
fn module_of(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: ModulePath = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Every path a module names through `crate::` or `super::` (a `use` group expanded), as the
/// module path it starts from plus the names that follow.
fn named_paths(module: &[String], code: &str) -> Vec<ModulePath> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(['c', 's']) {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at..];
        rest = &rest[at + 1..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let (mut base, mut tail) = if let Some(tail) = tail.strip_prefix("crate::") {
            (Vec::new(), tail)
        } else if let Some(tail) = tail.strip_prefix("super::") {
            (module[..module.len().saturating_sub(1)].to_vec(), tail)
        } else {
            continue;
        };
        while let Some(more) = tail.strip_prefix("super::") {
            base.pop();
            tail = more;
        }
        for names in use_tree(tail) {
            paths.push(base.iter().cloned().chain(names).collect());
        }
    }
    paths
}

/// The paths of a use tree: `a::b` is one, `a::{b, c::d}` two.
fn use_tree(text: &str) -> Vec<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = text.trim_start();
    loop {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            break;
        }
        rest = &rest[name.len()..];
        names.push(name);
        match rest.strip_prefix("::") {
            Some(more) => rest = more.trim_start(),
            None => return vec![names],
        }
    }
    let Some(group) = rest.strip_prefix('{') else {
        return vec![names];
    };
    let mut depth = 1;
    let mut items = Vec::new();
    let mut start = 0;
    for (index, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                items.push(&group[start..index]);
                start = index + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    items
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .flat_map(|item| {
            if item == "self" {
                return vec![names.clone()];
            }
            use_tree(item)
                .into_iter()
                .map(|tail| names.iter().cloned().chain(tail).collect())
                .collect()
        })
        .collect()
}

/// Per module of one crate, the other modules it imports from (a path's longest prefix that is a
/// module).
fn import_graph(
    sources: &BTreeMap<ModulePath, String>,
) -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
    // A `#[macro_export]` macro lives at the crate root whichever file defines it, so
    // `crate::name` of one is not an import from the root.
    let macros: BTreeSet<String> = sources
        .values()
        .flat_map(|code| {
            code.split("#[macro_export]")
                .skip(1)
                .filter_map(|after| {
                    let rest = after.trim_start().strip_prefix("macro_rules!")?;
                    Some(
                        rest.trim_start()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect::<String>(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    sources
        .iter()
        .map(|(module, code)| {
            let targets = named_paths(module, code)
                .into_iter()
                .filter(|path| !(path.len() == 1 && macros.contains(&path[0])))
                .filter_map(|mut path| {
                    while !sources.contains_key(&path) {
                        path.pop()?;
                    }
                    Some(path)
                })
                .filter(|target| target != module)
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

/// What breaks the one-way rule in one crate: a module importing from a module above it (its
/// parent, or the crate root: name the file that defines the item instead), and every circle.
fn arrow_problems(sources: &BTreeMap<ModulePath, String>) -> Vec<String> {
    let name = |module: &ModulePath| {
        if module.is_empty() {
            "the crate root".to_string()
        } else {
            module.join("::")
        }
    };
    let graph = import_graph(sources);
    let mut problems = Vec::new();
    for (module, targets) in &graph {
        for target in targets {
            if module.starts_with(target) {
                problems.push(format!(
                    "{} imports from {} above it",
                    name(module),
                    name(target)
                ));
            }
        }
    }
    // Circles: a depth-first search that meets a module still on its path (at least one circle
    // of every group of modules that import each other; upward imports are reported above).
    fn visit(
        module: &ModulePath,
        graph: &BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        path: &mut Vec<ModulePath>,
        done: &mut BTreeSet<ModulePath>,
        circles: &mut BTreeSet<Vec<ModulePath>>,
    ) {
        if let Some(start) = path.iter().position(|on_path| on_path == module) {
            let mut circle = path[start..].to_vec();
            let first = circle.iter().enumerate().min_by_key(|(_, m)| *m).unwrap().0;
            circle.rotate_left(first);
            circles.insert(circle);
            return;
        }
        if !done.insert(module.clone()) {
            return;
        }
        path.push(module.clone());
        for target in graph.get(module).into_iter().flatten() {
            if !target.is_empty() && !module.starts_with(target) {
                visit(target, graph, path, done, circles);
            }
        }
        path.pop();
    }
    let mut circles = BTreeSet::new();
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    for circle in circles {
        let names: Vec<String> = circle.iter().chain(circle.first()).map(name).collect();
        problems.push(format!("import circle: {}", names.join(" → ")));
    }
    problems
}

fn sources_of(krate: &str) -> BTreeMap<ModulePath, String> {
    let src = workspace().join(krate).join("src");
    let has_lib = src.join("lib.rs").exists();
    rust_files(&src)
        .into_iter()
        // A binary's `main.rs` beside a `lib.rs` is a crate of its own.
        .filter(|file| !(has_lib && file == &src.join("main.rs")))
        .map(|file| {
            let code = code_of(&std::fs::read_to_string(&file).unwrap());
            (module_of(&src, &file), code)
        })
        .collect()
}

#[test]
fn the_arrow_check_finds_an_upward_import_and_a_circle() {
    let module = |path: &str| -> ModulePath {
        path.split("::")
            .filter(|part| !part.is_empty())
            .map(String::from)
            .collect()
    };
    let sources: BTreeMap<ModulePath, String> = [
        ("", "pub mod a; pub mod b;"),
        ("a", "mod child; use crate::b::Thing;"),
        ("a::child", "use super::{Parent, sibling::X};"),
        (
            "a::sibling",
            "#[macro_export]\nmacro_rules! made { () => {} }",
        ),
        ("b", "use crate::a::{self, child::Y}; use crate::made;"),
    ]
    .into_iter()
    .map(|(path, code)| (module(path), code_of(code)))
    .collect();
    let problems = arrow_problems(&sources);
    assert_eq!(
        problems,
        [
            "a::child imports from a above it",
            "import circle: a → b → a"
        ],
        "{problems:#?}"
    );
}

#[test]
fn no_module_imports_one_above_it_and_no_imports_run_in_a_circle() {
    let mut problems = Vec::new();
    for krate in CRATES {
        for problem in arrow_problems(&sources_of(krate)) {
            problems.push(format!("{krate}: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

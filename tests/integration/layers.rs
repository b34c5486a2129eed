//! Dependencies point one way (ARCHITECTURE.md): model ← db ← services ← (workflow, rest,
//! fns) ← pages. This reads every `crate::` path in `src/` and fails on an upward one, so a
//! shortcut through the layers is caught by `cargo test`, not in review.

use std::path::{Path, PathBuf};

/// (module the file belongs to, module it must not use, why).
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("model", "db", "the model is plain data"),
    ("model", "server", "the model is plain data"),
    ("model", "fns", "the model is plain data"),
    ("model", "pages", "the model is plain data"),
    ("model", "components", "the model is plain data"),
    ("error", "server", "errors are plain data"),
    ("error", "db", "errors are plain data"),
    ("db", "server", "db is below services: pass what it needs as arguments"),
    ("db", "fns", "db is below server functions"),
    ("db", "pages", "db is below pages"),
    ("server::services", "server::workflow", "services queue workflows through db and the installed hook"),
    ("server::services", "server::rest", "REST calls services, not the other way"),
    ("server::services", "server::background", "workers call services, not the other way"),
    ("server::services", "fns", "server functions call services, not the other way"),
    ("server::access", "server::services", "access decides who may call services; it sits below them"),
    ("server::access", "server::workflow", "access sits below workflows"),
    ("server::access", "server::rest", "access sits below REST"),
    ("server::workflow", "server::rest", "workflows and REST are siblings"),
    ("server::workflow", "fns", "workflows and server functions are siblings"),
    ("server::rest", "server::workflow", "REST reaches workflows through services"),
    ("server::rest", "fns", "REST and server functions are siblings"),
    ("fns", "server::rest", "server functions and REST are siblings: share a service instead"),
    ("fns", "server::workflow", "server functions reach workflows through services"),
    ("fns", "pages", "server functions are below pages"),
    ("components", "pages", "components are shared by pages, not the other way"),
    ("server", "pages", "the server does not render pages directly"),
];

/// The module path of a source file: `src/server/rest/mod.rs` → `server::rest`.
fn module_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).filter(|p| p != "mod").collect();
    parts.join("::")
}

fn within(module: &str, prefix: &str) -> bool {
    module == prefix || module.starts_with(&format!("{prefix}::"))
}

/// Every path used after `crate::` (expanding one level of `crate::{a::b, c}` groups),
/// with the line it is on. Comments are skipped.
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line_no = 1;
    let mut in_group: Option<usize> = None; // brace depth inside `use crate::{`
    let mut item = String::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        if let Some(depth) = in_group.as_mut() {
            // Inside a group: collect items at depth 1.
            for ch in rest.chars() {
                match ch {
                    '{' => *depth += 1,
                    '}' => {
                        *depth -= 1;
                        if *depth == 0 {
                            break;
                        }
                    }
                    ',' if *depth == 1 => {
                        out.push((line_no, item.trim().to_string()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if *depth == 1 {
                    item.push(ch);
                }
            }
            if *depth == 0 {
                if !item.trim().is_empty() {
                    out.push((line_no, item.trim().to_string()));
                }
                item.clear();
                in_group = None;
            }
            line_no += 1;
            continue;
        }
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                // The group may close on this line.
                let mut depth = 1;
                for ch in group.chars() {
                    match ch {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 1 => {
                            out.push((line_no, item.trim().to_string()));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    if depth >= 1 {
                        item.push(ch);
                    }
                }
                if depth == 0 {
                    if !item.trim().is_empty() {
                        out.push((line_no, item.trim().to_string()));
                    }
                    item.clear();
                    in_group = None;
                } else {
                    in_group = Some(depth);
                }
                break;
            }
            let path: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            out.push((line_no, path.trim_end_matches(':').to_string()));
            rest = &after[path.len()..];
        }
        line_no += 1;
    }
    out.into_iter().filter(|(_, p)| !p.is_empty()).collect()
}

/// The pages module a file belongs to: `pages::tenant::members` → `pages::tenant`.
fn page_of(module: &str) -> Option<String> {
    let mut it = module.split("::");
    (it.next() == Some("pages")).then(|| it.next().map(|p| format!("pages::{p}"))).flatten()
}

fn violations(root: &Path, file: &Path, source: &str) -> Vec<String> {
    let module = module_of(root, file);
    let mut found = Vec::new();
    for (line, path) in crate_paths(source) {
        for (from, to, why) in FORBIDDEN {
            if within(&module, from) && within(&path, to) {
                found.push(format!("{}:{line}: {module} uses crate::{path} ({why})", file.display()));
            }
        }
        // A page may use its own submodules, never another page: shared parts go to components.
        if let (Some(mine), Some(theirs)) = (page_of(&module), page_of(&path)) {
            if mine != theirs {
                found.push(format!(
                    "{}:{line}: {module} uses crate::{path} (pages do not import each other; move it to components)",
                    file.display()
                ));
            }
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_upward() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 50, "found only {} source files under {}", files.len(), root.display());
    let all: Vec<String> =
        files.iter().flat_map(|f| violations(&root, f, &std::fs::read_to_string(f).unwrap())).collect();
    assert!(all.is_empty(), "upward imports:\n{}", all.join("\n"));
}

#[test]
fn the_check_catches_upward_imports_in_every_form() {
    let root = Path::new("/src");
    let db = Path::new("/src/db/audit.rs");
    assert_eq!(violations(root, db, "use crate::model::Tenant;\nuse crate::error::AppError;"), Vec::<String>::new());
    assert_eq!(violations(root, db, "use crate::server::access::Caller;").len(), 1);
    assert_eq!(violations(root, db, "fn f(c: &crate::server::access::Caller) {}").len(), 1);
    assert_eq!(violations(root, db, "use crate::{model::Tenant, server::state::AppState};").len(), 1);
    assert_eq!(violations(root, db, "use crate::{\n    model::Tenant,\n    fns::respond,\n};").len(), 1);
    assert_eq!(violations(root, db, "// crate::server::access is mentioned in a comment").len(), 0);
    let services = Path::new("/src/server/services/tenants.rs");
    assert_eq!(violations(root, services, "use crate::server::workflow::start;").len(), 1);
    assert_eq!(violations(root, services, "use crate::server::services::audit;").len(), 0);
    let page = Path::new("/src/pages/tenant/members.rs");
    assert_eq!(violations(root, page, "use crate::pages::tenant::TenantContext;").len(), 0);
    assert_eq!(violations(root, page, "use crate::pages::workflows::RunList;").len(), 1);
    assert_eq!(module_of(root, Path::new("/src/server/rest/mod.rs")), "server::rest");
}

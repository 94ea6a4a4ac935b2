//! `cargo xtask tidy`: keeps ARCHITECTURE.md's code map true by a check rather than by memory.
//!
//! The code map has one `### \`<crate>/\`` section per workspace member. Inside a section,
//! every backticked token that looks like a path (`hub.rs`, `auth/limit.rs`, `tests/api/`)
//! names something of that crate; a token without a slash may name a file anywhere in the
//! crate (the map nests files under their folder's bullet). Two rules:
//! 1. every named path exists, so the map never sends a reader to a file that is gone;
//! 2. every `.rs` file of the crate is named, itself or through a folder (`tests/suite/`),
//!    so a new file cannot be added without saying in the map what it is for.

use std::fs;
use std::path::{Path, PathBuf};

const MAP_HEADING: &str = "## Code map";

pub fn tidy(root: &Path) -> Result<(), String> {
    let arch_path = root.join("ARCHITECTURE.md");
    let arch = fs::read_to_string(&arch_path)
        .map_err(|e| format!("cannot read {}: {e}", arch_path.display()))?;
    let manifest = fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let problems = check(root, &arch, &workspace_members(&manifest))?;
    if problems.is_empty() {
        println!("tidy: ARCHITECTURE.md's code map matches the tree");
        Ok(())
    } else {
        Err(format!(
            "ARCHITECTURE.md's code map is out of date:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// The problems found, one line each; empty when the map is true.
fn check(root: &Path, arch: &str, members: &[String]) -> Result<Vec<String>, String> {
    let sections = code_map_sections(arch);
    let mut problems = Vec::new();
    for member in members {
        let Some((_, tokens)) = sections.iter().find(|(krate, _)| krate == member) else {
            problems.push(format!(
                "the workspace member `{member}/` has no `### \\`{member}/\\`` section"
            ));
            continue;
        };
        let crate_dir = root.join(member);
        let (files, dirs) = walk(&crate_dir)?;
        let mut covered = vec![false; files.len()];
        for token in tokens {
            let mut hits = 0;
            for (file, covered) in files.iter().zip(covered.iter_mut()) {
                let rel = file.strip_prefix(&crate_dir).unwrap_or(file);
                if names(token, rel) {
                    *covered = true;
                    hits += 1;
                }
            }
            // A folder counts if it exists, at the crate root, under src/ or nested (the
            // map names `automerge_repo/` under its `benches/` bullet).
            let dir = token.trim_end_matches('/');
            let exists = hits > 0
                || crate_dir.join(token).exists()
                || crate_dir.join("src").join(token).exists()
                || dirs.iter().any(|d| {
                    let rel = d.strip_prefix(&crate_dir).unwrap_or(d).to_string_lossy();
                    rel == dir || rel.ends_with(&format!("/{dir}"))
                });
            if !exists {
                problems.push(format!(
                    "`{member}/`: names `{token}`, which does not exist"
                ));
            }
        }
        for (file, covered) in files.iter().zip(&covered) {
            if !covered {
                let rel = file.strip_prefix(root).unwrap_or(file);
                problems.push(format!("{} is not in the code map", rel.display()));
            }
        }
    }
    Ok(problems)
}

/// Whether a code-map token names the file at `rel` (relative to its crate).
fn names(token: &str, rel: &Path) -> bool {
    let rel = rel.to_string_lossy().replace('\\', "/");
    let in_src = rel.strip_prefix("src/");
    let candidates = [Some(rel.as_str()), in_src];
    if let Some(dir) = token.strip_suffix('/') {
        let prefix = format!("{dir}/");
        return candidates
            .iter()
            .flatten()
            .any(|path| path.starts_with(&prefix) || path.contains(&format!("/{prefix}")));
    }
    if token.contains('/') {
        candidates
            .iter()
            .flatten()
            .any(|path| *path == token || path.ends_with(&format!("/{token}")))
    } else {
        rel.rsplit('/').next() == Some(token)
    }
}

/// `(crate, path-like tokens)` for each `### \`crate/\`` section of the code map.
fn code_map_sections(arch: &str) -> Vec<(String, Vec<String>)> {
    let Some(start) = arch.find(MAP_HEADING) else {
        return Vec::new();
    };
    let body = &arch[start + MAP_HEADING.len()..];
    let body = body.find("\n## ").map_or(body, |end| &body[..end]);
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in body.lines() {
        if let Some(heading) = line.strip_prefix("### `") {
            let krate = heading.split('`').next().unwrap_or("");
            sections.push((krate.trim_end_matches('/').to_string(), Vec::new()));
            continue;
        }
        let Some((_, tokens)) = sections.last_mut() else {
            continue;
        };
        // Odd-numbered pieces between backticks are code spans.
        for span in line.split('`').skip(1).step_by(2) {
            if is_path(span) && !tokens.iter().any(|t| t == span) {
                tokens.push(span.to_string());
            }
        }
    }
    sections
}

/// Path-like code spans, leaving out routes (`/api/`) and build output (`dist/`,
/// `target/…`), which a clean tree does not have.
fn is_path(span: &str) -> bool {
    if span.starts_with(['/', '.']) || span.starts_with("target/") || span.starts_with("dist") {
        return false;
    }
    let shape = !span.is_empty()
        && span
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    shape && (span.ends_with(".rs") || (span.ends_with('/') && span.len() > 1))
}

fn workspace_members(manifest: &str) -> Vec<String> {
    let Some(start) = manifest.find("members") else {
        return Vec::new();
    };
    let rest = &manifest[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    rest[open + 1..close]
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The crate's `.rs` files and its folders, leaving out build output and hidden folders.
fn walk(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let mut out = Vec::new();
    let mut dirs = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
                .path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    dirs.push(path.clone());
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok((out, dirs))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "# A\n\n## Code map\n\n### `shared/` — x\n- `lib.rs`: root.\n- `domain/`: \
                       rules; `deep.rs` too.\n- `tests/suite/` (one binary).\n\n### `xtask/`\n- `main.rs`\n\n## Invariants\n- `gone.rs` is not in the map section.\n";

    fn tree(files: &[&str]) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        for f in files {
            let path = dir.0.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "").unwrap();
        }
        dir
    }

    /// A throwaway directory without a new dependency.
    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                let n = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos();
                let path = std::env::temp_dir().join(format!("xtask-tidy-{n}"));
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn members() -> Vec<String> {
        vec!["shared".into(), "xtask".into()]
    }

    #[test]
    fn a_true_map_passes() {
        let dir = tree(&[
            "shared/src/lib.rs",
            "shared/src/domain/mod.rs",
            "shared/src/domain/deep.rs",
            "shared/tests/suite/main.rs",
            "xtask/src/main.rs",
        ]);
        assert_eq!(
            check(&dir.0, MAP, &members()).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_new_file_outside_the_map_and_a_named_file_that_is_gone_fail() {
        let dir = tree(&[
            "shared/src/lib.rs",
            "shared/src/extra.rs",
            "shared/tests/suite/main.rs",
            "xtask/src/main.rs",
        ]);
        let problems = check(&dir.0, MAP, &members()).unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("shared/src/extra.rs is not in the code map")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("names `deep.rs`")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("names `domain/`")),
            "{problems:?}"
        );
        assert!(
            !problems.iter().any(|p| p.contains("gone.rs")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_member_without_a_section_fails() {
        let dir = tree(&["shared/src/lib.rs", "xtask/src/main.rs"]);
        let mut members = members();
        members.push("office".into());
        fs::create_dir_all(dir.0.join("office/src")).unwrap();
        let problems = check(&dir.0, MAP, &members).unwrap();
        assert!(
            problems.iter().any(|p| p.contains("`office/`")),
            "{problems:?}"
        );
    }

    #[test]
    fn members_are_read_from_the_manifest() {
        let manifest = "[workspace]\nresolver = \"2\"\nmembers = [\"shared\", \"backend\"]\n";
        assert_eq!(workspace_members(manifest), vec!["shared", "backend"]);
    }
}

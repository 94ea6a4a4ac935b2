//! Security headers on every response (issue 15), with tower-http's header layers.
//!
//! The login token lives in the app's storage, so one injected script would read every
//! session: the Content-Security-Policy lets the page run only the app's own files, the
//! WebAssembly they instantiate, and the inline bootstrap scripts of the built pages,
//! named by hash (Trunk writes the wasm loader inline; `index.html` registers the service
//! worker inline). Styles likewise: the files, and the pages' inline `<style>` by hash
//! (the phone's page carries its stylesheet inline, so its 正在加载 frame paints from the
//! page alone, issue 18). The hashes are read from the built pages at start, so a rebuild
//! needs no change here.
//!
//! `/api/` replies carry personal data, the login reply a token: `Cache-Control: no-store`
//! keeps them out of every cache, the browser's included.

use axum::http::{header, HeaderValue};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy for the pages in `dist` (or, with no pages served, for API replies alone).
pub fn content_security_policy(dist: Option<&Path>) -> String {
    let mut script = String::from("script-src 'self' 'wasm-unsafe-eval'");
    for hash in dist.map(|d| inline_hashes(d, "script")).unwrap_or_default() {
        script.push_str(&format!(" 'sha256-{hash}'"));
    }
    let mut style = String::from("style-src 'self'");
    for hash in dist.map(|d| inline_hashes(d, "style")).unwrap_or_default() {
        style.push_str(&format!(" 'sha256-{hash}'"));
    }
    [
        "default-src 'self'",
        &script,
        &style,
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    .join("; ")
}

/// Base64 SHA-256 of every inline `<script>` (or `<style>`: `tag`) body of the `.html`
/// files at the top of `dist` and of `dist/office`, sorted and without repeats. The pages
/// are our own build output, so a plain scan for `<script …>` without `src` is enough; a
/// page that does not read gives no hash and its inline scripts are blocked, which the
/// e2e suite would show.
fn inline_hashes(dist: &Path, tag: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    // The phone app's pages, and the office console's in `office/` (issue 18).
    let pages = [dist.to_path_buf(), dist.join("office")];
    let entries = pages
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        let Ok(page) = std::fs::read_to_string(&path) else {
            continue;
        };
        for body in inline_bodies(&page, tag) {
            hashes.push(STANDARD.encode(Sha256::digest(body.as_bytes())));
        }
    }
    hashes.sort();
    hashes.dedup();
    hashes
}

/// The bodies of `<script>` (or `<style>`) elements that have no `src` attribute, exactly
/// as written (the browser hashes the text between the tags byte for byte).
fn inline_bodies<'a>(page: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close_tag) = (format!("<{tag}"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(tag_end) = rest.find('>') else { break };
        let attributes = &rest[..tag_end];
        rest = &rest[tag_end + 1..];
        let Some(close) = rest.find(&close_tag) else {
            break;
        };
        let body = &rest[..close];
        rest = &rest[close + close_tag.len()..];
        let has_src = attributes
            .split(|c: char| c.is_whitespace())
            .any(|a| a.starts_with("src="));
        if !has_src && !body.is_empty() {
            out.push(body);
        }
    }
    out
}

/// Adds the headers every response carries.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>, csp: &str) -> Router<S> {
    let csp = HeaderValue::from_str(csp).unwrap_or(HeaderValue::from_static(
        // Not reachable with the policy built above (hashes are base64); the strictest
        // policy is the safe fallback.
        "default-src 'none'; frame-ancestors 'none'",
    ));
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // For browsers that predate `frame-ancestors`.
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

/// `Cache-Control: no-store` for the API's replies.
pub fn no_store<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_scripts_with_src_are_not() {
        let page = r#"<head><script type="module">import init from '/a.js';</script>
            <script src="/b.js"></script><script>
  x()
</script></head>"#;
        assert_eq!(
            inline_bodies(page, "script"),
            vec!["import init from '/a.js';", "\n  x()\n"]
        );
    }

    /// Issue 18: the phone's stylesheet is inline, so the page's 正在加载 frame paints
    /// before any other file arrives; the policy allows that one style by its hash only.
    #[test]
    fn issue_18_inline_styles_are_allowed_by_hash_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<style>.boot{color:red}</style><script>a()</script>",
        )
        .unwrap();
        let csp = content_security_policy(Some(dir.path()));
        let hash = STANDARD.encode(Sha256::digest(b".boot{color:red}"));
        assert!(
            csp.contains(&format!("style-src 'self' 'sha256-{hash}'")),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }

    #[test]
    fn policy_names_each_inline_script_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<script>a()</script>").unwrap();
        std::fs::write(dir.path().join("office.html"), "<script>a()</script>").unwrap();
        let csp = content_security_policy(Some(dir.path()));
        let hash = STANDARD.encode(Sha256::digest(b"a()"));
        assert_eq!(csp.matches(&format!("'sha256-{hash}'")).count(), 1);
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"));
    }

    #[test]
    fn issue_18_the_office_consoles_page_is_covered_too() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<script>phone()</script>").unwrap();
        std::fs::create_dir(dir.path().join("office")).unwrap();
        std::fs::write(
            dir.path().join("office/index.html"),
            "<script>office()</script>",
        )
        .unwrap();
        let csp = content_security_policy(Some(dir.path()));
        for body in [&b"phone()"[..], b"office()"] {
            let hash = STANDARD.encode(Sha256::digest(body));
            assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
        }
    }
}

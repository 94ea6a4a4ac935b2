//! Issue 15: the web surface. Every response carries the security headers, the API's
//! replies are never cached, and refusals never pass parser text to the user.

use super::*;

/// A dist with the shapes Trunk writes: an inline module loader, a hashed asset.
fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dist");
    std::fs::write(
        dir.path().join("index.html"),
        "<html><head><script type=\"module\">import init from '/frontend-0123456789abcdef.js';await init();</script>\
         <script src=\"/other.js\"></script></head><body></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("frontend-0123456789abcdef.js"),
        "export default 1;",
    )
    .unwrap();
    // The office console (issue 18), built into its own directory.
    std::fs::create_dir(dir.path().join("office")).unwrap();
    std::fs::write(
        dir.path().join("office/index.html"),
        "<html><head><script type=\"module\">import init from '/office/office-0123456789abcdef.js';await init();</script>\
         </head><body>office console</body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("office/office-0123456789abcdef.js"),
        "export default 2;",
    )
    .unwrap();
    dir
}

async fn body_text(resp: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("a body");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn issue_18_office_routes_serve_the_console_and_other_routes_the_phone_app() {
    let dist = dist();
    let state = AppState::open(Config {
        data_dir: None,
        assets_dir: Some(dist.path().to_path_buf()),
        demo: true,
    })
    .expect("state");
    let router = app(state);
    for path in ["/office", "/office/", "/office/x", "/office/person/p1-1"] {
        let resp = get(&router, path, None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert!(
            has(&resp, header::CACHE_CONTROL, "no-cache"),
            "{path}: an app page is revalidated"
        );
        assert!(body_text(resp).await.contains("office console"), "{path}");
    }
    for path in ["/", "/x", "/officex"] {
        let resp = get(&router, path, None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let body = body_text(resp).await;
        assert!(
            body.contains("/frontend-0123456789abcdef.js") && !body.contains("office console"),
            "{path} serves the phone app: {body}"
        );
    }
    let asset = get(&router, "/office/office-0123456789abcdef.js", None).await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(has(
        &asset,
        header::CACHE_CONTROL,
        "public, max-age=31536000, immutable"
    ));
    assert_eq!(body_text(asset).await, "export default 2;");
    // The console's inline loader is allowed by the policy like the phone's.
    let csp = get(&router, "/office/x", None).await;
    let loader = "import init from '/office/office-0123456789abcdef.js';await init();";
    let hash = {
        use sha2::Digest;
        base64_sha256(&sha2::Sha256::digest(loader.as_bytes()))
    };
    let policy = csp
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");
}

async fn get(router: &Router, path: &str, token: Option<&str>) -> axum::response::Response {
    let mut req = Request::builder().method(Method::GET).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .expect("a response")
}

fn has(resp: &axum::response::Response, name: header::HeaderName, value: &str) -> bool {
    resp.headers().get(&name).and_then(|v| v.to_str().ok()) == Some(value)
}

#[tokio::test]
async fn issue_15_every_response_carries_the_security_headers() {
    let dist = dist();
    let state = AppState::open(Config {
        data_dir: None,
        assets_dir: Some(dist.path().to_path_buf()),
        demo: true,
    })
    .expect("state");
    let token = login_token(&state, OFFICE);
    let router = app(state);
    let loader = "import init from '/frontend-0123456789abcdef.js';await init();";
    let loader_hash = {
        use sha2::Digest;
        base64_sha256(&sha2::Sha256::digest(loader.as_bytes()))
    };
    for (path, token) in [
        ("/", None),
        ("/frontend-0123456789abcdef.js", None),
        ("/office", None),
        ("/api/health", None),
        ("/api/office/overview", Some(token.as_str())),
        ("/api/no-such-route", None),
    ] {
        let resp = get(&router, path, token).await;
        assert!(
            resp.status().is_success() || path == "/api/no-such-route",
            "{path}: {}",
            resp.status()
        );
        let csp = resp
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        for part in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: CSP {csp:?} lacks {part}");
        }
        assert!(
            csp.contains(&format!("'sha256-{loader_hash}'")),
            "{path}: the inline loader is allowed by its hash: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(
            has(&resp, header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            "{path}"
        );
        assert!(has(&resp, header::REFERRER_POLICY, "no-referrer"), "{path}");
        assert!(has(&resp, header::X_FRAME_OPTIONS, "DENY"), "{path}");
        if path.starts_with("/api/") {
            assert!(has(&resp, header::CACHE_CONTROL, "no-store"), "{path}");
        }
    }
    // Assets keep their own caching: hashed files for good, the page revalidated.
    let asset = get(&router, "/frontend-0123456789abcdef.js", None).await;
    assert!(has(
        &asset,
        header::CACHE_CONTROL,
        "public, max-age=31536000, immutable"
    ));
    let page = get(&router, "/", None).await;
    assert!(has(&page, header::CACHE_CONTROL, "no-cache"));
}

#[tokio::test]
async fn issue_15_the_login_reply_with_its_token_is_never_cached() {
    let state = open(None);
    let router = app(state);
    let body = serde_json::json!({"phone": OFFICE, "password": DEMO_PASSWORD, "actors": []});
    let resp = router
        .oneshot(
            Request::post("/api/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(has(&resp, header::CACHE_CONTROL, "no-store"));
}

fn base64_sha256(digest: &[u8]) -> String {
    // Test-side encoder, so the test does not share the server's code for what it checks.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in digest.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn issue_15_refusals_name_the_field_in_chinese_never_the_parsers_text() {
    let state = open(None);
    let server = Server::in_process(&state);
    for (method, path, body, expected) in [
        (
            Method::GET,
            "/api/findings?year=20x6",
            None,
            "查询参数 year 的值有误",
        ),
        (
            Method::GET,
            "/api/office/overview?as_of=2026-13-01",
            None,
            "查询参数 as_of 的值有误",
        ),
        (
            Method::GET,
            "/api/county?limit=abc",
            None,
            "查询参数 limit 的值有误",
        ),
        (
            Method::POST,
            "/api/login",
            Some("{\"phone\": 13800000101}"),
            "请求内容无法读取：字段 phone 缺失或格式不对",
        ),
        (
            Method::POST,
            "/api/login",
            Some("{not json"),
            "请求内容无法读取：不是有效的 JSON",
        ),
        (
            Method::POST,
            "/api/office/inspections",
            Some("{\"date\": 5}"),
            "检查记录无法读取：字段 date 缺失或格式不对",
        ),
    ] {
        let reply = server
            .request(
                method,
                path,
                body.map(|_| "application/json"),
                body.unwrap_or_default().as_bytes().to_vec(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            reply.text()
        );
        let error: serde_json::Value = serde_json::from_slice(&reply.body).expect("a JSON error");
        let message = error["error"].as_str().unwrap_or_default();
        assert_eq!(message, expected, "{path}");
    }
}

async fn login_from(server: &Server, phone: &str, password: &str, device: Option<&str>) -> Reply {
    let body =
        serde_json::json!({ "phone": phone, "password": password, "actors": [], "device": device });
    server
        .request_as(
            None,
            Method::POST,
            "/api/login",
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
}

#[tokio::test]
async fn issue_15_failures_elsewhere_never_lock_the_owner_out_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("data dir");
    let open = || {
        AppState::open_with(
            Config {
                data_dir: Some(dir.path().to_path_buf()),
                assets_dir: None,
                demo: true,
            },
            backend::auth::AuthConfig {
                limits: backend::auth::LoginLimits {
                    // A wait no test run can outlast between two requests.
                    first_wait_secs: 600,
                    ..backend::auth::LoginLimits::default()
                },
                ..backend::auth::AuthConfig::default()
            },
        )
        .expect("state")
    };
    let state = open();
    let server = Server::in_process(&state);
    // The member's own phone has logged in before.
    let reply = login_from(&server, MEMBER_B1, DEMO_PASSWORD, Some("dev-owner-phone")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    // Someone else types wrong passwords for the member's number until they must wait.
    let mut refused = 0;
    for _ in 0..8 {
        let reply = login_from(&server, MEMBER_B1, "guess-123", None).await;
        match reply.status {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(
                    reply.text().contains("登录尝试过于频繁，请 10 分钟后再试"),
                    "{}",
                    reply.text()
                );
            }
            other => panic!("{other}: {}", reply.text()),
        }
    }
    assert_eq!(refused, 5, "five free failures, then the guesser waits");
    let reply = login_from(&server, MEMBER_B1, DEMO_PASSWORD, None).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser's client waits even with the password"
    );

    // The owner's own phone logs in as always, and so does it after a restart.
    let reply = login_from(&server, MEMBER_B1, DEMO_PASSWORD, Some("dev-owner-phone")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    drop(server);
    drop(state);
    let state = open();
    let server = Server::in_process(&state);
    let reply = login_from(&server, MEMBER_B1, DEMO_PASSWORD, None).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a restart keeps the counts: {}",
        reply.text()
    );
    let reply = login_from(&server, MEMBER_B1, DEMO_PASSWORD, Some("dev-owner-phone")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // A made-up device id is just another client.
    let reply = login_from(&server, MEMBER_B1, DEMO_PASSWORD, Some("dev-made-up")).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text()
    );

    // The county office sees the failures on the account page.
    let reply = server
        .request(Method::GET, "/api/office/accounts", None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&reply.body).unwrap();
    let member = rows
        .iter()
        .find(|r| r["phone"] == MEMBER_B1)
        .expect("the member is listed");
    assert_eq!(member["failed_logins"], 5, "{member}");
    let colleague = rows.iter().find(|r| r["phone"] == SECRETARY_B1).unwrap();
    assert_eq!(colleague["failed_logins"], 0);
}

/// Issue 15: the operator's commands answer in Chinese with an exit code, never Rust's
/// Debug dump of an error.
#[test]
fn issue_15_a_refused_backup_says_why_in_chinese() {
    let dir = tempfile::tempdir().expect("data dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backend"))
        .arg("--data-dir")
        .arg(dir.path().join("nothing-here"))
        .args(["backup", "--to"])
        .arg(dir.path().join("copy.sqlite3"))
        .output()
        .expect("the binary runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("错误："), "{err}");
    assert!(err.contains("处没有数据库"), "{err}");
    assert!(
        !err.contains("Error:") && !err.contains("Invalid("),
        "no Debug text: {err}"
    );
}

/// Issue 15: every office action is in the audit log — who, when, what, from where —
/// kept across a restart, readable by administrators only, and not editable.
#[tokio::test]
async fn issue_15_office_actions_are_audited_and_kept_across_restarts() {
    let dir = tempfile::tempdir().expect("data dir");
    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    // The county office downloads the roster and records an inspection; a view is no action.
    let reply = server
        .request(
            Method::GET,
            "/api/office/forms/roster?year=2026",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = server
        .request(Method::GET, "/api/office/overview", None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = server
        .request(
            Method::POST,
            "/api/office/inspections",
            Some("application/json"),
            b"{\"date\": 5}".to_vec(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    drop(server);
    drop(state);

    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    let office_only = server
        .request(Method::GET, "/api/admin/audit", None, Vec::new())
        .await;
    assert_eq!(
        office_only.status,
        StatusCode::FORBIDDEN,
        "administrators only"
    );
    let admin = login_token(&state, "13800009999");
    let reply = server
        .request_as(
            Some(&admin),
            Method::GET,
            "/api/admin/audit",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&reply.body).unwrap();
    let actions: Vec<(&str, &str, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["user"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("office", "POST /api/office/inspections", 400),
            ("office", "GET /api/office/forms/roster?year=2026", 200),
        ],
        "newest first, the refused attempt too, the view not at all"
    );
    assert!(entries.iter().all(|e| e["at"].as_i64().unwrap() > 0));
    // Nothing edits it: no route but the listing.
    for method in [Method::POST, Method::DELETE, Method::PUT] {
        let reply = server
            .request_as(
                Some(&admin),
                method.clone(),
                "/api/admin/audit",
                None,
                Vec::new(),
            )
            .await;
        assert!(reply.status.is_client_error(), "{method}: {}", reply.status);
    }
}

//! Issue 7, faults: the server killed mid-sync, a full or failing disk, a stored document
//! that no longer loads, and backups. Phones here run the app's own session code
//! (`shared::client::SyncClient`), and every fault ends with the question a county office
//! asks: is every acknowledged entry there, exactly once, and does every document load?

use super::*;
use backend::auth::demo::demo_phone;
use backend::backup::db_path;
use backend::store::{Quarantined, StoreError};
use shared::client::SyncClient;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

// ---------------------------------------------------------------------------------------
// Transport and phone, tolerant of failures (the helpers in main.rs assert success)
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
enum Link {
    Router(Router),
    Http(reqwest::Client, String),
}

impl Link {
    fn http(base: String) -> Self {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        Link::Http(client, base)
    }

    /// A sync request with this bearer token.
    async fn post(&self, token: &str, body: Vec<u8>) -> Result<(StatusCode, Vec<u8>), String> {
        self.send(SYNC_PATH, SYNC_CONTENT_TYPE, Some(token), body)
            .await
    }

    /// Status and body, or the transport error (connection refused, reset, timeout).
    async fn send(
        &self,
        path: &str,
        content_type: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Vec<u8>), String> {
        let bearer = token.map(|t| format!("Bearer {t}"));
        match self {
            Link::Router(router) => {
                let mut req = Request::builder()
                    .method(Method::POST)
                    .uri(path)
                    .header(header::CONTENT_TYPE, content_type);
                if let Some(b) = &bearer {
                    req = req.header(header::AUTHORIZATION, b);
                }
                let req = req.body(Body::from(body)).expect("a valid request");
                let resp = router.clone().oneshot(req).await.expect("infallible");
                let status = resp.status();
                let body = resp
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok((status, body.to_bytes().to_vec()))
            }
            Link::Http(client, base) => {
                let mut req = client
                    .post(format!("{base}{path}"))
                    .header(header::CONTENT_TYPE, content_type)
                    .body(body);
                if let Some(b) = &bearer {
                    req = req.header(header::AUTHORIZATION, b);
                }
                let resp = req.send().await.map_err(|e| e.to_string())?;
                let status = resp.status();
                let body = resp.bytes().await.map_err(|e| e.to_string())?;
                Ok((status, body.to_vec()))
            }
        }
    }
}

/// A phone of one branch: the app's `SyncClient` plus the visits it has logged, signed in
/// as its author (a demo account) with its actor id registered, as the app does.
struct FieldPhone {
    client: SyncClient,
    branch: DocId,
    author: String,
    actor: ActorId,
    /// The login, made at the start of the first session that reaches the server and kept
    /// from then on: a restart of the server must not log the phone out.
    token: Option<String>,
    logged: Vec<Visit>,
}

/// How a session ended.
enum Ended {
    /// Every document is known to be on the server in full.
    InSync,
    /// An HTTP error answer: status and body.
    Refused(StatusCode, String),
    /// The connection failed.
    Transport(String),
}

impl Ended {
    fn why(&self) -> String {
        match self {
            Ended::InSync => "in sync".into(),
            Ended::Refused(status, body) => format!("{status}: {body}"),
            Ended::Transport(e) => format!("transport: {e}"),
        }
    }
}

impl FieldPhone {
    fn new(device: &str, branch: &str, author: &str) -> Self {
        let id = DocId::branch(branch).expect("a branch id");
        let actor = ActorId::random();
        let mut client = SyncClient::new(device);
        client.insert(id.clone(), new_document(&id, actor.clone()), None);
        FieldPhone {
            client,
            branch: id,
            author: author.into(),
            actor,
            token: None,
            logged: Vec::new(),
        }
    }

    fn log(&mut self, note_len: usize) -> Visit {
        let n = self.logged.len();
        let v = visit(
            &format!("1770000000000-{}x{n}", self.client.device),
            &self.author,
            "v1",
            VisitKind::Help,
            &format!("{}#{n}{}", self.client.device, "记".repeat(note_len)),
            1_770_000_000_000 + n as i64,
        );
        let doc = self.client.doc(&self.branch).expect("the branch document");
        put_visit(doc, &v, v.recorded_at / 1000).expect("put_visit");
        self.logged.push(v.clone());
        v
    }

    fn visits(&mut self) -> BTreeMap<String, Visit> {
        read_branch(self.client.doc(&self.branch).expect("branch"))
            .expect("the phone's document reads")
            .visits
    }

    fn docs(&self) -> [DocId; 1] {
        [self.branch.clone()]
    }

    /// POST /api/login as the author's demo account, registering this phone's actor.
    async fn login(&mut self, link: &Link) -> Result<String, Ended> {
        if let Some(t) = &self.token {
            return Ok(t.clone());
        }
        let phone = demo_phone(&self.author).expect("a demo author");
        let body = serde_json::json!({
            "phone": phone,
            "password": DEMO_PASSWORD,
            "actors": [self.actor.to_hex_string()],
        });
        let (status, body) = link
            .send(
                "/api/login",
                "application/json",
                None,
                body.to_string().into_bytes(),
            )
            .await
            .map_err(Ended::Transport)?;
        if status != StatusCode::OK {
            return Err(Ended::Refused(
                status,
                String::from_utf8_lossy(&body).into_owned(),
            ));
        }
        let json: serde_json::Value = serde_json::from_slice(&body).expect("login JSON");
        let token = json["token"].as_str().expect("a token").to_string();
        self.token = Some(token.clone());
        Ok(token)
    }

    async fn session(&mut self, link: &Link) -> Ended {
        let token = match self.login(link).await {
            Ok(t) => t,
            Err(ended) => return ended,
        };
        let ids = self.docs();
        let mut reset = true;
        for _ in 0..MAX_ROUNDS {
            let Some(req) = self.client.next_request(&ids, reset) else {
                break;
            };
            reset = false;
            let (status, body) = match link.post(&token, req.encode()).await {
                Ok(r) => r,
                Err(e) => return Ended::Transport(e),
            };
            if status != StatusCode::OK {
                return Ended::Refused(status, String::from_utf8_lossy(&body).into_owned());
            }
            let resp = SyncResponse::decode(&body).expect("a 200 carries a response");
            let applied = self.client.apply(resp);
            assert!(applied.problems.is_empty(), "{:?}", applied.problems);
        }
        if ids.iter().all(|id| self.client.in_sync(id)) {
            Ended::InSync
        } else {
            Ended::Transport("session ended unfinished".into())
        }
    }
}

/// Visits stored for `doc` in the database at `db`, read the way a restarted server reads
/// them; panics if the document does not load.
fn stored_visits(db: &Path, doc: &str) -> BTreeMap<String, Visit> {
    let store = SqliteStore::open(db).expect("the database opens");
    let chunks = store.load(doc).expect("chunks load");
    if chunks.is_empty() {
        return BTreeMap::new();
    }
    let loaded = AutoCommit::load(&chunks.concat())
        .unwrap_or_else(|e| panic!("stored {doc} does not load: {e}"));
    read_branch(&loaded)
        .unwrap_or_else(|e| panic!("stored {doc} does not read: {e}"))
        .visits
}

// ---------------------------------------------------------------------------------------
// The real server binary
// ---------------------------------------------------------------------------------------

struct ServerProcess {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

fn backend_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_backend"))
}

impl ServerProcess {
    async fn start(data_dir: &Path, port: u16) -> Self {
        let child = backend_bin()
            .args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(data_dir)
            .arg("--assets")
            .arg(data_dir.join("no-assets"))
            // These phones sync in a tight loop; the rate limit has its own test.
            .args(["--device-rate", "1000", "--device-burst", "1000"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary starts");
        let base = format!("http://127.0.0.1:{port}");
        let probe = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let mut server = ServerProcess { child, base };
        for _ in 0..300 {
            if let Ok(r) = probe
                .get(format!("{}/api/health", server.base))
                .send()
                .await
            {
                if r.status().is_success() {
                    return server;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited at start-up: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.kill();
        panic!("the server did not answer /api/health within 15 s");
    }

    /// SIGKILL: no shutdown handler, no flush; what is not committed is gone.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------
// Crash safety
// ---------------------------------------------------------------------------------------

/// Four phones on two branches log and sync without pause while the real server binary is
/// killed with SIGKILL at seeded random moments and restarted. After each kill, with the
/// server down, every entry the server had acknowledged (a session that ended in sync) must
/// be in the database and every document must load; at the end every entry any phone
/// logged is on the server exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_7_sigkill_at_random_points_loses_no_acknowledged_entry() {
    let seed: u64 = std::env::var("SANLIAN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(dir.path());
    let port = free_port();
    let mut phones: Vec<FieldPhone> = vec![
        FieldPhone::new("crash-a", "b1", "p1-1"),
        FieldPhone::new("crash-b", "b1", "p1-2"),
        FieldPhone::new("crash-c", "b2", "p2-1"),
        FieldPhone::new("crash-d", "b2", "p2-2"),
    ];
    // Visit ids the server acknowledged, per document.
    let mut acked: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut cut_sessions = 0;
    const CYCLES: usize = 6;
    for cycle in 0..CYCLES {
        let mut server = ServerProcess::start(dir.path(), port).await;
        let link = Link::http(server.base.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for (i, mut phone) in phones.drain(..).enumerate() {
            let link = link.clone();
            let stop = stop.clone();
            let mut prng = fastrand::Rng::with_seed(seed ^ ((cycle * 16 + i) as u64));
            tasks.push(tokio::spawn(async move {
                let mut acked_here = Vec::new();
                let mut cut = false;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..prng.usize(1..4) {
                        phone.log(prng.usize(0..200));
                    }
                    let logged: Vec<String> = phone.logged.iter().map(|v| v.id.clone()).collect();
                    match phone.session(&link).await {
                        Ended::InSync => acked_here = logged,
                        Ended::Transport(_) => {
                            cut = true;
                            break;
                        }
                        Ended::Refused(status, body) => {
                            panic!("{} refused: {status} {body}", phone.client.device)
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(prng.u64(0..20))).await;
                }
                (phone, acked_here, cut)
            }));
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(150..1200))).await;
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            let (phone, acked_here, cut) = task.await.expect("a phone task");
            cut_sessions += usize::from(cut);
            acked
                .entry(phone.branch.to_string())
                .or_default()
                .extend(acked_here);
            phones.push(phone);
        }
        // The server is dead: read its disk as the next start will.
        for (doc, ids) in &acked {
            let stored = stored_visits(&db, doc);
            let missing: Vec<&String> = ids.iter().filter(|id| !stored.contains_key(*id)).collect();
            assert!(
                missing.is_empty(),
                "cycle {cycle} (seed {seed}): acknowledged but lost in {doc}: {missing:?}"
            );
        }
    }
    assert!(
        acked.values().map(HashSet::len).sum::<usize>() > 20,
        "too few acknowledged entries to mean anything: {acked:?}"
    );
    assert!(
        cut_sessions >= CYCLES,
        "the kills cut only {cut_sessions} sessions (seed {seed})"
    );

    // Back up: every phone finishes; what was never acknowledged is sent again and arrives.
    let mut server = ServerProcess::start(dir.path(), port).await;
    let link = Link::http(server.base.clone());
    for phone in &mut phones {
        match phone.session(&link).await {
            Ended::InSync => {}
            other => panic!("{} after the crashes: {}", phone.client.device, other.why()),
        }
    }
    server.kill();
    for doc in ["branch/b1", "branch/b2"] {
        let stored = stored_visits(&db, doc);
        let mut expected: BTreeMap<String, Visit> = BTreeMap::new();
        for phone in phones.iter().filter(|p| p.branch.to_string() == doc) {
            for v in &phone.logged {
                assert!(
                    expected.insert(v.id.clone(), v.clone()).is_none(),
                    "ids are unique per phone"
                );
            }
        }
        assert_eq!(
            stored.len(),
            expected.len(),
            "{doc}: every entry exactly once"
        );
        assert!(
            stored == expected,
            "{doc}: the stored entries are the logged ones"
        );
    }
    // And, one more session later, every phone holds the union of its branch.
    let mut server = ServerProcess::start(dir.path(), port).await;
    let link = Link::http(server.base.clone());
    for phone in &mut phones {
        assert!(matches!(phone.session(&link).await, Ended::InSync));
    }
    server.kill();
    for phone in &mut phones {
        let doc = phone.branch.to_string();
        let on_phone: Vec<String> = phone.visits().into_keys().collect();
        let stored: Vec<String> = stored_visits(&db, &doc).into_keys().collect();
        assert_eq!(on_phone, stored, "{}", phone.client.device);
    }
}

// ---------------------------------------------------------------------------------------
// Disk trouble
// ---------------------------------------------------------------------------------------

/// A store whose writes fail while `broken` is set, as on a data directory remounted
/// read-only: reads still work.
struct ReadOnlyDisk {
    inner: SqliteStore,
    broken: AtomicBool,
}

impl ReadOnlyDisk {
    fn check(&self) -> Result<(), StoreError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ReadOnlyFilesystem,
                "read-only file system",
            )
            .into());
        }
        Ok(())
    }
}

impl DocStore for ReadOnlyDisk {
    fn load(&self, doc: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.inner.load(doc)
    }
    fn append(&self, doc: &str, chunk: &[u8]) -> Result<(), StoreError> {
        self.check()?;
        self.inner.append(doc, chunk)
    }
    fn replace(&self, doc: &str, full: &[u8]) -> Result<(), StoreError> {
        self.check()?;
        self.inner.replace(doc, full)
    }
    fn list(&self) -> Result<Vec<String>, StoreError> {
        self.inner.list()
    }
    fn quarantine(&self, doc: &str, reason: &str, at: i64) -> Result<(), StoreError> {
        self.check()?;
        self.inner.quarantine(doc, reason, at)
    }
    fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        self.inner.quarantined()
    }
}

fn state_over(store: Arc<dyn DocStore>) -> AppState {
    AppState::with_store(
        store,
        Config {
            data_dir: None,
            assets_dir: None,
            demo: true,
        },
    )
    .expect("the state opens")
}

/// While the disk refuses writes, a sync is refused with a clear 503 and the phone keeps
/// its entry; the database never holds part of it; once the disk is back the same phone
/// syncs it in its next session.
async fn disk_trouble_story(break_disk: impl Fn(bool), store: Arc<dyn DocStore>, db: &Path) {
    let state = state_over(store);
    let link = Link::Router(app(state.clone()));
    let mut phone = FieldPhone::new("disk-a", "b1", "p1-1");
    let first = phone.log(10);
    assert!(matches!(phone.session(&link).await, Ended::InSync));

    break_disk(true);
    // Large enough to need new pages, so a full disk really is full for it.
    let second = phone.log(20_000);
    match phone.session(&link).await {
        Ended::Refused(status, body) => {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON error");
            let msg = json["error"].as_str().expect("an error message");
            assert!(
                msg.contains("存储暂时不可用") && msg.contains("手机上"),
                "the message says the server cannot store and the phone keeps the data: {msg}"
            );
            assert!(
                !msg.contains("sqlite") && !msg.contains("read-only"),
                "{msg}"
            );
        }
        other => panic!("a sync on a broken disk must be refused: {}", other.why()),
    }
    assert!(
        phone.visits().contains_key(&second.id),
        "the phone keeps it"
    );
    assert!(
        !phone.client.in_sync(&phone.branch),
        "and still counts it as 待同步"
    );
    // Nobody else is served the refused change.
    let mut other = FieldPhone::new("disk-b", "b1", "p1-2");
    assert!(matches!(other.session(&link).await, Ended::InSync));
    assert!(!other.visits().contains_key(&second.id));
    assert!(other.visits().contains_key(&first.id));
    // A fresh server over the same file sees a whole document without the refused entry.
    let on_disk = stored_visits(db, "branch/b1");
    assert!(on_disk.contains_key(&first.id));
    assert!(!on_disk.contains_key(&second.id));

    break_disk(false);
    assert!(matches!(phone.session(&link).await, Ended::InSync));
    let on_disk = stored_visits(db, "branch/b1");
    assert_eq!(on_disk.get(&second.id), Some(&second));
    assert!(matches!(other.session(&link).await, Ended::InSync));
    assert!(other.visits().contains_key(&second.id));
}

#[tokio::test]
async fn issue_7_a_full_disk_refuses_the_sync_and_the_phone_keeps_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(dir.path());
    let store = Arc::new(SqliteStore::open(&db).unwrap());
    let s = store.clone();
    disk_trouble_story(
        move |full| {
            // SQLite's own "database or disk is full" (SQLITE_FULL), at the current size.
            let pages = if full {
                s.page_count().unwrap()
            } else {
                1 << 30
            };
            s.limit_pages(pages).unwrap();
        },
        store.clone(),
        &db,
    )
    .await;
}

#[tokio::test]
async fn issue_7_a_read_only_data_dir_refuses_the_sync_and_the_phone_keeps_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(dir.path());
    let store = Arc::new(ReadOnlyDisk {
        inner: SqliteStore::open(&db).unwrap(),
        broken: AtomicBool::new(false),
    });
    let s = store.clone();
    disk_trouble_story(
        move |broken| s.broken.store(broken, Ordering::SeqCst),
        store.clone(),
        &db,
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Corrupt data
// ---------------------------------------------------------------------------------------

/// A branch document whose stored bytes no longer load is moved to quarantine (bytes kept,
/// listed at /api/admin/quarantine), the county keeps serving the other branches, and the
/// phones that wrote it bring its entries back in their next session.
#[tokio::test]
async fn issue_7_a_document_that_fails_to_load_is_quarantined_and_the_others_keep_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(dir.path());
    let mut p1 = FieldPhone::new("q-a", "b1", "p1-1");
    let mut p2 = FieldPhone::new("q-b", "b2", "p2-1");
    let v1 = p1.log(5);
    let v2 = p2.log(5);
    {
        let state = open(Some(dir.path()));
        let link = Link::Router(app(state));
        assert!(matches!(p1.session(&link).await, Ended::InSync));
        assert!(matches!(p2.session(&link).await, Ended::InSync));
    }
    // Damage b2 on disk: a chunk that is not Automerge.
    SqliteStore::open(&db)
        .unwrap()
        .append("branch/b2", b"\x85\x6f\x4a\x83 not an automerge chunk")
        .unwrap();

    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    let county = server.county().await;
    let listed: Vec<&str> = county.entries.iter().map(|e| e.id.as_str()).collect();
    assert!(
        listed.contains(&v1.id.as_str()),
        "b1 still serves: {listed:?}"
    );
    assert!(!listed.contains(&v2.id.as_str()));

    // The listing is the county office's: no login, or a branch secretary's, is refused.
    let reply = server
        .request_as(None, Method::GET, "/api/admin/quarantine", None, Vec::new())
        .await;
    assert_json_error(&reply, StatusCode::UNAUTHORIZED);
    let reply = server
        .request_as(
            Some(&server.sync_token),
            Method::GET,
            "/api/admin/quarantine",
            None,
            Vec::new(),
        )
        .await;
    assert_json_error(&reply, StatusCode::FORBIDDEN);
    // `request` sends the county office's login for every path but the sync.
    let reply = server
        .request(Method::GET, "/api/admin/quarantine", None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let list: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["doc"], "branch/b2");
    assert!(!list[0]["reason"].as_str().unwrap().is_empty());
    assert!(
        list[0]["bytes"].as_u64().unwrap() > 30,
        "the bytes are kept"
    );

    // The phone still holds its entry and its sync state says the server has it; the
    // protocol notices the server does not and the entry comes back.
    let link = Link::Router(app(state.clone()));
    assert!(matches!(p2.session(&link).await, Ended::InSync));
    assert_eq!(stored_visits(&db, "branch/b2").get(&v2.id), Some(&v2));
    let county = server.county().await;
    assert!(county.entries.iter().any(|e| e.id == v2.id));
    // Restarting does not quarantine it again.
    drop(state);
    let state = open(Some(dir.path()));
    assert_eq!(state.hub().quarantined().unwrap().len(), 1);
    assert!(Server::in_process(&state)
        .county()
        .await
        .entries
        .iter()
        .any(|e| e.id == v2.id));
}

// ---------------------------------------------------------------------------------------
// Backups
// ---------------------------------------------------------------------------------------

fn run_ops(args: &[&str], data_dir: &Path) -> String {
    let out = backend_bin()
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "backend {args:?} failed: {text}");
    text
}

/// `backend backup` copies the database while the real server runs and phones sync;
/// `backend restore` brings it back into an empty data directory, where a server finds every
/// entry acknowledged before the backup; `backend export` writes every document as a
/// standalone .automerge file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_7_online_backup_restores_every_acknowledged_entry_and_export_writes_every_document()
{
    let live = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(live.path(), free_port()).await;
    let link = Link::http(server.base.clone());
    let mut p1 = FieldPhone::new("bk-a", "b1", "p1-1");
    let mut p2 = FieldPhone::new("bk-b", "b2", "p2-1");
    for _ in 0..5 {
        p1.log(50);
        p2.log(50);
        assert!(matches!(p1.session(&link).await, Ended::InSync));
        assert!(matches!(p2.session(&link).await, Ended::InSync));
    }
    let before_backup: Vec<Visit> = p1.logged.iter().chain(&p2.logged).cloned().collect();

    // Phones keep syncing while the backup runs.
    let busy = {
        let link = link.clone();
        tokio::spawn(async move {
            for _ in 0..10 {
                p1.log(50);
                assert!(matches!(p1.session(&link).await, Ended::InSync));
            }
            p1
        })
    };
    let file = live.path().join("backups/one.sqlite3");
    let out = run_ops(&["backup", "--to", file.to_str().unwrap()], live.path());
    assert!(out.contains("3 documents"), "{out}");
    let p1 = busy.await.unwrap();
    server.kill();

    // Backing up onto an existing file is refused, never overwritten.
    let again = backend_bin()
        .arg("--data-dir")
        .arg(live.path())
        .args(["backup", "--to", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());

    let restored = tempfile::tempdir().unwrap();
    run_ops(
        &["restore", "--from", file.to_str().unwrap()],
        restored.path(),
    );
    let state = open(Some(restored.path()));
    let all: BTreeMap<String, Visit> = state
        .hub()
        .all_visits()
        .unwrap()
        .into_iter()
        .flat_map(|(_, v)| v)
        .map(|v| (v.id.clone(), v))
        .collect();
    for v in &before_backup {
        assert_eq!(all.get(&v.id), Some(v), "restored from the backup");
    }
    drop(state);

    let out_dir = tempfile::tempdir().unwrap();
    let out = run_ops(
        &["export", "--dir", out_dir.path().to_str().unwrap()],
        live.path(),
    );
    assert!(out.contains("3 documents"), "{out}");
    let b1 = std::fs::read(out_dir.path().join("branch/b1.automerge")).unwrap();
    let exported = read_branch(&AutoCommit::load(&b1).unwrap()).unwrap().visits;
    for v in &p1.logged {
        assert_eq!(exported.get(&v.id), Some(v), "every entry is in the export");
    }
    let registry = std::fs::read(out_dir.path().join("registry.automerge")).unwrap();
    assert!(read_registry(&AutoCommit::load(&registry).unwrap())
        .unwrap()
        .branches
        .contains_key("b2"));
    assert!(out_dir.path().join("branch/b2.automerge").exists());
}

// ---------------------------------------------------------------------------------------
// Load: group commit and bounded memory
// ---------------------------------------------------------------------------------------

/// The server commits syncs arriving together in one transaction (group commit). Each
/// phone must still be told "in sync" only once its own changes are committed: 24 phones
/// sync at the same moment, the server is killed with SIGKILL right after the last answer,
/// and every acknowledged entry is in the database, twice over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_7_syncs_acknowledged_together_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(dir.path());
    let port = free_port();
    let mut phones: Vec<FieldPhone> = (1..=6)
        .flat_map(|b| {
            (1..=4).map(move |k| {
                FieldPhone::new(
                    &format!("group-{b}-{k}"),
                    &format!("b{b}"),
                    &format!("p{b}-{k}"),
                )
            })
        })
        .collect();
    for round in 0..2 {
        let server = ServerProcess::start(dir.path(), port).await;
        let link = Link::http(server.base.clone());
        // Log in first, so the syncs themselves are what arrives together.
        for phone in &mut phones {
            if let Err(e) = phone.login(&link).await {
                panic!("{} cannot log in: {}", phone.client.device, e.why());
            }
        }
        let tasks: Vec<_> = phones
            .drain(..)
            .map(|mut phone| {
                let link = link.clone();
                tokio::spawn(async move {
                    phone.log(10);
                    phone.log(300);
                    let ended = phone.session(&link).await;
                    (phone, ended)
                })
            })
            .collect();
        for task in tasks {
            let (phone, ended) = task.await.expect("a phone task");
            assert!(
                matches!(ended, Ended::InSync),
                "round {round}: {} {}",
                phone.client.device,
                ended.why()
            );
            phones.push(phone);
        }
        drop(server); // SIGKILL
        for b in 1..=6 {
            let doc = format!("branch/b{b}");
            let stored = stored_visits(&db, &doc);
            for phone in phones.iter().filter(|p| p.branch.to_string() == doc) {
                for v in &phone.logged {
                    assert_eq!(
                        stored.get(&v.id),
                        Some(v),
                        "round {round}: {} acknowledged {} but it is not on disk",
                        phone.client.device,
                        v.id
                    );
                }
            }
        }
    }
}

/// Documents idle in memory are dropped past a bound and loaded again at their next use,
/// together with the sync states of the devices that synced them. A phone whose document
/// was dropped still syncs its new entries, its colleague still receives them, nothing is
/// stored twice, and the county view still lists everything.
#[tokio::test]
async fn issue_7_an_evicted_document_syncs_correctly_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let state = open(Some(dir.path()));
    // The registry and at most two branch documents (the office's is not read here).
    state.hub().set_max_open_docs(3);
    let link = Link::Router(app(state.clone()));
    let mut phones: Vec<FieldPhone> = (1..=6)
        .map(|b| FieldPhone::new(&format!("evict-{b}"), &format!("b{b}"), &format!("p{b}-2")))
        .collect();
    let mut colleague = FieldPhone::new("evict-1b", "b1", "p1-3");
    for round in 0..3 {
        for phone in &mut phones {
            phone.log(round * 10);
            assert!(
                matches!(phone.session(&link).await, Ended::InSync),
                "round {round}: {}",
                phone.client.device
            );
            assert!(
                state.hub().open_docs() <= 3,
                "round {round}: {} documents in memory",
                state.hub().open_docs()
            );
        }
        // Six branches through room for two: b1 was dropped since its phone synced.
        assert!(matches!(colleague.session(&link).await, Ended::InSync));
        let expected: BTreeMap<String, Visit> = phones[0]
            .logged
            .iter()
            .map(|v| (v.id.clone(), v.clone()))
            .collect();
        assert_eq!(
            colleague.visits(),
            expected,
            "round {round}: the colleague holds every entry of b1, once"
        );
    }
    let db = db_path(dir.path());
    for phone in &phones {
        let stored = stored_visits(&db, &phone.branch.to_string());
        let logged: BTreeMap<String, Visit> = phone
            .logged
            .iter()
            .map(|v| (v.id.clone(), v.clone()))
            .collect();
        assert_eq!(stored, logged, "{}", phone.client.device);
    }
    let county = state.hub().all_visits().expect("the county reads");
    let total: usize = county.iter().map(|(_, v)| v.len()).sum();
    assert_eq!(
        total,
        6 * 3,
        "every branch's entries, after reloading dropped ones"
    );
}

/// After a restart the server loads what is stored into memory on a background thread
/// (`Hub::warm`), so phones reconnecting together do not each wait for their document to
/// load. What it loads is the stored document itself: a colleague syncing afterwards gets
/// every entry, once, and the cap on documents in memory holds.
#[tokio::test]
async fn issue_7_stored_documents_are_loaded_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut phones: Vec<FieldPhone> = (1..=4)
        .map(|b| FieldPhone::new(&format!("warm-{b}"), &format!("b{b}"), &format!("p{b}-2")))
        .collect();
    {
        let state = open(Some(dir.path()));
        let link = Link::Router(app(state));
        for phone in &mut phones {
            phone.log(1);
            phone.log(2);
            assert!(matches!(phone.session(&link).await, Ended::InSync));
        }
    }
    let state = open(Some(dir.path()));
    let before = state.hub().open_docs();
    let loaded = state.hub().warm().expect("the stored documents load");
    // At least the four branch documents the phones wrote (the demo county stores more).
    assert!(loaded >= 4, "{loaded} loaded, {before} open before");
    assert_eq!(state.hub().open_docs(), before + loaded);
    assert_eq!(state.hub().warm().unwrap(), 0, "nothing is loaded twice");

    let link = Link::Router(app(state.clone()));
    for (b, phone) in phones.iter_mut().enumerate() {
        let mut colleague = FieldPhone::new(
            &format!("warm-{}b", b + 1),
            &format!("b{}", b + 1),
            &format!("p{}-3", b + 1),
        );
        assert!(matches!(colleague.session(&link).await, Ended::InSync));
        let expected: BTreeMap<String, Visit> = phone
            .logged
            .iter()
            .map(|v| (v.id.clone(), v.clone()))
            .collect();
        assert_eq!(colleague.visits(), expected, "{}", phone.client.device);
        phone.log(3);
        assert!(matches!(phone.session(&link).await, Ended::InSync));
    }

    // With room for fewer documents than are stored, loading stops at the cap.
    drop(link);
    drop(state);
    let state = open(Some(dir.path()));
    state.hub().set_max_open_docs(3);
    state.hub().warm().unwrap();
    assert_eq!(state.hub().open_docs(), 3);
}

//! Load: N phones, each with its branch's document and an offline backlog, sync at once
//! against the real server binary on 127.0.0.1 holding the generator's full county
//! (`GenSpec::COUNTY`: 320 branches, ~98 000 records). Each phone first sends its backlog,
//! then logs one more visit and syncs again, `ROUNDS` times, as phones do through a day.
//!
//! Two modes, both run by default:
//! - **burst** (closed): all N phones start at the same instant and each runs its sessions
//!   back to back, so the latencies measure how long the whole burst takes to drain.
//! - **open** (open loop): the same sessions start on a fixed schedule at an offered rate
//!   (`--rate 500` document syncs/s = 250 sessions/s, a session counts as 2: the registry
//!   slice and the branch), session
//!   k going to phone k mod N, so each phone's next session starts on the schedule and not
//!   when its previous one ends. Session latency is measured from the *scheduled* start, so a
//!   server falling behind shows up in it (no coordinated omission).
//!
//! `cargo bench -p backend --bench load` (= `-- 50 200 1000 --rate 500`); `--rate 500,800`
//! for several rates, `--burst` or `--open` for one mode only. The clock starts once the
//! server has started and gone idle (it loads stored documents at start); `--cold` starts
//! it as soon as the server accepts connections. The county's database is
//! written once into `target/bench-data/county/` (a minute) and copied per run.
//!
//! Reports sessions/s, document syncs/s (each session asks for its registry slice, as the
//! app does since issue 15 — `GET /api/registry` with its `ETag`, mostly a 304 — and syncs
//! the branch),
//! HTTP request latency p50/p99, session latency p50/p99, errors, and the server's RSS
//! (peak and at the end, from /proc). Client and server share the machine's cores.

use automerge::sync;
use automerge::{ActorId, AutoCommit};
use backend::auth::store::{Account, SqliteAccounts};
use backend::auth::{hash_password, Auth, AuthConfig, LoginLimits};
use backend::store::{DocStore, SqliteStore};
use shared::client::SyncClient;
use shared::doc::put_visit;
use shared::domain::docs::write_county;
use shared::domain::generator::{generate, GenSpec};
use shared::ids::DocId;
use shared::model::{Visit, VisitKind};
use shared::wire::{SyncResponse, SYNC_CONTENT_TYPE, SYNC_PATH};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Offline visits each phone holds when the run starts.
const BACKLOG: usize = 5;
/// Further log-one-then-sync rounds per phone.
const ROUNDS: usize = 3;
/// The password of every account the bench creates (one per branch author).
const PASSWORD: &str = "load-bench-pw";

struct Prepared {
    db: PathBuf,
    /// Saved bytes of every branch document, as the phones hold them.
    branches: Vec<(String, Vec<u8>, String)>,
}

fn prepare(dir: &Path) -> Prepared {
    let db = dir.join("sanlian.sqlite3");
    let marker = dir.join("done");
    let g = generate(GenSpec::COUNTY);
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let t = Instant::now();
        eprintln!(
            "writing the full county ({} records) once…",
            g.data.record_count()
        );
        let mut docs = write_county(&g.data, ActorId::from([7u8; 16]), 0).expect("county docs");
        let store = SqliteStore::open(&db).unwrap();
        store
            .append(&DocId::Registry.to_string(), &docs.registry.save())
            .unwrap();
        store
            .append(&DocId::Office.to_string(), &docs.office.save())
            .unwrap();
        for (id, d) in &mut docs.branches {
            store
                .append(&DocId::branch(id).unwrap().to_string(), &d.save())
                .unwrap();
        }
        drop(store);
        std::fs::write(&marker, b"").unwrap();
        eprintln!("…in {:.0} s", t.elapsed().as_secs_f64());
    }
    // The phones log in as their branch's author, as the app does.
    let auth = bench_auth(&db);
    if auth.store().is_empty().unwrap() {
        let hash = hash_password(PASSWORD).unwrap();
        for (n, p) in g.data.registry.people.values().enumerate() {
            let account = Account {
                id: p.id.clone(),
                name: p.name.clone(),
                phone: format!("139{n:08}"),
                role: p.role.into(),
                org: p.branch.clone(),
                previous: None,
                handover_until: 0,
            };
            auth.insert(&account, &hash).unwrap();
        }
    }
    let store = SqliteStore::open(&db).unwrap();
    let mut branches = Vec::new();
    for (id, b) in &g.data.registry.branches {
        let key = DocId::branch(id).unwrap().to_string();
        let bytes = store.load(&key).unwrap().concat();
        if bytes.is_empty() {
            continue;
        }
        // Someone of the branch logs: its secretary or first member.
        let author = g
            .data
            .registry
            .people
            .values()
            .find(|p| p.branch == b.id)
            .map(|p| p.id.clone())
            .unwrap_or_default();
        branches.push((id.clone(), bytes, author));
    }
    Prepared { db, branches }
}

/// The server's accounts in `db`, without login rate limits: the bench logs in every
/// author from one process before the run.
fn bench_auth(db: &Path) -> Auth {
    let config = AuthConfig {
        limits: LoginLimits {
            free_per_client: u32::MAX,
            free_per_phone: u32::MAX,
            free_per_address: u32::MAX,
            ..LoginLimits::default()
        },
        ..AuthConfig::default()
    };
    Auth::new(Arc::new(SqliteAccounts::open(db).unwrap()), config).unwrap()
}

/// Logs every phone's author in (once per author) and registers each phone's actor, as
/// the app's login does; returns each phone's bearer token.
fn log_in(db: &Path, phones: &[(SyncClient, DocId, String, ActorId)]) -> Vec<String> {
    let auth = bench_auth(db);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut tokens: std::collections::HashMap<String, String> = Default::default();
    phones
        .iter()
        .map(|(_, _, author, actor)| {
            let token = tokens
                .entry(author.clone())
                .or_insert_with(|| {
                    let phone = auth.store().get(author).unwrap().unwrap().phone;
                    auth.login(&phone, PASSWORD, None, &[], now).unwrap().token
                })
                .clone();
            auth.bind_actors(author, &[actor.to_hex_string()]).unwrap();
            token
        })
        .collect()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data_dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_backend"))
            .args(["--addr", &format!("127.0.0.1:{port}"), "--no-demo"])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--assets")
            .arg(data_dir.join("none"))
            // The generator's phones sync back to back; the per-device limit is not measured.
            .args(["--device-rate", "100000", "--device-burst", "100000"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not start");
    }

    /// Waits until the server has finished starting: it loads the stored documents into
    /// memory on a background thread, and a server in service has long done so. Idle =
    /// no CPU used for 300 ms.
    fn wait_idle(&self) -> Duration {
        let t = Instant::now();
        let pid = self.child.id().to_string();
        let mut last = cpu_secs(&pid);
        let mut still = 0;
        while still < 3 && t.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(100));
            let now = cpu_secs(&pid);
            still = if now == last { still + 1 } else { 0 };
            last = now;
        }
        t.elapsed()
    }

    fn rss_kb(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// User + system CPU seconds of a process so far (`/proc/<pid>/stat`, 100 ticks a second).
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after it are plain.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn visit(phone: usize, n: usize, author: &str) -> Visit {
    Visit {
        id: format!("1770000000000-ld{phone}x{n}"),
        author: author.into(),
        date: "2008-06-20".into(),
        place: "v1".into(),
        kind: VisitKind::Help,
        note: "走访帮扶对象，了解茶园管护和务工收入情况，协调技术员下周来村指导".into(),
        recorded_at: 1_770_000_000_000 + n as i64,
        withdrawn: false,
    }
}

/// A phone that synced the county before going offline: its documents, with sync states
/// whose shared heads are those documents' heads.
fn phone(i: usize, prepared: &Prepared) -> (SyncClient, DocId, String, ActorId) {
    let (branch, bytes, author) = &prepared.branches[i % prepared.branches.len()];
    let id = DocId::branch(branch).unwrap();
    let actor = ActorId::random();
    let mut client = SyncClient::new(format!("load-{i}"));
    let mut doc = AutoCommit::load(bytes).unwrap().with_actor(actor.clone());
    let mut state = sync::State::new();
    state.shared_heads = doc.get_heads();
    client.insert(id.clone(), doc, Some(state));
    for n in 0..BACKLOG {
        put_visit(client.doc(&id).unwrap(), &visit(i, n, author), 0).unwrap();
    }
    (client, id, author.clone(), actor)
}

#[derive(Default)]
struct Tally {
    requests: Vec<Duration>,
    sessions: Vec<Duration>,
    errors: Vec<String>,
    /// The `ETag` of the registry slice this phone holds, kept across its sessions.
    etag: Option<String>,
}

async fn session(
    started: Instant,
    http: &reqwest::Client,
    base: &str,
    token: &str,
    client: &mut SyncClient,
    ids: &[DocId],
    tally: &mut Tally,
) -> Result<(), String> {
    // The registry slice first, as the app asks for it (issue 15): sent again only when
    // it changed.
    let t = Instant::now();
    let mut get = http
        .get(format!("{base}{}", shared::access::REGISTRY_SLICE_PATH))
        .bearer_auth(token);
    if let Some(tag) = tally.etag.as_deref() {
        get = get.header("if-none-match", tag);
    }
    let resp = get.send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let tag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    tally.requests.push(t.elapsed());
    match status.as_u16() {
        304 => {}
        200 => tally.etag = tag,
        _ => return Err(format!("{status}: {}", String::from_utf8_lossy(&body))),
    }
    let mut reset = true;
    for _ in 0..shared::client::MAX_ROUNDS {
        let Some(req) = client.next_request(ids, reset) else {
            break;
        };
        reset = false;
        let t = Instant::now();
        let resp = http
            .post(format!("{base}{SYNC_PATH}"))
            .header("content-type", SYNC_CONTENT_TYPE)
            .bearer_auth(token)
            .body(req.encode())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        tally.requests.push(t.elapsed());
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        let applied = client.apply(SyncResponse::decode(&body).map_err(|e| e.to_string())?);
        if !applied.problems.is_empty() {
            return Err(applied.problems.join("; "));
        }
    }
    tally.sessions.push(started.elapsed());
    if ids.iter().all(|id| client.in_sync(id)) {
        Ok(())
    } else {
        Err("session ended unfinished".into())
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Runs N phones; with `rate` (offered document syncs/s) their sessions start on an
/// open-loop schedule, without it all at once (burst).
/// `cold`: the clock starts as soon as the server accepts connections, while it is still
/// loading documents (phones reconnecting right after a restart).
fn run(n: usize, rate: Option<f64>, cold: bool, prepared: &Prepared, work: &Path) {
    let dir = work.join(format!("n{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&prepared.db, dir.join("sanlian.sqlite3")).unwrap();
    let phones: Vec<_> = (0..n).map(|i| phone(i, prepared)).collect();
    let tokens = log_in(&dir.join("sanlian.sqlite3"), &phones);
    let server = Server::start(&dir);
    if !cold {
        let waited = server.wait_idle();
        eprintln!(
            "server started and idle after {:.1} s",
            waited.as_secs_f64()
        );
    }
    let rss_start = server.rss_kb("VmRSS:");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(n)
        .build()
        .unwrap();
    let base = Arc::new(server.base.clone());
    let started = Instant::now();
    let server_cpu = cpu_secs(&server.child.id().to_string());
    let client_cpu = cpu_secs("self");
    let tallies: Vec<Tally> = rt.block_on(async {
        let tasks: Vec<_> = phones
            .into_iter()
            .zip(tokens)
            .enumerate()
            .map(|(i, ((mut client, id, author, _), token))| {
                let http = http.clone();
                let base = base.clone();
                tokio::spawn(async move {
                    let ids = [id.clone()];
                    let mut tally = Tally::default();
                    for round in 0..=ROUNDS {
                        if round > 0 {
                            let v = visit(i, BACKLOG + round, &author);
                            put_visit(client.doc(&id).unwrap(), &v, 0).unwrap();
                        }
                        // Session k = round·N + i is due k / (rate / 2) s after the start;
                        // a session that is due while this phone is still busy starts late,
                        // and the lateness counts in its latency.
                        let due = match rate {
                            Some(r) => {
                                let k = (round * n + i) as f64;
                                let at = started + Duration::from_secs_f64(k * 2.0 / r);
                                tokio::time::sleep_until(at.into()).await;
                                at
                            }
                            None => Instant::now(),
                        };
                        if let Err(e) =
                            session(due, &http, &base, &token, &mut client, &ids, &mut tally).await
                        {
                            tally.errors.push(e);
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let wall = started.elapsed().as_secs_f64();
    let rss_end = server.rss_kb("VmRSS:");
    let rss_peak = server.rss_kb("VmHWM:");
    let server_cpu = cpu_secs(&server.child.id().to_string()) - server_cpu;
    let client_cpu = cpu_secs("self") - client_cpu;
    drop(server);
    let mut requests: Vec<Duration> = tallies.iter().flat_map(|t| t.requests.clone()).collect();
    let mut sessions: Vec<Duration> = tallies.iter().flat_map(|t| t.sessions.clone()).collect();
    let errors: Vec<&String> = tallies.iter().flat_map(|t| &t.errors).collect();
    requests.sort();
    sessions.sort();
    let doc_syncs = sessions.len() * 2;
    let offered = rate.map_or(String::new(), |r| format!(" {r:.0} |"));
    println!(
        "| {n} |{offered} {} | {wall:.1} s | {:.0} | {:.0} | {} | {:.0} / {:.0} ms | {:.0} / {:.0} ms | {} | {:.0} → {:.0} (peak {:.0}) MB | {server_cpu:.1} s / {client_cpu:.1} s |",
        sessions.len(),
        sessions.len() as f64 / wall,
        doc_syncs as f64 / wall,
        requests.len(),
        pct(&requests, 0.5),
        pct(&requests, 0.99),
        pct(&sessions, 0.5),
        pct(&sessions, 0.99),
        errors.len(),
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        rss_peak as f64 / 1024.0,
    );
    if let Some(e) = errors.first() {
        println!("first error: {e}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Numbers are phone counts, except the value of `--rate`.
    let ns: Vec<usize> = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || args[i - 1] != "--rate")
        .filter_map(|(_, a)| a.parse().ok())
        .collect();
    let rates: Vec<f64> = args
        .iter()
        .position(|a| a == "--rate")
        .and_then(|i| args.get(i + 1))
        .map_or(vec![500.0], |r| {
            r.split(',')
                .map(|v| v.parse().expect("--rate R[,R…]"))
                .collect()
        });
    let burst = !args.iter().any(|a| a == "--open");
    let open = !args.iter().any(|a| a == "--burst");
    let cold = args.iter().any(|a| a == "--cold");
    let ns = if ns.is_empty() {
        vec![50, 200, 1000]
    } else {
        ns
    };
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    let prepared = prepare(&target.join("county"));
    println!(
        "full county: {} branch documents; each phone: {BACKLOG} offline visits, then {ROUNDS} × (log one, sync)",
        prepared.branches.len()
    );
    let work = target.join("load");
    println!(
        "{}",
        if cold {
            "cold: the clock starts when the server accepts connections, while it still loads documents"
        } else {
            "warm: the clock starts once the server has started and gone idle (documents loaded)"
        }
    );
    if burst {
        println!("\nburst: all N phones at once, sessions back to back");
        println!("| phones | sessions | wall | sessions/s | doc syncs/s | requests | request p50 / p99 | session p50 / p99 | errors | server RSS start → end (peak) | CPU server / phones |");
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for &n in &ns {
            run(n, None, cold, &prepared, &work);
        }
    }
    if open {
        println!("\nopen loop: sessions start on schedule at the offered rate; session latency from the scheduled start");
        println!("| phones | offered doc syncs/s | sessions | wall | sessions/s | achieved doc syncs/s | requests | request p50 / p99 | session p50 / p99 | errors | server RSS start → end (peak) | CPU server / phones |");
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for &r in &rates {
            for &n in &ns {
                run(n, Some(r), cold, &prepared, &work);
            }
        }
    }
}

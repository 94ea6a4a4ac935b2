//! The sync server as a phone sees it: real HTTP requests against the real router (in
//! process with `oneshot`, or bound on a loopback port), phones that hold Automerge
//! documents and speak the sync protocol, and the county view that the office reads.
//!
//! Tests prefixed `issue_2_` guard issue 2: visits recorded offline on several phones must
//! all reach the server, survive it, and show in the county view.

mod office;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ChangeHash, ObjType, ReadDoc, ROOT};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use backend::auth::demo::DEMO_PASSWORD;
use backend::store::{DocStore, SqliteStore};
use backend::{app, AppState, Config};
use http_body_util::BodyExt;
use shared::county::CountySummary;
use shared::demo::{self, DemoSpec};
use shared::doc::{new_document, put_visit, read_registry};
use shared::domain::docs::read_branch_records as read_branch;
use shared::ids::DocId;
use shared::model::{Registry, Visit, VisitKind};
use shared::wire::{
    DocMessage, DocRefusal, SyncRequest, SyncResponse, MAX_BODY_BYTES, MAX_DOCS_PER_REQUEST,
    PROTOCOL_VERSION, SYNC_CONTENT_TYPE, SYNC_PATH,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

mod auth;

/// A sync session that has not converged after this many rounds is a bug.
const MAX_ROUNDS: usize = 12;

mod bundles;
mod faults;
mod fuzz;
mod limits;
mod registry;
mod security;

const REGISTRY: &str = "registry";
const B1: &str = "branch/b1";

// ---------------------------------------------------------------------------------------
// The server, reached in process or over TCP
// ---------------------------------------------------------------------------------------

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
    headers: axum::http::HeaderMap,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

enum Transport {
    /// The router itself, each request sent with `oneshot`.
    InProcess(Router),
    /// A server bound on a loopback port, reached with reqwest.
    Http {
        client: reqwest::Client,
        base: String,
    },
}

/// The server and the logins the older tests act with: b1's secretary (`p1-1`, who
/// manages the branch's records, so any b1 author's visits) for syncs, county office staff
/// for the county's views.
struct Server {
    transport: Transport,
    sync_token: String,
    view_token: String,
}

/// Demo logins (backend/src/auth/demo.rs).
const MEMBER_B1: &str = "13800000102";
const SECRETARY_B1: &str = "13800000101";
const OFFICE: &str = "13800009990";

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs() as i64
}

/// Servers opened on a generated county have no demo accounts: give them the two the
/// tests act with (the county office's, and b1's secretary when the county has b1).
fn ensure_test_accounts(state: &AppState) {
    use backend::auth::store::Account;
    use shared::access::AccountRole;
    let auth = state.auth();
    let registry = state.hub().registry().expect("the registry reads");
    let mut wanted = vec![("office", OFFICE, AccountRole::OfficeStaff, String::new())];
    if let Some(p) = registry.person("p1-1") {
        wanted.push(("p1-1", SECRETARY_B1, p.role.into(), p.branch.clone()));
    }
    for (id, phone, role, org) in wanted {
        if auth
            .store()
            .by_phone(phone)
            .expect("accounts read")
            .is_some()
        {
            continue;
        }
        let hash = backend::auth::hash_password(DEMO_PASSWORD).expect("a hash");
        let account = Account {
            id: id.into(),
            name: id.into(),
            phone: phone.into(),
            role,
            org,
            previous: None,
            handover_until: 0,
        };
        auth.insert(&account, &hash).expect("a test account");
    }
}

fn login_token(state: &AppState, phone: &str) -> String {
    state
        .auth()
        .login(phone, DEMO_PASSWORD, None, &[], now_secs())
        .expect("a demo login")
        .token
}

impl Server {
    fn in_process(state: &AppState) -> Self {
        Server::with(state, Transport::InProcess(app(state.clone())))
    }

    fn with(state: &AppState, transport: Transport) -> Self {
        ensure_test_accounts(state);
        Server {
            transport,
            sync_token: login_token(state, SECRETARY_B1),
            view_token: login_token(state, OFFICE),
        }
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let token = if path == SYNC_PATH {
            &self.sync_token
        } else {
            &self.view_token
        };
        self.request_as(Some(token), method, path, content_type, body)
            .await
    }

    /// A request with this bearer token, or none.
    async fn request_as(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        self.request_with(token, method, path, content_type, &[], body)
            .await
    }

    /// [`Server::request_as`] with more request headers.
    async fn request_with(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        extra: &[(header::HeaderName, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let (status, content_type, headers, body) = match &self.transport {
            Transport::InProcess(router) => {
                let mut req = Request::builder().method(method).uri(path);
                if let Some(ct) = content_type {
                    req = req.header(header::CONTENT_TYPE, ct);
                }
                if let Some(t) = token {
                    req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
                }
                for (name, value) in extra {
                    req = req.header(name, *value);
                }
                let req = req.body(Body::from(body)).expect("a valid request");
                let resp = router
                    .clone()
                    .oneshot(req)
                    .await
                    .expect("the router is infallible");
                let status = resp.status();
                let ct = header_text(resp.headers().get(header::CONTENT_TYPE));
                let headers = resp.headers().clone();
                let body = resp
                    .into_body()
                    .collect()
                    .await
                    .expect("response body")
                    .to_bytes()
                    .to_vec();
                (status, ct, headers, body)
            }
            Transport::Http { client, base } => {
                let mut req = client.request(method, format!("{base}{path}")).body(body);
                if let Some(ct) = content_type {
                    req = req.header(header::CONTENT_TYPE, ct);
                }
                if let Some(t) = token {
                    req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
                }
                for (name, value) in extra {
                    req = req.header(name, *value);
                }
                let resp = req.send().await.expect("the server answers");
                let status = resp.status();
                let ct = header_text(resp.headers().get(header::CONTENT_TYPE));
                let headers = resp.headers().clone();
                let body = resp.bytes().await.expect("response body").to_vec();
                (status, ct, headers, body)
            }
        };
        assert!(
            !status.is_server_error(),
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        Reply {
            status,
            content_type,
            body,
            headers,
        }
    }

    async fn post_sync(&self, body: Vec<u8>) -> Reply {
        self.request(Method::POST, SYNC_PATH, Some(SYNC_CONTENT_TYPE), body)
            .await
    }

    async fn county(&self) -> CountySummary {
        let reply = self
            .request(Method::GET, "/api/county", None, Vec::new())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "/api/county: {}",
            reply.text()
        );
        serde_json::from_slice(&reply.body)
            .unwrap_or_else(|e| panic!("/api/county is not a summary: {e}: {}", reply.text()))
    }
}

fn header_text(v: Option<&axum::http::HeaderValue>) -> String {
    v.and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// A real server on 127.0.0.1:0, stopped when dropped.
struct Bound {
    server: Server,
    task: tokio::task::JoinHandle<()>,
}

impl Bound {
    async fn start(state: &AppState) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound address");
        let router = app(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the server runs");
        });
        // No proxy from the environment may stand between the test and its own server.
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        Bound {
            server: Server::with(
                state,
                Transport::Http {
                    client,
                    base: format!("http://{addr}"),
                },
            ),
            task,
        }
    }
}

impl Drop for Bound {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The server state with the demo county, as `main` opens it.
fn open(data_dir: Option<&Path>) -> AppState {
    let config = Config {
        data_dir: data_dir.map(Path::to_path_buf),
        assets_dir: None,
        demo: true,
    };
    let state = AppState::open(config).expect("the server state opens");
    let registry = state.hub().registry().expect("the registry reads");
    assert!(
        registry.branches.contains_key("b1"),
        "the demo county was not loaded: {registry:?}"
    );
    state
}

// ---------------------------------------------------------------------------------------
// A phone: its documents, its sync states, and the client side of the protocol
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
struct Phone {
    device: String,
    actor: ActorId,
    /// The phone's login, made on its first sync.
    token: Option<String>,
    docs: BTreeMap<String, AutoCommit>,
    /// Kept encoded between sessions, as the app keeps them in storage.
    states: BTreeMap<String, sync::State>,
    /// The device key registered at login (issue 15), if the phone has one.
    key: Option<shared::signing::DeviceKey>,
    /// The key its changes are signed with when sent: `key` as the app does, none
    /// (unsigned) or another (wrongly signed) for the tests of refusals.
    signs_with: Option<shared::signing::DeviceKey>,
    /// Signatures of others' changes it carries (an imported export file).
    relayed: std::collections::HashMap<ChangeHash, Vec<u8>>,
}

#[derive(Debug, Default)]
struct Outcome {
    /// Requests sent in this session.
    rounds: usize,
    refused: Vec<DocRefusal>,
}

impl Outcome {
    fn refused_docs(&self) -> Vec<&str> {
        self.refused.iter().map(|r| r.doc.as_str()).collect()
    }
}

impl Phone {
    /// A phone of branch b1: the branch from its genesis. (Since issue 15 a phone gets
    /// its slice of the registry from `/api/registry`, not by sync: [`Phone::holding_registry`].)
    fn new(device: &str, actor: u8) -> Self {
        let actor = ActorId::from([actor; 16]);
        let actor_bytes = actor.clone();
        let mut docs = BTreeMap::new();
        docs.insert(
            B1.to_string(),
            new_document(&DocId::branch("b1").unwrap(), actor),
        );
        let states = docs
            .keys()
            .map(|k| (k.clone(), sync::State::new()))
            .collect();
        Phone {
            device: device.to_string(),
            actor: actor_bytes,
            token: None,
            docs,
            states,
            key: None,
            signs_with: None,
            relayed: Default::default(),
        }
    }

    /// As an app from before issue 15, which also synced the whole registry document
    /// (from nothing).
    fn holding_registry(mut self) -> Self {
        let doc = AutoCommit::new().with_actor(self.actor.clone());
        self.docs.insert(REGISTRY.to_string(), doc);
        self.states.insert(REGISTRY.to_string(), sync::State::new());
        self
    }

    fn doc(&mut self, id: &str) -> &mut AutoCommit {
        self.docs
            .get_mut(id)
            .unwrap_or_else(|| panic!("{} holds no {id}", self.device))
    }

    fn add_visit(&mut self, v: &Visit) {
        put_visit(self.doc(B1), v, v.recorded_at / 1000)
            .expect("put_visit on a genesis-based branch document");
    }

    fn visits_of(&self, doc: &str) -> BTreeMap<String, Visit> {
        read_branch(&self.docs[doc])
            .expect("the phone's branch document reads")
            .visits
    }

    fn visits(&self) -> BTreeMap<String, Visit> {
        read_branch(&self.docs[B1])
            .expect("the phone's branch document reads")
            .visits
    }

    /// The registry document this phone holds (an app from before issue 15, or the
    /// county office's).
    fn registry(&self) -> Registry {
        read_registry(&self.docs[REGISTRY]).expect("the phone's registry reads")
    }

    /// What of the registry this phone's login gets since issue 15: `GET /api/registry`.
    async fn slice(&mut self, server: &Server) -> Registry {
        let token = self.login(server).await;
        let reply = server
            .request_as(Some(&token), Method::GET, "/api/registry", None, Vec::new())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        serde_json::from_slice(&reply.body)
            .unwrap_or_else(|e| panic!("/api/registry is not a registry: {e}: {}", reply.text()))
    }

    /// Starts a session: only the persistent part of each sync state is kept.
    fn begin_session(&mut self) {
        for state in self.states.values_mut() {
            *state = sync::State::decode(&state.encode()).expect("a sync state round-trips");
        }
    }

    /// The messages this phone has to send now, for the documents not in `skip`.
    fn request(&mut self, reset: bool, skip: &BTreeSet<String>) -> SyncRequest {
        let mut docs = Vec::new();
        for (id, doc) in &mut self.docs {
            if skip.contains(id) {
                continue;
            }
            let state = self.states.get_mut(id).expect("a state per document");
            let msg = doc.sync().generate_sync_message(state);
            if let Some(mut msg) = msg {
                let sigs = shared::wire::changes_sent(doc, &msg)
                    .into_iter()
                    .filter_map(|(hash, actor)| {
                        let sig = match self.relayed.get(&hash) {
                            Some(s) => s.clone(),
                            None if actor == self.actor => self.signs_with.as_ref()?.sign(&hash),
                            None => return None,
                        };
                        Some(shared::wire::ChangeSig { hash: hash.0, sig })
                    })
                    .collect();
                // As the app does (`SyncClient`): several changes travel as one bundle.
                shared::wire::bundle_changes(doc, &mut msg);
                docs.push(DocMessage {
                    doc: id.clone(),
                    msg: msg.encode(),
                    sigs,
                });
            }
        }
        SyncRequest {
            version: PROTOCOL_VERSION,
            device: self.device.clone(),
            reset,
            docs,
            report: None,
        }
    }

    fn apply(&mut self, sent: &SyncRequest, resp: SyncResponse) {
        for DocMessage { doc, msg, .. } in resp.docs {
            assert!(
                sent.docs.iter().any(|m| m.doc == doc),
                "the server replied for {doc}, which was not sent"
            );
            let msg = sync::Message::decode(&msg)
                .unwrap_or_else(|e| panic!("reply for {doc} does not decode: {e}"));
            let state = self.states.get_mut(&doc).expect("a state per document");
            let d = self.docs.get_mut(&doc).expect("a document per reply");
            d.sync()
                .receive_sync_message(state, msg)
                .unwrap_or_else(|e| panic!("reply for {doc} does not apply: {e}"));
        }
    }

    /// Logs in as b1's secretary, registering this phone's actor, as the app does.
    async fn login(&mut self, server: &Server) -> String {
        if let Some(t) = &self.token {
            return t.clone();
        }
        self.login_as(server, SECRETARY_B1).await
    }

    /// Logs in as the account of `phone_no`, registering this phone's actor to it.
    async fn login_as(&mut self, server: &Server, phone_no: &str) -> String {
        let mut body = serde_json::json!({
            "phone": phone_no,
            "password": DEMO_PASSWORD,
            "actors": [self.actor.to_hex_string()],
        });
        if let Some(key) = &self.key {
            body["key"] = key.public_hex().into();
        }
        let reply = server
            .request_as(
                None,
                Method::POST,
                "/api/login",
                Some("application/json"),
                body.to_string().into_bytes(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "login: {}", reply.text());
        let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("login JSON");
        let token = json["token"].as_str().expect("a token").to_string();
        self.token = Some(token.clone());
        token
    }

    async fn post(&mut self, server: &Server, req: &SyncRequest) -> Reply {
        let token = self.login(server).await;
        server
            .request_as(
                Some(&token),
                Method::POST,
                SYNC_PATH,
                Some(SYNC_CONTENT_TYPE),
                req.encode(),
            )
            .await
    }

    /// One sync session: a first round with `reset`, then rounds until the phone has
    /// nothing left to send. A refused document is left out of the rest of the session.
    async fn sync(&mut self, server: &Server) -> Outcome {
        self.begin_session();
        let mut out = Outcome::default();
        let mut skip = BTreeSet::new();
        for round in 1..=MAX_ROUNDS {
            let req = self.request(round == 1, &skip);
            if req.docs.is_empty() {
                return out;
            }
            let reply = self.post(server, &req).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{} round {round}: {}",
                self.device,
                reply.text()
            );
            assert_eq!(reply.content_type, SYNC_CONTENT_TYPE);
            let resp = SyncResponse::decode(&reply.body).expect("the response decodes");
            out.rounds = round;
            for r in &resp.refused {
                assert!(!r.reason.trim().is_empty(), "a refusal says why: {r:?}");
                skip.insert(r.doc.clone());
            }
            out.refused.extend(resp.refused.iter().cloned());
            self.apply(&req, resp);
        }
        panic!("{} did not converge in {MAX_ROUNDS} rounds", self.device);
    }

    /// Syncs until the phone sends changes, which reach the server, whose reply is then
    /// lost: the connection broke before the phone read it.
    async fn sync_losing_the_reply_to_changes(&mut self, server: &Server) {
        self.begin_session();
        for round in 1..=MAX_ROUNDS {
            let req = self.request(round == 1, &BTreeSet::new());
            assert!(
                !req.docs.is_empty(),
                "{} never sent its changes",
                self.device
            );
            let carries_changes = req.docs.iter().any(|m| {
                !sync::Message::decode(&m.msg)
                    .expect("own message")
                    .changes
                    .is_empty()
            });
            let reply = self.post(server, &req).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            if carries_changes {
                return; // the reply never arrives
            }
            let resp = SyncResponse::decode(&reply.body).expect("the response decodes");
            assert!(resp.refused.is_empty(), "{:?}", resp.refused);
            self.apply(&req, resp);
        }
        panic!("{} never sent its changes", self.device);
    }
}

fn visit(
    id: &str,
    author: &str,
    place: &str,
    kind: VisitKind,
    note: &str,
    recorded_at: i64,
) -> Visit {
    Visit {
        id: id.into(),
        author: author.into(),
        date: "2026-03-02".into(),
        place: place.into(),
        kind,
        note: note.into(),
        recorded_at,
        withdrawn: false,
    }
}

/// The demo registry as b1's secretary's phone holds it (issue 15): every organisation
/// and place, b1's people only.
fn b1_slice() -> Registry {
    let mut reg = demo::registry(DemoSpec::SMALL);
    reg.people.retain(|_, p| p.branch == "b1");
    reg
}

/// Two visits by the secretary p1-1 on phone A, two by member p1-2 on phone B.
fn offline_visits() -> (Vec<Visit>, Vec<Visit>) {
    let a = vec![
        visit(
            "a-1",
            "p1-1",
            "v1",
            VisitKind::BuildTeam,
            "A：东山村班子会",
            1_770_000_001_000,
        ),
        visit(
            "a-2",
            "p1-1",
            "v2",
            VisitKind::Industry,
            "A：柳树村产业调研",
            1_770_000_003_000,
        ),
    ];
    let b = vec![
        visit(
            "b-1",
            "p1-2",
            "v1",
            VisitKind::Stability,
            "B：矛盾排查",
            1_770_000_002_000,
        ),
        visit(
            "b-2",
            "p1-2",
            "v3",
            VisitKind::Help,
            "B：帮扶入户",
            1_770_000_004_000,
        ),
    ];
    (a, b)
}

fn ids(visits: &BTreeMap<String, Visit>) -> Vec<&str> {
    visits.keys().map(String::as_str).collect()
}

/// The county view lists exactly `expected` (all in b1), each with its author's name.
fn assert_county_lists(county: &CountySummary, expected: &[&Visit]) {
    let registry = demo::registry(DemoSpec::SMALL);
    assert_eq!(county.county, registry.county);
    assert_eq!(county.total, expected.len(), "county total: {county:?}");
    let listed: BTreeSet<&str> = county.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        listed.len(),
        county.entries.len(),
        "an entry is listed twice: {:?}",
        county.entries
    );
    let wanted: BTreeSet<&str> = expected.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(listed, wanted);
    for v in expected {
        let e = county
            .entries
            .iter()
            .find(|e| e.id == v.id)
            .expect("listed");
        assert_eq!(e.author, v.author);
        assert_eq!(
            e.author_name, registry.people[&v.author].name,
            "{} shows its author's name",
            v.id
        );
        assert_eq!(e.branch, "b1");
        assert_eq!(e.place_name, registry.places[&v.place].name);
        assert_eq!(e.kind, v.kind.label());
        assert_eq!(e.note, v.note);
    }
    let per_place: usize = county.places.iter().map(|p| p.visits).sum();
    assert_eq!(
        per_place,
        expected.len(),
        "every visit counts for its place"
    );
}

/// Two phones record visits offline, then sync one after the other, then once more so the
/// first one picks up what the second brought.
async fn two_phones_merge_through(server: &Server) {
    let county = server.county().await;
    assert_eq!(county.total, 0, "the demo county starts without visits");

    let (va, vb) = offline_visits();
    let mut a = Phone::new("phone-a", 1);
    let mut b = Phone::new("phone-b", 2);
    va.iter().for_each(|v| a.add_visit(v));
    vb.iter().for_each(|v| b.add_visit(v));

    // A first, B second (getting A's visits), then A again to get B's.
    for phone in [&mut a, &mut b] {
        let out = phone.sync(server).await;
        assert!(
            out.refused.is_empty(),
            "{}: {:?}",
            phone.device,
            out.refused
        );
    }
    let out = a.sync(server).await;
    assert!(out.refused.is_empty(), "phone-a: {:?}", out.refused);

    let all: Vec<&Visit> = va.iter().chain(&vb).collect();
    for phone in [&a, &b] {
        let visits = phone.visits();
        assert_eq!(
            ids(&visits),
            ["a-1", "a-2", "b-1", "b-2"],
            "{} has the union",
            phone.device
        );
        for v in &all {
            assert_eq!(&visits[&v.id], *v);
        }
    }
    for phone in [&mut a, &mut b] {
        assert_eq!(
            phone.slice(server).await,
            b1_slice(),
            "{} received its registry",
            phone.device
        );
    }
    assert_eq!(
        a.doc(B1).get_heads(),
        b.doc(B1).get_heads(),
        "both phones hold the same document"
    );
    assert_county_lists(&server.county().await, &all);
}

// ---------------------------------------------------------------------------------------
// Issue 2: offline visits from several phones all reach the county view
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn issue_2_two_phones_offline_visits_merge_and_show_in_county_view() {
    let state = open(None);
    two_phones_merge_through(&Server::in_process(&state)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_2_two_phones_merge_through_a_real_server_over_http() {
    let state = open(None);
    let bound = Bound::start(&state).await;
    two_phones_merge_through(&bound.server).await;

    // Two more phones with fresh visits syncing at the same time.
    let mut c = Phone::new("phone-c", 3);
    let mut d = Phone::new("phone-d", 4);
    let vc = visit(
        "c-1",
        "p1-1",
        "v4",
        VisitKind::Industry,
        "C：同时同步",
        1_770_000_005_000,
    );
    let vd = visit(
        "d-1",
        "p1-2",
        "v5",
        VisitKind::Help,
        "D：同时同步",
        1_770_000_006_000,
    );
    c.add_visit(&vc);
    d.add_visit(&vd);
    let (oc, od) = tokio::join!(c.sync(&bound.server), d.sync(&bound.server));
    assert!(
        oc.refused.is_empty() && od.refused.is_empty(),
        "{oc:?} {od:?}"
    );
    let county = bound.server.county().await;
    assert_eq!(county.total, 6);
    assert!(
        county.entries.iter().any(|e| e.id == "c-1")
            && county.entries.iter().any(|e| e.id == "d-1")
    );
}

#[tokio::test]
async fn issue_2_synced_visits_survive_a_server_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (va, vb) = offline_visits();
    let all: Vec<&Visit> = va.iter().chain(&vb).collect();
    let mut a = Phone::new("phone-a", 1);
    {
        let state = open(Some(dir.path()));
        let server = Server::in_process(&state);
        let mut b = Phone::new("phone-b", 2);
        va.iter().for_each(|v| a.add_visit(v));
        vb.iter().for_each(|v| b.add_visit(v));
        assert!(a.sync(&server).await.refused.is_empty());
        assert!(b.sync(&server).await.refused.is_empty());
        assert_county_lists(&server.county().await, &all);
    } // server and state dropped: the process is gone

    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    assert_county_lists(&server.county().await, &all);

    // A phone that synced before gets what the other phone brought.
    assert!(a.sync(&server).await.refused.is_empty());
    assert_eq!(ids(&a.visits()), ["a-1", "a-2", "b-1", "b-2"]);

    // A new phone (empty branch document, no registry) gets everything.
    let mut fresh = Phone::new("phone-new", 7);
    assert!(fresh.sync(&server).await.refused.is_empty());
    assert_eq!(ids(&fresh.visits()), ["a-1", "a-2", "b-1", "b-2"]);
    assert_eq!(fresh.slice(&server).await, b1_slice());
    assert_eq!(fresh.doc(B1).get_heads(), a.doc(B1).get_heads());
}

#[tokio::test]
async fn issue_2_a_phone_whose_reply_was_lost_converges_without_duplicates() {
    let state = open(None);
    let server = Server::in_process(&state);
    let (va, _) = offline_visits();
    let mut a = Phone::new("phone-a", 1);
    va.iter().for_each(|v| a.add_visit(v));

    a.sync_losing_the_reply_to_changes(&server).await;
    let county = server.county().await;
    assert_eq!(
        county.total, 2,
        "the server stored the changes before replying"
    );

    // Later the phone records one more visit and syncs again, starting a new session.
    let extra = visit(
        "a-3",
        "p1-1",
        "v4",
        VisitKind::Stability,
        "A：补录",
        1_770_000_009_000,
    );
    a.add_visit(&extra);
    let out = a.sync(&server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    assert_eq!(ids(&a.visits()), ["a-1", "a-2", "a-3"]);

    let all: Vec<&Visit> = va.iter().chain([&extra]).collect();
    assert_county_lists(&server.county().await, &all);

    // The server's document is the phone's, change for change: nothing was applied twice.
    let mut fresh = Phone::new("phone-new", 7);
    assert!(fresh.sync(&server).await.refused.is_empty());
    assert_eq!(fresh.doc(B1).get_heads(), a.doc(B1).get_heads());
    assert_eq!(
        fresh.doc(B1).get_changes(&[]).len(),
        a.doc(B1).get_changes(&[]).len()
    );

    // And a phone that syncs twice in a row with nothing new sends only a handshake.
    let again = a.sync(&server).await;
    assert!(
        again.rounds <= 2,
        "an idle re-sync took {} rounds",
        again.rounds
    );
}

// ---------------------------------------------------------------------------------------
// Malformed input: refused clearly, harmlessly, and never a panic
// ---------------------------------------------------------------------------------------

/// What the server knows before a bad request, to show it is the same afterwards.
struct Before {
    county: CountySummary,
    generation: u64,
}

async fn before(state: &AppState, server: &Server) -> Before {
    Before {
        county: server.county().await,
        generation: state.hub().generation(),
    }
}

/// Nothing changed, and a well-behaved phone still syncs a new visit.
async fn assert_unchanged_and_still_syncing(state: &AppState, server: &Server, before: &Before) {
    assert_eq!(
        state.hub().generation(),
        before.generation,
        "nothing was stored"
    );
    assert_eq!(
        server.county().await,
        before.county,
        "the county view is unchanged"
    );
    assert_eq!(
        state.hub().registry().expect("registry"),
        demo::registry(DemoSpec::SMALL)
    );

    // Unique per call, so a test can check this more than once.
    let n = before.county.total;
    let mut phone = Phone::new(&format!("well-behaved-{n}"), 100 + n as u8);
    let id = format!("ok-{n}");
    let v = visit(
        &id,
        "p1-1",
        "v6",
        VisitKind::Industry,
        "之后正常同步",
        1_770_000_100_000 + n as i64,
    );
    phone.add_visit(&v);
    let out = phone.sync(server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    let county = server.county().await;
    assert_eq!(county.total, before.county.total + 1);
    assert!(county.entries.iter().any(|e| e.id == id), "{id} is listed");
}

/// The request is refused with `status` and a JSON `{"error": "..."}` body.
fn assert_json_error(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "body: {}", reply.text());
    assert!(
        reply.content_type.starts_with("application/json"),
        "content type {:?}: {}",
        reply.content_type,
        reply.text()
    );
    let json: serde_json::Value = serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", reply.text()));
    let message = json["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no \"error\" string: {json}"));
    assert!(!message.trim().is_empty(), "an empty error message");
}

/// Sends a bad request to a server holding one synced visit; it must be refused with
/// `status`, change nothing, and leave the server working.
async fn assert_refused(content_type: Option<&str>, body: Vec<u8>, status: StatusCode) -> Reply {
    let state = open(None);
    let server = Server::in_process(&state);
    let mut phone = Phone::new("phone-a", 1);
    phone.add_visit(&offline_visits().0[0]);
    assert!(phone.sync(&server).await.refused.is_empty());

    let before = before(&state, &server).await;
    let reply = server
        .request(Method::POST, SYNC_PATH, content_type, body)
        .await;
    assert_json_error(&reply, status);
    assert_unchanged_and_still_syncing(&state, &server, &before).await;
    reply
}

/// A first-round request of a phone with one visit, as it would really be sent.
fn valid_request() -> SyncRequest {
    let mut phone = Phone::new("phone-x", 9);
    phone.add_visit(&visit(
        "x-1",
        "p1-1",
        "v1",
        VisitKind::Help,
        "不该到达",
        1_770_000_000_000,
    ));
    phone.request(true, &BTreeSet::new())
}

#[tokio::test]
async fn sync_with_wrong_content_type_is_refused() {
    let body = valid_request().encode();
    assert_refused(
        Some("application/octet-stream"),
        body.clone(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_refused(
        Some("application/json"),
        body.clone(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_refused(None, body, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn sync_with_garbage_body_is_refused() {
    assert_refused(
        Some(SYNC_CONTENT_TYPE),
        vec![0xff; 16],
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_refused(Some(SYNC_CONTENT_TYPE), Vec::new(), StatusCode::BAD_REQUEST).await;
    assert_refused(
        Some(SYNC_CONTENT_TYPE),
        b"{\"version\":1}".to_vec(),
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn sync_with_truncated_body_is_refused() {
    let body = valid_request().encode();
    for cut in [1, body.len() / 2, body.len() - 1] {
        assert_refused(
            Some(SYNC_CONTENT_TYPE),
            body[..cut].to_vec(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}

#[tokio::test]
async fn sync_with_unsupported_protocol_version_asks_to_update_the_app() {
    for version in [0, PROTOCOL_VERSION + 1, u16::MAX] {
        let req = SyncRequest {
            version,
            ..valid_request()
        };
        let reply = assert_refused(
            Some(SYNC_CONTENT_TYPE),
            req.encode(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            reply.text().contains(&version.to_string()),
            "names the version: {}",
            reply.text()
        );
    }
}

#[tokio::test]
async fn sync_with_too_many_documents_is_refused() {
    let mut req = valid_request();
    let msg = req.docs[0].msg.clone();
    req.docs = (0..=MAX_DOCS_PER_REQUEST)
        .map(|i| DocMessage {
            doc: format!("branch/b{i}"),
            msg: msg.clone(),
            sigs: Vec::new(),
        })
        .collect();
    assert_refused(
        Some(SYNC_CONTENT_TYPE),
        req.encode(),
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn sync_with_an_invalid_device_id_is_refused() {
    for device in ["", "../etc/passwd", "手机", &"x".repeat(65)] {
        let req = SyncRequest {
            device: device.to_string(),
            ..valid_request()
        };
        assert_refused(
            Some(SYNC_CONTENT_TYPE),
            req.encode(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}

#[tokio::test]
async fn sync_body_over_the_limit_is_refused_with_413() {
    let mut body = valid_request().encode();
    body.resize(MAX_BODY_BYTES + 1, 0);
    assert_refused(Some(SYNC_CONTENT_TYPE), body, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn unknown_documents_are_refused_one_by_one_and_the_others_still_sync() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    let before = before(&state, &server).await;

    let mut phone = Phone::new("phone-a", 1);
    let v = offline_visits().0[0].clone();
    phone.add_visit(&v);
    let mut req = phone.request(true, &BTreeSet::new());
    let msg = req
        .docs
        .iter()
        .find(|m| m.doc == B1)
        .expect("b1 message")
        .msg
        .clone();
    let unknown = [
        "branch/nope",
        "branch/vb1",
        "county",
        "branch/../registry",
        "branch/",
        "Registry",
    ];
    for doc in unknown {
        req.docs.push(DocMessage {
            doc: doc.to_string(),
            msg: msg.clone(),
            sigs: Vec::new(),
        });
    }
    let reply = server.post_sync(req.encode()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let resp = SyncResponse::decode(&reply.body).expect("response");
    let refused: BTreeSet<&str> = resp.refused.iter().map(|r| r.doc.as_str()).collect();
    assert_eq!(refused, unknown.into_iter().collect(), "{:?}", resp.refused);
    assert!(resp.refused.iter().all(|r| !r.reason.trim().is_empty()));
    let replied: BTreeSet<&str> = resp.docs.iter().map(|m| m.doc.as_str()).collect();
    assert_eq!(
        replied,
        [B1].into_iter().collect(),
        "the known document went through"
    );
    assert_eq!(
        state.hub().generation(),
        before.generation,
        "a first round carries no changes"
    );
    phone.apply(&req, resp);

    // The session goes on for the known documents and the visit arrives.
    let out = phone.sync(&server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    assert_county_lists(&server.county().await, &[&v]);

    // No document was created for the unknown ids.
    let store = SqliteStore::open(&dir.path().join("sanlian.sqlite3")).expect("store");
    assert_eq!(store.list().expect("list"), [B1, REGISTRY]);
}

#[tokio::test]
async fn garbage_sync_message_for_one_document_is_refused_and_the_others_still_sync() {
    let state = open(None);
    let server = Server::in_process(&state);
    let mut phone = Phone::new("phone-a", 1);
    phone.add_visit(&offline_visits().0[0]);
    assert!(phone.sync(&server).await.refused.is_empty());

    // A message that does not parse, and one that parses but whose change bytes are junk.
    phone.begin_session();
    let valid = phone.request(true, &BTreeSet::new()).docs[0].msg.clone();
    let mut corrupt = sync::Message::decode(&valid).expect("own message");
    corrupt.changes = sync::ChunkList::from(vec![
        0x85, 0x6f, 0x4a, 0x83, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2,
    ]);
    // Undecodable messages must be refused. Automerge itself skips change bytes it cannot
    // read, so for those the server may refuse or ignore them, but must not store anything.
    let bad = [
        (vec![0x42, 1, 2, 255], true),
        (vec![], true),
        (corrupt.encode(), false),
    ];
    // Each sent by b1's secretary (who writes b1, so junk changes reach the apply path)
    // and by the county office beside a good message for the registry (which it reads;
    // since issue 15 the secretary has no second document to send beside it).
    for (case, (msg, must_refuse)) in bad.into_iter().enumerate() {
        for (token, beside) in [(&server.sync_token, false), (&server.view_token, true)] {
            let before = before(&state, &server).await;
            let mut other = Phone::new("phone-b", 2).holding_registry();
            let mut req = other.request(true, &BTreeSet::new());
            req.docs.retain(|m| beside && m.doc == REGISTRY);
            req.docs.push(DocMessage {
                doc: B1.to_string(),
                msg: msg.clone(),
                sigs: Vec::new(),
            });
            let reply = server
                .request_as(
                    Some(token),
                    Method::POST,
                    SYNC_PATH,
                    Some(SYNC_CONTENT_TYPE),
                    req.encode(),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            let resp = SyncResponse::decode(&reply.body).expect("response");
            let refused: Vec<&str> = resp.refused.iter().map(|r| r.doc.as_str()).collect();
            if must_refuse {
                assert_eq!(refused, [B1], "bad message {case}: {:?}", resp.refused);
            } else {
                assert!(
                    refused.is_empty() || refused == [B1],
                    "bad message {case}: {:?}",
                    resp.refused
                );
            }
            assert_eq!(
                resp.docs.iter().any(|m| m.doc == REGISTRY),
                beside,
                "the registry still syncs"
            );
            other.apply(&req, resp);
            assert_unchanged_and_still_syncing(&state, &server, &before).await;
        }
    }
}

/// A phone's sync as the county office, which reads the registry document.
fn office_phone(server: &Server, device: &str, actor: u8) -> Phone {
    let mut phone = Phone::new(device, actor).holding_registry();
    phone.docs.remove(B1);
    phone.states.remove(B1);
    phone.token = Some(server.view_token.clone());
    phone
}

#[tokio::test]
async fn a_phone_cannot_write_into_the_read_only_registry() {
    let state = open(None);
    let server = Server::in_process(&state);
    // The county office reads the registry document, and cannot write it by sync either.
    let mut office = office_phone(&server, "office-a", 5);
    assert!(office.sync(&server).await.refused.is_empty());
    assert_eq!(office.registry(), demo::registry(DemoSpec::SMALL));
    let before = before(&state, &server).await;

    // The phone renames the county and adds itself as a person.
    let intrude = |reg: &mut AutoCommit| {
        reg.put(ROOT, "county", "黑客县").unwrap();
        let people = match reg.get(ROOT, "people").unwrap() {
            Some((_, id)) => id,
            None => reg.put_object(ROOT, "people", ObjType::Map).unwrap(),
        };
        let me = reg.put_object(&people, "intruder", ObjType::Map).unwrap();
        reg.put(&me, "id", "intruder").unwrap();
        reg.commit();
    };
    intrude(office.doc(REGISTRY));
    let out = office.sync(&server).await;
    assert_eq!(out.refused_docs(), [REGISTRY], "{:?}", out.refused);
    assert_eq!(
        state.hub().generation(),
        before.generation,
        "nothing stored"
    );

    // A field phone of an app from before issue 15 may not even read it (it gets its
    // slice by `/api/registry`); its intrusion is refused, its visit still goes up.
    let mut phone = Phone::new("phone-a", 1).holding_registry();
    intrude(phone.doc(REGISTRY));
    let v = offline_visits().0[1].clone();
    phone.add_visit(&v);
    let out = phone.sync(&server).await;
    assert_eq!(out.refused_docs(), [REGISTRY], "{:?}", out.refused);
    assert_eq!(
        state.hub().registry().expect("registry"),
        demo::registry(DemoSpec::SMALL)
    );
    let county = server.county().await;
    assert_eq!(county.county, "旬阳县");
    assert_county_lists(&county, &[&v]);
    assert_eq!(
        state.hub().generation(),
        before.generation + 1,
        "only the visit was stored"
    );

    let mut fresh = office_phone(&server, "office-new", 7);
    assert!(fresh.sync(&server).await.refused.is_empty());
    assert_eq!(
        fresh.registry(),
        demo::registry(DemoSpec::SMALL),
        "no phone receives the intrusion"
    );
}

#[tokio::test]
async fn county_view_with_a_bad_limit_is_refused_with_a_json_error() {
    let state = open(None);
    let server = Server::in_process(&state);
    for query in ["limit=abc", "limit=-1", "limit=1.5"] {
        let path = format!("/api/county?{query}");
        let reply = server.request(Method::GET, &path, None, Vec::new()).await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
    let reply = server
        .request(Method::GET, "/api/county?limit=1", None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

// ---------------------------------------------------------------------------------------
// Content that is not a branch document never reaches the disk
// ---------------------------------------------------------------------------------------

/// The hash of the change the phone made last on `doc`.
fn last_change(phone: &mut Phone, doc: &str) -> ChangeHash {
    let heads = phone.doc(doc).get_heads();
    assert_eq!(heads.len(), 1);
    heads[0]
}

#[tokio::test]
async fn changes_that_break_the_branch_document_are_refused_and_not_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = offline_visits().0[0].clone();
    let mut bad_changes = Vec::new();
    {
        let state = open(Some(dir.path()));
        let server = Server::in_process(&state);
        let mut a = Phone::new("phone-a", 1);
        a.add_visit(&good);
        assert!(a.sync(&server).await.refused.is_empty());
        let before = before(&state, &server).await;

        // 1. A string where the visits map should be.
        let mut b = Phone::new("phone-b", 2);
        assert!(b.sync(&server).await.refused.is_empty());
        b.doc(B1).put(ROOT, "visits", "没有记录").unwrap();
        b.doc(B1).commit();
        bad_changes.push(last_change(&mut b, B1));
        let out = b.sync(&server).await;
        assert_eq!(out.refused_docs(), [B1], "{:?}", out.refused);

        // 2. A visit missing its required fields.
        let mut c = Phone::new("phone-c", 3);
        assert!(c.sync(&server).await.refused.is_empty());
        let doc = c.doc(B1);
        let visits = match doc.get(ROOT, "visits").unwrap() {
            Some((_, id)) => id,
            None => panic!("no visits map"),
        };
        let rec = doc.put_object(&visits, "half", ObjType::Map).unwrap();
        doc.put(&rec, "id", "half").unwrap();
        doc.put(&rec, "author", "p1-1").unwrap();
        doc.commit();
        bad_changes.push(last_change(&mut c, B1));
        let out = c.sync(&server).await;
        assert_eq!(out.refused_docs(), [B1], "{:?}", out.refused);

        // 3. A visit whose kind is not one of the notice's kinds.
        let mut d = Phone::new("phone-d", 4);
        d.add_visit(&visit(
            "odd",
            "p1-2",
            "v2",
            VisitKind::Help,
            "种类不对",
            1_770_000_007_000,
        ));
        let doc = d.doc(B1);
        let visits = doc.get(ROOT, "visits").unwrap().expect("visits map").1;
        let rec = doc.get(&visits, "odd").unwrap().expect("the record").1;
        doc.put(&rec, "kind", "Party").unwrap();
        doc.commit();
        bad_changes.push(last_change(&mut d, B1));
        let out = d.sync(&server).await;
        assert_eq!(out.refused_docs(), [B1], "{:?}", out.refused);

        // Nothing of it shows, and other phones go on syncing.
        assert_unchanged_and_still_syncing(&state, &server, &before).await;
        a.sync(&server).await;
        assert!(
            read_branch(&a.docs[B1]).is_ok(),
            "no phone receives the bad changes"
        );
    }

    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    let county = server.county().await;
    let listed: Vec<&str> = county.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(county.total, 2, "{listed:?}");
    assert!(listed.contains(&"a-1") && listed.contains(&"ok-1"));

    let mut fresh = Phone::new("phone-new", 7);
    assert!(fresh.sync(&server).await.refused.is_empty());
    assert_eq!(ids(&fresh.visits()), ["a-1", "ok-1"]);
    for hash in &bad_changes {
        assert!(
            fresh.doc(B1).get_change_by_hash(hash).is_none(),
            "refused change {hash} was stored"
        );
    }
}

/// While one phone's bad change is being refused, other phones syncing the same document
/// at that moment must never be sent it, and the county view must keep answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_phones_never_receive_a_change_that_is_being_refused() {
    let state = open(None);
    let server = Arc::new(Server::in_process(&state));
    let mut good = Phone::new("good", 1);
    for i in 0..150 {
        let id = format!("g-{i}");
        good.add_visit(&visit(
            &id,
            "p1-1",
            "v1",
            VisitKind::Industry,
            "例行到点",
            1_770_000_000_000 + i,
        ));
    }
    assert!(good.sync(&server).await.refused.is_empty());

    // A phone with many good visits and, last, a change that breaks the document: refusing
    // its upload takes the server a moment.
    let mut bad = Phone::new("bad", 2);
    assert!(bad.sync(&server).await.refused.is_empty());
    for i in 0..150 {
        let id = format!("bad-{i}");
        bad.add_visit(&visit(
            &id,
            "p1-2",
            "v2",
            VisitKind::Help,
            "坏批次",
            1_770_000_500_000 + i,
        ));
    }
    bad.doc(B1).put(ROOT, "visits", "坏").unwrap();
    bad.doc(B1).commit();

    for attempt in 0..15 {
        bad.begin_session();
        let first = bad.request(true, &BTreeSet::new());
        let reply = server.post_sync(first.encode()).await;
        bad.apply(&first, SyncResponse::decode(&reply.body).expect("response"));
        let upload = bad.request(false, &BTreeSet::new());
        let upload_has_changes = upload.docs.iter().any(|m| {
            m.doc == B1
                && !sync::Message::decode(&m.msg)
                    .expect("own message")
                    .changes
                    .is_empty()
        });
        assert!(
            upload_has_changes,
            "attempt {attempt}: the bad phone uploads its changes"
        );

        let bad_task = tokio::spawn({
            let server = server.clone();
            let body = upload.encode();
            async move { server.post_sync(body).await }
        });
        let mut others = Vec::new();
        for k in 0..6u64 {
            let server = server.clone();
            let mut phone = good.clone();
            phone.device = format!("good-{attempt}-{k}");
            others.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(k)).await;
                let out = phone.sync(&server).await;
                let county = server.county().await;
                (phone, out, county)
            }));
        }

        let reply = bad_task.await.expect("the bad upload's request");
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let resp = SyncResponse::decode(&reply.body).expect("response");
        assert_eq!(
            resp.refused
                .iter()
                .map(|r| r.doc.as_str())
                .collect::<Vec<_>>(),
            [B1]
        );
        for task in others {
            let (phone, out, county) = task.await.expect("a good phone's sync");
            let doc = read_branch(&phone.docs[B1]).unwrap_or_else(|e| {
                panic!(
                    "attempt {attempt}: {} was sent the refused change and can no longer \
                     read its branch: {e} (its own sync: {:?})",
                    phone.device, out.refused
                )
            });
            assert!(
                doc.visits.keys().all(|id| id.starts_with("g-")),
                "attempt {attempt}: {} was sent refused visits",
                phone.device
            );
            assert!(
                out.refused.is_empty(),
                "attempt {attempt}, {}: {:?}",
                phone.device,
                out.refused
            );
            assert_eq!(county.total, 150);
        }
    }
    assert_eq!(server.county().await.total, 150);
}

// ---------------------------------------------------------------------------------------
// Storage stays proportionate
// ---------------------------------------------------------------------------------------

/// After a restart (or any reload of a document), one new visit must add about one change
/// to the disk, not another copy of the document's whole history.
#[tokio::test]
async fn a_sync_after_a_restart_stores_only_the_new_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("sanlian.sqlite3");
    let mut phone = Phone::new("phone-a", 1);
    {
        let state = open(Some(dir.path()));
        let server = Server::in_process(&state);
        for i in 0..40 {
            let note = format!("第 {i} 次到点，了解产业和班子情况，帮助解决实际困难");
            phone.add_visit(&visit(
                &format!("a-{i}"),
                "p1-1",
                "v1",
                VisitKind::Industry,
                &note,
                1_770_000_000_000 + i,
            ));
        }
        assert!(phone.sync(&server).await.refused.is_empty());
    }
    let history: usize = {
        let store = SqliteStore::open(&db).expect("store");
        store.load(B1).expect("load").iter().map(Vec::len).sum()
    };

    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    phone.add_visit(&visit(
        "new",
        "p1-1",
        "v2",
        VisitKind::Help,
        "重启后的一次",
        1_770_000_100_000,
    ));
    assert!(phone.sync(&server).await.refused.is_empty());
    assert_eq!(server.county().await.total, 41);

    let store = SqliteStore::open(&db).expect("store");
    let chunks = store.load(B1).expect("load");
    let last = chunks.last().expect("a chunk").len();
    assert!(
        last * 4 < history,
        "one new visit after a restart stored {last} B; the whole history before it was {history} B"
    );
}

// ---------------------------------------------------------------------------------------
// Issue 3: every kind of record syncs and feeds the county's findings
// ---------------------------------------------------------------------------------------

async fn findings_about(server: &Server, id: &str) -> Vec<serde_json::Value> {
    let path = format!("/api/findings?year=2026&as_of=2026-12-31&about={id}");
    let reply = server.request(Method::GET, &path, None, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    let page: serde_json::Value = serde_json::from_slice(&reply.body).expect("findings JSON");
    page["findings"].as_array().cloned().unwrap_or_default()
}

fn has_rule(findings: &[serde_json::Value], rule: &str, subject: &str) -> bool {
    findings
        .iter()
        .any(|f| f["rule"] == rule && f["subject"]["id"] == subject)
}

#[tokio::test]
async fn issue_3_a_leader_point_logged_on_a_phone_clears_the_coverage_finding() {
    let state = open(None);
    let server = Server::in_process(&state);
    assert!(
        has_rule(
            &findings_about(&server, "v1").await,
            "PlaceWithoutPoint",
            "v1"
        ),
        "a fresh county has no leader at v1"
    );

    // Leader l1 (branch b1) names v1 as their contact point, on a phone, offline.
    let mut phone = Phone::new("phone-l1", 7);
    let point = shared::domain::records::LeaderPoint {
        id: "1764000000000-aa".into(),
        year: 2026,
        leader: "l1".into(),
        place: "v1".into(),
        note: "联系点".into(),
        recorded_at: 1_764_000_000_000,
        withdrawn: false,
    };
    shared::domain::docs::put(phone.doc(B1), &point, 1).expect("a point on a branch document");
    let outcome = phone.sync(&server).await;
    assert!(outcome.refused.is_empty(), "refused: {:?}", outcome.refused);

    let after = findings_about(&server, "v1").await;
    assert!(!has_rule(&after, "PlaceWithoutPoint", "v1"), "{after:?}");
    // The leader now owes six visits to v1 this year: the rule sees the new link.
    assert!(has_rule(
        &findings_about(&server, "l1").await,
        "LeaderVisits",
        "l1"
    ));
}

#[tokio::test]
async fn findings_with_a_bad_date_are_refused_with_a_json_error() {
    let state = open(None);
    let server = Server::in_process(&state);
    let reply = server
        .request(
            Method::GET,
            "/api/findings?as_of=31-12-2026",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("error"), "{}", reply.text());
}

// ---------------------------------------------------------------------------------------
// Issue 16: one county view — the summary, the findings and the office read one county
// ---------------------------------------------------------------------------------------

async fn get_json<T: serde::de::DeserializeOwned>(server: &Server, path: impl AsRef<str>) -> T {
    let path = path.as_ref();
    let reply = server.request(Method::GET, path, None, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text());
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("{path} does not read: {e}: {}", reply.text()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_16_one_sync_reads_the_county_once_for_its_summary_findings_and_office_pages() {
    use shared::domain::rules::Finding;
    use shared::office::{Overview, PersonDetail};
    let state = open(None);
    let server = Server::in_process(&state);
    let mut phone = Phone::new("phone-16", 16);
    let now = visit(
        "1770000001000-aa",
        "p1-1",
        "v1",
        VisitKind::BuildTeam,
        "班子会",
        1_770_000_001_000,
    );
    // Dated after the server's real today: 需核实 in `/api/findings` and on the office's
    // pages alike, judged against the same day.
    let ahead = Visit {
        id: "1770000002000-bb".into(),
        date: "2099-06-01".into(),
        ..visit(
            "",
            "p1-1",
            "v2",
            VisitKind::Industry,
            "产业调研",
            1_770_000_002_000,
        )
    };
    phone.add_visit(&now);
    phone.add_visit(&ahead);
    let out = phone.sync(&server).await;
    assert!(out.refused.is_empty(), "refused: {:?}", out.refused);

    // Every county view at once, for two days: each waits for the one reading of the
    // county instead of reading it again (three caches read it three times or more).
    const Q: &str = "year=2026&as_of=2026-12-31";
    let reads = state.hub().county_reads();
    let (county, about, all, person, _, _): (
        CountySummary,
        serde_json::Value,
        serde_json::Value,
        PersonDetail,
        Overview,
        Overview,
    ) = tokio::join!(
        server.county(),
        get_json(&server, format!("/api/findings?{Q}&about=p1-1")),
        get_json(&server, format!("/api/findings?{Q}")),
        get_json(&server, format!("/api/office/people/p1-1?{Q}")),
        get_json(&server, format!("/api/office/overview?{Q}")),
        get_json(&server, "/api/office/overview?year=2026&as_of=2026-06-30"),
    );
    assert_eq!(
        state.hub().county_reads() - reads,
        1,
        "one change, one reading of the county for every view"
    );

    // They agree: the same visits, the same findings.
    let listed: BTreeSet<&str> = county.entries.iter().map(|e| e.id.as_str()).collect();
    let recorded: BTreeSet<&str> = person
        .records
        .records
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(listed, BTreeSet::from([now.id.as_str(), ahead.id.as_str()]));
    assert_eq!(recorded, listed, "the office lists the summary's visits");
    let mut about: Vec<Finding> =
        serde_json::from_value(about["findings"].clone()).expect("findings");
    about.sort();
    assert_eq!(about, person.findings, "/api/findings is the office's list");
    assert!(
        about
            .iter()
            .any(|f| f.rule == shared::domain::rules::RuleCode::DateToVerify && f.item == ahead.id),
        "the visit dated 2099 is 需核实: {about:?}"
    );
    let all: Vec<Finding> = serde_json::from_value(all["findings"].clone()).expect("findings");
    let view = state.view(2026, "2026-12-31".parse().unwrap()).unwrap();
    assert_eq!(
        all, view.findings,
        "the whole list, in the office view's order"
    );
    assert_eq!(state.hub().county_reads() - reads, 1, "asked again: cached");

    // The next change is read once more, and every view sees it.
    let later = visit(
        "1770000003000-cc",
        "p1-1",
        "v3",
        VisitKind::Stability,
        "矛盾排查",
        1_770_000_003_000,
    );
    phone.add_visit(&later);
    let out = phone.sync(&server).await;
    assert!(out.refused.is_empty(), "refused: {:?}", out.refused);
    let reads = state.hub().county_reads();
    let (county, person): (CountySummary, PersonDetail) = tokio::join!(
        server.county(),
        get_json(&server, format!("/api/office/people/p1-1?{Q}")),
    );
    assert_eq!(state.hub().county_reads() - reads, 1);
    assert_eq!(county.total, 3);
    assert_eq!(person.records.total, 3);
}

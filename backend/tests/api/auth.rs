//! Issue 4: accounts, roles and per-document access control, through the real router.
//!
//! Every test logs in over HTTP as a demo account (backend/src/auth/demo.rs) and syncs
//! with the phone's actor bound to that account, as the app does.

use super::*;
use backend::auth::{AuthConfig, LoginLimits};
use shared::domain::docs::new_office_document;

const REG: &str = "registry";
const B2: &str = "branch/b2";
const OFFICE_DOC: &str = "county-office";
const COMMITTEE_C1_DOC: &str = "committee/c1";

const LEADER_B1: &str = "13800000100";
const MEMBER_B2: &str = "13800000202";
const COMMITTEE_C1: &str = "13800009901";
const ADMIN: &str = "13800009999";

fn json_body(v: serde_json::Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn parse(reply: &Reply) -> serde_json::Value {
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", reply.text()))
}

async fn login_reply(server: &Server, phone: &str, password: &str, actors: &[&ActorId]) -> Reply {
    let actors: Vec<String> = actors.iter().map(|a| a.to_hex_string()).collect();
    server
        .request_as(
            None,
            Method::POST,
            "/api/login",
            Some("application/json"),
            json_body(
                serde_json::json!({ "phone": phone, "password": password, "actors": actors }),
            ),
        )
        .await
}

/// Issue 13: accounts are only for people of the registry, so the people these tests make
/// accounts for are put there first (by the county office).
fn in_registry(state: &AppState, id: &str, identity: shared::registry_admin::Identity, org: &str) {
    let old = backend::registry::load_book(state).expect("the registry reads");
    let mut new = old.clone();
    new.put_member(&backend::registry::book::Member {
        id: id.into(),
        name: "新人".into(),
        org: org.into(),
        identity,
        position: String::new(),
        status: shared::model::Status::Active,
    });
    backend::registry::store_book(state, "office", &old, &new).expect("the registry is written");
}

/// Logs in with the demo password, binding `actor`; returns the token.
async fn login(server: &Server, phone: &str, actor: &ActorId) -> String {
    let reply = login_reply(server, phone, DEMO_PASSWORD, &[actor]).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "login {phone}: {}",
        reply.text()
    );
    parse(&reply)["token"]
        .as_str()
        .expect("a token")
        .to_string()
}

/// A phone logged in as `phone_no`, holding the documents `docs` as a device would start
/// them (registry empty, others from their genesis).
///
/// Each signs its changes (issue 15) with a device key made from its actor byte,
/// registered with its actor right after login as the app does.
async fn device(server: &Server, name: &str, actor: u8, phone_no: &str, docs: &[&str]) -> Phone {
    let seed = actor;
    let actor = ActorId::from([actor; 16]);
    let token = login(server, phone_no, &actor).await;
    let key = shared::signing::DeviceKey::from_seed([seed; 32]);
    register_key(server, &token, &actor, &key).await;
    let mut map = BTreeMap::new();
    for id in docs {
        let doc = match *id {
            REG => AutoCommit::new().with_actor(actor.clone()),
            OFFICE_DOC => new_office_document(actor.clone()),
            b => new_document(&DocId::parse(b).expect("a doc id"), actor.clone()),
        };
        map.insert(id.to_string(), doc);
    }
    Phone {
        key: Some(key.clone()),
        signs_with: Some(key),
        relayed: Default::default(),
        device: name.to_string(),
        actor,
        token: Some(token),
        states: map
            .keys()
            .map(|k| (k.clone(), sync::State::new()))
            .collect(),
        docs: map,
    }
}

/// Registers a device's signing key for `actor` with the session's token (`/api/actors`).
async fn register_key(
    server: &Server,
    token: &str,
    actor: &ActorId,
    key: &shared::signing::DeviceKey,
) {
    let body = serde_json::json!({ "actors": [actor.to_hex_string()], "key": key.public_hex() });
    let reply = server
        .request_as(
            Some(token),
            Method::POST,
            "/api/actors",
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
}

/// The signatures an export file made on `from` carries (issue 15): every change of
/// `from`'s actor in `file`, signed with its device key.
fn signatures_of(
    from: &Phone,
    file: &mut AutoCommit,
) -> std::collections::HashMap<ChangeHash, Vec<u8>> {
    let key = from.key.clone().expect("a signing phone");
    changes_by(file, &from.actor)
        .into_iter()
        .map(|h| (h, key.sign(&h)))
        .collect()
}

/// A 党（工）委 plan, typed into the committee form by `author` as the app would.
fn committee_plan(author: &str, at_secs: i64) -> shared::domain::records::CommitteePlan {
    let typed: BTreeMap<String, String> = [
        ("year", "2026"),
        ("kind", "Activity"),
        ("status", "Adopted"),
        ("date", "2026-02-01"),
        ("content", "分领导干部、机关支部、党员三个层次"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 2, 2).unwrap();
    shared::forms::submit_committee_plan(&typed, author, today, at_secs * 1000)
        .expect("a valid committee plan")
}

fn add_visit_to(phone: &mut Phone, doc: &str, v: &Visit) {
    put_visit(phone.doc(doc), v, v.recorded_at / 1000).expect("put_visit");
}

/// b1 and b2 each hold one visit, logged by their own members.
async fn seeded() -> (AppState, Server) {
    let state = open(None);
    let server = Server::in_process(&state);
    for (actor, phone_no, doc, id, author) in [
        (200, MEMBER_B1, B1, "seed-b1", "p1-2"),
        (201, MEMBER_B2, B2, "seed-b2", "p2-2"),
    ] {
        let mut p = device(&server, id, actor, phone_no, &[doc]).await;
        add_visit_to(
            &mut p,
            doc,
            &visit(id, author, "v1", VisitKind::Help, "种子", 1_770_000_000_000),
        );
        let out = p.sync(&server).await;
        assert!(out.refused.is_empty(), "seeding {doc}: {:?}", out.refused);
    }
    (state, server)
}

#[tokio::test]
async fn issue_4_role_by_document_read_write_matrix() {
    let (state, server) = seeded().await;
    // A township committee's staff, made by the administrator through the API.
    in_registry(
        &state,
        "t1-staff",
        shared::registry_admin::Identity::CommitteeStaff,
        "t1",
    );
    let admin = login(&server, ADMIN, &ActorId::from([90u8; 16])).await;
    let reply = server
        .request_as(
            Some(&admin),
            Method::POST,
            "/api/accounts",
            Some("application/json"),
            json_body(serde_json::json!({
                "id": "t1-staff", "name": "镇党委干事", "phone": "13800009911",
                "role": "CommitteeStaff", "org": "t1", "password": "镇党委密码123"
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());

    // Expected rights per document: registry, b1, b2, county-office, committee c1's own.
    // Written out by hand from the issue, not computed from the policy under test.
    let matrix: [(&str, &str, &str, [char; 5]); 8] = [
        // Issue 15: phones get their slice of the registry (`/api/registry`); only the
        // county reads the document, which names every party member of the county.
        ("member b1", "p1-2", MEMBER_B1, ['-', 'W', '-', '-', '-']),
        ("leader b1", "l1", LEADER_B1, ['-', 'W', '-', '-', '-']),
        (
            "secretary b1",
            "p1-1",
            SECRETARY_B1,
            ['-', 'W', '-', '-', '-'],
        ),
        ("member b2", "p2-2", MEMBER_B2, ['-', '-', 'W', '-', '-']),
        (
            "committee c1",
            "c1-staff",
            COMMITTEE_C1,
            ['-', 'R', 'R', 'R', 'W'],
        ),
        (
            "committee t1",
            "t1-staff",
            "13800009911",
            ['-', '-', '-', 'R', '-'],
        ),
        ("office staff", "office", OFFICE, ['R', 'R', 'R', 'R', 'R']),
        ("administrator", "admin", ADMIN, ['R', 'R', 'R', 'R', 'R']),
    ];
    let docs = [REG, B1, B2, OFFICE_DOC, COMMITTEE_C1_DOC];
    let password = |p: &str| {
        if p == "13800009911" {
            "镇党委密码123"
        } else {
            DEMO_PASSWORD
        }
    };
    let mut actor = 10u8;
    for (who, id, phone_no, rights) in matrix {
        actor += 1;
        let a = ActorId::from([actor; 16]);
        let reply = login_reply(&server, phone_no, password(phone_no), &[&a]).await;
        assert_eq!(reply.status, StatusCode::OK, "{who}: {}", reply.text());
        let token = parse(&reply)["token"].as_str().unwrap().to_string();
        for (doc, right) in docs.into_iter().zip(rights) {
            // One phone per document, each starting from nothing.
            let mut phone = Phone {
                key: None,
                signs_with: None,
                relayed: Default::default(),
                device: format!("m-{actor}-{}", doc.replace('/', "-")),
                actor: a.clone(),
                token: Some(token.clone()),
                docs: BTreeMap::new(),
                states: BTreeMap::new(),
            };
            let fresh = match doc {
                REG => AutoCommit::new().with_actor(a.clone()),
                OFFICE_DOC => new_office_document(a.clone()),
                b => new_document(&DocId::parse(b).unwrap(), a.clone()),
            };
            phone.docs.insert(doc.to_string(), fresh);
            phone.states.insert(doc.to_string(), sync::State::new());

            // Read: a phone holding nothing but the document's genesis asks for it.
            let out = phone.sync(&server).await;
            let readable = out.refused.is_empty();
            assert_eq!(
                readable,
                right != '-',
                "{who} reading {doc}: {:?}",
                out.refused
            );
            let got_data = match doc {
                REG => read_registry(&phone.docs[doc]).is_ok_and(|r| !r.people.is_empty()),
                B1 | B2 => !read_branch(&phone.docs[doc]).unwrap().visits.is_empty(),
                // The county office's document holds only its genesis here; the refusal
                // above is what tells.
                _ => readable,
            };
            assert_eq!(got_data, readable, "{who} {doc}: data arrives iff readable");

            // Write: a change by the user's own, bound actor.
            let generation = state.hub().generation();
            match doc {
                B1 | B2 => add_visit_to(
                    &mut phone,
                    doc,
                    &visit(
                        &format!("w-{actor}-{}", &doc[7..]),
                        id,
                        "v1",
                        VisitKind::Help,
                        "写",
                        1_770_000_100_000,
                    ),
                ),
                COMMITTEE_C1_DOC => {
                    let plan = committee_plan(id, 1_770_000_100);
                    shared::domain::docs::put(phone.doc(doc), &plan, 1_770_000_100).unwrap();
                }
                _ => {
                    let d = phone.doc(doc);
                    d.put(ROOT, "intruder", who).unwrap();
                    d.commit();
                }
            }
            let out = phone.sync(&server).await;
            let written = state.hub().generation() != generation;
            assert_eq!(
                written,
                right == 'W',
                "{who} writing {doc}: {:?}",
                out.refused
            );
            assert_eq!(
                out.refused.is_empty(),
                right == 'W',
                "{who} writing {doc}: {:?}",
                out.refused
            );
        }
    }
    // Nothing but the two members' writes reached the branches.
    let county = server.county().await;
    let mut listed: Vec<&str> = county.entries.iter().map(|e| e.id.as_str()).collect();
    listed.sort();
    assert_eq!(
        listed.len(),
        2 + 4,
        "seeds and the four field writers: {listed:?}"
    );
}

/// A sync request with a bearer token (or none) as raw bytes.
async fn post_sync_as(server: &Server, token: Option<&str>, body: Vec<u8>) -> Reply {
    server
        .request_as(
            token,
            Method::POST,
            SYNC_PATH,
            Some(SYNC_CONTENT_TYPE),
            body,
        )
        .await
}

#[tokio::test]
async fn issue_4_changes_by_an_actor_not_bound_to_the_user_are_refused_and_not_stored() {
    let (state, server) = seeded().await;
    // p1-1's phone (actor 50) is bound to the secretary.
    let mut secretary = device(&server, "sec", 50, SECRETARY_B1, &[B1]).await;
    assert!(secretary.sync(&server).await.refused.is_empty());

    // The member logs in with actor 51, but their phone writes as actor 52 (never bound),
    // and another phone of theirs writes as actor 201, bound to b2's member, who may not
    // write b1. (A change by a colleague's actor is taken as theirs, by their rights:
    // `issue_4_relayed_colleague_changes_sync`.)
    for (name, forged, why) in [
        ("unbound", 52u8, "未登记"),
        ("another branch's member's", 201u8, "无权修改"),
    ] {
        let token = login(&server, MEMBER_B1, &ActorId::from([51u8; 16])).await;
        let actor = ActorId::from([forged; 16]);
        let mut phone = Phone {
            key: None,
            signs_with: None,
            relayed: Default::default(),
            device: format!("forger-{forged}"),
            actor: actor.clone(),
            token: Some(token),
            docs: [(
                B1.to_string(),
                new_document(&DocId::branch("b1").unwrap(), actor),
            )]
            .into(),
            states: [(B1.to_string(), sync::State::new())].into(),
        };
        add_visit_to(
            &mut phone,
            B1,
            &visit(
                &format!("forged-{forged}"),
                "p1-1",
                "v1",
                VisitKind::BuildTeam,
                "冒名",
                1_770_000_200_000,
            ),
        );
        let generation = state.hub().generation();
        let out = phone.sync(&server).await;
        assert_eq!(out.refused_docs(), [B1], "{name} actor: {:?}", out.refused);
        assert!(out.refused[0].reason.contains(why), "{:?}", out.refused);
        assert_eq!(
            state.hub().generation(),
            generation,
            "{name}: nothing stored"
        );
    }
    let county = server.county().await;
    assert!(
        county.entries.iter().all(|e| !e.id.starts_with("forged")),
        "{county:?}"
    );

    // The secretary's own phone still syncs, and sees none of it.
    add_visit_to(
        &mut secretary,
        B1,
        &visit(
            "sec-1",
            "p1-1",
            "v2",
            VisitKind::Industry,
            "本人",
            1_770_000_300_000,
        ),
    );
    assert!(secretary.sync(&server).await.refused.is_empty());
    assert!(secretary.visits().keys().all(|k| !k.starts_with("forged")));

    // Registering someone else's actor is refused at login.
    let reply = login_reply(
        &server,
        MEMBER_B1,
        DEMO_PASSWORD,
        &[&ActorId::from([50u8; 16])],
    )
    .await;
    assert_json_error(&reply, StatusCode::CONFLICT);
    // And a malformed actor id is a clear 400.
    let reply = server
        .request_as(
            None,
            Method::POST,
            "/api/login",
            Some("application/json"),
            json_body(serde_json::json!({ "phone": MEMBER_B1, "password": DEMO_PASSWORD, "actors": ["not-hex"] })),
        )
        .await;
    assert_json_error(&reply, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn issue_4_another_branchs_document_is_never_sent_nor_written() {
    let (state, server) = seeded().await;
    let mut phone = device(&server, "nosy", 60, MEMBER_B1, &[B1, B2]).await;
    add_visit_to(
        &mut phone,
        B2,
        &visit(
            "into-b2",
            "p1-2",
            "v1",
            VisitKind::Help,
            "越权",
            1_770_000_400_000,
        ),
    );
    let generation = state.hub().generation();
    let req = phone.request(true, &BTreeSet::new());
    let reply = phone.post(&server, &req).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let resp = SyncResponse::decode(&reply.body).unwrap();
    assert!(
        resp.docs.iter().all(|m| m.doc != B2),
        "no message for b2 is sent"
    );
    assert_eq!(
        resp.refused
            .iter()
            .map(|r| r.doc.as_str())
            .collect::<Vec<_>>(),
        [B2]
    );
    let out = phone.sync(&server).await;
    assert_eq!(out.refused_docs(), [B2]);
    assert_eq!(state.hub().generation(), generation, "nothing stored");
    let b2 = read_branch(&phone.docs[B2]).unwrap();
    assert_eq!(
        b2.visits.keys().collect::<Vec<_>>(),
        ["into-b2"],
        "b2's own records never arrived"
    );
}

#[tokio::test]
async fn issue_4_missing_bad_revoked_and_stolen_tokens_get_401_and_change_nothing() {
    let (state, server) = seeded().await;
    let mut phone = device(&server, "p", 70, MEMBER_B1, &[B1]).await;
    add_visit_to(
        &mut phone,
        B1,
        &visit(
            "t-1",
            "p1-2",
            "v1",
            VisitKind::Help,
            "令牌",
            1_770_000_500_000,
        ),
    );
    let body = phone.request(true, &BTreeSet::new()).encode();
    let generation = state.hub().generation();
    let token = phone.token.clone().unwrap();

    let no_token = post_sync_as(&server, None, body.clone()).await;
    assert_json_error(&no_token, StatusCode::UNAUTHORIZED);
    assert!(no_token.text().contains("请先登录"), "{}", no_token.text());
    for bad in ["nonsense", "", &"f".repeat(64)] {
        let reply = post_sync_as(&server, Some(bad), body.clone()).await;
        assert_json_error(&reply, StatusCode::UNAUTHORIZED);
    }
    // A "Basic" header is not a bearer token.
    let reply = server
        .request_as(
            Some(&token[..10]),
            Method::POST,
            SYNC_PATH,
            Some(SYNC_CONTENT_TYPE),
            body.clone(),
        )
        .await;
    assert_json_error(&reply, StatusCode::UNAUTHORIZED);

    // Logging out revokes the token.
    let reply = server
        .request_as(Some(&token), Method::POST, "/api/logout", None, Vec::new())
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let reply = post_sync_as(&server, Some(&token), body.clone()).await;
    assert_json_error(&reply, StatusCode::UNAUTHORIZED);
    assert!(reply.text().contains("注销"), "{}", reply.text());

    // A stolen phone: the administrator ends every session of the account.
    let stolen = login(&server, MEMBER_B1, &ActorId::from([71u8; 16])).await;
    let admin = login(&server, ADMIN, &ActorId::from([72u8; 16])).await;
    let reply = server
        .request_as(
            Some(&admin),
            Method::POST,
            "/api/accounts/p1-2/revoke",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // The stolen phone's session and the seeding phone's; the one logged out before is
    // not counted again.
    assert_eq!(parse(&reply)["revoked"], 2);
    let reply = post_sync_as(&server, Some(&stolen), body.clone()).await;
    assert_json_error(&reply, StatusCode::UNAUTHORIZED);
    // A member may not end someone else's sessions.
    let member_b2 = login(&server, MEMBER_B2, &ActorId::from([73u8; 16])).await;
    let reply = server
        .request_as(
            Some(&member_b2),
            Method::POST,
            "/api/accounts/p1-1/revoke",
            None,
            Vec::new(),
        )
        .await;
    assert_json_error(&reply, StatusCode::FORBIDDEN);

    assert_eq!(state.hub().generation(), generation, "nothing stored");
    assert_eq!(server.county().await.total, 2, "only the seeds");
}

#[tokio::test]
async fn issue_4_an_expired_session_must_log_in_again() {
    let state = AppState::open_with(
        Config {
            data_dir: None,
            assets_dir: None,
            demo: true,
        },
        AuthConfig {
            session_ttl_secs: 0,
            ..AuthConfig::default()
        },
    )
    .expect("state");
    let server = Server::in_process(&state);
    let reply = login_reply(&server, MEMBER_B1, DEMO_PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = parse(&reply)["token"].as_str().unwrap().to_string();
    let mut phone = Phone::new("late", 80);
    let body = phone.request(true, &BTreeSet::new()).encode();
    let reply = post_sync_as(&server, Some(&token), body).await;
    assert_json_error(&reply, StatusCode::UNAUTHORIZED);
    assert!(reply.text().contains("过期"), "{}", reply.text());
}

#[tokio::test]
async fn issue_4_logins_are_rate_limited_per_phone_and_per_address_with_a_chinese_429() {
    // Issue 15 made the limits waits that grow, counted per phone number and client;
    // what issue 4 asked stays: a guesser of one account and a client trying many wait.
    let state = AppState::open_with(
        Config {
            data_dir: None,
            assets_dir: None,
            demo: true,
        },
        AuthConfig {
            limits: LoginLimits {
                free_per_client: 3,
                free_per_phone: 6,
                free_per_address: 10,
                // A wait no test run can outlast between two requests.
                first_wait_secs: 600,
                ..LoginLimits::default()
            },
            ..AuthConfig::default()
        },
    )
    .expect("state");
    let server = Server::in_process(&state);
    for _ in 0..3 {
        let reply = login_reply(&server, MEMBER_B1, "wrong-password", &[]).await;
        assert_json_error(&reply, StatusCode::UNAUTHORIZED);
        assert!(
            reply.text().contains("手机号或密码不正确"),
            "{}",
            reply.text()
        );
    }
    // Now even the right password waits, from a client that never logged in to it.
    let reply = login_reply(&server, MEMBER_B1, DEMO_PASSWORD, &[]).await;
    assert_json_error(&reply, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        reply.text().contains("登录尝试过于频繁，请 10 分钟后再试"),
        "{}",
        reply.text()
    );
    // Another account from the same address is unaffected until the address limit.
    let reply = login_reply(&server, SECRETARY_B1, DEMO_PASSWORD, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // 3 failures from this address so far; 7 more on numbers nobody has reach its 10.
    for n in 0..7 {
        let reply = login_reply(&server, &format!("1390000000{n}"), "guess", &[]).await;
        assert_json_error(&reply, StatusCode::UNAUTHORIZED);
    }
    let reply = login_reply(&server, LEADER_B1, DEMO_PASSWORD, &[]).await;
    assert_json_error(&reply, StatusCode::TOO_MANY_REQUESTS);

    // Malformed logins are a clear 400, not an attempt.
    let fresh = open(None);
    let server = Server::in_process(&fresh);
    for body in [
        b"{".to_vec(),
        json_body(serde_json::json!({ "phone": "123", "password": "x" })),
        json_body(serde_json::json!({ "phone": MEMBER_B1 })),
        json_body(serde_json::json!({ "phone": MEMBER_B1, "password": "" })),
    ] {
        let reply = server
            .request_as(
                None,
                Method::POST,
                "/api/login",
                Some("application/json"),
                body,
            )
            .await;
        assert_json_error(&reply, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn issue_4_accounts_are_made_by_the_county_office_and_by_committees_for_their_branches() {
    let (state, server) = seeded().await;
    use shared::registry_admin::Identity;
    in_registry(&state, "n1", Identity::Member, "b2");
    in_registry(&state, "n4", Identity::Member, "b1");
    in_registry(&state, "t1-staff", Identity::CommitteeStaff, "t1");
    let new_member = |id: &str, phone: &str, org: &str| {
        json_body(serde_json::json!({
            "id": id, "name": "新党员", "phone": phone, "role": "Member", "org": org,
            "password": "新密码12345"
        }))
    };
    let create = |token: String, body: Vec<u8>| {
        let server = &server;
        async move {
            server
                .request_as(
                    Some(&token),
                    Method::POST,
                    "/api/accounts",
                    Some("application/json"),
                    body,
                )
                .await
        }
    };
    let c1 = login(&server, COMMITTEE_C1, &ActorId::from([110u8; 16])).await;
    let reply = create(c1.clone(), new_member("n1", "13900000001", "b2")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());

    // The new member logs in and writes their branch.
    let actor = ActorId::from([111u8; 16]);
    let reply = login_reply(&server, "13900000001", "新密码12345", &[&actor]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = parse(&reply);
    assert_eq!(json["account"]["org"], "b2");
    let me = server
        .request_as(
            json["token"].as_str(),
            Method::GET,
            "/api/me",
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(parse(&me)["docs"], serde_json::json!([B2]));

    // Refused: a member making accounts, a committee outside its branches, a taken
    // phone number, a weak password, an unknown role or branch.
    let member = login(&server, MEMBER_B1, &ActorId::from([112u8; 16])).await;
    assert_json_error(
        &create(member, new_member("n2", "13900000002", "b1")).await,
        StatusCode::FORBIDDEN,
    );
    let admin = login(&server, ADMIN, &ActorId::from([113u8; 16])).await;
    let reply = create(
        admin.clone(),
        json_body(serde_json::json!({
            "id": "t1-staff", "name": "镇干事", "phone": "13900000003", "role": "CommitteeStaff",
            "org": "t1", "password": "镇干事的登录密码1"
        })),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let t1 = parse(&login_reply(&server, "13900000003", "镇干事的登录密码1", &[]).await)["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_json_error(
        &create(t1, new_member("n3", "13900000004", "b1")).await,
        StatusCode::FORBIDDEN,
    );
    assert_json_error(
        &create(c1.clone(), new_member("n4", "13900000001", "b1")).await,
        StatusCode::CONFLICT,
    );
    let weak = json_body(serde_json::json!({
        "id": "n5", "name": "弱", "phone": "13900000005", "role": "Member", "org": "b1", "password": "123"
    }));
    assert_json_error(&create(c1.clone(), weak).await, StatusCode::BAD_REQUEST);
    assert_json_error(
        &create(c1.clone(), new_member("n6", "13900000006", "b99")).await,
        StatusCode::BAD_REQUEST,
    );
    let office = json_body(serde_json::json!({
        "id": "n7", "name": "越级", "phone": "13900000007", "role": "Admin", "org": "", "password": "密码密码密码12"
    }));
    assert_json_error(&create(c1, office).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn issue_4_handover_moves_a_member_without_losing_what_their_phone_logged() {
    let (_state, server) = seeded().await;
    // The member logged a visit offline in b1 and has not synced it yet.
    let mut phone = device(&server, "mover", 120, MEMBER_B1, &[B1]).await;
    assert!(phone.sync(&server).await.refused.is_empty());
    add_visit_to(
        &mut phone,
        B1,
        &visit(
            "before-move",
            "p1-2",
            "v1",
            VisitKind::Help,
            "调动前",
            1_770_000_600_000,
        ),
    );

    // The county office moves them to b2.
    let office = login(&server, OFFICE, &ActorId::from([121u8; 16])).await;
    let reply = server
        .request_as(
            Some(&office),
            Method::POST,
            "/api/accounts/p1-2/reassign",
            Some("application/json"),
            json_body(serde_json::json!({ "role": "Secretary", "org": "b2" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(parse(&reply)["org"], "b2");

    // The old login ended: the phone must learn its new place.
    let old = phone.token.clone().unwrap();
    let reply = post_sync_as(
        &server,
        Some(&old),
        phone.request(true, &BTreeSet::new()).encode(),
    )
    .await;
    assert_json_error(&reply, StatusCode::UNAUTHORIZED);

    // Logged in again, the pending b1 visit is still handed in, and b2 is now theirs.
    phone.token = Some(login(&server, MEMBER_B1, &phone.actor.clone()).await);
    assert!(phone.sync(&server).await.refused.is_empty());
    let county = server.county().await;
    assert!(
        county.entries.iter().any(|e| e.id == "before-move"),
        "nothing lost"
    );
    let mut b2 = device(&server, "mover-b2", 122, MEMBER_B1, &[B2]).await;
    add_visit_to(
        &mut b2,
        B2,
        &visit(
            "after-move",
            "p1-2",
            "v1",
            VisitKind::Help,
            "调动后",
            1_770_000_700_000,
        ),
    );
    assert!(b2.sync(&server).await.refused.is_empty());
    assert!(
        b2.visits_of(B2).contains_key("seed-b2"),
        "the new branch's records arrive"
    );

    // A member cannot move anyone.
    let member = login(&server, MEMBER_B2, &ActorId::from([124u8; 16])).await;
    let reply = server
        .request_as(
            Some(&member),
            Method::POST,
            "/api/accounts/p1-1/reassign",
            Some("application/json"),
            json_body(serde_json::json!({ "role": "Member", "org": "b2" })),
        )
        .await;
    assert_json_error(&reply, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn issue_4_after_the_handover_window_the_old_branch_is_closed() {
    let state = AppState::open_with(
        Config {
            data_dir: None,
            assets_dir: None,
            demo: true,
        },
        AuthConfig {
            handover_secs: 0,
            ..AuthConfig::default()
        },
    )
    .expect("state");
    let server = Server::in_process(&state);
    let office = login(&server, OFFICE, &ActorId::from([130u8; 16])).await;
    let reply = server
        .request_as(
            Some(&office),
            Method::POST,
            "/api/accounts/p1-2/reassign",
            Some("application/json"),
            json_body(serde_json::json!({ "role": "Member", "org": "b2" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let mut phone = device(&server, "late-mover", 131, MEMBER_B1, &[B1]).await;
    add_visit_to(
        &mut phone,
        B1,
        &visit(
            "too-late",
            "p1-2",
            "v1",
            VisitKind::Help,
            "迟",
            1_770_000_800_000,
        ),
    );
    let generation = state.hub().generation();
    assert_eq!(phone.sync(&server).await.refused_docs(), [B1]);
    assert_eq!(state.hub().generation(), generation);
}

#[tokio::test]
async fn issue_4_county_views_are_for_the_county_office_and_findings_for_oneself() {
    let (_state, server) = seeded().await;
    let member = login(&server, MEMBER_B1, &ActorId::from([140u8; 16])).await;
    let get = |token: Option<String>, path: &'static str| {
        let server = &server;
        async move {
            server
                .request_as(token.as_deref(), Method::GET, path, None, Vec::new())
                .await
        }
    };
    assert_json_error(&get(None, "/api/county").await, StatusCode::UNAUTHORIZED);
    assert_json_error(
        &get(Some(member.clone()), "/api/county").await,
        StatusCode::FORBIDDEN,
    );
    assert_json_error(
        &get(Some(member.clone()), "/api/findings").await,
        StatusCode::FORBIDDEN,
    );
    assert_json_error(
        &get(Some(member.clone()), "/api/findings?about=p2-2").await,
        StatusCode::FORBIDDEN,
    );
    assert_eq!(
        get(Some(member.clone()), "/api/findings?about=p1-2")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(Some(member), "/api/findings?about=b1").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn issue_4_accounts_sessions_and_actor_bindings_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    let mut phone = device(&server, "durable", 150, MEMBER_B1, &[B1]).await;
    add_visit_to(
        &mut phone,
        B1,
        &visit(
            "d-1",
            "p1-2",
            "v1",
            VisitKind::Help,
            "重启前",
            1_770_000_900_000,
        ),
    );
    assert!(phone.sync(&server).await.refused.is_empty());
    drop(server);
    drop(state);

    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    add_visit_to(
        &mut phone,
        B1,
        &visit(
            "d-2",
            "p1-2",
            "v1",
            VisitKind::Help,
            "重启后",
            1_770_001_000_000,
        ),
    );
    let out = phone.sync(&server).await;
    assert!(
        out.refused.is_empty(),
        "the same token and actor still work: {:?}",
        out.refused
    );
    assert_eq!(server.county().await.total, 2);
    // Demo accounts are not made twice: the phone numbers are unique.
    let reply = login_reply(
        &server,
        MEMBER_B1,
        DEMO_PASSWORD,
        &[&ActorId::from([150u8; 16])],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

#[tokio::test]
async fn issue_4_members_log_and_edit_only_their_own_visits_secretaries_manage_the_branch() {
    let (state, server) = seeded().await;
    // The member writes a visit under the secretary's name, and edits the seed of p1-2…
    let mut member = device(&server, "own", 160, MEMBER_B1, &[B1]).await;
    assert!(member.sync(&server).await.refused.is_empty());
    add_visit_to(
        &mut member,
        B1,
        &visit(
            "as-secretary",
            "p1-1",
            "v1",
            VisitKind::BuildTeam,
            "冒名记录",
            1_770_001_100_000,
        ),
    );
    let generation = state.hub().generation();
    let out = member.sync(&server).await;
    assert_eq!(out.refused_docs(), [B1], "{:?}", out.refused);
    assert!(out.refused[0].reason.contains("本人"), "{:?}", out.refused);
    assert_eq!(state.hub().generation(), generation, "nothing stored");

    // …while a fresh phone of theirs logs under their own name.
    let mut own = device(&server, "own-2", 161, MEMBER_B1, &[B1]).await;
    add_visit_to(
        &mut own,
        B1,
        &visit(
            "mine",
            "p1-2",
            "v1",
            VisitKind::Help,
            "本人记录",
            1_770_001_200_000,
        ),
    );
    assert!(own.sync(&server).await.refused.is_empty());

    // The secretary may withdraw a member's visit: managing the branch's records.
    let mut secretary = device(&server, "sec-2", 162, SECRETARY_B1, &[B1]).await;
    assert!(secretary.sync(&server).await.refused.is_empty());
    let mut withdrawn = secretary.visits_of(B1)["mine"].clone();
    withdrawn.withdrawn = true;
    add_visit_to(&mut secretary, B1, &withdrawn);
    assert!(secretary.sync(&server).await.refused.is_empty());

    // A member may not edit someone else's visit.
    let mut other = device(&server, "other-member", 163, "13800000103", &[B1]).await;
    assert!(other.sync(&server).await.refused.is_empty());
    let mut edited = other.visits_of(B1)["mine"].clone();
    edited.note = "改别人的记录".into();
    add_visit_to(&mut other, B1, &edited);
    let generation = state.hub().generation();
    assert_eq!(other.sync(&server).await.refused_docs(), [B1]);
    assert_eq!(state.hub().generation(), generation);
}

#[tokio::test]
async fn issue_4_the_county_office_api_is_for_the_county_office() {
    let (_state, server) = seeded().await;
    let member = login(&server, MEMBER_B1, &ActorId::from([170u8; 16])).await;
    let committee = login(&server, COMMITTEE_C1, &ActorId::from([171u8; 16])).await;
    for path in ["/api/office/overview", "/api/office/search?q=走访"] {
        let get = |token: Option<String>| {
            let server = &server;
            async move {
                server
                    .request_as(token.as_deref(), Method::GET, path, None, Vec::new())
                    .await
            }
        };
        assert_json_error(&get(None).await, StatusCode::UNAUTHORIZED);
        assert_json_error(&get(Some(member.clone())).await, StatusCode::FORBIDDEN);
        // Issue 18: committee staff use the console too, scoped to their committee
        // (office.rs, `issue_18_committee_staff_see_their_committee_only`).
        let reply = get(Some(committee.clone())).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "committee staff: {}",
            reply.text()
        );
        if path == "/api/office/overview" {
            let o: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            let ids: Vec<&str> = o["committees"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["id"].as_str())
                .collect();
            assert_eq!(ids, ["c1"], "their committee's overview only");
        }
        let reply = server.request(Method::GET, path, None, Vec::new()).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "office staff: {}",
            reply.text()
        );
    }
}

/// The app's actor ids start with the writer's id, and the phone's history names people by
/// it: binding an actor that names someone else would let a member write in another's name.
#[tokio::test]
async fn issue_4_an_actor_naming_another_person_cannot_be_registered() {
    let (_state, server) = seeded().await;
    let named = |who: &str, salt: u8| {
        let mut bytes = who.as_bytes().to_vec();
        bytes.push(0);
        bytes.extend([salt; 10]);
        ActorId::from(bytes)
    };
    let reply = login_reply(&server, MEMBER_B1, DEMO_PASSWORD, &[&named("p1-1", 1)]).await;
    assert_json_error(&reply, StatusCode::CONFLICT);
    assert!(parse(&reply)["error"]
        .as_str()
        .is_some_and(|e| e.contains("属于其他用户")));
    // Their own name is fine, and so is an actor naming nobody known.
    login(&server, MEMBER_B1, &named("p1-2", 2)).await;
    login(&server, MEMBER_B1, &named("nobody", 3)).await;
}

/// Beyond visits: a member's households and help records carry their name, and the
/// branch's 结对, 方案, 活动 and 实事 are the secretary's to record.
#[tokio::test]
async fn issue_4_members_write_only_their_own_households_and_not_the_branchs_plans() {
    use shared::domain::docs::put;
    use shared::domain::records::{HelpTarget, Labour, Plan, PlanKind, PlanStatus, TargetKind};
    let (state, server) = seeded().await;
    let target = |id: &str, member: &str| HelpTarget {
        id: id.into(),
        year: 2026,
        member: member.into(),
        name: "王某某".into(),
        place: "v1".into(),
        kind: TargetKind::PoorResident,
        labour: Labour::Able,
        household_size: 4,
        baseline_income: 3000,
        note: String::new(),
        recorded_at: 1,
        withdrawn: false,
    };
    let plan = Plan {
        id: "2026-Help".into(),
        year: 2026,
        kind: PlanKind::Help,
        status: PlanStatus::Adopted,
        date: "2026-03-01".into(),
        title: "帮扶方案".into(),
        author: "p1-2".into(),
        recorded_at: 1,
        withdrawn: false,
    };

    let mut member = device(&server, "households", 170, MEMBER_B1, &[B1]).await;
    assert!(member.sync(&server).await.refused.is_empty());
    put(member.doc(B1), &target("mine", "p1-2"), 1).unwrap();
    assert!(
        member.sync(&server).await.refused.is_empty(),
        "my own household"
    );

    for (what, write) in [
        (
            "someone else's household",
            Box::new(|p: &mut Phone| put(p.doc(B1), &target("theirs", "p1-3"), 2).unwrap())
                as Box<dyn Fn(&mut Phone)>,
        ),
        (
            "the branch's plan",
            Box::new(|p: &mut Phone| put(p.doc(B1), &plan, 2).unwrap()),
        ),
    ] {
        let name = if what.contains("plan") {
            "plan-writer"
        } else {
            "other-household"
        };
        let mut phone = device(&server, name, 171, MEMBER_B1, &[B1]).await;
        assert!(phone.sync(&server).await.refused.is_empty());
        write(&mut phone);
        let generation = state.hub().generation();
        let out = phone.sync(&server).await;
        assert_eq!(out.refused_docs(), [B1], "{what}: {:?}", out.refused);
        assert_eq!(
            state.hub().generation(),
            generation,
            "{what}: nothing stored"
        );
    }

    // The secretary records the plan.
    let mut secretary = device(&server, "plans", 172, SECRETARY_B1, &[B1]).await;
    assert!(secretary.sync(&server).await.refused.is_empty());
    put(secretary.doc(B1), &plan, 3).unwrap();
    assert!(secretary.sync(&server).await.refused.is_empty());
}

/// The changes of `doc` made by `actor`, as their hashes.
fn changes_by(doc: &mut AutoCommit, actor: &ActorId) -> BTreeSet<ChangeHash> {
    doc.get_changes(&[])
        .iter()
        .filter(|c| c.actor_id() == actor)
        .map(|c| c.hash())
        .collect()
}

/// An export file of `from`'s branch document, plus whatever `write` adds to it with
/// `actor`: what another phone's 导出 would hold.
fn export_with(from: &mut Phone, actor: u8, write: impl FnOnce(&mut AutoCommit)) -> AutoCommit {
    let mut file = AutoCommit::load(&from.doc(B1).save())
        .expect("an export loads")
        .with_actor(ActorId::from([actor; 16]));
    write(&mut file);
    file
}

/// Issue 4: a phone that imported a colleague's export file must still sync. The server
/// takes each change from the person its actor is bound to, by that person's rights.
#[tokio::test]
async fn issue_4_relayed_colleague_changes_sync() {
    use shared::domain::docs::put;
    use shared::domain::records::{Plan, PlanKind, PlanStatus};
    let (state, server) = seeded().await;
    const MEMBER_B1_OTHER: &str = "13800000103"; // p1-3

    // A (p1-2) logs a visit offline and exports the branch document to B (p1-3).
    let mut a = device(&server, "relay-a", 180, MEMBER_B1, &[B1]).await;
    assert!(a.sync(&server).await.refused.is_empty());
    add_visit_to(
        &mut a,
        B1,
        &visit(
            "by-a",
            "p1-2",
            "v1",
            VisitKind::Help,
            "甲记的",
            1_770_002_000_000,
        ),
    );
    let mut file = export_with(&mut a, 180, |_| {});
    let mut b = device(&server, "relay-b", 181, MEMBER_B1_OTHER, &[B1]).await;
    assert!(b.sync(&server).await.refused.is_empty());
    b.doc(B1).merge(&mut file).expect("the import merges");
    // The file carries A's signatures (issue 15): B's phone sends them with A's changes.
    b.relayed = signatures_of(&a, &mut file);
    add_visit_to(
        &mut b,
        B1,
        &visit(
            "by-b",
            "p1-3",
            "v2",
            VisitKind::Help,
            "乙记的",
            1_770_002_100_000,
        ),
    );
    let out = b.sync(&server).await;
    assert!(
        out.refused.is_empty(),
        "B relays A's changes: {:?}",
        out.refused
    );
    let county = server.county().await;
    let author = |id: &str| {
        county
            .entries
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.author.clone())
    };
    assert_eq!(author("by-a").as_deref(), Some("p1-2"), "{county:?}");
    assert_eq!(author("by-b").as_deref(), Some("p1-3"), "{county:?}");
    // The history keeps A as the maker of A's visit, and A's own phone still syncs.
    let mut reader = device(&server, "relay-reader", 182, SECRETARY_B1, &[B1]).await;
    assert!(reader.sync(&server).await.refused.is_empty());
    let a_actor = a.actor.clone();
    let by_a = changes_by(a.doc(B1), &a_actor);
    assert!(!by_a.is_empty());
    let held = changes_by(reader.doc(B1), &ActorId::from([180u8; 16]));
    assert_eq!(held, by_a, "A's changes are stored under A's actor");
    assert!(a.sync(&server).await.refused.is_empty());

    // A relayed secretary's plan is the secretary's to record: accepted from a member's phone.
    let mut sec = device(&server, "relay-sec", 183, SECRETARY_B1, &[B1]).await;
    assert!(sec.sync(&server).await.refused.is_empty());
    let plan = Plan {
        id: "2026-Help".into(),
        year: 2026,
        kind: PlanKind::Help,
        status: PlanStatus::Adopted,
        date: "2026-03-01".into(),
        title: "帮扶方案".into(),
        author: "p1-1".into(),
        recorded_at: 1,
        withdrawn: false,
    };
    let mut file = export_with(&mut sec, 183, |d| put(d, &plan, 4).unwrap());
    let mut b2 = device(&server, "relay-b2", 184, MEMBER_B1_OTHER, &[B1]).await;
    assert!(b2.sync(&server).await.refused.is_empty());
    b2.doc(B1).merge(&mut file).unwrap();
    b2.relayed = signatures_of(&sec, &mut file);
    let out = b2.sync(&server).await;
    assert!(
        out.refused.is_empty(),
        "secretary's plan: {:?}",
        out.refused
    );

    // Refused, with nothing stored: a change by an actor nobody registered (even naming
    // A), one by a member of another branch (actor 201 is b2's p2-2), and one where A's
    // actor writes a visit under B's name (A may write only A's own records).
    let cases: [(&str, u8, &str, &str); 3] = [
        ("unbound actor", 185, "p1-2", "尚未登记"),
        ("another branch's member", 201, "p2-2", "无权修改"),
        ("colleague writing as someone else", 180, "p1-3", "本人"),
    ];
    for (n, (what, actor, author, why)) in cases.into_iter().enumerate() {
        let mut phone = device(
            &server,
            &format!("relay-bad-{n}"),
            190 + n as u8,
            MEMBER_B1_OTHER,
            &[B1],
        )
        .await;
        assert!(phone.sync(&server).await.refused.is_empty());
        let id = format!("relayed-bad-{n}");
        let mut file = export_with(&mut phone, actor, |d| {
            put_visit(
                d,
                &visit(
                    &id,
                    author,
                    "v1",
                    VisitKind::Help,
                    "转交",
                    1_770_003_000_000,
                ),
                5,
            )
            .unwrap()
        });
        phone.doc(B1).merge(&mut file).unwrap();
        add_visit_to(
            &mut phone,
            B1,
            &visit(
                &format!("own-{n}"),
                "p1-3",
                "v1",
                VisitKind::Help,
                "本人",
                1_770_003_100_000,
            ),
        );
        let generation = state.hub().generation();
        let out = phone.sync(&server).await;
        assert_eq!(out.refused_docs(), [B1], "{what}: {:?}", out.refused);
        assert!(
            out.refused[0].reason.contains(why),
            "{what}: {:?}",
            out.refused
        );
        assert_eq!(
            state.hub().generation(),
            generation,
            "{what}: nothing stored"
        );
        let county = server.county().await;
        assert!(
            county.entries.iter().all(|e| e.id != id),
            "{what}: {county:?}"
        );
    }
}

/// Issue 4: a 党（工）委 writes its own plans in `committee/<id>`; the county office
/// reads them; another committee's staff and a member can neither read nor write them.
#[tokio::test]
async fn issue_4_a_committee_writes_its_own_plans() {
    use shared::domain::docs::{put, read_committee};
    let (state, server) = seeded().await;
    in_registry(
        &state,
        "t1-staff",
        shared::registry_admin::Identity::CommitteeStaff,
        "t1",
    );
    let admin = login(&server, ADMIN, &ActorId::from([90u8; 16])).await;
    let reply = server
        .request_as(
            Some(&admin),
            Method::POST,
            "/api/accounts",
            Some("application/json"),
            json_body(serde_json::json!({
                "id": "t1-staff", "name": "镇党委干事", "phone": "13800009911",
                "role": "CommitteeStaff", "org": "t1", "password": "镇党委密码123"
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());

    let mut staff = device(&server, "committee", 150, COMMITTEE_C1, &[COMMITTEE_C1_DOC]).await;
    let plan = committee_plan("c1-staff", 1_770_000_000);
    put(staff.doc(COMMITTEE_C1_DOC), &plan, 1_770_000_000).unwrap();
    let generation = state.hub().generation();
    let out = staff.sync(&server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    assert_ne!(state.hub().generation(), generation, "the plan is stored");

    // The county office reads it.
    let mut office = device(&server, "office-reads", 151, OFFICE, &[COMMITTEE_C1_DOC]).await;
    assert!(office.sync(&server).await.refused.is_empty());
    let read = read_committee(&office.docs[COMMITTEE_C1_DOC]).unwrap();
    assert_eq!(read.committee, "c1");
    assert_eq!(read.plans.get(&plan.id), Some(&plan));

    // t1's staff and a member of a c1 branch may not write (nor even read) it.
    let token = parse(
        &login_reply(
            &server,
            "13800009911",
            "镇党委密码123",
            &[&ActorId::from([152u8; 16])],
        )
        .await,
    )["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut other = Phone {
        key: None,
        signs_with: None,
        relayed: Default::default(),
        device: "other-committee".into(),
        actor: ActorId::from([152u8; 16]),
        token: Some(token),
        docs: BTreeMap::new(),
        states: BTreeMap::new(),
    };
    let mut member = device(&server, "member-plan", 153, MEMBER_B1, &[]).await;
    for (who, phone) in [("t1 staff", &mut other), ("member", &mut member)] {
        let mut doc = new_document(&DocId::committee("c1").unwrap(), phone.actor.clone());
        let mut forged = committee_plan("c1-staff", 1_770_000_500);
        forged.title = "冒名的方案".into();
        put(&mut doc, &forged, 1_770_000_500).unwrap();
        phone.docs.insert(COMMITTEE_C1_DOC.into(), doc);
        phone
            .states
            .insert(COMMITTEE_C1_DOC.into(), sync::State::new());
        let generation = state.hub().generation();
        let out = phone.sync(&server).await;
        assert_eq!(
            out.refused_docs(),
            [COMMITTEE_C1_DOC],
            "{who}: {:?}",
            out.refused
        );
        assert_eq!(
            state.hub().generation(),
            generation,
            "{who}: nothing stored"
        );
    }
    // c1's staff may not write t1's plans, and a committee the registry lacks has none.
    for doc in ["committee/t1", "committee/nowhere"] {
        let id = DocId::parse(doc).unwrap();
        let mut d = new_document(&id, staff.actor.clone());
        put(
            &mut d,
            &committee_plan("c1-staff", 1_770_000_600),
            1_770_000_600,
        )
        .unwrap();
        staff.docs.insert(doc.into(), d);
        staff.states.insert(doc.into(), sync::State::new());
    }
    let generation = state.hub().generation();
    let out = staff.sync(&server).await;
    assert_eq!(
        out.refused_docs(),
        ["committee/nowhere", "committee/t1"],
        "{:?}",
        out.refused
    );
    assert_eq!(state.hub().generation(), generation);
    office.sync(&server).await;
    let read = read_committee(&office.docs[COMMITTEE_C1_DOC]).unwrap();
    assert_eq!(read.plans.len(), 1, "only c1's own plan: {read:?}");
    assert_eq!(read.plans[&plan.id].title, plan.title);
}

// ------------------------------------------------------------ issue 15: signed changes

const MEMBER_B1_P13: &str = "13800000103"; // p1-3

/// The stored heads of b1: what "nothing stored" is checked against.
fn b1_heads(state: &AppState) -> Vec<ChangeHash> {
    let mut heads = state
        .hub()
        .snapshot(&DocId::branch("b1").unwrap())
        .unwrap()
        .get_heads();
    heads.sort();
    heads
}

fn refusal_of<'a>(out: &'a Outcome, doc: &str) -> &'a str {
    out.refused
        .iter()
        .find(|r| r.doc == doc)
        .map(|r| r.reason.as_str())
        .unwrap_or_else(|| panic!("{doc} was not refused: {:?}", out.refused))
}

fn b1_visit(id: &str, author: &str) -> Visit {
    visit(
        id,
        author,
        "v1",
        VisitKind::Help,
        "签名测试",
        1_770_003_000_000,
    )
}

/// A member's own change, unsigned or wrongly signed, from an actor with a registered key:
/// refused whole, nothing stored, the phone keeps it and hands it in signed next time.
#[tokio::test]
async fn issue_15_unsigned_and_wrongly_signed_changes_are_refused_and_nothing_is_stored() {
    let (state, server) = seeded().await;
    let mut a = device(&server, "sig-a", 60, MEMBER_B1, &[B1]).await;
    assert!(a.sync(&server).await.refused.is_empty());
    let key = a.signs_with.clone();
    for (case, signs_with, why) in [
        ("unsigned", None, "缺少设备签名"),
        (
            "wrongly signed",
            Some(shared::signing::DeviceKey::from_seed([99; 32])),
            "不符",
        ),
    ] {
        let before = b1_heads(&state);
        let id = format!("1770003000000-{}", case.len());
        add_visit_to(&mut a, B1, &b1_visit(&id, "p1-2"));
        a.signs_with = signs_with;
        let out = a.sync(&server).await;
        let reason = refusal_of(&out, B1);
        assert!(reason.contains(why), "{case}: {reason}");
        assert_eq!(b1_heads(&state), before, "{case}: nothing stored");
        assert!(!server.county().await.entries.iter().any(|e| e.id == id));
        assert!(a.visits().contains_key(&id), "{case}: the phone keeps it");
        // Signed as the app signs, the same entry goes through.
        a.signs_with = key.clone();
        let out = a.sync(&server).await;
        assert!(out.refused.is_empty(), "{case}: {:?}", out.refused);
        assert!(server.county().await.entries.iter().any(|e| e.id == id));
    }
}

/// A member crafts a change under a colleague's actor (actor ids are not secret in a
/// branch): without the colleague's device key it cannot be signed, and it is refused.
#[tokio::test]
async fn issue_15_a_change_forged_under_a_colleagues_actor_is_refused() {
    let (state, server) = seeded().await;
    let mut victim = device(&server, "sig-victim", 61, MEMBER_B1, &[B1]).await;
    add_visit_to(&mut victim, B1, &b1_visit("1770003000000-real", "p1-2"));
    assert!(victim.sync(&server).await.refused.is_empty());
    let mut forger = device(&server, "sig-forger", 62, MEMBER_B1_P13, &[B1]).await;
    assert!(forger.sync(&server).await.refused.is_empty());
    let before = b1_heads(&state);
    // The forger writes the victim's record as the victim's actor, and signs it with its
    // own key, or sends no signature, or lifts one of the victim's real signatures.
    let victim_actor = victim.actor.clone();
    let forged = b1_visit("1770003000000-forged", "p1-2");
    let mut doc = forger.doc(B1).fork().with_actor(victim_actor.clone());
    put_visit(&mut doc, &forged, 1).unwrap();
    let hash = doc.get_heads()[0];
    let lifted = {
        let own: Vec<ChangeHash> = changes_by(victim.doc(B1), &victim_actor)
            .into_iter()
            .collect();
        victim.key.clone().unwrap().sign(&own[0])
    };
    for (case, sig) in [
        (
            "signed by the forger",
            forger.key.clone().map(|k| k.sign(&hash)),
        ),
        ("unsigned", None),
        ("a replayed signature of another change", Some(lifted)),
    ] {
        let mut f = forger.clone();
        f.doc(B1).merge(&mut doc.clone()).unwrap();
        f.relayed.clear();
        if let Some(sig) = sig {
            f.relayed.insert(hash, sig);
        }
        let out = f.sync(&server).await;
        let reason = refusal_of(&out, B1);
        assert!(
            reason.contains("签名") && reason.contains("已拒收"),
            "{case}: {reason}"
        );
        assert_eq!(b1_heads(&state), before, "{case}: nothing stored");
    }
    assert!(!server
        .county()
        .await
        .entries
        .iter()
        .any(|e| e.id == forged.id));
}

/// A relayed change (a colleague's, from an export file) goes through with its author's
/// valid signature, which the server keeps; replaying the same request stores nothing
/// new and is no error.
#[tokio::test]
async fn issue_15_a_relayed_change_with_its_authors_signature_is_kept_and_a_replay_is_harmless() {
    let (state, server) = seeded().await;
    let mut a = device(&server, "sig-relay-a", 63, MEMBER_B1, &[B1]).await;
    assert!(a.sync(&server).await.refused.is_empty());
    add_visit_to(&mut a, B1, &b1_visit("1770003000000-relayed", "p1-2"));
    let mut file = export_with(&mut a, 63, |_| {});
    let mut b = device(&server, "sig-relay-b", 64, MEMBER_B1_P13, &[B1]).await;
    assert!(b.sync(&server).await.refused.is_empty());
    b.doc(B1).merge(&mut file).unwrap();
    b.relayed = signatures_of(&a, &mut file);
    let new: Vec<ChangeHash> = b.relayed.keys().copied().collect();
    b.begin_session();
    let first = b.request(true, &BTreeSet::new());
    let out = b.sync(&server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    let county = server.county().await;
    assert!(county
        .entries
        .iter()
        .any(|e| e.id == "1770003000000-relayed" && e.author == "p1-2"));
    // The proof is kept beside the document.
    let stored: Vec<ChangeHash> = new
        .iter()
        .copied()
        .filter(|h| {
            state
                .hub()
                .snapshot(&DocId::branch("b1").unwrap())
                .unwrap()
                .get_change_by_hash(h)
                .is_some()
        })
        .collect();
    assert!(!stored.is_empty());
    for h in &stored {
        let sig = state
            .auth()
            .store()
            .change_sig(&h.0)
            .unwrap()
            .expect("kept");
        assert!(shared::signing::verify(
            &a.key.as_ref().unwrap().public(),
            h,
            &sig
        ));
    }
    // The first request of that session sent again, as an attacker or a retry would.
    let heads = b1_heads(&state);
    let reply = b.post(&server, &first).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let resp = SyncResponse::decode(&reply.body).unwrap();
    assert!(resp.refused.is_empty(), "{:?}", resp.refused);
    assert_eq!(b1_heads(&state), heads, "a replay stores nothing new");
    // Without A's signature the same kind of relay is refused (A's actor has a key).
    add_visit_to(&mut a, B1, &b1_visit("1770003000000-bare", "p1-2"));
    let mut bare = export_with(&mut a, 63, |_| {});
    let mut c = device(&server, "sig-relay-c", 65, MEMBER_B1_P13, &[B1]).await;
    assert!(c.sync(&server).await.refused.is_empty());
    c.doc(B1).merge(&mut bare).unwrap();
    let out = c.sync(&server).await;
    assert!(refusal_of(&out, B1).contains("缺少设备签名"));
}

/// An app of protocol 3 (before signatures) is told to update, in Chinese; nothing of its
/// request is stored.
#[tokio::test]
async fn issue_15_an_app_without_signatures_is_told_to_update() {
    let (state, server) = seeded().await;
    let mut a = device(&server, "sig-old", 66, MEMBER_B1, &[B1]).await;
    assert!(a.sync(&server).await.refused.is_empty());
    add_visit_to(&mut a, B1, &b1_visit("1770003000000-old", "p1-2"));
    let before = b1_heads(&state);
    a.begin_session();
    let mut req = a.request(true, &BTreeSet::new());
    req.version = 3;
    for d in &mut req.docs {
        d.sigs.clear();
    }
    let reply = a.post(&server, &req).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let text = reply.text();
    assert!(text.contains("请更新应用"), "{text}");
    assert!(!text.contains("Error"), "{text}");
    assert_eq!(b1_heads(&state), before);
    assert!(a.visits().contains_key("1770003000000-old"));
}

/// A key is registered only for the user's own actors, and a bad key is refused clearly.
#[tokio::test]
async fn issue_15_a_key_cannot_be_registered_for_a_colleagues_actor() {
    let (_state, server) = seeded().await;
    let a = device(&server, "sig-own", 67, MEMBER_B1, &[B1]).await;
    let b = device(&server, "sig-thief", 68, MEMBER_B1_P13, &[B1]).await;
    let token = b.token.clone().unwrap();
    for (actor, key, status, why) in [
        (
            &a.actor,
            b.key.clone().unwrap().public_hex(),
            StatusCode::CONFLICT,
            "其他用户",
        ),
        (
            &b.actor,
            "00".repeat(31),
            StatusCode::BAD_REQUEST,
            "签名密钥无效",
        ),
    ] {
        let body = serde_json::json!({ "actors": [actor.to_hex_string()], "key": key });
        let reply = server
            .request_as(
                Some(&token),
                Method::POST,
                "/api/actors",
                Some("application/json"),
                body.to_string().into_bytes(),
            )
            .await;
        assert_eq!(reply.status, status, "{}", reply.text());
        assert!(reply.text().contains(why), "{}", reply.text());
    }
}

/// Issue 14: edits through the real router. A member's field-level edit of their own
/// household goes through; the same edit of a colleague's household (an edit the phone
/// never offers: `shared::access::may_touch_record`) is refused with nothing stored, and
/// so is writing one's own name into the colleague's record to take it over.
#[tokio::test]
async fn issue_14_the_server_refuses_edits_the_phone_would_not_offer() {
    use shared::domain::docs::{edit, put};
    use shared::domain::records::{HelpTarget, Labour, TargetKind};
    let (state, server) = seeded().await;
    let target = |id: &str, member: &str| HelpTarget {
        id: id.into(),
        year: 2026,
        member: member.into(),
        name: "王某某".into(),
        place: "v1".into(),
        kind: TargetKind::PoorResident,
        labour: Labour::Able,
        household_size: 4,
        baseline_income: 3000,
        note: String::new(),
        recorded_at: 1,
        withdrawn: false,
    };
    // p1-3 records their household; p1-2 their own.
    let mut colleague = device(&server, "e14-colleague", 180, "13800000103", &[B1]).await;
    assert!(colleague.sync(&server).await.refused.is_empty());
    put(colleague.doc(B1), &target("theirs", "p1-3"), 1).unwrap();
    assert!(colleague.sync(&server).await.refused.is_empty());
    let mut member = device(&server, "e14-member", 181, MEMBER_B1, &[B1]).await;
    put(member.doc(B1), &target("mine", "p1-2"), 1).unwrap();
    assert!(member.sync(&server).await.refused.is_empty());

    // Own record, one field: accepted, and only that field was written.
    let mine = target("mine", "p1-2");
    let mut corrected = mine.clone();
    corrected.baseline_income = 3200;
    assert_eq!(
        edit(member.doc(B1), &mine, &corrected, 2).unwrap(),
        ["baseline_income"]
    );
    assert!(member.sync(&server).await.refused.is_empty());

    // The colleague's record, one field (a forged change: the phone offers no 修改 there).
    let theirs = target("theirs", "p1-3");
    for (n, (what, forged)) in [
        ("a field of a colleague's household", {
            let mut t = theirs.clone();
            t.baseline_income = 1;
            t
        }),
        ("a colleague's household put under my name", {
            let mut t = theirs.clone();
            t.member = "p1-2".into();
            t
        }),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("e14-forger-{n}");
        let mut phone = device(&server, &name, 182 + n as u8, MEMBER_B1, &[B1]).await;
        assert!(phone.sync(&server).await.refused.is_empty());
        edit(phone.doc(B1), &theirs, &forged, 3).unwrap();
        let generation = state.hub().generation();
        let out = phone.sync(&server).await;
        assert_eq!(out.refused_docs(), [B1], "{what}: {:?}", out.refused);
        assert!(
            out.refused[0].reason.contains("targets/theirs"),
            "{what}: {:?}",
            out.refused
        );
        assert_eq!(
            state.hub().generation(),
            generation,
            "{what}: nothing stored"
        );
    }
    let stored = colleague.sync(&server).await;
    assert!(stored.refused.is_empty());
    let records = shared::domain::docs::read_branch_records(colleague.doc(B1)).unwrap();
    assert_eq!(records.targets["theirs"].baseline_income, 3000);
    assert_eq!(records.targets["theirs"].member, "p1-3");
    assert_eq!(records.targets["mine"].baseline_income, 3200);
}

// ---------------------------------------------------------------------------------------
// Issue 15: each phone holds only what it needs of the registry
// ---------------------------------------------------------------------------------------

/// `GET /api/registry` with this login, sending `If-None-Match` when given.
async fn get_slice(server: &Server, token: &str, if_none_match: Option<&str>) -> Reply {
    let extra: Vec<(header::HeaderName, &str)> = if_none_match
        .map(|tag| (header::IF_NONE_MATCH, tag))
        .into_iter()
        .collect();
    server
        .request_with(
            Some(token),
            Method::GET,
            "/api/registry",
            None,
            &extra,
            Vec::new(),
        )
        .await
}

fn slice_of(reply: &Reply) -> Registry {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.content_type, "application/json");
    serde_json::from_slice(&reply.body)
        .unwrap_or_else(|e| panic!("not a registry ({e}): {}", reply.text()))
}

fn etag_of(reply: &Reply) -> String {
    header_text(reply.headers.get(header::ETAG))
}

/// The branches whose people a registry names.
fn people_branches(reg: &Registry) -> BTreeSet<String> {
    reg.people.values().map(|p| p.branch.clone()).collect()
}

#[tokio::test]
async fn issue_15_a_members_registry_holds_their_branchs_people_and_every_organisation_and_place() {
    let state = open(None);
    let server = Server::in_process(&state);
    let whole = demo::registry(DemoSpec::SMALL);
    for (phone_no, me, branch) in [(MEMBER_B1, "p1-2", "b1"), (MEMBER_B2, "p2-2", "b2")] {
        let token = login(&server, phone_no, &ActorId::random()).await;
        let reply = get_slice(&server, &token, None).await;
        assert_eq!(
            header_text(reply.headers.get(header::CACHE_CONTROL)),
            "no-store"
        );
        let slice = slice_of(&reply);
        // Written out from the demo county's ids (shared::demo), not from the function.
        let expected_people: BTreeSet<String> = ["1", "2", "3", "4"]
            .iter()
            .map(|k| format!("p{}-{k}", &branch[1..]))
            .chain([format!("l{}", &branch[1..])])
            .collect();
        assert_eq!(
            slice.people.keys().cloned().collect::<BTreeSet<_>>(),
            expected_people,
            "{me}: their branch's people, themselves and their leader among them"
        );
        assert_eq!(
            people_branches(&slice),
            BTreeSet::from([branch.to_string()])
        );
        assert_eq!(
            slice.people[me], whole.people[me],
            "names and roles as they are"
        );
        assert_eq!(slice.committees, whole.committees);
        assert_eq!(slice.branches, whole.branches, "every branch");
        assert_eq!(slice.places, whole.places, "every place");
        assert_eq!(slice.county, whole.county);
        assert!(slice.staff.is_empty());
    }
    // The county office gets all of it; nobody without a login gets anything.
    let office = slice_of(&get_slice(&server, &server.view_token, None).await);
    assert_eq!(office, whole);
    let reply = server
        .request_as(None, Method::GET, "/api/registry", None, Vec::new())
        .await;
    assert_json_error(&reply, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn issue_15_a_secretary_during_a_handover_gets_both_branches_people() {
    let state = open(None);
    let server = Server::in_process(&state);
    let token = login(&server, SECRETARY_B1, &ActorId::random()).await;
    let before = get_slice(&server, &token, None).await;
    assert_eq!(
        people_branches(&slice_of(&before)),
        BTreeSet::from(["b1".into()])
    );

    // The county office makes b1's secretary b2's; b1 stays theirs for the handover.
    let office = login(&server, OFFICE, &ActorId::random()).await;
    let reply = server
        .request_as(
            Some(&office),
            Method::POST,
            "/api/accounts/p1-1/reassign",
            Some("application/json"),
            json_body(serde_json::json!({ "role": "Secretary", "org": "b2" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let token = login(&server, SECRETARY_B1, &ActorId::random()).await;
    // The stored slice is not the one of the new positions: it is sent again.
    let reply = get_slice(&server, &token, Some(&etag_of(&before))).await;
    assert_ne!(etag_of(&reply), etag_of(&before));
    assert_eq!(
        people_branches(&slice_of(&reply)),
        BTreeSet::from(["b1".into(), "b2".into()])
    );
}

#[tokio::test]
async fn issue_15_an_unchanged_registry_slice_is_answered_304_by_its_etag() {
    let state = open(None);
    let server = Server::in_process(&state);
    let token = login(&server, MEMBER_B1, &ActorId::random()).await;
    let first = get_slice(&server, &token, None).await;
    let tag = etag_of(&first);
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2,
        "{tag}"
    );
    let first = slice_of(&first);

    for sent in [
        tag.clone(),
        format!("W/{tag}"),
        format!("\"other\", {tag}"),
        "*".into(),
    ] {
        let again = get_slice(&server, &token, Some(&sent)).await;
        assert_eq!(
            again.status,
            StatusCode::NOT_MODIFIED,
            "{sent}: {}",
            again.text()
        );
        assert!(again.body.is_empty());
        assert_eq!(etag_of(&again), tag);
    }
    let other = get_slice(&server, &token, Some("\"not-this-one\"")).await;
    assert_eq!(slice_of(&other), first);
    // Gzip'd for a client that takes it (every browser), the same JSON inside.
    let gzipped = server
        .request_with(
            Some(&token),
            Method::GET,
            "/api/registry",
            None,
            &[(header::ACCEPT_ENCODING, "gzip, deflate, br")],
            Vec::new(),
        )
        .await;
    assert_eq!(gzipped.status, StatusCode::OK);
    assert_eq!(
        header_text(gzipped.headers.get(header::CONTENT_ENCODING)),
        "gzip"
    );
    assert_eq!(etag_of(&gzipped), tag);
    let mut json = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gzipped.body[..]),
        &mut json,
    )
    .expect("gzip");
    assert_eq!(json, other.body);
    assert!(gzipped.body.len() < other.body.len() / 2);
    assert_eq!(etag_of(&other), tag, "the same registry, the same tag");
    // Another branch's member has another slice of the same registry: another tag.
    let b2 = login(&server, MEMBER_B2, &ActorId::random()).await;
    assert_ne!(etag_of(&get_slice(&server, &b2, None).await), tag);

    // The county office renames a village: the old tag no longer matches.
    let old = backend::registry::load_book(&state).expect("the registry reads");
    let mut new = old.clone();
    new.registry.places.get_mut("v1").expect("v1").name = "新名村".into();
    backend::registry::store_book(&state, "office", &old, &new).expect("stored");
    let renamed = get_slice(&server, &token, Some(&tag)).await;
    assert_ne!(etag_of(&renamed), tag);
    assert_eq!(slice_of(&renamed).places["v1"].name, "新名村");
    let renamed_tag = etag_of(&renamed);
    let unchanged = get_slice(&server, &token, Some(&renamed_tag)).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
}

/// An app from before issue 15 still asks for the whole `registry` in its syncs: that
/// document is refused on its own, and the branch's entries of the same request go up.
#[tokio::test]
async fn issue_15_an_old_apps_sync_asking_for_the_registry_gets_it_refused_and_its_entries_go_up() {
    let state = open(None);
    let server = Server::in_process(&state);
    let mut phone = device(&server, "old-app", 150, MEMBER_B1, &[REG, B1]).await;
    let v = visit(
        "old-app-visit",
        "p1-2",
        "v1",
        VisitKind::Help,
        "旧版应用",
        1_770_000_900_000,
    );
    add_visit_to(&mut phone, B1, &v);

    // One session as the old app runs it: every round asks for the registry again.
    phone.begin_session();
    for round in 1..=MAX_ROUNDS {
        let req = phone.request(round == 1, &BTreeSet::new());
        if req.docs.is_empty() {
            break;
        }
        let sent: Vec<&str> = req.docs.iter().map(|m| m.doc.as_str()).collect();
        if round == 1 {
            assert_eq!(sent, [B1, REG], "both documents in one request");
        }
        let reply = post_sync_as(&server, phone.token.as_deref(), req.encode()).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "round {round}: a per-document refusal, never a refused sync: {}",
            reply.text()
        );
        let resp = SyncResponse::decode(&reply.body).expect("the response decodes");
        let refused: Vec<&str> = resp.refused.iter().map(|r| r.doc.as_str()).collect();
        let expected: &[&str] = if sent.contains(&REG) { &[REG] } else { &[] };
        assert_eq!(refused, expected, "round {round}: {:?}", resp.refused);
        for r in &resp.refused {
            assert_eq!(r.reason, "无权查看 registry", "a sentence, no internals");
        }
        assert!(
            resp.docs.iter().all(|m| m.doc == B1),
            "round {round}: nothing of the registry is sent"
        );
        if round == 1 {
            assert!(!resp.docs.is_empty(), "b1 is answered beside the refusal");
        }
        phone.apply(&req, resp);
        assert!(round < MAX_ROUNDS, "the session did not converge");
    }
    let stored: Vec<String> = state
        .hub()
        .all_visits()
        .expect("visits")
        .into_iter()
        .filter(|(b, _)| b == "b1")
        .flat_map(|(_, vs)| vs.into_iter().map(|v| v.id))
        .collect();
    assert!(stored.contains(&v.id), "the visit went up: {stored:?}");

    // Later sessions too: the registry refused each time, nothing of it on the phone.
    let out = phone.sync(&server).await;
    assert!(
        out.refused_docs().iter().all(|d| *d == REG),
        "{:?}",
        out.refused
    );
    assert!(
        read_registry(&phone.docs[REG]).map_or(true, |r| r.people.is_empty()),
        "no person of the county reached the old app"
    );
    assert_county_lists(&server.county().await, &[&v]);
}

//! Issue 7, bytes on the wire: since protocol 3 a phone sends four or more new changes as
//! one Automerge bundle (`shared::wire::bundle_changes`). A bundle must be held to every
//! check a change on its own is: the actor bound to the user, records under the user's own
//! name, the branch schema; a refused bundle stores nothing, not even its good changes. And
//! what is stored is ordinary changes, never the experimental bundle format.

use super::*;
use shared::wire::{changes_in_chunk, is_bundle};

/// A phone of branch b1 logged in as `phone_no`, its actor `actor` bound to that account.
async fn logged_in(server: &Server, device: &str, actor: u8, phone_no: &str) -> Phone {
    let mut phone = Phone::new(device, actor);
    phone.login_as(server, phone_no).await;
    phone
}

/// The bundles a request carries, each with the number of changes in it.
fn bundles_in(req: &SyncRequest) -> Vec<usize> {
    req.docs
        .iter()
        .filter_map(|m| sync::Message::decode(&m.msg).ok())
        .flat_map(|m| {
            m.changes
                .iter()
                .filter(|c| is_bundle(c))
                .map(changes_in_chunk)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A sync session as `Phone::sync`, which also returns how many changes travelled in
/// bundles: a test of the bundle path must know it took it.
async fn sync_counting_bundles(phone: &mut Phone, server: &Server) -> (Outcome, usize) {
    phone.begin_session();
    let mut out = Outcome::default();
    let mut bundled = 0;
    let mut skip = BTreeSet::new();
    for round in 1..=MAX_ROUNDS {
        let req = phone.request(round == 1, &skip);
        if req.docs.is_empty() {
            return (out, bundled);
        }
        bundled += bundles_in(&req).iter().sum::<usize>();
        let reply = phone.post(server, &req).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let resp = SyncResponse::decode(&reply.body).expect("the response decodes");
        out.rounds = round;
        for r in &resp.refused {
            skip.insert(r.doc.clone());
        }
        out.refused.extend(resp.refused.iter().cloned());
        phone.apply(&req, resp);
    }
    panic!("{} did not converge", phone.device);
}

/// Gives b1 a history of 20 visits by `author`, synced from `phone`: with a short history
/// Automerge sends the whole document instead of the new changes (above a third of it),
/// and the phones of these tests must take the path of a phone with a real backlog.
async fn with_history(phone: &mut Phone, server: &Server, author: &str) {
    for v in own_visits(&format!("history-{}-", phone.device), author, 20) {
        phone.add_visit(&v);
    }
    let out = phone.sync(server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
}

fn own_visits(prefix: &str, author: &str, n: usize) -> Vec<Visit> {
    (0..n)
        .map(|i| {
            visit(
                &format!("1770000000000-{prefix}{i}"),
                author,
                "v1",
                VisitKind::Help,
                &format!("入户走访第{i}户"),
                1_770_000_000_000 + i as i64,
            )
        })
        .collect()
}

/// The refusal is for b1 and says `reason`; nothing was stored, no visit of `prefix` shows
/// in the county, and a phone syncing afterwards receives none of them.
async fn assert_refused_whole(
    state: &AppState,
    server: &Server,
    out: &Outcome,
    generation: u64,
    reason: &str,
    prefix: &str,
) {
    assert_eq!(out.refused_docs(), [B1], "{:?}", out.refused);
    assert!(out.refused[0].reason.contains(reason), "{:?}", out.refused);
    assert_eq!(state.hub().generation(), generation, "nothing stored");
    let county = server.county().await;
    assert!(
        county.entries.iter().all(|e| !e.id.contains(prefix)),
        "{:?}",
        county.entries
    );
    let mut other = Phone::new(&format!("witness-{prefix}"), 90);
    assert!(other.sync(server).await.refused.is_empty());
    assert!(other.visits().keys().all(|k| !k.contains(prefix)));
}

#[tokio::test]
async fn issue_7_a_bundle_with_a_change_by_an_unbound_actor_is_refused_and_nothing_stored() {
    let state = open(None);
    let server = Server::in_process(&state);
    let mut member = logged_in(&server, "bundle-forger", 60, MEMBER_B1).await;
    with_history(&mut member, &server, "p1-2").await;
    // Four visits as the bound actor, then one more as an actor nobody registered: one bundle.
    for v in own_visits("forged", "p1-2", 4) {
        member.add_visit(&v);
    }
    member.doc(B1).set_actor(ActorId::from([61u8; 16]));
    member.add_visit(&own_visits("forged-x", "p1-2", 1)[0]);

    let generation = state.hub().generation();
    let (out, bundled) = sync_counting_bundles(&mut member, &server).await;
    assert_eq!(bundled, 5, "the five changes travelled as one bundle");
    assert_refused_whole(&state, &server, &out, generation, "未登记", "forged").await;
}

#[tokio::test]
async fn issue_7_a_bundle_with_a_record_under_another_name_is_refused_and_nothing_stored() {
    let state = open(None);
    let server = Server::in_process(&state);
    let mut member = logged_in(&server, "bundle-member", 62, MEMBER_B1).await;
    with_history(&mut member, &server, "p1-2").await;
    // The member p1-2 logs four visits of their own and one under the secretary's name.
    for v in own_visits("named", "p1-2", 4) {
        member.add_visit(&v);
    }
    member.add_visit(&own_visits("named-sec", "p1-1", 1)[0]);

    let generation = state.hub().generation();
    let (out, bundled) = sync_counting_bundles(&mut member, &server).await;
    assert_eq!(bundled, 5);
    assert_refused_whole(&state, &server, &out, generation, "本人", "named").await;

    // The same visits without the foreign one go through, bundled.
    let mut honest = logged_in(&server, "bundle-member-2", 63, MEMBER_B1).await;
    assert!(honest.sync(&server).await.refused.is_empty());
    for v in own_visits("named-ok", "p1-2", 4) {
        honest.add_visit(&v);
    }
    let (out, bundled) = sync_counting_bundles(&mut honest, &server).await;
    assert!(out.refused.is_empty(), "{:?}", out.refused);
    assert_eq!(bundled, 4);
    assert_eq!(entries_named(&server, "named-ok").await, 4);
}

#[tokio::test]
async fn issue_7_a_bundle_with_a_schema_breaking_change_is_refused_and_nothing_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let state = open(Some(dir.path()));
        let server = Server::in_process(&state);
        let mut phone = Phone::new("bundle-kind", 64);
        with_history(&mut phone, &server, "p1-1").await;
        for v in own_visits("broken", "p1-1", 4) {
            phone.add_visit(&v);
        }
        // Then a visit whose kind is none of the notice's kinds.
        let doc = phone.doc(B1);
        let visits = doc.get(ROOT, "visits").unwrap().expect("visits map").1;
        let rec = doc
            .get(&visits, "1770000000000-broken0")
            .unwrap()
            .expect("the record")
            .1;
        doc.put(&rec, "kind", "Party").unwrap();
        doc.commit();

        let generation = state.hub().generation();
        let (out, bundled) = sync_counting_bundles(&mut phone, &server).await;
        assert_eq!(bundled, 5);
        assert_refused_whole(&state, &server, &out, generation, "格式", "broken").await;
    }
    // Nor is any of it on disk.
    let state = open(Some(dir.path()));
    let server = Server::in_process(&state);
    assert_eq!(entries_named(&server, "broken").await, 0);
}

#[tokio::test]
async fn issue_7_bundled_changes_are_stored_as_ordinary_changes_and_sent_on_as_a_bundle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let visits = own_visits("stored", "p1-1", 6);
    {
        let state = open(Some(dir.path()));
        let server = Server::in_process(&state);
        let mut a = Phone::new("bundle-a", 65);
        with_history(&mut a, &server, "p1-1").await;
        let mut b = Phone::new("bundle-b", 66);
        assert!(b.sync(&server).await.refused.is_empty());

        for v in &visits {
            a.add_visit(v);
        }
        let (out, bundled) = sync_counting_bundles(&mut a, &server).await;
        assert!(out.refused.is_empty(), "{:?}", out.refused);
        assert_eq!(bundled, 6);
        // The server's sync state knows it holds them: the next session sends nothing.
        let generation = state.hub().generation();
        let (again, bundled) = sync_counting_bundles(&mut a, &server).await;
        assert_eq!(bundled, 0);
        assert!(again.rounds <= 1, "{again:?}");
        assert_eq!(state.hub().generation(), generation);

        // Phone b missed the six: its reply carries them as one bundle.
        b.begin_session();
        let req = b.request(true, &BTreeSet::new());
        let reply = b.post(&server, &req).await;
        let resp = SyncResponse::decode(&reply.body).expect("a response");
        let down: Vec<usize> = resp
            .docs
            .iter()
            .filter(|m| m.doc == B1)
            .filter_map(|m| sync::Message::decode(&m.msg).ok())
            .flat_map(|m| m.changes.iter().map(changes_in_chunk).collect::<Vec<_>>())
            .collect();
        assert_eq!(down, [6], "one bundle of six changes");
        b.apply(&req, resp);
        b.sync(&server).await;
        assert_eq!(b.visits().len(), 20 + 6);
    }
    // On disk: Automerge's stable formats only, which load without any bundle support.
    let store = SqliteStore::open(&dir.path().join("sanlian.sqlite3")).expect("store");
    let chunks = store.load(B1).expect("b1 is stored");
    assert!(!chunks.is_empty());
    for chunk in &chunks {
        assert!(!is_bundle(chunk), "a bundle was stored");
    }
    let doc = AutoCommit::load(&chunks.concat()).expect("the stored document loads");
    let stored = read_branch(&doc).expect("it reads").visits;
    for v in &visits {
        assert_eq!(stored.get(&v.id), Some(v));
    }
}

#[tokio::test]
async fn issue_7_an_app_of_protocol_2_is_told_to_update_and_nothing_is_stored() {
    let state = open(None);
    let server = Server::in_process(&state);
    let mut phone = Phone::new("old-app", 67);
    for v in own_visits("outdated", "p1-1", 2) {
        phone.add_visit(&v);
    }
    let generation = state.hub().generation();
    let req = SyncRequest {
        version: 2,
        ..phone.request(true, &BTreeSet::new())
    };
    let reply = phone.post(&server, &req).await;
    assert_json_error(&reply, StatusCode::BAD_REQUEST);
    assert!(
        reply.text().contains("请更新应用") && reply.text().contains('2'),
        "{}",
        reply.text()
    );
    assert_eq!(state.hub().generation(), generation);
    // The phone still has its entries; once updated, they sync.
    assert_eq!(phone.visits().len(), 2);
    assert!(phone.sync(&server).await.refused.is_empty());
    assert_eq!(entries_named(&server, "outdated").await, 2);
}

#[tokio::test]
async fn issue_7_a_bundle_counts_its_changes_against_the_limit() {
    use backend::limits::MAX_CHANGES_PER_REQUEST;
    let state = open(None);
    let server = Server::in_process(&state);
    let before = before(&state, &server).await;
    // One chunk holding more changes than a request may carry: the limit must look inside.
    let mut phone = Phone::new("bundle-flood", 68);
    let doc = phone.doc(B1);
    let genesis = doc.get_heads();
    for i in 0..=MAX_CHANGES_PER_REQUEST {
        doc.put(ROOT, "flood", i as i64).unwrap();
        doc.commit();
    }
    let hashes: Vec<_> = doc.get_changes(&genesis).iter().map(|c| c.hash()).collect();
    let bundle = doc.bundle(hashes).unwrap().bytes().to_vec();
    let mut msg = doc
        .sync()
        .generate_sync_message(&mut sync::State::new())
        .expect("a first message");
    assert_eq!(changes_in_chunk(&bundle), MAX_CHANGES_PER_REQUEST + 1);
    msg.changes = sync::ChunkList::from(bundle);
    let req = SyncRequest {
        version: PROTOCOL_VERSION,
        device: "bundle-flood".into(),
        reset: true,
        report: None,
        docs: vec![DocMessage {
            doc: B1.into(),
            msg: msg.encode(),
            sigs: Vec::new(),
        }],
    };
    let reply = phone.post(&server, &req).await;
    assert_json_error(&reply, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.text().contains("更改过多"), "{}", reply.text());
    assert_unchanged_and_still_syncing(&state, &server, &before).await;
}

/// How many of the county's entries have `part` in their id.
async fn entries_named(server: &Server, part: &str) -> usize {
    server
        .county()
        .await
        .entries
        .iter()
        .filter(|e| e.id.contains(part))
        .count()
}

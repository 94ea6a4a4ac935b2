//! Issue 7, limits: every limit a hostile or runaway client can hit answers with a clear
//! error and leaves the documents untouched (body size and document count are tested in
//! main.rs).

use super::*;
use backend::limits::{DeviceRate, MAX_CHANGES_PER_REQUEST};

const FLOOD_VISIT: &str = "1770000000000-flood";

/// A phone of b1's secretary that has logged one visit.
fn flood_phone() -> Phone {
    let mut phone = Phone::new("flood", 9);
    phone.add_visit(&visit(
        FLOOD_VISIT,
        "p1-1",
        "v1",
        VisitKind::Help,
        "一条",
        1_770_000_000_000,
    ));
    phone
}

/// A request for b1 whose message carries `n` change chunks (copies of the phone's last
/// change).
fn request_with_changes(phone: &mut Phone, n: usize) -> SyncRequest {
    let change = last_change_bytes(phone.doc(B1));
    let mut msg = phone
        .doc(B1)
        .sync()
        .generate_sync_message(&mut sync::State::new())
        .expect("a first message");
    msg.changes = sync::ChunkList::from(vec![change; n]);
    SyncRequest {
        version: PROTOCOL_VERSION,
        device: "flood".into(),
        reset: true,
        report: None,
        docs: vec![DocMessage {
            doc: B1.into(),
            msg: msg.encode(),
            sigs: Vec::new(),
        }],
    }
}

fn last_change_bytes(doc: &mut AutoCommit) -> Vec<u8> {
    let heads = doc.get_heads();
    doc.get_change_by_hash(&heads[0])
        .expect("the head change")
        .raw_bytes()
        .to_vec()
}

#[tokio::test]
async fn issue_7_a_request_with_too_many_changes_is_refused_before_any_is_applied() {
    let state = open(None);
    let server = Server::in_process(&state);
    let before = before(&state, &server).await;
    // Signed in with its actor registered: only the limit stands in the way.
    let mut phone = flood_phone();
    let req = request_with_changes(&mut phone, MAX_CHANGES_PER_REQUEST + 1);
    let reply = phone.post(&server, &req).await;
    assert_json_error(&reply, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        reply.text().contains("更改过多")
            && reply.text().contains(&MAX_CHANGES_PER_REQUEST.to_string()),
        "{}",
        reply.text()
    );
    assert_unchanged_and_still_syncing(&state, &server, &before).await;
    // At the limit the same request goes through and its visit is stored.
    let req = request_with_changes(&mut phone, MAX_CHANGES_PER_REQUEST);
    let reply = phone.post(&server, &req).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let resp = SyncResponse::decode(&reply.body).expect("the response decodes");
    assert!(resp.refused.is_empty(), "{:?}", resp.refused);
    assert!(server
        .county()
        .await
        .entries
        .iter()
        .any(|e| e.id == FLOOD_VISIT));
}

#[tokio::test]
async fn issue_7_a_device_syncing_too_often_is_slowed_down_and_others_are_not() {
    let state = open(None).with_device_rate(DeviceRate::new(1.0, 3));
    let server = Server::in_process(&state);
    let mut phone = Phone::new("busy", 1);
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let reply = server
            .post_sync(phone.request(true, &BTreeSet::new()).encode())
            .await;
        statuses.push(reply.status);
        last = Some(reply);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let last = last.unwrap();
    assert_json_error(&last, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.text().contains("同步过于频繁"), "{}", last.text());
    // Another phone is not slowed by this one.
    let mut other = Phone::new("calm", 2);
    other.add_visit(&visit(
        "1770000000000-calm",
        "p1-2",
        "v1",
        VisitKind::Help,
        "照常同步",
        1_770_000_000_000,
    ));
    let out = other.sync(&server).await;
    assert!(out.refused.is_empty());
    assert!(server
        .county()
        .await
        .entries
        .iter()
        .any(|e| e.id == "1770000000000-calm"));
    // Once its bucket refills (Retry-After says when), the busy phone syncs again: polled,
    // so the test waits as long as the refill takes and no longer.
    let start = std::time::Instant::now();
    loop {
        let reply = server
            .post_sync(phone.request(true, &BTreeSet::new()).encode())
            .await;
        if reply.status == StatusCode::OK {
            break;
        }
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.text()
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the bucket never refilled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! Merge stories: fork → edit on both sides → merge → hydrate → assert.

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, AutoCommit, ReadDoc};
use shared::doc::{new_document, put_visit};
use shared::domain::docs::{self, read_branch_records as read_branch};
use shared::ids::DocId;
use shared::model::{Visit, VisitKind};

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn visit(id: &str, author: &str, note: &str, at: i64) -> Visit {
    Visit {
        id: id.into(),
        author: author.into(),
        date: "2026-11-20".into(),
        place: "v1".into(),
        kind: VisitKind::Industry,
        note: note.into(),
        recorded_at: at,
        withdrawn: false,
    }
}

fn branch() -> DocId {
    DocId::branch("b1").unwrap()
}

fn merged(a: &mut AutoCommit, b: &mut AutoCommit) {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
}

/// Runs the Automerge sync protocol between two in-memory peers until both are quiet,
/// returning how many bytes crossed the wire.
fn sync_pair(
    a: &mut AutoCommit,
    sa: &mut sync::State,
    b: &mut AutoCommit,
    sb: &mut sync::State,
) -> usize {
    let mut bytes = 0;
    for _ in 0..20 {
        let m1 = a.sync().generate_sync_message(sa);
        if let Some(m) = m1.clone() {
            let enc = m.encode();
            bytes += enc.len();
            b.sync()
                .receive_sync_message(sb, sync::Message::decode(&enc).unwrap())
                .unwrap();
        }
        let m2 = b.sync().generate_sync_message(sb);
        if let Some(m) = m2.clone() {
            let enc = m.encode();
            bytes += enc.len();
            a.sync()
                .receive_sync_message(sa, sync::Message::decode(&enc).unwrap())
                .unwrap();
        }
        if m1.is_none() && m2.is_none() {
            return bytes;
        }
    }
    panic!("sync did not converge");
}

#[test]
fn two_phones_that_never_met_the_server_merge_all_their_visits() {
    // Both phones create the branch document offline, independently.
    let mut phone_a = new_document(&branch(), actor(1));
    let mut phone_b = new_document(&branch(), actor(2));
    put_visit(&mut phone_a, &visit("a1", "p1-1", "查看茶园", 1), 1).unwrap();
    put_visit(&mut phone_a, &visit("a2", "p1-1", "帮助选两委", 2), 2).unwrap();
    put_visit(&mut phone_b, &visit("b1", "p1-2", "走访困难户", 3), 3).unwrap();

    merged(&mut phone_a, &mut phone_b);

    let a = read_branch(&phone_a).unwrap();
    let b = read_branch(&phone_b).unwrap();
    assert_eq!(a, b);
    let ids: Vec<_> = a.visits.keys().map(String::as_str).collect();
    assert_eq!(ids, ["a1", "a2", "b1"]);
    assert_eq!(a.visits["b1"].note, "走访困难户");
}

#[test]
fn concurrent_edits_of_one_visit_keep_both_fields_and_show_the_conflict() {
    let mut phone_a = new_document(&branch(), actor(1));
    put_visit(&mut phone_a, &visit("a1", "p1-1", "初稿", 1), 1).unwrap();
    let mut phone_b = phone_a.fork().with_actor(actor(2));

    // A rewrites the note; B withdraws the entry and also rewrites the note.
    let mut edited = visit("a1", "p1-1", "A 的修改", 1);
    put_visit(&mut phone_a, &edited, 2).unwrap();
    docs::withdraw::<Visit>(&mut phone_b, "a1", 2).unwrap();
    edited.note = "B 的修改".into();
    edited.withdrawn = true;
    put_visit(&mut phone_b, &edited, 3).unwrap();

    merged(&mut phone_a, &mut phone_b);

    let a = read_branch(&phone_a).unwrap();
    assert_eq!(a, read_branch(&phone_b).unwrap(), "both phones converge");
    let v = &a.visits["a1"];
    assert!(
        v.withdrawn,
        "the withdrawal, made on one side only, survives"
    );
    assert!(["A 的修改", "B 的修改"].contains(&v.note.as_str()));
    // The losing value is not gone: Automerge keeps both, so the app can show "需确认".
    let visits = match phone_a.get(automerge::ROOT, "visits").unwrap() {
        Some((_, id)) => id,
        None => panic!("no visits map"),
    };
    let record = phone_a.get(&visits, "a1").unwrap().unwrap().1;
    let notes: Vec<String> = phone_a
        .get_all(&record, "note")
        .unwrap()
        .into_iter()
        .map(|(v, _)| v.into_string().unwrap())
        .collect();
    assert_eq!(notes.len(), 2, "both concurrent notes are kept: {notes:?}");
}

#[test]
fn withdrawing_an_unknown_visit_changes_nothing() {
    let mut phone = new_document(&branch(), actor(1));
    let heads = phone.get_heads();
    assert!(!docs::withdraw::<Visit>(&mut phone, "no-such-id", 1).unwrap());
    assert_eq!(phone.get_heads(), heads);
}

#[test]
fn saving_the_same_visit_twice_does_not_duplicate_it() {
    let mut phone = new_document(&branch(), actor(1));
    let v = visit("a1", "p1-1", "一次", 1);
    put_visit(&mut phone, &v, 1).unwrap();
    let heads = phone.get_heads();
    put_visit(&mut phone, &v, 2).unwrap();
    assert_eq!(
        phone.get_heads(),
        heads,
        "an identical retry writes nothing"
    );
    assert_eq!(read_branch(&phone).unwrap().visits.len(), 1);
}

/// Syncs a phone holding `history` visits with the server, then logs `new` more offline and
/// returns the bytes of (the first sync, the reconnecting sync).
fn reconnect_bytes(history: i64, new: i64) -> (usize, usize) {
    let mut server = new_document(&branch(), actor(9));
    let mut phone = new_document(&branch(), actor(1));
    for i in 0..history {
        put_visit(
            &mut phone,
            &visit(&format!("v{i}"), "p1-1", "例行到点，了解产业情况", i),
            i,
        )
        .unwrap();
    }
    let (mut s_phone, mut s_server) = (sync::State::new(), sync::State::new());
    let first = sync_pair(&mut phone, &mut s_phone, &mut server, &mut s_server);
    assert_eq!(read_branch(&server).unwrap().visits.len(), history as usize);

    // Only the persistent part of the sync states survives the phone going offline.
    let mut s_phone = sync::State::decode(&s_phone.encode()).unwrap();
    let mut s_server = sync::State::decode(&s_server.encode()).unwrap();
    for i in history..history + new {
        put_visit(
            &mut phone,
            &visit(&format!("v{i}"), "p1-1", "新的一次到点", i),
            i,
        )
        .unwrap();
    }
    let bytes = sync_pair(&mut phone, &mut s_phone, &mut server, &mut s_server);
    assert_eq!(
        read_branch(&server).unwrap().visits.len(),
        (history + new) as usize
    );
    (first, bytes)
}

#[test]
fn reconnecting_phone_sends_only_what_is_new() {
    let (first, again) = reconnect_bytes(1000, 10);
    // 10 new records after 1000 synced ones: the history is not sent again.
    assert!(
        again * 4 < first,
        "reconnect sent {again} B, the first sync of 1000 records {first} B"
    );
}

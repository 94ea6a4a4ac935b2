//! A record's 修改历史: who changed which field of it, when, from what to what — read from
//! the Automerge document's own change history, so nothing is kept beside the record and
//! nothing can be left out. One reading for the phone (its entries' 修改历史) and the
//! server (the console's drill-down, issue 18); each renders the lines in its own way.

use crate::forms::FormKind;
use crate::ids::person_of_actor;
use automerge::{
    AutoCommit, ChangeHash, ObjType, PatchAction, Prop, ReadDoc, ScalarValue, Value, ROOT,
};
use std::collections::BTreeMap;

/// One field set by one change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistoryLine {
    /// The change's time, seconds since the Unix epoch.
    pub at_secs: i64,
    /// Whose device wrote it (from the change's actor; proven by its signature, issue 15).
    pub person: Option<String>,
    pub field: String,
    /// What the field held before this change (as this history has read it so far).
    pub old: Option<String>,
    pub value: String,
}

/// A stored value as text: strings as they are, yes/no in Chinese.
pub fn show_scalar(v: &ScalarValue) -> String {
    match v {
        ScalarValue::Str(s) => s.to_string(),
        ScalarValue::Boolean(true) => "是".into(),
        ScalarValue::Boolean(false) => "否".into(),
        ScalarValue::Null => "（空）".into(),
        other => other.to_string(),
    }
}

/// Every field set on the record `record` of the map `map`, oldest first, each change
/// diffed against its parents.
pub fn record_history(doc: &mut AutoCommit, map: &str, record: &str) -> Vec<HistoryLine> {
    let changes: Vec<(ChangeHash, Vec<ChangeHash>, i64, automerge::ActorId)> = doc
        .get_changes(&[])
        .into_iter()
        .map(|c| {
            (
                c.hash(),
                c.deps().to_vec(),
                c.timestamp(),
                c.actor_id().clone(),
            )
        })
        .collect();
    let mut lines = Vec::new();
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    for (hash, deps, at_secs, actor) in changes {
        for patch in doc.diff(&deps, &[hash]) {
            let in_record = patch.path.len() == 2
                && matches!(&patch.path[0].1, Prop::Map(m) if m == map)
                && matches!(&patch.path[1].1, Prop::Map(r) if r == record);
            if !in_record {
                continue;
            }
            if let PatchAction::PutMap { key, value, .. } = patch.action {
                let value = match value.0 {
                    Value::Scalar(s) => show_scalar(&s),
                    Value::Object(_) => "…".into(),
                };
                let old = last.insert(key.clone(), value.clone());
                lines.push(HistoryLine {
                    at_secs,
                    person: person_of_actor(&actor),
                    field: key,
                    old,
                    value,
                });
            }
        }
    }
    lines
}

/// The map of the document that holds a record with this id, if any (ids are unique
/// across a document's maps: `<ms>-<random>` made on the device).
pub fn map_holding(doc: &AutoCommit, record: &str) -> Option<String> {
    doc.keys(&ROOT).find(|key| {
        matches!(
            doc.get(&ROOT, key.as_str()),
            Ok(Some((Value::Object(ObjType::Map), m)))
                if matches!(doc.get(&m, record), Ok(Some((Value::Object(ObjType::Map), _))))
        )
    })
}

/// Whether a line says something to a reader: bookkeeping fields do not (the writer is
/// the line's person), and every record starts "not withdrawn" — so that first line is
/// silent, while a withdrawal and a later restore (否 after 是) are news.
pub fn tells(line: &HistoryLine) -> bool {
    let bookkeeping = matches!(
        line.field.as_str(),
        "id" | "author" | "recorded_at" | "member" | "leader" | "branch"
    );
    let born_kept =
        line.field == "withdrawn" && line.value == "否" && line.old.as_deref() != Some("是");
    !bookkeeping && !born_kept
}

/// The record kind whose records live in the branch document's map `map`.
pub fn kind_of(map: &str) -> Option<FormKind> {
    FormKind::of_branch_map(map)
}

/// The map of a branch document holding records of `kind`.
pub fn map_of(kind: FormKind) -> &'static str {
    kind.map()
}

/// The label (the notice's term, in Chinese) of a stored code, for the fields that hold one.
pub fn code_label(kind: FormKind, field: &str, code: &str) -> Option<&'static str> {
    kind.code_label(field, code)
}

/// What a field is called, in Chinese (the phone's English beside it is kept equal to this
/// by a wasm test of its i18n table). An unknown field reads as its name.
pub fn field_label(field: &str) -> &str {
    if let Some(label) = crate::records::kind_field_label(field) {
        return label;
    }
    match field {
        "note" => "情况记录",
        "year" => "年度",
        "name" => "姓名",
        "partner" => "结对支部",
        "status" => "进度",
        "stage" => "进度",
        "title" => "标题",
        "tie_in" => "结合",
        "labour" => "劳动能力",
        "household_size" => "家庭人口",
        "baseline_income" => "年初人均纯收入",
        "target" => "帮扶对象",
        "detail" => "具体情况",
        "income" => "核定的人均纯收入",
        "direction" => "培养方向",
        "date" => "日期",
        "place" => "地点",
        "kind" => "类别",
        "withdrawn" => "已撤回",
        "author" => "记录人",
        "recorded_at" => "记录时间",
        "id" => "编号",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{new_document, put_visit};
    use crate::domain::docs::Record;
    use crate::ids::{actor_for, DocId};
    use crate::model::{Visit, VisitKind};

    /// p1-2's visit `r1` with this note.
    fn visit(note: &str) -> Visit {
        Visit {
            id: "r1".into(),
            author: "p1-2".into(),
            date: "2026-11-20".into(),
            place: "v1".into(),
            kind: VisitKind::Help,
            note: note.into(),
            recorded_at: 1,
            withdrawn: false,
        }
    }

    #[test]
    fn issue_18_a_records_history_reads_every_correction_with_who_and_what_it_was() {
        let branch = DocId::branch("b1".to_string()).unwrap();
        let mut doc = new_document(&branch, actor_for(Some("p1-2"), &[1; 8]));
        let mut v = visit("原来的备注");
        put_visit(&mut doc, &v, 100).unwrap();
        let mut other = doc.fork().with_actor(actor_for(Some("p1-1"), &[2; 8]));
        v.note = "书记改的".into();
        put_visit(&mut other, &v, 200).unwrap();
        doc.merge(&mut other).unwrap();
        assert_eq!(map_holding(&doc, "r1").as_deref(), Some(Visit::MAP));
        assert_eq!(map_holding(&doc, "nothing"), None);
        let lines: Vec<_> = record_history(&mut doc, Visit::MAP, "r1")
            .into_iter()
            .filter(tells)
            .collect();
        let note: Vec<_> = lines.iter().filter(|l| l.field == "note").collect();
        assert_eq!(note.len(), 2, "{lines:?}");
        assert_eq!(note[0].value, "原来的备注");
        assert_eq!(note[1].old.as_deref(), Some("原来的备注"));
        assert_eq!(note[1].value, "书记改的");
        assert_eq!(note[1].person.as_deref(), Some("p1-1"));
        assert_eq!(note[1].at_secs, 200);
        assert!(lines
            .iter()
            .all(|l| l.field != "author" && l.field != "withdrawn"));
        assert_eq!(kind_of(map_of(FormKind::Help)), Some(FormKind::Help));
        assert_eq!(code_label(FormKind::Visit, "kind", "Help"), Some("帮扶"));
    }

    /// A record withdrawn and restored shows both steps; its first "not withdrawn" (every
    /// record is born so) shows nothing.
    #[test]
    fn issue_16_a_restore_shows_in_the_history() {
        let branch = DocId::branch("b1".to_string()).unwrap();
        let mut doc = new_document(&branch, actor_for(Some("p1-2"), &[1; 8]));
        let mut v = visit("备注");
        put_visit(&mut doc, &v, 100).unwrap();
        v.withdrawn = true;
        put_visit(&mut doc, &v, 200).unwrap();
        v.withdrawn = false;
        put_visit(&mut doc, &v, 300).unwrap();
        let steps: Vec<(i64, String)> = record_history(&mut doc, Visit::MAP, "r1")
            .into_iter()
            .filter(tells)
            .filter(|l| l.field == "withdrawn")
            .map(|l| (l.at_secs, l.value))
            .collect();
        assert_eq!(steps, [(200, "是".to_string()), (300, "否".to_string())]);
    }
}

//! Every kind of record a branch document holds: **one file per kind** behind
//! [`RecordKind`] — its struct and enums, its form, validation, listing line, office row,
//! owner field and history labels — and [`kinds!`] at the bottom, **the one list** of
//! them, from which everything that used to be listed by hand is generated: the form
//! kinds ([`FormKind`]), [`Entry`], the branch document's type ([`BranchRecords`]), its
//! maps and the extension each came with, the ownership table, record counts, the
//! history's lookups, the writes of a whole branch and the server's per-record check.
//!
//! Adding a kind is a new file here, a line in the list and its translations in the
//! phone's table (`frontend/src/i18n.rs`); the phone's pages, the forms code and the
//! office view know no individual kind.
//!
//! `crate::forms` holds what every kind's form is built from (fields, the checks of what
//! was typed, the context a form is filled against) and dispatches on [`FormKind`].

pub mod activity;
pub mod appraisal;
pub mod cultivation;
pub mod deed;
pub mod help;
pub mod pair;
pub mod plan;
pub mod point;
pub mod target;
pub mod training;
pub mod visit;

use crate::doc::DocError;
use crate::domain::docs::{self, Home, Record};
use crate::domain::records::{CommitteePlan, TieIn};
use crate::forms::{Check, Field, FormContext};
use crate::model::{labelled_enum, Registry, Role};
use crate::msg::Msg;
use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a branch record kind is. Implemented once per kind, in the kind's file.
pub trait RecordKind: Record + Sized {
    /// Its form kind: the phone's tab, the kind code of its rollovers and drafts.
    const KIND: FormKind;
    /// The notice's name of the kind (the tab).
    const LABEL: &'static str;
    /// The prefix of its form's element ids (`visit-date`, `help-income`…).
    const SLUG: &'static str;
    /// What its save button says.
    const ACTION: &'static str;
    /// The field naming the person the record is under (`author`, `leader`, `member`).
    const OWNER_FIELD: &'static str;
    /// A person's own record (only they and their secretary touch it, only they list it)
    /// or the branch's (支部联建, 三个方案…: its secretary manages it).
    const PERSONAL: bool;
    /// Which change made its map in the branch document: 0 the genesis (`visits`), 1 the
    /// first extension ([`docs::BRANCH_MAPS`], frozen), 2 and on the later ones
    /// (`docs::branch_extensions`). A new kind takes the next number or joins the last
    /// extension not yet released.
    const EXTENSION: u8;
    /// The field roles that offer its form, each with its place among that role's tabs.
    const OFFERED: &'static [(Role, u8)];
    /// Its own fields' names in the history (Chinese), beyond the shared ones
    /// (`crate::history::field_label`).
    const FIELD_LABELS: &'static [(&'static str, &'static str)] = &[];

    fn owner(&self) -> &str;
    fn recorded_at(&self) -> i64;
    /// Keeps what an edit must not change: id, owner, recording time, withdrawal.
    fn keep_identity(&mut self, original: &Self);

    /// Its form's fields for this person, and why the form cannot be used yet, if so.
    fn form(ctx: &FormContext) -> (Vec<Field>, Option<String>);
    /// Reads the typed values ([`Check`] collects the errors); the record, attributed to
    /// `ctx.me`, when every field is right.
    fn submit(c: &mut Check, ctx: &FormContext, id: String, recorded_at: i64) -> Option<Self>;
    /// What its form shows for it: the values [`Self::submit`] reads back into it.
    fn values(&self) -> BTreeMap<String, String>;
    /// Its line in 我的记录.
    fn line(&self, l: &Listing) -> Line;
    /// Its row in the county office's drill-down and search; `None` for links the office
    /// shows elsewhere (a leader's point, the branch pair).
    fn office_row(&self, _records: &BranchRecords) -> Option<OfficeLine> {
        None
    }
    /// The label of a stored code, for its fields that hold one.
    fn code_label(_field: &str, _code: &str) -> Option<&'static str> {
        None
    }

    /// Writes it into a branch document as one change.
    fn put(&self, doc: &mut AutoCommit, now_secs: i64) -> Result<(), DocError> {
        docs::put(doc, self, now_secs)
    }
    /// Writes all of a branch's records of the kind (imports, the generator).
    fn put_all(
        doc: &mut AutoCommit,
        all: &BTreeMap<String, Self>,
        now_secs: i64,
    ) -> Result<(), DocError> {
        docs::put_many(doc, all.values(), now_secs)
    }
}

/// `owner`, `recorded_at`, `keep_identity` and `OWNER_FIELD` of a kind whose owner is the
/// field `$owner`.
macro_rules! owned_by {
    ($owner:ident) => {
        const OWNER_FIELD: &'static str = stringify!($owner);
        fn owner(&self) -> &str {
            &self.$owner
        }
        fn recorded_at(&self) -> i64 {
            self.recorded_at
        }
        fn keep_identity(&mut self, original: &Self) {
            self.id = original.id.clone();
            self.$owner = original.$owner.clone();
            self.recorded_at = original.recorded_at;
            self.withdrawn = original.withdrawn;
        }
    };
}
pub(crate) use owned_by;

/// What a listing line is read against.
pub struct Listing<'a> {
    pub registry: &'a Registry,
    pub records: &'a BranchRecords,
}

impl Listing<'_> {
    pub fn place(&self, id: &str) -> String {
        self.registry.place_name(id).to_string()
    }

    pub fn branch(&self, id: &str) -> String {
        self.registry
            .branches
            .get(id)
            .map_or_else(|| id.to_string(), |b| b.name.clone())
    }
}

/// A kind's part of an [`EntryLine`].
pub struct Line {
    /// The day it concerns, `YYYY-MM-DD`.
    pub date: String,
    pub tag: Msg,
    pub title: String,
    pub detail: String,
}

/// One line of "我的记录".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLine {
    pub kind: FormKind,
    pub id: String,
    /// The day it concerns, `YYYY-MM-DD`: a visit's or help record's date; for a link or
    /// a household (which name a year) the day it was recorded ([`county_day`]).
    pub date: String,
    /// A short tag: the visit's task, the plan's status…
    pub tag: Msg,
    /// Place, household or partner.
    pub title: String,
    pub detail: String,
    pub author: String,
    pub recorded_at: i64,
    /// Withdrawn entries stay listed (struck through), so their owner can restore them.
    pub withdrawn: bool,
}

/// A kind's part of the office's record row (ids; the office view names them).
pub struct OfficeLine {
    /// What the record is, as the office says it (到点走访, 帮扶记录…).
    pub record: &'static str,
    pub date: String,
    /// The label of its kind within the record (建班子, 五送一建…).
    pub kind: &'static str,
    /// A place id, or a branch id for an activity's partner; empty for none.
    pub place: String,
    pub author: String,
    /// The person the record is about when that is not its author (a 民主评议参考's
    /// member): the office lists it on that person's page.
    pub about: Option<String>,
    pub note: String,
    pub tie_in: Option<TieIn>,
}

/// The county's day (China Standard Time, UTC+8, no daylight saving) of a moment in
/// milliseconds, `YYYY-MM-DD`: the day a household or a link was recorded.
pub fn county_day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .map(|d| crate::day::iso(d.date_naive()))
        .unwrap_or_default()
}

/// A form's values from `(field, value)` pairs: one function for every kind (a
/// `BTreeMap::from` of an array per kind was a copy of the map's bulk build per length in
/// the phone's wasm).
pub fn form_values(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    string_map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

/// A map of form values built by inserting, as `collect()` would build it (a later
/// duplicate key wins). `collect()` into a `BTreeMap` sorts first, and its stable sort is
/// one ≈ 3.5 KB copy per iterator type in the phone's wasm; `insert` is shared by all.
pub fn string_map(pairs: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// A tag that is a label as it is.
pub fn term(label: &str) -> Msg {
    Msg::Term { term: label.into() }
}

/// Generates, from the one list of kinds, everything that pairs a kind with its type.
macro_rules! kinds {
    ($($variant:ident($t:ty) in $field:ident),+ $(,)?) => {
        labelled_enum!(
            /// The kinds of record made on a phone: the branch kinds in the list's order,
            /// then a 党（工）委's own plans (its `committee/<id>` document).
            FormKind {
                $($variant => <$t as RecordKind>::LABEL,)+
                CommitteePlan => "党（工）委方案",
            }
        );

        impl FormKind {
            /// The prefix of the form's element ids (`visit-date`, `help-income`…).
            pub fn slug(self) -> &'static str {
                match self {
                    $(FormKind::$variant => <$t as RecordKind>::SLUG,)+
                    FormKind::CommitteePlan => "committee-plan",
                }
            }

            /// What the save button says.
            pub fn action(self) -> &'static str {
                match self {
                    $(FormKind::$variant => <$t as RecordKind>::ACTION,)+
                    FormKind::CommitteePlan => "记党（工）委方案",
                }
            }

            /// The map of its document holding records of this kind (`visits`, `help`…).
            pub fn map(self) -> &'static str {
                match self {
                    $(FormKind::$variant => <$t as Record>::MAP,)+
                    FormKind::CommitteePlan => <CommitteePlan as Record>::MAP,
                }
            }

            pub fn from_slug(slug: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.slug() == slug)
            }

            /// The branch record kind whose records live in the branch document's map `map`.
            pub fn of_branch_map(map: &str) -> Option<FormKind> {
                $(if map == <$t as Record>::MAP {
                    return Some(FormKind::$variant);
                })+
                None
            }

            /// The field naming the person a record is under, for a person's own kinds;
            /// `None` for the branch's own records and the committee's plans.
            pub fn personal_owner(self) -> Option<&'static str> {
                match self {
                    $(FormKind::$variant => <$t as RecordKind>::PERSONAL
                        .then_some(<$t as RecordKind>::OWNER_FIELD),)+
                    FormKind::CommitteePlan => None,
                }
            }

            /// Where its form sits among a field role's tabs, if the role has it.
            pub fn offered_to(self, role: Role) -> Option<u8> {
                let offered: &[(Role, u8)] = match self {
                    $(FormKind::$variant => <$t as RecordKind>::OFFERED,)+
                    FormKind::CommitteePlan => &[],
                };
                offered.iter().find(|(r, _)| *r == role).map(|(_, at)| *at)
            }

            /// The label (Chinese) of a code stored in a field of a record of this kind.
            pub fn code_label(self, field: &str, code: &str) -> Option<&'static str> {
                match self {
                    $(FormKind::$variant => <$t as RecordKind>::code_label(field, code),)+
                    FormKind::CommitteePlan => None,
                }
            }
        }

        $(
            impl Record for $t {
                const MAP: &'static str = stringify!($field);
                const HOME: Home = Home::Branch;
                fn id(&self) -> &str {
                    &self.id
                }
                fn withdrawn(&self) -> bool {
                    self.withdrawn
                }
                fn set_withdrawn(&mut self) {
                    self.withdrawn = true;
                }
            }

            impl From<$t> for Entry {
                fn from(r: $t) -> Entry {
                    Entry::$variant(r)
                }
            }
        )+

        /// A validated record of a branch document, of any kind. Serde for the phone's
        /// entries waiting for its document engine (`crate::engine::Op`, issue 18).
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub enum Entry {
            $($variant($t),)+
        }

        impl Entry {
            pub fn kind(&self) -> FormKind {
                match self {
                    $(Entry::$variant(_) => FormKind::$variant,)+
                }
            }

            pub fn id(&self) -> &str {
                match self {
                    $(Entry::$variant(r) => r.id(),)+
                }
            }

            /// Writes the record into a branch document as one change.
            pub fn put(&self, doc: &mut AutoCommit, now_secs: i64) -> Result<(), DocError> {
                match self {
                    $(Entry::$variant(r) => r.put(doc, now_secs),)+
                }
            }

            /// Writes this edited record over `original` (the record as the editor saw
            /// it), only the fields that differ ([`docs::edit`]). Returns the fields written.
            pub fn edit(
                &self,
                doc: &mut AutoCommit,
                original: &Entry,
                now_secs: i64,
            ) -> Result<Vec<String>, DocError> {
                match (self, original) {
                    $((Entry::$variant(n), Entry::$variant(o)) => docs::edit(doc, o, n, now_secs),)+
                    _ => Err(DocError::MissingRoot("record")),
                }
            }

            /// The person the record is under (`author`, `leader` or `member`).
            pub fn owner(&self) -> &str {
                match self {
                    $(Entry::$variant(r) => r.owner(),)+
                }
            }

            pub fn withdrawn(&self) -> bool {
                match self {
                    $(Entry::$variant(r) => r.withdrawn(),)+
                }
            }

            pub fn recorded_at(&self) -> i64 {
                match self {
                    $(Entry::$variant(r) => r.recorded_at(),)+
                }
            }

            /// Keeps what an edit must not change from `original`, of the same kind.
            pub fn keep_identity_of(&mut self, original: &Entry) {
                match (self, original) {
                    $((Entry::$variant(n), Entry::$variant(o)) => n.keep_identity(o),)+
                    _ => {}
                }
            }

            /// What its form shows for it: the values `submit` reads back into it.
            pub fn values(&self) -> BTreeMap<String, String> {
                match self {
                    $(Entry::$variant(r) => r.values(),)+
                }
            }
        }

        /// The form of a branch kind; `None` for the committee's plans.
        pub(crate) fn form_of(kind: FormKind, ctx: &FormContext) -> Option<(Vec<Field>, Option<String>)> {
            match kind {
                $(FormKind::$variant => Some(<$t as RecordKind>::form(ctx)),)+
                FormKind::CommitteePlan => None,
            }
        }

        /// Reads a branch kind's typed values; `None` for the committee's plans.
        pub(crate) fn submit_of(
            kind: FormKind,
            c: &mut Check,
            ctx: &FormContext,
            id: String,
            recorded_at: i64,
        ) -> Option<Option<Entry>> {
            match kind {
                $(FormKind::$variant => Some(
                    <$t as RecordKind>::submit(c, ctx, id, recorded_at).map(Entry::$variant),
                ),)+
                FormKind::CommitteePlan => None,
            }
        }

        /// The record of a kind and id as the branch document holds it (withdrawn or not).
        pub fn entry_of(records: &BranchRecords, kind: FormKind, id: &str) -> Option<Entry> {
            match kind {
                $(FormKind::$variant => records.$field.get(id).cloned().map(Entry::$variant),)+
                FormKind::CommitteePlan => None,
            }
        }

        /// Marks one record withdrawn (kept, with its history).
        pub fn withdraw(doc: &mut AutoCommit, kind: FormKind, id: &str, now_secs: i64) -> Result<bool, DocError> {
            match kind {
                $(FormKind::$variant => docs::withdraw::<$t>(doc, id, now_secs),)+
                FormKind::CommitteePlan => docs::withdraw::<CommitteePlan>(doc, id, now_secs),
            }
        }

        /// Takes a withdrawal back (恢复); the history keeps both.
        pub fn restore(doc: &mut AutoCommit, kind: FormKind, id: &str, now_secs: i64) -> Result<bool, DocError> {
            match kind {
                $(FormKind::$variant => docs::restore::<$t>(doc, id, now_secs),)+
                FormKind::CommitteePlan => docs::restore::<CommitteePlan>(doc, id, now_secs),
            }
        }

        /// Everything in a `branch/<id>` document. Maps missing from older documents read
        /// as empty; a map a newer app added is ignored by an older one.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
        pub struct BranchRecords {
            pub branch: String,
            $(
                #[autosurgeon(missing = "Default::default")]
                #[serde(default)]
                pub $field: BTreeMap<String, $t>,
            )+
        }

        impl BranchRecords {
            /// Number of records of every kind, withdrawn ones included.
            pub fn len(&self) -> usize {
                0 $(+ self.$field.len())+
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// The lines of 我的记录 that `keep(personal, owner)` keeps, unsorted.
            pub fn lines(&self, l: &Listing, keep: impl Fn(bool, &str) -> bool) -> Vec<EntryLine> {
                let mut out = Vec::new();
                $(
                    for r in self.$field.values() {
                        if !keep(<$t as RecordKind>::PERSONAL, r.owner()) {
                            continue;
                        }
                        let line = r.line(l);
                        out.push(EntryLine {
                            kind: FormKind::$variant,
                            id: r.id.clone(),
                            date: line.date,
                            tag: line.tag,
                            title: line.title,
                            detail: line.detail,
                            author: r.owner().to_string(),
                            recorded_at: r.recorded_at,
                            withdrawn: r.withdrawn,
                        });
                    }
                )+
                out
            }

            /// Lays a record over what the document held: how a page shows an entry its
            /// document engine has not written yet (`crate::engine::View::with_ops`).
            pub fn upsert(&mut self, entry: Entry) {
                match entry {
                    $(Entry::$variant(r) => {
                        self.$field.insert(r.id.clone(), r);
                    })+
                }
            }

            /// Marks a record withdrawn (or restored) in such a view.
            pub fn mark_withdrawn(&mut self, kind: FormKind, id: &str, withdrawn: bool) {
                match kind {
                    $(FormKind::$variant => {
                        if let Some(r) = self.$field.get_mut(id) {
                            r.withdrawn = withdrawn;
                        }
                    })+
                    FormKind::CommitteePlan => {}
                }
            }

            /// Every record the office lists, as (id, withdrawn, its row), unsorted.
            pub fn office_rows(&self) -> Vec<(&str, bool, OfficeLine)> {
                let mut out = Vec::new();
                $(
                    for r in self.$field.values() {
                        if let Some(row) = r.office_row(self) {
                            out.push((r.id.as_str(), r.withdrawn, row));
                        }
                    }
                )+
                out
            }

            /// Writes every record into a branch document, a change per kind (visits one
            /// each, as phones make them), through the calls the apps use.
            pub fn put_into(&self, doc: &mut AutoCommit, now_secs: i64) -> Result<(), DocError> {
                $(<$t as RecordKind>::put_all(doc, &self.$field, now_secs)?;)+
                Ok(())
            }
        }

        /// Every branch map with the change that made it ([`RecordKind::EXTENSION`]), in
        /// the list's order.
        pub const BRANCH_KIND_MAPS: &[(&str, u8)] = &[
            $((stringify!($field), <$t as RecordKind>::EXTENSION),)+
        ];

        /// Reads the record `id` of the branch map `map` as its kind; `None` for a map no
        /// kind has (the caller reads the whole document instead).
        pub(crate) fn check_record(
            doc: &AutoCommit,
            map: &str,
            obj: &automerge::ObjId,
            id: &str,
        ) -> Option<Result<(), DocError>> {
            $(if map == <$t as Record>::MAP {
                return Some(
                    autosurgeon::hydrate_prop::<_, $t, _, _>(doc, obj, id)
                        .map(|_| ())
                        .map_err(DocError::from),
                );
            })+
            None
        }

        /// A kind's own name for a field in the history, if one has it.
        pub(crate) fn kind_field_label(field: &str) -> Option<&'static str> {
            $(
                if let Some((_, l)) = <$t as RecordKind>::FIELD_LABELS.iter().find(|(f, _)| *f == field) {
                    return Some(l);
                }
            )+
            None
        }
    };
}

// The one list of a branch document's record kinds. Its order is the order of the form
// kinds (the home page's, within each role's `OFFERED` places) and of `BranchRecords`.
kinds! {
    Visit(visit::Visit) in visits,
    Point(point::LeaderPoint) in points,
    Cultivation(cultivation::Cultivation) in cultivations,
    Pair(pair::BranchPair) in pairs,
    Plan(plan::Plan) in plans,
    Activity(activity::Activity) in activities,
    Deed(deed::Deed) in deeds,
    Target(target::HelpTarget) in targets,
    Help(help::HelpRecord) in help,
    Training(training::Training) in trainings,
    Appraisal(appraisal::Appraisal) in appraisals,
}

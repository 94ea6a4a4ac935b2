//! Every form a field user fills in, described as data and validated here.
//!
//! The phone renders a [`Form`] generically and hands the typed values back to
//! [`submit`]; the rules of what is valid (a date not in the future, an income that is a
//! number ≥ 0, a help record for one of *my* households) live here, sans-IO, so they are
//! tested natively and are the same wherever a record is made. Choices and defaults come
//! from what the phone already holds, so nobody types a name, place or household twice.

use crate::access::AccountRole;
use crate::domain::docs::{self, Record};
use crate::domain::records::*;
use crate::model::{labelled_enum, BranchKind, Person, Registry, Role, Visit, VisitKind};
use crate::msg::Msg;
use crate::validate::{validate_visit, FieldError, VisitDraft, MAX_NOTE_CHARS};
use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

labelled_enum!(
    /// The kinds of record made on a phone, in the order a home page offers them.
    FormKind {
        Visit => "到点记录",
        Point => "领导联点",
        Cultivation => "培养人才",
        Pair => "支部联建",
        Plan => "三个方案",
        Activity => "三个活动",
        Deed => "三件实事",
        Target => "帮扶对象",
        Help => "帮扶记录",
        Training => "双向培养",
        CommitteePlan => "党（工）委方案",
    }
);

/// Runs `$body` with `$R` bound to the record type of form kind `$kind`: the one place
/// that pairs form kinds with record types, for the operations that are the same
/// generic call for every kind (its map, withdraw, restore).
macro_rules! with_record_type {
    ($kind:expr, $R:ident => $body:expr) => {
        match $kind {
            FormKind::Visit => {
                type $R = Visit;
                $body
            }
            FormKind::Point => {
                type $R = LeaderPoint;
                $body
            }
            FormKind::Cultivation => {
                type $R = Cultivation;
                $body
            }
            FormKind::Pair => {
                type $R = BranchPair;
                $body
            }
            FormKind::Plan => {
                type $R = Plan;
                $body
            }
            FormKind::Activity => {
                type $R = Activity;
                $body
            }
            FormKind::Deed => {
                type $R = Deed;
                $body
            }
            FormKind::Target => {
                type $R = HelpTarget;
                $body
            }
            FormKind::Help => {
                type $R = HelpRecord;
                $body
            }
            FormKind::Training => {
                type $R = Training;
                $body
            }
            FormKind::CommitteePlan => {
                type $R = CommitteePlan;
                $body
            }
        }
    };
}

/// Runs `$body` with `$r` bound to the record inside an [`Entry`], for the accessors
/// that read the same way from every kind ([`Record`]'s `id`, `withdrawn`…).
macro_rules! on_entry {
    ($entry:expr, $r:ident => $body:expr) => {
        match $entry {
            Entry::Visit($r) => $body,
            Entry::Point($r) => $body,
            Entry::Cultivation($r) => $body,
            Entry::Pair($r) => $body,
            Entry::Plan($r) => $body,
            Entry::Activity($r) => $body,
            Entry::Deed($r) => $body,
            Entry::Target($r) => $body,
            Entry::Help($r) => $body,
            Entry::Training($r) => $body,
        }
    };
}

impl FormKind {
    /// The prefix of the form's element ids (`visit-date`, `help-income`…).
    pub fn slug(self) -> &'static str {
        match self {
            FormKind::Visit => "visit",
            FormKind::Point => "point",
            FormKind::Cultivation => "cultivation",
            FormKind::Pair => "pair",
            FormKind::Plan => "plan",
            FormKind::Activity => "activity",
            FormKind::Deed => "deed",
            FormKind::Target => "target",
            FormKind::Help => "help",
            FormKind::Training => "training",
            FormKind::CommitteePlan => "committee-plan",
        }
    }

    /// The map of its document holding records of this kind (`visits`, `help`…).
    pub fn map(self) -> &'static str {
        with_record_type!(self, R => R::MAP)
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.slug() == slug)
    }

    /// What the save button says.
    pub fn action(self) -> &'static str {
        match self {
            FormKind::Visit => "记一次到点",
            FormKind::Point => "确定联系点",
            FormKind::Cultivation => "记培养的人才",
            FormKind::Pair => "确定结对支部",
            FormKind::Plan => "记方案进度",
            FormKind::Activity => "记一次活动",
            FormKind::Deed => "记一件实事",
            FormKind::Target => "确定帮扶对象",
            FormKind::Help => "记一次帮扶",
            FormKind::Training => "记双向培养",
            FormKind::CommitteePlan => "记党（工）委方案",
        }
    }
}

/// The forms a person's role makes: a leader keeps 领导联点; every member of an office
/// branch keeps 党员联帮; the secretary also keeps the branch's 支部联建.
pub fn forms_for(role: Role) -> &'static [FormKind] {
    use FormKind::*;
    match role {
        Role::Leader => &[Visit, Point, Cultivation],
        Role::Member => &[Help, Target, Visit, Training],
        Role::Secretary => &[Help, Target, Visit, Training, Pair, Plan, Activity, Deed],
    }
}

/// The forms of an account's role: a field role's are [`forms_for`] its place in the
/// registry; 党（工）委 staff keep their committee's own plans (in `committee/<id>`); the
/// county's accounts record nothing on a phone.
pub fn forms_for_account(role: AccountRole) -> &'static [FormKind] {
    match role {
        AccountRole::Member => forms_for(Role::Member),
        AccountRole::Leader => forms_for(Role::Leader),
        AccountRole::Secretary => forms_for(Role::Secretary),
        AccountRole::CommitteeStaff => &[FormKind::CommitteePlan],
        AccountRole::OfficeStaff | AccountRole::Admin => &[],
    }
}

/// The form that unblocks a blocked form (issue 14: every empty state links to the form
/// that resolves it): a help record needs a household first.
pub fn unblocking_form(kind: FormKind) -> Option<FormKind> {
    match kind {
        FormKind::Help => Some(FormKind::Target),
        _ => None,
    }
}

/// The form that resolves a finding (its next step); `None` when it is a record to
/// check rather than one to add (需核实: the entry list shows the records with 修改).
pub fn form_for_finding(rule: crate::domain::rules::RuleCode) -> Option<FormKind> {
    use crate::domain::rules::RuleCode as R;
    match rule {
        R::PlaceWithoutPoint | R::LeaderPoints | R::PointRepeated => Some(FormKind::Point),
        R::PlaceWithoutPair | R::BranchPairs | R::PairRepeated => Some(FormKind::Pair),
        R::MemberWithoutTarget | R::TargetRepeated => Some(FormKind::Target),
        R::LeaderVisits => Some(FormKind::Visit),
        R::BranchPlan => Some(FormKind::Plan),
        R::BranchDeed => Some(FormKind::Deed),
        R::LeaderCultivation => Some(FormKind::Cultivation),
        R::TargetProject | R::TargetSkill | R::TargetIncome | R::TargetIncomeUnknown => {
            Some(FormKind::Help)
        }
        R::FilingLate | R::FilingMissing | R::QuarterlyInspection => None,
        R::DateToVerify | R::IncomeToVerify | R::VisitToVerify => None,
    }
}

/// One choice of a select; `group` puts it under a heading (the township, the committee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub group: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Date,
    Year,
    Text {
        placeholder: &'static str,
    },
    LongText {
        placeholder: &'static str,
    },
    /// A whole number; `unit` is shown beside the box.
    Number {
        unit: &'static str,
    },
    /// A select; with `optional`, an empty first choice reads "（无）".
    Choice {
        choices: Vec<Choice>,
        optional: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    /// Filled in before the user touches anything.
    pub default: String,
    /// Shown only while another field has one of these values (e.g. the income of an
    /// income record).
    pub shown_when: Option<(&'static str, &'static [&'static str])>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    /// Why the form cannot be used yet (e.g. a help record before any household), shown
    /// instead of the fields.
    pub blocked: Option<String>,
}

/// What a form is filled against: who, their branch's records, today.
pub struct FormContext<'a> {
    pub registry: &'a Registry,
    pub me: &'a Person,
    /// The records of the person's branch document, as the phone holds them.
    pub records: &'a BranchRecords,
    pub today: NaiveDate,
    /// The place the person last recorded, the likeliest next one.
    pub last_place: Option<&'a str>,
}

/// A validated record, ready to be put into the person's branch document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Visit(Visit),
    Point(LeaderPoint),
    Cultivation(Cultivation),
    Pair(BranchPair),
    Plan(Plan),
    Activity(Activity),
    Deed(Deed),
    Target(HelpTarget),
    Help(HelpRecord),
    Training(Training),
}

impl Entry {
    pub fn kind(&self) -> FormKind {
        match self {
            Entry::Visit(_) => FormKind::Visit,
            Entry::Point(_) => FormKind::Point,
            Entry::Cultivation(_) => FormKind::Cultivation,
            Entry::Pair(_) => FormKind::Pair,
            Entry::Plan(_) => FormKind::Plan,
            Entry::Activity(_) => FormKind::Activity,
            Entry::Deed(_) => FormKind::Deed,
            Entry::Target(_) => FormKind::Target,
            Entry::Help(_) => FormKind::Help,
            Entry::Training(_) => FormKind::Training,
        }
    }

    pub fn id(&self) -> &str {
        on_entry!(self, r => r.id())
    }

    /// Writes the record into a branch document as one change.
    pub fn put(&self, doc: &mut AutoCommit, now_secs: i64) -> Result<(), crate::doc::DocError> {
        match self {
            Entry::Visit(r) => crate::doc::put_visit(doc, r, now_secs),
            Entry::Point(r) => docs::put(doc, r, now_secs),
            Entry::Cultivation(r) => docs::put(doc, r, now_secs),
            Entry::Pair(r) => docs::put(doc, r, now_secs),
            Entry::Plan(r) => docs::put(doc, r, now_secs),
            Entry::Activity(r) => docs::put(doc, r, now_secs),
            Entry::Deed(r) => docs::put(doc, r, now_secs),
            Entry::Target(r) => docs::put(doc, r, now_secs),
            Entry::Help(r) => docs::put(doc, r, now_secs),
            Entry::Training(r) => docs::put(doc, r, now_secs),
        }
    }
}

/// Marks one record of a branch document withdrawn (kept, with its history).
pub fn withdraw(
    doc: &mut AutoCommit,
    kind: FormKind,
    id: &str,
    now_secs: i64,
) -> Result<bool, crate::doc::DocError> {
    with_record_type!(kind, R => docs::withdraw::<R>(doc, id, now_secs))
}

/// Takes a withdrawal back (恢复); the history keeps both.
pub fn restore(
    doc: &mut AutoCommit,
    kind: FormKind,
    id: &str,
    now_secs: i64,
) -> Result<bool, crate::doc::DocError> {
    with_record_type!(kind, R => docs::restore::<R>(doc, id, now_secs))
}

impl Entry {
    /// Writes this edited record over `original` (the record as the editor saw it), only
    /// the fields that differ ([`docs::edit`]). Returns the fields written.
    pub fn edit(
        &self,
        doc: &mut AutoCommit,
        original: &Entry,
        now_secs: i64,
    ) -> Result<Vec<String>, crate::doc::DocError> {
        match (self, original) {
            (Entry::Visit(n), Entry::Visit(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Point(n), Entry::Point(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Cultivation(n), Entry::Cultivation(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Pair(n), Entry::Pair(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Plan(n), Entry::Plan(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Activity(n), Entry::Activity(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Deed(n), Entry::Deed(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Target(n), Entry::Target(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Help(n), Entry::Help(o)) => docs::edit(doc, o, n, now_secs),
            (Entry::Training(n), Entry::Training(o)) => docs::edit(doc, o, n, now_secs),
            _ => Err(crate::doc::DocError::MissingRoot("record")),
        }
    }

    /// The person the record is under (`author`, `leader` or `member`).
    pub fn owner(&self) -> &str {
        match self {
            Entry::Visit(r) => &r.author,
            Entry::Point(r) => &r.leader,
            Entry::Cultivation(r) => &r.leader,
            Entry::Pair(r) => &r.author,
            Entry::Plan(r) => &r.author,
            Entry::Activity(r) => &r.author,
            Entry::Deed(r) => &r.author,
            Entry::Target(r) => &r.member,
            Entry::Help(r) => &r.member,
            Entry::Training(r) => &r.member,
        }
    }

    pub fn withdrawn(&self) -> bool {
        on_entry!(self, r => r.withdrawn())
    }

    fn recorded_at(&self) -> i64 {
        on_entry!(self, r => r.recorded_at)
    }

    /// Keeps what an edit must not change: id, owner, when it was recorded, whether it
    /// is withdrawn (恢复 does that).
    fn keep_identity_of(&mut self, o: &Entry) {
        let (id, owner, at, withdrawn) = (
            o.id().to_string(),
            o.owner().to_string(),
            o.recorded_at(),
            o.withdrawn(),
        );
        macro_rules! keep {
            ($r:expr, $owner:ident) => {{
                $r.id = id;
                $r.$owner = owner;
                $r.recorded_at = at;
                $r.withdrawn = withdrawn;
            }};
        }
        match self {
            Entry::Visit(r) => keep!(r, author),
            Entry::Point(r) => keep!(r, leader),
            Entry::Cultivation(r) => keep!(r, leader),
            Entry::Pair(r) => keep!(r, author),
            Entry::Plan(r) => keep!(r, author),
            Entry::Activity(r) => keep!(r, author),
            Entry::Deed(r) => keep!(r, author),
            Entry::Target(r) => keep!(r, member),
            Entry::Help(r) => keep!(r, member),
            Entry::Training(r) => keep!(r, member),
        }
    }

    /// What its form shows for it: the values [`submit`] reads back into the same record.
    pub fn values(&self) -> BTreeMap<String, String> {
        let mut v = BTreeMap::new();
        let mut set = |k: &str, x: String| {
            v.insert(k.to_string(), x);
        };
        match self {
            Entry::Visit(r) => {
                set("date", r.date.clone());
                set("place", r.place.clone());
                set("kind", r.kind.code().into());
                set("note", r.note.clone());
            }
            Entry::Point(r) => {
                set("year", r.year.to_string());
                set("place", r.place.clone());
                set("note", r.note.clone());
            }
            Entry::Cultivation(r) => {
                set("date", r.date.clone());
                set("place", r.place.clone());
                set("kind", r.kind.code().into());
                set("name", r.name.clone());
                set("note", r.note.clone());
            }
            Entry::Pair(r) => {
                set("year", r.year.to_string());
                set("partner", r.partner.clone());
            }
            Entry::Plan(r) => {
                set("year", r.year.to_string());
                set("kind", r.kind.code().into());
                set("status", r.status.code().into());
                set("date", r.date.clone());
                set("title", r.title.clone());
            }
            Entry::Activity(r) => {
                set("date", r.date.clone());
                set("kind", r.kind.code().into());
                set("partner", r.partner.clone());
                set("note", r.note.clone());
            }
            Entry::Deed(r) => {
                set("date", r.date.clone());
                set("kind", r.kind.code().into());
                set("place", r.place.clone());
                set(
                    "tie_in",
                    r.tie_in.map(|t| t.code().to_string()).unwrap_or_default(),
                );
                set("note", r.note.clone());
            }
            Entry::Target(r) => {
                set("year", r.year.to_string());
                set("name", r.name.clone());
                set("place", r.place.clone());
                set("kind", r.kind.code().into());
                set("labour", r.labour.code().into());
                set("household_size", r.household_size.to_string());
                set("baseline_income", r.baseline_income.to_string());
                set("note", r.note.clone());
            }
            Entry::Help(r) => {
                set("date", r.date.clone());
                set("target", r.target.clone());
                set("kind", r.kind.code().into());
                set("detail", r.detail.clone());
                set(
                    "income",
                    r.income.map(|i| i.to_string()).unwrap_or_default(),
                );
            }
            Entry::Training(r) => {
                set("date", r.date.clone());
                set("direction", r.direction.code().into());
                set("stage", r.stage.code().into());
                set("name", r.name.clone());
                set("place", r.place.clone());
                set("note", r.note.clone());
            }
        }
        v
    }
}

/// The record of a kind and id as the branch document holds it (withdrawn or not).
pub fn entry_of(records: &BranchRecords, kind: FormKind, id: &str) -> Option<Entry> {
    Some(match kind {
        FormKind::Visit => Entry::Visit(records.visits.get(id)?.clone()),
        FormKind::Point => Entry::Point(records.points.get(id)?.clone()),
        FormKind::Cultivation => Entry::Cultivation(records.cultivations.get(id)?.clone()),
        FormKind::Pair => Entry::Pair(records.pairs.get(id)?.clone()),
        FormKind::Plan => Entry::Plan(records.plans.get(id)?.clone()),
        FormKind::Activity => Entry::Activity(records.activities.get(id)?.clone()),
        FormKind::Deed => Entry::Deed(records.deeds.get(id)?.clone()),
        FormKind::Target => Entry::Target(records.targets.get(id)?.clone()),
        FormKind::Help => Entry::Help(records.help.get(id)?.clone()),
        FormKind::Training => Entry::Training(records.trainings.get(id)?.clone()),
        FormKind::CommitteePlan => return None,
    })
}

/// Checks an edit of `original` typed into its form, with the very rules of a new
/// record ([`submit`]), judged as its owner would be (a secretary correcting a member's
/// household is held to that member's households). The record keeps its id, owner,
/// recording time and withdrawal; [`Entry::edit`] then writes only what changed.
pub fn submit_edit(
    values: &BTreeMap<String, String>,
    ctx: &FormContext,
    original: &Entry,
) -> Result<Entry, Vec<FieldError>> {
    let owner = ctx
        .registry
        .person(original.owner())
        .filter(|p| p.branch == ctx.me.branch)
        .unwrap_or(ctx.me);
    let as_owner = FormContext {
        registry: ctx.registry,
        me: owner,
        records: ctx.records,
        today: ctx.today,
        last_place: ctx.last_place,
    };
    // A secretary may correct the branch's records whatever the owner's own forms are.
    let judge = if forms_for(owner.role).contains(&original.kind()) {
        &as_owner
    } else {
        ctx
    };
    let mut entry = submit(
        original.kind(),
        values,
        judge,
        original.id().to_string(),
        original.recorded_at(),
    )?;
    entry.keep_identity_of(original);
    Ok(entry)
}

// ---------------------------------------------------------------- describing forms

fn enum_choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).to_string(),
            label: label(*v).to_string(),
            group: String::new(),
        })
        .collect()
}

macro_rules! choices_of {
    ($t:ty) => {
        enum_choices(<$t>::ALL, <$t>::code, <$t>::label)
    };
}

fn place_choices(r: &Registry) -> Vec<Choice> {
    let mut out: Vec<Choice> = r
        .places
        .values()
        .map(|p| Choice {
            value: p.id.clone(),
            label: p.name.clone(),
            group: r
                .committees
                .get(&p.township)
                .map_or_else(|| p.township.clone(), |c| c.name.clone()),
        })
        .collect();
    // Grouped by township so a select shows each township once.
    out.sort_by(|a, b| (&a.group, &a.value).cmp(&(&b.group, &b.value)));
    out
}

/// Village, community and enterprise branches: the partners of 支部联建.
fn partner_choices(r: &Registry) -> Vec<Choice> {
    let mut out: Vec<Choice> = r
        .branches
        .values()
        .filter(|b| {
            matches!(
                b.kind,
                BranchKind::Village | BranchKind::Community | BranchKind::Enterprise
            )
        })
        .map(|b| Choice {
            value: b.id.clone(),
            label: b.name.clone(),
            group: r
                .committees
                .get(&b.committee)
                .map_or_else(|| b.committee.clone(), |c| c.name.clone()),
        })
        .collect();
    out.sort_by(|a, b| (&a.group, &a.value).cmp(&(&b.group, &b.value)));
    out
}

impl FormContext<'_> {
    fn year(&self) -> i32 {
        self.today.year()
    }

    fn my_point(&self) -> Option<&str> {
        let mut pts: Vec<&LeaderPoint> = self
            .records
            .points
            .values()
            .filter(|p| !p.withdrawn && p.leader == self.me.id && p.year == self.year())
            .collect();
        pts.sort_by_key(|p| p.recorded_at);
        pts.last().map(|p| p.place.as_str())
    }

    fn my_targets(&self) -> Vec<&HelpTarget> {
        let mut ts: Vec<&HelpTarget> = self
            .records
            .targets
            .values()
            .filter(|t| !t.withdrawn && t.member == self.me.id && t.year == self.year())
            .collect();
        ts.sort_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)));
        ts
    }

    fn my_pair(&self) -> Option<&str> {
        self.records
            .pairs
            .values()
            .filter(|p| !p.withdrawn && p.year == self.year())
            .max_by_key(|p| p.recorded_at)
            .map(|p| p.partner.as_str())
    }

    /// The place a new record most likely concerns.
    fn likely_place(&self) -> String {
        let known = |p: &&str| self.registry.places.contains_key(*p);
        self.last_place
            .filter(known)
            .or_else(|| self.my_point().filter(known))
            .or_else(|| {
                self.my_targets()
                    .first()
                    .map(|t| t.place.as_str())
                    .filter(known)
            })
            .or_else(|| self.registry.places.keys().next().map(String::as_str))
            .unwrap_or_default()
            .to_string()
    }
}

fn field(
    name: &'static str,
    label: &'static str,
    input: Input,
    default: impl Into<String>,
) -> Field {
    Field {
        name,
        label,
        input,
        default: default.into(),
        shown_when: None,
    }
}

fn date_field(ctx: &FormContext, label: &'static str) -> Field {
    field(
        "date",
        label,
        Input::Date,
        ctx.today.format("%Y-%m-%d").to_string(),
    )
}

fn choice(choices: Vec<Choice>, default: impl Into<String>) -> (Input, String) {
    (
        Input::Choice {
            choices,
            optional: false,
        },
        default.into(),
    )
}

fn select(
    name: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
    default: impl Into<String>,
) -> Field {
    let (input, default) = choice(choices, default);
    field(name, label, input, default)
}

fn long(name: &'static str, label: &'static str, placeholder: &'static str) -> Field {
    field(name, label, Input::LongText { placeholder }, "")
}

/// The form of a kind, with its choices and defaults for this person.
pub fn form(kind: FormKind, ctx: &FormContext) -> Form {
    let year = ctx.year().to_string();
    let places = || place_choices(ctx.registry);
    let mut blocked = None;
    let fields = match kind {
        FormKind::Visit => {
            let default_kind = if ctx.me.role == Role::Leader {
                VisitKind::BuildTeam
            } else {
                VisitKind::Help
            };
            vec![
                date_field(ctx, "日期"),
                select("place", "联系点", places(), ctx.likely_place()),
                select(
                    "kind",
                    "工作内容",
                    choices_of!(VisitKind),
                    default_kind.code(),
                ),
                long(
                    "note",
                    "了解的情况和所做的工作",
                    "例：到村查看茶园，协调解决灌溉用水问题",
                ),
            ]
        }
        FormKind::Point => vec![
            field("year", "年度", Input::Year, year),
            select(
                "place",
                "联系点（村、社区或企业）",
                places(),
                ctx.likely_place(),
            ),
            long("note", "联点说明", "例：联系该村，重点抓茶叶产业和班子建设"),
        ],
        FormKind::Cultivation => vec![
            date_field(ctx, "日期"),
            select("place", "联系点", places(), ctx.likely_place()),
            select(
                "kind",
                "培养类别",
                choices_of!(CultivationKind),
                CultivationKind::Grower.code(),
            ),
            field(
                "name",
                "培养对象姓名",
                Input::Text {
                    placeholder: "例：王某某",
                },
                "",
            ),
            long(
                "note",
                "培养情况",
                "例：帮助其建成 50 亩茶园，带动 8 户增收",
            ),
        ],
        FormKind::Pair => vec![
            field("year", "年度", Input::Year, year),
            select(
                "partner",
                "结对的村（社区、企业）支部",
                partner_choices(ctx.registry),
                ctx.my_pair().unwrap_or_default(),
            ),
        ],
        FormKind::Plan => vec![
            field("year", "年度", Input::Year, year),
            select(
                "kind",
                "方案",
                choices_of!(PlanKind),
                PlanKind::Economic.code(),
            ),
            select(
                "status",
                "进度",
                choices_of!(PlanStatus),
                PlanStatus::Adopted.code(),
            ),
            date_field(ctx, "日期"),
            field(
                "title",
                "标题（可不填）",
                Input::Text {
                    placeholder: "不填则为“年度 + 方案名”",
                },
                "",
            ),
        ],
        FormKind::Activity => {
            let mut partners = partner_choices(ctx.registry);
            partners.retain(|c| !c.value.is_empty());
            vec![
                date_field(ctx, "日期"),
                select(
                    "kind",
                    "活动",
                    choices_of!(ActivityKind),
                    ActivityKind::FiveSend.code(),
                ),
                select(
                    "partner",
                    "共建对象",
                    partners,
                    ctx.my_pair().unwrap_or_default(),
                ),
                long(
                    "note",
                    "活动内容",
                    "例：为村里送去种苗 2000 株，开展技术培训 1 场",
                ),
            ]
        }
        FormKind::Deed => vec![
            date_field(ctx, "日期"),
            select(
                "kind",
                "实事",
                choices_of!(DeedKind),
                DeedKind::Difficulty.code(),
            ),
            select("place", "地点", places(), ctx.likely_place()),
            Field {
                input: Input::Choice {
                    choices: choices_of!(TieIn),
                    optional: true,
                },
                ..field("tie_in", "结合（五个结合，可不选）", Input::Date, "")
            },
            long(
                "note",
                "办了什么、结果如何",
                "例：协调资金 3 万元修通组级公路 1.2 公里",
            ),
        ],
        FormKind::Target => vec![
            field("year", "年度", Input::Year, year),
            field(
                "name",
                "户主姓名",
                Input::Text {
                    placeholder: "例：王某某",
                },
                "",
            ),
            select("place", "所在村（社区）", places(), ctx.likely_place()),
            select(
                "kind",
                "对象类别",
                choices_of!(TargetKind),
                TargetKind::PoorResident.code(),
            ),
            select(
                "labour",
                "劳动能力",
                choices_of!(Labour),
                Labour::Able.code(),
            ),
            field(
                "household_size",
                "家庭人口",
                Input::Number { unit: "人" },
                "",
            ),
            field(
                "baseline_income",
                "年初人均纯收入",
                Input::Number { unit: "元" },
                "",
            ),
            long(
                "note",
                "基本情况和存在的问题",
                "例：缺技术、缺资金，有发展养殖的意愿",
            ),
        ],
        FormKind::Help => {
            let targets = ctx.my_targets();
            if targets.is_empty() {
                blocked = Some("请先确定帮扶对象，再记帮扶".to_string());
            }
            let choices = targets
                .iter()
                .map(|t| Choice {
                    value: t.id.clone(),
                    label: format!("{}（{}）", t.name, ctx.registry.place_name(&t.place)),
                    group: String::new(),
                })
                .collect::<Vec<_>>();
            let first = choices.first().map(|c| c.value.clone()).unwrap_or_default();
            vec![
                date_field(ctx, "日期"),
                select("target", "帮扶对象", choices, first),
                select(
                    "kind",
                    "帮扶内容",
                    choices_of!(HelpKind),
                    HelpKind::Support.code(),
                ),
                long("detail", "具体情况", "例：选定发展生猪养殖，购仔猪 5 头"),
                Field {
                    shown_when: Some(("kind", &["Income"])),
                    ..field(
                        "income",
                        "核定的人均纯收入",
                        Input::Number { unit: "元" },
                        "",
                    )
                },
            ]
        }
        FormKind::Training => vec![
            date_field(ctx, "日期"),
            select(
                "direction",
                "培养方向",
                choices_of!(TrainingDirection),
                TrainingDirection::MemberToEarner.code(),
            ),
            select(
                "stage",
                "进度",
                choices_of!(TrainingStage),
                TrainingStage::Chosen.code(),
            ),
            field(
                "name",
                "培养对象姓名",
                Input::Text {
                    placeholder: "例：王某某",
                },
                "",
            ),
            select("place", "所在村（社区）", places(), ctx.likely_place()),
            long("note", "培养情况", "例：参加养殖技术培训，已带动 2 户"),
        ],
        FormKind::CommitteePlan => committee_fields(ctx.today),
    };
    Form {
        kind,
        fields,
        blocked,
    }
}

/// The form of a 党（工）委's own plans; its staff are no person of a branch, so it needs
/// only the day.
pub fn committee_form(today: NaiveDate) -> Form {
    Form {
        kind: FormKind::CommitteePlan,
        fields: committee_fields(today),
        blocked: None,
    }
}

fn committee_fields(today: NaiveDate) -> Vec<Field> {
    vec![
        field("year", "年度", Input::Year, today.year().to_string()),
        select(
            "kind",
            "方案",
            choices_of!(CommitteePlanKind),
            CommitteePlanKind::Activity.code(),
        ),
        select(
            "status",
            "进度",
            choices_of!(PlanStatus),
            PlanStatus::Adopted.code(),
        ),
        field(
            "date",
            "日期",
            Input::Date,
            today.format("%Y-%m-%d").to_string(),
        ),
        field(
            "title",
            "标题（可不填）",
            Input::Text {
                placeholder: "不填则为“年度 + 方案名”",
            },
            "",
        ),
        long(
            "content",
            "内容",
            "例：分领导干部、机关支部、党员三个层次细化任务",
        ),
    ]
}

/// Checks a 党（工）委 plan typed by `me`, staff of `committee`. One plan of each kind a
/// year: a later status is the same record (id `<year>-<kind>`), so two staff members'
/// phones converge on it.
pub fn submit_committee_plan(
    values: &BTreeMap<String, String>,
    me: &str,
    today: NaiveDate,
    recorded_at: i64,
) -> Result<CommitteePlan, Vec<FieldError>> {
    let mut c = Check {
        values,
        errors: Vec::new(),
        today,
    };
    let year = c.year("year");
    let pkind = c.code("kind", CommitteePlanKind::from_code, "方案");
    let status = c.code("status", PlanStatus::from_code, "进度");
    let date = c.date("date", "日期");
    let title = c.text("title", "标题", MAX_TITLE_CHARS, false);
    let content = c.text("content", "内容", MAX_NOTE_CHARS, false);
    let plan = (|| {
        let (year, pkind) = (year?, pkind?);
        let title = title.filter(|t| !t.is_empty());
        Some(CommitteePlan {
            id: format!("{year}-{}", pkind.code()),
            year,
            kind: pkind,
            status: status?,
            date: date?,
            title: title.unwrap_or_else(|| format!("{year}年度{}", pkind.label())),
            content: content?,
            author: me.to_string(),
            recorded_at,
            withdrawn: false,
        })
    })();
    match plan {
        Some(p) if c.errors.is_empty() => Ok(p),
        _ => {
            if c.errors.is_empty() {
                c.errors.push(err("form", Msg::FormInvalid));
            }
            Err(c.errors)
        }
    }
}

// ---------------------------------------------------------------- validating forms

/// Longest name accepted, in characters (Chinese names are 2–4; some minorities' longer).
pub const MAX_NAME_CHARS: usize = 20;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_HOUSEHOLD: i64 = 30;
/// Per-capita yearly income above this is certainly a typing error (元).
pub const MAX_INCOME: i64 = 10_000_000;

struct Check<'a> {
    values: &'a BTreeMap<String, String>,
    errors: Vec<FieldError>,
    today: NaiveDate,
}

fn err(field: &'static str, msg: Msg) -> FieldError {
    FieldError { field, msg }
}

impl Check<'_> {
    fn raw(&self, name: &str) -> &str {
        self.values.get(name).map_or("", |s| s.trim())
    }

    fn fail<T>(&mut self, field: &'static str, msg: Msg) -> Option<T> {
        self.errors.push(err(field, msg));
        None
    }

    /// A day, not after today and not before last year.
    fn date(&mut self, name: &'static str, what: &str) -> Option<String> {
        match NaiveDate::parse_from_str(self.raw(name), "%Y-%m-%d") {
            Ok(d) if d > self.today => self.fail(name, Msg::DateAfterToday { what: what.into() }),
            Ok(d) if d.year() < self.today.year() - 1 => {
                self.fail(name, Msg::DateBeforeLastYear { what: what.into() })
            }
            Ok(d) => Some(d.format("%Y-%m-%d").to_string()),
            Err(_) => self.fail(name, Msg::DateRequired { what: what.into() }),
        }
    }

    /// A year of the links: last, this or next year (links are set up ahead).
    fn year(&mut self, name: &'static str) -> Option<i32> {
        let this = self.today.year();
        match self.raw(name).parse::<i32>() {
            Ok(y) if (this - 1..=this + 1).contains(&y) => Some(y),
            _ => self.fail(
                name,
                Msg::YearOutOfRange {
                    from: this - 1,
                    to: this + 1,
                },
            ),
        }
    }

    fn code<T>(
        &mut self,
        name: &'static str,
        parse: fn(&str) -> Option<T>,
        what: &str,
    ) -> Option<T> {
        match parse(self.raw(name)) {
            Some(v) => Some(v),
            None => self.fail(name, Msg::Choose { what: what.into() }),
        }
    }

    fn one_of(&mut self, name: &'static str, ok: bool, what: &str) -> Option<String> {
        if ok {
            Some(self.raw(name).to_string())
        } else {
            self.fail(name, Msg::Choose { what: what.into() })
        }
    }

    fn text(
        &mut self,
        name: &'static str,
        what: &str,
        max: usize,
        required: bool,
    ) -> Option<String> {
        let s = self.raw(name).to_string();
        let n = s.chars().count();
        if required && n == 0 {
            self.fail(name, Msg::Required { what: what.into() })
        } else if n > max {
            self.fail(
                name,
                Msg::TooLong {
                    what: what.into(),
                    max,
                },
            )
        } else {
            Some(s)
        }
    }

    /// A whole number in `min..=max`; commas and a trailing 元/人 are forgiven because
    /// people type them.
    fn number(&mut self, name: &'static str, what: &str, min: i64, max: i64) -> Option<i64> {
        let cleaned: String = self
            .raw(name)
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' ' | '元' | '人'))
            .collect();
        if cleaned.is_empty() {
            return self.fail(name, Msg::Required { what: what.into() });
        }
        match cleaned.parse::<i64>() {
            Ok(n) if n < min => self.fail(
                name,
                Msg::BelowMin {
                    what: what.into(),
                    min,
                },
            ),
            Ok(n) if n > max => self.fail(
                name,
                Msg::AboveMax {
                    what: what.into(),
                    max,
                },
            ),
            Ok(n) => Some(n),
            Err(_) => self.fail(
                name,
                Msg::NotWholeNumber {
                    what: what.into(),
                    min,
                },
            ),
        }
    }
}

/// Checks what was typed into a form; on success returns the record, made with the
/// given id and time and attributed to `ctx.me`.
pub fn submit(
    kind: FormKind,
    values: &BTreeMap<String, String>,
    ctx: &FormContext,
    id: String,
    recorded_at: i64,
) -> Result<Entry, Vec<FieldError>> {
    let r = ctx.registry;
    let me = ctx.me.id.clone();
    if kind == FormKind::Visit {
        let get = |k: &str| values.get(k).cloned().unwrap_or_default();
        let draft = VisitDraft {
            date: get("date"),
            place: get("place"),
            kind: get("kind"),
            note: get("note"),
        };
        return validate_visit(&draft, r, ctx.today, id, me, recorded_at).map(Entry::Visit);
    }
    if !forms_for(ctx.me.role).contains(&kind) {
        return Err(vec![err(
            "form",
            Msg::RoleCannotRecord {
                role: ctx.me.role.label().into(),
                form: kind.label().into(),
            },
        )]);
    }
    let mut c = Check {
        values,
        errors: Vec::new(),
        today: ctx.today,
    };
    let place_ok = r.places.contains_key(c.raw("place"));
    let entry = match kind {
        FormKind::Visit => unreachable!("handled above"),
        // No field role has it (`forms_for` above); [`submit_committee_plan`] takes it.
        FormKind::CommitteePlan => c.fail("form", Msg::CommitteePlansByCommitteeStaff),
        FormKind::Point => {
            let year = c.year("year");
            let place = c.one_of("place", place_ok, "联系点（村、社区或企业）");
            let note = c.text("note", "联点说明", MAX_NOTE_CHARS, false);
            (|| {
                Some(Entry::Point(LeaderPoint {
                    id,
                    year: year?,
                    leader: me,
                    place: place?,
                    note: note?,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Cultivation => {
            let date = c.date("date", "日期");
            let place = c.one_of("place", place_ok, "联系点");
            let ckind = c.code("kind", CultivationKind::from_code, "培养类别");
            let name = c.text("name", "培养对象姓名", MAX_NAME_CHARS, true);
            let note = c.text("note", "培养情况", MAX_NOTE_CHARS, false);
            (|| {
                Some(Entry::Cultivation(Cultivation {
                    id,
                    date: date?,
                    leader: me,
                    place: place?,
                    kind: ckind?,
                    name: name?,
                    note: note?,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Pair => {
            let year = c.year("year");
            let ok = partner_choices(r)
                .iter()
                .any(|p| p.value == c.raw("partner"));
            let partner = c.one_of("partner", ok, "结对的村（社区、企业）支部");
            (|| {
                Some(Entry::Pair(BranchPair {
                    id,
                    year: year?,
                    branch: ctx.me.branch.clone(),
                    partner: partner?,
                    author: me,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Plan => {
            let year = c.year("year");
            let pkind = c.code("kind", PlanKind::from_code, "方案");
            let status = c.code("status", PlanStatus::from_code, "进度");
            let date = c.date("date", "日期");
            let title = c.text("title", "标题", MAX_TITLE_CHARS, false);
            (|| {
                let (year, pkind) = (year?, pkind?);
                let title = title.filter(|t| !t.is_empty());
                Some(Entry::Plan(Plan {
                    // One plan of each kind a year: a later status is the same record, so
                    // two secretaries' phones converge on it instead of listing two plans.
                    id: format!("{year}-{}", pkind.code()),
                    year,
                    kind: pkind,
                    status: status?,
                    date: date?,
                    title: title.unwrap_or_else(|| format!("{year}年度{}", pkind.label())),
                    author: me,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Activity => {
            let date = c.date("date", "活动日期");
            let akind = c.code("kind", ActivityKind::from_code, "活动");
            let ok = r.branches.contains_key(c.raw("partner"));
            let partner = c.one_of("partner", ok, "共建对象");
            let note = c.text("note", "活动内容", MAX_NOTE_CHARS, true);
            (|| {
                Some(Entry::Activity(Activity {
                    id,
                    date: date?,
                    kind: akind?,
                    partner: partner?,
                    note: note?,
                    author: me,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Deed => {
            let date = c.date("date", "日期");
            let dkind = c.code("kind", DeedKind::from_code, "实事");
            let place = c.one_of("place", place_ok, "地点");
            let tie_in = match c.raw("tie_in") {
                "" => Some(None),
                _ => c.code("tie_in", TieIn::from_code, "五个结合").map(Some),
            };
            let note = c.text("note", "办了什么、结果如何", MAX_NOTE_CHARS, true);
            (|| {
                Some(Entry::Deed(Deed {
                    id,
                    date: date?,
                    kind: dkind?,
                    place: place?,
                    note: note?,
                    tie_in: tie_in?,
                    author: me,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Target => {
            let year = c.year("year");
            let name = c.text("name", "户主姓名", MAX_NAME_CHARS, true);
            let place = c.one_of("place", place_ok, "所在村（社区）");
            let tkind = c.code("kind", TargetKind::from_code, "对象类别");
            let labour = c.code("labour", Labour::from_code, "劳动能力");
            let size = c.number("household_size", "家庭人口", 1, MAX_HOUSEHOLD);
            let income = c.number("baseline_income", "年初人均纯收入", 0, MAX_INCOME);
            let note = c.text("note", "基本情况和存在的问题", MAX_NOTE_CHARS, false);
            (|| {
                Some(Entry::Target(HelpTarget {
                    id,
                    year: year?,
                    member: me,
                    name: name?,
                    place: place?,
                    kind: tkind?,
                    labour: labour?,
                    household_size: u32::try_from(size?).ok()?,
                    baseline_income: income?,
                    note: note?,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Help => {
            let date = c.date("date", "日期");
            let mine = ctx.my_targets();
            let ok = mine.iter().any(|t| t.id == c.raw("target"));
            let target = c.one_of("target", ok, "自己的帮扶对象");
            let hkind = c.code("kind", HelpKind::from_code, "帮扶内容");
            let detail = c.text("detail", "具体情况", MAX_NOTE_CHARS, true);
            let income = if hkind == Some(HelpKind::Income) {
                c.number("income", "核定的人均纯收入", 0, MAX_INCOME)
                    .map(Some)
            } else {
                Some(None)
            };
            (|| {
                Some(Entry::Help(HelpRecord {
                    id,
                    date: date?,
                    member: me,
                    target: target?,
                    kind: hkind?,
                    detail: detail?,
                    income: income?,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
        FormKind::Training => {
            let date = c.date("date", "日期");
            let direction = c.code("direction", TrainingDirection::from_code, "培养方向");
            let stage = c.code("stage", TrainingStage::from_code, "进度");
            let name = c.text("name", "培养对象姓名", MAX_NAME_CHARS, true);
            let place = c.one_of("place", place_ok, "所在村（社区）");
            let note = c.text("note", "培养情况", MAX_NOTE_CHARS, false);
            (|| {
                Some(Entry::Training(Training {
                    id,
                    date: date?,
                    member: me,
                    direction: direction?,
                    stage: stage?,
                    name: name?,
                    place: place?,
                    note: note?,
                    recorded_at,
                    withdrawn: false,
                }))
            })()
        }
    };
    match entry {
        Some(e) if c.errors.is_empty() => Ok(e),
        _ => {
            if c.errors.is_empty() {
                c.errors.push(err("form", Msg::FormInvalid));
            }
            Err(c.errors)
        }
    }
}

// ---------------------------------------------------------------- listing entries

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

/// The county's day (China Standard Time, UTC+8, no daylight saving) of a moment in
/// milliseconds, `YYYY-MM-DD`: the day a household or a link was recorded.
pub fn county_day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A tag that is a label as it is.
fn term(label: &str) -> Msg {
    Msg::Term { term: label.into() }
}

/// The records a person sees as theirs, newest first: what they made, and for a
/// secretary also the branch's own links, plans, activities and deeds.
pub fn entries(records: &BranchRecords, registry: &Registry, me: &Person) -> Vec<EntryLine> {
    let branch_level = me.role == Role::Secretary;
    let mut out = Vec::new();
    let mut push = |kind,
                    id: &str,
                    date: String,
                    tag: Msg,
                    title: String,
                    detail: &str,
                    author: &str,
                    at: i64,
                    withdrawn: bool| {
        out.push(EntryLine {
            kind,
            id: id.to_string(),
            date,
            tag,
            title,
            detail: detail.to_string(),
            author: author.to_string(),
            recorded_at: at,
            withdrawn,
        })
    };
    let place = |p: &str| registry.place_name(p).to_string();
    for v in records.visits.values().filter(|v| v.author == me.id) {
        push(
            FormKind::Visit,
            &v.id,
            v.date.clone(),
            term(v.kind.label()),
            place(&v.place),
            &v.note,
            &v.author,
            v.recorded_at,
            v.withdrawn,
        );
    }
    for p in records.points.values().filter(|p| p.leader == me.id) {
        push(
            FormKind::Point,
            &p.id,
            county_day(p.recorded_at),
            Msg::PointOfYear { year: p.year },
            place(&p.place),
            &p.note,
            &p.leader,
            p.recorded_at,
            p.withdrawn,
        );
    }
    for c in records.cultivations.values().filter(|c| c.leader == me.id) {
        push(
            FormKind::Cultivation,
            &c.id,
            c.date.clone(),
            term(c.kind.label()),
            format!("{}（{}）", c.name, place(&c.place)),
            &c.note,
            &c.leader,
            c.recorded_at,
            c.withdrawn,
        );
    }
    let targets = &records.targets;
    for t in targets.values().filter(|t| t.member == me.id) {
        let detail = format!(
            "{}·{}·{} 人·年初人均 {} 元{}{}",
            t.kind.label(),
            t.labour.label(),
            t.household_size,
            t.baseline_income,
            if t.note.is_empty() { "" } else { "。" },
            t.note
        );
        push(
            FormKind::Target,
            &t.id,
            county_day(t.recorded_at),
            Msg::TargetOfYear { year: t.year },
            format!("{}（{}）", t.name, place(&t.place)),
            &detail,
            &t.member,
            t.recorded_at,
            t.withdrawn,
        );
    }
    for h in records.help.values().filter(|h| h.member == me.id) {
        let who = targets
            .get(&h.target)
            .map_or_else(|| h.target.clone(), |t| t.name.clone());
        let detail = match h.income {
            Some(i) => format!("人均纯收入 {i} 元。{}", h.detail),
            None => h.detail.clone(),
        };
        push(
            FormKind::Help,
            &h.id,
            h.date.clone(),
            term(h.kind.label()),
            who,
            &detail,
            &h.member,
            h.recorded_at,
            h.withdrawn,
        );
    }
    for t in records.trainings.values().filter(|t| t.member == me.id) {
        push(
            FormKind::Training,
            &t.id,
            t.date.clone(),
            term(t.stage.label()),
            format!("{}（{}）", t.name, place(&t.place)),
            &format!("{}。{}", t.direction.label(), t.note),
            &t.member,
            t.recorded_at,
            t.withdrawn,
        );
    }
    let branch_name = |b: &str| {
        registry
            .branches
            .get(b)
            .map_or_else(|| b.to_string(), |b| b.name.clone())
    };
    for p in records
        .pairs
        .values()
        .filter(|p| branch_level || p.author == me.id)
    {
        push(
            FormKind::Pair,
            &p.id,
            county_day(p.recorded_at),
            Msg::PairOfYear { year: p.year },
            branch_name(&p.partner),
            "",
            &p.author,
            p.recorded_at,
            p.withdrawn,
        );
    }
    for p in records
        .plans
        .values()
        .filter(|p| branch_level || p.author == me.id)
    {
        push(
            FormKind::Plan,
            &p.id,
            p.date.clone(),
            term(p.status.label()),
            p.title.clone(),
            p.kind.label(),
            &p.author,
            p.recorded_at,
            p.withdrawn,
        );
    }
    for a in records
        .activities
        .values()
        .filter(|a| branch_level || a.author == me.id)
    {
        push(
            FormKind::Activity,
            &a.id,
            a.date.clone(),
            term(a.kind.label()),
            branch_name(&a.partner),
            &a.note,
            &a.author,
            a.recorded_at,
            a.withdrawn,
        );
    }
    for d in records
        .deeds
        .values()
        .filter(|d| branch_level || d.author == me.id)
    {
        let tie = d
            .tie_in
            .map(|t| format!("（{}）", t.label()))
            .unwrap_or_default();
        push(
            FormKind::Deed,
            &d.id,
            d.date.clone(),
            term(d.kind.label()),
            format!("{}{tie}", place(&d.place)),
            &d.note,
            &d.author,
            d.recorded_at,
            d.withdrawn,
        );
    }
    out.sort_by(|a, b| (&b.date, b.recorded_at, &b.id).cmp(&(&a.date, a.recorded_at, &a.id)));
    out
}

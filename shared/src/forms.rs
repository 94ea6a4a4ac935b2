//! Every form a field user fills in, described as data and validated here.
//!
//! The phone renders a [`Form`] generically and hands the typed values back to
//! [`submit`]; the rules of what is valid (a date not in the future, an income that is a
//! number ≥ 0, a help record for one of *my* households) live here and with each record
//! kind (`crate::records`), sans-IO, so they are tested natively and are the same
//! wherever a record is made. Choices and defaults come from what the phone already
//! holds, so nobody types a name, place or household twice.
//!
//! This module holds what every kind's form is built from — fields, inputs, the context
//! a form is filled against, [`Check`] of what was typed — and dispatches on the kind;
//! each kind's own fields and checks are in its file under `crate::records`.

use crate::access::AccountRole;
use crate::domain::records::*;
use crate::model::{BranchKind, Person, Registry, Role};
use crate::msg::Msg;
use crate::records::{form_of, submit_of, Listing};
use crate::validate::{err, FieldError, MAX_NOTE_CHARS};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

pub use crate::records::{
    county_day, entry_of, restore, withdraw, Entry, EntryLine, FormKind, RecordKind,
};

/// The forms a person's role makes, in the order of their tabs: a leader keeps 领导联点;
/// every member of an office branch keeps 党员联帮; the secretary also keeps the branch's
/// 支部联建 (each kind says where it is offered: `RecordKind::OFFERED`).
pub fn forms_for(role: Role) -> Vec<FormKind> {
    let mut kinds: Vec<(u8, FormKind)> = FormKind::ALL
        .iter()
        .filter_map(|k| k.offered_to(role).map(|at| (at, *k)))
        .collect();
    kinds.sort();
    kinds.into_iter().map(|(_, k)| k).collect()
}

/// The forms of an account's role: a field role's are [`forms_for`] its place in the
/// registry; 党（工）委 staff keep their committee's own plans (in `committee/<id>`); the
/// county's accounts record nothing on a phone.
pub fn forms_for_account(role: AccountRole) -> Vec<FormKind> {
    match role {
        AccountRole::Member => forms_for(Role::Member),
        AccountRole::Leader => forms_for(Role::Leader),
        AccountRole::Secretary => forms_for(Role::Secretary),
        AccountRole::CommitteeStaff => vec![FormKind::CommitteePlan],
        AccountRole::OfficeStaff | AccountRole::Admin => Vec::new(),
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
        R::BranchActivity => Some(FormKind::Activity),
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

pub(crate) fn enum_choices<T: Copy>(
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
        $crate::forms::enum_choices(<$t>::ALL, <$t>::code, <$t>::label)
    };
}
pub(crate) use choices_of;

pub(crate) fn place_choices(r: &Registry) -> Vec<Choice> {
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
pub(crate) fn partner_choices(r: &Registry) -> Vec<Choice> {
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
    /// Every place, grouped by township.
    pub fn places(&self) -> Vec<Choice> {
        place_choices(self.registry)
    }

    /// Village, community and enterprise branches: the partners of 支部联建 and 三个活动.
    pub fn partners(&self) -> Vec<Choice> {
        partner_choices(self.registry)
    }

    pub fn year(&self) -> i32 {
        self.today.year()
    }

    pub fn my_point(&self) -> Option<&str> {
        let mut pts: Vec<&LeaderPoint> = self
            .records
            .points
            .values()
            .filter(|p| !p.withdrawn && p.leader == self.me.id && p.year == self.year())
            .collect();
        pts.sort_by_key(|p| p.recorded_at);
        pts.last().map(|p| p.place.as_str())
    }

    pub fn my_targets(&self) -> Vec<&HelpTarget> {
        let mut ts: Vec<&HelpTarget> = self
            .records
            .targets
            .values()
            .filter(|t| !t.withdrawn && t.member == self.me.id && t.year == self.year())
            .collect();
        ts.sort_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)));
        ts
    }

    pub fn my_pair(&self) -> Option<&str> {
        self.records
            .pairs
            .values()
            .filter(|p| !p.withdrawn && p.year == self.year())
            .max_by_key(|p| p.recorded_at)
            .map(|p| p.partner.as_str())
    }

    /// The place a new record most likely concerns.
    pub fn likely_place(&self) -> String {
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

pub(crate) fn field(
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

pub(crate) fn date_field(ctx: &FormContext, label: &'static str) -> Field {
    field("date", label, Input::Date, crate::day::iso(ctx.today))
}

pub(crate) fn choice(choices: Vec<Choice>, default: impl Into<String>) -> (Input, String) {
    (
        Input::Choice {
            choices,
            optional: false,
        },
        default.into(),
    )
}

pub(crate) fn select(
    name: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
    default: impl Into<String>,
) -> Field {
    let (input, default) = choice(choices, default);
    field(name, label, input, default)
}

pub(crate) fn long(name: &'static str, label: &'static str, placeholder: &'static str) -> Field {
    field(name, label, Input::LongText { placeholder }, "")
}

/// The form of a kind, with its choices and defaults for this person.
pub fn form(kind: FormKind, ctx: &FormContext) -> Form {
    let (fields, blocked) =
        form_of(kind, ctx).unwrap_or_else(|| (committee_fields(ctx.today), None));
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
    let mut fields = crate::records::plan::plan_fields(
        today,
        choices_of!(CommitteePlanKind),
        CommitteePlanKind::Activity.code(),
    );
    fields.push(long(
        "content",
        "内容",
        "例：分领导干部、机关支部、党员三个层次细化任务",
    ));
    fields
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
    // The same fields and checks as a branch's plans, and the plan's content.
    let read = crate::records::plan::read_plan(
        &mut c,
        CommitteePlanKind::from_code,
        CommitteePlanKind::label,
    );
    let content = c.text("content", "内容", MAX_NOTE_CHARS, false);
    let plan = (|| {
        let read = read?;
        Some(CommitteePlan {
            id: format!("{}-{}", read.year, read.kind.code()),
            year: read.year,
            kind: read.kind,
            status: read.status,
            date: read.date,
            title: read.title,
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

/// What was typed into a form, read field by field; every problem found is kept, so a
/// form shows all its errors at once.
pub struct Check<'a> {
    pub values: &'a BTreeMap<String, String>,
    pub errors: Vec<FieldError>,
    pub today: NaiveDate,
}

impl Check<'_> {
    pub fn raw(&self, name: &str) -> &str {
        self.values.get(name).map_or("", |s| s.trim())
    }

    pub fn fail<T>(&mut self, field: &'static str, msg: Msg) -> Option<T> {
        self.errors.push(err(field, msg));
        None
    }

    /// A day, not after today and not before last year.
    pub fn date(&mut self, name: &'static str, what: &str) -> Option<String> {
        match crate::day::parse(self.raw(name)).ok_or(()) {
            Ok(d) if d > self.today => self.fail(name, Msg::DateAfterToday { what: what.into() }),
            Ok(d) if d.year() < self.today.year() - 1 => {
                self.fail(name, Msg::DateBeforeLastYear { what: what.into() })
            }
            Ok(d) => Some(crate::day::iso(d)),
            Err(_) => self.fail(name, Msg::DateRequired { what: what.into() }),
        }
    }

    /// A year of the links: last, this or next year (links are set up ahead).
    pub fn year(&mut self, name: &'static str) -> Option<i32> {
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

    pub fn code<T>(
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

    pub fn one_of(&mut self, name: &'static str, ok: bool, what: &str) -> Option<String> {
        if ok {
            Some(self.raw(name).to_string())
        } else {
            self.fail(name, Msg::Choose { what: what.into() })
        }
    }

    pub fn text(
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
    pub fn number(&mut self, name: &'static str, what: &str, min: i64, max: i64) -> Option<i64> {
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
    if !forms_for(ctx.me.role).contains(&kind) {
        let msg = if kind == FormKind::CommitteePlan {
            // No field role has it; [`submit_committee_plan`] takes it.
            Msg::CommitteePlansByCommitteeStaff
        } else {
            Msg::RoleCannotRecord {
                role: ctx.me.role.label().into(),
                form: kind.label().into(),
            }
        };
        return Err(vec![err("form", msg)]);
    }
    let mut c = Check {
        values,
        errors: Vec::new(),
        today: ctx.today,
    };
    let entry = submit_of(kind, &mut c, ctx, id, recorded_at).flatten();
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

/// The records a person sees as theirs, newest first: what they made, and for a
/// secretary also the branch's own links, plans, activities and deeds.
pub fn entries(records: &BranchRecords, registry: &Registry, me: &Person) -> Vec<EntryLine> {
    let branch_level = me.role == Role::Secretary;
    let listing = Listing { registry, records };
    let mut out = records.lines(&listing, |personal, owner| {
        owner == me.id || (!personal && branch_level)
    });
    out.sort_by(|a, b| (&b.date, b.recorded_at, &b.id).cmp(&(&a.date, a.recorded_at, &a.id)));
    out
}

//! Messages as codes with arguments (issue 16). `shared` says *what* is wrong or still
//! due — a [`Msg`] — and never ships a finished sentence for another layer to parse back:
//! [`Msg::zh`] and [`Msg::en`] render it, each from its own table (one `match`), so
//! rewording the Chinese cannot silently break the English.
//!
//! Arguments are of three sorts: names (people, places, branches, households: the
//! county's own words, never translated), numbers and days, and *terms* — labels that
//! `shared` holds in Chinese (a form field's label, a plan kind, a role). `en` takes the
//! caller's translation of terms, because their English lives with the app's other
//! labels (`frontend/src/i18n.rs`); the server and the office render Chinese only.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// One message: what it says is the variant, its values the fields.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Msg {
    // ---- validation of what was typed (`what` is the field's label, a term)
    /// A day is required, written year-month-day.
    DateRequired {
        what: String,
    },
    DateAfterToday {
        what: String,
    },
    DateBeforeLastYear {
        what: String,
    },
    YearOutOfRange {
        from: i32,
        to: i32,
    },
    Choose {
        what: String,
    },
    Required {
        what: String,
    },
    TooLong {
        what: String,
        max: usize,
    },
    BelowMin {
        what: String,
        min: i64,
    },
    AboveMax {
        what: String,
        max: i64,
    },
    NotWholeNumber {
        what: String,
        min: i64,
    },
    /// A role (term) does not record this kind of form (term).
    RoleCannotRecord {
        role: String,
        form: String,
    },
    CommitteePlansByCommitteeStaff,
    FormInvalid,
    NotInRoster,

    // ---- what a phone lists (entry tags)
    /// A label that is a term as it is (a visit's kind, a plan's status…).
    Term {
        term: String,
    },
    PointOfYear {
        year: i32,
    },
    TargetOfYear {
        year: i32,
    },
    PairOfYear {
        year: i32,
    },

    // ---- findings (`shared::domain::rules`); names as written in the registry
    PlaceWithoutLeader {
        place: String,
    },
    PlaceWithoutPair {
        place: String,
    },
    PointRepeated {
        place: String,
        n: usize,
        leaders: Vec<String>,
    },
    PairRepeated {
        branch: String,
        n: usize,
        branches: Vec<String>,
    },
    TargetRepeated {
        household: String,
        n: usize,
        members: Vec<String>,
    },
    NoPoint {
        leader: String,
    },
    PointsNotOne {
        leader: String,
        n: usize,
        places: Vec<String>,
    },
    NotPaired {
        branch: String,
    },
    PairsNotOne {
        branch: String,
        n: usize,
        partners: Vec<String>,
    },
    NoTarget {
        member: String,
    },
    VisitsDue {
        done: usize,
        need: usize,
    },
    VisitsShort {
        done: usize,
        min: usize,
        short: usize,
    },
    /// `plan` is the plan kind's label (a term).
    PlanMissing {
        branch: String,
        plan: String,
    },
    PlanDraft {
        branch: String,
        plan: String,
    },
    /// `activity` is the activity kind's label (a term); `partners` the paired branches
    /// that call for it.
    ActivityMissing {
        branch: String,
        activity: String,
        partners: Vec<String>,
    },
    /// `deed` is the deed kind's label (a term).
    DeedMissing {
        branch: String,
        deed: String,
    },
    NoCultivation {
        leader: String,
    },
    TargetNoProject {
        household: String,
    },
    TargetNoSkill {
        household: String,
    },
    TargetIncomeUnknown {
        household: String,
    },
    TargetIncomeShort {
        household: String,
        growth: i64,
        goal: i64,
    },
    IncomesContradict {
        household: String,
        year: i32,
        incomes: Vec<i64>,
    },
    /// `day` is `YYYY-MM-DD`.
    VisitsContradict {
        leader: String,
        place: String,
        day: String,
        n: usize,
    },
    /// `filing` is the filing kind's label (a term); days are `YYYY-MM-DD`.
    FilingLate {
        committee: String,
        filing: String,
        on: String,
        due: String,
        late: i64,
    },
    FilingMissing {
        committee: String,
        filing: String,
        due: String,
        over: i64,
    },
    QuarterWithoutInspection {
        quarter: u32,
    },
    /// `record` is the record kind's label (a term); days are `YYYY-MM-DD`.
    DateAhead {
        author: String,
        record: String,
        day: String,
        today: String,
    },
}

fn day(s: &str) -> Option<NaiveDate> {
    crate::day::parse(s)
}

/// 7月10日
fn md_zh(s: &str) -> String {
    day(s).map_or_else(
        || s.to_string(),
        |d| format!("{}月{}日", d.month(), d.day()),
    )
}

/// 10 July
fn md_en(s: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    day(s).map_or_else(
        || s.to_string(),
        |d| format!("{} {}", d.day(), MONTHS[d.month0() as usize]),
    )
}

impl Msg {
    /// The message in Simplified Chinese: the notice's own terms.
    pub fn zh(&self) -> String {
        use Msg::*;
        let list = |names: &[String]| names.join("、");
        match self {
            DateRequired { what } => format!("请填写{what}（年-月-日）"),
            DateAfterToday { what } => format!("{what}不能晚于今天"),
            DateBeforeLastYear { what } => format!("{what}不能早于去年"),
            YearOutOfRange { from, to } => format!("年度须为 {from}–{to} 年"),
            Choose { what } => format!("请选择{what}"),
            Required { what } => format!("请填写{what}"),
            TooLong { what, max } => format!("{what}不能超过 {max} 字"),
            BelowMin { what, min } => format!("{what}须为不小于 {min} 的整数"),
            AboveMax { what, max } => format!("{what}不能超过 {max}"),
            NotWholeNumber { what, min } => format!("{what}须为整数（不小于 {min}）"),
            RoleCannotRecord { role, form } => format!("{role}不能记“{form}”"),
            CommitteePlansByCommitteeStaff => "党（工）委方案由党（工）委工作人员记录".into(),
            FormInvalid => "填写有误，请检查".into(),
            NotInRoster => "名册中没有当前登录的用户，请联系县委组织部".into(),

            Term { term } => term.clone(),
            PointOfYear { year } => format!("{year}年联系点"),
            TargetOfYear { year } => format!("{year}年帮扶对象"),
            PairOfYear { year } => format!("{year}年结对"),

            PlaceWithoutLeader { place } => format!("{place}没有联点领导"),
            PlaceWithoutPair { place } => format!("{place}的支部没有结对的机关、事业支部"),
            PointRepeated { place, n, leaders } => {
                format!("{place}是 {n} 位领导的联系点：{}", list(leaders))
            }
            PairRepeated { branch, n, branches } => {
                format!("{branch}与 {n} 个支部结对：{}", list(branches))
            }
            TargetRepeated { household, n, members } => {
                format!("帮扶对象{household}由 {n} 名党员帮扶：{}", list(members))
            }
            NoPoint { leader } => format!("{leader}尚未确定联系点"),
            PointsNotOne { leader, n, places } => {
                format!("{leader}确定了 {n} 个联系点（应为 1 个）：{}", list(places))
            }
            NotPaired { branch } => format!("{branch}尚未结对"),
            PairsNotOne { branch, n, partners } => {
                format!("{branch}与 {n} 个支部结对（应为 1 个）：{}", list(partners))
            }
            NoTarget { member } => format!("{member}尚未确定帮扶对象"),
            VisitsDue { done, need } => {
                format!("已到点 {done} 次，12月31日前还需到点 {need} 次")
            }
            VisitsShort { done, min, short } => {
                format!("全年到点 {done} 次，少于 {min} 次，差 {short} 次")
            }
            PlanMissing { branch, plan } => format!("{branch}尚未制定{plan}"),
            PlanDraft { branch, plan } => format!("{branch}的{plan}尚在草拟中"),
            ActivityMissing {
                branch,
                activity,
                partners,
            } => format!(
                "{branch}本年尚未开展“{activity}”活动（结对支部：{}）",
                list(partners)
            ),
            DeedMissing { branch, deed } => format!("{branch}本年尚无实事：{deed}"),
            NoCultivation { leader } => {
                format!("{leader}本年尚未帮助联系点培养产业大户、技术骨干或岗位标兵")
            }
            TargetNoProject { household } => format!("帮扶对象{household} 尚未选定发展项目"),
            TargetNoSkill { household } => format!("帮扶对象{household} 尚未掌握实用技术"),
            TargetIncomeUnknown { household } => {
                format!("帮扶对象{household} 本年收入尚未核定")
            }
            TargetIncomeShort {
                household,
                growth,
                goal,
            } => format!("帮扶对象{household} 收入增长 {growth}%，未达 {goal}%"),
            IncomesContradict {
                household,
                year,
                incomes,
            } => {
                let figures = incomes
                    .iter()
                    .map(|i| format!("{i} 元"))
                    .collect::<Vec<_>>()
                    .join("、");
                format!(
                    "帮扶对象{household} {year}年相近日期核定了不同的人均纯收入（{figures}），需核实：请撤回或修改错误的一条"
                )
            }
            VisitsContradict {
                leader,
                place,
                day,
                n,
            } => format!(
                "{leader}{}到{place}有 {n} 条记录，内容不同，需核实：是否同一次到点重复记录，请撤回或修改",
                md_zh(day)
            ),
            FilingLate {
                committee,
                filing,
                on,
                due,
                late,
            } => format!(
                "{committee}的{filing}于{}报送，晚于{}（迟 {late} 天）",
                md_zh(on),
                md_zh(due)
            ),
            FilingMissing {
                committee,
                filing,
                due,
                over,
            } => format!(
                "{committee}的{filing}尚未报送（{}截止，已逾期 {over} 天）",
                md_zh(due)
            ),
            QuarterWithoutInspection { quarter } => {
                const NAMES: [&str; 4] = ["一", "二", "三", "四"];
                let q = NAMES.get(*quarter as usize - 1).copied().unwrap_or("");
                format!("第{q}季度未开展季度检查")
            }
            DateAhead {
                author,
                record,
                day,
                today,
            } => format!(
                "{author}的{record}日期为 {day}，晚于今天（{today}），需核实：手机时间可能不准或输入有误"
            ),
        }
    }

    /// The message in English; `term` gives the English of a label `shared` holds in
    /// Chinese (it may return the Chinese when it has none).
    pub fn en(&self, term: &dyn Fn(&str) -> String) -> String {
        use Msg::*;
        let list = |names: &[String]| names.join(", ");
        let times = |n: &usize| if *n == 1 { "time" } else { "times" };
        match self {
            DateRequired { what } => format!("Enter the {} (year-month-day)", term(what)),
            DateAfterToday { what } => format!("{} cannot be after today", term(what)),
            DateBeforeLastYear { what } => format!("{} cannot be before last year", term(what)),
            YearOutOfRange { from, to } => format!("The year must be {from}–{to}"),
            Choose { what } => format!("Choose {}", term(what)),
            Required { what } => format!("Enter {}", term(what)),
            TooLong { what, max } => {
                format!("{} cannot be longer than {max} characters", term(what))
            }
            BelowMin { what, min } => {
                format!("{} must be a whole number of at least {min}", term(what))
            }
            AboveMax { what, max } => format!("{} cannot be more than {max}", term(what)),
            NotWholeNumber { what, min } => {
                format!("{} must be a whole number (at least {min})", term(what))
            }
            RoleCannotRecord { role, form } => {
                format!("A {} cannot record \"{}\"", term(role), term(form))
            }
            CommitteePlansByCommitteeStaff => {
                "Committee plans are recorded by committee staff".into()
            }
            FormInvalid => "Something is wrong in the form; please check".into(),
            NotInRoster => {
                "You are not in the roster; please contact the county organisation department"
                    .into()
            }

            Term { term: t } => term(t),
            PointOfYear { year } => format!("Contact point {year}"),
            TargetOfYear { year } => format!("Household {year}"),
            PairOfYear { year } => format!("Pairing {year}"),

            PlaceWithoutLeader { place } => format!("{place} has no leader with it as contact point"),
            PlaceWithoutPair { place } => {
                format!("{place}'s branch is paired with no office or institution branch")
            }
            PointRepeated { place, n, leaders } => {
                format!("{place} is the contact point of {n} leaders: {}", list(leaders))
            }
            PairRepeated { branch, n, branches } => {
                format!("{branch} is paired with {n} branches: {}", list(branches))
            }
            TargetRepeated { household, n, members } => {
                format!("Household {household} is helped by {n} members: {}", list(members))
            }
            NoPoint { leader } => format!("{leader} has not set a contact point yet"),
            PointsNotOne { leader, n, places } => {
                format!("{leader} has set {n} contact points (1 is right): {}", list(places))
            }
            NotPaired { branch } => format!("{branch} is not paired yet"),
            PairsNotOne { branch, n, partners } => {
                format!("{branch} is paired with {n} branches (1 is right): {}", list(partners))
            }
            NoTarget { member } => format!("{member} has not set a household to help yet"),
            VisitsDue { done, need } => format!(
                "Visits to the point so far: {done}; {need} more needed by 31 December"
            ),
            VisitsShort { done, min, short } => format!(
                "Visited the point {done} {} this year, fewer than {min}; {short} short",
                times(done)
            ),
            PlanMissing { branch, plan } => format!("{branch} has no {} yet", term(plan)),
            PlanDraft { branch, plan } => {
                format!("{branch}: the {} is still being drafted", term(plan))
            }
            ActivityMissing {
                branch,
                activity,
                partners,
            } => format!(
                "{branch} has held no {} activity this year (paired with {})",
                term(activity),
                list(partners)
            ),
            DeedMissing { branch, deed } => {
                format!("{branch} has no deed this year: {}", term(deed))
            }
            NoCultivation { leader } => format!(
                "{leader} has not helped the contact point cultivate a large grower, skilled worker or model worker this year"
            ),
            TargetNoProject { household } => format!("Household {household}: no project chosen yet"),
            TargetNoSkill { household } => format!("Household {household}: no skill learned yet"),
            TargetIncomeUnknown { household } => {
                format!("Household {household}: income not assessed this year")
            }
            TargetIncomeShort {
                household,
                growth,
                goal,
            } => format!("Household {household}: income up {growth}%, short of {goal}%"),
            IncomesContradict {
                household,
                year,
                incomes,
            } => {
                let figures = incomes
                    .iter()
                    .map(|i| format!("{i} yuan"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "Household {household}: different per-capita incomes certified a few days apart in {year} ({figures}); please check: withdraw or correct the wrong one"
                )
            }
            VisitsContradict {
                leader,
                place,
                day,
                n,
            } => format!(
                "{leader}: {n} different records of a visit to {place} on {}; please check whether one visit was recorded twice, and withdraw or correct it",
                md_en(day)
            ),
            FilingLate {
                committee,
                filing,
                on,
                due,
                late,
            } => format!(
                "{committee}: the {} was filed on {}, after {} ({late} days late)",
                term(filing),
                md_en(on),
                md_en(due)
            ),
            FilingMissing {
                committee,
                filing,
                due,
                over,
            } => format!(
                "{committee}: the {} has not been filed (due {}, {over} days overdue)",
                term(filing),
                md_en(due)
            ),
            QuarterWithoutInspection { quarter } => {
                format!("No quarterly inspection in quarter {quarter}")
            }
            DateAhead {
                author,
                record,
                day,
                today,
            } => format!(
                "{author}: the {} is dated {day}, after today ({today}); please check it (a wrong phone clock or a typing error)",
                term(record)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Chinese is the notice's wording; the English keeps every value and names.
    #[test]
    fn both_languages_carry_the_values() {
        let m = Msg::FilingLate {
            committee: "城关镇党委".into(),
            filing: "活动方案".into(),
            on: "2026-07-12".into(),
            due: "2026-07-10".into(),
            late: 2,
        };
        assert_eq!(
            m.zh(),
            "城关镇党委的活动方案于7月12日报送，晚于7月10日（迟 2 天）"
        );
        let en = m.en(&|t| {
            if t == "活动方案" {
                "activity plan".into()
            } else {
                t.into()
            }
        });
        assert_eq!(
            en,
            "城关镇党委: the activity plan was filed on 12 July, after 10 July (2 days late)"
        );
        let m = Msg::PointsNotOne {
            leader: "王明".into(),
            n: 2,
            places: vec!["茶园村".into(), "双河村".into()],
        };
        assert_eq!(m.zh(), "王明确定了 2 个联系点（应为 1 个）：茶园村、双河村");
        assert_eq!(
            m.en(&|t| t.into()),
            "王明 has set 2 contact points (1 is right): 茶园村, 双河村"
        );
    }

    /// Messages travel to the phone as codes with their values, not as sentences.
    #[test]
    fn a_message_travels_as_its_code() {
        let m = Msg::TooLong {
            what: "到点记录".into(),
            max: 2000,
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"code":"too_long","what":"到点记录","max":2000}"#);
        assert_eq!(serde_json::from_str::<Msg>(&json).unwrap(), m);
    }
}

//! Year rollover (issue 13): from 1 January, last year's links — a leader's contact point
//! (领导联点), a branch's pair (支部联建), a member's help targets (帮扶对象) — are offered
//! to the people who own them as this year's draft, so nobody types them twice.
//!
//! Nothing is carried over by itself: an [`Offer`] is only the values of this year's form,
//! which the owner opens, checks and saves through the ordinary form and its validation
//! ([`crate::forms::submit`]), or declines (「不再继续」, remembered by its [`Offer::key`]).
//! Which offers a person gets is decided here, from what their phone holds (the registry
//! and their branch document), so it works offline and is the same on every phone.

use crate::domain::records::{BranchRecords, HelpKind, HelpTarget};
use crate::forms::{forms_for, FormKind};
use crate::model::{Person, Registry};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// One of last year's links, offered as this year's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// `<year>:<form slug>:<last year's record id>`: stable for a link and a year, so a
    /// declined offer stays declined and next year's offer is asked afresh.
    pub key: String,
    /// The form this year's record is made with.
    pub kind: FormKind,
    /// The year the link was made for (this year − 1).
    pub from_year: i32,
    /// What the link is, as its owner reads it: a place, a partner branch, a household
    /// and its village. Names as the registry has them now (after a rename or 撤并).
    pub summary: String,
    /// The form's values for this year's record, by field name of [`crate::forms::form`].
    pub values: BTreeMap<String, String>,
}

/// The key an offer is declined by.
pub fn offer_key(year: i32, kind: FormKind, from_id: &str) -> String {
    format!("{year}:{}:{from_id}", kind.slug())
}

/// The links of `today`'s previous year that `me` owns and has not yet made for this year
/// nor declined (`declined`: keys of [`Offer::key`]). A link goes on under the place it
/// was merged into (撤并); one whose place or partner was retired is not offered, nor is
/// anything to a retired person. Order: points, the pair, then households by name.
pub fn offers(
    registry: &Registry,
    records: &BranchRecords,
    me: &Person,
    today: NaiveDate,
    declined: &BTreeSet<String>,
) -> Vec<Offer> {
    let year = today.year();
    let last = year - 1;
    if !me.status.is_active() {
        return Vec::new();
    }
    let forms = forms_for(me.role);
    let mut out = Vec::new();
    // A place as it stands now: its successor after a 撤并; none if it was retired.
    let live_place = |id: &str| {
        let now = registry.resolve_place(id);
        registry
            .places
            .get(now)
            .filter(|p| p.status.is_active())
            .map(|p| (p.id.clone(), p.name.clone()))
    };

    if forms.contains(&FormKind::Point) {
        let mine = |y: i32| {
            records
                .points
                .values()
                .filter(move |p| !p.withdrawn && p.leader == me.id && p.year == y)
        };
        // A leader with a point this year has chosen already; offering last year's
        // would only make a second point (which the rules flag).
        if mine(year).next().is_none() {
            let mut by_place: BTreeMap<String, (&crate::domain::records::LeaderPoint, String)> =
                BTreeMap::new();
            for p in mine(last) {
                if let Some((place, name)) = live_place(&p.place) {
                    let keep = by_place
                        .get(&place)
                        .is_none_or(|(q, _)| (q.recorded_at, &q.id) < (p.recorded_at, &p.id));
                    if keep {
                        by_place.insert(place, (p, name));
                    }
                }
            }
            for (place, (p, name)) in by_place {
                out.push(Offer {
                    key: offer_key(year, FormKind::Point, &p.id),
                    kind: FormKind::Point,
                    from_year: last,
                    summary: name,
                    values: values([
                        ("year", year.to_string()),
                        ("place", place),
                        ("note", p.note.clone()),
                    ]),
                });
            }
        }
    }

    if forms.contains(&FormKind::Pair) {
        let ours = |y: i32| {
            records
                .pairs
                .values()
                .filter(move |p| !p.withdrawn && p.branch == me.branch && p.year == y)
        };
        if ours(year).next().is_none() {
            let latest = ours(last)
                .filter(|p| {
                    registry
                        .branches
                        .get(&p.partner)
                        .is_some_and(|b| b.status.is_active())
                })
                .max_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)));
            if let Some(p) = latest {
                out.push(Offer {
                    key: offer_key(year, FormKind::Pair, &p.id),
                    kind: FormKind::Pair,
                    from_year: last,
                    summary: registry.branches[&p.partner].name.clone(),
                    values: values([("year", year.to_string()), ("partner", p.partner.clone())]),
                });
            }
        }
    }

    if forms.contains(&FormKind::Target) {
        let mine = |y: i32| {
            records
                .targets
                .values()
                .filter(move |t| !t.withdrawn && t.member == me.id && t.year == y)
        };
        // A household is the same one again by its head's name and village, as the paper
        // ledger tells them apart.
        let household = |t: &HelpTarget| {
            (
                t.name.trim().to_string(),
                registry.resolve_place(&t.place).to_string(),
            )
        };
        let this_year: BTreeSet<_> = mine(year).map(household).collect();
        let mut seen = BTreeSet::new();
        let mut last_year: Vec<&HelpTarget> = mine(last).collect();
        // The latest survey of a household wins when it was entered twice.
        last_year.sort_by(|a, b| (b.recorded_at, &b.id).cmp(&(a.recorded_at, &a.id)));
        let mut targets = Vec::new();
        for t in last_year {
            let h = household(t);
            if this_year.contains(&h) || !seen.insert(h) {
                continue;
            }
            let Some((place, place_name)) = live_place(&t.place) else {
                continue;
            };
            // The year starts from the income last verified (收入核定), else last year's.
            let income = records
                .help
                .values()
                .filter(|h| {
                    !h.withdrawn
                        && h.target == t.id
                        && h.kind == HelpKind::Income
                        && h.income.is_some()
                })
                .max_by(|a, b| (&a.date, a.recorded_at).cmp(&(&b.date, b.recorded_at)))
                .and_then(|h| h.income)
                .unwrap_or(t.baseline_income);
            targets.push(Offer {
                key: offer_key(year, FormKind::Target, &t.id),
                kind: FormKind::Target,
                from_year: last,
                summary: format!("{}（{place_name}）", t.name.trim()),
                values: values([
                    ("year", year.to_string()),
                    ("name", t.name.trim().to_string()),
                    ("place", place),
                    ("kind", t.kind.code().to_string()),
                    ("labour", t.labour.code().to_string()),
                    ("household_size", t.household_size.to_string()),
                    ("baseline_income", income.to_string()),
                    ("note", t.note.clone()),
                ]),
            });
        }
        targets.sort_by(|a, b| (&a.summary, &a.key).cmp(&(&b.summary, &b.key)));
        out.extend(targets);
    }

    out.retain(|o| !declined.contains(&o.key));
    out
}

fn values<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    crate::records::string_map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::records::*;
    use crate::forms::{form, submit, Entry, FormContext};
    use crate::model::{Branch, BranchKind, Place, PlaceKind, Role, Status};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    fn person(id: &str, name: &str, branch: &str, role: Role) -> Person {
        Person {
            id: id.into(),
            name: name.into(),
            branch: branch.into(),
            role,
            position: String::new(),
            status: Status::Active,
        }
    }

    /// 县财政局机关党支部 (b1) with its leader 李局长, secretary 王书记 and member 张三;
    /// 县农业局机关党支部 (b2) with its secretary; villages 新村村 (v1, branch vb1), 河东村
    /// (v2, branch vb2) and 老村 (v3).
    fn county() -> Registry {
        let mut r = Registry {
            county: "某县".into(),
            ..Registry::default()
        };
        for (id, name, kind, place) in [
            ("b1", "县财政局机关党支部", BranchKind::Office, None),
            ("b2", "县农业局机关党支部", BranchKind::Office, None),
            ("vb1", "新村村党支部", BranchKind::Village, Some("v1")),
            ("vb2", "河东村党支部", BranchKind::Village, Some("v2")),
        ] {
            r.branches.insert(
                id.into(),
                Branch {
                    id: id.into(),
                    name: name.into(),
                    kind,
                    committee: "c1".into(),
                    place: place.map(Into::into),
                    status: Status::Active,
                },
            );
        }
        for (id, name) in [("v1", "新村村"), ("v2", "河东村"), ("v3", "老村")] {
            r.places.insert(
                id.into(),
                Place {
                    id: id.into(),
                    name: name.into(),
                    kind: PlaceKind::Village,
                    township: "t1".into(),
                    status: Status::Active,
                    merged_into: None,
                },
            );
        }
        for p in [
            person("l1", "李局长", "b1", Role::Leader),
            person("s1", "王书记", "b1", Role::Secretary),
            person("m1", "张三", "b1", Role::Member),
            person("s2", "赵书记", "b2", Role::Secretary),
        ] {
            r.people.insert(p.id.clone(), p);
        }
        r
    }

    fn point(id: &str, year: i32, leader: &str, place: &str) -> LeaderPoint {
        LeaderPoint {
            id: id.into(),
            year,
            leader: leader.into(),
            place: place.into(),
            note: "重点抓茶叶产业".into(),
            recorded_at: 1,
            withdrawn: false,
        }
    }

    fn target(id: &str, year: i32, member: &str, name: &str, place: &str) -> HelpTarget {
        HelpTarget {
            id: id.into(),
            year,
            member: member.into(),
            name: name.into(),
            place: place.into(),
            kind: TargetKind::PoorResident,
            labour: Labour::Potential,
            household_size: 4,
            baseline_income: 2800,
            note: "缺技术".into(),
            recorded_at: 1,
            withdrawn: false,
        }
    }

    fn pair(id: &str, year: i32, branch: &str, partner: &str) -> BranchPair {
        BranchPair {
            id: id.into(),
            year,
            branch: branch.into(),
            partner: partner.into(),
            author: "s1".into(),
            recorded_at: 1,
            withdrawn: false,
        }
    }

    /// b1's document at the end of 2026: the leader's point, the pair, 张三's households.
    fn b1_2026() -> BranchRecords {
        let mut r = BranchRecords {
            branch: "b1".into(),
            ..BranchRecords::default()
        };
        r.points
            .insert("pt1".into(), point("pt1", 2026, "l1", "v1"));
        r.pairs.insert("pr1".into(), pair("pr1", 2026, "b1", "vb1"));
        for t in [
            target("t1", 2026, "m1", "王大山", "v1"),
            target("t2", 2026, "m1", "刘小河", "v2"),
        ] {
            r.targets.insert(t.id.clone(), t);
        }
        r
    }

    fn offers_of(registry: &Registry, records: &BranchRecords, who: &str, on: &str) -> Vec<Offer> {
        offers(
            registry,
            records,
            &registry.people[who],
            day(on),
            &BTreeSet::new(),
        )
    }

    /// Saves an offer as its owner would: the form's defaults, the offer on top (as the
    /// phone's draft does), through the form's own validation.
    fn save(
        registry: &Registry,
        records: &mut BranchRecords,
        who: &str,
        on: &str,
        o: &Offer,
    ) -> Entry {
        let me = &registry.people[who];
        let ctx = FormContext {
            registry,
            me,
            records,
            today: day(on),
            last_place: None,
        };
        let mut typed: BTreeMap<String, String> = form(o.kind, &ctx)
            .fields
            .iter()
            .map(|f| (f.name.to_string(), f.default.clone()))
            .collect();
        for (k, v) in &o.values {
            assert!(
                typed.contains_key(k),
                "{k} is a field of the {:?} form",
                o.kind
            );
            typed.insert(k.clone(), v.clone());
        }
        let entry = submit(o.kind, &typed, &ctx, format!("new-{}", o.key), 99)
            .unwrap_or_else(|e| panic!("the offer {o:?} does not validate: {e:?}"));
        match &entry {
            Entry::Point(p) => drop(records.points.insert(p.id.clone(), p.clone())),
            Entry::Pair(p) => drop(records.pairs.insert(p.id.clone(), p.clone())),
            Entry::Target(t) => drop(records.targets.insert(t.id.clone(), t.clone())),
            other => panic!("an offer made {other:?}"),
        }
        entry
    }

    #[test]
    fn issue_13_on_new_years_day_the_leader_is_offered_last_years_point_and_confirms_it() {
        let registry = county();
        let mut records = b1_2026();
        // Still 2026: this year's point is this year's, nothing to offer.
        assert!(offers_of(&registry, &records, "l1", "2026-12-31").is_empty());

        let offered = offers_of(&registry, &records, "l1", "2027-01-01");
        assert_eq!(offered.len(), 1, "{offered:?}");
        let o = &offered[0];
        assert_eq!((o.kind, o.from_year), (FormKind::Point, 2026));
        assert_eq!(o.summary, "新村村");
        assert_eq!(o.values["year"], "2027");
        assert_eq!(o.values["note"], "重点抓茶叶产业");

        // Nothing is carried over until the leader saves it through the form.
        assert!(records.points.values().all(|p| p.year == 2026));
        let Entry::Point(p) = save(&registry, &mut records, "l1", "2027-01-01", o) else {
            unreachable!()
        };
        assert_eq!(
            (p.year, p.place.as_str(), p.leader.as_str()),
            (2027, "v1", "l1")
        );
        assert!(
            offers_of(&registry, &records, "l1", "2027-03-01").is_empty(),
            "once this year's point is saved, the offer is gone"
        );
    }

    #[test]
    fn issue_13_each_link_is_offered_only_to_its_owner() {
        let registry = county();
        let records = b1_2026();
        let kinds = |who| {
            offers_of(&registry, &records, who, "2027-01-02")
                .iter()
                .map(|o| (o.kind, o.summary.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds("l1"), vec![(FormKind::Point, "新村村".to_string())]);
        assert_eq!(
            kinds("s1"),
            vec![(FormKind::Pair, "新村村党支部".to_string())],
            "the secretary keeps the branch's pair, not the member's households"
        );
        assert_eq!(
            kinds("m1"),
            vec![
                (FormKind::Target, "刘小河（河东村）".to_string()),
                (FormKind::Target, "王大山（新村村）".to_string()),
            ]
        );
        // Another branch's secretary, reading b1's records (a moved person's phone may
        // still hold them), is offered nothing of b1's.
        assert!(kinds("s2").is_empty());
    }

    #[test]
    fn issue_13_a_declined_offer_stays_declined_until_next_year() {
        let registry = county();
        let mut records = b1_2026();
        let all = offers_of(&registry, &records, "m1", "2027-01-05");
        let declined: BTreeSet<String> = [all[0].key.clone()].into();
        let left = offers(
            &registry,
            &records,
            &registry.people["m1"],
            day("2027-06-30"),
            &declined,
        );
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].summary, "王大山（新村村）");

        // Next year the household re-entered in 2027 is offered afresh under a new key.
        save(&registry, &mut records, "m1", "2027-01-05", &left[0]);
        let next = offers(
            &registry,
            &records,
            &registry.people["m1"],
            day("2028-01-01"),
            &declined,
        );
        assert_eq!(next.len(), 1, "{next:?}");
        assert_eq!(next[0].summary, "王大山（新村村）");
        assert!(next[0].key.starts_with("2028:target:"));
    }

    #[test]
    fn issue_13_households_go_on_with_the_income_last_verified() {
        let registry = county();
        let mut records = b1_2026();
        for (id, date, income) in [("h1", "2026-06-30", 3500), ("h2", "2026-12-20", 4100)] {
            records.help.insert(
                id.into(),
                HelpRecord {
                    id: id.into(),
                    date: date.into(),
                    member: "m1".into(),
                    target: "t1".into(),
                    kind: HelpKind::Income,
                    detail: "收入核定".into(),
                    income: Some(income),
                    recorded_at: 1,
                    withdrawn: false,
                },
            );
        }
        // A household withdrawn last year (entered by mistake) is not offered.
        let mut gone = target("t3", 2026, "m1", "误录户", "v1");
        gone.withdrawn = true;
        records.targets.insert(gone.id.clone(), gone);
        // One entered twice (two phones) is offered once, as last surveyed.
        let mut again = target("t4", 2026, "m1", "刘小河 ", "v2");
        again.recorded_at = 5;
        again.household_size = 5;
        records.targets.insert(again.id.clone(), again);

        let offered = offers_of(&registry, &records, "m1", "2027-01-03");
        let by_name: BTreeMap<&str, &Offer> = offered
            .iter()
            .map(|o| (o.values["name"].as_str(), o))
            .collect();
        assert_eq!(by_name.len(), 2, "{offered:?}");
        assert_eq!(by_name["王大山"].values["baseline_income"], "4100");
        assert_eq!(by_name["刘小河"].values["household_size"], "5");
        assert_eq!(by_name["刘小河"].values["baseline_income"], "2800");

        // Saving one keeps the other on offer; the saved one is this year's.
        let Entry::Target(t) = save(
            &registry,
            &mut records,
            "m1",
            "2027-01-03",
            by_name["王大山"],
        ) else {
            unreachable!()
        };
        assert_eq!(
            (t.year, t.baseline_income, t.labour),
            (2027, 4100, Labour::Potential)
        );
        let left = offers_of(&registry, &records, "m1", "2027-01-04");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].values["name"], "刘小河");
    }

    #[test]
    fn issue_13_links_follow_the_registry_merges_renames_and_retirements() {
        let mut registry = county();
        let mut records = b1_2026();
        records
            .points
            .insert("pt0".into(), point("pt0", 2026, "l1", "v3"));
        records
            .targets
            .insert("t5".into(), target("t5", 2026, "m1", "陈老汉", "v3"));
        // 老村 was merged (撤并) into 新村村, which was renamed; 河东村 was retired and
        // its branch with it.
        let v3 = registry.places.get_mut("v3").expect("v3");
        v3.status = Status::Retired;
        v3.merged_into = Some("v1".into());
        registry.places.get_mut("v1").expect("v1").name = "新村社区".into();
        registry.places.get_mut("v2").expect("v2").status = Status::Retired;
        registry.branches.get_mut("vb1").expect("vb1").status = Status::Retired;

        let point = offers_of(&registry, &records, "l1", "2027-01-01");
        assert_eq!(
            point.len(),
            1,
            "two points at one place now are one offer: {point:?}"
        );
        assert_eq!(
            (point[0].values["place"].as_str(), point[0].summary.as_str()),
            ("v1", "新村社区")
        );

        let households = offers_of(&registry, &records, "m1", "2027-01-01");
        let names: Vec<&str> = households.iter().map(|o| o.summary.as_str()).collect();
        assert_eq!(names, vec!["王大山（新村社区）", "陈老汉（新村社区）"]);
        assert!(households.iter().all(|o| o.values["place"] == "v1"));

        assert!(
            offers_of(&registry, &records, "s1", "2027-01-01").is_empty(),
            "a pair with a retired branch is not offered"
        );

        // A retired person is offered nothing.
        registry.people.get_mut("l1").expect("l1").status = Status::Retired;
        assert!(offers_of(&registry, &records, "l1", "2027-01-01").is_empty());
    }

    #[test]
    fn issue_13_a_branch_that_paired_already_this_year_is_not_asked_again() {
        let registry = county();
        let mut records = b1_2026();
        let o = offers_of(&registry, &records, "s1", "2027-01-01");
        assert_eq!(o.len(), 1);
        // The secretary pairs with another village this year instead.
        records
            .pairs
            .insert("pr2".into(), pair("pr2", 2027, "b1", "vb2"));
        assert!(offers_of(&registry, &records, "s1", "2027-01-10").is_empty());
        // Every offer a phone can get validates through the ordinary form.
        let mut fresh = b1_2026();
        for who in ["l1", "s1", "m1"] {
            for o in offers_of(&registry, &fresh.clone(), who, "2027-02-01") {
                save(&registry, &mut fresh, who, "2027-02-01", &o);
            }
        }
        for who in ["l1", "s1", "m1"] {
            assert!(offers_of(&registry, &fresh, who, "2027-02-01").is_empty());
        }
    }
}

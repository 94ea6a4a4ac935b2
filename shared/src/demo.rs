//! A deterministic demo county: the same input gives the same county, byte for byte.
//!
//! Ids follow a fixed pattern that tests rely on: committees `c<n>`, township `t<n>`,
//! places `v<n>`, 机关 branches `b<n>`, village branches `vb<n>`, and in branch `b<n>` the
//! leader `l<n>` and the members `p<n>-<k>` (`p<n>-1` is the branch secretary).

use crate::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSpec {
    pub townships: usize,
    pub places_per_township: usize,
    pub office_branches: usize,
    pub members_per_branch: usize,
}

impl DemoSpec {
    /// What a first start of the app loads: enough to click through, small enough to read.
    pub const SMALL: DemoSpec = DemoSpec {
        townships: 3,
        places_per_township: 4,
        office_branches: 6,
        members_per_branch: 4,
    };
}

const TOWNSHIPS: &[&str] = &[
    "城关镇",
    "吕河镇",
    "蜀河镇",
    "棕溪镇",
    "神河镇",
    "赵湾镇",
    "段家河镇",
    "金寨镇",
    "白柳镇",
    "构元镇",
    "石门镇",
    "红军镇",
    "仁河口镇",
    "小河镇",
    "铜钱关镇",
    "甘溪镇",
    "麻坪镇",
    "双河镇",
    "桐木镇",
    "仙河镇",
];
const PLACE_STEMS: &[&str] = &[
    "东山", "柳树", "石桥", "青龙", "枣园", "河坪", "松林", "白岩", "桃园", "黄坪", "双庙", "茶园",
    "金星", "麦坪", "竹林", "长岭", "红岩", "太平", "新庄", "兴隆",
];
const OFFICES: &[&str] = &[
    "县农业农村局",
    "县财政局",
    "县教育局",
    "县卫健局",
    "县水利局",
    "县交通局",
    "县林业局",
    "县民政局",
    "县人社局",
    "县住建局",
    "县商务局",
    "县文旅局",
    "县审计局",
    "县统计局",
    "县司法局",
    "县自然资源局",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗",
];
const GIVEN: &[&str] = &[
    "建国", "秀兰", "志强", "海燕", "明", "丽", "军", "红梅", "伟", "芳", "德胜", "春花", "国华",
    "玉兰", "勇", "小平", "桂英", "文斌", "晓东", "慧",
];

fn pick<'a>(list: &[&'a str], i: usize) -> &'a str {
    list[i % list.len()]
}

fn person_name(seed: usize) -> String {
    // Coprime strides spread the names so neighbours differ.
    format!(
        "{}{}",
        pick(SURNAMES, seed * 7),
        pick(GIVEN, seed * 13 + seed / 20)
    )
}

pub fn registry(spec: DemoSpec) -> Registry {
    let mut r = Registry {
        county: "旬阳县".into(),
        ..Default::default()
    };
    let mut place_no = 0;
    for t in 1..=spec.townships {
        let tid = format!("t{t}");
        let tname = if t <= TOWNSHIPS.len() {
            TOWNSHIPS[t - 1].to_string()
        } else {
            format!("第{t}镇")
        };
        r.committees.insert(
            tid.clone(),
            Committee {
                id: tid.clone(),
                name: format!("{tname}党委"),
                kind: CommitteeKind::Township,
                status: Default::default(),
            },
        );
        for k in 0..spec.places_per_township {
            place_no += 1;
            let kind = match k % 8 {
                6 => PlaceKind::Community,
                7 => PlaceKind::Enterprise,
                _ => PlaceKind::Village,
            };
            let stem = pick(PLACE_STEMS, place_no * 3 + t);
            let name = match kind {
                PlaceKind::Village => format!("{stem}村"),
                PlaceKind::Community => format!("{stem}社区"),
                PlaceKind::Enterprise => format!("{stem}茶业公司"),
            };
            let name = format!("{}{}", tname.trim_end_matches('镇'), name);
            let pid = format!("v{place_no}");
            r.places.insert(
                pid.clone(),
                Place {
                    id: pid.clone(),
                    name: name.clone(),
                    kind,
                    township: tid.clone(),
                    status: Default::default(),
                    merged_into: None,
                },
            );
            let bid = format!("vb{place_no}");
            let bkind = match kind {
                PlaceKind::Village => BranchKind::Village,
                PlaceKind::Community => BranchKind::Community,
                PlaceKind::Enterprise => BranchKind::Enterprise,
            };
            r.branches.insert(
                bid.clone(),
                Branch {
                    id: bid,
                    name: format!("{name}党支部"),
                    kind: bkind,
                    committee: tid.clone(),
                    place: Some(pid),
                    status: Default::default(),
                },
            );
        }
    }
    r.committees.insert(
        "c1".into(),
        Committee {
            id: "c1".into(),
            name: "县直机关工委".into(),
            kind: CommitteeKind::Working,
            status: Default::default(),
        },
    );
    for b in 1..=spec.office_branches {
        let bid = format!("b{b}");
        let office = if b <= OFFICES.len() {
            OFFICES[b - 1].to_string()
        } else {
            format!("县第{b}局")
        };
        r.branches.insert(
            bid.clone(),
            Branch {
                id: bid.clone(),
                name: format!("{office}机关党支部"),
                kind: BranchKind::Office,
                committee: "c1".into(),
                place: None,
                status: Default::default(),
            },
        );
        let lid = format!("l{b}");
        r.people.insert(
            lid.clone(),
            Person {
                id: lid,
                name: person_name(b * 101),
                branch: bid.clone(),
                role: Role::Leader,
                position: format!("{office}局长"),
                status: Default::default(),
            },
        );
        for k in 1..=spec.members_per_branch {
            let id = format!("p{b}-{k}");
            let (role, position) = if k == 1 {
                (Role::Secretary, format!("{office}机关党支部书记"))
            } else {
                (Role::Member, format!("{office}干部"))
            };
            r.people.insert(
                id.clone(),
                Person {
                    id,
                    name: person_name(b * 31 + k),
                    branch: bid.clone(),
                    role,
                    position,
                    status: Default::default(),
                },
            );
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_has_the_documented_ids() {
        let a = registry(DemoSpec::SMALL);
        assert_eq!(a, registry(DemoSpec::SMALL));
        assert_eq!(a.places.len(), 12);
        assert_eq!(a.people["p1-1"].role, Role::Secretary);
        assert_eq!(a.people["p1-2"].branch, "b1");
        assert!(a.places.contains_key("v1"));
        assert_eq!(a.writing_branches().count(), 6);
    }
}

//! Demo accounts for the demo county, so a first start can be logged into.
//!
//! Phone numbers follow the demo ids (README lists them): leader `l<b>` is
//! `1380000<bb>00`, member `p<b>-<k>` is `1380000<bb><kk>` (`p<b>-1` is the secretary),
//! the 县直机关工委 staff `13800009901`, county office staff `13800009990`, the county
//! administrator `13800009999`. Every demo account has the password [`DEMO_PASSWORD`].

use super::store::Account;
use super::{hash_password, Auth};
use crate::error::AppError;
use shared::access::AccountRole;
use shared::model::Registry;

pub const DEMO_PASSWORD: &str = "sanlian-demo";

/// The demo phone number of a demo person id (`l3`, `p2-4`).
pub fn demo_phone(person: &str) -> Option<String> {
    let (b, k) = if let Some(b) = person.strip_prefix('l') {
        (b.parse::<u32>().ok()?, 0)
    } else {
        let (b, k) = person.strip_prefix('p')?.split_once('-')?;
        (b.parse().ok()?, k.parse().ok()?)
    };
    (b < 100 && k < 100).then(|| format!("1380000{b:02}{k:02}"))
}

/// Every demo account: the registry's people, plus one of each staff role.
pub fn accounts(registry: &Registry) -> Vec<Account> {
    let mut out: Vec<Account> = registry
        .people
        .values()
        .filter_map(|p| {
            Some(Account {
                id: p.id.clone(),
                name: p.name.clone(),
                phone: demo_phone(&p.id)?,
                role: p.role.into(),
                org: p.branch.clone(),
                previous: None,
                handover_until: 0,
            })
        })
        .collect();
    let staff = [
        (
            "c1-staff",
            "工委干事",
            "13800009901",
            AccountRole::CommitteeStaff,
            "c1",
        ),
        (
            "office",
            "组织部干事",
            "13800009990",
            AccountRole::OfficeStaff,
            "",
        ),
        ("admin", "系统管理员", "13800009999", AccountRole::Admin, ""),
    ];
    for (id, name, phone, role, org) in staff {
        out.push(Account {
            id: id.into(),
            name: name.into(),
            phone: phone.into(),
            role,
            org: org.into(),
            previous: None,
            handover_until: 0,
        });
    }
    out
}

/// Creates the demo accounts. One hash serves them all: they share the published demo
/// password anyway, and hashing ~40 times would slow every start and test.
pub fn seed(auth: &Auth, registry: &Registry) -> Result<usize, AppError> {
    let hash = hash_password(DEMO_PASSWORD)?;
    let accounts = accounts(registry);
    for a in &accounts {
        auth.insert(a, &hash)?;
    }
    Ok(accounts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_phones_follow_the_ids() {
        assert_eq!(demo_phone("l1").as_deref(), Some("13800000100"));
        assert_eq!(demo_phone("p1-2").as_deref(), Some("13800000102"));
        assert_eq!(demo_phone("p12-3").as_deref(), Some("13800001203"));
        assert_eq!(demo_phone("x1"), None);
    }
}

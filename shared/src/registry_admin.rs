//! The county's own 信息库 (issue 13): what the office pages send and receive to keep the
//! registry (committees, branches, places, people), its spreadsheet round trip and the
//! accounts made from it. The server (`backend::registry`, `backend::auth`) and the app
//! share these types, so neither guesses the other's JSON.
//!
//! # Routes
//!
//! "Managers" are county office staff and administrators (the whole county) and committee
//! staff (only their own committee, its branches and their people; see
//! [`crate::access::may_edit_registry`]). Every registry change is a change to the
//! `registry` document (phones, tags: `county-office`) made with an actor bound to the
//! office user, so the document history names them. Errors are `{"error": "<Chinese>"}`
//! with a 4xx status, as everywhere else.
//!
//! | method | path | body | reply | who |
//! |---|---|---|---|---|
//! | GET | `/api/office/registry` | — | [`RegistryListing`] | managers (committee staff: phones of their own people only) |
//! | POST | `/api/office/registry/committees` | [`CommitteeEdit`] | [`Saved`] (201) | county |
//! | PUT | `/api/office/registry/committees/{id}` | [`CommitteeEdit`] (id ignored) | [`Saved`] | county |
//! | POST | `/api/office/registry/branches` | [`BranchEdit`] | [`Saved`] (201) | county; committee staff under their committee |
//! | PUT | `/api/office/registry/branches/{id}` | [`BranchEdit`] | [`Saved`] | as above (old and new committee) |
//! | POST | `/api/office/registry/places` | [`PlaceEdit`] | [`Saved`] (201) | county; committee staff in their township |
//! | PUT | `/api/office/registry/places/{id}` | [`PlaceEdit`] | [`Saved`] | as above |
//! | POST | `/api/office/registry/people` | [`PersonEdit`] | [`Saved`] (201) | county; committee staff in their branches |
//! | PUT | `/api/office/registry/people/{id}` | [`PersonEdit`] | [`Saved`] | as above (old and new branch) |
//! | POST | `/api/office/registry/people/{id}/move` | [`MovePerson`] | [`Saved`] | as above (old and new branch) |
//! | POST | `/api/office/registry/branches/{id}/move` | [`MoveBranch`] | [`Saved`] | county |
//! | POST | `/api/office/registry/{kind}/{id}/retire` | — | [`Saved`] | as for editing the item (`kind` = committees/branches/places/people) |
//! | POST | `/api/office/registry/{kind}/{id}/restore` | — | [`Saved`] | as for editing the item |
//! | POST | `/api/office/registry/places/{id}/merge` | [`MergePlace`] | [`Saved`] | county |
//! | GET | `/api/office/registry/{kind}/{id}/history` | — | `Vec<`[`HistoryEntry`]`>` (oldest first) | managers who may see the item |
//! | GET | `/api/office/registry/template.xlsx` | — | empty workbook with the 说明 sheet | managers |
//! | GET | `/api/office/registry/export.xlsx` | — | the registry as a workbook (same layout) | county |
//! | POST | `/api/office/registry/import?dry_run=true\|false` | the .xlsx (≤ 8 MiB) | [`ImportReport`] (200 also when `ok` is false) | county |
//! | GET | `/api/office/accounts?branch=&committee=` | — | `Vec<`[`AccountRow`]`>` | managers, scoped |
//! | POST | `/api/office/accounts/{person}/activation` | — | [`LoginSlip`] (creates the account if needed; a new code = password reset) | managers of the person |
//! | POST | `/api/office/accounts/activation` | [`SlipRequest`] | `Vec<`[`LoginSlip`]`>` grouped by branch | managers, scoped |
//! | POST | `/api/office/accounts/{person}/disable` | — | [`AccountRow`] | managers of the person |
//! | POST | `/api/office/accounts/{person}/enable` | — | [`AccountRow`] | managers of the person |
//! | POST | `/api/activate` | [`ActivateRequest`] | the login reply (`{token, expires_at, account, notice}`) | anyone (rate-limited like login) |
//!
//! A disabled account's login, activation and sync are refused with `403` and
//! `{"error": ACCOUNT_DISABLED_MESSAGE, "code": "account_disabled"}`; the phone shows the
//! message and may still export its unsynced entries to a file. `GET /api/me` and the login
//! reply carry `notice` (e.g. 「您已调至 县财政局机关党支部」) when the registry moved or
//! retired the person since they last saw it.

use crate::model::{labelled_enum, BranchKind, CommitteeKind, PlaceKind, Registry};
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a refused login or sync of a disabled account says; the `code` field is
/// [`ACCOUNT_DISABLED_CODE`].
pub const ACCOUNT_DISABLED_MESSAGE: &str =
    "账号已停用，无法登录和同步。手机上未同步的记录仍在，可用“导出”保存到文件；如有疑问请联系县委组织部";
pub const ACCOUNT_DISABLED_CODE: &str = "account_disabled";

/// Days an activation code stays valid.
pub const ACTIVATION_DAYS: i64 = 7;

labelled_enum!(
    /// 身份: a person's part in 三联共建, as written in the 人员 sheet.
    Identity {
        Member => "党员",
        Leader => "联点领导",
        Secretary => "支部书记",
        CommitteeStaff => "党（工）委工作人员",
        OfficeStaff => "组织部工作人员",
    }
);

labelled_enum!(
    /// Which list an item belongs to; the path segment is [`ItemKind::segment`].
    ItemKind {
        Committee => "党组织",
        Branch => "支部",
        Place => "村社区企业",
        Person => "人员",
    }
);

impl ItemKind {
    /// `committees`, `branches`, `places`, `people`.
    pub fn segment(self) -> &'static str {
        match self {
            ItemKind::Committee => "committees",
            ItemKind::Branch => "branches",
            ItemKind::Place => "places",
            ItemKind::Person => "people",
        }
    }

    pub fn from_segment(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.segment() == s)
    }
}

/// A committee (乡镇党委, 工委, 部门党委) to add or edit. `id` is its 编码.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeEdit {
    /// Ignored by `PUT` (the path names the item); may be left out there.
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub kind: CommitteeKind,
}

/// A branch: under one committee; a 农村/社区/企业 branch names its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchEdit {
    /// Ignored by `PUT` (the path names the item); may be left out there.
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub kind: BranchKind,
    pub committee: String,
    #[serde(default)]
    pub place: Option<String>,
}

/// A village, community or enterprise, with its township and 五个结合 tags (codes of
/// [`crate::domain::records::TieIn`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceEdit {
    /// Ignored by `PUT` (the path names the item); may be left out there.
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub kind: PlaceKind,
    pub township: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A person. `org` is the branch of 党员/联点领导/支部书记, the committee of
/// 党（工）委工作人员, empty for 组织部工作人员. `phone` may be empty (no account then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEdit {
    /// Ignored by `PUT` (the path names the item); may be left out there.
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub phone: String,
    pub org: String,
    pub identity: Identity,
    /// 单位及职务.
    #[serde(default)]
    pub position: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovePerson {
    /// The new branch (or committee, for committee staff).
    pub org: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveBranch {
    pub committee: String,
}

/// 撤并: the place's records show under `into` from now on (views resolve a merged
/// place to its successor, following chains); the place itself stays, retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergePlace {
    pub into: String,
}

/// The reply to a change: the item as it now stands, and whether anything changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub kind: ItemKind,
    pub id: String,
    pub changed: bool,
    /// Said, not refused: e.g. the person moved still has unsynced entries on a phone.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The registry for the office pages: the document itself (with statuses), plus the
/// phone numbers and 五个结合 tags, which are kept in `county-office` (phones of members do
/// not hold the county's phone numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryListing {
    pub registry: Registry,
    /// Person id → phone number (committee staff: only their own committee's people).
    pub phones: BTreeMap<String, String>,
    /// Place id → 五个结合 tag codes.
    pub tags: BTreeMap<String, Vec<String>>,
}

/// One change of an item's 修改历史.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Seconds since the epoch (the change's time).
    pub at: i64,
    /// County time, `YYYY-MM-DD HH:MM`.
    pub when: String,
    /// The office user's account id; empty for the system (demo, start-up).
    pub by: String,
    pub by_name: String,
    /// What changed, in Chinese, e.g. 「名称：旧 → 新」.
    pub what: Vec<String>,
}

/// One problem of an import: `message` is complete and readable on its own, e.g.
/// 「人员 第 12 行 所在党组织编码：没有编码为 B017 的党组织」. `row` is the sheet's row
/// number (header = 1; 0 for the whole file or sheet), `column` the header text (empty
/// for the whole row or sheet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportIssue {
    pub sheet: String,
    pub row: u32,
    pub column: String,
    pub message: String,
}

/// Counts per sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetSummary {
    pub added: usize,
    pub changed: usize,
    pub retired: usize,
    pub unchanged: usize,
}

/// One item the import adds, changes or retires (for the dry run's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportChange {
    pub sheet: String,
    pub code: String,
    pub name: String,
    /// 新增, 修改, 撤销/停用, 撤并.
    pub action: String,
}

/// The reply of `POST /api/office/registry/import`. `ok` false: nothing was stored (all
/// or nothing); a dry run never stores anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub ok: bool,
    pub dry_run: bool,
    pub errors: Vec<ImportIssue>,
    /// Not errors: the import goes on (e.g. a person moved out of a branch whose phones
    /// still hold unsynced entries).
    pub warnings: Vec<ImportIssue>,
    /// Sheet name (党组织, 村社区企业, 人员) → counts.
    pub summary: BTreeMap<String, SheetSummary>,
    /// What is added, changed and retired (the first 1 000).
    pub changes: Vec<ImportChange>,
}

/// A row of `GET /api/office/accounts`: every in-scope person of the registry, with or
/// without an account, and county accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub person: String,
    pub name: String,
    /// [`crate::access::AccountRole`] code (`Member`, …) and its label.
    pub role: String,
    pub role_label: String,
    /// Branch or committee id, and its name.
    pub org: String,
    pub org_name: String,
    pub phone: String,
    pub has_account: bool,
    pub enabled: bool,
    /// A code was issued and not yet used (and has not expired).
    pub activation_pending: bool,
    /// Seconds since the epoch; 0 = never.
    pub last_login: i64,
    pub last_sync: i64,
    /// 在用 in the registry.
    pub in_registry: bool,
    /// Failed logins for this phone number in the last day, from every client (issue 15):
    /// a manager sees someone guessing, or a person who forgot their password.
    #[serde(default)]
    pub failed_logins: u32,
}

/// Whom to print login slips for: the listed people, or everyone of a branch or
/// committee (in the caller's scope) who has a phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipRequest {
    #[serde(default)]
    pub people: Vec<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub committee: Option<String>,
    /// Only people who have not logged in yet (default true): a bulk reprint must not reset
    /// everyone's password.
    #[serde(default = "yes")]
    pub only_new: bool,
}

fn yes() -> bool {
    true
}

/// A 登录凭条: the one time the code is shown (it is stored hashed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginSlip {
    pub person: String,
    pub name: String,
    pub org: String,
    pub org_name: String,
    pub phone: String,
    pub code: String,
    /// Seconds since the epoch, and the county day, `YYYY-MM-DD`.
    pub expires_at: i64,
    pub expires: String,
}

/// The shortest password a person may choose (server and phone check the same rule).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// First login (or after a reset) with the activation code; sets the person's password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateRequest {
    pub phone: String,
    pub code: String,
    pub password: String,
    /// The device's Automerge actors, as at login.
    #[serde(default)]
    pub actors: Vec<String>,
    /// The device id, as at login (login rate limits know the owner's own phone).
    #[serde(default)]
    pub device: Option<String>,
}

/// Who is logged in, as the login reply names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAccount {
    pub id: String,
    pub name: String,
    pub phone: String,
    /// `crate::access::AccountRole` code.
    pub role: String,
    pub org: String,
}

/// The login reply (`POST /api/login`, `/api/activate`) as both apps keep it: the bearer
/// token, when it expires and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    /// Seconds since the Unix epoch.
    pub expires_at: i64,
    pub account: SessionAccount,
}

impl Session {
    pub fn role_label(&self) -> &'static str {
        crate::access::AccountRole::from_code(&self.account.role).map_or("", |r| r.label())
    }

    pub fn is_field(&self) -> bool {
        crate::access::AccountRole::from_code(&self.account.role).is_some_and(|r| r.is_field())
    }
}

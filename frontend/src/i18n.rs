//! Every user-facing string of the field app's phone pages in one place: Simplified
//! Chinese first, English second. `STRINGS` holds the app's own text by key; `DATA`
//! renders in English the text that comes as data from `shared` (form labels, choices,
//! kinds, roles), keyed by the Chinese as written there. Messages built around values
//! (validation errors, findings, entry tags) come as codes (`shared::msg::Msg`) and are
//! rendered by [`msg`], never parsed back out of a Chinese sentence. The county office
//! pages stay Chinese only.
//!
//! The language is read once at start from storage; switching it stores the choice and
//! reloads the page, so no view has to track the language reactively and no string can
//! be left half-translated on screen.

use crate::storage;
use shared::msg::Msg;
use std::cell::Cell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

thread_local! {
    static LANG: Cell<Lang> = Cell::new(match storage::get::<String>("lang").as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    });
}

pub fn lang() -> Lang {
    LANG.with(Cell::get)
}

/// Stores the choice and reloads so every string is drawn again in it.
pub fn switch_to(lang: Lang) {
    let _ = storage::set("lang", if lang == Lang::En { "en" } else { "zh" });
    let _ = web_sys::window().map(|w| w.location().reload());
}

/// (key, 中文, English)
const STRINGS: &[(&str, &str, &str)] = &[
    ("app.title", "三联共建", "Sanlian Gongjian"),
    ("lang.switch", "English", "中文"),
    ("sync.button", "同步", "Sync"),
    ("sync.never", "尚未同步", "Not synced yet"),
    ("sync.synced", "已同步", "Synced"),
    ("sync.syncing", "正在同步", "Syncing"),
    ("sync.offline", "离线", "Offline"),
    ("sync.failed", "同步失败：", "Sync failed: "),
    ("sync.pending", "条待同步", "waiting to sync"),
    ("sync.oldest", "最早", "oldest"),
    // The document engine (issue 18): fetched after the page, needed for histories,
    // files and syncing; entries never wait for it.
    ("engine.loading", "正在加载…", "Loading…"),
    (
        "engine.unavailable",
        "数据引擎未能加载（需联网一次），已记录的内容都保存在手机上",
        "The data engine could not be loaded (it needs the network once); everything recorded is kept on this phone",
    ),
    (
        "engine.failed",
        "数据引擎出错，请刷新页面；已记录的内容都保存在手机上",
        "The data engine failed; reload the page. Everything recorded is kept on this phone",
    ),
    ("engine.not_ready", "数据引擎尚未就绪，稍后自动重试", "The data engine is not ready yet; it will retry by itself"),
    ("engine.unreadable", "文件无法读取", "The file cannot be read"),
    (
        "engine.ops_failed",
        "{} 条记录暂时无法写入，已保留在手机上，将自动重试",
        "{} entries could not be written yet; they are kept on this phone and tried again",
    ),
    (
        "engine.ops_set_aside",
        "{} 条记录无法写入，已另存在手机上，请更新应用",
        "{} entries could not be written; they are kept apart on this phone. Please update the app",
    ),
    ("sync.today", "今天", "today"),
    ("sync.days_ago", "天前", "days ago"),
    (
        "sync.registry_failed",
        "信息库未能更新：",
        "The registry could not be updated: ",
    ),
    (
        "sync.registry_unreadable",
        "服务器发来的信息库无法读取，请稍后再同步",
        "The registry the server sent could not be read; sync again later",
    ),
    (
        "storage.full",
        "手机存储空间已满，新记录暂存在内存中，不要关闭页面。请尽快联网同步，或用“导出”保存到文件。",
        "Phone storage is full; new entries are kept in memory only. Do not close the page: sync as soon as you can, or save them with Export.",
    ),
    ("storage.used", "本机已存", "Stored on this phone"),
    ("storage.left", "约剩", "about left"),
    ("storage.persisted", "已设为持久保存", "kept persistently"),
    ("storage.not_persisted", "浏览器可能在空间紧张时清除，请常同步", "the browser may clear it when space is short; sync often"),
    ("export.title", "导出 / 导入", "Export / import"),
    ("export.hint", "没有网络时，可把记录导出为文件，交给另一部手机或县委组织部导入合并。重复导入不会产生重复记录。", "With no network, export your records to a file that another phone or the county office can import and merge. Importing twice never duplicates."),
    ("export.button", "导出到文件", "Export to a file"),
    ("export.save", "保存导出文件", "Save the export file"),
    ("import.label", "导入文件", "Import a file"),
    ("import.done", "导入完成，新增记录", "Imported; new records:"),
    ("import.failed", "导入失败：", "Import failed: "),
    ("conflicts.title", "需确认", "To confirm"),
    ("conflicts.hint", "同一项在两处离线修改（两部手机或两个人），现显示第一个值。请选定正确的值或另填，其他值会留在修改历史中。", "The same field was changed in two places offline (two phones or two people); the first value is shown. Pick the right one or type another; the others stay in the history."),
    ("conflicts.shown", "现显示", "Shown"),
    ("conflicts.other", "另一值", "Other value"),
    ("conflicts.choose", "选定", "Choose"),
    ("conflicts.by", "填写人", "by"),
    ("conflicts.type_other", "都不对，另填", "Neither: type another"),
    ("edit.title", "修改", "Correct "),
    ("edit.save", "保存修改", "Save the correction"),
    ("edit.gone", "这条记录已不在手机上", "This record is no longer on the phone"),
    ("entries.edit", "修改", "Correct"),
    ("entries.restore", "恢复", "Restore"),
    ("entries.withdrawn", "已撤回", "Withdrawn"),
    ("findings.more", "还有 {} 项", "{} more"),
    ("findings.fold", "收起", "Show fewer"),
    ("findings.check", "查看并修改记录", "Check and correct the records"),
    ("conflicts.no_right", "由记录人或支部书记确认", "To be confirmed by the author or the branch secretary"),
    ("history.title", "修改历史", "History"),
    ("history.empty", "还没有历史", "No history yet"),
    ("history.changed", "改为", "set to"),
    ("history.unknown", "某设备", "a device"),
    ("history.added", "新建", "created"),
    ("history.yes", "是", "yes"),
    ("history.no", "否", "no"),
    ("update.ready", "新版本可用，点此更新", "A new version is ready: tap to update"),
    ("update.waiting", "正在同步，同步完即更新…", "Finishing the sync, then updating…"),
    ("tabs.mine", "我的记录", "My records"),
    ("tabs.branch", "本支部", "My branch"),
    ("branch.title", "本支部", "My branch"),
    ("branch.plans", "三个方案（本年已制定）", "Three plans (adopted this year)"),
    ("branch.activities", "三个活动（本年）", "Three activities (this year)"),
    ("branch.deeds", "三件实事（本年）", "Three deeds (this year)"),
    ("branch.people", "支部成员", "People of the branch"),
    ("branch.visits", "走访 {} 次", "{} visits"),
    ("branch.households", "帮扶 {} 户", "{} households helped"),
    ("branch.nothing_open", "没有待办事项", "Nothing open"),
    ("branch.secretary_only", "本页供支部书记查看本支部的情况", "This page shows a branch secretary their branch"),
    ("tabs.office", "打开县委组织部工作台", "Open the county office console"),
    ("app.no_page", "没有这个页面", "No such page"),
    ("home.logout", "退出", "Log out"),
    ("home.logout_pending", "你还有 {} 条记录未同步。它们会保存在这部手机上，下次你本人在这部手机登录时自动上传。确定退出？", "You have {} records not synced yet. They stay on this phone and are uploaded the next time you log in on it. Log out?"),
    ("clock.wrong", "手机时间不准（相差 {}），请校准。记录按服务器时间登记。", "The phone's clock is off (by {}); please set it. Entries are dated by the server's time."),
    ("clock.days", "天", " days"),
    ("clock.hours", "小时", " hours"),
    ("clock.minutes", "分钟", " minutes"),
    ("rollover.title", "去年的联系，今年继续吗？", "Last year's links: carry on this year?"),
    ("rollover.hint", "选“今年继续”会把去年的内容填进今年的表单，核对后保存才算数。", "\"Carry on\" fills this year's form with last year's link; it counts once you check and save it."),
    ("rollover.point", "{year} 年联系点：{}", "Contact point in {year}: {}"),
    ("rollover.pair", "{year} 年结对支部：{}", "Paired branch in {year}: {}"),
    ("rollover.target", "{year} 年帮扶对象：{}", "Household helped in {year}: {}"),
    ("rollover.continue", "今年继续", "Carry on this year"),
    ("rollover.stop", "不再继续", "Not this year"),
    ("rollover.after", "不再继续的，以后也可以在表单里重新填写。", "Anything you stop can still be entered in the forms later."),
    ("rollover.replace_draft", "这个表单里有尚未保存的草稿。用去年的内容替换它吗？", "This form has an unsaved draft. Replace it with last year's link?"),
    ("draft.label", "草稿", "Draft"),
    ("draft.edited", "最后编辑", "last edited"),
    ("draft.discard", "丢弃草稿", "Discard draft"),
    ("home.county_account", "您的账号查看全县汇总，不在手机上记录。", "Your account reads the county summary; it makes no records on a phone."),
    ("home.first_use", "首次使用需要联网下载名册，联网后会自动下载。", "The first start needs the network to fetch the roster; it downloads as soon as you are online."),
    ("home.not_in_roster", "名册中还没有您的信息，请联系县委组织部。", "You are not in the roster yet; please contact the county organisation department."),
    ("home.bad_branch", "名册中的支部编号有误，请联系县委组织部", "Your branch id in the roster is wrong; please contact the county organisation department."),
    ("home.form_kinds", "记录类别", "Record kinds"),
    ("committee.plans", "本党（工）委的方案", "Our committee's plans"),
    ("committee.no_plans", "还没有方案", "No plans yet"),
    ("committee.one_a_year", "每类方案每年一条：再次保存即更新进度。", "One plan of each kind a year: saving again updates its progress."),
    ("login.title", "登录", "Log in"),
    ("login.phone", "手机号", "Mobile number"),
    ("login.password", "密码", "Password"),
    ("login.bad_phone", "请输入 11 位手机号", "Enter an 11-digit mobile number"),
    ("login.no_password", "请输入密码", "Enter the password"),
    ("login.busy", "正在登录…", "Logging in…"),
    ("login.hint", "账号由县委组织部或所在党（工）委开设。首次登录需要联网，之后可离线使用。", "Accounts are opened by the county organisation department or your party committee. The first login needs the network; after that the app works offline."),
    ("form.none", "（无）", "(none)"),
    ("form.save", "保存", "Save"),
    ("form.saved", "已保存在本机，联网后自动同步", "Saved on this phone; it syncs when online"),
    ("form.save_failed", "保存失败：", "Saving failed: "),
    ("entries.title", "我的记录", "My records"),
    ("entries.empty", "还没有记录", "No records yet"),
    ("entries.recorded", "记录于", "Recorded"),
    ("entries.withdraw", "撤回", "Withdraw"),
    ("entries.withdraw_note", "撤回后仍保留记录历史。", "Its history is kept after withdrawing."),
    ("entries.confirm_withdraw", "确认撤回", "Withdraw it"),
    ("entries.cancel", "取消", "Cancel"),
    ("entries.withdraw_failed", "撤回失败：", "Withdrawing failed: "),
    ("entries.more", "显示更早的记录（还有 {} 条）", "Show older records ({} more)"),
    ("findings.title", "还需要做的", "Still to do"),
    ("findings.done", "本年任务都已记录完成", "Everything for this year is recorded"),
    ("field.note", "情况记录", "Note"),
    ("field.year", "年度", "Year"),
    ("field.name", "姓名", "Name"),
    ("field.partner", "结对支部", "Partner branch"),
    ("field.status", "进度", "Progress"),
    ("field.stage", "进度", "Stage"),
    ("field.title", "标题", "Title"),
    ("field.tie_in", "结合", "Tied in with"),
    ("field.labour", "劳动能力", "Ability to work"),
    ("field.household_size", "家庭人口", "Household size"),
    ("field.baseline_income", "年初人均纯收入", "Net income per head at the start of the year"),
    ("field.target", "帮扶对象", "Household helped"),
    ("field.detail", "具体情况", "Details"),
    ("field.income", "核定的人均纯收入", "Assessed net income per head"),
    ("field.direction", "培养方向", "Direction"),
    ("field.date", "日期", "Date"),
    ("field.place", "地点", "Place"),
    ("field.kind", "类别", "Kind"),
    ("field.withdrawn", "已撤回", "Withdrawn"),
    ("field.author", "记录人", "Author"),
    ("field.recorded_at", "记录时间", "Recorded at"),
    ("field.id", "编号", "Id"),
    ("field.grade", "评议结论", "Conclusion"),
    // ---- issue 13: the county's own 信息库, import/export, accounts, first login ----
    ("file.choose", "选择文件", "Choose a file"),
    ("file.none", "未选择文件", "No file chosen"),
    ("activate.open", "首次登录（用激活码）", "First login (activation code)"),
    ("activate.title", "首次登录", "First login"),
    ("activate.how", "输入登录凭条上的手机号和激活码，然后设置您自己的密码。", "Enter the phone number and activation code from your login slip, then set your own password."),
    ("activate.code", "激活码", "Activation code"),
    ("activate.password", "设置密码", "New password"),
    ("activate.again", "再次输入密码", "New password again"),
    ("activate.rule", "密码至少 8 位，只有您自己知道。", "At least 8 characters, known only to you."),
    ("activate.no_code", "请输入激活码", "Enter the activation code"),
    ("activate.mismatch", "两次输入的密码不一致", "The two passwords differ"),
    ("activate.ok", "激活并登录", "Activate and log in"),
    ("activate.cancel", "返回密码登录", "Back to password login"),
    ("activate.offline", "无法连接服务器：首次登录需要联网", "Cannot reach the server: the first login needs the network"),
    ("rescue.pending", "本机还有 {} 条记录没有交到服务器。请先“导出”保存到文件，交给支部或县委组织部导入。", "{} entries on this phone never reached the server. Export them to a file and hand it to your branch or the county office to import."),
    ("notice.kept", "之前记的内容都保留，并会交到原支部。", "Everything you logged before is kept and handed in to your former branch."),
    ("activate.too_short", "密码至少 8 位", "The password needs at least 8 characters"),
    ("notice.ok", "知道了", "OK"),
    (
        "repo.newer_app",
        "本支部的记录由较新版本的应用写入，这个版本读不了。请更新应用（联网后重新打开）；记录都还在。",
        "Your branch's records were written by a newer version of the app, which this one cannot read. Update the app (open it again online); nothing is lost.",
    ),
    // ---- end issue 13 ----
];

/// Text that comes as data from `shared` (its forms, kinds and roles), as written there
/// → English. Place, branch and person names are data of the county and stay as they are.
const DATA: &[(&str, &str)] = &[
    // Record kinds (FormKind) and what their forms are titled.
    ("到点记录", "Visit"),
    ("领导联点", "Leader's point"),
    ("培养人才", "Talent"),
    ("支部联建", "Branch pairing"),
    ("三个方案", "Three plans"),
    ("三个活动", "Three activities"),
    ("三件实事", "Three deeds"),
    ("帮扶对象", "Household helped"),
    ("帮扶记录", "Help"),
    ("双向培养", "Two-way training"),
    ("记一次到点", "Record a visit"),
    ("确定联系点", "Set my contact point"),
    ("记培养的人才", "Record a talent cultivated"),
    ("确定结对支部", "Set the partner branch"),
    ("记方案进度", "Record a plan's progress"),
    ("党（工）委方案", "Committee plan"),
    ("记党（工）委方案", "Record a committee plan"),
    ("党（工）委工作人员", "Committee staff"),
    ("内容", "Content"),
    (
        "例：分领导干部、机关支部、党员三个层次细化任务",
        "e.g. tasks set out for leaders, branches and members",
    ),
    ("活动方案", "Activity plan"),
    ("督查工作安排", "Supervision schedule"),
    ("记一次活动", "Record an activity"),
    ("记一件实事", "Record a deed"),
    ("确定帮扶对象", "Set a household to help"),
    ("记一次帮扶", "Record help given"),
    ("记双向培养", "Record two-way training"),
    // 民主评议参考 (issue 16).
    ("民主评议参考", "Appraisal reference"),
    ("记民主评议参考", "Record an appraisal reference"),
    ("评议的党员", "Member appraised"),
    ("评议结论", "Conclusion"),
    ("支部意见", "The branch's opinion"),
    (
        "例：全年走访帮扶对象 8 次，帮助选定养殖项目，群众评价好",
        "e.g. visited the households 8 times, helped choose a livestock project, well regarded",
    ),
    ("优秀", "Excellent"),
    ("合格", "Qualified"),
    ("基本合格", "Basically qualified"),
    ("不合格", "Unqualified"),
    // Field labels.
    ("日期", "Date"),
    ("活动日期", "Date of the activity"),
    ("到点日期", "Date of the visit"),
    ("联系点", "Contact point"),
    (
        "联系点（村、社区或企业）",
        "Contact point (village, community or enterprise)",
    ),
    ("工作内容", "Work done"),
    (
        "了解的情况和所做的工作",
        "What you learned and what you did",
    ),
    (
        "了解到的情况和所做的工作",
        "what you learned and what you did",
    ),
    ("年度", "Year"),
    ("联点说明", "About the point"),
    ("培养类别", "Kind of talent"),
    ("培养对象姓名", "Name of the person trained"),
    ("培养情况", "How the training goes"),
    (
        "结对的村（社区、企业）支部",
        "Partner village (community, enterprise) branch",
    ),
    ("方案", "Plan"),
    ("进度", "Progress"),
    ("标题（可不填）", "Title (optional)"),
    ("标题", "Title"),
    ("活动", "Activity"),
    ("共建对象", "Partner"),
    ("活动内容", "What was done"),
    ("实事", "Deed"),
    ("地点", "Place"),
    (
        "结合（五个结合，可不选）",
        "Tied in with (five tie-ins, optional)",
    ),
    ("五个结合", "the five tie-ins"),
    ("办了什么、结果如何", "What was done and the result"),
    ("户主姓名", "Head of household"),
    ("所在村（社区）", "Village (community)"),
    ("对象类别", "Kind of household"),
    ("劳动能力", "Ability to work"),
    ("家庭人口", "Household size"),
    (
        "年初人均纯收入",
        "Net income per head at the start of the year",
    ),
    ("基本情况和存在的问题", "Situation and problems"),
    ("帮扶内容", "Kind of help"),
    ("具体情况", "Details"),
    ("核定的人均纯收入", "Assessed net income per head"),
    ("培养方向", "Direction"),
    ("自己的帮扶对象", "one of your own households"),
    ("记录", "The record"),
    // Placeholders and units.
    (
        "例：到村查看茶园，协调解决灌溉用水问题",
        "e.g. checked the tea gardens, sorted out irrigation water",
    ),
    (
        "例：联系该村，重点抓茶叶产业和班子建设",
        "e.g. linked with this village: tea industry and the leadership team",
    ),
    ("例：王某某", "e.g. Wang"),
    (
        "例：帮助其建成 50 亩茶园，带动 8 户增收",
        "e.g. helped set up 50 mu of tea, raising 8 households' income",
    ),
    ("不填则为“年度 + 方案名”", "Left empty: year + plan name"),
    (
        "例：为村里送去种苗 2000 株，开展技术培训 1 场",
        "e.g. brought 2000 seedlings, held one technical training",
    ),
    (
        "例：协调资金 3 万元修通组级公路 1.2 公里",
        "e.g. raised 30 000 yuan to build 1.2 km of road",
    ),
    (
        "例：缺技术、缺资金，有发展养殖的意愿",
        "e.g. lacks skills and money, wants to raise livestock",
    ),
    (
        "例：选定发展生猪养殖，购仔猪 5 头",
        "e.g. chose pig farming, bought 5 piglets",
    ),
    (
        "例：参加养殖技术培训，已带动 2 户",
        "e.g. attended livestock training, already helps 2 households",
    ),
    ("人", "people"),
    ("元", "yuan"),
    // Choices: the kinds of each record.
    ("建班子", "Leadership team"),
    ("抓产业", "Industry"),
    ("保稳定", "Stability"),
    ("帮扶", "Help"),
    ("产业大户", "Large grower"),
    ("技术骨干", "Skilled worker"),
    ("岗位标兵", "Model worker"),
    ("经济发展规划", "Economic development plan"),
    ("共建方案", "Co-building plan"),
    ("帮扶方案", "Help plan"),
    ("草拟中", "Being drafted"),
    ("已制定", "Adopted"),
    ("已落实", "Carried out"),
    ("五送一建", "Five deliveries, one building"),
    ("共驻共建", "Co-resident building"),
    ("党工共建", "Party and union building"),
    ("解决实际困难", "Solve a real difficulty"),
    (
        "培养产业大户或经济发展能人",
        "Train a large grower or entrepreneur",
    ),
    ("创新党建工作措施", "New party-building measure"),
    ("发展新党员", "Recruit a new member"),
    ("培养后备干部", "Train a reserve cadre"),
    ("新农村示范点", "New countryside model village"),
    ("扶贫开发重点村", "Key poverty-relief village"),
    ("特困村", "Very poor village"),
    ("无活动场所村", "Village without an activity room"),
    ("受灾村", "Disaster-hit village"),
    ("困难党员", "Member in difficulty"),
    ("困难群众", "Resident in difficulty"),
    ("有劳动能力", "Able to work"),
    ("有发展潜力", "Has potential"),
    ("缺乏劳动能力", "Unable to work"),
    ("选定发展项目", "Project chosen"),
    ("掌握实用技术", "Skill learned"),
    ("帮扶支持", "Support given"),
    ("收入核定", "Income assessed"),
    (
        "困难党员培养成致富能手",
        "Member in difficulty → skilled earner",
    ),
    ("致富能手培养成党员", "Skilled earner → party member"),
    ("确定培养对象", "Person chosen"),
    ("培养中", "In training"),
    ("培养成功", "Trained"),
    // Roles.
    ("联点领导", "Leader"),
    ("支部书记", "Branch secretary"),
    ("党员", "Party member"),
    // Finding tags (RuleCode) the phone shows under 还需要做的.
    ("联系点数量不符", "Contact points"),
    ("结对数量不符", "Pairing"),
    ("未确定帮扶对象", "No household"),
    ("到点次数不足", "Visits short"),
    ("日期需核实", "Date to check"),
    ("收入核定需核实", "Incomes to check"),
    ("到点记录需核实", "Visits to check"),
    ("三个方案未完成", "Plans unfinished"),
    ("三个活动未开展", "Activity not held"),
    ("三件实事未完成", "Deeds unfinished"),
    ("未培养产业大户、技术骨干或岗位标兵", "No talent cultivated"),
    ("未选定发展项目", "No project"),
    ("未掌握实用技术", "No skill"),
    ("收入增长未达10%", "Income under 10%"),
    ("收入未核定", "Income not assessed"),
    // Messages without a value.
    (
        "请先确定帮扶对象，再记帮扶",
        "Set a household to help first, then record the help",
    ),
];

/// `zh` (text from `shared`) in the current language.
pub fn tr(zh: &str) -> String {
    tr_in(lang(), zh)
}

fn tr_in(lang: Lang, zh: &str) -> String {
    if lang == Lang::Zh {
        return zh.to_string();
    }
    DATA.iter()
        .find(|(z, _)| *z == zh)
        .map_or_else(|| zh.to_string(), |(_, en)| en.to_string())
}

/// A message of `shared` (a validation error, a finding, a tag) in the current language,
/// rendered from its code: Chinese from `shared`'s table, English from `Msg::en` with the
/// labels in it translated by `DATA`.
pub fn msg(m: &Msg) -> String {
    msg_in(lang(), m)
}

fn msg_in(lang: Lang, m: &Msg) -> String {
    match lang {
        Lang::Zh => m.zh(),
        Lang::En => m.en(&|term| tr_in(Lang::En, term)),
    }
}

/// The string for `key` in the current language; the key itself if it is missing, so a
/// gap shows up on screen and in tests instead of an empty label.
pub fn t(key: &'static str) -> &'static str {
    let lang = lang();
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| if lang == Lang::En { *en } else { *zh })
        .unwrap_or(key)
}

/// A record field's name for people; unknown fields keep their name.
pub fn field(name: &str) -> String {
    STRINGS
        .iter()
        .find(|(k, _, _)| k.strip_prefix("field.") == Some(name))
        .map(|(k, _, _)| t(k).to_string())
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut keys: Vec<&str> = STRINGS.iter().map(|(k, _, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate keys");
        for (k, zh, en) in STRINGS {
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(t("conflicts.title"), "需确认", "Chinese is the default");
        assert_eq!(field("note"), "情况记录");
        assert_eq!(field("mystery"), "mystery");
        // The console's 修改历史 names fields from `shared::history`: the same words.
        for (k, zh, _) in STRINGS {
            if let Some(name) = k.strip_prefix("field.") {
                assert_eq!(shared::history::field_label(name), *zh, "{k}");
            }
        }
    }

    fn chinese_left(s: &str) -> bool {
        s.chars().any(|c| {
            matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
        })
    }

    fn english(zh: &str) -> String {
        let en = tr_in(Lang::En, zh);
        assert!(!chinese_left(&en), "no English for {zh:?}: {en:?}");
        en
    }

    /// Every finding the phone judges itself (rules::for_person on what the phone holds),
    /// for every person of a county generated with one gap of each kind, mid-year and at
    /// the year's end, reads in English but for the county's own names — and every
    /// finding pattern is used, so a reworded message in `shared::domain::rules` fails
    /// here instead of showing Chinese in the English app.
    #[wasm_bindgen_test]
    fn issue_5_every_finding_text_has_english() {
        use shared::domain::generator::{generate, GenSpec};
        use shared::domain::records::BranchRecords;
        use shared::domain::rules::{self, RuleCode};
        use std::collections::BTreeSet;
        let spec = GenSpec::SMALL;
        let g = generate(spec);
        let registry = &g.data.registry;
        let mut names: Vec<&str> = registry
            .people
            .values()
            .map(|p| p.name.as_str())
            .chain(registry.places.values().map(|p| p.name.as_str()))
            .chain(registry.branches.values().map(|b| b.name.as_str()))
            .chain(
                g.data
                    .branches
                    .values()
                    .flat_map(|b| b.targets.values().map(|t| t.name.as_str())),
            )
            .collect();
        // Longest first, so a name that holds a shorter one goes as a whole.
        names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        let mid_year = chrono::NaiveDate::from_ymd_opt(spec.year, 6, 30).unwrap();
        let empty = BranchRecords::default();
        let mut codes = BTreeSet::new();
        for p in registry.people.values() {
            let records = g.data.branches.get(&p.branch).map_or(&empty, |r| &**r);
            for as_of in [mid_year, spec.as_of()] {
                for f in rules::for_person(registry, records, &p.id, spec.year, as_of) {
                    codes.insert(f.rule);
                    english(f.rule.label());
                    let en = msg_in(Lang::En, &f.msg);
                    let mut bare = en.clone();
                    for n in &names {
                        bare = bare.replace(n, "");
                    }
                    assert!(
                        !chinese_left(&bare),
                        "no English for {:?}: {en:?}",
                        f.message
                    );
                    assert_eq!(msg_in(Lang::Zh, &f.msg), f.message);
                }
            }
        }
        let want = [
            RuleCode::LeaderPoints,
            RuleCode::BranchPairs,
            RuleCode::MemberWithoutTarget,
            RuleCode::LeaderVisits,
            RuleCode::BranchPlan,
            RuleCode::BranchActivity,
            RuleCode::BranchDeed,
            RuleCode::LeaderCultivation,
            RuleCode::TargetProject,
            RuleCode::TargetSkill,
            RuleCode::TargetIncome,
            RuleCode::TargetIncomeUnknown,
        ];
        for code in want {
            assert!(codes.contains(&code), "no {code:?} finding on any phone");
        }
        let two = Msg::PointsNotOne {
            leader: "王某".into(),
            n: 2,
            places: vec!["茶园村".into(), "柳河村".into()],
        };
        assert_eq!(
            msg_in(Lang::Zh, &two),
            "王某确定了 2 个联系点（应为 1 个）：茶园村、柳河村"
        );
        assert_eq!(
            msg_in(Lang::En, &two),
            "王某 has set 2 contact points (1 is right): 茶园村, 柳河村"
        );
    }

    /// Every label, hint, unit, kind and error a phone form can show, for every role, has
    /// an English rendering — so a change of wording in `shared::forms` that the table
    /// misses fails here instead of showing Chinese in the English app.
    #[wasm_bindgen_test]
    fn issue_5_every_form_text_has_english() {
        use shared::forms::{self, FormContext, FormKind, Input};
        use shared::model::Role;
        use std::collections::BTreeMap;
        let registry = shared::demo::registry(shared::demo::DemoSpec::SMALL);
        let records = shared::domain::records::BranchRecords::default();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let long = "很".repeat(2000);
        let bad: BTreeMap<String, String> = [
            ("date", "2099-01-01"),
            ("year", "1990"),
            ("household_size", "0"),
            ("baseline_income", "很多"),
            ("income", "99999999999"),
            ("note", long.as_str()),
            ("detail", long.as_str()),
            ("name", long.as_str()),
            ("title", long.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut early = bad.clone();
        early.insert("date".into(), "2020-01-01".into());
        for role in [Role::Leader, Role::Member, Role::Secretary] {
            let me = registry
                .people
                .values()
                .find(|p| p.role == role)
                .expect("a person of each role");
            english(role.label());
            let ctx = FormContext {
                registry: &registry,
                me,
                records: &records,
                today,
                last_place: None,
            };
            for kind in FormKind::ALL {
                english(kind.label());
                english(kind.action());
                let form = forms::form(*kind, &ctx);
                if let Some(why) = &form.blocked {
                    english(why);
                }
                for f in &form.fields {
                    english(f.label);
                    match &f.input {
                        Input::Text { placeholder } | Input::LongText { placeholder } => {
                            english(placeholder);
                        }
                        Input::Number { unit } => {
                            english(unit);
                        }
                        // Places, branches, households and people are the county's own names.
                        Input::Choice { choices, .. }
                            if !matches!(f.name, "place" | "partner" | "target" | "member") =>
                        {
                            for c in choices {
                                english(&c.label);
                            }
                        }
                        _ => {}
                    }
                }
                for values in [BTreeMap::new(), bad.clone(), early.clone()] {
                    let id = "x".to_string();
                    if let Err(errors) = forms::submit(*kind, &values, &ctx, id, 0) {
                        for e in errors {
                            let en = msg_in(Lang::En, &e.msg);
                            assert!(!chinese_left(&en), "no English for {:?}: {en:?}", e.msg);
                        }
                    }
                }
            }
        }
        let required = Msg::Required {
            what: "培养对象姓名".into(),
        };
        assert_eq!(msg_in(Lang::Zh, &required), "请填写培养对象姓名");
        assert_eq!(
            msg_in(Lang::En, &required),
            "Enter Name of the person trained"
        );
        assert_eq!(
            msg_in(Lang::En, &Msg::TargetOfYear { year: 2026 }),
            "Household 2026"
        );
        assert_eq!(
            tr_in(Lang::Zh, "请选择方案"),
            "请选择方案",
            "Chinese stays as written"
        );
        assert_eq!(
            tr_in(Lang::En, "茶园村"),
            "茶园村",
            "names are not translated"
        );
    }
}

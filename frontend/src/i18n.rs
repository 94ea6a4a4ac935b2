//! Every user-facing string of the field app's shell, sync, storage, export/import,
//! conflict and history parts, in one table: Simplified Chinese first, English second.
//!
//! The language is read once at start from storage; switching it stores the choice and
//! reloads the page, so no view has to track the language reactively and no string can
//! be left half-translated on screen.

use crate::storage;
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
    ("sync.today", "今天", "today"),
    ("sync.days_ago", "天前", "days ago"),
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
    ("conflicts.hint", "两人离线时改了同一项，现显示第一个值。请选定正确的值，另一个会留在历史中。", "Two people changed the same field offline; the first value is shown. Pick the right one; the other stays in the history."),
    ("conflicts.shown", "现显示", "Shown"),
    ("conflicts.other", "另一值", "Other value"),
    ("conflicts.choose", "选定", "Choose"),
    ("conflicts.no_right", "由记录人或支部书记确认", "To be confirmed by the author or the branch secretary"),
    ("history.title", "修改历史", "History"),
    ("history.empty", "还没有历史", "No history yet"),
    ("history.changed", "改为", "set to"),
    ("history.unknown", "某设备", "a device"),
    ("field.note", "情况记录", "Note"),
    ("field.date", "日期", "Date"),
    ("field.place", "地点", "Place"),
    ("field.kind", "类别", "Kind"),
    ("field.withdrawn", "已撤回", "Withdrawn"),
    ("field.author", "记录人", "Author"),
    ("field.recorded_at", "记录时间", "Recorded at"),
    ("field.id", "编号", "Id"),
];

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
    }
}

//! 导入/导出 (issue 13): the county keeps its lists in Excel, so the registry goes out as a
//! workbook (模板 empty, 导出 the current registry) and comes back as one. An upload is
//! always a dry run first: what would be added, changed and retired per sheet and every
//! bad row; only then 确认导入 sends the same bytes for the real, all-or-nothing import.

use crate::components::api::{download, notice};
use crate::components::file_pick::{FilePick, Picked};
use crate::components::post::{post_bytes, XLSX};
use crate::i18n::t;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::registry_admin::ImportReport;

#[component]
pub fn OfficeRegistryImportPage() -> impl IntoView {
    let file = RwSignal::new(None::<Picked>);
    let report = RwSignal::new(None::<Result<ImportReport, String>>);
    let done = RwSignal::new(None::<Result<ImportReport, String>>);
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<String, String>>);

    let fetch_file = move |url: &'static str| {
        status.set(Some(Ok(t("office.downloading").to_string())));
        spawn_local(async move {
            status.set(Some(download(url.to_string()).await.map(|(name, size)| {
                t("office.downloaded")
                    .replace("{name}", &name)
                    .replace("{kb}", &size.div_ceil(1024).to_string())
            })));
        });
    };
    let check = move |p: Picked| {
        done.set(None);
        report.set(None);
        busy.set(true);
        file.set(Some(p.clone()));
        spawn_local(async move {
            let r = post_bytes::<ImportReport>(
                "/api/office/registry/import?dry_run=true",
                &p.bytes,
                XLSX,
            )
            .await;
            report.set(Some(r));
            busy.set(false);
        });
    };
    let confirm = move |_| {
        let Some(p) = file.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let r = post_bytes::<ImportReport>(
                "/api/office/registry/import?dry_run=false",
                &p.bytes,
                XLSX,
            )
            .await;
            if matches!(&r, Ok(rep) if rep.ok) {
                file.set(None);
                report.set(None);
            }
            done.set(Some(r));
            busy.set(false);
        });
    };
    view! {
        <section class="card office wide-page" id="registry-import">
            <h2>{t("rimport.title")}</h2>
            <p class="hint">{t("rimport.how")}</p>
            <ul class="forms">
                <li><a id="registry-template" href="/api/office/registry/template.xlsx"
                    on:click=move |ev| { ev.prevent_default(); fetch_file("/api/office/registry/template.xlsx") }>
                    {t("rimport.template")}</a></li>
                <li><a id="registry-export" href="/api/office/registry/export.xlsx"
                    on:click=move |ev| { ev.prevent_default(); fetch_file("/api/office/registry/export.xlsx") }>
                    {t("rimport.export")}</a></li>
            </ul>
            {move || status.get().map(|m| notice("registry-download", m))}
            <h3>{t("rimport.upload")}</h3>
            <FilePick id="registry-file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                on_pick=check />
            {move || busy.get().then(|| view! { <p class="stamp" role="status">{t("rimport.checking")}</p> })}
            {move || report.get().map(|r| match r {
                Err(e) => view! { <p id="import-check" class="warning" role="alert">{e}</p> }.into_any(),
                Ok(rep) => view! { <Report rep=rep dry=true /> }.into_any(),
            })}
            {move || {
                let ready = matches!(report.get(), Some(Ok(ref r)) if r.ok);
                ready.then(|| view! {
                    <button type="button" class="primary" id="import-confirm"
                        disabled=move || busy.get() on:click=confirm>{t("rimport.confirm")}</button>
                })
            }}
            {move || done.get().map(|r| match r {
                Err(e) => view! { <p id="import-done" class="warning" role="alert">{e}</p> }.into_any(),
                Ok(rep) if rep.ok => view! {
                    <div id="import-done" role="status">
                        <p class="ok">{t("rimport.done")}</p>
                        <Report rep=rep dry=false />
                    </div>
                }.into_any(),
                Ok(rep) => view! { <div id="import-done"><Report rep=rep dry=false /></div> }.into_any(),
            })}
        </section>
    }
}

/// Counts per sheet, every bad row as the server words it (「人员 第 12 行 所在党组织编码：
/// …」, complete on its own), warnings, and the items that change.
#[component]
fn Report(rep: ImportReport, dry: bool) -> impl IntoView {
    let counts = rep
        .summary
        .iter()
        .map(|(sheet, s)| {
            view! {
                <tr data-sheet=sheet.clone()>
                    <td>{sheet.clone()}</td><td class="added">{s.added}</td><td class="changed">{s.changed}</td>
                    <td class="retired-count">{s.retired}</td><td>{s.unchanged}</td>
                </tr>
            }
        })
        .collect_view();
    let n_errors = rep.errors.len();
    let errors = rep
        .errors
        .iter()
        .map(|e| view! { <li class="import-error" data-row=e.row.to_string()>{e.message.clone()}</li> })
        .collect_view();
    let warnings = rep
        .warnings
        .iter()
        .map(|e| view! { <li class="import-warning">{e.message.clone()}</li> })
        .collect_view();
    let changes = rep
        .changes
        .iter()
        .map(|c| {
            view! { <tr><td>{c.action.clone()}</td><td>{c.sheet.clone()}</td><td>{c.code.clone()}</td><td>{c.name.clone()}</td></tr> }
        })
        .collect_view();
    let has_changes = !rep.changes.is_empty();
    let heading = if !rep.ok {
        t("rimport.has_errors").replace("{}", &n_errors.to_string())
    } else if dry {
        t("rimport.would").to_string()
    } else {
        t("rimport.did").to_string()
    };
    view! {
        <div class="import-report" id=if dry { "import-check" } else { "import-result-table" }>
            <p class:warning=!rep.ok><strong>{heading}</strong></p>
            <ul class="import-errors" id=if dry { "import-errors" } else { "import-errors-real" }>{errors}</ul>
            {rep.ok.then(|| view! {
                <div class="scroll">
                    <table class="office-table import-counts">
                        <thead><tr><th>{t("rimport.sheet")}</th><th>{t("rimport.added")}</th>
                            <th>{t("rimport.changed")}</th><th>{t("rimport.retired")}</th><th>{t("rimport.unchanged")}</th></tr></thead>
                        <tbody>{counts}</tbody>
                    </table>
                </div>
            })}
            {(!rep.warnings.is_empty()).then(|| view! {
                <h4>{t("rimport.warnings")}</h4>
                <ul class="import-warnings">{warnings}</ul>
            })}
            {(rep.ok && has_changes).then(|| view! {
                <details class="import-changes">
                    <summary>{t("rimport.list")}</summary>
                    <div class="scroll">
                        <table class="office-table">
                            <tbody>{changes}</tbody>
                        </table>
                    </div>
                </details>
            })}
        </div>
    }
}

//! Issue 6 in the browser: the county office opens the merged database on the generated
//! county, downloads the roster as .xlsx, drills down from a committee to a person's
//! record, and prints the roster.

use super::with_browsers;
use backend::store::{DocStore, SqliteStore};
use e2e::{dist_dir, poll, Browser, Server, LONG, SHORT};
use shared::automerge::ActorId;
use shared::domain::docs::write_county;
use shared::domain::generator::{generate, GenSpec, Generated};
use shared::ids::DocId;
use shared::model::Role;
use std::path::Path;

const PERIOD: &str = "year=2008&as_of=2008-12-31";

/// The generated small county stored where the server will find it (so no demo loads).
fn store_generated(dir: &Path) -> Generated {
    let gen = generate(GenSpec::SMALL);
    let mut docs =
        write_county(&gen.data, ActorId::from([5u8; 16]), 1_214_800_000).expect("county writes");
    let store = SqliteStore::open(&dir.join("sanlian.sqlite3")).expect("store opens");
    store.replace("registry", &docs.registry.save()).unwrap();
    store
        .replace(&DocId::Office.to_string(), &docs.office.save())
        .unwrap();
    for (b, doc) in &mut docs.branches {
        store.replace(&format!("branch/{b}"), &doc.save()).unwrap();
    }
    gen
}

/// Clicks like a thumb does: the element is brought to the middle of the screen first,
/// away from the fixed tab bar at the bottom.
async fn tap(b: &Browser, css: &str) -> e2e::E2eResult {
    b.wait_for(css, LONG).await?;
    b.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
        vec![serde_json::Value::String(css.to_string())],
    )
    .await?;
    b.click(css).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_6_office_overview_drill_down_and_print_view() {
    let dist = dist_dir().unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp data dir");
    let gen = store_generated(data.path());
    let server = Server::start(data.path(), &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = server.url("");
    let r = gen.data.registry.clone();
    let (short_leader, visits) = gen
        .key
        .leaders_short
        .iter()
        // The one with the most visits, so there are records to open.
        .max_by_key(|(_, n)| **n)
        .map(|(l, n)| (l.clone(), *n))
        .expect("the key has a leader short of visits");
    let leader_branch = r.people[&short_leader].branch.clone();
    let leaders_in_c1 = r
        .writing_branches()
        .filter(|b| b.committee == "c1")
        .flat_map(|b| r.people.values().filter(move |p| p.branch == b.id))
        .filter(|p| p.role == Role::Leader)
        .count();

    with_browsers(
        "issue_6",
        &base,
        &["office"],
        async |browsers: &[Browser]| {
            let [b] = browsers else { unreachable!() };
            // The county office's pages are for its staff (issue 4).
            super::log_in_office(b, super::OFFICE_PHONE).await?;

            // The overview: stamp, one row per committee, the charts drawn as SVG.
            b.goto(&format!("/office?{PERIOD}")).await?;
            b.wait_text("#office-stamp", "the data-as-of stamp", LONG, |t| {
                t.starts_with("数据截至")
            })
            .await?;
            let rows = b.texts("#office-committees tbody tr").await?;
            if rows.len() != r.committees.len() {
                return Err(format!(
                    "{} committee rows, expected {}: {rows:?}",
                    rows.len(),
                    r.committees.len()
                ));
            }
            let bars = b.texts(".chart svg rect.fill").await?.len();
            if bars == 0 {
                return Err("no chart bars drawn".into());
            }
            let coverage = b.text("#fig-coverage strong").await?;
            let uncovered: std::collections::BTreeSet<_> = gen
                .key
                .uncovered_by_point
                .union(&gen.key.uncovered_by_pair)
                .collect();
            let expected = format!("{}/{}", r.places.len() - uncovered.len(), r.places.len());
            if coverage != expected {
                return Err(format!("coverage shows {coverage}, expected {expected}"));
            }

            // The county's roster as .xlsx: fetched with the login (a bare link would be
            // refused) and handed to the browser's downloads as a spreadsheet file.
            b.execute(
                "window.__files = []; const make = URL.createObjectURL;\
                 URL.createObjectURL = function (blob) {\
                   window.__files.push([blob.size, blob.type]); return make.call(URL, blob); };",
                vec![],
            )
            .await?;
            tap(b, "#roster-xlsx").await?;
            b.wait_text("#form-download", "the download's outcome", LONG, |t| {
                t.starts_with("已下载") || !t.starts_with("正在")
            })
            .await?;
            let said = b.text("#form-download").await?;
            if !(said.starts_with("已下载") && said.contains("花名册") && said.contains(".xlsx"))
            {
                return Err(format!("the download says {said:?}"));
            }
            let files = b.execute("return window.__files", vec![]).await?;
            let ok = files.as_array().is_some_and(|f| {
                f.len() == 1
                    && f[0][0].as_u64().is_some_and(|n| n > 2_000)
                    && f[0][1]
                        .as_str()
                        .is_some_and(|t| t.contains("spreadsheetml"))
            });
            if !ok {
                return Err(format!("files handed to the browser: {files}"));
            }

            // Drill down: committee → branch → person → record.
            tap(b, "#office-committees tr[data-id=\"c1\"] a.drill").await?;
            b.wait_for(
                &format!("#committee-branches tr[data-id=\"{leader_branch}\"] a.drill"),
                LONG,
            )
            .await?;
            tap(
                b,
                &format!("#committee-branches tr[data-id=\"{leader_branch}\"] a.drill"),
            )
            .await?;
            b.wait_for(
                &format!("#branch-people tr[data-id=\"{short_leader}\"] a.drill"),
                LONG,
            )
            .await?;
            tap(
                b,
                &format!("#branch-people tr[data-id=\"{short_leader}\"] a.drill"),
            )
            .await?;
            let want = format!("已到点 {visits} 次");
            b.wait_text(
                "#person-findings",
                "the leader's visits finding",
                LONG,
                |t| t.contains(&want) || t.contains(&format!("全年到点 {visits} 次")),
            )
            .await?;
            // Each record row shows the whole record (issue 18: a table using the width).
            b.wait_for("#person-records tr.record .record-detail", SHORT)
                .await?;
            let detail = b.text("#person-records tr.record .record-detail").await?;
            if !detail.contains("记录人") {
                return Err(format!("record detail shows {detail:?}"));
            }

            // The printable roster of c1: one row per leader on its first sheet, stamped,
            // with print rules for A4 in the page's styles.
            b.goto(&format!("/office/print/roster?committee=c1&{PERIOD}"))
                .await?;
            b.wait_for(".printed-form .sheet table.form-table tbody tr", LONG)
                .await?;
            let first_sheet = poll("the roster's leader rows", LONG, || async {
                let n = b
                    .execute(
                        "return document.querySelector('.printed-form .sheet tbody').rows.length",
                        vec![],
                    )
                    .await?;
                n.as_u64().ok_or_else(|| format!("{n:?}"))
            })
            .await?;
            if first_sheet as usize != leaders_in_c1 {
                return Err(format!(
                    "{first_sheet} leader rows, expected {leaders_in_c1}"
                ));
            }
            let stamp = b.text(".printed-form .stamp").await?;
            if !stamp.starts_with("数据截至") || !stamp.contains("已知未同步") {
                return Err(format!("stamp reads {stamp:?}"));
            }
            let a4 = b
                .execute(
                    "return Array.from(document.styleSheets).some(s => Array.from(s.cssRules)\
                 .some(r => r.media && r.media.mediaText.includes('print')\
                 && r.cssText.toLowerCase().includes('a4')))",
                    vec![],
                )
                .await?;
            if a4 != serde_json::Value::Bool(true) {
                return Err(format!("no A4 print rules: {a4:?}"));
            }
            Ok(())
        },
    )
    .await;
    server.stop().await.unwrap_or_else(|e| panic!("{e}"));
}

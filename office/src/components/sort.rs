//! Click a column header to sort the table by it; again to reverse. The tables it serves
//! are drawn once per loaded reply (a new reply draws a new table), so reordering their
//! rows in the page is safe and needs no copy of the data per table. Figures sort as
//! numbers, "3/5" by its share, everything else as text.

use leptos::ev::MouseEvent;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// `on:click` of a `<thead class="sortable">` (the class draws the arrows): sorts its
/// table's body by the clicked column.
pub fn sort_by_header(ev: MouseEvent) {
    let _ = sort(ev);
}

fn sort(ev: MouseEvent) -> Option<()> {
    let target: Element = ev.target()?.dyn_into().ok()?;
    let th = target.closest("th").ok()??;
    let head_row = th.parent_element()?;
    let table = th.closest("table").ok()??;
    let cells = head_row.children();
    let col = (0..cells.length()).find(|&i| cells.item(i).as_ref() == Some(&th))?;
    let ascending = th.get_attribute("aria-sort").as_deref() != Some("ascending");
    for i in 0..cells.length() {
        if let Some(c) = cells.item(i) {
            let _ = c.remove_attribute("aria-sort");
        }
    }
    let _ = th.set_attribute(
        "aria-sort",
        if ascending { "ascending" } else { "descending" },
    );
    let body = table.query_selector("tbody").ok()??;
    let rows = body.children();
    let mut keyed: Vec<(Key, Element)> = (0..rows.length())
        .filter_map(|i| rows.item(i))
        .map(|row| {
            let text = row
                .children()
                .item(col)
                .and_then(|c| c.text_content())
                .unwrap_or_default();
            (Key::of(text.trim()), row)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    if !ascending {
        keyed.reverse();
    }
    for (_, row) in keyed {
        let _ = body.append_child(&row);
    }
    Some(())
}

/// Numbers before text, so a column of figures with a few "—" keeps its figures together.
#[derive(PartialEq, PartialOrd)]
enum Key {
    Number(f64),
    Text(String),
}

impl Key {
    fn of(text: &str) -> Key {
        if let Some((done, of)) = text.split_once('/') {
            if let (Some(d), Some(o)) = (leading_number(done), leading_number(of)) {
                return Key::Number(if o > 0.0 { d / o } else { 1.0 });
            }
        }
        leading_number(text).map_or_else(|| Key::Text(text.to_string()), Key::Number)
    }

    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.partial_cmp(other).unwrap_or(std::cmp::Ordering::Equal)
    }
}

/// "12", "3.5%", "4 天" → the number; text that does not start with one → none.
fn leading_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (c == '-' && i == 0)))
        .map_or(text.len(), |(i, _)| i);
    // The browser parses: Rust's float parser would add its tables to the wasm.
    let n = js_sys::Number::parse_float(&text[..end]);
    (end > 0 && !n.is_nan()).then_some(n)
}

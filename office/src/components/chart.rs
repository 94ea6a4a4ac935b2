//! Small inline SVG charts for the county office, built in Leptos: no chart library,
//! nothing to download, and they print. Each chart carries its numbers as text too, so a
//! reader never has to estimate from a bar.

use leptos::prelude::*;

/// One horizontal bar: `part` of `total`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub part: usize,
    pub total: usize,
}

/// An SVG coordinate as text, formatted by the browser: Rust's float formatting would add
/// ~11 KB of wasm for the charts alone (BENCHMARKS.md, issue 18).
fn num(x: f64) -> String {
    js_sys::Number::from(x)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

const ROW: f64 = 22.0;
const LABEL_W: f64 = 96.0;
const BAR_W: f64 = 170.0;

/// Horizontal bars of shares (e.g. places covered per township), widths in percent.
#[component]
pub fn ShareBars(bars: Vec<Bar>, #[prop(into)] title: String) -> impl IntoView {
    let h = ROW * bars.len() as f64 + 4.0;
    let w = LABEL_W + BAR_W + 60.0;
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {} {}", num(w), num(h)) width="100%" role="img" aria-label=title>
                {bars.into_iter().enumerate().map(|(i, b)| {
                    let y = ROW * i as f64 + 2.0;
                    let share = if b.total == 0 { 0.0 } else { b.part as f64 / b.total as f64 };
                    let full = b.total > 0 && b.part == b.total;
                    view! {
                        <g class="bar" class:full=full>
                            <text x="0" y=num(y + 15.0) class="label">{b.label.clone()}</text>
                            <rect x=num(LABEL_W) y=num(y + 3.0) width=num(BAR_W) height=num(ROW - 8.0) class="track" />
                            <rect x=num(LABEL_W) y=num(y + 3.0) width=num(BAR_W * share) height=num(ROW - 8.0) class="fill" />
                            <text x=num(LABEL_W + BAR_W + 4.0) y=num(y + 15.0) class="value">
                                {format!("{}/{}", b.part, b.total)}
                            </text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}

/// Columns per month for one or two series (leaders' visits, help visits).
#[component]
pub fn MonthColumns(
    #[prop(into)] title: String,
    first: (String, Vec<usize>),
    second: (String, Vec<usize>),
) -> impl IntoView {
    let max = first
        .1
        .iter()
        .chain(second.1.iter())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, top, bottom) = (300.0, 150.0, 14.0, 18.0);
    let slot = w / 12.0;
    let plot = h - top - bottom;
    let col = |v: usize, x: f64, class: &'static str| {
        let ch = plot * v as f64 / max as f64;
        view! {
            <rect x=num(x) y=num(top + plot - ch) width=num(slot * 0.38) height=num(ch) class=class>
                <title>{v}</title>
            </rect>
        }
    };
    let months = (0..12).map(|m| {
        let x = slot * m as f64 + slot * 0.1;
        let a = first.1.get(m).copied().unwrap_or(0);
        let b = second.1.get(m).copied().unwrap_or(0);
        view! {
            <g>
                {col(a, x, "series-a")}
                {col(b, x + slot * 0.4, "series-b")}
                <text x=num(x + slot * 0.4) y=num(h - 4.0) class="axis" text-anchor="middle">{m + 1}</text>
            </g>
        }
    }).collect_view();
    let total_a: usize = first.1.iter().sum();
    let total_b: usize = second.1.iter().sum();
    view! {
        <figure class="chart">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {} {}", num(w), num(h)) width="100%" role="img" aria-label=title>
                <text x="0" y="10" class="axis">{format!("最高 {max} 次/月")}</text>
                {months}
            </svg>
            <p class="legend">
                <span class="key series-a"></span>{format!("{}（全年 {total_a}）", first.0)}
                " "
                <span class="key series-b"></span>{format!("{}（全年 {total_b}）", second.0)}
            </p>
        </figure>
    }
}

/// A ring showing one share of a whole, with the figures beside it.
#[component]
pub fn ShareRing(#[prop(into)] title: String, part: usize, total: usize) -> impl IntoView {
    let r = 40.0_f64;
    let c = 2.0 * std::f64::consts::PI * r;
    let share = if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    };
    let percent = (share * 100.0).floor() as u32;
    view! {
        <figure class="chart ring">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox="0 0 100 100" width="120" height="120" role="img" aria-label=title>
                <circle cx="50" cy="50" r=num(r) class="track" fill="none" stroke-width="14" />
                <circle cx="50" cy="50" r=num(r) class="fill" fill="none" stroke-width="14"
                    stroke-dasharray=format!("{} {}", num(c * share), num(c))
                    transform="rotate(-90 50 50)" />
                <text x="50" y="56" text-anchor="middle" class="big">{format!("{percent}%")}</text>
            </svg>
            <p class="legend">{format!("{part} / {total}")}</p>
        </figure>
    }
}

//! Small charts drawn as SVG: cheaper for the wasm bundle than a chart library, and they
//! render on the server too.

use crate::components::format::number;
use leptos::prelude::*;

/// A vertical bar chart of counts, one bar per label (e.g. per day).
#[component]
pub fn BarChart(
    /// (label, value) pairs, oldest first.
    data: Vec<(String, i64)>,
    /// What the numbers count, for the accessible description.
    #[prop(into)]
    caption: String,
) -> impl IntoView {
    let (w, h, pad_l, pad_b, pad_t) = (600.0_f64, 170.0_f64, 34.0_f64, 22.0_f64, 8.0_f64);
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    // A round-ish top for the scale.
    let top = nice_ceiling(max);
    let n = data.len().max(1) as f64;
    let slot = (w - pad_l) / n;
    let bar_w = (slot * 0.7).max(2.0);
    let plot_h = h - pad_b - pad_t;
    let total: i64 = data.iter().map(|(_, v)| v).sum();
    let summary = format!("{caption}: {} in total over {} days.", number(total), data.len());
    let grid = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = pad_t + plot_h * (1.0 - f);
            let label = number((top as f64 * f).round() as i64);
            view! {
                <line class="grid-line" x1=pad_l x2=w y1=y y2=y></line>
                <text class="axis" x=pad_l - 6.0 y=y + 4.0 text-anchor="end">{label}</text>
            }
        })
        .collect_view();
    let last = data.len().saturating_sub(1);
    let bars = data
        .into_iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let bh = plot_h * v as f64 / top as f64;
            let x = pad_l + slot * i as f64 + (slot - bar_w) / 2.0;
            let y = pad_t + plot_h - bh;
            // Weekly ticks, and the last day unless a weekly tick sits right beside it.
            let tick = ((i % 7 == 0 && last - i >= 3) || i == last).then(|| {
                view! { <text class="axis" x=x + bar_w / 2.0 y=h - 6.0 text-anchor="middle">{label.clone()}</text> }
            });
            view! {
                <rect class="bar" x=x y=y width=bar_w height=bh.max(if v > 0 { 1.5 } else { 0.0 }) rx="2">
                    <title>{format!("{label}: {}", number(v))}</title>
                </rect>
                {tick}
            }
        })
        .collect_view();
    view! {
        <figure class="chart-figure">
            <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=summary.clone()>
                {grid}
                {bars}
            </svg>
            <figcaption class="sr-only">{summary}</figcaption>
        </figure>
    }
}

fn nice_ceiling(max: i64) -> i64 {
    let mut step = 1;
    while step * 10 < max {
        step *= 10;
    }
    let mut top = step;
    while top < max {
        top += step;
    }
    top.max(4)
}

/// Horizontal bars with labels and values, for shares of a total.
#[component]
pub fn HBars(
    /// (label, value, css modifier, link)
    rows: Vec<(String, i64, String, Option<String>)>,
) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let items = rows
        .into_iter()
        .map(|(label, value, class, href)| {
            let pct = (value as f64 * 100.0 / max as f64).max(if value > 0 { 1.0 } else { 0.0 });
            let label_view = match href {
                Some(h) => view! { <a href=h>{label.clone()}</a> }.into_any(),
                None => view! { <span>{label.clone()}</span> }.into_any(),
            };
            view! {
                <li class="hbar">
                    <span class="hbar-label">{label_view}</span>
                    <span class="hbar-track" aria-hidden="true">
                        <span class=format!("hbar-fill {class}") style=format!("width: {pct:.1}%")></span>
                    </span>
                    <span class="hbar-value">{number(value)}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="hbars">{items}</ul> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn scale_tops_are_round_and_cover_the_maximum() {
        assert_eq!(super::nice_ceiling(1), 4);
        assert_eq!(super::nice_ceiling(7), 7);
        assert_eq!(super::nice_ceiling(13), 20);
        assert_eq!(super::nice_ceiling(250), 300);
    }
}

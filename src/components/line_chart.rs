//! A chart of lines over the same points (p50 and p95 per hour, say), drawn as SVG like
//! the other charts.

use super::charts::{key_steps, nice_ceiling_f, short, svg_class};
use leptos::prelude::*;

/// One line of a `LineChart`: its name (legend and readout), the class that draws it
/// (`line-a` solid in the accent colour, `line-b` dashed in orange), and a value per point,
/// `None` where nothing was measured (the line breaks there).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartLine {
    pub name: String,
    pub class: &'static str,
    pub values: Vec<Option<f64>>,
}

/// Lines over the same points (p50 and p95 per hour, say), with optional red marks under
/// the points that need attention (hours with failures), a readout of the point under the
/// pointer or keyboard focus (arrow keys, Home, End), a legend, and for screen readers a
/// summary and the values as a table. `hover` belongs to the caller, as in `SeriesChart`.
#[component]
pub fn LineChart(
    /// The points' labels, oldest first.
    labels: Vec<String>,
    lines: Vec<ChartLine>,
    /// Per point, a note that marks it, or `None`.
    #[prop(default = None)]
    marks: Option<Vec<Option<String>>>,
    /// What a mark means, for the legend ("failed probes").
    #[prop(default = "")]
    marks_label: &'static str,
    /// Formats a value with its unit.
    format: fn(f64) -> String,
    #[prop(into)] caption: String,
    hover: RwSignal<Option<usize>>,
    /// The drawing's width in its own units.
    #[prop(default = 600.0)]
    width: f64,
    /// The drawing's id (it takes the keyboard focus).
    #[prop(optional, into)]
    id: Option<String>,
) -> AnyView {
    use std::fmt::Write;
    let (w, h, pad_l, pad_r, pad_b, pad_t) = (width, 170.0_f64, 40.0_f64, 6.0_f64, 20.0_f64, 8.0_f64);
    let count = labels.len();
    let last = count.saturating_sub(1);
    let max = lines.iter().flat_map(|l| l.values.iter().flatten().copied()).fold(0.0, f64::max);
    let top = nice_ceiling_f(max);
    let slot = (w - pad_l - pad_r) / count.max(1) as f64;
    let mark_h = if marks.is_some() { 7.0 } else { 0.0 };
    let plot_h = h - pad_b - pad_t - mark_h;
    let x_of = move |i: usize| pad_l + slot * (i as f64 + 0.5);
    let y_of = move |v: f64| pad_t + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));
    let marks: Vec<Option<String>> = marks.unwrap_or_default();
    let marked = marks.iter().flatten().count();
    let has_data = |i: usize| lines.iter().any(|l| l.values.get(i).copied().flatten().is_some());
    let latest = (0..count).rev().find(|i| has_data(*i));
    let summary = {
        let mut s = format!("{caption}.");
        if latest.is_none() {
            s.push_str(" No data yet.");
        }
        for l in lines.iter().filter(|_| latest.is_some()) {
            let high = l.values.iter().flatten().copied().fold(f64::NAN, f64::max);
            let now = latest.and_then(|i| l.values.get(i).copied().flatten());
            let _ = write!(
                s,
                " {}: latest {}, highest {}.",
                l.name,
                now.map(format).unwrap_or_else(|| "no data".into()),
                if high.is_nan() { "no data".into() } else { format(high) }
            );
        }
        if marked > 0 && !marks_label.is_empty() {
            let _ = write!(s, " {marked} with {marks_label}.");
        }
        s
    };
    let grid = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = pad_t + plot_h * (1.0 - f);
            view! {
                <line class="grid-line" x1=pad_l x2=w - pad_r y1=y y2=y></line>
                <text class="axis" x=pad_l - 6.0 y=y + 4.0 text-anchor="end">{short(top * f)}</text>
            }
        })
        .collect_view();
    let every = (count / 6).max(1);
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| (i % every == 0 && last - i > every / 2) || *i == last)
        .map(|(i, label)| {
            // The ends stay inside the drawing.
            let (x, anchor) = match i {
                0 if count > 1 => (pad_l, "start"),
                i if i == last && count > 1 => (w - pad_r, "end"),
                i => (x_of(i), "middle"),
            };
            view! { <text class="axis" x=x y=h - 5.0 text-anchor=anchor>{label.clone()}</text> }
        })
        .collect_view();
    let drawn = lines
        .iter()
        .map(|l| {
            let mut d = String::new();
            let mut dots = Vec::new();
            for (i, v) in l.values.iter().enumerate() {
                let Some(v) = v else { continue };
                let (x, y) = (x_of(i), y_of(*v));
                let before = i > 0 && l.values[i - 1].is_some();
                let after = l.values.get(i + 1).is_some_and(Option::is_some);
                let _ = if before { write!(d, " L{x:.1} {y:.1}") } else { write!(d, " M{x:.1} {y:.1}") };
                if !before && !after {
                    dots.push((x, y));
                }
            }
            let class = l.class;
            let dots = dots
                .into_iter()
                .map(|(x, y)| view! { <circle class=format!("line-dot {class}") cx=x cy=y r="2.5"></circle> })
                .collect_view();
            view! {
                <path class=format!("line {class}") d=d.trim().to_string()></path>
                {dots}
            }
        })
        .collect_view();
    let mark_views = marks
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.as_ref().map(|m| (i, m)))
        .map(|(i, note)| {
            let mw = (slot * 0.8).max(2.0);
            let title = format!("{}: {note}", labels.get(i).cloned().unwrap_or_default());
            view! {
                <rect class="mark" x=x_of(i) - mw / 2.0 y=pad_t + plot_h + 3.0 width=mw height="4" rx="1">
                    <title>{title}</title>
                </rect>
            }
        })
        .collect_view();
    let hits = (0..count)
        .map(|i| {
            view! {
                <rect class="bar-hit" x=pad_l + slot * i as f64 y=pad_t width=slot height=plot_h + mark_h
                    on:mouseenter=move |_| hover.set(Some(i))></rect>
            }
        })
        .collect_view();
    let series: Vec<(String, &'static str, Vec<Option<f64>>)> =
        lines.iter().map(|l| (l.name.clone(), l.class, l.values.clone())).collect();
    let cursor = {
        let series = series.clone();
        move || {
            hover.get().filter(|i| *i < count).map(|i| {
                let points = series
                    .iter()
                    .filter_map(|(_, class, values)| values.get(i).copied().flatten().map(|v| (*class, v)))
                    .map(|(class, v)| {
                        view! { <circle class=format!("line-dot {class}") cx=x_of(i) cy=y_of(v) r="3.5"></circle> }
                    })
                    .collect_view();
                view! {
                    <line class="hover-line" x1=x_of(i) x2=x_of(i) y1=pad_t y2=pad_t + plot_h></line>
                    {points}
                }
            })
        }
    };
    let on_key = key_steps(hover, latest, last);
    let readout = {
        let (series, labels, marks) = (series.clone(), labels.clone(), marks.clone());
        move || {
            let i = hover.get().filter(|i| *i < count).or(latest)?;
            let values = series
                .iter()
                .map(|(name, _, values)| {
                    format!(
                        "{name} {}",
                        values.get(i).copied().flatten().map(format).unwrap_or_else(|| "no data".into())
                    )
                })
                .collect::<Vec<_>>()
                .join(" · ");
            let mark = marks.get(i).cloned().flatten().map(|m| format!(" · {m}")).unwrap_or_default();
            Some(format!("{}: {values}{mark}", labels.get(i)?))
        }
    };
    let legend = series
        .iter()
        .map(|(name, class, _)| {
            view! { <span class="legend-line"><span class=format!("legend-stroke {class}") aria-hidden="true"></span>{name.clone()}</span> }
        })
        .collect_view();
    let marks_legend = (marked > 0 && !marks_label.is_empty()).then(|| {
        view! { <span class="legend-line"><span class="legend-mark" aria-hidden="true"></span>{marks_label}</span> }
    });
    let head = series.iter().map(|(name, ..)| view! { <th scope="col">{name.clone()}</th> }).collect_view();
    let rows = (0..count)
        .filter(|i| has_data(*i) || marks.get(*i).is_some_and(Option::is_some))
        .map(|i| {
            let cells = series
                .iter()
                .map(|(_, _, values)| {
                    view! { <td>{values.get(i).copied().flatten().map(format).unwrap_or_else(|| "—".into())}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{labels[i].clone()}</th>
                    {cells}
                    {(marked > 0).then(|| view! { <td>{marks.get(i).cloned().flatten().unwrap_or_default()}</td> })}
                </tr>
            }
        })
        .collect_view();
    let table_caption = caption.clone();
    let title = summary.clone();
    view! {
        <figure class="chart-figure">
            <svg class=format!("{} line-chart", svg_class(w)) id=id viewBox=format!("0 0 {w} {h}") role="img" aria-label=summary tabindex="0"
                on:keydown=on_key on:mouseleave=move |_| hover.set(None)>
                <title>{title}</title>
                {grid}
                {mark_views}
                {drawn}
                {cursor}
                {hits}
                {ticks}
            </svg>
            <figcaption class="chart-foot">
                <span class="chart-readout" aria-live="polite">{readout}</span>
                <span class="legend">{legend}{marks_legend}</span>
            </figcaption>
            <table class="sr-only">
                <caption>{table_caption}</caption>
                <thead><tr><th scope="col">"Time"</th>{head}{(marked > 0).then(|| view! { <th scope="col">{marks_label}</th> })}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
    .into_any()
}

//! Small charts drawn as SVG: cheaper for the wasm bundle than a chart library, and they
//! render on the server too.

use crate::components::format::number;
use leptos::prelude::*;

/// The SVG's classes: a chart drawn at the full 600-unit width is marked `chart-wide`, so
/// the stylesheet can size its axis labels for the width it is drawn at (about half size on
/// a phone, up to twice on a wide screen).
pub(super) fn svg_class(width: f64) -> &'static str {
    if width >= 500.0 {
        "chart chart-wide"
    } else {
        "chart"
    }
}

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
                <line class="grid-line" x1=at(pad_l) x2=at(w) y1=at(y) y2=at(y)></line>
                <text class="axis" x=at(pad_l - 6.0) y=at(y + 4.0) text-anchor="end">{label}</text>
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
                view! { <text class="axis" x=at(x + bar_w / 2.0) y=at(h - 6.0) text-anchor="middle">{label.clone()}</text> }
            });
            view! {
                <rect class="bar" x=at(x) y=at(y) width=at(bar_w) height=at(bh.max(if v > 0 { 1.5 } else { 0.0 })) rx="2">
                    <title>{format!("{label}: {}", number(v))}</title>
                </rect>
                {tick}
            }
        })
        .collect_view();
    view! {
        <figure class="chart-figure">
            <svg class=svg_class(w) viewBox=format!("0 0 {} {}", at(w), at(h)) role="img" aria-label=summary.clone()>
                {grid}
                {bars}
            </svg>
            <figcaption class="sr-only">{summary}</figcaption>
        </figure>
    }
}

/// Bars of a metered series (one per day or bucket; `None` where nothing was measured)
/// with an optional reference line (an allocation) and ghost bars for the buckets before,
/// a readout of the bar under the pointer or keyboard focus (arrow keys, Home, End), a
/// legend, and a screen-reader summary. `hover` belongs to the caller, so the readout
/// stays where it was when fresh data replaces the chart.
#[component]
pub fn SeriesChart(
    /// (label, value), oldest first.
    points: Vec<(String, Option<f64>)>,
    /// A level to compare with, and what it is ("allocation").
    #[prop(default = None)]
    reference: Option<(f64, String)>,
    /// Formats a value with its unit.
    format: fn(f64) -> String,
    #[prop(into)] caption: String,
    hover: RwSignal<Option<usize>>,
    /// The buckets just before, one per point, drawn as pale bars beside them.
    #[prop(default = None)]
    previous: Option<Vec<f64>>,
    /// The drawing's width in its own units: smaller for charts in narrow cards, so the
    /// labels keep a readable size.
    #[prop(default = 600.0)]
    width: f64,
) -> AnyView {
    let (w, h, pad_l, pad_b, pad_t) = (width, 150.0_f64, 40.0_f64, 20.0_f64, 8.0_f64);
    let values: Vec<Option<f64>> = points.iter().map(|p| p.1).collect();
    let max = values
        .iter()
        .flatten()
        .copied()
        .fold(0.0, f64::max)
        .max(previous.iter().flatten().copied().fold(0.0, f64::max));
    let (top, reference_drawn) = scale_top(max, reference.as_ref().map(|r| r.0));
    let n = points.len().max(1) as f64;
    let slot = (w - pad_l) / n;
    let ghosts = previous.is_some();
    let bar_w = if ghosts { (slot * 0.4).max(1.5) } else { (slot * 0.7).max(2.0) };
    let plot_h = h - pad_b - pad_t;
    let y_of = move |v: f64| pad_t + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));
    let count = points.len();
    let last = count.saturating_sub(1);
    let latest = values.iter().rev().flatten().next().copied();
    let summary = format!(
        "{caption}, {} bars. Latest: {}.{}",
        count,
        latest.map(format).unwrap_or_else(|| "no data".into()),
        reference.as_ref().map(|(v, what)| format!(" {} {}.", title(what), format(*v))).unwrap_or_default()
    );
    let grid = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = pad_t + plot_h * (1.0 - f);
            view! {
                <line class="grid-line" x1=pad_l x2=w y1=y y2=y></line>
                <text class="axis" x=pad_l - 6.0 y=y + 4.0 text-anchor="end">{short(top * f)}</text>
            }
        })
        .collect_view();
    let ghost_bars = previous.map(|prev| {
        prev.into_iter()
            .take(count)
            .enumerate()
            .map(|(i, v)| {
                let x = pad_l + slot * i as f64 + slot / 2.0 - bar_w;
                view! { <rect class="bar-ghost" x=x y=y_of(v) width=bar_w height=(pad_t + plot_h - y_of(v)).max(0.0) rx="1.5"></rect> }
            })
            .collect_view()
    });
    // Tick labels: about six, the last always, none crowding it.
    let every = (count / 6).max(1);
    let labels: Vec<String> = points.iter().map(|p| p.0.clone()).collect();
    let bars = points
        .into_iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let x = if ghosts { pad_l + slot * i as f64 + slot / 2.0 } else { pad_l + slot * i as f64 + (slot - bar_w) / 2.0 };
            let bar = v.map(|v| {
                let y = y_of(v);
                view! {
                    <rect class="bar" class:active=move || hover.get() == Some(i) x=x y=y width=bar_w
                        height=(pad_t + plot_h - y).max(if v > 0.0 { 1.5 } else { 0.0 }) rx="1.5"></rect>
                }
            });
            let tick = ((i % every == 0 && last - i > every / 2) || i == last).then(|| {
                view! { <text class="axis" x=pad_l + slot * (i as f64 + 0.5) y=h - 5.0 text-anchor="middle">{label.clone()}</text> }
            });
            view! {
                {bar}
                // A full-height target, so thin bars are easy to point at.
                <rect class="bar-hit" x=pad_l + slot * i as f64 y=pad_t width=slot height=plot_h
                    on:mouseenter=move |_| hover.set(Some(i))></rect>
                {tick}
            }
        })
        .collect_view();
    let reference_line = reference.as_ref().filter(|_| reference_drawn).map(|(v, _)| {
        let y = y_of(*v);
        view! { <line class="ref-line" x1=pad_l x2=w y1=y y2=y></line> }
    });
    let legend = reference.map(|(v, what)| {
        let above = if reference_drawn { "" } else { ", above the chart ↑" };
        view! {
            <span class="legend-ref">
                <span class="legend-swatch" aria-hidden="true"></span>{format!("{} {}{above}", title(&what), format(v))}
            </span>
        }
    });
    let on_key = key_steps(hover, None, last);
    let readout = move || {
        let i = hover.get().filter(|i| *i < count).unwrap_or(last);
        let value = values.get(i).copied().flatten().map(format).unwrap_or_else(|| "no data".into());
        labels.get(i).map(|l| format!("{l}: {value}"))
    };
    view! {
        <figure class="chart-figure">
            <svg class=svg_class(w) viewBox=format!("0 0 {w} {h}") role="img" aria-label=summary tabindex="0"
                on:keydown=on_key on:mouseleave=move |_| hover.set(None)>
                {grid}
                {ghost_bars}
                {bars}
                {reference_line}
            </svg>
            <figcaption class="chart-foot">
                <span class="chart-readout" aria-live="polite">{readout}</span>
                {legend}
            </figcaption>
        </figure>
    }
    .into_any()
}

/// How far above the data a reference line may be and still be drawn.
const REFERENCE_REACH: f64 = 4.0;

/// The chart's top, and whether the reference is drawn. A reference more than
/// [`REFERENCE_REACH`] times the data's peak (an allocation of 66,667 calls a day against
/// 700 used) would squash the bars flat against the axis: the scale then follows the data
/// and the legend says the reference is above the chart. With no data above zero the
/// reference sets the scale, so an empty chart still shows the level it is compared with.
fn scale_top(data_max: f64, reference: Option<f64>) -> (f64, bool) {
    match reference {
        Some(r) if data_max <= 0.0 || r <= data_max * REFERENCE_REACH => (nice_ceiling_f(data_max.max(r)), true),
        _ => (nice_ceiling_f(data_max), false),
    }
}

fn title(s: &str) -> String {
    crate::components::format::title_case(s)
}

/// An axis label: 1200 → "1.2k", 3500000 → "3.5M", small values with decimals.
pub(crate) fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A round top for a scale of real values.
pub(crate) fn nice_ceiling_f(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    let steps = [1.0, 2.0, 2.5, 5.0, 10.0];
    steps.iter().map(|s| s * mag).find(|t| *t >= max).unwrap_or(10.0 * mag)
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

/// A number for SVG geometry or a CSS length, to one decimal ("34", "12.5"), written with
/// integer arithmetic: Rust's float printing is several KB of wasm, and `BarChart` and
/// `HBars` draw the dashboard, whose code is in the main bundle.
pub(crate) fn at(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let (whole, frac) = (tenths.abs() / 10, tenths.abs() % 10);
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
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
                        <span class=format!("hbar-fill {class}") style=format!("width: {}%", at(pct))></span>
                    </span>
                    <span class="hbar-value">{number(value)}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="hbars">{items}</ul> }
}

/// The chart hover state of a panel whose charts are replaced on every refresh: one signal
/// per chart key, owned by the panel (not by the content a refresh replaces), so the bar a
/// person points at stays selected when fresh data arrives. Call in the panel's body.
pub fn use_hover_map() -> impl Fn(&str) -> RwSignal<Option<usize>> + Copy + 'static {
    let hovers = StoredValue::new(std::collections::HashMap::<String, RwSignal<Option<usize>>>::new());
    let panel = StoredValue::new(Owner::current());
    move |key: &str| {
        if let Some(h) = hovers.with_value(|h| h.get(key).copied()) {
            return h;
        }
        let h = panel.with_value(|owner| match owner {
            Some(owner) => owner.with(|| RwSignal::new(None)),
            None => RwSignal::new(None),
        });
        hovers.update_value(|all| {
            all.insert(key.to_string(), h);
        });
        h
    }
}

/// The last `days` days up to `today` as a chart's axis ("Dec 4"), with the series' value
/// for each day or `None` where nothing was measured, so a metric measured for a few days
/// still reads as a month.
pub fn daily_axis(
    series: &[crate::model::usage::Point],
    today: chrono::NaiveDate,
    days: i64,
) -> Vec<(String, Option<f64>)> {
    let start = crate::model::usage::day_start(today) - chrono::Duration::days(days - 1);
    (0..days)
        .map(|d| {
            let at = start + chrono::Duration::days(d);
            let v = series.iter().find(|p| p.at == at).map(|p| p.value);
            (crate::components::format::day_month(at.date_naive()), v)
        })
        .collect()
}

/// The keys that move a chart's readout between its points: ←/→ one step, Home and End to
/// either end, from the point shown (or `from`, else the last).
pub(crate) fn key_steps(
    hover: RwSignal<Option<usize>>,
    from: Option<usize>,
    last: usize,
) -> impl Fn(leptos::ev::KeyboardEvent) + Copy {
    move |ev: leptos::ev::KeyboardEvent| {
        let cur = hover.get_untracked().or(from).unwrap_or(last);
        let next = match ev.key().as_str() {
            "ArrowLeft" => cur.saturating_sub(1),
            "ArrowRight" => (cur + 1).min(last),
            "Home" => 0,
            "End" => last,
            _ => return,
        };
        ev.prevent_default();
        hover.set(Some(next));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn svg_numbers_have_one_decimal_at_most() {
        for (v, want) in
            [(34.0, "34"), (12.5, "12.5"), (0.04, "0"), (-6.25, "-6.3"), (-0.04, "0"), (599.96, "600"), (1.55, "1.6")]
        {
            assert_eq!(super::at(v), want, "{v}");
        }
    }

    #[test]
    fn scale_tops_are_round_and_cover_the_maximum() {
        assert_eq!(super::nice_ceiling(1), 4);
        assert_eq!(super::nice_ceiling(7), 7);
        assert_eq!(super::nice_ceiling(13), 20);
        assert_eq!(super::nice_ceiling(250), 300);
    }

    #[test]
    fn real_scales_round_up_to_1_2_2_5_5() {
        assert_eq!(super::nice_ceiling_f(0.0), 1.0);
        assert_eq!(super::nice_ceiling_f(0.03), 0.05);
        assert_eq!(super::nice_ceiling_f(7.0), 10.0);
        assert_eq!(super::nice_ceiling_f(2100.0), 2500.0);
        assert_eq!(super::nice_ceiling_f(f64::NAN), 1.0);
    }

    #[test]
    fn a_reference_far_above_the_data_is_left_off_the_scale() {
        use super::scale_top;
        // 690 calls a day against a daily share of 66,667: the bars keep the scale.
        assert_eq!(scale_top(690.0, Some(66_667.0)), (1000.0, false));
        // Within four times the peak the reference is drawn and the scale covers it.
        assert_eq!(scale_top(690.0, Some(2_000.0)), (2000.0, true));
        assert_eq!(scale_top(690.0, Some(2_760.0)), (5000.0, true));
        assert_eq!(scale_top(690.0, Some(2_761.0)), (1000.0, false));
        // Above the reference: the data sets the scale, the line is drawn under it.
        assert_eq!(scale_top(130.0, Some(100.0)), (200.0, true));
        // Nothing used yet: the reference sets the scale so the chart shows the level.
        assert_eq!(scale_top(0.0, Some(66_667.0)), (100_000.0, true));
        assert_eq!(scale_top(42.0, None), (50.0, false));
    }

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(super::short(1200.0), "1.2k");
        assert_eq!(super::short(25000.0), "25k");
        assert_eq!(super::short(3_500_000.0), "3.5M");
        assert_eq!(super::short(0.25), "0.25");
    }
}

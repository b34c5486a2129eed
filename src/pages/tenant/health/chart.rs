//! The response-time chart (p50 and p95 per hour, or per day over long periods) of one
//! check, with its uptime over the period shown and a custom period's form.

#[allow(unused_imports)]
use super::*;

/// The chart's axis over `[from, to)`, oldest first: every hour (or day) with its label,
/// p50, p95 and a note for those with failed probes; the gaps are `None`.
#[allow(clippy::type_complexity)]
pub(super) fn axis(
    points: &[Point],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    daily: bool,
) -> (Vec<String>, Vec<Option<f64>>, Vec<Option<f64>>, Vec<Option<String>>) {
    let step = if daily { 86_400 } else { 3_600 };
    let key = |at: DateTime<Utc>| at.timestamp().div_euclid(step);
    let by_key: HashMap<i64, &Point> = points.iter().map(|p| (key(p.at), p)).collect();
    // The last instant inside the period decides its last hour (or day).
    let last = key(to - chrono::Duration::seconds(1)).max(key(from));
    let long = !daily && last - key(from) >= 24;
    let (mut labels, mut p50, mut p95, mut marks) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for k in key(from)..=last {
        let at = DateTime::<Utc>::from_timestamp(k * step, 0).unwrap_or(from);
        labels.push(
            at.format(if daily {
                "%b %-d"
            } else if long {
                "%a %H:%M"
            } else {
                "%H:%M"
            })
            .to_string(),
        );
        let p = by_key.get(&k);
        p50.push(p.and_then(|p| p.p50_ms).map(f64::from));
        p95.push(p.and_then(|p| p.p95_ms).map(f64::from));
        marks.push(
            p.filter(|p| p.down > 0)
                .map(|p| format!("{} of {} probe{} failed", p.down, p.total, if p.total == 1 { "" } else { "s" })),
        );
    }
    (labels, p50, p95, marks)
}

pub(super) fn ms_axis(v: f64) -> String {
    ms(Some(v.round() as i32))
}

/// "99.9% uptime · 12,340 probes, 6 failed, 14 degraded · p50 40 ms · p95 120 ms".
fn period_line(p: &PeriodSummary) -> String {
    if p.uptime.total == 0 {
        return "No probes in this period.".into();
    }
    format!(
        "{} uptime · {} · {} degraded · p50 {} · p95 {}",
        uptime(&p.uptime),
        uptime_title(&p.uptime),
        crate::components::format::number(p.degraded),
        ms(p.p50_ms),
        ms(p.p95_ms)
    )
}

/// Response times of one check over the period picked (24 h, 7 d, 30 d or custom days),
/// with what it did then.
#[component]
pub(super) fn ChartCard(
    names: Vec<(Uuid, String)>,
    shown: Uuid,
    points: Vec<Point>,
    daily: bool,
    period: PeriodSummary,
    ctx: Ctx,
) -> AnyView {
    let addr = ctx.addr;
    let range = addr.range.get_untracked();
    let navigate = use_navigate();
    let go = move |href: String| {
        navigate(&href, NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };
    let pick = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let check = Uuid::parse_str(&event_target_value(&ev)).ok();
            go(addr.with(check, addr.range.get_untracked(), None));
        }
    };
    let name = names.iter().find(|(c, _)| *c == shown).map(|(_, n)| n.clone()).unwrap_or_default();
    let options = names
        .into_iter()
        .map(|(c, n)| view! { <option value=c.to_string() selected=c == shown>{n}</option> })
        .collect_view();
    let presets = Range::PRESETS
        .into_iter()
        .map(|r| {
            let current = (r == range).then_some("page");
            view! {
                <a class="tab" id=format!("period-{}", r.id()) href=addr.with(Some(shown), r, None) aria-current=current
                    data-noscroll="true">{r.label()}</a>
            }
        })
        .collect_view();
    // The custom period's form: its days default to the period shown.
    let today = period.to.date_naive();
    let (first, last) = match range {
        Range::Custom(f, t) => (f, t),
        _ => (period.from.date_naive(), today),
    };
    let custom_error = RwSignal::new(None::<String>);
    let submit_custom = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |id: &str| {
            use leptos::wasm_bindgen::JsCast;
            document()
                .get_element_by_id(id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|e| e.value())
        };
        let (from, to) = (value("period-from"), value("period-to"));
        match Range::parse(None, from.as_deref(), to.as_deref()) {
            (r, None) => {
                custom_error.set(None);
                go(addr.with(Some(shown), r, None));
            }
            (_, Some(e)) => custom_error.set(Some(e)),
        }
    };
    let (labels, p50, p95, marks) = axis(&points, period.from, period.to, daily);
    let lines = vec![
        ChartLine { name: "p50".into(), class: "line-a", values: p50 },
        ChartLine { name: "p95".into(), class: "line-b", values: p95 },
    ];
    let per = if daily { "day" } else { "hour" };
    let caption = match range {
        Range::Custom(..) => format!("Response times of {name} per {per}, {} (UTC)", range.label()),
        _ => format!("Response times of {name} per {per}, last {} (UTC)", range.label()),
    };
    let error = move || custom_error.get().or_else(|| ctx.range_error.get());
    view! {
        <section class="card" aria-labelledby="chart-title" data-testid="response-times">
            <div class="card-header">
                <h2 class="card-title" id="chart-title">"Response times"</h2>
                <div class="chart-controls">
                    <form class="chart-pick" method="get" action=addr.base.get_value()
                        on:submit=move |ev| ev.prevent_default()>
                        <label for="chart-check">"Check"</label>
                        <select id="chart-check" name="check" class="select-sm" on:change=pick>{options}</select>
                        {range.params().into_iter().filter_map(|p| {
                            let (k, v) = p.split_once('=')?;
                            Some(view! { <input type="hidden" name=k.to_string() value=v.to_string()/> })
                        }).collect_view()}
                        <noscript><button class="btn btn-sm" type="submit">"Show"</button></noscript>
                    </form>
                    <nav class="segmented" aria-label="Period">{presets}</nav>
                </div>
            </div>
            <p class="period-summary" data-testid="period-summary" data-range=range.id()>
                <strong>{range.label()}": "</strong>{period_line(&period)}
            </p>
            <LineChart labels lines marks=Some(marks) marks_label="failed probes" format=ms_axis caption
                hover=ctx.hover id="response-chart"/>
            <form class="period-form" method="get" action=addr.base.get_value() on:submit=submit_custom
                aria-describedby="period-error">
                <input type="hidden" name="check" value=shown.to_string()/>
                <span class="period-form-title">"Another period (UTC days)"</span>
                <label for="period-from">"From"</label>
                <input type="date" id="period-from" name="from" class="input-sm" value=first.to_string()
                    max=today.to_string() required=true/>
                <label for="period-to">"to"</label>
                <input type="date" id="period-to" name="to" class="input-sm" value=last.to_string() required=true/>
                <button class="btn btn-sm" type="submit" id="period-show">"Show"</button>
            </form>
            <p id="period-error" class="field-error" role="alert">{error}</p>
            <p class="hint">
                "p50: half the probes answered faster; p95: all but the slowest 5 %. Red marks: failed probes. \
                 Uptime: the share of probes that got an answer."
            </p>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn point(at: DateTime<Utc>, total: i64, down: i64, p50: Option<i32>, p95: Option<i32>) -> Point {
        Point { at, total, down, p50_ms: p50, p95_ms: p95 }
    }

    #[test]
    fn the_axis_has_every_hour_of_the_period_with_gaps_and_marks() {
        let now = Utc.with_ymd_and_hms(2026, 12, 8, 14, 25, 0).unwrap();
        let h = |hh: u32| Utc.with_ymd_and_hms(2026, 12, 8, hh, 0, 0).unwrap();
        let points = vec![
            point(h(14), 30, 0, Some(40), Some(90)),
            point(h(12), 60, 3, Some(55), Some(800)),
            // Older than the period: left out.
            point(h(14) - chrono::Duration::hours(30), 60, 60, None, None),
        ];
        let (labels, p50, p95, marks) = axis(&points, last_hours(now, 24), now, false);
        assert_eq!(labels.len(), 24);
        assert_eq!(labels.first().map(String::as_str), Some("15:00"));
        assert_eq!(labels.last().map(String::as_str), Some("14:00"));
        assert_eq!(p50[23], Some(40.0));
        assert_eq!(p95[23], Some(90.0));
        assert_eq!(p50[22], None);
        assert_eq!(p95[21], Some(800.0));
        assert_eq!(marks[21].as_deref(), Some("3 of 60 probes failed"));
        assert_eq!(marks.iter().flatten().count(), 1);

        let (labels, p50, ..) = axis(&points, last_hours(now, 168), now, false);
        assert_eq!(labels.len(), 168);
        assert_eq!(labels.last().map(String::as_str), Some("Tue 14:00"));
        assert_eq!(p50.iter().flatten().count(), 2);
    }

    #[test]
    fn a_daily_axis_has_every_day_of_the_period() {
        let d = |day: u32| Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).unwrap();
        let points = vec![point(d(3), 2880, 0, Some(40), Some(90)), point(d(30), 2880, 12, Some(45), Some(300))];
        // November, whole: 30 days; the period's end (Dec 1, 00:00) is not a day of it.
        let (labels, p50, _, marks) = axis(&points, d(1), d(30) + chrono::Duration::days(1), true);
        assert_eq!(labels.len(), 30);
        assert_eq!((labels[0].as_str(), labels[29].as_str()), ("Nov 1", "Nov 30"));
        assert_eq!((p50[2], p50[29], p50[3]), (Some(40.0), Some(45.0), None));
        assert_eq!(marks[29].as_deref(), Some("12 of 2880 probes failed"));
    }
}

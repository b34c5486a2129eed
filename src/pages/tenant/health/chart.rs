//! The response-time chart (p50 and p95 per hour) of one check.

#[allow(unused_imports)]
use super::*;

/// The hours of the last `hours` up to `now`'s, oldest first: their labels, p50, p95 and a
/// note for the hours with failed probes.
#[allow(clippy::type_complexity)]
pub(super) fn hourly_axis(
    points: &[HourPoint],
    now: DateTime<Utc>,
    range: Range,
) -> (Vec<String>, Vec<Option<f64>>, Vec<Option<f64>>, Vec<Option<String>>) {
    let by_hour: HashMap<i64, &HourPoint> = points.iter().map(|p| (p.hour.timestamp().div_euclid(3600), p)).collect();
    let this_hour = now.timestamp().div_euclid(3600);
    let n = i64::from(range.hours());
    let (mut labels, mut p50, mut p95, mut marks) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for h in (this_hour - n + 1)..=this_hour {
        let at = DateTime::<Utc>::from_timestamp(h * 3600, 0).unwrap_or(now);
        labels.push(match range {
            Range::Day => at.format("%H:%M").to_string(),
            Range::Week => at.format("%a %H:%M").to_string(),
        });
        let p = by_hour.get(&h);
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

/// Response times of one check, p50 and p95 per hour, over 24 hours or 7 days.
#[component]
pub(super) fn ChartCard(
    names: Vec<(Uuid, String)>,
    shown: Uuid,
    points: Result<Vec<HourPoint>, AppError>,
    now: DateTime<Utc>,
    ctx: Ctx,
) -> AnyView {
    let addr = ctx.addr;
    let range = addr.range.get_untracked();
    let navigate = use_navigate();
    let pick = move |ev: leptos::ev::Event| {
        let check = Uuid::parse_str(&event_target_value(&ev)).ok();
        navigate(
            &addr.with(check, addr.range.get_untracked(), None),
            NavigateOptions { replace: true, scroll: false, ..Default::default() },
        );
    };
    let name = names.iter().find(|(c, _)| *c == shown).map(|(_, n)| n.clone()).unwrap_or_default();
    let options = names
        .into_iter()
        .map(|(c, n)| view! { <option value=c.to_string() selected=c == shown>{n}</option> })
        .collect_view();
    let periods = [Range::Day, Range::Week]
        .into_iter()
        .map(|r| {
            let current = (r == range).then_some("page");
            view! {
                <a class="tab" id=format!("period-{}", r.as_str()) href=addr.with(Some(shown), r, None) aria-current=current
                    data-noscroll="true">{r.label()}</a>
            }
        })
        .collect_view();
    let body = match points {
        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
        Ok(points) => {
            let probes: i64 = points.iter().map(|p| p.total).sum();
            let (labels, p50, p95, marks) = hourly_axis(&points, now, range);
            let lines = vec![
                ChartLine { name: "p50".into(), class: "line-a", values: p50 },
                ChartLine { name: "p95".into(), class: "line-b", values: p95 },
            ];
            let caption = format!("Response times of {name} per hour, last {} (UTC)", range.label());
            view! {
                <LineChart labels lines marks=Some(marks) marks_label="failed probes" format=ms_axis caption
                    hover=ctx.hover id="response-chart"/>
                {(probes == 0).then(|| view! { <p class="muted">"No probes in this period yet."</p> })}
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="chart-title" data-testid="response-times">
            <div class="card-header">
                <h2 class="card-title" id="chart-title">"Response times"</h2>
                <div class="chart-controls">
                    <form class="chart-pick" method="get" action=addr.base.get_value()
                        on:submit=move |ev| ev.prevent_default()>
                        <label for="chart-check">"Check"</label>
                        <select id="chart-check" name="check" class="select-sm" on:change=pick>{options}</select>
                        <input type="hidden" name="range" value=range.as_str()/>
                        <noscript><button class="btn btn-sm" type="submit">"Show"</button></noscript>
                    </form>
                    <nav class="segmented" aria-label="Period">{periods}</nav>
                </div>
            </div>
            {body}
            <p class="hint">
                "p50: half the probes answered faster; p95: all but the slowest 5 %. Red marks: hours with failed probes."
            </p>
        </section>
    }
    .into_any()
}

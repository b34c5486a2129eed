//! The portal's own health (PRODUCT.md H1), from the same check as /readyz.

use crate::components::format::time;
use crate::components::workflow::use_live;
use crate::components::*;
use crate::fns::system::{system_status, WorkerInfo};
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

#[component]
pub fn StatusPage() -> impl IntoView {
    // The page refreshes itself every ten seconds (workers beat more often than that).
    let tick = use_live(Signal::derive(|| true), Duration::from_secs(10));
    let status = resource(move || tick.get(), |_| system_status());
    view! {
        <Title text="System status"/>
        <header class="page-header">
            <div>
                <h1>"System status"</h1>
                <p class="subtitle">"The portal's own health. Machines read the same from /healthz and /readyz."</p>
            </div>
        </header>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) => {
                        let check = |ok: bool, name: &'static str, detail: String| view! {
                            <li class="check">
                                <span class=if ok { "check-ok" } else { "check-fail" } aria-hidden="true"></span>
                                <strong>{name}</strong>
                                <span class="muted">{detail}</span>
                                <span class="spacer"></span>
                                <span class=if ok { "badge badge-active" } else { "badge badge-failed" }>{if ok { "OK" } else { "Failing" }}</span>
                            </li>
                        };
                        let migrations_ok = s.migrations_applied >= s.migrations_expected;
                        // Readiness judges this instance's workers; other instances answer for their own.
                        let mine = s.workers.iter().filter(|w| w.this_instance).count();
                        let stopped = s.workers.iter().filter(|w| w.this_instance && w.stale).count();
                        // A probe more than 10 s overdue means the prober can't keep up.
                        let late = s.probes_oldest_secs.is_some_and(|l| l > 10.0);
                        let backlog = match s.probes_oldest_secs {
                            None => "No health check overdue".to_string(),
                            Some(l) => format!("{} health checks due, the oldest {}", s.probes_due, lag_text((l * 1000.0) as i64)),
                        };
                        view! {
                            <section class="card">
                                <div class="card-header">
                                    <h2 class="card-title">{if s.ready { "All systems operational" } else { "Degraded" }}</h2>
                                    <span class="muted small">{format!("Tenantry {}", s.version)}</span>
                                </div>
                                <ul class="checks-list">
                                    {check(true, "Web server", "Answering requests".into())}
                                    {check(s.database == "ok", "Database", format!("PostgreSQL {}", s.database))}
                                    {check(migrations_ok, "Migrations", format!("{} of {} applied", s.migrations_applied, s.migrations_expected))}
                                    {check(stopped == 0, "Background workers", if stopped == 0 {
                                        format!("{mine} beating on this instance")
                                    } else {
                                        format!("{stopped} of {mine} on this instance stopped beating")
                                    })}
                                    {check(!late, "Health prober", backlog)}
                                </ul>
                            </section>
                            <Workers workers=s.workers/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Every instance's background workers with their last heartbeat and lag (H1, O3).
#[component]
fn Workers(mut workers: Vec<WorkerInfo>) -> impl IntoView {
    // This instance first, then the others; each instance's workers by name.
    workers.sort_by(|a, b| (!a.this_instance, &a.host, &a.worker).cmp(&(!b.this_instance, &b.host, &b.worker)));
    let instances = workers.iter().map(|w| w.host.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    let summary = match instances {
        0 => "No worker has reported yet.".to_string(),
        1 => "One instance.".to_string(),
        n => format!("{n} instances; each runs every worker, and rows or locks keep work from running twice."),
    };
    view! {
        <section class="card table-card" aria-labelledby="workers-title">
            <div class="card-header">
                <h2 class="card-title" id="workers-title">"Background workers"</h2>
                <span class="muted small">{summary}</span>
            </div>
            <div class="table-wrap"><table class="table table-stack">
                <thead><tr>
                    <th scope="col">"Worker"</th><th scope="col">"Instance"</th><th scope="col">"State"</th>
                    <th scope="col">"Last beat"</th><th scope="col" class="num">"Lag"</th>
                </tr></thead>
                <tbody>
                    {workers.into_iter().map(|w| view! { <WorkerRow w/> }).collect_view()}
                </tbody>
            </table></div>
        </section>
    }
}

#[component]
fn WorkerRow(w: WorkerInfo) -> impl IntoView {
    let (class, label) = match (w.stale, w.status.as_str()) {
        (true, _) => ("badge badge-failed", "Stopped"),
        (false, "running") => ("badge badge-active", "Running"),
        (false, "failing") => ("badge badge-suspended", "Failing"),
        (false, "starting") => ("badge badge-neutral", "Starting"),
        (false, _) => ("badge badge-neutral", "Stopped cleanly"),
    };
    let lag = w.lag_ms.map(lag_text).unwrap_or_else(|| "—".into());
    view! {
        <tr>
            <td class="col-name">
                <span class="cell-title mono">{w.worker}</span>
                {w.last_error.map(|e| view! { <span class="cell-sub muted">{e}</span> })}
            </td>
            <td data-label="Instance">
                {w.host}{w.this_instance.then(|| view! { <span class="muted small">" (this one)"</span> })}
            </td>
            <td data-label="State"><span class=class>{label}</span></td>
            <td class="nowrap" data-label="Last beat" title=time(&w.beat_at)>{ago(w.age_secs)}</td>
            <td class="num nowrap" data-label="Lag">{lag}</td>
        </tr>
    }
}

fn ago(secs: i64) -> String {
    match secs {
        ..=1 => "just now".into(),
        2..=119 => format!("{secs} s ago"),
        120..=7199 => format!("{} min ago", secs / 60),
        _ => format!("{} h ago", secs / 3600),
    }
}

fn lag_text(ms: i64) -> String {
    match ms {
        ..=999 => format!("{ms} ms"),
        1000..=119_999 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min", ms / 60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beats_and_lag_read_as_people_say_them() {
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(42), "42 s ago");
        assert_eq!(ago(600), "10 min ago");
        assert_eq!(ago(3 * 3600), "3 h ago");
        assert_eq!(lag_text(250), "250 ms");
        assert_eq!(lag_text(2_500), "2.5 s");
        assert_eq!(lag_text(600_000), "10 min");
    }
}

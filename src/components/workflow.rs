//! A workflow run as people watch it (PRODUCT.md P4): its steps with state, attempts,
//! timing and error, a progress bar, and (for platform admins) retry and discard.
//! `use_live` re-runs a loader every couple of seconds while something is unfinished.

use crate::components::format::{opt_time, time};
use crate::model::{RunStatus, StepStatus, WorkflowRun, WorkflowStep};
use leptos::prelude::*;
use std::time::Duration;

/// A signal that ticks every `every` while `active` is true (browser only), for
/// resources that should refresh on their own.
pub fn use_live(active: Signal<bool>, every: Duration) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    Effect::new(move |prev: Option<Option<IntervalHandle>>| {
        if let Some(Some(h)) = prev {
            h.clear();
        }
        if active.get() {
            set_interval_with_handle(move || set_tick.update(|n| *n += 1), every).ok()
        } else {
            None
        }
    });
    tick
}

fn status_label(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Pending => "Queued",
        RunStatus::Running => "Running",
        RunStatus::Compensating => "Undoing",
        RunStatus::Succeeded => "Succeeded",
        RunStatus::Failed => "Failed",
        RunStatus::Discarded => "Discarded",
    }
}

#[component]
pub fn RunBadge(status: RunStatus) -> impl IntoView {
    view! { <span class=format!("badge run-{}", status.as_str())>{status_label(status)}</span> }
}

fn step_icon(status: StepStatus) -> (&'static str, &'static str) {
    match status {
        StepStatus::Succeeded => ("✓", "Done"),
        StepStatus::Running => ("●", "Running"),
        StepStatus::Failed => ("✗", "Failed"),
        StepStatus::Compensated => ("↺", "Undone"),
        StepStatus::Pending => ("○", "Waiting"),
    }
}

fn duration(ms: Option<i32>) -> String {
    match ms {
        Some(ms) if ms >= 1000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{ms} ms"),
        None => String::new(),
    }
}

#[component]
fn StepRow(step: WorkflowStep, current: bool) -> impl IntoView {
    // A step's row is written with its outcome, so the one under way is the run's current
    // step (unless it is waiting out a back-off after a failed attempt).
    let status = if current && step.attempts == 0 { StepStatus::Running } else { step.status };
    let (icon, label) = step_icon(status);
    let retrying = status == StepStatus::Pending && step.attempts > 0;
    view! {
        <li class=format!("step step-{}", status.as_str())>
            <span class="step-icon" aria-hidden="true">{icon}</span>
            <div class="step-main">
                <span class="step-name">{step.name.label()}</span>
                <span class="sr-only">{format!(": {label}")}</span>
                {step.error.clone().map(|e| view! {
                    <span class="step-error">{if retrying { format!("Retrying after: {e}") } else { e }}</span>
                })}
            </div>
            <span class="step-meta">
                {(step.attempts > 1).then(|| format!("{} attempts · ", step.attempts))}
                {duration(step.duration_ms)}
            </span>
        </li>
    }
}

/// One run, with its steps. `actions` renders the retry/discard controls (or nothing).
#[component]
pub fn RunCard(
    run: WorkflowRun,
    #[prop(optional)] show_tenant: bool,
    #[prop(optional)] actions: Option<AnyView>,
) -> impl IntoView {
    let (done, total) = run.progress();
    let pct = if total == 0 { 0 } else { done * 100 / total };
    let title = format!("{} of {}", run.kind.label(), run.tenant_name);
    let heading = if show_tenant {
        view! {
            <a href=format!("/tenants/{}?tab=workflows", run.tenant_slug)>{title}</a>
        }
        .into_any()
    } else {
        view! { <span>{run.kind.label()}</span> }.into_any()
    };
    let steps = run.steps.clone();
    let current = matches!(run.status, RunStatus::Pending | RunStatus::Running)
        .then(|| steps.iter().position(|s| s.status != StepStatus::Succeeded))
        .flatten();
    view! {
        <article class="card run-card" aria-label=format!("{} workflow", run.kind.label())>
            <header class="run-head">
                <h3 class="run-title">{heading}</h3>
                <RunBadge status=run.status/>
            </header>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total.to_string()
                aria-valuenow=done.to_string() aria-label=format!("{done} of {total} steps done")>
                <div class=format!("progress-bar run-{}", run.status.as_str()) style=format!("width: {pct}%")></div>
            </div>
            {
                let list = view! {
                    <ol class="steps">
                        {steps.into_iter().enumerate().map(|(i, s)| view! { <StepRow step=s current=current == Some(i)/> }).collect_view()}
                    </ol>
                };
                // In long lists a finished run folds its steps away; unfinished and failed
                // runs always show them.
                if show_tenant && matches!(run.status, RunStatus::Succeeded | RunStatus::Discarded) {
                    let took: i64 = run.steps.iter().filter_map(|s| s.duration_ms).map(i64::from).sum();
                    view! {
                        <details class="run-steps">
                            <summary>{format!("{} steps · {}", total, duration(Some(took.min(i32::MAX as i64) as i32)))}</summary>
                            {list}
                        </details>
                    }.into_any()
                } else {
                    list.into_any()
                }
            }
            {run.error.clone().filter(|_| run.status == RunStatus::Failed).map(|e| view! {
                <div class="alert alert-error" role="alert">
                    <strong>{format!("Failed at {}: ", run.failed_step.map(|s| s.label()).unwrap_or("a step"))}</strong>
                    {e}
                    {(run.kind == crate::model::WorkflowKind::Provision).then_some(" Everything it had created was removed.")}
                </div>
            })}
            <footer class="run-foot">
                <span class="muted">
                    {format!("Requested by {} · {}", run.requested_by, time(&run.created_at))}
                    {run.finished_at.map(|_| format!(" · finished {}", opt_time(&run.finished_at)))}
                </span>
                {actions}
            </footer>
        </article>
    }
}

//! A workflow run as people watch it (PRODUCT.md P4): its steps with state, attempts,
//! timing and error, a progress bar, and (for platform admins) retry and discard.
//! `use_live` re-runs a loader every couple of seconds while something is unfinished.

use crate::components::format::{opt_time, time};
use crate::components::{after, resource, use_tenant_refresh, Busy, Empty, ErrorAlert, Loading, Refresh};
use crate::fns::workflows::{DiscardWorkflow, RetryWorkflow};
use crate::model::{RunStatus, StepStatus, WorkflowKind, WorkflowRun, WorkflowStep};
use leptos::prelude::*;
use std::time::Duration;

const REFRESH: Duration = Duration::from_secs(2);

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
    let pct = (done * 100).checked_div(total).unwrap_or(0);
    let title = format!("{} of {}", run.kind.label(), run.tenant_name);
    let heading = if show_tenant {
        view! {
            <a href=format!("/tenants/{}/workflows", run.tenant_slug)>{title}</a>
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
                    {match run.kind {
                        WorkflowKind::Provision => Some(" Everything it had created was removed."),
                        WorkflowKind::ChangePlan => Some(" The tenant was put back on its plan, allocations and features as they were."),
                        _ => None,
                    }}
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

/// Retry and discard for a failed run (platform admins only).
#[component]
fn RunActions(
    run: WorkflowRun,
    retry: ServerAction<RetryWorkflow>,
    discard: ServerAction<DiscardWorkflow>,
) -> impl IntoView {
    let id = run.id;
    let failed = run.status == RunStatus::Failed;
    let can_discard = failed && run.kind == WorkflowKind::Provision;
    let busy = move || retry.pending().get() || discard.pending().get();
    failed.then(|| {
        view! {
            <div class="run-actions">
                <button class="btn btn-sm btn-primary" type="button" disabled=busy
                    on:click=move |_| { retry.dispatch(RetryWorkflow { id }); }>
                    <Busy when=retry.pending()/>
                    "Retry"
                </button>
                {can_discard.then(|| view! {
                    <button class="btn btn-sm btn-danger" type="button" disabled=busy
                        on:click=move |_| { discard.dispatch(DiscardWorkflow { id }); }>
                        "Discard tenant"
                    </button>
                })}
            </div>
        }
    })
}

/// A list of runs from `load`, refreshed every 2 s while one is unfinished.
#[component]
pub fn RunList<F, Fut>(load: F, show_tenant: bool, admin: bool, empty: &'static str) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Result<Vec<WorkflowRun>, crate::error::AppError>> + Send + 'static,
{
    let retry = ServerAction::<RetryWorkflow>::new();
    let discard = ServerAction::<DiscardWorkflow>::new();
    let refresh = Refresh::new();
    let live = RwSignal::new(false);
    let tick = use_live(live.into(), REFRESH);
    let runs = resource(move || (tick.get(), refresh.track()), move |_| load());
    // When the last unfinished run finishes, the page around the list (the tenant's
    // header and status) is reloaded once. The run may also have finished between the
    // server reading the tenant and reading its runs: then the first list is already
    // settled while the header still shows a status in transition, and it reloads too.
    let settled = use_tenant_refresh();
    Effect::new(move |was_open: Option<bool>| {
        let Some(Ok(list)) = runs.get() else { return was_open.unwrap_or(false) };
        let open = list.iter().any(|r| r.status.is_open());
        live.set(open);
        if let Some(t) = settled {
            let finished = was_open == Some(true) && !open;
            let stale = was_open.is_none() && !open && t.in_transition.get_untracked() && !t.rechecked.get_untracked();
            if stale {
                t.rechecked.set(true);
            }
            if finished || stale {
                t.refresh.bump();
            }
        }
        open
    });
    after(retry)
        .refresh(refresh)
        .toast(|r| format!("{} of {} restarted: {}.", r.kind.label(), r.tenant_name, r.status.as_str()).into());
    after(discard).refresh(refresh).toast(|r| format!("{} was discarded and terminated.", r.tenant_name).into());
    view! {
        <Transition fallback=|| view! { <Loading text="Loading workflows…"/> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(list) if list.is_empty() => view! { <Empty title=empty text="Provisioning, suspension and termination show up here as they run."/> }.into_any(),
                    Ok(list) => view! {
                        <div class="run-list" aria-live="polite">
                            {list.into_iter().map(|run| {
                                let actions = admin.then(|| view! { <RunActions run=run.clone() retry discard/> }.into_any());
                                view! { <RunCard run show_tenant actions=actions.unwrap_or_else(|| ().into_any())/> }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

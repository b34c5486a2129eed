//! A tenant's Resources tab (PRODUCT.md R1-R3): per resource the allocation, soft and hard
//! limits and current use as a gauge (amber at the soft limit, red at the hard one), the
//! last 30 days, a scale form with a required reason for owners and admins, and the latest
//! changes. It refreshes on its own at the interval the person picks.

use super::tab;
use crate::components::format::{amount_in, day_month};
use crate::components::*;
use crate::fns::resources::{get_tenant_resources, ScaleResource};
use crate::model::forecast::Forecast;
use crate::model::resources::*;
use crate::model::usage::MetricSource;
use crate::model::{Me, Permission, Tenant};
use leptos::prelude::*;

#[component]
pub fn ResourcesTab() -> impl IntoView {
    tab("resources", |t, me| view! { <ResourcesPanel t me/> })
}

#[component]
fn ResourcesPanel(t: Tenant, me: Option<Me>) -> AnyView {
    let id = t.id;
    let auto = use_auto_refresh(15);
    let saved = Refresh::new();
    let data = resource(move || (auto.track(), saved.track()), move |_| get_tenant_resources(id));
    let can_scale = me.as_ref().is_some_and(|m| m.can(Permission::ResourcesManage, Some(id)));
    let beyond_plan = me.as_ref().is_some_and(|m| m.is_platform_admin);
    let hover_of = use_hover_map();
    let (pending, set_pending) = signal(false);
    let loading = Signal::from(pending);
    view! {
        <section class="stack-lg" aria-label="Resources">
            <div class="toolbar">
                <h2 class="section-title">"Resources"</h2>
                <RefreshControl auto loading/>
            </div>
            <Transition fallback=|| view! { <Loading text="Loading resources…"/> } set_pending>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <ResourcesBody v can_scale beyond_plan saved hover_of auto/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <super::policies::PoliciesCard tenant=id can_manage=can_scale auto/>
        </section>
    }
    .into_any()
}

#[component]
fn ResourcesBody(
    v: ResourcesView,
    can_scale: bool,
    beyond_plan: bool,
    saved: Refresh,
    hover_of: impl Fn(&str) -> RwSignal<Option<usize>> + Copy + 'static,
    auto: AutoRefresh,
) -> AnyView {
    let r = v.resources;
    let today = r.as_of.date_naive();
    let tenant = r.tenant_id;
    let near = r.resources.iter().filter(|x| x.level != Level::Ok).count();
    let cards = r
        .resources
        .into_iter()
        .map(|x| {
            let hover = hover_of(&x.id);
            view! { <ResourceCard x tenant today hover can_scale beyond_plan saved/> }
        })
        .collect_view();
    view! {
        <UpdatedAt auto at=r.as_of/>
        {(near > 0).then(|| view! {
            <p class="alert alert-warning" role="status">
                {format!("{near} resource{} at or over a limit.", if near == 1 { "" } else { "s" })}
            </p>
        })}
        <AlertsCard list=v.alerts tenant can_scale saved/>
        <div class="grid grid-2 resource-grid">{cards}</div>
        <Changes list=v.changes/>
    }
    .into_any()
}

/// The tenant's latest alerts; owners and admins acknowledge open ones.
#[component]
fn AlertsCard(list: Vec<crate::model::alerts::Alert>, tenant: uuid::Uuid, can_scale: bool, saved: Refresh) -> AnyView {
    let open = list.iter().filter(|a| a.is_unresolved()).count();
    view! {
        <section class="card" aria-labelledby="alerts-title" data-testid="alerts">
            <div class="card-header">
                <h2 class="card-title" id="alerts-title">"Alerts"</h2>
                {(open > 0).then(|| view! { <span class="badge badge-warning">{format!("{open} unresolved")}</span> })}
            </div>
            <AlertList list show_tenant=false can_ack=move |t| can_scale && t == tenant saved
                empty="No alerts: every resource has stayed under its soft limit."/>
        </section>
    }
    .into_any()
}

/// One resource: use against its limits, 30 days, and (for owners and admins) the scale form.
#[component]
fn ResourceCard(
    x: AllocatedResource,
    tenant: uuid::Uuid,
    today: chrono::NaiveDate,
    hover: RwSignal<Option<usize>>,
    can_scale: bool,
    beyond_plan: bool,
    saved: Refresh,
) -> AnyView {
    let fmt = amount_in(&x.unit);
    let l = x.limits;
    let span = l.hard_limit.max(1) as f64;
    let share = |v: f64| (v / span * 100.0).clamp(0.0, 100.0);
    let (level_class, level_text) = match x.level {
        Level::Ok => ("meter-ok", None),
        Level::Soft => ("meter-near", Some("Over the soft limit")),
        Level::Hard => ("meter-over", Some("At the hard limit")),
    };
    let used_label = if x.per_period { "used this month" } else { "in use" };
    let source = match x.source {
        Some(MetricSource::Measured) => "measured",
        Some(MetricSource::Reported) => "reported",
        None => "allocated only",
    };
    let reference = Some((l.hard_limit as f64 / if x.per_period { 30.0 } else { 1.0 }, {
        if x.per_period { "daily share of the hard limit" } else { "hard limit" }.to_string()
    }));
    let points = daily_axis(&x.series, today, 30);
    let aria = format!(
        "{}: {} of {} (soft limit {}, hard limit {})",
        x.name,
        fmt(x.used),
        fmt(l.allocated as f64),
        fmt(l.soft_limit as f64),
        fmt(l.hard_limit as f64)
    );
    view! {
        <article class="card resource-card" data-resource=x.id.clone() data-level=format!("{:?}", x.level).to_lowercase()>
            <header class="usage-metric-head">
                <h3 class="card-title">{x.name.clone()}</h3>
                <span class="badge">{source}</span>
            </header>
            <p class="usage-figure">
                <strong data-testid="used">{fmt(x.used)}</strong>
                <span class="muted">{format!(" {used_label} of ")}</span>
                <strong data-testid="allocated">{fmt(l.allocated as f64)}</strong>
            </p>
            <div class="gauge">
                <div class=format!("meter meter-lg {level_class}") role="meter" aria-valuemin="0"
                    aria-valuemax=l.hard_limit.to_string() aria-valuenow=format!("{:.0}", x.used) aria-label=aria>
                    <span style=format!("width: {:.1}%", share(x.used))></span>
                </div>
                <span class="gauge-tick gauge-soft" style=format!("left: {:.1}%", share(l.soft_limit as f64)) title="soft limit"></span>
                <span class="gauge-tick gauge-alloc" style=format!("left: {:.1}%", share(l.allocated as f64)) title="allocation"></span>
            </div>
            {level_text.map(|t| view! { <p class="level-note" role="status">{t}</p> })}
            <dl class="limits">
                <div><dt>"Soft limit"</dt><dd data-testid="soft">{fmt(l.soft_limit as f64)}</dd></div>
                <div><dt>"Hard limit"</dt><dd data-testid="hard">{fmt(l.hard_limit as f64)}</dd></div>
                <div><dt>"Plan includes"</dt><dd>{fmt(x.plan_amount as f64)}</dd></div>
            </dl>
            <ForecastNote forecast=x.forecast.clone() per_period=x.per_period today fmt/>
            <SeriesChart points reference format=fmt caption=format!("{}, last 30 days", x.name) hover width=340.0/>
            {can_scale.then(|| view! { <ScaleForm x=x.clone() tenant beyond_plan saved/> })}
        </article>
    }
    .into_any()
}

/// When the resource runs out at its trend (with the range), or that it doesn't, and a
/// suggestion to shrink an allocation that goes mostly unused.
#[component]
fn ForecastNote(
    forecast: Option<Forecast>,
    per_period: bool,
    today: chrono::NaiveDate,
    fmt: fn(f64) -> String,
) -> AnyView {
    let Some(f) = forecast else {
        return view! { <p class="forecast muted">"Forecast after a week of data."</p> }.into_any();
    };
    let day = day_month;
    let when = match (f.runs_out, f.earliest, f.latest) {
        (Some(r), ..) if r <= today => "Used up: at the hard limit now.".to_string(),
        (Some(r), Some(e), Some(l)) if e != l => format!("Runs out around {} ({} – {}).", day(r), day(e), day(l)),
        (Some(r), Some(e), None) if e != r => format!("Runs out around {} (from {} on).", day(r), day(e)),
        (Some(r), ..) => format!("Runs out around {}.", day(r)),
        (None, Some(e), _) => format!("Not at this pace; at the fastest the trend allows, {}.", day(e)),
        (None, None, _) if per_period => "Lasts the month at this pace.".to_string(),
        (None, None, _) => "Not running out at this pace.".to_string(),
    };
    let soon = f.runs_out.is_some();
    let sign = if per_period {
        ""
    } else if f.per_day < 0.0 {
        "−"
    } else {
        "+"
    };
    let pace = format!("{sign}{} a day", fmt(f.per_day.abs()));
    view! {
        <p class="forecast" class:warn=soon data-testid="forecast">
            {when}<span class="muted">{format!(" Trend: {pace}.")}</span>
            {f.shrink_to.map(|s| view! { <span class="shrink">{format!(" Mostly unused: {} would do.", fmt(s as f64))}</span> })}
        </p>
    }
    .into_any()
}

/// Allocation, soft and hard limit, and the reason; inside a disclosure so the cards stay
/// calm until someone means to change something.
#[component]
fn ScaleForm(x: AllocatedResource, tenant: uuid::Uuid, beyond_plan: bool, saved: Refresh) -> AnyView {
    let scale = ServerAction::<ScaleResource>::new();
    let name = x.name.clone();
    after(scale).refresh(saved).fields_in_form().toast(move |_| format!("{name} scaled.").into());
    let field = move |f: &'static str| {
        Signal::derive(move || match scale.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let rid = x.id.clone();
    let id = move |f: &str| format!("scale-{rid}-{f}");
    let l = x.limits;
    let hint = if beyond_plan {
        format!("The plan includes {}; as a platform administrator you may go beyond it.", x.plan_amount)
    } else {
        format!("Up to {} (what the plan includes).", x.plan_amount)
    };
    let input = move |f: &'static str, label: &'static str, value: String, hint: Option<String>| {
        let fid = id(f);
        let err = field(f);
        let err_id = format!("{fid}-error");
        view! {
            <div class="field">
                <label class="label" for=fid.clone()>{label}</label>
                <input id=fid class="input" name=f inputmode="numeric" value=value
                    aria-invalid=move || err.get().is_some().to_string() aria-describedby=err_id.clone()/>
                {hint.map(|h| view! { <span class="hint">{h}</span> })}
                <FieldError message=err id=err_id/>
            </div>
        }
    };
    let reason_id = format!("scale-{}-reason", x.id);
    let reason_err = field("reason");
    view! {
        <details class="scale-form">
            <summary class="btn btn-sm">"Scale…"</summary>
            <ActionForm action=scale attr:class="stack">
                <input type="hidden" name="tenant" value=tenant.to_string()/>
                <input type="hidden" name="resource" value=x.id.clone()/>
                <div class="grid grid-3">
                    {input("allocated", "Allocation", l.allocated.to_string(), Some(hint))}
                    {input("soft_limit", "Soft limit", l.soft_limit.to_string(), None)}
                    {input("hard_limit", "Hard limit", l.hard_limit.to_string(), None)}
                </div>
                <div class="field">
                    <label class="label" for=reason_id.clone()>"Reason"</label>
                    <input id=reason_id.clone() class="input" name="reason" required maxlength="500"
                        placeholder="e.g. Seasonal peak, agreed with the customer"
                        aria-invalid=move || reason_err.get().is_some().to_string()
                        aria-describedby=format!("{reason_id}-error")/>
                    <FieldError message=reason_err id=format!("{reason_id}-error")/>
                </div>
                <div>
                    <button class="btn btn-primary btn-sm" type="submit" disabled=move || scale.pending().get()>
                        {move || if scale.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </ActionForm>
        </details>
    }
    .into_any()
}

/// The latest changes of any resource: before → after, who, why and what made them.
#[component]
fn Changes(list: Vec<AllocationChange>) -> AnyView {
    let none = list.is_empty();
    let rows = list
        .into_iter()
        .map(|c| {
            let n = crate::model::units::number;
            let before = c.before.map(|b| n(b.allocated)).unwrap_or_else(|| "plan".into());
            let source = match c.source {
                ChangeSource::Manual => "manual",
                ChangeSource::Policy => "policy",
                ChangeSource::PlanChange => "plan change",
            };
            view! {
                <tr>
                    <td><time datetime=c.at.to_rfc3339()>{c.at.format("%b %-d, %H:%M").to_string()}</time></td>
                    <td>{c.resource.clone()}</td>
                    <td class="num">{format!("{before} → {}", n(c.after.allocated))}</td>
                    <td class="num">{format!("{} / {}", n(c.after.soft_limit), n(c.after.hard_limit))}</td>
                    <td>{source}</td>
                    <td>{c.actor.clone()}</td>
                    <td>{c.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card table-card" aria-labelledby="changes-title">
            <div class="card-header"><h2 class="card-title" id="changes-title">"Changes"</h2></div>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th>"When"</th><th>"Resource"</th><th class="num">"Allocation"</th><th class="num">"Soft / hard"</th>
                        <th>"Source"</th><th>"By"</th><th>"Reason"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {none.then(|| view! { <p class="muted">"No changes yet: the allocations are the plan's."</p> })}
        </section>
    }
    .into_any()
}

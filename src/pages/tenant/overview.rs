//! A tenant's Overview tab: every field, its lifecycle dates, branding, settings and
//! metadata.

use super::tab;
use crate::components::format::{number, opt_time, time};
use crate::components::*;
use crate::model::*;
use leptos::prelude::*;

/// The tab at the tenant's own address.
#[component]
pub fn OverviewTab() -> impl IntoView {
    tab("", |t, me| {
        // Platform administrators change the plan here (PRODUCT.md P5).
        let plan_change = super::may(&me, &t, Permission::TenantLifecycle)
            .then(|| view! { <super::plan_change::PlanChangeCard t=t.clone()/> });
        view! { <Overview t/> {plan_change} }
    })
}

#[component]
fn Overview(t: Tenant) -> impl IntoView {
    let features = if t.features.is_empty() {
        view! { <span class="muted">"None"</span> }.into_any()
    } else {
        t.features
            .iter()
            .map(|f| view! { <span class="badge badge-neutral">{f.clone()}</span> " " })
            .collect_view()
            .into_any()
    };
    let swatch = |c: Option<String>| {
        match c {
        Some(c) => view! { <span class="row"><span class="swatch" style=format!("background:{c}")></span><span class="mono">{c.clone()}</span></span> }.into_any(),
        None => view! { <span class="muted">"Default"</span> }.into_any(),
    }
    };
    let json = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    view! {
        <div class="grid grid-2">
            <section class="card">
                <div class="card-header"><h2 class="card-title">"Tenant"</h2></div>
                <dl class="props">
                    <dt>"Name"</dt><dd>{t.name.clone()}</dd>
                    <dt>"Slug"</dt><dd class="mono">{t.slug.clone()}</dd>
                    <dt>"ID"</dt><dd class="mono small">{t.id.to_string()}</dd>
                    <dt>"Description"</dt><dd>{if t.description.is_empty() { "—".to_string() } else { t.description.clone() }}</dd>
                    <dt>"Status"</dt><dd><StatusBadge status=t.status/></dd>
                    <dt>"Plan"</dt><dd><PlanBadge plan=t.plan.clone()/></dd>
                    <dt>"Isolation"</dt><dd>{t.isolation.label()}</dd>
                    <dt>"Region"</dt><dd>{t.region.clone()}</dd>
                    <dt>"Custom domain"</dt><dd>{t.domain.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Features"</dt><dd>{features}</dd>
                </dl>
            </section>
            <section class="card">
                <div class="card-header"><h2 class="card-title">"Lifecycle"</h2></div>
                <dl class="props">
                    <dt>"Created"</dt><dd>{time(&t.created_at)}</dd>
                    <dt>"Last change"</dt><dd>{time(&t.updated_at)}</dd>
                    <dt>"Activated"</dt><dd>{opt_time(&t.activated_at)}</dd>
                    <dt>"Suspended"</dt><dd>{opt_time(&t.suspended_at)}</dd>
                    <dt>"Terminated"</dt><dd>{opt_time(&t.terminated_at)}</dd>
                    <dt>"Data kept until"</dt><dd>{opt_time(&t.retention_until)}</dd>
                    <dt>"Reason"</dt><dd>{t.status_reason.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Version"</dt><dd>{number(t.version as i64)}</dd>
                </dl>
            </section>
        </div>
        <div class="grid grid-3">
            <section class="card">
                <div class="card-header"><h2 class="card-title">"Branding"</h2></div>
                <dl class="props">
                    <dt>"Logo"</dt><dd class="truncate">{t.branding.logo_url.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Primary colour"</dt><dd>{swatch(t.branding.primary_color.clone())}</dd>
                    <dt>"Secondary colour"</dt><dd>{swatch(t.branding.secondary_color.clone())}</dd>
                </dl>
            </section>
            <section class="card">
                <div class="card-header"><h2 class="card-title">"Settings"</h2></div>
                <pre class="code">{json(&t.settings)}</pre>
            </section>
            <section class="card">
                <div class="card-header"><h2 class="card-title">"Metadata"</h2></div>
                <pre class="code">{json(&t.metadata)}</pre>
            </section>
        </div>
    }
}

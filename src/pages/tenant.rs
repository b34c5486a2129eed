//! One tenant (PRODUCT.md T4): overview of every field, the lifecycle actions legal for its
//! status (each confirmed, with a reason where one is needed), an edit form with per-field
//! messages, and its audit history. Readable without JavaScript.

use crate::components::format::{number, opt_time, time};
use crate::components::*;
use crate::fns::audit::list_audit;
use crate::fns::tenants::{get_catalog, get_tenant, ChangeStatus, UpdateTenant};
use crate::model::validate::*;
use crate::model::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[component]
pub fn TenantPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || params.read().get("id").unwrap_or_default();
    let act = ServerAction::<ChangeStatus>::new();
    let save = ServerAction::<UpdateTenant>::new();
    // Reload the tenant after a successful change only: a refused save must keep what
    // the user typed in the form.
    let refresh = RwSignal::new(0u32);
    // A workflow shown on a tab (provisioning, say) reloads the tenant when it finishes.
    let tenant = Resource::new(move || (key(), refresh.get()), |(k, _)| get_tenant(k));
    let in_transition =
        Signal::derive(move || tenant.get().and_then(Result::ok).is_some_and(|t| t.status.is_in_transition()));
    provide_context(TenantRefresh { refresh, in_transition, rechecked: RwSignal::new(false) });
    let toasts = use_toasts();
    let navigate = use_navigate();

    // These live here, not in the forms, so a form rebuilt after a reload never replays
    // an old result.
    Effect::new(move |_| match save.value().get() {
        Some(Ok(t)) => {
            toasts.success(format!("Saved changes to {}.", t.name));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) if e.fields().is_empty() => toasts.error(e.to_string()),
        _ => {}
    });

    // After a lifecycle action: say what happened and close the confirmation.
    Effect::new(move |_| {
        if let Some(result) = act.value().get() {
            match result {
                Ok(t) => {
                    toasts.success(format!("{} is now {}.", t.name, t.status));
                    refresh.update(|n| *n += 1);
                    navigate(&format!("/tenants/{}", t.slug), Default::default());
                }
                Err(e) if e.field("reason").is_none() => toasts.error(e.to_string()),
                Err(_) => {}
            }
        }
    });

    // Only these two query parameters rebuild the page; the others (a confirmation in a
    // tab, `?remove=…`) are read by the tab itself, so opening one keeps the tab's data.
    let tab = Memo::new(move |_| query.read().get("tab").unwrap_or_else(|| "overview".into()));
    let confirm = Memo::new(move |_| query.read().get("confirm").and_then(|a| LifecycleAction::parse(&a)));
    let session = use_session();

    view! {
        <Suspense fallback=|| view! { <Loading text="Loading tenant…"/> }>
            {move || Suspend::new(async move {
                let me = session.load().await;
                match tenant.await {
                    Ok(t) => {
                        let (tab, confirm) = (tab.get(), confirm.get());
                        view! { <TenantView t me tab confirm act save/> }.into_any()
                    }
                    Err(e) => view! {
                        <Title text="Tenant not found"/>
                        <header class="page-header"><div><h1>"Tenant not found"</h1></div></header>
                        <ErrorAlert error=e/>
                        <p><a href="/tenants">"Back to the tenant list"</a></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Reloads the tenant shown on the tenant page; `in_transition` while the shown status is
/// one a workflow is moving it out of.
#[derive(Clone, Copy)]
pub struct TenantRefresh {
    pub refresh: RwSignal<u32>,
    pub in_transition: Signal<bool>,
    /// Set once the "settled before we looked" reload has happened (at most once per page,
    /// so a tenant stuck in transition without a run can't reload in a loop).
    pub rechecked: RwSignal<bool>,
}

#[component]
fn TenantView(
    t: Tenant,
    me: Option<Me>,
    tab: String,
    confirm: Option<LifecycleAction>,
    act: ServerAction<ChangeStatus>,
    save: ServerAction<UpdateTenant>,
) -> impl IntoView {
    let base = format!("/tenants/{}", t.slug);
    let can = |p: Permission| me.as_ref().is_some_and(|m| m.can(p, Some(t.id)));
    let (can_lifecycle, can_edit, can_members, can_keys, can_audit) = (
        can(Permission::TenantLifecycle),
        can(Permission::TenantEdit),
        can(Permission::MembersRead),
        can(Permission::ApiKeysManage),
        can(Permission::AuditRead),
    );
    let is_admin = me.as_ref().is_some_and(|m| m.is_platform_admin);
    let actions = if can_lifecycle { LifecycleAction::available_from(t.status) } else { Vec::new() };
    let action_buttons = actions
        .iter()
        .map(|a| {
            let class = match a {
                LifecycleAction::Terminate => "btn btn-danger",
                LifecycleAction::Activate | LifecycleAction::Resume => "btn btn-primary",
                LifecycleAction::Suspend => "btn",
            };
            view! { <a class=class href=format!("{base}?confirm={}", a.as_str())>{a.label()}</a> }
        })
        .collect_view();
    let tab_link = |name: &str, label: &'static str| {
        let href = if name == "overview" { base.clone() } else { format!("{base}?tab={name}") };
        let current = (tab == name).then_some("page");
        view! { <a class="tab" href=href aria-current=current>{label}</a> }
    };
    let dialog = confirm.filter(|a| actions.contains(a)).map(|a| view! { <ConfirmAction t=t.clone() action=a act/> });
    let body = match tab.as_str() {
        "edit" if can_edit => view! { <EditTenant t=t.clone() save/> }.into_any(),
        "members" if can_members => {
            view! { <crate::pages::tenant_members::TenantMembers t=t.clone() me=me.clone()/> }.into_any()
        }
        "api-keys" if can_keys => view! { <crate::pages::tenant_keys::TenantKeys t=t.clone()/> }.into_any(),
        "audit" if can_audit => view! { <TenantAudit t=t.clone()/> }.into_any(),
        "workflows" => view! {
            <crate::pages::workflows::TenantWorkflows t=t.clone() admin=is_admin/>
            {(is_admin && matches!(t.status, TenantStatus::Terminated | TenantStatus::Terminating)).then(|| view! {
                <crate::pages::workflows::TenantExports t=t.clone()/>
            })}
        }
        .into_any(),
        _ => view! { <Overview t=t.clone()/> }.into_any(),
    };
    // Members of a tenant that is not active may look but not change anything: one banner
    // says why. Platform admins (who may still act) see the status and its reason.
    let banner = (!matches!(t.status, TenantStatus::Active)).then(|| {
        let reason = t.status_reason.clone().filter(|r| !r.trim().is_empty());
        if is_admin {
            reason.map(|r| {
                view! { <div class="alert alert-warning" role="note"><strong>{format!("{}: ", t.status.label())}</strong>{r}</div> }
                    .into_any()
            })
        } else {
            let what = match &reason {
                Some(r) => format!("{} is {}: {}.", t.name, t.status.label().to_lowercase(), r.trim_end_matches('.')),
                None => format!("{} is {}.", t.name, t.status.label().to_lowercase()),
            };
            Some(
                view! {
                    <div class="alert alert-warning" role="note">
                        <span><strong>{what}</strong>" You can look but not change anything."</span>
                    </div>
                }
                .into_any(),
            )
        }
    });
    view! {
        <Title text=t.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><A href="/tenants">"Tenants"</A> " / " <span>{t.slug.clone()}</span></nav>
        <header class="page-header">
            <div>
                <h1 class="row">{t.name.clone()} <StatusBadge status=t.status/></h1>
                <p class="subtitle mono">{t.slug.clone()}</p>
            </div>
            <div class="actions btn-group">{action_buttons}</div>
        </header>
        {banner}
        <nav class="tabs" aria-label="Tenant sections">
            {tab_link("overview", "Overview")}
            {can_edit.then(|| tab_link("edit", "Settings"))}
            {can_members.then(|| tab_link("members", "Members"))}
            {can_keys.then(|| tab_link("api-keys", "API keys"))}
            {tab_link("workflows", "Workflows")}
            {can_audit.then(|| tab_link("audit", "Audit"))}
        </nav>
        {body}
        {dialog}
    }
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

/// The confirmation for a lifecycle action, as a modal panel reached by a link, so it works
/// with and without JavaScript.
#[component]
fn ConfirmAction(t: Tenant, action: LifecycleAction, act: ServerAction<ChangeStatus>) -> impl IntoView {
    let back = format!("/tenants/{}", t.slug);
    let reason_error = Signal::derive(move || match act.value().get() {
        Some(Err(e)) => e.field("reason"),
        _ => None,
    });
    let pending = act.pending();
    let title_id = "confirm-title";
    let btn_class = if action.is_destructive() { "btn btn-danger" } else { "btn btn-primary" };
    let close = back.clone();
    let navigate = use_navigate();
    view! {
        <div class="modal-overlay" on:keydown=move |ev| if ev.key() == "Escape" { navigate(&close, Default::default()) }>
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby=title_id>
                <h2 class="modal-title" id=title_id>{format!("{} {}?", action.label(), t.name)}</h2>
                <ActionForm action=act>
                    <div class="modal-body">
                        <p>{action.explanation()}</p>
                        <input type="hidden" name="id" value=t.id.to_string()/>
                        <input type="hidden" name="action" value=action.as_str()/>
                        {action.needs_reason().then(|| view! {
                            <div class="field" class:invalid=move || reason_error.get().is_some()>
                                <label for="reason">"Reason"</label>
                                <textarea id="reason" name="reason" rows="3" required maxlength=REASON_MAX
                                    autofocus aria-describedby=move || if reason_error.get().is_some() { "reason-hint reason-error" } else { "reason-hint" }
                                    aria-invalid=move || reason_error.get().is_some().to_string()></textarea>
                                <p class="hint" id="reason-hint">"Kept in the audit trail and shown to operators."</p>
                                <FieldError message=reason_error id="reason-error"/>
                            </div>
                        })}
                    </div>
                    <div class="modal-actions">
                        <a class="btn btn-ghost" href=back.clone()>"Cancel"</a>
                        <button class=btn_class type="submit" disabled=move || pending.get() autofocus=!action.needs_reason()>
                            {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                            {action.label()}
                        </button>
                    </div>
                </ActionForm>
            </div>
        </div>
    }
}

#[component]
fn EditTenant(t: Tenant, save: ServerAction<UpdateTenant>) -> impl IntoView {
    let editable = t.status.is_live();
    let name = RwSignal::new(t.name.clone());
    let description = RwSignal::new(t.description.clone());
    let plan = RwSignal::new(t.plan.clone());
    let domain = RwSignal::new(t.domain.clone().unwrap_or_default());
    let features = RwSignal::new(t.features.join(", "));
    let logo = RwSignal::new(t.branding.logo_url.clone().unwrap_or_default());
    let primary = RwSignal::new(t.branding.primary_color.clone().unwrap_or_default());
    let secondary = RwSignal::new(t.branding.secondary_color.clone().unwrap_or_default());
    let metadata = RwSignal::new(serde_json::to_string_pretty(&t.metadata).unwrap_or_default());
    let local_errors = RwSignal::new(crate::error::FieldErrors::new());
    let catalog = Resource::new(|| (), |_| get_catalog());
    let (id, version) = (t.id, t.version);

    let error = field_errors(local_errors, move || match save.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let opt = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut errs = crate::error::FieldErrors::new();
        let meta = match serde_json::from_str::<serde_json::Value>(&metadata.get_untracked()) {
            Ok(v) => Some(v),
            Err(_) => {
                errs.insert("metadata".into(), "Enter valid JSON, e.g. {\"team\": \"sales\"}.".into());
                None
            }
        };
        let change = TenantUpdate {
            name: Some(name.get_untracked()),
            description: Some(description.get_untracked()),
            plan: Some(plan.get_untracked()),
            domain: Some(domain.get_untracked()),
            features: Some(
                features.get_untracked().split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect(),
            ),
            branding: Some(Branding {
                logo_url: opt(logo.get_untracked()),
                primary_color: opt(primary.get_untracked()),
                secondary_color: opt(secondary.get_untracked()),
            }),
            settings: None,
            metadata: meta,
            expected_version: Some(version),
        };
        if let Err(e) = change.validate() {
            errs.extend(e.fields());
        }
        local_errors.set(errs.clone());
        if errs.is_empty() {
            save.dispatch(UpdateTenant { id, change });
        }
    };
    let pending = save.pending();

    view! {
        <section class="card">
            {(!editable).then(|| view! { <div class="alert alert-info">"A terminated tenant can no longer be edited."</div> })}
            <form class="form" on:submit=submit novalidate>
                <fieldset disabled=!editable>
                    <div class="field-row">
                        <TextField label="Name" id="name" value=name error=error("name") required=true/>
                        <div class="field" class:invalid=move || error("plan").get().is_some()>
                            <label for="plan">"Plan"</label>
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    let plans = catalog.await.map(|c| c.plans).unwrap_or_default();
                                    view! {
                                        <select id="plan" on:change=move |ev| plan.set(event_target_value(&ev))>
                                            {plans.into_iter().map(|p| {
                                                let sel = p.id == plan.get_untracked();
                                                view! { <option value=p.id.clone() selected=sel>{format!("{} · {}", p.name, p.price_label())}</option> }
                                            }).collect_view()}
                                        </select>
                                    }
                                })}
                            </Transition>
                            <FieldError message=error("plan") id="plan-error"/>
                        </div>
                    </div>
                    <div class="field" class:invalid=move || error("description").get().is_some()>
                        <label for="description">"Description"</label>
                        <textarea id="description" rows="2" prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))>{description.get_untracked()}</textarea>
                        <FieldError message=error("description") id="description-error"/>
                    </div>
                    <div class="field-row">
                        <TextField label="Custom domain" id="domain" value=domain error=error("domain") hint="e.g. app.example.com; leave empty for none"/>
                        <TextField label="Features" id="features" value=features error=error("features") hint="Comma-separated feature keys"/>
                    </div>
                    <fieldset>
                        <legend>"Branding"</legend>
                        <TextField label="Logo URL" id="logo" value=logo error=error("branding.logo_url") hint="https://…"/>
                        <div class="field-row">
                            <TextField label="Primary colour" id="primary" value=primary error=error("branding.primary_color") hint="#4f46e5"/>
                            <TextField label="Secondary colour" id="secondary" value=secondary error=error("branding.secondary_color") hint="#0ea5e9"/>
                        </div>
                    </fieldset>
                    <div class="field" class:invalid=move || error("metadata").get().is_some()>
                        <label for="metadata">"Metadata (JSON)"</label>
                        <textarea id="metadata" class="mono" rows="4" prop:value=move || metadata.get()
                            on:input=move |ev| metadata.set(event_target_value(&ev))>{metadata.get_untracked()}</textarea>
                        <FieldError message=error("metadata") id="metadata-error"/>
                    </div>
                    <div class="form-actions">
                        <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                            {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                            "Save changes"
                        </button>
                    </div>
                </fieldset>
            </form>
        </section>
    }
}

/// A labelled text input bound to a signal, with its hint and error.
#[component]
pub fn TextField(
    label: &'static str,
    id: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] on_input: Option<Callback<String>>,
) -> impl IntoView {
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    // Point only at the hint and error that exist right now.
    let (hint_ref, err_ref) = (hint.map(|_| hint_id.clone()), err_id.clone());
    let described = move || {
        let ids: Vec<String> = hint_ref.iter().cloned().chain(error.get().map(|_| err_ref.clone())).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{label}{required.then_some(" *")}</label>
            <input id=id name=id type="text" value=value.get_untracked() prop:value=move || value.get() aria-describedby=described
                aria-invalid=move || error.get().is_some().to_string()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    value.set(v.clone());
                    if let Some(cb) = on_input { cb.run(v); }
                }/>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <FieldError message=error id=err_id/>
        </div>
    }
}

#[component]
fn TenantAudit(t: Tenant) -> impl IntoView {
    let id = t.id;
    let events = Resource::new(
        move || id,
        |id| list_audit(AuditQuery { tenant_id: Some(id), limit: Some(50), ..Default::default() }),
    );
    let slug = t.slug.clone();
    view! {
        <section class="card">
            <div class="card-header">
                <h2 class="card-title">"History"</h2>
                <a class="small" href=format!("/audit?tenant={slug}")>"Open in the audit log"</a>
            </div>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(p) if p.items.is_empty() => view! { <Empty title="No history" text="Changes to this tenant appear here."/> }.into_any(),
                        Ok(p) => view! { <crate::pages::audit::Timeline events=p.items show_tenant=false/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

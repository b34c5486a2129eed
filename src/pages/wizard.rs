//! The provisioning wizard (PRODUCT.md P1): organization → plan → resources → branding →
//! first admin → review → create. Each step is checked here as people go and again on the
//! server (the same `WizardData::check_step`); the draft is saved on the server at every
//! step, so a reload or another browser picks up where the person was; cancel discards it.
//! Creating goes to the new tenant's live Workflows tab.

use crate::components::format::number;
use crate::components::*;
use crate::error::{AppError, FieldErrors};
use crate::fns::tenants::{check_slug, get_catalog};
use crate::fns::workflows::{discard_draft, get_draft, save_draft, submit_draft};
use crate::model::plan::{plan_allocations, resource_label};
use crate::model::validate::slugify;
use crate::model::wizard::{REVIEW, STEPS};
use crate::model::{Catalog, Isolation, Plan, WizardData, WizardDraft};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use std::collections::BTreeMap;
use std::time::Duration;

#[component]
pub fn WizardPage() -> impl IntoView {
    let loaded = Resource::new(
        || (),
        |_| async move {
            let catalog = get_catalog().await?;
            let draft = get_draft().await?;
            Ok::<_, AppError>((catalog, draft.unwrap_or_default()))
        },
    );
    view! {
        <Title text="New tenant"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/tenants">"Tenants"</a> " / " <span>"New"</span></nav>
        <header class="page-header">
            <div>
                <h1>"New tenant"</h1>
                <p class="subtitle">"Six short steps. Your progress is saved as you go, so you can come back to it later."</p>
            </div>
        </header>
        <Suspense fallback=|| view! { <Loading text="Loading the wizard…"/> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((catalog, draft)) => view! { <Wizard catalog draft/> }.into_any(),
                    Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Every field of the draft as its own signal (so the shared text field binds to it).
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    slug: RwSignal<String>,
    slug_touched: RwSignal<bool>,
    description: RwSignal<String>,
    region: RwSignal<String>,
    plan: RwSignal<String>,
    isolation: RwSignal<String>,
    allocations: RwSignal<BTreeMap<String, i64>>,
    logo_url: RwSignal<String>,
    primary_color: RwSignal<String>,
    secondary_color: RwSignal<String>,
    first_admin_email: RwSignal<String>,
}

impl Fields {
    fn new(d: &WizardData) -> Self {
        Self {
            name: RwSignal::new(d.name.clone()),
            slug: RwSignal::new(if d.slug.is_empty() { slugify(&d.name) } else { d.slug.clone() }),
            slug_touched: RwSignal::new(!d.slug.is_empty()),
            description: RwSignal::new(d.description.clone()),
            region: RwSignal::new(d.region.clone()),
            plan: RwSignal::new(d.plan.clone()),
            isolation: RwSignal::new(d.isolation.map(|i| i.as_str().to_string()).unwrap_or_default()),
            allocations: RwSignal::new(d.allocations.clone()),
            logo_url: RwSignal::new(d.logo_url.clone()),
            primary_color: RwSignal::new(d.primary_color.clone()),
            secondary_color: RwSignal::new(d.secondary_color.clone()),
            first_admin_email: RwSignal::new(d.first_admin_email.clone()),
        }
    }

    fn data(&self) -> WizardData {
        WizardData {
            name: self.name.get_untracked(),
            slug: if self.slug_touched.get_untracked() { self.slug.get_untracked() } else { String::new() },
            description: self.description.get_untracked(),
            region: self.region.get_untracked(),
            plan: self.plan.get_untracked(),
            isolation: Isolation::parse(&self.isolation.get_untracked()),
            allocations: self.allocations.get_untracked(),
            logo_url: self.logo_url.get_untracked(),
            primary_color: self.primary_color.get_untracked(),
            secondary_color: self.secondary_color.get_untracked(),
            first_admin_email: self.first_admin_email.get_untracked(),
        }
    }
}

#[component]
fn Wizard(catalog: Catalog, draft: WizardDraft) -> impl IntoView {
    let f = Fields::new(&draft.data);
    let step = RwSignal::new(draft.step.min(REVIEW));
    let errors = RwSignal::new(FieldErrors::new());
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let navigate = use_navigate();
    let plans = StoredValue::new(catalog.plans.clone());
    let error = move |field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));

    // Saves the draft at `target` (the server checks every step before it); on refusal,
    // goes to the first step with errors and shows them.
    let go = move |target: usize| {
        let data = f.data();
        let current = step.get_untracked();
        if target > current {
            let local = data.check_step(current, &plans.get_value());
            if !local.is_empty() {
                errors.set(local);
                focus_first_error();
                return;
            }
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match save_draft(WizardDraft { step: target, data, updated_at: None }).await {
                Ok(d) => step.set(d.step),
                Err(e) if !e.fields().is_empty() => {
                    let fields = e.fields();
                    let back = fields.keys().map(|k| WizardData::step_of(k)).min().unwrap_or(current);
                    step.set(back);
                    errors.set(fields);
                    focus_first_error();
                }
                Err(e) => toasts.error(e.to_string()),
            }
            busy.set(false);
        });
    };
    let create = move || {
        let data = f.data();
        let local = data.check_step(REVIEW, &plans.get_value());
        if !local.is_empty() {
            step.set(local.keys().map(|k| WizardData::step_of(k)).min().unwrap_or(0));
            errors.set(local);
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let outcome = async {
                save_draft(WizardDraft { step: REVIEW, data, updated_at: None }).await?;
                submit_draft().await
            }
            .await;
            match outcome {
                Ok(slug) => {
                    toasts.success("Provisioning started.");
                    navigate(&format!("/tenants/{slug}/workflows"), Default::default());
                }
                Err(e) if !e.fields().is_empty() => {
                    let fields = e.fields();
                    step.set(fields.keys().map(|k| WizardData::step_of(k)).min().unwrap_or(0));
                    errors.set(fields);
                    busy.set(false);
                }
                Err(e) => {
                    toasts.error(e.to_string());
                    busy.set(false);
                }
            }
        });
    };
    let cancel_nav = use_navigate();
    let cancel = move |_| {
        let navigate = cancel_nav.clone();
        leptos::task::spawn_local(async move {
            match discard_draft().await {
                Ok(()) => navigate("/tenants", Default::default()),
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let regions = catalog.regions.clone();
    let body = move || {
        match step.get() {
        0 => view! { <Organization f regions=regions.clone() error/> }.into_any(),
        1 => view! { <PlanStep f plans=plans.get_value() error/> }.into_any(),
        2 => view! { <Resources f plans=plans.get_value() error/> }.into_any(),
        3 => view! { <BrandingStep f error/> }.into_any(),
        4 => view! { <FirstAdmin f error/> }.into_any(),
        _ => view! { <Review f plans=plans.get_value() regions=catalog.regions.clone() goto=Callback::new(move |s| go(s))/> }.into_any(),
    }
    };
    view! {
        <section class="card wizard">
            <ol class="stepper" aria-label="Steps">
                {STEPS.iter().enumerate().map(|(i, name)| view! {
                    <li class:done=move || i < step.get() class:current=move || i == step.get()
                        aria-current=move || (i == step.get()).then_some("step")>
                        <span class="stepper-n" aria-hidden="true">{i + 1}</span>
                        <span class="stepper-name">{*name}</span>
                    </li>
                }).collect_view()}
            </ol>
            <form class="form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                if step.get_untracked() >= REVIEW { create() } else { go(step.get_untracked() + 1) }
            }>
                <h2 class="wizard-title" id="wizard-step-title">{move || format!("Step {} of {}: {}", step.get() + 1, STEPS.len(), STEPS[step.get()])}</h2>
                {body}
                <div class="form-actions wizard-actions">
                    <button class="btn btn-ghost" type="button" on:click=cancel>"Cancel"</button>
                    <span class="spacer"></span>
                    <button class="btn" type="button" disabled=move || step.get() == 0 || busy.get()
                        on:click=move |_| go(step.get_untracked().saturating_sub(1))>"Back"</button>
                    <button class="btn btn-primary" type="submit" disabled=move || busy.get()>
                        {move || busy.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                        {move || if step.get() >= REVIEW { "Create tenant" } else { "Next" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Moves the focus to the first field marked invalid (after the view updates).
fn focus_first_error() {
    request_animation_frame(|| {
        if let Ok(Some(el)) =
            document().query_selector(".field.invalid input, .field.invalid select, [aria-invalid=true]")
        {
            if let Ok(el) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    });
}

#[component]
fn Organization(
    f: Fields,
    regions: Vec<crate::model::Region>,
    error: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let slug_to_check = RwSignal::new(f.slug.get_untracked());
    let mut schedule = debounce(Duration::from_millis(250), move |s: String| slug_to_check.set(s));
    Effect::new(move |_| schedule(f.slug.get()));
    let availability = Resource::new(
        move || slug_to_check.get(),
        |s| async move {
            if s.is_empty() {
                None
            } else {
                check_slug(s).await.ok()
            }
        },
    );
    let on_name = Callback::new(move |v: String| {
        if !f.slug_touched.get_untracked() {
            f.slug.set(slugify(&v));
        }
    });
    let on_slug = Callback::new(move |_: String| f.slug_touched.set(true));
    let region_err = error("region");
    view! {
        <div class="field-row">
            <TextField label="Organization name" id="name" value=f.name error=error("name") required=true on_input=on_name/>
            <div class="stack-0">
                <TextField label="Slug" id="slug" value=f.slug error=error("slug") on_input=on_slug
                    hint="Lowercase letters, digits and hyphens; used in URLs."/>
                <p class="slug-status" aria-live="polite">
                    <Transition fallback=|| view! { <span class="checking">"Checking…"</span> }>
                        {move || Suspend::new(async move {
                            match availability.await {
                                Some(c) if c.available => view! { <span class="ok">"✓ " {c.slug} " is available"</span> }.into_any(),
                                Some(c) => view! { <span class="taken">"✗ " {c.message}</span> }.into_any(),
                                None => ().into_any(),
                            }
                        })}
                    </Transition>
                </p>
            </div>
        </div>
        <div class="field" class:invalid=move || error("description").get().is_some()>
            <label for="description">"Description"</label>
            <textarea id="description" rows="2" prop:value=move || f.description.get()
                on:input=move |ev| f.description.set(event_target_value(&ev))></textarea>
            <FieldError message=error("description") id="description-error"/>
        </div>
        <div class="field" class:invalid=move || region_err.get().is_some()>
            <label for="region">"Region *"</label>
            <select id="region" on:change=move |ev| f.region.set(event_target_value(&ev))
                aria-invalid=move || region_err.get().is_some().to_string() aria-describedby="region-error">
                <option value="" selected=move || f.region.get().is_empty()>"Choose a region"</option>
                {regions.into_iter().map(|r| {
                    let id = r.id.clone();
                    view! { <option value=r.id.clone() selected=move || f.region.get() == id>{r.name}</option> }
                }).collect_view()}
            </select>
            <FieldError message=region_err id="region-error"/>
        </div>
    }
}

#[component]
fn PlanStep(
    f: Fields,
    plans: Vec<Plan>,
    error: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let plan_err = error("plan");
    view! {
        <fieldset class="plan-choice" aria-describedby="plan-error">
            <legend>"Choose a plan"</legend>
            <div class="plan-grid">
                {plans.into_iter().map(|p| {
                    let id = p.id.clone();
                    let id2 = p.id.clone();
                    let input_id = format!("plan-{}", p.id);
                    let label_for = input_id.clone();
                    view! {
                        <label class="plan-option" class:selected=move || f.plan.get() == id for=label_for>
                            <input type="radio" name="plan" id=input_id value=p.id.clone()
                                checked=move || f.plan.get() == id2
                                on:change=move |ev| {
                                    f.plan.set(event_target_value(&ev));
                                    // Allocations follow the new plan's defaults.
                                    f.allocations.set(BTreeMap::new());
                                }/>
                            <PlanCard plan=p/>
                        </label>
                    }
                }).collect_view()}
            </div>
            <FieldError message=plan_err id="plan-error"/>
        </fieldset>
        <div class="field">
            <label for="isolation">"Isolation"</label>
            <select id="isolation" on:change=move |ev| f.isolation.set(event_target_value(&ev))>
                <option value="" selected=move || f.isolation.get().is_empty()>"The plan's default"</option>
                {Isolation::ALL.iter().map(|i| {
                    let v = i.as_str();
                    view! { <option value=v selected=move || f.isolation.get() == v>{i.label()}</option> }
                }).collect_view()}
            </select>
            <p class="hint">"Schema: the tenant gets its own PostgreSQL schema and role. Row-level: its rows share tables with other tenants, kept apart by row-level security."</p>
        </div>
    }
}

#[component]
fn Resources(
    f: Fields,
    plans: Vec<Plan>,
    error: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Some(plan) = plans.into_iter().find(|p| p.id == f.plan.get_untracked()) else {
        return view! { <p class="alert alert-warning">"Choose a plan first."</p> }.into_any();
    };
    let err = error("allocations");
    view! {
        <p class="hint">{format!("Prefilled from the {} plan; each can be lowered, never raised above it.", plan.name)}</p>
        <div class="field-grid" class:invalid=move || err.get().is_some()>
            {plan_allocations(&plan).into_iter().map(|(r, max)| {
                let id = format!("alloc-{r}");
                view! {
                    <div class="field">
                        <label for=id.clone()>{resource_label(r)}</label>
                        <input id=id type="number" min="0" max=max.to_string() step="1" inputmode="numeric"
                            prop:value=move || f.allocations.with(|a| a.get(r).copied().unwrap_or(max)).to_string()
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                let n = v.trim().parse::<i64>().unwrap_or(-1);
                                f.allocations.update(|a| {
                                    if n == max { a.remove(r); } else { a.insert(r.to_string(), n); }
                                });
                            }/>
                        <p class="hint">{format!("Up to {}", number(max))}</p>
                    </div>
                }
            }).collect_view()}
        </div>
        <FieldError message=err id="allocations-error"/>
    }
    .into_any()
}

#[component]
fn BrandingStep(
    f: Fields,
    error: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let color = |c: RwSignal<String>, fallback: &'static str| {
        move || {
            let v = c.get();
            if crate::model::validate::check_color(&v).is_ok() {
                v
            } else {
                fallback.to_string()
            }
        }
    };
    let primary = color(f.primary_color, "#4f46e5");
    let secondary = color(f.secondary_color, "#0ea5e9");
    let logo = move || {
        let u = f.logo_url.get();
        crate::model::validate::check_url(&u).is_ok().then_some(u).filter(|u| !u.is_empty())
    };
    view! {
        <TextField label="Logo URL" id="branding.logo_url" value=f.logo_url error=error("branding.logo_url") hint="https://… (PNG or SVG)"/>
        <div class="field-row">
            <TextField label="Primary colour" id="branding.primary_color" value=f.primary_color error=error("branding.primary_color") hint="#rrggbb"/>
            <TextField label="Secondary colour" id="branding.secondary_color" value=f.secondary_color error=error("branding.secondary_color") hint="#rrggbb"/>
        </div>
        <figure class="brand-preview" aria-label="Preview of the tenant's portal header">
            <div class="brand-bar" style=move || format!("background: {}; border-bottom: 4px solid {}", primary(), secondary())>
                {move || match logo() {
                    Some(u) => view! { <img src=u alt="" class="brand-logo"/> }.into_any(),
                    None => view! { <span class="brand-mark" aria-hidden="true">{f.name.get().chars().next().unwrap_or('T').to_string()}</span> }.into_any(),
                }}
                <span class="brand-name">{move || { let n = f.name.get(); if n.trim().is_empty() { "Your tenant".to_string() } else { n } }}</span>
            </div>
            <figcaption class="hint">"Live preview of the portal header"</figcaption>
        </figure>
    }
}

#[component]
fn FirstAdmin(
    f: Fields,
    error: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <TextField label="First admin's email" id="first_admin_email" value=f.first_admin_email error=error("first_admin_email") required=true
            hint="They get an invitation to become the tenant's owner when provisioning completes."/>
    }
}

#[component]
fn Review(f: Fields, plans: Vec<Plan>, regions: Vec<crate::model::Region>, goto: Callback<usize>) -> impl IntoView {
    let d = f.data();
    let plan = plans.iter().find(|p| p.id == d.plan).cloned();
    let region = regions.iter().find(|r| r.id == d.region).map(|r| r.name.clone()).unwrap_or_default();
    let isolation = d.isolation.or(plan.as_ref().map(|p| p.default_isolation)).map(|i| i.label()).unwrap_or("");
    let allocations = plan
        .as_ref()
        .map(|p| {
            plan_allocations(p)
                .into_iter()
                .map(|(r, max)| {
                    format!("{}: {}", resource_label(r), number(d.allocations.get(r).copied().unwrap_or(max)))
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default();
    let row = move |label: &'static str, value: String, step: usize| {
        view! {
            <div>
                <dt>{label}</dt>
                <dd>{if value.trim().is_empty() { "—".to_string() } else { value }}
                    " " <button type="button" class="btn-link" on:click=move |_| goto.run(step)
                        aria-label=format!("Change {}", label.to_lowercase())>"Change"</button></dd>
            </div>
        }
    };
    view! {
        <dl class="props review">
            {row("Name", d.name.clone(), 0)}
            {row("Slug", d.effective_slug(), 0)}
            {row("Region", region, 0)}
            {row("Plan", plan.as_ref().map(|p| format!("{} · {}", p.name, p.price_label())).unwrap_or_default(), 1)}
            {row("Isolation", isolation.to_string(), 1)}
            {row("Resources", allocations, 2)}
            {row("Colours", format!("{} {}", d.primary_color, d.secondary_color), 3)}
            {row("First admin", d.first_admin_email.clone(), 4)}
        </dl>
        <p class="hint">"Creating starts provisioning: storage, the tenant template, defaults, the invitation and activation, shown step by step."</p>
    }
}

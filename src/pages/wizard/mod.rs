//! The provisioning wizard (PRODUCT.md P1): organization → plan → resources → branding →
//! first admin → review → create. Each step is checked here as people go and again on the
//! server (the same `WizardData::check_step`); the draft is saved on the server at every
//! step, so a reload or another browser picks up where the person was; cancel discards it.
//! Creating goes to the new tenant's live Workflows tab.

use crate::components::*;
use crate::error::{AppError, FieldErrors};
use crate::fns::tenants::get_catalog;
use crate::fns::workflows::{discard_draft, get_draft, save_draft, submit_draft};
use crate::model::validate::slugify;
use crate::model::wizard::{REVIEW, STEPS};
use crate::model::{Catalog, Isolation, WizardData, WizardDraft};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use std::collections::BTreeMap;

mod steps;
use steps::{BrandingStep, FirstAdmin, Organization, PlanStep, Resources, Review};

#[component]
pub fn WizardPage() -> impl IntoView {
    let loaded = resource(
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
pub(super) struct Fields {
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
    let body = move || match step.get() {
        0 => view! { <Organization f regions=regions.clone() error/> }.into_any(),
        1 => view! { <PlanStep f plans=plans.get_value() error/> }.into_any(),
        2 => view! { <Resources f plans=plans.get_value() error/> }.into_any(),
        3 => view! { <BrandingStep f error/> }.into_any(),
        4 => view! { <FirstAdmin f error/> }.into_any(),
        _ => view! { <Review f plans=plans.get_value() regions=catalog.regions.clone() goto=Callback::new(go)/> }
            .into_any(),
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
                        <Busy when=busy/>
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

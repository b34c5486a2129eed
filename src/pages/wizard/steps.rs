//! The wizard's steps, one component each; `Fields` (in the parent) holds their state.

use super::Fields;
use crate::components::format::number;
use crate::components::*;
use crate::fns::tenants::check_slug;
use crate::model::plan::{plan_allocations, resource_label};
use crate::model::validate::slugify;
use crate::model::{Isolation, Plan};
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

#[component]
pub(super) fn Organization(
    f: Fields,
    regions: Vec<crate::model::Region>,
    error: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let slug_to_check = RwSignal::new(f.slug.get_untracked());
    let mut schedule = debounce(Duration::from_millis(250), move |s: String| slug_to_check.set(s));
    Effect::new(move |_| schedule(f.slug.get()));
    let availability = resource(
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
pub(super) fn PlanStep(
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
pub(super) fn Resources(
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
pub(super) fn BrandingStep(
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
pub(super) fn FirstAdmin(
    f: Fields,
    error: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <TextField label="First admin's email" id="first_admin_email" value=f.first_admin_email error=error("first_admin_email") required=true
            hint="They get an invitation to become the tenant's owner when provisioning completes."/>
    }
}

#[component]
pub(super) fn Review(
    f: Fields,
    plans: Vec<Plan>,
    regions: Vec<crate::model::Region>,
    goto: Callback<usize>,
) -> impl IntoView {
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

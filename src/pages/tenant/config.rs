//! The Configuration card of a tenant's Settings tab (PRODUCT.md C1): a category at a
//! time, drawn from its field declarations (`model::config`) and checked as on the server,
//! saved as a new version; below it the category's history with each version's changes
//! and a way back to any of them (a restore is itself a new version, so nothing is lost).

use crate::components::format::time;
use crate::components::*;
use crate::fns::config::{get_config, get_config_versions, RestoreConfig, SaveConfig};
use crate::model::config::{self, Category, ConfigDocument, ConfigVersion, Field, Kind};
use crate::model::*;
use leptos::prelude::*;
use serde_json::Value;

#[component]
pub fn ConfigCard(t: Tenant, may_edit: bool) -> AnyView {
    let tenant = t.id;
    let editable = t.status.is_live() && may_edit;
    let refresh = Refresh::new();
    let shown = RwSignal::new(Category::General);
    let docs = resource(move || refresh.track(), move |_| get_config(tenant));
    let history = resource(move || (shown.get(), refresh.track()), move |(c, _)| get_config_versions(tenant, c));
    let restore = ServerAction::<RestoreConfig>::new();
    after(restore).refresh(refresh).toast(|d: ConfigDocument| {
        format!("Restored the {} settings as version {}.", d.category.label().to_lowercase(), d.version).into()
    });
    let tabs = Category::ALL
        .into_iter()
        .map(|c| {
            view! {
                <button type="button" class="tab" aria-pressed=move || (shown.get() == c).to_string()
                    on:click=move |_| shown.set(c)>{c.label()}</button>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="config-title" data-testid="config">
            <div class="card-header">
                <h2 class="card-title" id="config-title">"Configuration"</h2>
                <div class="segmented" role="group" aria-label="Category">{tabs}</div>
            </div>
            <Transition fallback=|| view! { <Loading text="Loading settings…"/> }>
                {move || Suspend::new(async move {
                    match docs.await {
                        Ok(all) => {
                            let c = shown.get();
                            let doc = all.into_iter().find(|d| d.category == c);
                            doc.map(|doc| view! { <CategoryForm tenant doc editable refresh/> }.into_any())
                        }
                        Err(e) => Some(view! { <ErrorAlert error=e/> }.into_any()),
                    }
                })}
            </Transition>
            <h3 class="section-title">"History"</h3>
            <Transition fallback=|| view! { <Loading text="Loading history…"/> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(v) if v.is_empty() => view! { <p class="hint">"Never changed: these are the defaults."</p> }.into_any(),
                        Ok(v) => view! { <History tenant versions=v category=shown.get_untracked() editable restore/> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// A category's fields as a form, each input drawn from its kind.
#[component]
fn CategoryForm(tenant: uuid::Uuid, doc: ConfigDocument, editable: bool, refresh: Refresh) -> AnyView {
    let category = doc.category;
    let values: Vec<(&'static Field, RwSignal<Value>)> = category
        .fields()
        .iter()
        .map(|f| (f, RwSignal::new(doc.values.get(f.key).cloned().unwrap_or_else(|| f.default_value()))))
        .collect();
    let save = ServerAction::<SaveConfig>::new();
    after(save).refresh(refresh).fields_in_form().toast(|d: ConfigDocument| {
        format!("Saved the {} settings (version {}).", d.category.label().to_lowercase(), d.version).into()
    });
    let local = RwSignal::new(crate::error::FieldErrors::new());
    let error = field_errors(local, move || match save.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let current = doc.values.clone();
    let (version, fields) = (doc.version, values.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input: serde_json::Map<String, Value> =
            fields.iter().map(|(f, v)| (f.key.to_string(), v.get_untracked())).collect();
        match config::validate(category, &Value::Object(input), &current) {
            Ok(checked) => {
                local.set(Default::default());
                save.dispatch(SaveConfig {
                    tenant,
                    category,
                    values: Value::Object(checked),
                    expected_version: version,
                });
            }
            Err(e) => local.set(e),
        }
    };
    let pending = save.pending();
    let inputs = values
        .into_iter()
        .map(|(f, value)| {
            let key = f.key;
            view! { <ConfigInput field=f value error=Signal::derive(move || error(key).get())/> }
        })
        .collect_view();
    let saved = match (&doc.updated_by, &doc.updated_at) {
        (Some(by), Some(at)) => format!("Version {version}, saved by {by} on {}.", time(at)),
        _ => "Not changed yet: these are the defaults.".into(),
    };
    view! {
        <p class="hint card-lead">{category.description()}" "{saved}</p>
        <form class="form config-form" on:submit=submit novalidate data-testid=format!("config-{}", category.as_str())>
            <fieldset disabled=!editable>
                <div class="config-grid">{inputs}</div>
                <div class="form-actions">
                    <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                        <Busy when=pending/>
                        {format!("Save {} settings", category.label().to_lowercase())}
                    </button>
                </div>
            </fieldset>
        </form>
    }
    .into_any()
}

/// One setting's input: a switch, a number, a choice, text or a list, by its kind.
#[component]
fn ConfigInput(field: &'static Field, value: RwSignal<Value>, error: Signal<Option<String>>) -> AnyView {
    let id = format!("cfg-{}", field.key);
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let described = format!("{hint_id} {error_id}");
    let text = move || match value.get() {
        Value::String(s) => s,
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
        Value::Null => String::new(),
        v => v.to_string(),
    };
    let input = match field.kind {
        Kind::Bool { .. } => view! {
            <label class="checkbox">
                <input type="checkbox" id=id.clone() aria-describedby=described.clone()
                    prop:checked=move || value.get().as_bool().unwrap_or(false)
                    on:change=move |ev| value.set(Value::Bool(event_target_checked(&ev)))/>
                <span>{field.label}</span>
            </label>
        }
        .into_any(),
        Kind::Int { min, max, .. } => view! {
            <input type="number" id=id.clone() inputmode="numeric" min=min max=max step="1" aria-describedby=described.clone()
                prop:value=text on:input=move |ev| {
                    let raw = event_target_value(&ev);
                    value.set(raw.trim().parse::<i64>().map(Value::from).unwrap_or(Value::String(raw)));
                }/>
        }
        .into_any(),
        Kind::Choice { options, .. } => view! {
            <select id=id.clone() aria-describedby=described.clone() on:change=move |ev| value.set(Value::from(event_target_value(&ev)))>
                {options.iter().map(|(o, label)| {
                    let o = *o;
                    view! { <option value=o selected=move || value.get().as_str() == Some(o)>{*label}</option> }
                }).collect_view()}
            </select>
        }
        .into_any(),
        Kind::Domains { .. } => view! {
            <textarea id=id.clone() class="mono" rows="3" spellcheck="false" aria-describedby=described.clone()
                prop:value=text on:input=move |ev| {
                    let lines = event_target_value(&ev);
                    value.set(Value::Array(lines.lines().map(str::trim).filter(|l| !l.is_empty()).map(Value::from).collect()));
                }></textarea>
        }
        .into_any(),
        Kind::Text { .. } | Kind::Email | Kind::Url => view! {
            <input type=if matches!(field.kind, Kind::Email) { "email" } else { "text" } id=id.clone()
                aria-describedby=described.clone() spellcheck="false" prop:value=text
                on:input=move |ev| value.set(Value::from(event_target_value(&ev)))/>
        }
        .into_any(),
    };
    let is_bool = matches!(field.kind, Kind::Bool { .. });
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            {(!is_bool).then(|| view! { <label for=id.clone()>{field.label}</label> })}
            {input}
            <p class="hint" id=hint_id>{field.help}</p>
            <FieldError message=error id=error_id/>
        </div>
    }
    .into_any()
}

/// The category's versions, newest first: who, when, what changed, and a way back.
#[component]
fn History(
    tenant: uuid::Uuid,
    versions: Vec<ConfigVersion>,
    category: Category,
    editable: bool,
    restore: ServerAction<RestoreConfig>,
) -> AnyView {
    let newest = versions.first().map(|v| v.version).unwrap_or(0);
    let pending = restore.pending();
    let rows = versions
        .into_iter()
        .map(|v| {
            let changes = v
                .changes
                .into_iter()
                .map(|c| {
                    let f = config::field(category, &c.field);
                    let label = f.map_or(c.field.clone(), |f| f.label.to_string());
                    let show = |x: &Value| f.map_or(x.to_string(), |f| config::show(f, x));
                    view! { <li><strong>{label}</strong>": "{show(&c.before)}" → "{show(&c.after)}</li> }
                })
                .collect_view();
            let restored = v.restored_from.map(|r| format!(" · restored version {r}"));
            let action = (editable && v.version != newest).then(|| {
                let version = v.version;
                view! {
                    <button type="button" class="btn btn-sm" disabled=move || pending.get()
                        on:click=move |_| { restore.dispatch(RestoreConfig { tenant, category, version }); }>
                        {format!("Restore version {version}")}
                    </button>
                }
            });
            view! {
                <li class="config-version" data-testid=format!("config-version-{}", v.version)>
                    <div class="config-version-head">
                        <span>
                            <strong>{format!("Version {}", v.version)}</strong>
                            {(v.version == newest).then(|| view! { <span class="badge">"current"</span> })}
                            <span class="hint">{format!(" · {} · {}", v.author, time(&v.created_at))}{restored}</span>
                        </span>
                        {action}
                    </div>
                    <ul class="config-changes">{changes}</ul>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="config-history">{rows}</ol> }.into_any()
}

//! A tenant's API keys tab (PRODUCT.md A5): create with a name and scopes (the secret is
//! shown once), see prefixes and last use, revoke (confirmed in a server-rendered dialog,
//! `/tenants/<slug>/api-keys?revoke=<id>`).

use crate::components::format::{opt_time, time};
use crate::components::*;
use crate::fns::api_keys::{list_api_keys, CreateApiKey, RevokeApiKey};
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::tab;

#[component]
pub fn ApiKeysTab() -> impl IntoView {
    tab("api-keys", |t, _| view! { <TenantKeys t/> })
}

#[component]
fn TenantKeys(t: Tenant) -> impl IntoView {
    let tenant = t.id;
    let base = format!("/tenants/{}/api-keys", t.slug);
    let query = use_query_map();
    let revoke_id = Memo::new(move |_| query.read().get("revoke").and_then(|v| Uuid::parse_str(&v).ok()));
    let refresh = Refresh::new();
    let keys = resource(move || refresh.track(), move |_| list_api_keys(tenant));
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![Scope::TenantsRead]);
    let local_error = RwSignal::new(None::<String>);
    // The new key, until the person says they have it: the page shows it, no toast.
    let created = RwSignal::new(None::<CreatedApiKey>);
    after(create).refresh(refresh).fields_in_form().toast(move |k| {
        created.set(Some(k));
        name.set(String::new());
        scopes.set(vec![Scope::TenantsRead]);
        Said::Nothing
    });
    after(revoke)
        .refresh(refresh)
        .close_to(base.clone())
        .toast(|k| format!("Revoked \u{201c}{}\u{201d}. Calls with it are refused from now on.", k.name).into());
    let field = move |f: &'static str| {
        Signal::derive(move || {
            let local = match f {
                "name" => local_error.get(),
                _ => None,
            };
            local.or_else(|| match create.value().get() {
                Some(Err(e)) => e.field(f),
                _ => None,
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        if n.trim().is_empty() {
            local_error.set(Some("Give the key a name, e.g. \u{201c}billing service\u{201d}.".into()));
            return;
        }
        local_error.set(None);
        create.dispatch(CreateApiKey {
            tenant,
            name: n,
            scopes: scopes.get_untracked().iter().map(|s| s.as_str().to_string()).collect(),
        });
    };
    let pending = create.pending();
    let name_error = field("name");
    let scopes_error = field("scopes");
    view! {
        <div class="stack-lg">
            {move || created.get().map(|k| view! {
                <SecretCard title=format!("Your new key \u{201c}{}\u{201d}", k.key.name) label="Your new API key" id="new-key"
                    secret=k.secret.clone() done=Callback::new(move |()| created.set(None))>
                    <p role="status"><strong>"Copy it now: you won't see this key again."</strong>
                        " Keep it somewhere safe, such as your service's secret store. Services send it as "
                        <code>"Authorization: Bearer <key>"</code>"."</p>
                </SecretCard>
            })}
            <section class="card" aria-labelledby="create-key-title">
                <div class="card-header"><h2 class="card-title" id="create-key-title">"Create an API key"</h2></div>
                <p class="hint card-intro">"A key lets one of your services call the REST API for this tenant, with only the scopes you tick."</p>
                <form class="stack" on:submit=submit>
                    <div class="field" class:invalid=move || name_error.get().is_some()>
                        <label for="key-name">"Name"</label>
                        <input id="key-name" type="text" maxlength="80" placeholder="billing service" autocomplete="off"
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                            aria-invalid=move || name_error.get().is_some().to_string()
                            aria-describedby=move || if name_error.get().is_some() { "key-name-hint key-name-error" } else { "key-name-hint" }/>
                        <p class="hint" id="key-name-hint">"What uses the key, so you know which one to revoke later."</p>
                        <FieldError message=name_error id="key-name-error"/>
                    </div>
                    <fieldset class="field" aria-describedby=move || scopes_error.get().map(|_| "key-scopes-error")>
                        <legend class="label">"What it may do"</legend>
                        <div class="scopes">
                            {Scope::ALL.into_iter().map(|s| {
                                let id = format!("scope-{}", s.as_str().replace(':', "-"));
                                view! {
                                    <label class="scope">
                                        <input id=id type="checkbox" value=s.as_str()
                                            prop:checked=move || scopes.with(|v| v.contains(&s))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                scopes.update(|v| { v.retain(|x| *x != s); if on { v.push(s); } });
                                            }/>
                                        <span class="scope-text">
                                            <span class="scope-desc">{s.describe()}</span>
                                            <code>{s.as_str()}</code>
                                        </span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        <FieldError message=scopes_error id="key-scopes-error"/>
                    </fieldset>
                    <noscript><p class="alert alert-info">"Creating a key needs JavaScript: the new key is shown once, on this page."</p></noscript>
                    <div>
                        <button class="btn btn-primary" type="submit" disabled=move || pending.get()>
                            <Busy when=pending/>
                            "Create key"
                        </button>
                    </div>
                </form>
            </section>
            <section class="card table-card" aria-labelledby="keys-title">
                <div class="card-header"><h2 class="card-title" id="keys-title">"Keys"</h2></div>
                <Suspense fallback=|| view! { <Loading text="Loading keys…"/> }>
                    {move || {
                        let base = base.clone();
                        Suspend::new(async move {
                        match keys.await {
                            Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                            Ok(list) if list.is_empty() => view! { <p class="muted pad">"No keys yet."</p> }.into_any(),
                            Ok(list) => {
                                let dialog_list = list.clone();
                                let base_d = base.clone();
                                let dialog = move || {
                                    let id = revoke_id.get()?;
                                    let k = dialog_list.iter().find(|k| k.id == id && k.revoked_at.is_none())?.clone();
                                    let base = base_d.clone();
                                    let text = format!(
                                        "Services using {}_… are refused from the moment you revoke it. This can't be undone; create a new key if they still need access.",
                                        k.prefix
                                    );
                                    Some(view! {
                                        <ConfirmDialog title=format!("Revoke \u{201c}{}\u{201d}?", k.name) cancel_href=base.clone()>
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                <input type="hidden" name="key" value=k.id.to_string()/>
                                                <div class="modal-body" id="confirm-text"><p>{text}</p></div>
                                                <ConfirmButtons cancel_href=base label="Revoke" danger=true pending=revoke.pending()/>
                                            </ActionForm>
                                        </ConfirmDialog>
                                    })
                                };
                                view! {
                                    <div class="table-wrap"><table class="table table-stack">
                                        <thead><tr>
                                            <th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th>
                                            <th scope="col">"Last used"</th><th scope="col"><span class="sr-only">"Status and actions"</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {list.into_iter().map(|k| view! { <KeyRow k base=base.clone()/> }).collect_view()}
                                        </tbody>
                                    </table></div>
                                    {dialog}
                                }.into_any()
                            }
                        }
                    })}}
                </Suspense>
            </section>
        </div>
    }
}

#[component]
fn KeyRow(k: ApiKey, base: String) -> impl IntoView {
    let live = k.revoked_at.is_none();
    let action = if live {
        view! {
            <a class="btn btn-sm btn-ghost" href=format!("{base}?revoke={}", k.id) aria-label=format!("Revoke {}", k.name)>"Revoke"</a>
        }
        .into_any()
    } else {
        view! {
            <span class="badge badge-terminated">"Revoked"</span>
            <span class="cell-sub muted">{opt_time(&k.revoked_at)}</span>
        }
        .into_any()
    };
    view! {
        <tr class:row-muted=!live>
            <td class="col-name">
                <div class="cell-title">{k.name.clone()}</div>
                <div class="cell-sub mono">{format!("{}_…", k.prefix)}</div>
            </td>
            <td data-label="Scopes"><div class="badges">{k.scopes.iter().map(|s| view! { <span class="badge badge-neutral" title=s.describe()>{s.as_str()}</span> }).collect_view()}</div></td>
            <td class="nowrap" data-label="Created">{time(&k.created_at)}<span class="cell-sub muted">{k.created_by.clone().map(|by| format!("by {by}"))}</span></td>
            <td class="nowrap" data-label="Last used">{k.last_used_at.as_ref().map(time).unwrap_or_else(|| "Never".into())}</td>
            <td class="cell-actions">{action}</td>
        </tr>
    }
}

//! A tenant's Members tab (PRODUCT.md A3): members with their roles, pending invitations
//! and the invite form. Controls appear only for people who may use them; the server's
//! guard refuses the rest anyway.

use crate::components::format::{opt_time, time};
use crate::components::*;
use crate::fns::members::*;
use crate::model::*;
use leptos::prelude::*;

#[component]
pub fn TenantMembers(t: Tenant) -> impl IntoView {
    let tenant = t.id;
    let me = use_me();
    let can_manage = me.as_ref().is_some_and(|m| m.can(Permission::MembersManage, Some(tenant)));
    let i_am_owner =
        me.as_ref().is_some_and(|m| m.is_platform_admin || m.membership(tenant).is_some_and(|x| x.role == Role::Owner));
    let refresh = RwSignal::new(0u32);
    let members = Resource::new(move || refresh.get(), move |_| list_members(tenant));
    let invitations = Resource::new(
        move || refresh.get(),
        move |_| async move {
            if can_manage {
                list_invitations(tenant).await
            } else {
                Ok(Vec::new())
            }
        },
    );
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let invite = ServerAction::<InviteMember>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let toasts = use_toasts();
    let done = move |msg: String| {
        toasts.success(msg);
        refresh.update(|n| *n += 1);
    };
    Effect::new(move |_| match change.value().get() {
        Some(Ok(m)) => done(format!("{} is now {}.", m.email, m.role.label().to_lowercase())),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => done("Removed from the tenant.".into()),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match invite.value().get() {
        Some(Ok(i)) => match &i.last_error {
            None => done(format!("Invitation sent to {}.", i.email)),
            Some(err) => {
                toasts.error(format!("The invitation to {} was saved but not sent: {err}", i.email));
                refresh.update(|n| *n += 1);
            }
        },
        Some(Err(e)) if e.fields().is_empty() => toasts.error(e.to_string()),
        _ => {}
    });
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(i)) if i.last_error.is_none() => done(format!("Sent a new link to {}.", i.email)),
        Some(Ok(i)) => toasts.error(format!("Could not send to {}: {}", i.email, i.last_error.unwrap_or_default())),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(i)) => done(format!("Withdrew the invitation to {}.", i.email)),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let invite_error = move |f: &'static str| {
        Signal::derive(move || match invite.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| i_am_owner || *r != Role::Owner).collect();
    let member_roles = StoredValue::new(roles.clone());
    let pending_invite = invite.pending();

    view! {
        <div class="stack-lg">
            {can_manage.then(|| view! {
                <section class="card">
                    <div class="card-header"><h2 class="card-title">"Invite someone"</h2></div>
                    <ActionForm action=invite attr:class="invite-form">
                        <input type="hidden" name="tenant" value=tenant.to_string()/>
                        <div class="field" class:invalid=move || invite_error("email").get().is_some()>
                            <label for="invite-email">"Email"</label>
                            <input id="invite-email" name="email" type="email" required placeholder="name@example.com"
                                aria-invalid=move || invite_error("email").get().is_some().to_string()/>
                            <FieldError message=invite_error("email") id="invite-email-error"/>
                        </div>
                        <div class="field">
                            <label for="invite-role">"Role"</label>
                            <select id="invite-role" name="role">
                                {roles.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Member>{r.label()}</option> }).collect_view()}
                            </select>
                            <FieldError message=invite_error("role") id="invite-role-error"/>
                        </div>
                        <div class="invite-submit">
                            <button class="btn btn-primary" type="submit" disabled=move || pending_invite.get()>
                                {move || pending_invite.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                                "Send invitation"
                            </button>
                        </div>
                    </ActionForm>
                    <p class="hint">"They get an email with a link that works once and expires in 7 days. Members and pending invitations count against the plan's user limit."</p>
                </section>
            })}
            <section class="card table-card">
                <div class="card-header"><h2 class="card-title">"Members"</h2></div>
                <Suspense fallback=|| view! { <Loading text="Loading members…"/> }>
                    {move || Suspend::new(async move {
                        match members.await {
                            Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <Empty title="No members yet" text="Invite the first person above."/>
                            }.into_any(),
                            Ok(list) => {
                                let owners = list.iter().filter(|m| m.role == Role::Owner).count();
                                view! {
                                    <div class="table-wrap"><table class="table">
                                        <thead><tr>
                                            <th scope="col">"Person"</th><th scope="col">"Role"</th><th scope="col">"Joined"</th>
                                            {can_manage.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                                        </tr></thead>
                                        <tbody>
                                            {list.into_iter().map(|m| {
                                                let last_owner = m.role == Role::Owner && owners <= 1;
                                                let locked = last_owner || (m.role == Role::Owner && !i_am_owner);
                                                let why = if last_owner { "The last owner can't be changed or removed; make someone else an owner first." } else { "Only an owner can change an owner." };
                                                let email = m.email.clone();
                                                let role_label = format!("Role of {}", m.email);
                                                let remove_label = format!("Remove {}", m.email);
                                                let select_id = format!("role-{}", m.user_id);
                                                let form_ref = NodeRef::<leptos::html::Form>::new();
                                                view! {
                                                    <tr>
                                                        <td class="col-name"><div class="cell-title">{m.name.clone()}</div><div class="cell-sub muted">{m.email.clone()}</div></td>
                                                        <td>{if can_manage && !locked {
                                                            let roles = member_roles.get_value();
                                                            view! {
                                                                <ActionForm action=change node_ref=form_ref>
                                                                    <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                                    <input type="hidden" name="user" value=m.user_id.to_string()/>
                                                                    <label class="sr-only" for=select_id.clone()>{role_label}</label>
                                                                    <select id=select_id name="role" class="select-sm"
                                                                        on:change=move |_| { if let Some(f) = form_ref.get() { let _ = f.request_submit(); } }>
                                                                        {roles.iter().map(|r| view! { <option value=r.as_str() selected=*r == m.role>{r.label()}</option> }).collect_view()}
                                                                    </select>
                                                                    <noscript><button class="btn btn-sm" type="submit">"Save"</button></noscript>
                                                                </ActionForm>
                                                            }.into_any()
                                                        } else {
                                                            view! { <span class="badge badge-neutral" title=locked.then_some(why)>{m.role.label()}</span> }.into_any()
                                                        }}</td>
                                                        <td>{time(&m.joined_at)}</td>
                                                        {can_manage.then(|| view! {
                                                            <td class="cell-actions">
                                                                <ActionForm action=remove on:submit=move |ev| {
                                                                    if !window().confirm_with_message(&format!("Remove {email} from this tenant?")).unwrap_or(true) { ev.prevent_default(); }
                                                                }>
                                                                    <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                                    <input type="hidden" name="user" value=m.user_id.to_string()/>
                                                                    <button class="btn btn-sm btn-ghost" type="submit" disabled=locked title=locked.then_some(why)
                                                                        aria-label=remove_label>"Remove"</button>
                                                                </ActionForm>
                                                            </td>
                                                        })}
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table></div>
                                }.into_any()
                            }
                        }
                    })}
                </Suspense>
            </section>
            {can_manage.then(|| view! {
                <section class="card table-card">
                    <div class="card-header"><h2 class="card-title">"Invitations"</h2></div>
                    <Suspense fallback=|| view! { <Loading text="Loading invitations…"/> }>
                        {move || Suspend::new(async move {
                            match invitations.await {
                                Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                                Ok(list) if list.is_empty() => view! { <p class="muted pad">"No invitations yet."</p> }.into_any(),
                                Ok(list) => view! {
                                    <div class="table-wrap"><table class="table">
                                        <thead><tr>
                                            <th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th>
                                            <th scope="col">"Expires"</th><th scope="col">"Last sent"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {list.into_iter().map(|i| {
                                                let badge = match i.status {
                                                    InvitationStatus::Pending => "badge badge-provisioning",
                                                    InvitationStatus::Accepted => "badge badge-active",
                                                    InvitationStatus::Expired => "badge badge-suspended",
                                                    InvitationStatus::Revoked => "badge badge-terminated",
                                                };
                                                // Pending or expired (still pending in the database): resend or revoke.
                                                let revoke_label = format!("Revoke the invitation to {}", i.email);
                                                let resend_label = format!("Resend the invitation to {}", i.email);
                                                let (iid, iid2) = (i.id.to_string(), i.id.to_string());
                                                let open = matches!(i.status, InvitationStatus::Pending | InvitationStatus::Expired);
                                                view! {
                                                    <tr>
                                                        <td>{i.email.clone()}
                                                            {i.last_error.clone().map(|e| view! { <div class="field-error">{format!("Not sent: {e}")}</div> })}
                                                        </td>
                                                        <td>{i.role.label()}</td>
                                                        <td><span class=badge>{i.status.label()}</span></td>
                                                        <td>{time(&i.expires_at)}</td>
                                                        <td>{opt_time(&i.last_sent_at)}{(i.sent_count > 1).then(|| format!(" ({}×)", i.sent_count))}</td>
                                                        <td class="cell-actions"><div class="btn-group">
                                                        {open.then(|| view! {
                                                            <ActionForm action=revoke>
                                                                <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                                <input type="hidden" name="invitation" value=iid/>
                                                                <button class="btn btn-sm btn-ghost" type="submit" aria-label=revoke_label>"Revoke"</button>
                                                            </ActionForm>
                                                        })}
                                                        {open.then(|| view! {
                                                            <ActionForm action=resend>
                                                                <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                                <input type="hidden" name="invitation" value=iid2/>
                                                                <button class="btn btn-sm" type="submit" aria-label=resend_label>"Resend"</button>
                                                            </ActionForm>
                                                        })}
                                                        </div></td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table></div>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            })}
        </div>
    }
}

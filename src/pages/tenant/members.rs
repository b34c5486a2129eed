//! A tenant's Members tab (PRODUCT.md A3): members with their roles, pending invitations
//! and the invite form. Controls appear only for people who may use them; the server's
//! guard refuses the rest anyway. Removing someone and revoking an invitation ask first,
//! in a server-rendered dialog (`/tenants/<slug>/members?remove=<user>`,
//! `?revoke=<invitation>`), so everything here works without JavaScript too.

use crate::components::format::{date, time};
use crate::components::*;
use crate::fns::members::*;
use crate::model::*;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::tab;

/// Why a member's role can't be changed by the person looking, if it can't.
fn locked_reason(m: &Member, owners: usize, i_am_owner: bool) -> Option<&'static str> {
    if m.role != Role::Owner {
        None
    } else if owners <= 1 {
        Some("The only owner: make someone else an owner before changing or removing this role.")
    } else if !i_am_owner {
        Some("Only an owner can change or remove an owner.")
    } else {
        None
    }
}

#[component]
pub fn MembersTab() -> impl IntoView {
    tab("members", |t, me| view! { <TenantMembers t me/> })
}

#[component]
fn TenantMembers(t: Tenant, me: Option<Me>) -> impl IntoView {
    let tenant = t.id;
    let tenant_name = t.name.clone();
    let base = format!("/tenants/{}/members", t.slug);
    let query = use_query_map();
    let param =
        move |name: &'static str| Memo::new(move |_| query.read().get(name).and_then(|v| Uuid::parse_str(&v).ok()));
    let (remove_id, revoke_id) = (param("remove"), param("revoke"));

    let can_manage = me.as_ref().is_some_and(|m| m.can(Permission::MembersManage, Some(tenant)));
    let i_am_owner =
        me.as_ref().is_some_and(|m| m.is_platform_admin || m.membership(tenant).is_some_and(|x| x.role == Role::Owner));
    let my_id = me.as_ref().map(|m| m.id);

    let refresh = Refresh::new();
    let members = resource(move || refresh.track(), move |_| list_members(tenant));
    let invitations = resource(
        move || refresh.track(),
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
    // A confirmed action closes its dialog (drops its query parameter).
    after(change).refresh(refresh).toast(|m| format!("{} is now {}.", m.name, m.role.label().to_lowercase()).into());
    after(remove).refresh(refresh).close_to(base.clone()).toast(|()| "Removed from the tenant.".into());
    after(revoke)
        .refresh(refresh)
        .close_to(base.clone())
        .toast(|i| format!("Withdrew the invitation to {}.", i.email).into());
    let invite_form = NodeRef::<leptos::html::Form>::new();
    after(invite).refresh(refresh).fields_in_form().toast(move |i| {
        if let Some(f) = invite_form.get_untracked() {
            f.reset();
        }
        match i.last_error {
            None => format!("Invitation sent to {}.", i.email).into(),
            Some(err) => Said::Problem(format!("The invitation to {} was saved but not sent: {err}", i.email)),
        }
    });
    after(resend).refresh(refresh).toast(|i| match i.last_error {
        None => format!("Sent a new link to {}. The old link no longer works.", i.email).into(),
        Some(err) => Said::Problem(format!("Could not send to {}: {err}", i.email)),
    });

    let invite_error = move |f: &'static str| {
        Signal::derive(move || match invite.value().get() {
            Some(Err(e)) => e.field(f),
            _ => None,
        })
    };
    let invite_other = move || match invite.value().get() {
        Some(Err(e)) if e.fields().is_empty() => Some(e.to_string()),
        _ => None,
    };
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| i_am_owner || *r != Role::Owner).collect();
    let member_roles = StoredValue::new(roles.clone());
    let pending_invite = invite.pending();
    let (base_m, base_i) = (base.clone(), base.clone());
    let (tenant_name_m, tenant_name_i) = (tenant_name.clone(), tenant_name.clone());

    view! {
        <div class="stack-lg">
            {can_manage.then(|| view! {
                <section class="card" aria-labelledby="invite-title">
                    <div class="card-header"><h2 class="card-title" id="invite-title">"Invite someone"</h2></div>
                    <Show when=move || invite_other().is_some()>
                        <div class="alert alert-error" role="alert">{invite_other}</div>
                    </Show>
                    <ActionForm action=invite node_ref=invite_form attr:class="invite-form">
                        <input type="hidden" name="tenant" value=tenant.to_string()/>
                        <div class="field" class:invalid=move || invite_error("email").get().is_some()>
                            <label for="invite-email">"Email"</label>
                            <input id="invite-email" name="email" type="email" required autocomplete="off"
                                placeholder="name@example.com"
                                aria-invalid=move || invite_error("email").get().is_some().to_string()
                                aria-describedby=move || invite_error("email").get().map(|_| "invite-email-error")/>
                            <FieldError message=invite_error("email") id="invite-email-error"/>
                        </div>
                        <div class="field" class:invalid=move || invite_error("role").get().is_some()>
                            <label for="invite-role">"Role"</label>
                            <select id="invite-role" name="role"
                                aria-invalid=move || invite_error("role").get().is_some().to_string()
                                aria-describedby=move || invite_error("role").get().map(|_| "invite-role-error")>
                                {roles.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Member>{r.label()}</option> }).collect_view()}
                            </select>
                            <FieldError message=invite_error("role") id="invite-role-error"/>
                        </div>
                        <div class="invite-submit">
                            <button class="btn btn-primary" type="submit" disabled=move || pending_invite.get()>
                                <Busy when=pending_invite/>
                                "Send invitation"
                            </button>
                        </div>
                    </ActionForm>
                    <p class="hint">
                        "They get an email with a link that works once and expires after a few days. "
                        "Owners and admins manage people and API keys; members can also read the audit log; viewers only look. "
                        "Members and pending invitations count against the plan's user limit."
                    </p>
                </section>
            })}
            <section class="card table-card" aria-labelledby="members-title">
                <div class="card-header"><h2 class="card-title" id="members-title">"Members"</h2></div>
                <Suspense fallback=|| view! { <Loading text="Loading members…"/> }>
                    {move || {
                        let base = base_m.clone();
                        let tenant_name = tenant_name_m.clone();
                        Suspend::new(async move {
                        match members.await {
                            Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <Empty title="No members yet" text="Invite the first person above."/>
                            }.into_any(),
                            Ok(list) => {
                                let owners = list.iter().filter(|m| m.role == Role::Owner).count();
                                let rows = list.iter().map(|m| {
                                    let locked = locked_reason(m, owners, i_am_owner);
                                    let why_id = format!("locked-{}", m.user_id);
                                    let is_me = Some(m.user_id) == my_id;
                                    let role_cell = if can_manage && locked.is_none() {
                                        view! { <RoleForm tenant member=m.clone() roles=member_roles.get_value() action=change/> }.into_any()
                                    } else {
                                        view! {
                                            <span class="badge badge-neutral">{m.role.label()}</span>
                                            {(can_manage).then(|| locked.map(|why| view! { <span class="cell-sub muted cell-note" id=why_id.clone()>{why}</span> }))}
                                        }.into_any()
                                    };
                                    let actions = can_manage.then(|| {
                                        let label = format!("Remove {}", m.name);
                                        match locked {
                                            Some(why) => view! {
                                                <button class="btn btn-sm btn-ghost" type="button" disabled title=why
                                                    aria-describedby=why_id.clone()>"Remove"</button>
                                            }.into_any(),
                                            None => view! {
                                                <a class="btn btn-sm btn-ghost" href=format!("{base}?remove={}", m.user_id)
                                                    aria-label=label>"Remove"</a>
                                            }.into_any(),
                                        }
                                    });
                                    view! {
                                        <tr>
                                            <td class="col-name">
                                                <div class="cell-title">{m.name.clone()}{is_me.then(|| view! { " " <span class="badge badge-plan">"You"</span> })}</div>
                                                <div class="cell-sub muted">{m.email.clone()}</div>
                                            </td>
                                            <td data-label="Role">{role_cell}</td>
                                            <td class="nowrap" data-label="Joined" title=time(&m.joined_at)>{date(&m.joined_at)}</td>
                                            {actions.map(|a| view! { <td class="cell-actions">{a}</td> })}
                                        </tr>
                                    }
                                }).collect_view();
                                // The confirmation, when the address asks for it and the person may be removed.
                                let dialog_list = list.clone();
                                let dialog = move || {
                                    let id = remove_id.get()?;
                                    let m = dialog_list.iter().find(|m| m.user_id == id)?.clone();
                                    if !can_manage || locked_reason(&m, owners, i_am_owner).is_some() {
                                        return None;
                                    }
                                    let text = if Some(m.user_id) == my_id {
                                        format!("You will lose access to {tenant_name} at once.")
                                    } else {
                                        format!("{} ({}) loses access to {tenant_name} at once. You can invite them again later.", m.name, m.email)
                                    };
                                    let base = base.clone();
                                    Some(view! {
                                        <ConfirmDialog title=format!("Remove {}?", m.name) cancel_href=base.clone()>
                                            <ActionForm action=remove>
                                                <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                <input type="hidden" name="user" value=m.user_id.to_string()/>
                                                <div class="modal-body" id="confirm-text"><p>{text}</p></div>
                                                <ConfirmButtons cancel_href=base label="Remove" danger=true pending=remove.pending()/>
                                            </ActionForm>
                                        </ConfirmDialog>
                                    })
                                };
                                view! {
                                    <div class="table-wrap"><table class="table table-stack">
                                        <thead><tr>
                                            <th scope="col">"Person"</th><th scope="col">"Role"</th><th scope="col">"Joined"</th>
                                            {can_manage.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                                        </tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table></div>
                                    {dialog}
                                }.into_any()
                            }
                        }
                    })}}
                </Suspense>
            </section>
            {can_manage.then(|| view! {
                <section class="card table-card" aria-labelledby="invitations-title">
                    <div class="card-header"><h2 class="card-title" id="invitations-title">"Invitations"</h2></div>
                    <Suspense fallback=|| view! { <Loading text="Loading invitations…"/> }>
                        {move || {
                            let base = base_i.clone();
                            let tenant_name = tenant_name_i.clone();
                            Suspend::new(async move {
                            match invitations.await {
                                Err(e) => view! { <ErrorAlert error=e/> }.into_any(),
                                Ok(list) => {
                                    let (open, closed): (Vec<Invitation>, Vec<Invitation>) = list
                                        .into_iter()
                                        .partition(|i| matches!(i.status, InvitationStatus::Pending | InvitationStatus::Expired));
                                    let dialog_list = open.clone();
                                    let base_d = base.clone();
                                    let dialog = move || {
                                        let id = revoke_id.get()?;
                                        let i = dialog_list.iter().find(|i| i.id == id)?.clone();
                                        let base = base_d.clone();
                                        let text = format!(
                                            "The link in the email stops working, and {} can't join {} with it.",
                                            i.email, tenant_name
                                        );
                                        Some(view! {
                                            <ConfirmDialog title=format!("Revoke the invitation to {}?", i.email) cancel_href=base.clone()>
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="tenant" value=tenant.to_string()/>
                                                    <input type="hidden" name="invitation" value=i.id.to_string()/>
                                                    <div class="modal-body" id="confirm-text">
                                                        <p>{text}</p>
                                                    </div>
                                                    <ConfirmButtons cancel_href=base label="Revoke" danger=true pending=revoke.pending()/>
                                                </ActionForm>
                                            </ConfirmDialog>
                                        })
                                    };
                                    let open_view = if open.is_empty() {
                                        view! { <p class="muted pad">"No pending invitations."</p> }.into_any()
                                    } else {
                                        view! {
                                            <div class="table-wrap"><table class="table table-stack">
                                                <thead><tr>
                                                    <th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th>
                                                    <th scope="col">"Expires"</th><th scope="col">"Sent"</th>
                                                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                                                </tr></thead>
                                                <tbody>
                                                    {open.into_iter().map(|i| view! { <InvitationRow i base=base.clone() resend/> }).collect_view()}
                                                </tbody>
                                            </table></div>
                                        }.into_any()
                                    };
                                    let closed_view = (!closed.is_empty()).then(|| view! {
                                        <details class="earlier">
                                            <summary>{format!("Earlier invitations ({})", closed.len())}</summary>
                                            <div class="table-wrap"><table class="table table-stack">
                                                <thead><tr>
                                                    <th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Invited"</th>
                                                </tr></thead>
                                                <tbody>
                                                    {closed.into_iter().map(|i| view! {
                                                        <tr>
                                                            <td class="col-name">{i.email.clone()}</td>
                                                            <td data-label="Role">{i.role.label()}</td>
                                                            <td data-label="Status"><InvitationBadge status=i.status/></td>
                                                            <td class="nowrap" data-label="Invited" title=time(&i.created_at)>{date(&i.created_at)}</td>
                                                        </tr>
                                                    }).collect_view()}
                                                </tbody>
                                            </table></div>
                                        </details>
                                    });
                                    view! { {open_view} {closed_view} {dialog} }.into_any()
                                }
                            }
                        })}}
                    </Suspense>
                </section>
            })}
        </div>
    }
}

/// A member's role as a select with a Save button that appears once it changes (a role
/// never changes just by moving through the options with the keyboard).
#[component]
fn RoleForm(tenant: Uuid, member: Member, roles: Vec<Role>, action: ServerAction<ChangeMemberRole>) -> impl IntoView {
    let current = member.role;
    let chosen = RwSignal::new(current.as_str().to_string());
    let dirty = move || chosen.get() != current.as_str();
    let select_id = format!("role-{}", member.user_id);
    let pending = action.pending();
    view! {
        <ActionForm action=action attr:class="role-form">
            <input type="hidden" name="tenant" value=tenant.to_string()/>
            <input type="hidden" name="user" value=member.user_id.to_string()/>
            <label class="sr-only" for=select_id.clone()>{format!("Role of {}", member.name)}</label>
            <select id=select_id name="role" class="select-sm" on:change=move |ev| chosen.set(event_target_value(&ev))>
                {roles.iter().map(|r| view! { <option value=r.as_str() selected=*r == current>{r.label()}</option> }).collect_view()}
            </select>
            <Show when=dirty>
                <button class="btn btn-sm btn-primary" type="submit" disabled=move || pending.get()>"Save"</button>
            </Show>
            <noscript><button class="btn btn-sm" type="submit">"Save"</button></noscript>
        </ActionForm>
    }
}

#[component]
fn InvitationBadge(status: InvitationStatus) -> impl IntoView {
    let class = match status {
        InvitationStatus::Pending => "badge badge-provisioning",
        InvitationStatus::Accepted => "badge badge-active",
        InvitationStatus::Expired => "badge badge-suspended",
        InvitationStatus::Revoked => "badge badge-terminated",
    };
    view! { <span class=class>{status.label()}</span> }
}

/// A pending (or expired, not yet renewed) invitation: resend gives a new link and expiry.
#[component]
fn InvitationRow(i: Invitation, base: String, resend: ServerAction<ResendInvitation>) -> impl IntoView {
    let resend_label = format!("Resend the invitation to {}", i.email);
    let revoke_label = format!("Revoke the invitation to {}", i.email);
    let sent = match i.sent_count {
        0 => "Not sent".to_string(),
        1 => "Once".to_string(),
        n => format!("{n} times"),
    };
    view! {
        <tr>
            <td class="col-name wrap">
                <div class="cell-title">{i.email.clone()}</div>
                {i.last_error.clone().map(|e| view! { <p class="field-error cell-note">{format!("Not delivered: {e}")}</p> })}
            </td>
            <td data-label="Role">{i.role.label()}</td>
            <td data-label="Status"><InvitationBadge status=i.status/></td>
            <td class="nowrap" data-label="Expires" title=time(&i.expires_at)>{date(&i.expires_at)}</td>
            <td class="nowrap" data-label="Sent">
                {sent}
                {i.last_sent_at.as_ref().map(|t| view! { <span class="cell-sub muted">{time(t)}</span> })}
                {i.invited_by.clone().map(|by| view! { <span class="cell-sub muted">{format!("by {by}")}</span> })}
            </td>
            <td class="cell-actions">
                <div class="cell-buttons">
                    <ActionForm action=resend>
                        <input type="hidden" name="tenant" value=i.tenant_id.to_string()/>
                        <input type="hidden" name="invitation" value=i.id.to_string()/>
                        <button class="btn btn-sm" type="submit" aria-label=resend_label>"Resend"</button>
                    </ActionForm>
                    <a class="btn btn-sm btn-ghost" href=format!("{base}?revoke={}", i.id) aria-label=revoke_label>"Revoke"</a>
                </div>
            </td>
        </tr>
    }
}

//! Who may do what (PRODUCT.md A2, A5): roles, permissions and API-key scopes. Shared by
//! the server, which enforces them in one guard (`server::access`), and the client, which
//! uses the same table to hide what the signed-in person cannot do. The README's role
//! table is generated from `role_table_markdown` and a test keeps the two equal.

use super::TenantStatus;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A person's role in one tenant, most powerful first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type, utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// What the role may do in its own tenant.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match p {
            TenantRead | MembersRead | UsageRead | HealthRead | ConfigRead | FeaturesRead => true,
            AuditRead => self <= Role::Member,
            TenantEdit | MembersManage | ApiKeysManage | ResourcesManage | WebhooksManage | HealthManage => {
                self <= Role::Admin
            }
            QuotaRead | UsageWrite => false,
            TenantsCreate | TenantLifecycle | UsersManage | PlatformManage => false,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the guard is asked about. Platform permissions are for platform admins only;
/// the others are checked against the caller's role (or key scopes) in one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Create tenants (platform).
    TenantsCreate,
    /// Suspend, resume, terminate, activate (platform).
    TenantLifecycle,
    /// Manage users across the platform (platform).
    UsersManage,
    /// Edit plans, roll out the tenant template, retry or discard workflows (platform).
    PlatformManage,
    TenantRead,
    TenantEdit,
    MembersRead,
    MembersManage,
    ApiKeysManage,
    AuditRead,
    /// Read usage, cost and invoices.
    UsageRead,
    /// Machine permissions, granted to API keys by scope.
    UsageWrite,
    QuotaRead,
    /// Change a tenant's allocations and limits (within the plan; beyond it, platform
    /// admins only).
    ResourcesManage,
    /// Register webhook endpoints, rotate their secrets, read and replay deliveries.
    WebhooksManage,
    /// See the tenant's health checks, their results and incidents.
    HealthRead,
    /// Add, change and delete health checks; run one now; acknowledge incidents.
    HealthManage,
    /// Read the tenant's configuration (settings by category, their versions).
    ConfigRead,
    /// Read which feature flags are on for the tenant, and why.
    FeaturesRead,
}

impl Permission {
    pub const ALL: [Permission; 19] = [
        Permission::TenantsCreate,
        Permission::TenantLifecycle,
        Permission::UsersManage,
        Permission::PlatformManage,
        Permission::TenantRead,
        Permission::TenantEdit,
        Permission::MembersRead,
        Permission::MembersManage,
        Permission::ApiKeysManage,
        Permission::AuditRead,
        Permission::UsageRead,
        Permission::UsageWrite,
        Permission::QuotaRead,
        Permission::ResourcesManage,
        Permission::WebhooksManage,
        Permission::HealthRead,
        Permission::HealthManage,
        Permission::ConfigRead,
        Permission::FeaturesRead,
    ];

    /// Only platform admins hold it, whatever their tenant roles.
    pub fn is_platform(self) -> bool {
        matches!(
            self,
            Permission::TenantsCreate
                | Permission::TenantLifecycle
                | Permission::UsersManage
                | Permission::PlatformManage
        )
    }

    /// Whether it changes something (refused in a suspended tenant).
    pub fn is_write(self) -> bool {
        !matches!(
            self,
            Permission::TenantRead
                | Permission::MembersRead
                | Permission::AuditRead
                | Permission::UsageRead
                | Permission::QuotaRead
                | Permission::HealthRead
                | Permission::ConfigRead
                | Permission::FeaturesRead
        )
    }

    /// "edit this tenant's settings", for messages ("Your role can't …").
    pub fn describe(self) -> &'static str {
        match self {
            Permission::TenantsCreate => "create tenants",
            Permission::TenantLifecycle => "suspend, resume or terminate tenants",
            Permission::UsersManage => "manage users",
            Permission::PlatformManage => "manage plans, feature flags, the tenant template and workflows",
            Permission::TenantRead => "see this tenant",
            Permission::TenantEdit => "change this tenant's settings",
            Permission::MembersRead => "see this tenant's members",
            Permission::MembersManage => "manage members and invitations",
            Permission::ApiKeysManage => "manage API keys",
            Permission::AuditRead => "read this tenant's audit trail",
            Permission::UsageRead => "see this tenant's usage and invoices",
            Permission::UsageWrite => "report usage",
            Permission::QuotaRead => "check quotas",
            Permission::ResourcesManage => "change this tenant's allocations",
            Permission::WebhooksManage => "manage this tenant's webhooks",
            Permission::HealthRead => "see this tenant's health checks",
            Permission::HealthManage => "manage this tenant's health checks",
            Permission::ConfigRead => "read this tenant's configuration",
            Permission::FeaturesRead => "see this tenant's feature flags",
        }
    }

    /// The area and action, as the README table shows them.
    fn table_row(self) -> (&'static str, &'static str) {
        match self {
            Permission::TenantsCreate => ("Tenants", "create"),
            Permission::TenantRead => ("Tenants", "see (list, search, detail, dashboard counts)"),
            Permission::TenantEdit => ("Settings", "edit name, description, domain, branding, settings"),
            Permission::TenantLifecycle => ("Lifecycle", "activate, suspend, resume, terminate, change plan"),
            Permission::MembersRead => ("Members", "list members"),
            Permission::MembersManage => ("Members", "invite, resend, revoke, change role, remove"),
            Permission::ApiKeysManage => ("API keys", "list, create, revoke"),
            Permission::AuditRead => ("Audit", "read, export"),
            Permission::UsageRead => ("Usage", "see usage, cost and invoices"),
            Permission::UsersManage => ("Users", "list, disable, re-enable (platform)"),
            Permission::PlatformManage => (
                "Platform",
                "edit plans, override or kill feature flags, roll out the tenant template, retry or discard workflows",
            ),
            Permission::UsageWrite => ("Usage", "report usage (machines)"),
            Permission::QuotaRead => ("Quotas", "check or consume a quota (machines)"),
            Permission::ResourcesManage => ("Resources", "scale allocations and limits (within the plan)"),
            Permission::WebhooksManage => ("Webhooks", "add, rotate secrets, delete, test, read and replay deliveries"),
            Permission::HealthRead => ("Health", "see checks, uptime, response times and incidents"),
            Permission::HealthManage => ("Health", "add, change, delete and run checks; acknowledge incidents"),
            Permission::ConfigRead => ("Configuration", "read settings by category and their versions"),
            Permission::FeaturesRead => ("Features", "see which flags are on, and why"),
        }
    }
}

/// What an API key may do, chosen when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Scope {
    #[serde(rename = "tenants:read")]
    TenantsRead,
    #[serde(rename = "tenants:write")]
    TenantsWrite,
    #[serde(rename = "members:read")]
    MembersRead,
    #[serde(rename = "audit:read")]
    AuditRead,
    #[serde(rename = "usage:read")]
    UsageRead,
    #[serde(rename = "usage:write")]
    UsageWrite,
    #[serde(rename = "quota:read")]
    QuotaRead,
    #[serde(rename = "config:read")]
    ConfigRead,
    #[serde(rename = "features:read")]
    FeaturesRead,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::TenantsRead,
        Scope::TenantsWrite,
        Scope::MembersRead,
        Scope::AuditRead,
        Scope::UsageRead,
        Scope::UsageWrite,
        Scope::QuotaRead,
        Scope::ConfigRead,
        Scope::FeaturesRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TenantsRead => "tenants:read",
            Scope::TenantsWrite => "tenants:write",
            Scope::MembersRead => "members:read",
            Scope::AuditRead => "audit:read",
            Scope::UsageRead => "usage:read",
            Scope::UsageWrite => "usage:write",
            Scope::QuotaRead => "quota:read",
            Scope::ConfigRead => "config:read",
            Scope::FeaturesRead => "features:read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    pub fn describe(self) -> &'static str {
        match self {
            Scope::TenantsRead => "Read the tenant's record",
            Scope::TenantsWrite => "Change the tenant's settings and branding",
            Scope::MembersRead => "List the tenant's members",
            Scope::AuditRead => "Read the tenant's audit trail",
            Scope::UsageRead => "Read usage, cost and invoices",
            Scope::UsageWrite => "Report usage",
            Scope::QuotaRead => "Check quotas",
            Scope::ConfigRead => "Read the tenant's configuration",
            Scope::FeaturesRead => "Read the tenant's feature flags",
        }
    }

    /// The permission this scope grants in the key's own tenant.
    pub fn grants(self) -> Permission {
        match self {
            Scope::TenantsRead => Permission::TenantRead,
            Scope::TenantsWrite => Permission::TenantEdit,
            Scope::MembersRead => Permission::MembersRead,
            Scope::AuditRead => Permission::AuditRead,
            Scope::UsageRead => Permission::UsageRead,
            Scope::UsageWrite => Permission::UsageWrite,
            Scope::QuotaRead => Permission::QuotaRead,
            Scope::ConfigRead => Permission::ConfigRead,
            Scope::FeaturesRead => Permission::FeaturesRead,
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the signed-in person's tenants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantMembership {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub role: Role,
}

/// The signed-in person, as every page sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_platform_admin: bool,
    pub memberships: Vec<TenantMembership>,
    /// The tenant the person is working in (chosen in the header, or from the request).
    pub active_tenant: Option<Uuid>,
}

impl Me {
    pub fn membership(&self, tenant: Uuid) -> Option<&TenantMembership> {
        self.memberships.iter().find(|m| m.tenant_id == tenant)
    }

    pub fn active(&self) -> Option<&TenantMembership> {
        self.active_tenant.and_then(|t| self.membership(t))
    }

    /// The same answer the server's guard gives, for showing or hiding controls.
    pub fn can(&self, p: Permission, tenant: Option<Uuid>) -> bool {
        if self.is_platform_admin {
            return true;
        }
        if p.is_platform() {
            return false;
        }
        match tenant.and_then(|t| self.membership(t)) {
            Some(m) => m.role.allows(p) && (!p.is_write() || m.status == TenantStatus::Active),
            None => false,
        }
    }
}

/// The README's role table, generated from `Role::allows`, so the documentation cannot
/// drift from the guard.
pub fn role_table_markdown() -> String {
    let yes = |b: bool| if b { "yes" } else { "–" };
    let mut out = String::from(
        "| area | action | platform admin | owner | admin | member | viewer | API key scope |\n|---|---|---|---|---|---|---|---|\n",
    );
    let order = [
        Permission::TenantRead,
        Permission::TenantsCreate,
        Permission::TenantEdit,
        Permission::ConfigRead,
        Permission::FeaturesRead,
        Permission::TenantLifecycle,
        Permission::MembersRead,
        Permission::MembersManage,
        Permission::ApiKeysManage,
        Permission::AuditRead,
        Permission::UsageRead,
        Permission::ResourcesManage,
        Permission::WebhooksManage,
        Permission::HealthRead,
        Permission::HealthManage,
        Permission::UsersManage,
        Permission::PlatformManage,
        Permission::UsageWrite,
        Permission::QuotaRead,
    ];
    for p in order {
        let (area, action) = p.table_row();
        let scope = Scope::ALL.into_iter().find(|s| s.grants() == p).map(|s| format!("`{s}`")).unwrap_or("–".into());
        out.push_str(&format!("| {area} | {action} | yes |"));
        for r in Role::ALL {
            out.push_str(&format!(" {} |", yes(!p.is_platform() && r.allows(p))));
        }
        out.push_str(&format!(" {scope} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_role_table_matches_the_guard() {
        let readme = include_str!("../../README.md");
        let table = role_table_markdown();
        assert!(readme.contains(&table), "README.md's role table differs from the code; replace it with:\n\n{table}");
    }

    #[test]
    fn every_permission_is_in_the_table_and_roles_only_narrow() {
        let table = role_table_markdown();
        assert_eq!(table.lines().count(), Permission::ALL.len() + 2);
        for p in Permission::ALL {
            // A weaker role never holds what a stronger one lacks.
            for w in Role::ALL.windows(2) {
                assert!(w[0].allows(p) || !w[1].allows(p), "{:?} has {p:?} but {:?} lacks it", w[1], w[0]);
            }
        }
    }

    #[test]
    fn me_can_mirrors_roles_and_suspension() {
        let t = Uuid::from_u128(1);
        let mut me = Me {
            id: Uuid::from_u128(9),
            email: "v@example.com".into(),
            name: "V".into(),
            is_platform_admin: false,
            memberships: vec![TenantMembership {
                tenant_id: t,
                slug: "acme".into(),
                name: "Acme".into(),
                status: TenantStatus::Active,
                role: Role::Admin,
            }],
            active_tenant: Some(t),
        };
        assert!(me.can(Permission::TenantEdit, Some(t)));
        assert!(!me.can(Permission::TenantEdit, Some(Uuid::from_u128(2))));
        assert!(!me.can(Permission::TenantLifecycle, Some(t)));
        me.memberships[0].status = TenantStatus::Suspended;
        assert!(!me.can(Permission::TenantEdit, Some(t)));
        assert!(me.can(Permission::TenantRead, Some(t)));
        me.memberships[0].role = Role::Viewer;
        me.memberships[0].status = TenantStatus::Active;
        assert!(!me.can(Permission::MembersManage, Some(t)));
        assert!(!me.can(Permission::AuditRead, Some(t)));
        me.is_platform_admin = true;
        assert!(me.can(Permission::UsersManage, None));
    }

    #[test]
    fn scopes_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(Scope::parse("tenants:admin"), None);
    }
}

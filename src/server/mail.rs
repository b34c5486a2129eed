//! Outgoing email over SMTP with lettre (PRODUCT.md A3). The transport is built from
//! `[mail].smtp_url`, so a real relay (`smtps://…`, or `smtp://…?tls=required` for
//! STARTTLS) and the local development sink (`smtp://127.0.0.1:2525`) need no code change.

use crate::server::config::MailConfig;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
    pub public_url: String,
    /// Why the transport could not be built (a bad URL), reported on every send.
    broken: Option<String>,
}

/// What an invitation email says.
pub struct InvitationMail<'a> {
    pub to: &'a str,
    pub tenant: &'a str,
    pub inviter: &'a str,
    pub role: &'a str,
    pub token: &'a str,
    pub expires: chrono::DateTime<chrono::Utc>,
    /// The tenant's colours and logo, which the email wears (PRODUCT.md C2).
    pub branding: &'a crate::model::Branding,
}

/// What a cost alert email says.
pub struct CostAlertMail<'a> {
    pub to: &'a str,
    pub tenant: &'a str,
    pub tenant_id: uuid::Uuid,
    pub cost: &'a str,
    pub threshold: &'a str,
    pub period: &'a str,
}

impl Mailer {
    pub fn new(cfg: &MailConfig) -> Self {
        let built = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)
            .map(|b| b.timeout(Some(Duration::from_secs(cfg.timeout_secs.max(1)))).build());
        let (transport, broken) = match built {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(format!("the SMTP address in [mail].smtp_url is not valid: {e}"))),
        };
        Self { transport, from: cfg.from.clone(), public_url: cfg.public_url.trim_end_matches('/').to_string(), broken }
    }

    /// The accept link for an invitation token.
    pub fn invitation_link(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.public_url)
    }

    /// Sends the invitation; the error is a short sentence to show the person who invited.
    pub async fn send_invitation(&self, m: &InvitationMail<'_>) -> Result<(), String> {
        let link = self.invitation_link(m.token);
        let expires = m.expires.format("%-d %B %Y, %H:%M UTC");
        let subject = format!("You're invited to {} on Tenantry", m.tenant);
        let text = format!(
            "Hello,\r\n\r\n{inviter} invited you to join {tenant} on Tenantry as {role}.\r\n\r\nAccept the invitation here:\r\n{link}\r\n\r\nThe link works once and expires on {expires}.\r\nIf you didn't expect this email, you can ignore it.\r\n",
            inviter = m.inviter,
            tenant = m.tenant,
            role = m.role,
        );
        let brand = Brand::of(m.branding, &self.public_url);
        let body = format!(
            "<p>Hello,</p>\r\n<p>{inviter} invited you to join <strong>{tenant}</strong> on Tenantry as {role}.</p>\r\n\
             <p>{button}</p>\r\n\
             <p>The link works once and expires on {expires}. If you didn't expect this email, you can ignore it.</p>",
            inviter = escape(m.inviter),
            tenant = escape(m.tenant),
            role = escape(m.role),
            button = brand.button(&link, "Accept the invitation"),
        );
        self.send(m.to, &subject, text, brand.wrap(m.tenant, &body)).await
    }

    /// Tells an owner that the tenant's cost this period passed its alert threshold.
    pub async fn send_cost_alert(&self, m: &CostAlertMail<'_>) -> Result<(), String> {
        let link = format!("{}/tenants/{}/usage", self.public_url, m.tenant_id);
        let subject = format!("{}: {} cost passed {}", m.tenant, m.period, m.threshold);
        let text = format!(
            "Hello,\r\n\r\n{tenant}'s cost for {period} is {cost} so far, past the alert threshold of {threshold}.\r\n\r\nSee the usage behind it:\r\n{link}\r\n\r\nYou get this once per billing period; change the threshold on the Usage tab.\r\n",
            tenant = m.tenant,
            period = m.period,
            cost = m.cost,
            threshold = m.threshold,
        );
        let html = format!(
            "<p>Hello,</p><p><strong>{tenant}</strong>'s cost for {period} is {cost} so far, past the alert threshold of {threshold}.</p>\
             <p><a href=\"{link}\">See the usage behind it</a></p>\
             <p>You get this once per billing period; change the threshold on the Usage tab.</p>",
            tenant = escape(m.tenant),
            period = escape(m.period),
            cost = escape(m.cost),
            threshold = escape(m.threshold),
        );
        self.send(m.to, &subject, text, html).await
    }

    /// Tells an owner that a resource crossed a limit (the alert stays open until use
    /// drops back; they hear of it once).
    pub async fn send_limit_alert(&self, to: &str, a: &crate::model::alerts::Alert) -> Result<(), String> {
        let link = format!("{}/tenants/{}/resources", self.public_url, a.tenant_id);
        let subject = format!("{}: {}", a.tenant_name, a.headline());
        let consequence = match a.threshold {
            crate::model::alerts::Threshold::Hard => "Use beyond the hard limit is refused until it is raised.",
            _ => "Nothing is refused yet; at the hard limit, more will be.",
        };
        let text = format!(
            "Hello,\r\n\r\n{tenant}: {headline} ({detail}).\r\n{consequence}\r\n\r\nSee the resource and scale it:\r\n{link}\r\n\r\nYou hear of this alert once; it resolves by itself when use drops back.\r\n",
            tenant = a.tenant_name,
            headline = a.headline(),
            detail = a.detail(),
        );
        let html = format!(
            "<p>Hello,</p><p><strong>{tenant}</strong>: {headline} ({detail}).<br>{consequence}</p>\
             <p><a href=\"{link}\">See the resource and scale it</a></p>\
             <p>You hear of this alert once; it resolves by itself when use drops back.</p>",
            tenant = escape(&a.tenant_name),
            headline = escape(&a.headline()),
            detail = escape(&a.detail()),
        );
        self.send(to, &subject, text, html).await
    }

    /// Tells an owner that a webhook endpoint was disabled, and why.
    pub async fn send_webhook_disabled(
        &self,
        to: &str,
        tenant: &crate::model::Tenant,
        url: &str,
        reason: &str,
    ) -> Result<(), String> {
        let link = format!("{}/tenants/{}/webhooks", self.public_url, tenant.slug);
        let subject = format!("{}: a webhook endpoint was disabled", tenant.name);
        let text = format!(
            "Hello,\r\n\r\n{name}: events are no longer sent to {url}.\r\n{reason}\r\n\r\nFix the receiver, enable the endpoint again and replay what it missed:\r\n{link}\r\n",
            name = tenant.name,
        );
        let html = format!(
            "<p>Hello,</p><p><strong>{name}</strong>: events are no longer sent to <code>{url}</code>.<br>{reason}</p>\
             <p><a href=\"{link}\">Fix the receiver, enable the endpoint again and replay what it missed</a></p>",
            name = escape(&tenant.name),
            url = escape(url),
            reason = escape(reason),
        );
        self.send(to, &subject, text, html).await
    }

    /// Tells an owner that a service went down or degraded, or that it recovered.
    pub async fn send_health_alert(
        &self,
        to: &str,
        tenant: &crate::model::Tenant,
        i: &crate::model::monitoring::Incident,
        recovered: bool,
    ) -> Result<(), String> {
        let link = format!("{}/tenants/{}/health", self.public_url, tenant.id);
        let what =
            if recovered { "has recovered".to_string() } else { format!("is {}", i.state.label().to_lowercase()) };
        let subject = format!("{}: {} {what}", tenant.name, i.check_name);
        let cause = i.cause.map(|c| c.label()).unwrap_or("");
        let detail = i.detail.clone().unwrap_or_default();
        let since = i.started_at.format("%Y-%m-%d %H:%M UTC");
        let ended = match i.ended_at {
            Some(e) => format!(" It lasted until {} ({} min).", e.format("%H:%M UTC"), i.duration_secs(e) / 60),
            None => String::new(),
        };
        let text = format!(
            "Hello,\r\n\r\n{tenant}: {check} {what}.\r\nSince {since}: {cause}. {detail}{ended}\r\n\r\nSee the incident and acknowledge it:\r\n{link}\r\n",
            tenant = tenant.name,
            check = i.check_name,
        );
        let html = format!(
            "<p>Hello,</p><p><strong>{tenant}</strong>: {check} {what}.<br>Since {since}: {cause}. {detail}{ended}</p>\
             <p><a href=\"{link}\">See the incident and acknowledge it</a></p>",
            tenant = escape(&tenant.name),
            check = escape(&i.check_name),
            cause = escape(cause),
            detail = escape(&detail),
        );
        self.send(to, &subject, text, html).await
    }

    /// A notification (C5) by email: what happened in the tenant, and where to see more.
    pub async fn send_notice(&self, to: &str, tenant: &str, title: &str, body: &str, link: &str) -> Result<(), String> {
        let url = format!("{}{link}", self.public_url);
        let subject = format!("{tenant}: {title}");
        let more = if body.is_empty() { String::new() } else { format!("\r\n{body}") };
        let text = format!(
            "Hello,\r\n\r\n{tenant}: {title}.{more}\r\n\r\nSee it in the portal:\r\n{url}\r\n\r\nChoose which notifications you get: {prefs}\r\n",
            prefs = format_args!("{}/notifications", self.public_url),
        );
        let html = format!(
            "<p>Hello,</p><p><strong>{tenant}</strong>: {title}.{more}</p><p><a href=\"{url}\">See it in the portal</a></p>\
             <p style=\"color:#6b7280;font-size:13px\"><a href=\"{prefs}\">Choose which notifications you get</a></p>",
            tenant = escape(tenant),
            title = escape(title),
            more = if body.is_empty() { String::new() } else { format!("<br>{}", escape(body)) },
            url = escape(&url),
            prefs = escape(&format!("{}/notifications", self.public_url)),
        );
        self.send(to, &subject, text, html).await
    }

    async fn send(&self, to: &str, subject: &str, text: String, html: String) -> Result<(), String> {
        let transport = self.transport.as_ref().ok_or_else(|| self.broken.clone().unwrap_or_default())?;
        let from: Mailbox = self.from.parse().map_err(|e| format!("[mail].from is not a valid address: {e}"))?;
        let to: Mailbox = to.parse().map_err(|e| format!("{to} is not a valid address: {e}"))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html)),
            )
            .map_err(|e| format!("the email could not be built: {e}"))?;
        transport.send(message).await.map(|_| ()).map_err(|e| {
            tracing::warn!(error = %e, "sending email failed");
            format!("The email could not be sent ({e}). Check [mail] settings, then resend.")
        })
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A tenant's look in an email: a header bar in its primary colour (with its logo), and
/// buttons in it, with the text colour that reads on it. Inline styles only: that is what
/// mail clients keep. Without branding, the portal's own colour.
struct Brand {
    primary: String,
    on_primary: String,
    logo: Option<String>,
}

impl Brand {
    fn of(b: &crate::model::Branding, public_url: &str) -> Self {
        use crate::model::contrast::Rgb;
        let primary = b.primary_color.as_deref().and_then(Rgb::parse).unwrap_or(Rgb(0x4f, 0x46, 0xe5));
        let logo = b.logo_url.as_ref().map(|l| if l.starts_with('/') { format!("{public_url}{l}") } else { l.clone() });
        Self { primary: primary.hex(), on_primary: primary.text_on().hex(), logo }
    }

    fn button(&self, link: &str, label: &str) -> String {
        format!(
            "<a href=\"{link}\" style=\"display:inline-block;background:{bg};color:{fg};padding:10px 18px;\
             border-radius:6px;text-decoration:none;font-weight:600\">{label}</a>",
            link = escape(link),
            bg = self.primary,
            fg = self.on_primary,
            label = escape(label),
        )
    }

    fn wrap(&self, tenant: &str, body: &str) -> String {
        let logo = self.logo.as_ref().map_or(String::new(), |src| {
            format!(
                "<img src=\"{}\" alt=\"\" height=\"28\" style=\"height:28px;vertical-align:middle;margin-right:10px\">",
                escape(src)
            )
        });
        format!(
            "<div style=\"font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:560px;margin:0 auto;color:#18181b\">\r\n\
             <div style=\"background:{bg};color:{fg};padding:14px 20px;border-radius:8px 8px 0 0\">{logo}\
             <strong style=\"font-size:16px;vertical-align:middle\">{tenant}</strong></div>\r\n\
             <div style=\"border:1px solid #e4e4e7;border-top:0;border-radius:0 0 8px 8px;padding:8px 20px 16px\">\r\n{body}\r\n</div>\r\n</div>",
            bg = self.primary,
            fg = self.on_primary,
            tenant = escape(tenant),
        )
    }
}

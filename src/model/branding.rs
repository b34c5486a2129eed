//! A tenant's brand colours (PRODUCT.md C2): what each colour is for, the contrast it
//! needs on the portal's backgrounds (WCAG AA, `model::contrast`), and the CSS custom
//! properties that paint the portal in them. A palette that fails is refused with a
//! colour of the same hue that passes; the text on a primary background is picked here.

use super::contrast::{self, ratio_label, Finding, Rgb, CONTROL, TEXT};
use super::validate::{check, check_color, check_url};
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// A tenant's logo address and colours. Each colour must read on the portal's backgrounds
/// it sits on (WCAG AA, `model::branding`): the primary ones 4.5:1 against #fafafa and
/// #ffffff (light) or #0f0f12 and #17171b (dark), the secondary and accent ones 3:1; one
/// that fails is refused (422) with a colour of the same hue that passes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Branding {
    /// The logo: an uploaded one's address on the portal (`PUT …/branding/logo` sets it,
    /// `/logos/{tenant id}/{sha-256}.{png|jpg|webp|svg}`), or an http(s) address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "ssr",
        schema(
            max_length = 2048,
            pattern = r"^(https?://[^\s\u0000]+|/logos/[0-9a-f-]{36}/[0-9a-f]{64}\.(png|jpg|webp|svg))$"
        )
    )]
    pub logo_url: Option<String>,
    /// `#rrggbb`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^#[0-9a-fA-F]{6}$"))]
    pub primary_color: Option<String>,
    /// `#rrggbb`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^#[0-9a-fA-F]{6}$"))]
    pub secondary_color: Option<String>,
    /// `#rrggbb`: the first line of charts and highlights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^#[0-9a-fA-F]{6}$"))]
    pub accent_color: Option<String>,
    /// `#rrggbb`: the primary colour in the dark theme (default: the light one, lightened
    /// until it reads on dark backgrounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^#[0-9a-fA-F]{6}$"))]
    pub dark_primary_color: Option<String>,
    /// `#rrggbb`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^#[0-9a-fA-F]{6}$"))]
    pub dark_secondary_color: Option<String>,
    /// `#rrggbb`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(pattern = r"^#[0-9a-fA-F]{6}$"))]
    pub dark_accent_color: Option<String>,
}

impl Branding {
    pub fn check(&self, errors: &mut FieldErrors) {
        if let Some(url) = self.logo_url.as_deref().filter(|u| !is_logo_path(u)) {
            check(
                errors,
                "branding.logo_url",
                check_url(url).map_err(|_| "Enter a full http(s):// address, or upload a file.".into()),
            );
        }
        // Each colour is well-formed, then readable on the backgrounds it sits on (WCAG AA).
        for role in ROLES {
            let Some(v) = role.value(self) else { continue };
            if let Err(e) = check_color(v) {
                check(errors, role.path, Err(e));
            } else if let Some(c) = role.get(self) {
                let f = role.finding(c);
                if !f.passes() {
                    check(errors, role.path, Err(role.message(&f)));
                }
            }
        }
    }
}

/// Where the portal serves a tenant's uploaded logo (`server::logo`): named by the hash of
/// its bytes, so a new logo has a new address and an old one may be cached for a year.
pub fn logo_path(tenant: uuid::Uuid, hash: &str, ext: &str) -> String {
    format!("/logos/{tenant}/{hash}.{ext}")
}

/// The tenant, hash and extension of an address `logo_path` makes.
pub fn parse_logo_path(s: &str) -> Option<(uuid::Uuid, &str, &str)> {
    let (tenant, file) = s.strip_prefix("/logos/")?.split_once('/')?;
    let (hash, ext) = file.split_once('.')?;
    let id = uuid::Uuid::parse_str(tenant).ok().filter(|u| u.hyphenated().to_string() == tenant)?;
    let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (hex && ["png", "jpg", "webp", "svg"].contains(&ext)).then_some((id, hash, ext))
}

pub fn is_logo_path(s: &str) -> bool {
    parse_logo_path(s).is_some()
}

/// The portal's backgrounds a brand colour sits on (style/main.css `--bg`, `--surface`).
const LIGHT: [(&str, Rgb); 2] =
    [("the light background", Rgb(0xfa, 0xfa, 0xfa)), ("light cards", Rgb(0xff, 0xff, 0xff))];
const DARK: [(&str, Rgb); 2] = [("the dark background", Rgb(0x0f, 0x0f, 0x12)), ("dark cards", Rgb(0x17, 0x17, 0x1b))];

/// One colour of a palette: its field, its name, what it is for, the contrast that needs,
/// and whether it is for the dark theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Role {
    pub field: &'static str,
    /// Where its error goes in a tenant's field errors.
    pub path: &'static str,
    pub label: &'static str,
    pub used_for: &'static str,
    pub needs: f64,
    pub dark: bool,
    /// The portal's own colour in this place (style/main.css), used while it is left empty.
    pub portal: &'static str,
}

pub const ROLES: [Role; 6] = [
    Role {
        field: "primary_color",
        path: "branding.primary_color",
        label: "Primary",
        used_for: "buttons, links and the current tab",
        needs: TEXT,
        dark: false,
        portal: "#4f46e5",
    },
    Role {
        field: "secondary_color",
        path: "branding.secondary_color",
        label: "Secondary",
        used_for: "the second line of charts",
        needs: CONTROL,
        dark: false,
        portal: "#f97316",
    },
    Role {
        field: "accent_color",
        path: "branding.accent_color",
        label: "Accent",
        used_for: "the first line of charts and highlights",
        needs: CONTROL,
        dark: false,
        portal: "#4f46e5",
    },
    Role {
        field: "dark_primary_color",
        path: "branding.dark_primary_color",
        label: "Primary (dark)",
        used_for: "buttons, links and the current tab",
        needs: TEXT,
        dark: true,
        portal: "#5850ec",
    },
    Role {
        field: "dark_secondary_color",
        path: "branding.dark_secondary_color",
        label: "Secondary (dark)",
        used_for: "the second line of charts",
        needs: CONTROL,
        dark: true,
        portal: "#fb923c",
    },
    Role {
        field: "dark_accent_color",
        path: "branding.dark_accent_color",
        label: "Accent (dark)",
        used_for: "the first line of charts and highlights",
        needs: CONTROL,
        dark: true,
        portal: "#5850ec",
    },
];

impl Role {
    /// The field's value as given.
    pub fn value<'a>(&self, b: &'a Branding) -> &'a Option<String> {
        match self.field {
            "primary_color" => &b.primary_color,
            "secondary_color" => &b.secondary_color,
            "accent_color" => &b.accent_color,
            "dark_primary_color" => &b.dark_primary_color,
            "dark_secondary_color" => &b.dark_secondary_color,
            _ => &b.dark_accent_color,
        }
    }

    /// The colour set for this role, if any (and well-formed).
    pub fn get(&self, b: &Branding) -> Option<Rgb> {
        self.value(b).as_deref().and_then(Rgb::parse)
    }

    /// The colour against the worse of its theme's backgrounds.
    pub fn finding(&self, colour: Rgb) -> Finding {
        let backgrounds = if self.dark { DARK } else { LIGHT };
        backgrounds
            .iter()
            .map(|(name, bg)| contrast::check(format!("{} on {name}", self.label), colour, *bg, self.needs))
            .min_by(|a, b| a.ratio.total_cmp(&b.ratio))
            .unwrap_or_else(|| contrast::check(self.label, colour, Rgb::WHITE, self.needs))
    }

    /// What a person reads when the colour fails, with the one to try.
    pub fn message(&self, f: &Finding) -> String {
        let kind = if self.needs >= TEXT { "text" } else { "controls and chart lines" };
        let mut m = format!("{} is {}; {kind} need {}.", f.what, ratio_label(f.ratio), ratio_label(f.needs));
        if let Some(s) = f.suggestion {
            m.push_str(&format!(" Try {}.", s.hex()));
        }
        m
    }
}

/// Every colour set, with its check.
pub fn findings(b: &Branding) -> Vec<(Role, Finding)> {
    ROLES.iter().filter_map(|r| r.get(b).map(|c| (*r, r.finding(c)))).collect()
}

/// The colours a role paints with in the light and the dark scheme: the ones set; for the
/// dark scheme, else the light one made readable on dark backgrounds (and the reverse);
/// `None` leaves the portal's own.
fn effective(b: &Branding, light: usize) -> (Option<Rgb>, Option<Rgb>) {
    let (l, d) = (&ROLES[light], &ROLES[light + 3]);
    let (lc, dc) = (l.get(b), d.get(b));
    let lc = lc.or_else(|| dc.map(|c| c.suggest(LIGHT[0].1, l.needs)));
    let dc = dc.or_else(|| lc.map(|c| c.suggest(DARK[1].1, d.needs).suggest(DARK[0].1, d.needs)));
    (lc, dc)
}

/// How the portal is painted in the tenant's colours: classes (`brand-primary`,
/// `brand-secondary`, `brand-accent`: one per colour set) and the custom properties they
/// read (`--bl-*` for the light scheme, `--bd-*` for the dark one), for the element that
/// wraps the tenant's pages; `None` when the tenant has no colours. style/main.css maps
/// them onto the theme's own.
pub fn theme(b: &Branding) -> Option<(String, String)> {
    let (mut classes, mut vars) = (Vec::new(), Vec::new());
    for (i, name) in ["primary", "secondary", "accent"].iter().enumerate() {
        let (Some(light), Some(dark)) = effective(b, i) else { continue };
        classes.push(format!("brand-{name}"));
        for (scheme, c) in [("l", light), ("d", dark)] {
            vars.push(format!("--b{scheme}-{name}:{}", c.hex()));
            if i == 0 {
                vars.push(format!("--b{scheme}-on-primary:{}", c.text_on().hex()));
            }
        }
    }
    (!classes.is_empty()).then(|| (classes.join(" "), vars.join(";")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand(primary: &str) -> Branding {
        Branding { primary_color: Some(primary.into()), ..Branding::default() }
    }

    #[test]
    fn a_grey_primary_that_fails_text_is_named_with_a_passing_suggestion() {
        let f = findings(&brand("#777777"));
        assert_eq!(f.len(), 1);
        let (role, finding) = &f[0];
        assert!(!finding.passes());
        let m = role.message(finding);
        assert!(m.starts_with("Primary on the light background is 4.29:1;"), "{m}");
        assert!(m.contains("text need 4.50:1. Try #"), "{m}");
        let s = finding.suggestion.unwrap();
        for (_, bg) in LIGHT {
            assert!(s.contrast(bg) >= TEXT, "{}", s.hex());
        }
        assert!(findings(&brand("#595959")).iter().all(|(_, f)| f.passes()));
    }

    #[test]
    fn dark_colours_are_checked_on_dark_backgrounds() {
        let b = Branding {
            dark_primary_color: Some("#3730a3".into()),
            dark_accent_color: Some("#a5b4fc".into()),
            ..Branding::default()
        };
        let f = findings(&b);
        assert_eq!(f.len(), 2);
        assert!(!f[0].1.passes(), "deep indigo is unreadable on the dark background");
        assert!(f[0].1.what.contains("dark"), "{}", f[0].1.what);
        assert!(f[1].1.passes());
    }

    #[test]
    fn the_theme_carries_both_schemes_and_the_text_on_primary() {
        assert_eq!(theme(&Branding::default()), None);
        let (classes, vars) = theme(&brand("#1d4ed8")).unwrap();
        assert_eq!(classes, "brand-primary");
        assert!(vars.contains("--bl-primary:#1d4ed8"), "{vars}");
        assert!(vars.contains("--bl-on-primary:#ffffff"), "{vars}");
        // No dark primary set: the light one, made readable on dark backgrounds.
        let dark = vars.split(';').find_map(|v| v.strip_prefix("--bd-primary:")).unwrap();
        let dark = Rgb::parse(dark).unwrap();
        assert!(dark.contrast(DARK[0].1) >= TEXT && dark.contrast(DARK[1].1) >= TEXT, "{}", dark.hex());
        assert!(!vars.contains("--bl-secondary"), "{vars}");
        let (_, light_yellow) = theme(&brand("#fde047")).unwrap();
        assert!(light_yellow.contains("--bl-on-primary:#000000"), "{light_yellow}");
    }
}

//! Colour contrast by WCAG 2.x (PRODUCT.md C2): a tenant's palette must stay readable on
//! the backgrounds it sits on. Text needs 4.5:1 (AA, normal text), controls and large
//! shapes 3:1 (AA, non-text contrast). Shared by the branding editor (live, in the
//! browser) and the server (which refuses a failing palette).

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// AA contrast for text of normal size.
pub const TEXT: f64 = 4.5;
/// AA contrast for controls, focus rings, chart lines and large shapes.
pub const CONTROL: f64 = 3.0;

impl Rgb {
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    pub const BLACK: Rgb = Rgb(0, 0, 0);

    /// `#rgb` or `#rrggbb` (case-insensitive).
    pub fn parse(s: &str) -> Option<Rgb> {
        let hex = s.trim().strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).ok();
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        match hex.len() {
            3 => Some(Rgb(digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
            6 => Some(Rgb(pair(0)?, pair(2)?, pair(4)?)),
            _ => None,
        }
    }

    /// `#rrggbb`, lowercase.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance (0 black … 1 white).
    pub fn luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// The contrast ratio with `other`, 1 to 21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// The colour `t` of the way to `to` (0 itself, 1 `to`).
    fn mix(self, to: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round().clamp(0.0, 255.0) as u8;
        Rgb(m(self.0, to.0), m(self.1, to.1), m(self.2, to.2))
    }

    /// Black or white, whichever reads better on this colour (for text on a primary
    /// button or badge).
    pub fn text_on(self) -> Rgb {
        if self.contrast(Rgb::BLACK) >= self.contrast(Rgb::WHITE) {
            Rgb::BLACK
        } else {
            Rgb::WHITE
        }
    }

    /// The nearest colour of the same hue (darker on a light background, lighter on a dark
    /// one) with at least `ratio` against `background`; itself when it passes already.
    pub fn suggest(self, background: Rgb, ratio: f64) -> Rgb {
        if self.contrast(background) >= ratio {
            return self;
        }
        let toward = if background.luminance() > 0.5 { Rgb::BLACK } else { Rgb::WHITE };
        // The contrast grows with the mix, so the least mix that passes is found by halving.
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..20 {
            let mid = (lo + hi) / 2.0;
            if self.mix(toward, mid).contrast(background) >= ratio {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        // Rounding to whole channels may land just under: step on until it passes.
        let mut t = hi;
        let mut c = self.mix(toward, t);
        while c.contrast(background) < ratio && t < 1.0 {
            t = (t + 0.005).min(1.0);
            c = self.mix(toward, t);
        }
        c
    }
}

/// One check of a palette: `what` (e.g. "Primary on the light background") and its ratio
/// against the minimum it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub what: String,
    pub ratio: f64,
    pub needs: f64,
    /// A colour of the same hue that passes, when this one doesn't.
    pub suggestion: Option<Rgb>,
}

impl Finding {
    pub fn passes(&self) -> bool {
        self.ratio >= self.needs
    }
}

/// Checks `colour` against `background` for the minimum `needs`.
pub fn check(what: impl Into<String>, colour: Rgb, background: Rgb, needs: f64) -> Finding {
    let ratio = colour.contrast(background);
    let suggestion = (ratio < needs).then(|| colour.suggest(background, needs));
    Finding { what: what.into(), ratio, needs, suggestion }
}

/// "4.48:1" (two decimals, rounded down so a failing ratio never reads as passing).
pub fn ratio_label(r: f64) -> String {
    format!("{:.2}:1", (r * 100.0).floor() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Rgb {
        Rgb::parse(s).unwrap()
    }

    #[test]
    fn colours_parse_in_both_forms_and_nothing_else() {
        assert_eq!(Rgb::parse("#777"), Some(Rgb(0x77, 0x77, 0x77)));
        assert_eq!(Rgb::parse(" #1A2b3C "), Some(Rgb(0x1a, 0x2b, 0x3c)));
        assert_eq!(c("#1A2b3C").hex(), "#1a2b3c");
        for bad in ["777", "#77", "#7777", "#gggggg", "#12345678", "", "#", "#+12345"] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn known_pairs_have_their_published_ratios() {
        assert!((Rgb::BLACK.contrast(Rgb::WHITE) - 21.0).abs() < 1e-9);
        assert!((c("#777").contrast(Rgb::WHITE) - 4.48).abs() < 0.01);
        assert!((c("#595959").contrast(Rgb::WHITE) - 7.0).abs() < 0.01);
        // Order doesn't matter.
        assert_eq!(c("#777").contrast(Rgb::WHITE), Rgb::WHITE.contrast(c("#777")));
    }

    #[test]
    fn grey_777_fails_text_on_white_and_595959_passes() {
        let f = check("text", c("#777"), Rgb::WHITE, TEXT);
        assert!(!f.passes());
        assert_eq!(ratio_label(f.ratio), "4.47:1");
        let s = f.suggestion.expect("a suggestion");
        assert!(s.contrast(Rgb::WHITE) >= TEXT);
        // Barely darker: the nearest passing grey, not black.
        assert!(s.0 >= 0x70 && s.0 < 0x77, "{}", s.hex());
        let f = check("text", c("#595959"), Rgb::WHITE, TEXT);
        assert!(f.passes());
        assert_eq!(f.suggestion, None);
        // #777 passes the controls' 3:1.
        assert!(check("control", c("#777"), Rgb::WHITE, CONTROL).passes());
    }

    #[test]
    fn suggestions_pass_on_dark_backgrounds_too() {
        let dark = c("#0f172a");
        for colour in ["#1d4ed8", "#7c3aed", "#333333", "#b91c1c"] {
            let s = c(colour).suggest(dark, TEXT);
            assert!(s.contrast(dark) >= TEXT, "{colour} → {}", s.hex());
            assert!(s.luminance() > c(colour).luminance(), "{colour} is lightened");
        }
        for colour in ["#fde68a", "#a7f3d0", "#ffffff"] {
            let s = c(colour).suggest(Rgb::WHITE, CONTROL);
            assert!(s.contrast(Rgb::WHITE) >= CONTROL, "{colour} → {}", s.hex());
        }
    }

    #[test]
    fn text_on_a_colour_is_whichever_of_black_and_white_reads_better() {
        assert_eq!(c("#1d4ed8").text_on(), Rgb::WHITE);
        assert_eq!(c("#fde68a").text_on(), Rgb::BLACK);
        for colour in ["#1d4ed8", "#fde68a", "#808080", "#ff0000", "#00ff00"] {
            let on = c(colour);
            let best = on.contrast(Rgb::BLACK).max(on.contrast(Rgb::WHITE));
            assert_eq!(on.contrast(on.text_on()), best, "{colour}");
        }
    }
}

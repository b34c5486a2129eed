//! What a file must be to become a tenant's logo (PRODUCT.md C2): a PNG, JPEG, WebP or SVG
//! of at most 512 KB whose content is what its type says, with sides a logo can have. An
//! SVG is refused (not cleaned) when it could run or fetch anything: scripts, event
//! handlers, foreign objects, animations of links, a DOCTYPE (entities), external
//! stylesheets and any reference outside the file. A refused file is never stored.
//!
//! The raster sizes are read from the headers by `imagesize` (no decoding); SVG is parsed
//! by `roxmltree` (read-only, DTDs off, a node limit), both small and dependency-free.

use crate::error::AppError;
use sha2::{Digest, Sha256};

/// The largest logo, in bytes (512 KB).
pub const MAX_BYTES: usize = 512 * 1024;
/// The shortest and longest side of a raster logo, in pixels.
pub const SIDES: std::ops::RangeInclusive<u32> = 16..=4096;
/// The widest (or tallest) a logo may be against its other side.
pub const MAX_ASPECT: f64 = 10.0;

/// A kind of file a logo may be.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    pub content_type: &'static str,
    pub ext: &'static str,
    pub name: &'static str,
}

pub const KINDS: [Kind; 4] = [
    Kind { content_type: "image/png", ext: "png", name: "PNG" },
    Kind { content_type: "image/jpeg", ext: "jpg", name: "JPEG" },
    Kind { content_type: "image/webp", ext: "webp", name: "WebP" },
    Kind { content_type: "image/svg+xml", ext: "svg", name: "SVG" },
];

/// The kind whose file extension is `ext`.
pub fn kind_by_ext(ext: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.ext == ext)
}

/// A file that passed: its kind, size in pixels (an SVG's from its viewBox or width and
/// height) and the SHA-256 of its bytes, which names it.
#[derive(Debug)]
pub struct Checked {
    pub kind: &'static Kind,
    pub width: u32,
    pub height: u32,
    pub hash: String,
}

fn refused(msg: impl Into<String>) -> AppError {
    AppError::invalid("logo", msg)
}

/// Checks a logo upload: `declared` is the request's Content-Type.
pub fn check(declared: Option<&str>, bytes: &[u8]) -> Result<Checked, AppError> {
    let declared = declared.and_then(|c| c.split(';').next()).map(|c| c.trim().to_ascii_lowercase());
    let kind = KINDS.iter().find(|k| Some(k.content_type) == declared.as_deref()).ok_or_else(|| {
        AppError::UnsupportedMediaType(format!(
            "A logo is a PNG, JPEG, WebP or SVG file, sent with its type (image/png, image/jpeg, image/webp or \
             image/svg+xml); this was {}.",
            declared.as_deref().filter(|c| !c.is_empty()).unwrap_or("sent without a type")
        ))
    })?;
    if bytes.len() > MAX_BYTES {
        return Err(AppError::PayloadTooLarge(format!(
            "The logo is {} KB; it may be at most 512 KB.",
            bytes.len().div_ceil(1024)
        )));
    }
    if bytes.is_empty() {
        return Err(refused("The file is empty."));
    }
    let (width, height) = if kind.ext == "svg" { svg_size(bytes)? } else { raster_size(kind, bytes)? };
    if kind.ext != "svg" && !(SIDES.contains(&width) && SIDES.contains(&height)) {
        return Err(refused(format!(
            "The logo is {width}×{height} pixels; each side must be between {} and {} pixels.",
            SIDES.start(),
            SIDES.end()
        )));
    }
    let aspect = f64::from(width.max(height)) / f64::from(width.min(height).max(1));
    if aspect > MAX_ASPECT {
        return Err(refused(format!(
            "The logo is {width}×{height}, more than {MAX_ASPECT}:1; crop it closer to its content."
        )));
    }
    Ok(Checked { kind, width, height, hash: hex(&Sha256::digest(bytes)) })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A raster file's size, once its content is known to be of its declared kind.
fn raster_size(kind: &Kind, bytes: &[u8]) -> Result<(u32, u32), AppError> {
    use imagesize::ImageType;
    let found = imagesize::image_type(bytes).ok();
    let matches = matches!(
        (kind.ext, &found),
        ("png", Some(ImageType::Png)) | ("jpg", Some(ImageType::Jpeg)) | ("webp", Some(ImageType::Webp))
    );
    if !matches {
        let what = if bytes.trim_ascii_start().starts_with(b"<") { "text (HTML or XML)" } else { "something else" };
        return Err(refused(format!("This file is not a {} image: its content is {what}.", kind.name)));
    }
    let size = imagesize::blob_size(bytes)
        .map_err(|_| refused(format!("The {} image could not be read; it may be damaged or cut short.", kind.name)))?;
    let side = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok((side(size.width), side(size.height)))
}

/// Elements that run or embed something.
const REFUSED_ELEMENTS: [&str; 9] =
    ["script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "audio", "video"];

/// An SVG's size (from its viewBox, else its width and height), if nothing in it could
/// run or fetch anything.
fn svg_size(bytes: &[u8]) -> Result<(u32, u32), AppError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| refused("This SVG is not UTF-8 text."))?;
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 50_000, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => {
            refused("SVG files with a DOCTYPE are refused (entities can reach outside the file).")
        }
        e => refused(format!("This file is not a well-formed SVG: {e}.")),
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some("http://www.w3.org/2000/svg") {
        return Err(refused("This file is not an SVG image (its root is not <svg> in the SVG namespace)."));
    }
    for node in doc.descendants() {
        if node.is_pi() {
            return Err(refused("SVG processing instructions (such as external stylesheets) are refused."));
        }
        if node.is_text() && node.parent_element().is_some_and(|p| p.tag_name().name() == "style") {
            let css = node.text().unwrap_or("");
            if css.to_ascii_lowercase().contains("@import") || has_external_url(css) {
                return Err(refused("The SVG's styles reach outside the file (@import or url()); refused."));
            }
        }
        if !node.is_element() {
            continue;
        }
        let name = node.tag_name().name().to_ascii_lowercase();
        if REFUSED_ELEMENTS.contains(&name.as_str()) {
            return Err(refused(format!(
                "The SVG contains <{}>, which can run or embed content; refused.",
                node.tag_name().name()
            )));
        }
        if matches!(name.as_str(), "set" | "animate")
            && node
                .attribute("attributeName")
                .is_some_and(|a| a.to_ascii_lowercase().contains("href") || a.to_ascii_lowercase().starts_with("on"))
        {
            return Err(refused("The SVG animates a link or an event handler; refused."));
        }
        for a in node.attributes() {
            let (attr, value) = (a.name().to_ascii_lowercase(), a.value());
            if attr.starts_with("on") {
                return Err(refused(format!("The SVG has an event handler ({}); refused.", a.name())));
            }
            if attr == "href" && !value.trim_start().starts_with('#') {
                return Err(refused(format!(
                    "The SVG refers to something outside the file ({}); refused.",
                    short(value)
                )));
            }
            if value.to_ascii_lowercase().contains("javascript:") || has_external_url(value) {
                return Err(refused(format!("The SVG's {} reaches outside the file; refused.", a.name())));
            }
        }
    }
    svg_dimensions(&root)
        .ok_or_else(|| refused("The SVG has no size: give its root a viewBox or a width and a height."))
}

/// Whether CSS text has a `url(…)` that is not a reference inside the file (`url(#id)`).
fn has_external_url(css: &str) -> bool {
    let lower = css.to_ascii_lowercase();
    lower.match_indices("url(").any(|(i, _)| {
        let rest = lower[i + 4..].trim_start().trim_start_matches(['"', '\'']);
        !rest.starts_with('#')
    })
}

fn short(s: &str) -> String {
    let s: String = s.chars().take(60).collect();
    s.trim().to_string()
}

fn svg_dimensions(root: &roxmltree::Node) -> Option<(u32, u32)> {
    let number =
        |s: &str| s.trim().trim_end_matches("px").trim().parse::<f64>().ok().filter(|n| n.is_finite() && *n > 0.0);
    let view_box = root.attribute("viewBox").and_then(|v| {
        let parts: Vec<f64> = v.split([' ', ',']).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect();
        (parts.len() == 4 && parts[2] > 0.0 && parts[3] > 0.0).then(|| (parts[2], parts[3]))
    });
    let (w, h) = view_box.or_else(|| Some((number(root.attribute("width")?)?, number(root.attribute("height")?)?)))?;
    let px = |n: f64| n.round().clamp(1.0, f64::from(u32::MAX)) as u32;
    Some((px(w), px(h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn svg(body: &str) -> Vec<u8> {
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 120 40">{body}</svg>"#)
            .into_bytes()
    }

    fn message(r: Result<Checked, AppError>) -> String {
        r.map(|c| format!("accepted {c:?}")).unwrap_or_else(|e| e.field("logo").unwrap_or_else(|| e.to_string()))
    }

    #[test]
    fn good_files_pass_with_their_size_and_hash() {
        let c = check(Some("image/png"), &png(200, 80)).unwrap();
        assert_eq!((c.kind.ext, c.width, c.height), ("png", 200, 80));
        assert_eq!(c.hash.len(), 64);
        let c = check(Some("image/svg+xml; charset=utf-8"), &svg(r##"<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="10" height="10"/><use href="#g"/>"##)).unwrap();
        assert_eq!((c.kind.ext, c.width, c.height), ("svg", 120, 40));
    }

    #[test]
    fn bad_files_are_refused_with_their_reason() {
        let html = b"<!doctype html><script>alert(1)</script>".to_vec();
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("image/png", html.clone(), "not a PNG image: its content is text"),
            ("image/jpeg", png(100, 100), "not a JPEG image"),
            ("image/png", png(8, 8), "between 16 and 4096"),
            ("image/png", png(2000, 100), "more than 10:1"),
            ("image/png", png(100, 100)[..20].to_vec(), "could not be read"),
            ("image/svg+xml", svg("<script>alert(1)</script>"), "<script>"),
            ("image/svg+xml", svg(r#"<rect onload="alert(1)"/>"#), "event handler"),
            ("image/svg+xml", svg(r#"<image xlink:href="https://evil.example/x.png"/>"#), "outside the file"),
            ("image/svg+xml", svg(r#"<a href="javascript:alert(1)"><rect/></a>"#), "outside the file"),
            ("image/svg+xml", svg(r#"<rect style="fill: url(https://evil.example/p)"/>"#), "reaches outside"),
            ("image/svg+xml", svg(r#"<style>@import url(x.css);</style>"#), "@import"),
            ("image/svg+xml", svg(r#"<foreignObject><div/></foreignObject>"#), "<foreignObject>"),
            ("image/svg+xml", svg(r#"<set attributeName="href" to="javascript:alert(1)"/>"#), "animates a link"),
            ("image/svg+xml", b"<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&x;</svg>".to_vec(), "DOCTYPE"),
            ("image/svg+xml", b"<?xml-stylesheet href=\"https://evil.example/s.css\"?><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"/>".to_vec(), "processing instructions"),
            ("image/svg+xml", html, "not a well-formed SVG"),
            ("image/svg+xml", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(), "no size"),
            ("image/svg+xml", b"<html xmlns=\"http://www.w3.org/1999/xhtml\"/>".to_vec(), "root is not <svg>"),
            ("image/png", Vec::new(), "empty"),
        ];
        for (ct, bytes, expect) in cases {
            let got = message(check(Some(ct), &bytes));
            assert!(got.contains(expect), "{ct} {expect:?}: got {got:?}");
        }
    }

    #[test]
    fn wrong_types_and_sizes_have_their_own_statuses() {
        assert_eq!(check(Some("text/html"), &png(100, 100)).unwrap_err().status(), 415);
        assert_eq!(check(None, &png(100, 100)).unwrap_err().status(), 415);
        assert_eq!(check(Some("image/gif"), b"GIF89a").unwrap_err().status(), 415);
        let mut big = png(100, 100);
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(check(Some("image/png"), &big).unwrap_err().status(), 413);
        big.truncate(MAX_BYTES);
        assert!(check(Some("image/png"), &big).is_ok(), "exactly 512 KB is allowed");
    }
}

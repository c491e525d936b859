//! Which system face draws Chinese, Japanese and Korean characters.
//!
//! egui's own fonts have no CJK characters: the window finds them among
//! the system's fonts (egui_system_font_provider, fontconfig on Linux) as
//! it draws them. One Han character has different forms in Simplified
//! Chinese, Japanese, Korean and Traditional Chinese (直, 骨, 写, 户), and a
//! font collection such as `NotoSansCJK-Regular.ttc` holds one face for
//! each (JP, KR, SC, TC, HK). The provider picks the face by a locale:
//! left to the desktop's (`LANG=en_US`), Han came from the collection's
//! first face, Japanese, even in a window set to 简体中文.
//!
//! So the window gives the provider its own choice ([`han_locale`]):
//! Simplified Chinese when the window speaks Chinese; in English, the
//! desktop's locale where that is Chinese, Japanese or Korean (a Japanese
//! desktop keeps Japanese forms), else Simplified Chinese too (the Han text
//! an English window of tlschat shows is most likely Chinese). Kana and
//! Hangul are other scripts: they come from their own faces whatever the
//! choice, so Chinese, Japanese and Korean messages all draw.

use std::sync::Arc;

use egui::epaint::text::{FallbackRequest, FontInsert, FontProvider as _};
use egui_system_font_provider::SystemFontProvider;

use crate::i18n::Lang;

/// The locale whose Han forms the window draws in `lang`, the desktop's
/// locale being `system` (`ja_JP.UTF-8`, `en_US`, `C`; `None` if unset).
#[must_use]
pub fn han_locale(lang: Lang, system: Option<&str>) -> String {
    let system = system.map(|s| {
        s.split(['.', '@'])
            .next()
            .unwrap_or_default()
            .replace('_', "-")
    });
    match (lang, system) {
        (Lang::En, Some(s)) if ["zh", "ja", "ko"].iter().any(|p| s.starts_with(p)) => s,
        _ => "zh-CN".to_owned(),
    }
}

/// The desktop's locale as the font lookup reads it: the first of
/// `LANGUAGE` (its first entry), `LC_ALL`, `LC_MESSAGES` and `LANG` that
/// is set and not empty.
fn system_locale() -> Option<String> {
    ["LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|v| v.split(':').next().unwrap_or_default().to_owned())
        .find(|v| !v.is_empty())
}

/// The window's system fonts, following its language: when it changes,
/// the fonts are set anew with the language's Han face first.
#[derive(Debug, Default)]
pub struct SystemFonts {
    /// The language the fonts were set for; `None` before the first.
    lang: Option<Lang>,
}

impl SystemFonts {
    /// Makes sure `ctx` draws `lang`'s Han forms (from its next pass; at
    /// once if no text was laid out yet in this one). The face that draws
    /// 中 for the language's locale comes right after egui's own fonts, so
    /// it also draws the full-width punctuation (，：（）) and every Han
    /// character: left to be found as text needs it, a line starting with
    /// punctuation would bring the first face that has it (Japanese),
    /// which would then draw the Han characters after it too. What that
    /// face lacks (kana, Hangul, other scripts) the provider finds.
    pub fn follow(&mut self, ctx: &egui::Context, lang: Lang) {
        if self.lang == Some(lang) {
            return;
        }
        self.lang = Some(lang);
        let locale = han_locale(lang, system_locale().as_deref());
        let provider = SystemFontProvider::new().with_locale(Some(&locale));
        let mut fonts = egui::FontDefinitions::default();
        if let Some(face) = han_face(&provider, &locale) {
            tracing::debug!("Han characters drawn with {}", face.name);
            for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
                fonts
                    .families
                    .entry(family)
                    .or_default()
                    .push(face.name.clone());
            }
            fonts.font_data.insert(face.name, Arc::new(face.data));
        }
        ctx.set_fonts(fonts);
        ctx.set_font_providers(vec![Arc::new(provider)]);
    }
}

/// The face that draws 中 in `locale`'s forms (`None` if no system font
/// has it): the one `provider` finds, or, when that is a face of a font
/// collection (`NotoSansCJK-Regular.ttc`: JP, KR, SC, TC, HK), the
/// collection's face for the locale's region. The provider alone cannot be
/// trusted with that: asked for Simplified Chinese it asks fontconfig for
/// `zh-SG`, which on Debian's fonts-noto-cjk gives the Japanese face.
/// Waits until the system's fonts are listed (a fraction of a second, once).
fn han_face(provider: &SystemFontProvider, locale: &str) -> Option<FontInsert> {
    let mut face = provider.font_for(&FallbackRequest {
        cluster: "中",
        family: &egui::FontFamily::Proportional,
    })?;
    let tag = region_tag(locale);
    let faces = collection_families(face.data.bytes());
    if let Some((index, family)) = faces
        .iter()
        .enumerate()
        .find(|(_, family)| family.split_whitespace().any(|w| w == tag))
        && let Ok(index) = u32::try_from(index)
    {
        face.name = format!("system:{family}:{index}");
        face.data.index = index;
    }
    Some(face)
}

/// How a CJK font collection names the face of `locale`'s forms (the
/// last word of its family name: `Noto Sans CJK SC`, `Source Han Sans JP`).
fn region_tag(locale: &str) -> &'static str {
    let locale = locale.to_ascii_lowercase();
    if locale.starts_with("ja") {
        "JP"
    } else if locale.starts_with("ko") {
        "KR"
    } else if locale.starts_with("zh-hk") || locale.starts_with("zh-mo") {
        "HK"
    } else if locale.starts_with("zh-tw") || locale.contains("hant") {
        "TC"
    } else {
        "SC"
    }
}

/// The family name of each face of a font collection (a `ttcf` file),
/// in order; empty for a single font or anything unreadable. Reads only
/// the header and each face's `name` table, every read bounded.
#[must_use]
pub fn collection_families(bytes: &[u8]) -> Vec<String> {
    if bytes.get(..4) != Some(b"ttcf".as_slice()) {
        return Vec::new();
    }
    let count = be32(bytes, 8).unwrap_or(0).min(64);
    (0..count)
        .map(|i| {
            be32(bytes, 12 + 4 * i as usize)
                .and_then(|offset| face_family(bytes, offset as usize))
                .unwrap_or_default()
        })
        .collect()
}

/// The family name (name id 1, Windows English, else any Unicode one) of
/// the face whose table directory is at `face`.
fn face_family(bytes: &[u8], face: usize) -> Option<String> {
    let tables = usize::from(be16(bytes, face + 4)?);
    let name = (0..tables)
        .map(|i| face + 12 + 16 * i)
        .find(|&rec| bytes.get(rec..rec + 4) == Some(b"name".as_slice()))
        .and_then(|rec| be32(bytes, rec + 8))? as usize;
    let count = usize::from(be16(bytes, name + 2)?);
    let storage = name + usize::from(be16(bytes, name + 4)?);
    let mut best: Option<(bool, String)> = None;
    for rec in (0..count).map(|i| name + 6 + 12 * i) {
        let [platform, encoding, language, id, len, off] =
            [0, 2, 4, 6, 8, 10].map(|f| be16(bytes, rec + f).unwrap_or(u16::MAX));
        let unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
        if id != 1 || !unicode {
            continue;
        }
        let start = storage + usize::from(off);
        let Some(raw) = bytes.get(start..start + usize::from(len)) else {
            continue;
        };
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        let english = platform == 3 && language == 0x0409;
        if best.as_ref().is_none_or(|(e, _)| !e && english) {
            best = Some((english, String::from_utf16_lossy(&units)));
        }
    }
    best.map(|(_, family)| family)
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_faces_of_the_system_cjk_collection_are_named() {
        let path = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
        let Ok(bytes) = std::fs::read(path) else {
            eprintln!("{path} is not installed: nothing to read");
            return;
        };
        let families = collection_families(&bytes);
        assert_eq!(
            families.get(2).map(String::as_str),
            Some("Noto Sans CJK SC")
        );
        assert!(families.iter().any(|f| f.ends_with(" JP")));
        assert!(collection_families(b"ttcf\0\x01\0\0\0\0\0\x09").len() == 9);
        assert!(
            collection_families(&bytes[..100])
                .iter()
                .all(String::is_empty)
        );
        assert!(collection_families(b"OTTO").is_empty());
    }

    #[test]
    fn chinese_windows_draw_simplified_forms_and_cjk_desktops_keep_theirs() {
        assert_eq!(han_locale(Lang::ZhCn, Some("ja_JP.UTF-8")), "zh-CN");
        assert_eq!(han_locale(Lang::ZhCn, None), "zh-CN");
        assert_eq!(han_locale(Lang::En, Some("en_US.UTF-8")), "zh-CN");
        assert_eq!(han_locale(Lang::En, Some("C")), "zh-CN");
        assert_eq!(han_locale(Lang::En, None), "zh-CN");
        assert_eq!(han_locale(Lang::En, Some("ja_JP.UTF-8")), "ja-JP");
        assert_eq!(han_locale(Lang::En, Some("ko_KR")), "ko-KR");
        assert_eq!(han_locale(Lang::En, Some("zh_TW.UTF-8@x")), "zh-TW");
    }
}

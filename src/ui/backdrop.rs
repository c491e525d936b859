//! The window's backdrop. Every frame is drawn whole, and on a software
//! renderer (Mesa's llvmpipe) what a frame costs is mostly the pixels its
//! shapes cover: a panel's background is a blended, shaded layer as large
//! as the panel. So the main panels draw no background of their own: the
//! window is cleared to the panels' colour instead (a clear is a fill of
//! memory, not shading), and the picture is the same.

use egui::{Color32, Frame, Style, Visuals};

/// The colour the window is cleared to before a frame: the panels' own.
#[must_use]
pub fn clear_color(visuals: &Visuals) -> [f32; 4] {
    visuals.panel_fill.to_normalized_gamma_f32()
}

/// A side, top or bottom panel's frame, its background left to the clear.
pub fn side_panel(style: &Style) -> Frame {
    Frame::side_top_panel(style).fill(Color32::TRANSPARENT)
}

/// The central panel's frame, its background left to the clear.
pub fn central_panel(style: &Style) -> Frame {
    Frame::central_panel(style).fill(Color32::TRANSPARENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clear_is_the_panels_colour_and_the_panels_paint_none() {
        for visuals in [Visuals::dark(), Visuals::light()] {
            let style = Style {
                visuals: visuals.clone(),
                ..Style::default()
            };
            let [r, g, b, a] = clear_color(&visuals);
            let back = Color32::from_rgba_unmultiplied(
                (r * 255.0).round() as u8,
                (g * 255.0).round() as u8,
                (b * 255.0).round() as u8,
                (a * 255.0).round() as u8,
            );
            assert_eq!(back, visuals.panel_fill);
            assert_eq!(side_panel(&style).fill, Color32::TRANSPARENT);
            assert_eq!(central_panel(&style).fill, Color32::TRANSPARENT);
            // Margins as the filled frames have them.
            assert_eq!(
                side_panel(&style).inner_margin,
                Frame::side_top_panel(&style).inner_margin
            );
        }
    }
}

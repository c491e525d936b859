//! The files that install tlschat as a desktop application: the desktop
//! file (clean under `desktop-file-validate`), the AppStream metainfo
//! (clean under `appstreamcli validate`), and the icons from 16 to 512
//! pixels plus SVG, all named by the window's own app id.

use std::path::{Path, PathBuf};
use std::process::Command;

use tlschat::ui::APP_ID;

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// Runs a validator; it must exist (`.ci/run` installs it) and pass.
fn validate(tool: &str, args: &[&str], file: &Path, package: &str) {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed (Debian package {package}): {e}"));
    assert!(
        out.status.success(),
        "{tool} {}: {}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The value of `key=` in a desktop file.
fn entry<'a>(desktop: &'a str, key: &str) -> &'a str {
    desktop
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key}= in the desktop file"))
}

/// Width and height from a PNG's header.
fn png_size(file: &Path) -> (u32, u32) {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is a PNG",
        file.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn the_desktop_file_is_valid_and_names_the_windows_app_id() {
    let file = assets().join(format!("{APP_ID}.desktop"));
    validate("desktop-file-validate", &[], &file, "desktop-file-utils");
    let desktop = std::fs::read_to_string(&file).unwrap();
    assert_eq!(entry(&desktop, "Icon"), APP_ID);
    assert_eq!(entry(&desktop, "StartupWMClass"), APP_ID);
    assert_eq!(entry(&desktop, "Exec").split(' ').next(), Some("tlschat"));
}

#[test]
fn the_desktop_file_opens_tlschat_links() {
    // Clicking an invite runs `tlschat LINK`: the window, with the join
    // filled in (see `Cli::link`).
    let desktop = std::fs::read_to_string(assets().join(format!("{APP_ID}.desktop"))).unwrap();
    assert_eq!(entry(&desktop, "Exec"), "tlschat %u");
    assert!(
        entry(&desktop, "MimeType")
            .split(';')
            .any(|m| m == "x-scheme-handler/tlschat"),
        "{desktop}"
    );
}

#[test]
fn the_metainfo_is_valid_and_launches_the_desktop_file() {
    let file = assets().join(format!("{APP_ID}.metainfo.xml"));
    validate(
        "appstreamcli",
        &["validate", "--no-net"],
        &file,
        "appstream",
    );
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains(&format!("<id>{APP_ID}</id>")));
    assert!(xml.contains(&format!(
        r#"<launchable type="desktop-id">{APP_ID}.desktop</launchable>"#
    )));
}

#[test]
fn icons_come_in_every_size_and_as_svg() {
    let icons = assets().join("icons");
    for n in [16, 32, 48, 64, 128, 256, 512] {
        let file = icons.join(format!("{APP_ID}-{n}.png"));
        assert_eq!(png_size(&file), (n, n), "{}", file.display());
    }
    let svg = std::fs::read_to_string(icons.join(format!("{APP_ID}.svg"))).unwrap();
    assert!(svg.contains("<svg") && svg.contains(r#"viewBox="0 0 512 512""#));
}

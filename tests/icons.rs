//! The tray's icons (data/icons): every one renders (rsvg-convert, as icon themes do), the
//! full-colour ones read on light and dark panels at panel size, the three states look
//! different, and the symbolic ones are one colour for the theme to recolour.

use image::RgbaImage;
use std::path::{Path, PathBuf};

const STATES: [&str; 3] = ["playing", "paused", "away"];
/// Panel sizes: 16 px (small panels), 24 px (the common default).
const SIZES: [u32; 2] = [16, 24];
/// WCAG's minimum contrast for graphical objects.
const MIN_CONTRAST: f64 = 3.0;

fn icons() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/icons/hicolor")
}

/// Render an SVG at `px` × `px`.
fn render(svg: &Path, px: u32) -> RgbaImage {
    // Unique per call: the tests run side by side in one process and render the same
    // icons at the same sizes (a name by pid, size and icon let one delete another's file).
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out = std::env::temp_dir().join(format!(
        "attuned-icon-{}-{call}-{px}-{}.png",
        std::process::id(),
        svg.file_stem().unwrap().to_string_lossy()
    ));
    let run = std::process::Command::new("rsvg-convert")
        .args([
            "-w",
            &px.to_string(),
            "-h",
            &px.to_string(),
            "-f",
            "png",
            "-o",
        ])
        .arg(&out)
        .arg(svg)
        .output()
        .expect("rsvg-convert (librsvg2-bin; scripts/deps.sh test installs it)");
    assert!(
        run.status.success(),
        "{}: {}",
        svg.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    let img = image::open(&out).unwrap().to_rgba8();
    let _ = std::fs::remove_file(out);
    img
}

/// Relative luminance (sRGB, WCAG).
fn luminance(rgb: [f64; 3]) -> f64 {
    let lin = |c: f64| {
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

/// The contrast of the icon against a panel of colour `bg`: the median luminance of the
/// pixels it covers (composited on the panel) against the panel's.
fn contrast_on(img: &RgbaImage, bg: [f64; 3]) -> f64 {
    let mut covered: Vec<f64> = img
        .pixels()
        .filter(|p| p[3] > 128)
        .map(|p| {
            let a = p[3] as f64 / 255.0;
            let c = |i: usize| a * p[i] as f64 / 255.0 + (1.0 - a) * bg[i];
            luminance([c(0), c(1), c(2)])
        })
        .collect();
    assert!(covered.len() > 10, "the icon covers almost nothing");
    covered.sort_by(f64::total_cmp);
    let icon = covered[covered.len() / 2];
    let panel = luminance(bg);
    let (hi, lo) = if icon > panel {
        (icon, panel)
    } else {
        (panel, icon)
    };
    (hi + 0.05) / (lo + 0.05)
}

#[test]
fn full_colour_icons_read_on_light_and_dark_panels() {
    let light = [0.96, 0.96, 0.96];
    let dark = [0.17, 0.17, 0.17];
    for state in STATES {
        let svg = icons().join(format!("scalable/apps/attuned-{state}.svg"));
        for px in SIZES {
            let img = render(&svg, px);
            assert_eq!(img.dimensions(), (px, px));
            for (panel, bg) in [("light", light), ("dark", dark)] {
                let c = contrast_on(&img, bg);
                eprintln!("{state} at {px} px on a {panel} panel: contrast {c:.1}:1");
                assert!(
                    c >= MIN_CONTRAST,
                    "{state} at {px} px on a {panel} panel: {c:.2}:1"
                );
            }
        }
    }
}

#[test]
fn the_three_states_look_different() {
    let imgs: Vec<RgbaImage> = STATES
        .iter()
        .map(|s| render(&icons().join(format!("scalable/apps/attuned-{s}.svg")), 24))
        .collect();
    for i in 0..imgs.len() {
        for j in i + 1..imgs.len() {
            let differ = imgs[i]
                .pixels()
                .zip(imgs[j].pixels())
                .filter(|(a, b)| (0..4).map(|k| (a[k] as i32 - b[k] as i32).abs()).max() > Some(64))
                .count();
            assert!(
                differ > 24 * 24 / 8,
                "{} and {} differ in only {differ} pixels",
                STATES[i],
                STATES[j]
            );
        }
    }
}

#[test]
fn symbolic_icons_are_one_colour_and_render() {
    for state in STATES {
        let svg = icons().join(format!("symbolic/apps/attuned-{state}-symbolic.svg"));
        let text = std::fs::read_to_string(&svg).unwrap();
        let colours: Vec<&str> = text
            .match_indices('#')
            .map(|(i, _)| &text[i..i + 7])
            .collect();
        assert!(!colours.is_empty(), "{}", svg.display());
        assert!(
            colours.iter().all(|c| *c == "#bebebe"),
            "{}: {colours:?}",
            svg.display()
        );
        let img = render(&svg, 16);
        assert!(
            img.pixels().any(|p| p[3] > 128),
            "{} is empty",
            svg.display()
        );
    }
}

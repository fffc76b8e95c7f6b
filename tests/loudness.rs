//! Every preset renders at −23 LUFS ±1 LU with true peak ≤ −1 dBTP, finite and without DC;
//! and stays within ±1 LU with any one of its layers muted (the mix changes the balance,
//! the loudness compensation keeps the level).

mod common;
use attuned::preset::BUILTIN;
use attuned::render::{RenderOptions, render};
use common::*;
use std::time::Duration;

#[test]
fn every_preset_is_normalised_and_clean() {
    let mut report = Vec::new();
    for (name, _) in BUILTIN {
        let r = render_secs(&preset(name), 120.0, 3);
        assert!(
            r.left.iter().chain(&r.right).all(|x| x.is_finite()),
            "{name}: NaN/inf"
        );
        let l = loudness(&r.left, &r.right);
        let dc = r.left.iter().map(|&x| x as f64).sum::<f64>() / r.left.len() as f64;
        report.push(format!(
            "{name}: {:.2} LUFS, {:.2} dBTP, dc {dc:.2e}",
            l.integrated, l.true_peak_db
        ));
        if std::env::var_os("CALIBRATE").is_some() {
            continue;
        }
        assert!(
            (l.integrated + 23.0).abs() <= 1.0,
            "{name}: {:.2} LUFS",
            l.integrated
        );
        assert!(
            l.true_peak_db <= -1.0,
            "{name}: true peak {:.2} dBTP",
            l.true_peak_db
        );
        assert!(dc.abs() < 1e-3, "{name}: DC {dc}");
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn muting_any_one_layer_keeps_the_loudness() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, _) in BUILTIN {
        if std::env::var("ONLY").is_ok_and(|o| o != *name) {
            continue;
        }
        let p = preset(name);
        for layer in p.layers() {
            let mut o = RenderOptions::new(p.clone());
            o.duration = Duration::from_secs(120);
            o.seed = 3;
            o.mix.insert(layer.id().to_owned(), 0.0);
            let r = render(&o, true).expect("render");
            let l = loudness(&r.left, &r.right);
            report.push(format!(
                "{name} without {layer}: {:.2} LUFS, {:.2} dBTP",
                l.integrated, l.true_peak_db
            ));
            if (l.integrated + 23.0).abs() > 1.0 || l.true_peak_db > -1.0 {
                failures.push(report.last().unwrap().clone());
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! Breathing read from a real heart: 25 minutes of one person's RR intervals with a
//! respiration belt recorded alongside, committed in `tests/fixtures/real-breathing/` (from
//! systole 0.3.1 on PyPI, GPL-3.0; Legrand et al. 2020; its README says how
//! `scripts/real-rr.py` made them). The estimate must be plausible (6–25/min), stable, and
//! agree with the belt where the belt itself is clean.

use attuned::features::{FeatureExtractor, ListenerProfile};
use attuned::sensor::replay;
use std::path::Path;

#[test]
fn a_real_heart_gives_a_plausible_stable_breathing_rate_that_agrees_with_the_belt() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-breathing");
    let session = out.join("systole-task1-session.csv");
    let readings = replay::parse(
        &session.display().to_string(),
        &std::fs::read_to_string(&session).unwrap(),
    )
    .unwrap();
    let belt: Vec<(f64, f32, bool)> = std::fs::read_to_string(out.join("systole-task1-belt.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].parse().unwrap(), c[1].parse().unwrap(), c[2] == "1")
        })
        .collect();

    let mut fx = FeatureExtractor::new(ListenerProfile::default());
    let mut next = readings.iter().peekable();
    let (mut known, mut agree, mut clean, mut estimates) = (0, 0, 0, Vec::new());
    for &(t, reference, belt_clean) in &belt {
        while let Some(r) = next.next_if(|r| r.at <= t) {
            fx.push(r);
        }
        let est = fx.breathing(t);
        // SHOW=1: every window, to see where the heart and the belt part.
        if std::env::var_os("SHOW").is_some() {
            eprintln!("{t} belt {reference:.1} {belt_clean} est {est:?}");
        }
        let Some(b) = est else {
            continue;
        };
        known += 1;
        estimates.push(b.per_minute);
        assert!(
            (6.0..=25.0).contains(&b.per_minute),
            "{t} s: {b:?} is not a plausible breathing rate"
        );
        if belt_clean {
            clean += 1;
            if (b.per_minute - reference).abs() <= 2.0 {
                agree += 1;
            }
        }
    }
    let steps: Vec<f32> = estimates.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mut sorted = steps.clone();
    sorted.sort_by(f32::total_cmp);
    let median_step = sorted[sorted.len() / 2];
    let belt_clean = belt.iter().filter(|b| b.2).count();
    eprintln!(
        "known in {known} of {} windows ({clean} of the {belt_clean} where the belt is clean); \
         within 2/min of a clean belt in {agree} of {clean}; median change between estimates \
         5 s apart {median_step:.2}/min",
        belt.len()
    );
    // Where the belt shows regular breathing, the heart mostly shows it too; elsewhere
    // (movement, sighs, irregular breathing during the task) unknown is the right answer.
    assert!(
        clean * 2 >= belt_clean,
        "known too rarely: {clean} of {belt_clean}"
    );
    assert!(median_step <= 0.5, "unstable: {median_step}");
    assert!(
        agree * 4 >= clean * 3,
        "{agree} of {clean} agree with the belt"
    );
}

//! Explanations in words: what drives the sound now, by the inputs a person knows (time of
//! day, heart rate, its trend, heart-rate variability, cadence, how long the session has
//! run), each probed as a group against its neutral value, largest effect first.
//!
//! An input whose sensor is absent is never given as a cause; the absence is said once.

use super::contract::*;
use crate::controls::Control;
use crate::features::ListenerProfile;

/// Effects smaller than this are not worth a word.
pub const MIN_EFFECT: f32 = 0.02;

/// A group of inputs probed together, and how to say what it is now.
struct Group {
    inputs: &'static [usize],
    /// Present only when this flag input is on (a sensor group), if any.
    needs: Option<usize>,
    /// "It is 03:10", from the features and the profile.
    what: fn(&[f32; INPUTS], &ListenerProfile) -> String,
    /// What the effects are compared with (the inputs' neutral values).
    against: &'static str,
}

const GROUPS: &[Group] = &[
    Group {
        inputs: &[TOD_SIN, TOD_COS, SUN],
        needs: None,
        what: time_of_day,
        against: "than at midday",
    },
    Group {
        inputs: &[HR_REL],
        needs: Some(HR_PRESENT),
        what: heart_rate,
        against: "than at an easy heart rate",
    },
    Group {
        inputs: &[HR_TREND],
        needs: Some(HR_PRESENT),
        what: heart_trend,
        against: "than with a steady heart rate",
    },
    Group {
        inputs: &[RMSSD],
        needs: Some(HR_PRESENT),
        what: variability,
        against: "than with typical variability",
    },
    Group {
        inputs: &[BREATHING_RATE, BREATHING_CONFIDENCE],
        needs: Some(HR_PRESENT),
        what: breathing,
        against: "than with breathing unknown",
    },
    Group {
        inputs: &[CADENCE],
        needs: Some(CADENCE_PRESENT),
        what: cadence,
        against: "than standing still",
    },
    Group {
        inputs: &[SESSION],
        needs: None,
        what: session,
        against: "than half an hour in",
    },
];

/// What each input group does to the sound now, in sentences, largest effect first; then
/// the sensors that are absent, once each.
pub fn explain_text(
    x: &[f32; INPUTS],
    mut controller: impl FnMut(&[f32; INPUTS]) -> [f32; OUTPUTS],
    profile: &ListenerProfile,
) -> Vec<String> {
    let base = controller(x);
    let mut said: Vec<(f32, String)> = Vec::new();
    for g in GROUPS {
        if g.needs.is_some_and(|flag| x[flag] < 0.5) {
            continue;
        }
        let mut probe = *x;
        for &i in g.inputs {
            probe[i] = INPUT_SPECS[i].neutral;
        }
        if probe == *x {
            continue;
        }
        let moved = controller(&probe);
        let mut effects: Vec<(Control, f32)> = Control::ALL
            .iter()
            .enumerate()
            .map(|(c, control)| (*control, base[c] - moved[c]))
            .filter(|(_, d)| d.abs() >= MIN_EFFECT)
            .collect();
        effects.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let Some(largest) = effects.first().map(|e| e.1.abs()) else {
            continue;
        };
        let words: Vec<String> = effects
            .iter()
            .take(2)
            .map(|(c, d)| format!("{} ({d:+.2})", effect_word(*c, *d)))
            .collect();
        said.push((
            largest,
            format!(
                "{}: {} {}",
                (g.what)(x, profile),
                words.join(" and "),
                g.against
            ),
        ));
    }
    said.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut lines: Vec<String> = mode_line(x).into_iter().collect();
    lines.extend(said.into_iter().map(|(_, s)| s));
    if x[HR_PRESENT] < 0.5 {
        lines.push("No heart-rate sensor: your heart does not steer the sound".into());
    }
    lines
}

/// [`explain_text`] for the controller's inputs `x` under the heart lead `heart`: the
/// lead's sentence after the mode's, and while it leads, the heart's line says it is the
/// heart the music plays for (not the listener's own, which the lead's sentence gives).
pub fn explain_led(
    x: &[f32; INPUTS],
    controller: impl FnMut(&[f32; INPUTS]) -> [f32; OUTPUTS],
    profile: &ListenerProfile,
    heart: &super::heart_lead::HeartLeadState,
) -> Vec<String> {
    let mut lines = explain_text(x, controller, profile);
    if heart.leads() {
        let said = heart_rate(x, profile);
        for line in &mut lines {
            if let Some(rest) = line.strip_prefix(&said) {
                *line = format!("The music plays for a {}{rest}", said.to_lowercase());
            }
        }
    }
    if let Some(sentence) = heart.sentence(profile) {
        let after_mode = usize::from(mode_line(x).is_some()).min(lines.len());
        lines.insert(after_mode, sentence);
    }
    lines
}

/// The mode, as the context of everything else (a flag, not probed).
fn mode_line(x: &[f32; INPUTS]) -> Option<String> {
    let (mode, aim) = [
        (
            MODE_SLEEP,
            ("Sleep", "slow, dark and sparse, to fall asleep to"),
        ),
        (MODE_FOCUS, ("Focus", "steady and unobtrusive, to work to")),
        (MODE_RELAX, ("Relax", "slow and open, to unwind to")),
        (
            MODE_WORKOUT,
            ("Workout", "driving, on the beat of your feet"),
        ),
    ]
    .into_iter()
    .find(|(i, _)| x[*i] > 0.5)?
    .1;
    Some(format!("{mode} mode: the sound is {aim}"))
}

/// How a control moving by `delta` sounds.
fn effect_word(c: Control, delta: f32) -> &'static str {
    let up = delta > 0.0;
    match c {
        Control::Tempo if up => "faster",
        Control::Tempo => "slower",
        Control::Energy if up => "more energy",
        Control::Energy => "less energy",
        Control::Brightness if up => "brighter",
        Control::Brightness => "darker",
        Control::Density if up => "busier",
        Control::Density => "sparser",
        Control::Tension if up => "more tension",
        Control::Tension => "gentler harmony",
        Control::Motion if up => "more movement",
        Control::Motion => "stiller",
        Control::Space if up => "a larger room",
        Control::Space => "a closer room",
        Control::Texture if up => "more grain",
        Control::Texture => "smoother",
    }
}

fn time_of_day(x: &[f32; INPUTS], _: &ListenerProfile) -> String {
    let turn = (x[TOD_SIN] as f64).atan2(x[TOD_COS] as f64) / std::f64::consts::TAU;
    let minutes = (turn.rem_euclid(1.0) * 1440.0).round() as u32 % 1440;
    let sun = if x[SUN] < 0.0 {
        ", the sun is down"
    } else {
        ""
    };
    format!("It is {:02}:{:02}{sun}", minutes / 60, minutes % 60)
}

fn heart_rate(x: &[f32; INPUTS], p: &ListenerProfile) -> String {
    let above = x[HR_REL] * (p.max_hr - p.resting_hr);
    let bpm = above.abs().round();
    if above >= 0.0 {
        format!("Heart rate {bpm:.0} bpm above your resting rate")
    } else {
        format!("Heart rate {bpm:.0} bpm below your resting rate")
    }
}

fn heart_trend(x: &[f32; INPUTS], _: &ListenerProfile) -> String {
    let slope = x[HR_TREND] * 20.0;
    let way = if slope >= 0.0 { "rising" } else { "falling" };
    format!("Heart rate {way} {:.0} bpm a minute", slope.abs())
}

fn variability(x: &[f32; INPUTS], _: &ListenerProfile) -> String {
    let ms = x[RMSSD] * 100.0;
    let reading = if x[RMSSD] >= INPUT_SPECS[RMSSD].neutral {
        "calm"
    } else {
        "strain"
    };
    format!("Heart-rate variability {ms:.0} ms (RMSSD) reads as {reading}")
}

fn breathing(x: &[f32; INPUTS], _: &ListenerProfile) -> String {
    format!(
        "You breathe about {:.0} times a minute ({:.0} % sure)",
        x[BREATHING_RATE] * 30.0,
        x[BREATHING_CONFIDENCE] * 100.0
    )
}

fn cadence(x: &[f32; INPUTS], _: &ListenerProfile) -> String {
    format!("Moving at {:.0} steps a minute", x[CADENCE] * 200.0)
}

fn session(x: &[f32; INPUTS], _: &ListenerProfile) -> String {
    let minutes = (x[SESSION] * 60.0).round() as u32;
    if minutes >= 60 {
        format!("Listening for {} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("Listening for {minutes} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::teacher::teach;

    fn features(hours: f64) -> [f32; INPUTS] {
        let mut x = [0.0; INPUTS];
        let a = std::f64::consts::TAU * hours / 24.0;
        x[TOD_SIN] = a.sin() as f32;
        x[TOD_COS] = a.cos() as f32;
        x[SUN] = -0.4;
        x[SESSION] = 0.5;
        x[MODE_SLEEP] = 1.0;
        x
    }

    #[test]
    fn night_without_a_sensor_speaks_of_the_time_and_never_of_the_heart() {
        let x = features(3.0 + 10.0 / 60.0);
        let lines = explain_text(&x, teach, &ListenerProfile::default());
        assert_eq!(
            lines[0],
            "Sleep mode: the sound is slow, dark and sparse, to fall asleep to"
        );
        let lines = &lines[1..];
        assert!(
            lines[0].starts_with("It is 03:10, the sun is down: "),
            "{lines:?}"
        );
        assert!(lines[0].ends_with("than at midday"), "{lines:?}");
        // In sleep mode the small hours mean less of something (the teacher: less energy).
        assert!(lines[0].contains(" (-0."), "{lines:?}");
        let heart_as_cause = lines.iter().filter(|l| l.starts_with("Heart")).count();
        assert_eq!(heart_as_cause, 0, "{lines:?}");
        assert_eq!(
            lines.last().unwrap(),
            "No heart-rate sensor: your heart does not steer the sound"
        );
    }

    #[test]
    fn the_heart_lead_is_said_and_the_heart_it_plays_for_is_named_so() {
        use crate::control::heart_lead::{HeartLeadState, HeartPhase};
        let mut x = features(22.0);
        x[MODE_SLEEP] = 0.0;
        x[MODE_RELAX] = 1.0;
        x[HR_PRESENT] = 1.0;
        let heart = HeartLeadState {
            phase: HeartPhase::Leading,
            listener: 0.4,
            expressed: 0.3,
        };
        x[HR_REL] = heart.expressed;
        let lines = explain_led(&x, teach, &ListenerProfile::default(), &heart);
        assert_eq!(
            lines[1],
            "Your heart is 52 bpm over rest: the music is slowing toward calm ahead of it \
             (it plays as for 39)",
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("The music plays for a heart rate 39 bpm above")),
            "{lines:?}"
        );
        let resting = HeartLeadState {
            phase: HeartPhase::Resting,
            ..heart
        };
        assert_eq!(
            explain_led(&x, teach, &ListenerProfile::default(), &resting),
            explain_text(&x, teach, &ListenerProfile::default())
        );
    }

    #[test]
    fn a_high_heart_rate_is_said_in_bpm_above_rest() {
        let mut x = features(12.0);
        x[SUN] = 0.6;
        x[MODE_SLEEP] = 0.0;
        x[MODE_FOCUS] = 1.0;
        x[HR_PRESENT] = 1.0;
        // 60 + 0.9 × 130 = 177 bpm: 117 above rest.
        x[HR_REL] = 0.9;
        x[RMSSD] = 0.4;
        let lines = explain_text(&x, teach, &ListenerProfile::default());
        let hr = lines
            .iter()
            .find(|l| l.starts_with("Heart rate 117 bpm above your resting rate: "))
            .unwrap_or_else(|| panic!("{lines:?}"));
        // Focus calms a racing heart (toward a working arousal).
        assert!(hr.contains("sparser (-"), "{hr}");
        assert!(
            !lines.iter().any(|l| l.starts_with("No heart-rate")),
            "{lines:?}"
        );
        // Noon is the time group's neutral: nothing to say about the time.
        assert!(!lines.iter().any(|l| l.starts_with("It is")), "{lines:?}");
    }

    #[test]
    fn heart_rate_trend_and_variability_are_said_in_their_units() {
        let p = ListenerProfile::default();
        let mut x = features(12.0);
        x[HR_TREND] = -0.3;
        assert_eq!(heart_trend(&x, &p), "Heart rate falling 6 bpm a minute");
        x[HR_TREND] = 0.1;
        assert_eq!(heart_trend(&x, &p), "Heart rate rising 2 bpm a minute");
        x[RMSSD] = 0.62;
        assert_eq!(
            variability(&x, &p),
            "Heart-rate variability 62 ms (RMSSD) reads as calm"
        );
        x[RMSSD] = 0.18;
        assert_eq!(
            variability(&x, &p),
            "Heart-rate variability 18 ms (RMSSD) reads as strain"
        );
        x[HR_REL] = -0.1;
        assert_eq!(
            heart_rate(&x, &p),
            "Heart rate 13 bpm below your resting rate"
        );
        assert_eq!(effect_word(Control::Space, -0.1), "a closer room");
    }

    #[test]
    fn cadence_and_session_lengths_read_naturally() {
        let mut x = features(12.0);
        x[SUN] = 0.3;
        x[MODE_SLEEP] = 0.0;
        x[MODE_WORKOUT] = 1.0;
        x[CADENCE_PRESENT] = 1.0;
        x[CADENCE] = 0.86;
        x[SESSION] = 1.5;
        let lines = explain_text(&x, teach, &ListenerProfile::default());
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Moving at 172 steps a minute: ")),
            "{lines:?}"
        );
        assert_eq!(
            session(&x, &ListenerProfile::default()),
            "Listening for 1 h 30 min"
        );
    }
}

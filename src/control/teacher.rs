//! The teacher: the rule-based controller written from `shared/notes/physiology.md`.
//! It is the control model's training target and the fallback whenever no model can run.
//!
//! - Heart rate (relative to the listener's resting and maximum) drives arousal: energy,
//!   density, brightness and a slow tempo drift follow it (Bernardi 2006; Van Dyck 2017).
//!   In sleep and relax the response is sized to be heard (a heart 40 bpm up: tempo ≥ 4 %
//!   faster, the smallest change listeners tell apart, Drake & Botte 1993; busier and
//!   brighter), because the heart lead ([`super::heart_lead`]) gives the arousal to express:
//!   the listener's in full while it meets them, less as it leads them down.
//! - Focus aims at a working arousal (the inverted U, Yerkes & Dodson 1908): a heart below
//!   what the hour expects lifts energy and brightness a little, a heart above it calms
//!   density and tempo, by less than listeners notice.
//! - Sleep settles over the first 5–40 minutes toward the slow end of the preset's 60–80 bpm
//!   range and thins out (Lai & Good 2005).
//! - Focus holds steady energy that follows the circadian curve (low near 03:00, high mid
//!   afternoon), lifted a little by daylight.
//! - Relax keeps movement (the 0.1 Hz swells, Bernardi 2009) and settles over 15 minutes.
//! - In sleep and relax, breathing read from the heart adds to arousal: faster than 12
//!   breaths a minute reads as aroused, slower as calm (the music matches first, the ISO
//!   principle; the breath lead then slows the swells), weighed by the estimate's confidence.
//! - Workout sets tempo from cadence (the workout preset maps tempo 0..1 to 110–170 bpm),
//!   with heart rate near its maximum as a brake (Endel's Move mode does the same).
//!
//! Every rule is a smooth-enough function of the normalised inputs so a small MLP can learn
//! it; outputs are in `0..=1`.

use super::contract::*;
use crate::controls::Control;

/// Tempo range (bpm) the workout preset maps the tempo control onto; cadence is matched
/// within it.
pub const WORKOUT_BPM: (f32, f32) = (110.0, 170.0);

/// Circadian arousal in `0.1..0.9` from the time-of-day inputs: cos(2π(h − 3)/24) written
/// with the sin/cos inputs, lowest at 03:00 and highest at 15:00.
pub fn circadian(x: &[f32; INPUTS]) -> f32 {
    0.5 - 0.4 * (x[TOD_COS] + x[TOD_SIN]) * std::f32::consts::FRAC_1_SQRT_2
}

/// Breathing-driven arousal in `-0.5..=1`: (rate − 12/min) / 8, weighed by the estimate's
/// confidence (nothing below 0.2, all from 0.5), so an unknown rate (confidence 0) is 0.
pub fn breath_arousal(x: &[f32; INPUTS]) -> f32 {
    let weight = ((x[BREATHING_CONFIDENCE] - 0.2) / 0.3).clamp(0.0, 1.0);
    let rate = x[BREATHING_RATE] * 30.0;
    weight * ((rate - 12.0) / 8.0).clamp(-0.5, 1.0)
}

/// The teacher's controls for the feature vector `x` (in [`Control::ALL`] order).
pub fn teach(x: &[f32; INPUTS]) -> [f32; OUTPUTS] {
    let present = x[HR_PRESENT];
    // Heart-driven arousal: 0 at rest, 1 at maximum; rising HR adds a little.
    let hr_arousal = present * (x[HR_REL] + 0.15 * x[HR_TREND]).clamp(-0.3, 1.2);
    let day = (circadian(x) + 0.1 * x[SUN].clamp(-0.5, 0.5)).clamp(0.0, 1.0);
    let minutes = x[SESSION] * 60.0;
    let rest_arousal = hr_arousal + 0.3 * present * breath_arousal(x);
    let modes = [
        (x[MODE_SLEEP], sleep(rest_arousal, hr_arousal, day, minutes)),
        (x[MODE_FOCUS], focus_with_heart(hr_arousal, present, day)),
        (
            x[MODE_RELAX],
            relax(rest_arousal, hr_arousal, day, minutes, present * x[RMSSD]),
        ),
        (x[MODE_WORKOUT], workout(x, hr_arousal, day)),
    ];
    let weight: f32 = modes.iter().map(|(w, _)| w).sum();
    let mut out = [0.0f32; OUTPUTS];
    for (w, controls) in modes {
        for (o, c) in out.iter_mut().zip(controls) {
            *o += w * c;
        }
    }
    // No mode flag (a malformed vector): focus-like neutral behaviour.
    if weight < 1e-6 {
        return focus(hr_arousal, day);
    }
    out.map(|v| (v / weight).clamp(0.0, 1.0))
}

fn controls(values: [(Control, f32); OUTPUTS]) -> [f32; OUTPUTS] {
    let mut out = [0.0; OUTPUTS];
    for (c, v) in values {
        out[c.index()] = v.clamp(0.0, 1.0);
    }
    out
}

/// `arousal` is the heart's and the breathing's together (the gentle response sleep had
/// before); `heard` the heart's alone, the response sized to be heard on top (without a
/// heart 0, adding nothing; breathing stays a gentle input, its estimate comes and goes).
fn sleep(arousal: f32, heard: f32, day: f32, minutes: f32) -> [f32; OUTPUTS] {
    let settle = ((minutes - 5.0) / 35.0).clamp(0.0, 1.0);
    let a = arousal - 0.15;
    controls([
        (Control::Tempo, 0.45 - 0.4 * settle + 0.1 * a + 0.9 * heard),
        (
            Control::Energy,
            0.32 - 0.22 * settle + 0.25 * a + 0.05 * (day - 0.5) + 0.2 * heard,
        ),
        (
            Control::Brightness,
            0.35 - 0.22 * settle + 0.15 * a + 0.6 * heard,
        ),
        (
            Control::Density,
            0.45 - 0.33 * settle + 0.15 * a + 0.45 * heard,
        ),
        (Control::Tension, 0.15),
        (Control::Motion, 0.35 - 0.15 * settle),
        (Control::Space, 0.65 + 0.2 * settle),
        (Control::Texture, 0.5 + 0.25 * settle),
    ])
}

/// The heart-rate arousal (`hr_rel`) a focused listener has at this hour: a little above
/// rest, more in the afternoon than at night.
pub fn working_arousal(day: f32) -> f32 {
    0.04 + 0.12 * day
}

/// Focus with the heart: toward the hour's working arousal. Below it (drowsy) energy and
/// brightness lift; above it (racing) density and tempo calm; each change kept under
/// what draws attention. Without a heart (`present` 0) it is [`focus`] at rest.
fn focus_with_heart(arousal: f32, present: f32, day: f32) -> [f32; OUTPUTS] {
    let mut out = focus(0.0, day);
    if present > 0.0 {
        let off = arousal - working_arousal(day);
        let low = present * (-off - 0.03).clamp(0.0, 0.2);
        let high = present * (off - 0.05).clamp(0.0, 0.5);
        for (c, change) in [
            (Control::Energy, 0.5 * low),
            (Control::Brightness, 0.4 * low),
            (Control::Density, -0.5 * high),
            (Control::Tempo, -0.4 * high),
            (Control::Energy, -0.15 * high),
        ] {
            let v = &mut out[c.index()];
            *v = (*v + change).clamp(0.0, 1.0);
        }
    }
    out
}

fn focus(arousal: f32, day: f32) -> [f32; OUTPUTS] {
    controls([
        (Control::Tempo, 0.35 + 0.3 * day + 0.15 * arousal),
        (Control::Energy, 0.25 + 0.35 * day + 0.3 * arousal),
        (Control::Brightness, 0.35 + 0.3 * day + 0.2 * arousal),
        (Control::Density, 0.3 + 0.3 * day + 0.2 * arousal),
        (Control::Tension, 0.3),
        (Control::Motion, 0.35),
        (Control::Space, 0.35),
        (Control::Texture, 0.45),
    ])
}

/// `arousal` and `heard` as for [`sleep`].
fn relax(arousal: f32, heard: f32, day: f32, minutes: f32, rmssd: f32) -> [f32; OUTPUTS] {
    let settle = (minutes / 15.0).clamp(0.0, 1.0);
    // High heart-rate variability means the listener is already calm: open the room up.
    let calm = (rmssd - 0.4).clamp(-0.4, 0.8);
    controls([
        (
            Control::Tempo,
            0.45 - 0.25 * settle + 0.2 * arousal + 0.4 * heard,
        ),
        (
            Control::Energy,
            0.3 - 0.12 * settle + 0.3 * arousal + 0.05 * (day - 0.5) + 0.15 * heard,
        ),
        (
            Control::Brightness,
            0.3 + 0.15 * day - 0.1 * settle + 0.15 * arousal + 1.2 * heard,
        ),
        (
            Control::Density,
            0.35 - 0.1 * settle + 0.2 * arousal + 0.4 * heard,
        ),
        (Control::Tension, 0.2),
        (Control::Motion, 0.7),
        (Control::Space, 0.6 + 0.1 * settle + 0.1 * calm),
        (Control::Texture, 0.4),
    ])
}

fn workout(x: &[f32; INPUTS], arousal: f32, day: f32) -> [f32; OUTPUTS] {
    let cadence_spm = x[CADENCE] * 200.0;
    let from_cadence = (cadence_spm - WORKOUT_BPM.0) / (WORKOUT_BPM.1 - WORKOUT_BPM.0);
    let tempo =
        x[CADENCE_PRESENT] * from_cadence.clamp(0.0, 1.0) + (1.0 - x[CADENCE_PRESENT]) * 0.5;
    // Near maximum heart rate the music backs off.
    let brake = x[HR_PRESENT] * ((x[HR_REL] - 0.85) * 4.0).clamp(0.0, 1.0);
    controls([
        (Control::Tempo, tempo - 0.25 * brake),
        (
            Control::Energy,
            0.6 + 0.3 * arousal - 0.3 * brake + 0.05 * (day - 0.5),
        ),
        (Control::Brightness, 0.5 + 0.2 * arousal + 0.1 * day),
        (Control::Density, 0.55 + 0.25 * arousal - 0.2 * brake),
        (Control::Tension, 0.4),
        (Control::Motion, 0.6),
        (Control::Space, 0.25),
        (Control::Texture, 0.3),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::mode_input;
    use crate::preset::Mode;

    fn clock_only(hours: f32, mode: Mode, session_min: f32) -> [f32; INPUTS] {
        let mut x = [0.0; INPUTS];
        let a = hours / 24.0 * std::f32::consts::TAU;
        x[TOD_SIN] = a.sin();
        x[TOD_COS] = a.cos();
        x[SESSION] = session_min / 60.0;
        x[mode_input(mode)] = 1.0;
        x
    }

    #[test]
    fn night_is_calmer_than_late_morning() {
        let e = Control::Energy.index();
        for mode in [Mode::Focus, Mode::Relax, Mode::Sleep, Mode::Workout] {
            let night = teach(&clock_only(3.0, mode, 10.0))[e];
            let day = teach(&clock_only(11.0, mode, 10.0))[e];
            assert!(night < day, "{mode:?}: {night} vs {day}");
        }
    }

    #[test]
    fn workout_tempo_follows_cadence_and_brakes_near_max_hr() {
        let mut x = clock_only(18.0, Mode::Workout, 10.0);
        x[CADENCE_PRESENT] = 1.0;
        x[CADENCE] = 160.0 / 200.0;
        let t = teach(&x)[Control::Tempo.index()];
        assert!((t - (160.0 - 110.0) / 60.0).abs() < 1e-6);
        x[HR_PRESENT] = 1.0;
        x[HR_REL] = 1.0;
        assert!(teach(&x)[Control::Tempo.index()] < t - 0.1);
    }

    #[test]
    fn fast_confident_breathing_lifts_relax_and_an_unknown_rate_does_nothing() {
        let mut x = clock_only(22.0, Mode::Relax, 20.0);
        x[HR_PRESENT] = 1.0;
        x[HR_REL] = 0.1;
        let calm = teach(&x);
        x[BREATHING_RATE] = 20.0 / 30.0;
        assert_eq!(teach(&x), calm, "confidence 0 means unknown");
        x[BREATHING_CONFIDENCE] = 0.8;
        let fast = teach(&x);
        let e = Control::Energy.index();
        assert!(fast[e] > calm[e] + 0.05, "{} vs {}", fast[e], calm[e]);
        x[BREATHING_RATE] = 6.0 / 30.0;
        assert!(teach(&x)[e] < calm[e]);
        let mut focus = clock_only(10.0, Mode::Focus, 20.0);
        let before = teach(&focus);
        focus[BREATHING_RATE] = 20.0 / 30.0;
        focus[BREATHING_CONFIDENCE] = 0.8;
        assert_eq!(teach(&focus), before, "focus does not listen to breathing");
    }
}

//! The form: the piece as a chain of sections, each with an arrangement (which voices
//! play, in which role and register), a harmonic rhythm and an energy, drawn from the
//! preset mode's journey. Sleep descends toward a sparse, dark, still texture over about
//! 45 minutes; focus holds long plateaus that change one thing at a time; relax swells and
//! ebbs; workout builds and breaks down in 16-bar phrases without ever dropping the beat.

pub use super::arrangement::{Arrangement, BASS, BELLS, NOISE, PAD, PULSE, Part, Role, VOICES};
use super::key::Key;
use super::signature::{self, PlayingSince};
use crate::preset::Mode;
use crate::preset::signature::{SLEEP_RETIRES_BASS, SLEEP_RETIRES_MELODY, Signature};

/// A section of the form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    pub name: &'static str,
    /// Counted from 1.
    pub number: u32,
    pub bars: u32,
    pub key: Key,
    pub arrangement: Arrangement,
    /// Bars per chord, drawn per chord from this range.
    pub harmonic_rhythm: (u32, u32),
    /// The bass holds the tonic under the changing chords.
    pub pedal: bool,
    /// Multiplies the pad's and bells' brightness (the graph glides to it).
    pub brightness: f32,
    /// Multiplies every voice's gain: beds come up where other voices rest, and sleep
    /// fades with its descent.
    pub level: f32,
    /// The loudness the section is meant to play at, dB from the preset's (−23 LUFS):
    /// 0 but for sleep, which descends by [`SLEEP_DESCENT_DB`] (the loudness rider brings
    /// the audio there, whatever the notes and the darkening do on their own).
    pub loudness_db: f32,
    /// How firmly the output's moments are held down, 0..1 (`synth::loudness_rider`'s
    /// hush): sleep's night mode, half on from the start, fully on from a quarter of its
    /// descent.
    pub hush: f32,
    /// The energy control when the section was planned (a large move ends it early).
    pub energy: f32,
    /// Since when each part has played without a rest (the signature's memory).
    pub playing_since: PlayingSince,
}

/// What the journey needs to know to plan the next section.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub mode: Mode,
    /// Minutes since the piece started.
    pub minutes: f64,
    /// How far the sleep descent has gone, 0..1.
    pub depth: f32,
    /// The deepest the descent has been (sleep's level and hush follow it: a listener who
    /// wakes brings the texture back, never the loudness).
    pub deepest: f32,
    pub energy: f32,
    pub has_pulse: bool,
    /// The preset's harmonic rhythm range (bars per chord).
    pub rhythm: (u32, u32),
    pub bar_seconds: f64,
    pub phrase_bars: u32,
    /// The voices the preset is known by: the form keeps them.
    pub signature: Signature,
}

/// A source of uniform numbers in 0..1 (the planner's seeded generator).
pub trait Dice {
    fn unit(&mut self) -> f32;
    fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[((self.unit() * items.len() as f32) as usize).min(items.len() - 1)]
    }
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit() as f64
    }
}

/// Plan the section after `prev` (or the first one) in `key`.
pub fn next_section(
    prev: Option<&Section>,
    key: Key,
    cx: &Context,
    dice: &mut impl Dice,
) -> Section {
    let number = prev.map_or(1, |p| p.number + 1);
    let Plan {
        name,
        mut minutes,
        parts,
        rhythm,
        pedal,
        brightness,
        level,
    } = match cx.mode {
        Mode::Sleep => sleep(prev, cx, dice),
        Mode::Focus => focus(prev, cx, dice),
        Mode::Relax => relax(prev, cx, dice),
        Mode::Workout => workout(prev, cx, dice),
    };
    let mut parts = parts;
    if !cx.has_pulse {
        parts[PULSE] = Part::REST;
    }
    let playing_since = signature::hold(
        cx.signature,
        prev.map(|p| &p.playing_since),
        cx.minutes,
        &mut parts,
        &mut minutes,
    );
    // Where voices rest, the others come up (at most +3 dB), so the loudness holds over the
    // hour; sleep is the exception: it is meant to fade with its descent.
    let level = if cx.mode == Mode::Sleep {
        level
    } else {
        level * compensation(&parts, cx.has_pulse)
    };
    // Length: whole phrases (workout: 16-bar phrases), at least one phrase.
    let phrase = if cx.mode == Mode::Workout {
        16
    } else {
        cx.phrase_bars.max(1) * 2
    };
    let bars = (minutes * 60.0 / cx.bar_seconds / phrase as f64)
        .round()
        .max(1.0) as u32
        * phrase;
    Section {
        name,
        number,
        bars,
        key,
        arrangement: Arrangement { parts },
        harmonic_rhythm: rhythm,
        pedal,
        brightness,
        level,
        loudness_db: if cx.mode == Mode::Sleep {
            -SLEEP_DESCENT_DB * cx.deepest.max(cx.depth)
        } else {
            0.0
        },
        hush: if cx.mode == Mode::Sleep {
            (0.5 + 2.0 * cx.deepest.max(cx.depth)).min(1.0)
        } else {
            0.0
        },
        energy: cx.energy,
        playing_since,
    }
}

/// How far sleep's loudness falls over its descent, dB (declared: `tests/sleep_descent.rs`
/// checks the audio against it).
pub const SLEEP_DESCENT_DB: f32 = 6.0;

/// Rough share of a preset's loudness each voice carries (pad, bells, bass, pulse, noise).
const LOUDNESS_SHARE: [f32; 5] = [0.45, 0.2, 0.2, 0.1, 0.05];

/// Gain that makes up for the voices resting in `parts` (of those the preset has), 1..√2.
fn compensation(parts: &[Part; 5], has_pulse: bool) -> f32 {
    let full = 1.0
        - if has_pulse {
            0.0
        } else {
            LOUDNESS_SHARE[PULSE]
        };
    let share: f32 = parts
        .iter()
        .zip(LOUDNESS_SHARE)
        .filter(|(p, _)| p.plays())
        .map(|(_, s)| s)
        .sum();
    (full / share.max(0.05))
        .sqrt()
        .clamp(1.0, std::f32::consts::SQRT_2)
}

struct Plan {
    name: &'static str,
    minutes: f64,
    parts: [Part; 5],
    rhythm: (u32, u32),
    pedal: bool,
    brightness: f32,
    level: f32,
}

fn clamp_rhythm((lo, hi): (u32, u32), add: u32) -> (u32, u32) {
    ((lo + add).min(8), (hi + add).min(8))
}

/// Sleep: settle, then thin out toward a dark, slow, low texture that can hold for hours.
fn sleep(prev: Option<&Section>, cx: &Context, dice: &mut impl Dice) -> Plan {
    let d = cx.depth;
    // Past its retiring depth, a voice the descent has let go of stays gone (until the
    // listener wakes and the depth falls back): a bass back for a section deeper in the
    // night made its minutes louder than the quiet ones before (seed 11, minute 32).
    let played = |v: usize| prev.is_none_or(|p| p.arrangement.parts[v].plays());
    let bells_density = (1.0 - 0.9 * d).max(0.08);
    let bells = if d > 0.8
        || (d > SLEEP_RETIRES_MELODY && (!played(BELLS) || dice.chance(0.3 + 0.5 * d)))
    {
        Part::REST
    } else {
        Part::new(Role::Accompany, if d > 0.6 { -1 } else { 0 }, bells_density)
    };
    let bass = if d < SLEEP_RETIRES_BASS || (d < 0.8 && played(BASS) && dice.chance(0.5)) {
        Part::new(Role::Accompany, 0, 1.0)
    } else {
        Part::REST
    };
    let pad_octave = if d > 0.75 { -1 } else { 0 };
    let pad = Part::new(Role::Accompany, pad_octave, 1.0);
    let noise = Part::new(Role::Accompany, 0, 1.0);
    let name = match d {
        d if d < 0.15 => "settle",
        d if d < 0.5 => *dice.pick(&["drift", "descent"]),
        d if d < 0.9 => "deep",
        _ => *dice.pick(&["stillness", "deep"]),
    };
    let slower = (d * 3.0).round() as u32;
    Plan {
        name,
        minutes: dice.between(3.0, 6.0),
        parts: [pad, bells, bass, Part::REST, noise],
        rhythm: clamp_rhythm(cx.rhythm, slower),
        pedal: d > 0.3 && dice.chance(0.4),
        brightness: 1.0 - 0.45 * d,
        // About −3 dB at the bottom of the descent.
        level: 1.0 - 0.3 * d,
    }
}

/// Focus: long plateaus; each section changes one or two parts of the last one.
fn focus(prev: Option<&Section>, cx: &Context, dice: &mut impl Dice) -> Plan {
    let mut parts = match prev {
        Some(p) => p.arrangement.parts,
        None => [
            Part::new(Role::Accompany, 0, 1.0),
            Part::new(Role::Lead, 0, 1.0),
            Part::new(Role::Accompany, 0, 1.0),
            Part::new(Role::Accompany, 0, 1.0),
            Part::new(Role::Accompany, 0, 1.0),
        ],
    };
    let changes = if prev.is_none() {
        0
    } else {
        1 + dice.chance(0.4) as usize
    };
    for _ in 0..changes {
        match *dice.pick(&[BELLS, BELLS, BASS, PULSE, PAD]) {
            BELLS => {
                parts[BELLS] = *dice.pick(&[
                    Part::new(Role::Lead, 0, 1.0),
                    Part::new(Role::Accompany, 0, 0.6),
                    Part::new(Role::Accompany, 1, 0.5),
                    Part::REST,
                ])
            }
            BASS => {
                parts[BASS] = if parts[BASS].plays() && dice.chance(0.6) {
                    Part::REST
                } else {
                    Part::new(*dice.pick(&[Role::Accompany, Role::Lead]), 0, 1.0)
                }
            }
            PULSE => {
                parts[PULSE] = *dice.pick(&[
                    Part::new(Role::Accompany, 0, 1.0),
                    Part::new(Role::Accompany, 0, 0.3),
                    Part::new(Role::Lead, 0, 1.6),
                ])
            }
            _ => parts[PAD].octave = *dice.pick(&[-1, 0, 0]),
        }
    }
    let name = if prev.is_none() {
        "ground"
    } else {
        *dice.pick(&["plateau", "shift", "lift", "settle"])
    };
    Plan {
        name,
        minutes: dice.between(3.0, 6.0),
        parts,
        rhythm: cx.rhythm,
        pedal: dice.chance(0.25),
        brightness: if name == "lift" { 1.12 } else { 1.0 },
        level: 1.0,
    }
}

/// Relax: swells and ebbs in turn, a breath-length phrase at a time, under a slower tide:
/// for about [`TIDE_MIN`] at a time the water is high (the swells sing, the bass plays
/// under both), then low (a lull: the melody breathes every other phrase even in the
/// swells, and the ebbs lose the bass), so the hour changes over minutes as well as
/// over breaths.
fn relax(prev: Option<&Section>, cx: &Context, dice: &mut impl Dice) -> Plan {
    let swell = prev.is_none_or(|p| !SWELLS.contains(&p.name));
    let minutes = dice.between(1.5, 4.0);
    let was_high = prev.is_none_or(|p| !LOW_TIDE.contains(&p.name));
    // Each section turns the tide with its share of the tide's length.
    let high = prev.is_none() || (was_high != dice.chance((minutes / TIDE_MIN) as f32));
    let lift = cx.energy > 0.5;
    let parts = if swell {
        [
            Part::new(Role::Accompany, 0, 1.0),
            if high {
                Part::new(Role::Lead, if dice.chance(0.4) { 1 } else { 0 }, 1.0)
            } else {
                Part::new(Role::Accompany, 0, 0.6)
            },
            Part::new(if lift { Role::Lead } else { Role::Accompany }, 0, 1.0),
            Part::new(Role::Accompany, 0, 1.0),
            Part::new(Role::Accompany, 0, 1.0),
        ]
    } else {
        [
            Part::new(Role::Accompany, *dice.pick(&[-1, 0]), 1.0),
            if dice.chance(0.5) {
                Part::REST
            } else {
                Part::new(Role::Accompany, 0, 0.35)
            },
            if high && dice.chance(0.6) {
                Part::new(Role::Accompany, 0, 1.0)
            } else {
                Part::REST
            },
            Part::REST,
            Part::new(Role::Accompany, 0, 1.0),
        ]
    };
    let name = match (swell, high) {
        (true, true) => *dice.pick(&["swell", "bloom"]),
        (true, false) => "lull",
        (false, true) => *dice.pick(&["ebb", "drift"]),
        (false, false) => "still",
    };
    Plan {
        name,
        minutes,
        parts,
        rhythm: cx.rhythm,
        pedal: !swell && dice.chance(0.5),
        brightness: match (swell, high) {
            (true, true) => 1.12,
            (true, false) => 1.0,
            _ => 0.85,
        },
        // The ebb's bed comes up so the room does not empty out.
        level: if swell { 1.0 } else { 1.15 },
    }
}

/// Relax's swelling sections, and those of its low tide.
const SWELLS: [&str; 3] = ["swell", "bloom", "lull"];
const LOW_TIDE: [&str; 2] = ["lull", "still"];
/// About how long relax's tide stays high or low, minutes.
const TIDE_MIN: f64 = 10.0;

/// Workout: a long warm-up, then builds, drives, peaks and breakdowns in 16-bar phrases;
/// the pulse always plays (its main beats are never gated), so a phase lock is never lost.
fn workout(prev: Option<&Section>, cx: &Context, dice: &mut impl Dice) -> Plan {
    let name = match prev.map(|p| p.name) {
        None => "warm-up",
        Some("warm-up") | Some("breakdown") => "build",
        Some("build") => {
            if cx.energy > 0.55 || dice.chance(0.4) {
                "peak"
            } else {
                "drive"
            }
        }
        Some("drive") => *dice.pick(&["peak", "breakdown"]),
        Some("peak") => "breakdown",
        _ => "build",
    };
    let on = |role, d| Part::new(role, 0, d);
    let parts = match name {
        "warm-up" => [
            on(Role::Accompany, 1.0),
            Part::REST,
            on(Role::Accompany, 0.5),
            on(Role::Accompany, 0.5),
            on(Role::Accompany, 1.0),
        ],
        "build" => [
            on(Role::Accompany, 1.0),
            on(Role::Accompany, 0.4),
            on(Role::Accompany, 1.0),
            on(Role::Accompany, 1.0),
            on(Role::Accompany, 1.0),
        ],
        "drive" => [
            on(Role::Accompany, 1.0),
            on(Role::Lead, 0.9),
            on(Role::Lead, 1.0),
            on(Role::Lead, 1.0),
            on(Role::Accompany, 1.0),
        ],
        "peak" => [
            Part::new(Role::Accompany, 1, 1.0),
            Part::new(Role::Lead, 1, 1.4),
            on(Role::Lead, 1.0),
            on(Role::Lead, 1.5),
            on(Role::Accompany, 1.0),
        ],
        _ => [
            Part::new(Role::Accompany, 1, 1.0),
            Part::REST,
            Part::REST,
            on(Role::Accompany, 0.3),
            on(Role::Accompany, 1.0),
        ],
    };
    let minutes = match name {
        "warm-up" => dice.between(4.0, 6.0),
        "breakdown" => dice.between(1.0, 2.0),
        "peak" => dice.between(1.5, 3.0),
        _ => dice.between(2.0, 4.0),
    };
    let (brightness, level) = match name {
        "peak" => (1.15, 1.0),
        "breakdown" => (0.8, 1.0),
        "warm-up" => (0.9, 1.15),
        _ => (1.0, 1.0),
    };
    Plan {
        name,
        minutes,
        parts,
        rhythm: cx.rhythm,
        pedal: name == "breakdown",
        brightness,
        level,
    }
}

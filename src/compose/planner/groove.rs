//! The rhythm section: the pulse of presets that tick, and the workout's groove — a kit
//! (kick on every beat, snare and clap on 2 and 4, hats and shaker on the subdivisions,
//! fills every 8 and 16 bars, a riser and a snare roll into a bigger section, a crash on
//! its downbeat) and a bass line that rides it off the kick. Every hit sits on the beat
//! grid, so whatever the clock does (the footfall phase lock) the groove does with it.
//!
//! How hard the groove drives follows the section's pulse part ([`drive`]): a breakdown
//! keeps only the kick, shaker and hats; a warm-up claps; a build snares and opens the
//! filter into the next; a drive and a peak play everything, in sixteenths.

use super::*;
use crate::music::drums::{
    CLAP, CLOSED_HAT, CRASH, HIGH_TOM, KICK, LOW_TOM, MID_TOM, OPEN_HAT, RISER, ROLL, SHAKER, SNARE,
};
use form::Part;

/// Bars between small fills (a snare roll on the last beat); a 16-bar phrase ends on a tom
/// fill instead.
const FILL_EVERY: u32 = 8;
const PHRASE_BARS: u32 = 16;
/// Bars a riser climbs into a section that drives harder.
const RISER_BARS: u32 = 4;
/// Bars the filter opens over into a section that drives harder, and where it starts and
/// ends, of the section's brightness.
const SWEEP_BARS: u32 = 16;
const SWEEP_FROM: f32 = 0.7;
const SWEEP_TOP: f32 = 1.1;

/// How hard a pulse part drives: 0 at rest, its density in accompaniment, twice that in
/// the lead (breakdown 0.3, warm-up 0.5, build 1, drive 2, peak 3).
pub fn drive(part: Part) -> f32 {
    match part.role {
        Role::Rest => 0.0,
        Role::Accompany => part.density,
        Role::Lead => 2.0 * part.density,
    }
}

/// The grooves a bar can have, from how hard its section drives.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
enum Groove {
    /// Kick, shaker and off-beat hats: the floor holds while the rest drops out.
    Breakdown,
    /// Kick, claps on 2 and 4, off-beat hats.
    WarmUp,
    /// Snare on 2 and 4, hats in eighths.
    Build,
    /// Snare and clap, hats in sixteenths, open hats on the off-beats of 2 and 4.
    Drive,
    /// Everything, open hats on every off-beat.
    Peak,
}

impl Groove {
    fn of(drive: f32) -> Groove {
        match drive {
            d if d < 0.45 => Groove::Breakdown,
            d if d < 0.75 => Groove::WarmUp,
            d if d < 1.5 => Groove::Build,
            d if d < 2.5 => Groove::Drive,
            _ => Groove::Peak,
        }
    }
}

/// A kit hit at `at` beats.
fn hit(at: f32, key: i32, velocity: f32, weight: f32) -> PlannedNote {
    PlannedNote {
        at,
        voice: VoiceKind::Pulse,
        midi: key,
        freq: 0.0,
        velocity,
        beats: 0.25,
        pan: 0.0,
        weight,
    }
}

impl Planner {
    /// The pulse's notes for the bar.
    pub(super) fn write_pulse(&mut self, plan: &mut BarPlan, left: u32) {
        match self.pulse {
            PulseKind::None => {}
            PulseKind::Tick => self.write_tick(plan),
            PulseKind::Kick => self.write_kit(plan, left),
        }
    }

    /// A shaker tick on every beat, and off-beats while the pulse level is above their
    /// weight.
    fn write_tick(&mut self, plan: &mut BarPlan) {
        let part = self.section.arrangement.parts[PULSE];
        if !part.plays() {
            return;
        }
        let key = self.section.key;
        let step = 3 * key.scale.len();
        for b in 0..self.bpb {
            let velocity = if b == 0 {
                0.9
            } else {
                0.6 + 0.15 * self.unit()
            };
            let tick = |at: f32, velocity: f32, weight: f32| PlannedNote {
                at,
                voice: VoiceKind::Pulse,
                midi: key.scale.midi(step),
                freq: key.scale.freq(step),
                velocity,
                beats: 0.1,
                pan: 0.0,
                weight,
            };
            plan.push(tick(b as f32, velocity, -1.0));
            let weight = self.unit() / part.density.max(0.05);
            plan.push(tick(b as f32 + 0.5, 0.4, weight));
        }
    }

    /// The workout's kit for the bar (`left`: bars left in the section, this one included).
    fn write_kit(&mut self, plan: &mut BarPlan, left: u32) {
        let part = self.section.arrangement.parts[PULSE];
        if !part.plays() {
            return;
        }
        let groove = Groove::of(drive(part));
        let bpb = self.bpb;
        let bar = self.bar_in_section;
        let phrase_end = left == 1 || bar % PHRASE_BARS == PHRASE_BARS - 1;
        let small_fill = !phrase_end && bar % FILL_EVERY == FILL_EVERY - 1;
        let rises = self.rises_into_next() && left <= RISER_BARS;
        // A tom fill takes the hats off the bar's last beat and a half.
        let fill_from = if phrase_end && groove >= Groove::WarmUp {
            bpb as f32 - 1.5
        } else {
            f32::INFINITY
        };
        // The kick never rests: every beat, the downbeat strongest.
        for b in 0..bpb {
            let accent = if b == 0 { 1.0 } else { 0.9 };
            let soft = if groove == Groove::Breakdown {
                0.8
            } else {
                1.0
            };
            plan.push(hit(b as f32, KICK, accent * soft, -1.0));
        }
        // The backbeat: beats 2 and 4 (every other beat from the second).
        if groove >= Groove::WarmUp {
            for b in (1..bpb).step_by(2) {
                let at = b as f32;
                match groove {
                    Groove::WarmUp => plan.push(hit(at, CLAP, 0.7, -1.0)),
                    Groove::Build => plan.push(hit(at, SNARE, 0.85, -1.0)),
                    _ => {
                        plan.push(hit(at, SNARE, 0.9, -1.0));
                        plan.push(hit(at, CLAP, 0.6, -1.0))
                    }
                };
            }
        }
        self.write_hats(plan, groove, fill_from);
        if rises {
            // The riser's roll is the fill.
            self.write_rise(plan, left);
        } else if phrase_end && groove >= Groove::WarmUp {
            self.write_tom_fill(plan);
        } else if small_fill && groove >= Groove::Build {
            let last = bpb as f32 - 1.0;
            for (k, v) in [0.45, 0.55, 0.7].into_iter().enumerate() {
                plan.push(hit(last + 0.25 * (k + 1) as f32, ROLL, v, -1.0));
            }
        }
        // A crash on the downbeat of a section that drives (after a riser, a fill or a
        // breakdown) and of each new phrase at the peak.
        let fresh = bar == 0 && self.section.number > 1;
        if groove >= Groove::Build
            && (fresh || (groove == Groove::Peak && bar.is_multiple_of(PHRASE_BARS)))
        {
            plan.push(hit(0.0, CRASH, 0.8, -1.0));
        }
    }

    /// Closed hats, open hats and the shaker: the subdivisions, above 2 kHz.
    fn write_hats(&mut self, plan: &mut BarPlan, groove: Groove, fill_from: f32) {
        let sixteenths = 4 * self.bpb;
        for s in 0..sixteenths {
            let at = s as f32 * 0.25;
            if at >= fill_from {
                break;
            }
            let (on_beat, off_beat) = (s % 4 == 0, s % 4 == 2);
            let jitter = 0.08 * self.unit();
            // Closed hat: off-beats always; on-beats from the build; the sixteenths in
            // between from the drive (ghosts, dropped at low energy by their weight).
            let open = match groove {
                Groove::Peak => off_beat,
                Groove::Drive => off_beat && (s / 4) % 2 == 1,
                _ => false,
            };
            if open {
                plan.push(hit(at, OPEN_HAT, 0.7 + jitter, -1.0));
            } else if off_beat {
                let weight = if groove == Groove::Breakdown {
                    0.4
                } else {
                    -1.0
                };
                plan.push(hit(at, CLOSED_HAT, 0.75 + jitter, weight));
            } else if on_beat && groove >= Groove::Build {
                plan.push(hit(at, CLOSED_HAT, 0.5 + jitter, -1.0));
            } else if !on_beat && !off_beat && groove >= Groove::Drive {
                plan.push(hit(at, CLOSED_HAT, 0.35 + jitter, 0.45));
            }
            // The shaker: eighths where the hats leave the beat to the kick (a breakdown,
            // the warm-up), sixteenths under a fuller groove while the energy is up.
            let eighths = matches!(groove, Groove::Breakdown | Groove::WarmUp);
            if !eighths || s % 2 == 0 {
                let weight = match groove {
                    _ if eighths => -1.0,
                    _ if s % 2 == 0 => 0.5,
                    _ => 0.6,
                };
                let accent = if off_beat { 0.15 } else { 0.0 };
                plan.push(hit(at, SHAKER, 0.45 + accent + jitter, weight));
            }
        }
    }

    /// A 16-bar phrase ends on toms down the kit over the last beat and a half.
    fn write_tom_fill(&mut self, plan: &mut BarPlan) {
        let from = self.bpb as f32 - 1.5;
        let toms = [HIGH_TOM, HIGH_TOM, MID_TOM, MID_TOM, LOW_TOM, LOW_TOM];
        for (k, tom) in toms.into_iter().enumerate() {
            let velocity = 0.6 + 0.06 * k as f32;
            plan.push(hit(from + 0.25 * k as f32, tom, velocity, -1.0));
        }
    }

    /// The next section drives harder than this one (a riser and a roll lead into it).
    fn rises_into_next(&self) -> bool {
        let now = drive(self.section.arrangement.parts[PULSE]);
        drive(self.next.arrangement.parts[PULSE]) > now + 0.25
    }

    /// The riser, struck once [`RISER_BARS`] before the section's end and lasting to it, and
    /// a snare roll in its last bars: eighths, then sixteenths, growing.
    fn write_rise(&mut self, plan: &mut BarPlan, left: u32) {
        let bpb = self.bpb as f32;
        if left == RISER_BARS {
            let mut riser = hit(0.0, RISER, 0.8, -1.0);
            riser.beats = RISER_BARS as f32 * bpb;
            plan.push(riser);
        }
        if left > 2 {
            return;
        }
        let step = if left == 2 { 0.5 } else { 0.25 };
        let count = (bpb / step) as usize;
        for k in 0..count {
            let at = step * k as f32;
            // Leave the backbeat's own hits alone.
            if at.fract() == 0.0 && (at as u32) % 2 == 1 {
                continue;
            }
            let growth = (k as f32 + 1.0) / count as f32;
            let base = if left == 2 { 0.35 } else { 0.55 };
            plan.push(hit(at, ROLL, base + 0.35 * growth, -1.0));
        }
    }

    /// The workout's bass: off the kick (the eighths' "ands"), octaves and sixteenths in
    /// the lead, a run down onto the root before each fill's downbeat; a breakdown holds
    /// the root.
    pub(super) fn write_groove_bass(&mut self, plan: &mut BarPlan, new_chord: bool, n: i32) {
        let part = self.section.arrangement.parts[BASS];
        if !part.plays() {
            return;
        }
        let key = self.section.key;
        let root = self.bass_root(part, n);
        let fifth = if n == 7 { 4 } else { 3 };
        let note = |at, step, velocity, beats| bars::bass_note(key, at, step, velocity, beats);
        let bpb = self.bpb;
        if part.role == Role::Accompany && part.density < 0.45 {
            // The drop: one long root under the breakdown.
            if new_chord {
                let beats = (self.chord_len * bpb) as f32 - 0.25;
                plan.push(note(0.0, root, 0.8, beats));
            }
            return;
        }
        let bar = self.bar_in_section;
        let runs = part.role == Role::Lead && bar % FILL_EVERY == FILL_EVERY - 1;
        let last = if runs { bpb - 1 } else { bpb };
        // Which of the lead's cells this bar plays: two bars each, drawn from the bar's
        // pair and the section (no draw from the planner's dice, so the other voices'
        // choices do not move when the bass's do).
        let pair = (self.bar / 2).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.section.number as u64;
        let cell = ((pair >> 29) % 3) as u32;
        for b in 0..last {
            let at = b as f32;
            match (part.role, part.density) {
                (Role::Accompany, d) if d < 0.75 => {
                    if b % 2 == 0 {
                        plan.push(note(at + 0.5, root, 0.75, 0.4));
                    }
                }
                (Role::Accompany, _) => {
                    let up = b == bpb - 1 && self.unit() < 0.5;
                    plan.push(note(at + 0.5, if up { root + n } else { root }, 0.8, 0.4));
                }
                _ => {
                    let (first, second) = match cell {
                        0 => (root, if b % 2 == 1 { root + n } else { root }),
                        1 => (root, if b % 2 == 1 { root + fifth } else { root + n }),
                        _ => (root + if b % 2 == 1 { n } else { 0 }, root),
                    };
                    // Sixteenths pushing into the off-beat, then the off-beat itself.
                    if cell != 2 || b % 2 == 0 {
                        plan.push(note(at + 0.25, first, 0.6, 0.2));
                    }
                    plan.push(note(at + 0.5, second, 0.85, 0.4));
                    if cell == 2 && b % 2 == 1 {
                        plan.push(note(at + 0.75, root + fifth, 0.6, 0.2));
                    }
                }
            }
        }
        if runs {
            // A stepwise run down from the fifth, leaning into the next downbeat's root.
            let at = (bpb - 1) as f32;
            for (k, d) in [fifth, fifth - 1, fifth - 2, 1].into_iter().enumerate() {
                plan.push(note(
                    at + 0.25 * k as f32,
                    root + d,
                    0.65 + 0.05 * k as f32,
                    0.2,
                ));
            }
        }
    }

    /// The filter's sweep into a section that drives harder: over the last
    /// [`SWEEP_BARS`] bars it opens from [`SWEEP_FROM`] to [`SWEEP_TOP`] of the section's
    /// brightness (the mix glides there over ~1.5 s); 1 elsewhere.
    pub(super) fn groove_sweep(&self, left: u32) -> f32 {
        if self.pulse != PulseKind::Kick || !self.rises_into_next() || left > SWEEP_BARS {
            return 1.0;
        }
        let gone = (SWEEP_BARS - left + 1) as f32 / SWEEP_BARS as f32;
        SWEEP_FROM + (SWEEP_TOP - SWEEP_FROM) * gone
    }
}

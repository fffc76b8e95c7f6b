//! The planner: writes the piece bar by bar, off the audio thread. It keeps the form (the
//! current and the next section), the key journey, the harmony and the melody, and turns
//! them into [`BarPlan`]s for the player. Seeded: the same seed, preset and controls give
//! the same bars.

use super::continuation;
use super::development::{Theme, ThemePlayer};
use super::form::{self, BASS, BELLS, Context, Dice, NOISE, PAD, PULSE, Role, Section};
use super::given::GivenNote;
use super::harmony::{self, Chord, Shape};
use super::harmony_model::HarmonyModel;
use super::journey::KeyJourney;
use super::key::Key;
use super::learned::ComposerModel;
use super::melody::{Motif, Writer};
pub use super::phrase_line::Cadence;
use super::phrase_line::PhraseLine;
use super::phrase_model::PhraseModel;
use crate::controls::{Control, ControlValues};
use crate::music::bar::{BarPlan, PlannedNote};
use crate::music::note::VoiceKind;
use crate::preset::character::Character;
use crate::preset::params::{PARAM_COUNT, Param, ParamTable, ParamValues};
use crate::preset::{Composer, Mode, Preset, PulseKind};
use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;

/// Minutes over which sleep descends to its deepest texture.
pub const SLEEP_DESCENT_MIN: f64 = 45.0;
/// Bars of planning history kept for "what is playing now".
const HISTORY: usize = 64;

/// What a planned bar was, for traces and the D-Bus `Now` property.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarInfo {
    pub index: u64,
    pub section: &'static str,
    pub section_number: u32,
    pub key: Key,
    pub chord: Chord,
    /// Bit `i` set: voice `form::VOICES[i]` plays.
    pub voices: u8,
    /// Where the bar lies in the melody's phrases.
    pub phrase: PhraseMark,
}

/// A bar's place in the melody's phrases, for the trace: the phrase's number from the
/// start, the bar within it (0: the first) and its length in bars, and the cadence the
/// phrase composer wrote in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhraseMark {
    pub number: u32,
    pub bar: u32,
    pub bars: u32,
    pub cadence: Cadence,
}

impl Default for PhraseMark {
    fn default() -> Self {
        PhraseMark {
            number: 0,
            bar: 0,
            bars: 1,
            cadence: Cadence::None,
        }
    }
}

impl BarInfo {
    pub fn chord_symbol(&self) -> String {
        self.chord.symbol(&self.key)
    }
    pub fn voice_names(&self) -> Vec<&'static str> {
        (0..form::VOICES.len())
            .filter(|i| self.voices & (1 << i) != 0)
            .map(|i| form::VOICES[i])
            .collect()
    }
}

/// Who writes new motifs: the learned composer, sampled hotter as tension rises (0.8 …
/// 1.2) and with longer notes as melody density falls, or the rules.
fn writer(
    composer: &Option<std::sync::Arc<ComposerModel>>,
    tension: f32,
    density: f32,
) -> Writer<'_> {
    match composer {
        Some(model) => Writer::Learned {
            model,
            temperature: 0.8 + 0.4 * tension.clamp(0.0, 1.0),
            longer: 0.5 * (1.0 - density.clamp(0.0, 1.0)),
            reach: 0.19 + 0.4 * density.clamp(0.0, 1.0),
        },
        None => Writer::Rules,
    }
}

struct Rand(Pcg32);

impl Dice for Rand {
    fn unit(&mut self) -> f32 {
        (self.0.next_u32() >> 8) as f32 / 16_777_216.0
    }
}

/// The composer's planning side.
pub struct Planner {
    mode: Mode,
    bpb: u32,
    phrase_bars: u32,
    /// The melody's phrases span whole swells (presets that lead breathing).
    follows_swell: bool,
    /// The swell's rate (cycles a minute) when the breath lead sets it (the engine passes
    /// it on before planning), else `None`.
    swell_per_min: Option<f32>,
    /// How much the body drives the music (`control::pipeline::body_drive`; 0: the clock
    /// alone, and then nothing below changes a note).
    body: f32,
    melody_octave: i32,
    /// Where the melody is written (the preset's range or its instrument's line).
    melody_range: crate::music::range::NoteRange,
    /// The voices the preset is known by (the form keeps them).
    signature: crate::preset::signature::Signature,
    /// Octaves the current phrase has been moved by to sit in `melody_range`.
    melody_shift: i32,
    /// The notes the chord instrument has.
    chord_compass: crate::music::range::NoteRange,
    home_root: i32,
    pulse: PulseKind,
    character: Character,
    params: ParamTable,
    rng: Rand,
    bar: u64,
    minutes: f64,
    journey: KeyJourney,
    section: Section,
    next: Section,
    bar_in_section: u32,
    chord: Chord,
    chord_bars_left: u32,
    chord_len: u32,
    /// Pitch-class sets of the last chords, to prefer colours not heard lately.
    recent_chords: [u16; 16],
    recent_next: usize,
    voicing: [i32; 5],
    voicing_len: usize,
    motif: Motif,
    /// The learned composer, when the preset asks for it (and it loaded).
    composer: Option<std::sync::Arc<ComposerModel>>,
    /// The phrase composer, when the preset asks for it (and it loaded), and its line.
    phrases: Option<std::sync::Arc<PhraseModel>>,
    line: PhraseLine,
    /// This bar's place in the melody's phrases.
    phrase: PhraseMark,
    /// The learned harmony the phrase composer's chords draw on.
    harmony: Option<&'static HarmonyModel>,
    /// A motif handed in, developed phrase by phrase in place of the melody's own.
    theme: Option<ThemePlayer>,
    descent_start: f64,
    /// The deepest the sleep descent has been (it restarts when the listener wakes; its
    /// level does not come back up with it).
    deepest: f32,
    calmest_energy: f32,
    bar_seconds: f64,
    history: [Option<BarInfo>; HISTORY],
}

impl Planner {
    /// A planner for `preset`, seeded (the graph mixes the preset's name into the seed).
    pub fn new(preset: &Preset, seed: u64, controls: &ControlValues) -> Planner {
        let mut rng = Rand(Pcg32::seed_from_u64(seed));
        let composer = match preset.composer {
            Composer::Rules => None,
            Composer::Learned | Composer::Phrases => match ComposerModel::builtin() {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!("{e}; the rules compose instead");
                    None
                }
            },
        };
        let phrases = match preset.composer {
            Composer::Phrases => match PhraseModel::builtin() {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!("{e}; the first learned composer writes instead");
                    None
                }
            },
            _ => None,
        };
        let harmony = phrases.as_ref().and_then(|_| {
            HarmonyModel::builtin()
                .inspect_err(|e| tracing::warn!("{e}; the chords keep the hand-weighted graph"))
                .ok()
        });
        let writer = writer(&composer, 0.5, 0.5);
        let motif = Motif::invent(preset.beats_per_bar, 0.5, writer, &mut || rng.unit());
        let journey = KeyJourney::new(preset.scale, preset.harmony.reach, preset.mode, &mut rng);
        let key = journey.key();
        let mut p = Planner {
            mode: preset.mode,
            bpb: preset.beats_per_bar,
            phrase_bars: preset.phrase_bars,
            follows_swell: preset.breath_lead,
            swell_per_min: None,
            body: 0.0,
            melody_octave: preset.melody_octave,
            melody_range: preset.voices.melody_range(),
            signature: preset.signature(),
            melody_shift: 0,
            chord_compass: preset.voices.chords.compass(),
            home_root: preset.scale.root_midi,
            pulse: preset.pulse,
            character: preset.harmony.clone(),
            params: preset.params.clone(),
            rng,
            bar: 0,
            minutes: 0.0,
            journey,
            section: placeholder(key),
            next: placeholder(key),
            bar_in_section: 0,
            chord: Chord::TONIC,
            chord_bars_left: 0,
            chord_len: 0,
            recent_chords: [0; 16],
            recent_next: 0,
            voicing: [0; 5],
            voicing_len: 0,
            motif,
            composer,
            phrases,
            line: PhraseLine::default(),
            phrase: PhraseMark::default(),
            harmony,
            theme: None,
            descent_start: 0.0,
            deepest: 0.0,
            calmest_energy: controls.get(Control::Energy),
            bar_seconds: 2.0,
            history: [None; HISTORY],
        };
        p.bar_seconds = p.bar_seconds_of(&p.params_at(controls));
        let cx = p.context(controls, 0.0);
        p.section = form::next_section(None, key, &cx, &mut p.rng);
        p.plan_following(controls);
        p
    }

    /// Develop `given` as the melody from the next phrase on (`None`: back to the melody's
    /// own motif).
    pub fn set_theme(&mut self, given: Option<&[GivenNote]>) {
        self.theme = given
            .filter(|g| !g.is_empty())
            .map(|g| ThemePlayer::new(Theme::new(g)));
    }

    /// The preset's parameters at `controls`.
    fn params_at(&self, controls: &ControlValues) -> ParamValues {
        let mut v = ParamValues([0.0; PARAM_COUNT]);
        self.params.eval_into(controls, &mut v);
        v
    }

    /// Seconds a bar lasts at these parameters' tempo.
    fn bar_seconds_of(&self, params: &ParamValues) -> f64 {
        self.bpb as f64 * 60.0 / params.get(Param::TempoBpm).max(1.0) as f64
    }

    /// Seconds one bar lasts at the tempo last planned with.
    pub fn bar_seconds(&self) -> f64 {
        self.bar_seconds
    }

    /// The swell's rate now when the breath lead sets it (`None`: it does not lead).
    pub fn set_swell(&mut self, per_min: Option<f32>) {
        self.swell_per_min = per_min.filter(|r| r.is_finite() && *r > 0.0);
    }

    /// How much the body drives the music now: the mean of what the listener's heart adds
    /// to density and energy. Within a section it moves the harmonic rhythm (faster chords
    /// when driven, slower when calmed) and, above [`BODY_IN`], brings a resting melody in
    /// and has an accompanying one sound every phrase; calmed, the melody thins. So a racing
    /// heart is heard within a phrase, not at the next section.
    pub fn set_body(&mut self, drive: f32) {
        self.body = if drive.is_finite() {
            drive.clamp(-0.5, 0.5)
        } else {
            0.0
        };
    }

    /// The melody's phrase in bars: the preset's, or, while the swell leads breathing in a
    /// preset that has the lead, the whole number of swells nearest to it, in whole bars
    /// (at least two): the melody's breaths follow the music's.
    pub fn melody_phrase_bars(&self) -> u32 {
        // The phrase composer writes phrases of four bars or more (two of the motif's
        // short ones): a line long enough to arch and cadence.
        let own = match self.phrase_bars.max(1) {
            short if short < 4 && self.phrases.is_some() => 2 * short,
            own => own,
        };
        let Some(per_min) = self.swell_per_min.filter(|_| self.follows_swell) else {
            return own;
        };
        let period = 60.0 / per_min as f64;
        let bar = self.bar_seconds.max(0.1);
        let swells = (own as f64 * bar / period).round().max(1.0);
        ((swells * period / bar).round() as u32).max(2)
    }

    fn depth(&self, minutes: f64) -> f32 {
        ((minutes - self.descent_start) / SLEEP_DESCENT_MIN).clamp(0.0, 1.0) as f32
    }

    fn context(&self, controls: &ControlValues, minutes: f64) -> Context {
        Context {
            mode: self.mode,
            minutes,
            depth: self.depth(minutes),
            deepest: self.deepest,
            energy: controls.get(Control::Energy),
            has_pulse: self.pulse != PulseKind::None,
            rhythm: self.character.rhythm,
            bar_seconds: self.bar_seconds,
            phrase_bars: self.phrase_bars,
            signature: self.signature,
        }
    }

    /// Plan the section after the current one (its key decided now, so the current one
    /// can end on a pivot chord).
    fn plan_following(&mut self, controls: &ControlValues) {
        let remaining = (self.section.bars - self.bar_in_section.min(self.section.bars)) as f64;
        let starts_at = self.minutes + remaining * self.bar_seconds / 60.0;
        let key = self.journey.key_at(starts_at, &mut self.rng);
        let cx = self.context(controls, starts_at);
        self.next = form::next_section(Some(&self.section), key, &cx, &mut self.rng);
    }

    /// Write the next bar.
    pub fn next_bar(&mut self, controls: &ControlValues) -> BarPlan {
        let params = self.params_at(controls);
        self.bar_seconds = self.bar_seconds_of(&params);
        self.follow_the_listener(controls);
        if self.bar_in_section >= self.section.bars {
            self.start_next_section(controls);
        }
        let left = self.section.bars - self.bar_in_section;
        if self.chord_bars_left == 0 {
            self.choose_chord(left, params.get(Param::HarmonyTension));
        }
        let mut plan = BarPlan::empty(self.bar);
        let n = self.section.key.scale.len();
        let new_chord = self.chord_bars_left == self.chord_len;
        if new_chord {
            self.write_pad(&mut plan);
        }
        if self.pulse == PulseKind::Kick {
            self.write_groove_bass(&mut plan, new_chord, n);
        } else {
            self.write_bass(&mut plan, new_chord, n);
        }
        self.fit_bass(&mut plan);
        self.write_pulse(&mut plan, left);
        let phrase_start = self
            .bar_in_section
            .is_multiple_of(self.melody_phrase_bars());
        self.melody_follows_the_body();
        self.write_melody(&mut plan, &params, left);
        self.fit_melody(&mut plan, phrase_start);
        self.write_mix(&mut plan, left);
        if self.bar == 0 {
            // The piece enters softly: its first bar struck everything at once at full
            // strength (a piano's first chord stood 0.9 dB above anything in the next 10 s).
            for note in plan.notes_mut() {
                note.velocity *= FIRST_BAR_VELOCITY;
            }
        }
        plan.sort();

        self.remember(&plan);
        self.bar += 1;
        self.bar_in_section += 1;
        self.chord_bars_left -= 1;
        self.minutes += self.bar_seconds / 60.0;
        plan
    }
}

/// Above this body drive a resting melody comes in and an accompanying one plays every
/// phrase (a heart ~25 bpm over rest, met, in sleep and relax).
pub const BODY_IN: f32 = 0.06;

/// How strongly the first bar is played, of what it was written at (−3 dB).
const FIRST_BAR_VELOCITY: f32 = 0.7;

fn placeholder(key: Key) -> Section {
    Section {
        name: "",
        number: 0,
        bars: 0,
        key,
        arrangement: form::Arrangement {
            parts: [form::Part::REST; 5],
        },
        harmonic_rhythm: (1, 1),
        pedal: false,
        brightness: 1.0,
        level: 1.0,
        loudness_db: 0.0,
        hush: 0.0,
        energy: 0.0,
        playing_since: [f64::NEG_INFINITY; 5],
    }
}

mod bars;
mod groove;
mod melody_bar;
mod phrase_bar;
mod register;

//! The phrase composer at work: a melody written a bar at a time by the phrase model
//! ([`super::phrase_model`]), its memory carried from note to note and from phrase to
//! phrase, told where each bar sits in its phrase and which chord lies under it, and held to
//! what a melody owes its listener: its register, chord tones on the strong beats, and a
//! cadence at the phrase's end (a long last note on a chord tone, the tonic where a section
//! ends). An answer may echo its question: a new phrase starts now and then with the first
//! bar of the phrase before, moved to its chord, and the model goes on from there.

use super::continuation::LineNote;
use super::learned::{LENGTHS, Step, favour_longer, sample};
use super::phrase_model::{HIDDEN, NoteContext, PhraseModel, Quality, State};

/// The most notes a bar holds.
const MOST_A_BAR: usize = 16;
/// How often a phrase answers the one before by echoing its first bar.
const ECHO: f32 = 0.5;
/// On a bar's middle beat a note off the chord is this much less likely (ln 0.4).
const HALF_STRONG_OTHERS: f32 = -0.916;

/// How a phrase's last bar ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Not the phrase's last bar.
    None,
    /// A long last note on a tone of the chord.
    ChordTone,
    /// A long last note on the tonic (a section's end).
    Tonic,
}

impl Cadence {
    /// The trace's word for it (empty: no cadence).
    pub fn name(self) -> &'static str {
        match self {
            Cadence::None => "",
            Cadence::ChordTone => "chord tone",
            Cadence::Tonic => "tonic",
        }
    }
}

/// What the planner asks of one bar.
#[derive(Debug, Clone, Copy)]
pub struct BarAsk<'a> {
    /// The bar's length in eighths.
    pub eighths: u32,
    /// This bar within its phrase (0: the first) and the bars after it in the phrase.
    pub phrase_bar: u32,
    pub bars_left: u32,
    /// Degrees in the scale (7, or 5 for a pentatonic one).
    pub scale_len: i32,
    /// Semitones of each degree above the tonic (for the model's degrees and qualities).
    pub semitones: &'a [i32],
    /// The chord's root degree (scale steps from the tonic) and its tones (scale steps
    /// above the root).
    pub chord_root: i32,
    pub chord_tones: &'a [i32],
    /// The line's register, in scale steps from the tonic of the melody's octave.
    pub lowest: i32,
    pub highest: i32,
    /// Notes per eighth the phrase aims at (the model's density input, 0..1), the sampling temperature and the
    /// re-weighting of lengths (`length^longer`).
    pub density: f32,
    pub temperature: f32,
    pub longer: f32,
    pub cadence: Cadence,
    /// Eighths of breath a phrase takes before its first note (after the last phrase's
    /// cadence).
    pub breath: u32,
}

impl BarAsk<'_> {
    /// The model's degree (0..6) of scale step `step`: itself in a seven-note scale, the
    /// nearest of seven in a pentatonic one.
    fn degree(&self, step: i32) -> u32 {
        let n = self.scale_len.max(1);
        if n == 7 {
            return step.rem_euclid(7) as u32;
        }
        let semis = self.semitones[step.rem_euclid(n) as usize];
        ((semis as f32 * 7.0 / 12.0).round() as i32).rem_euclid(7) as u32
    }

    fn quality(&self) -> Quality {
        let n = self.scale_len.max(1);
        let semis = |s: i32| {
            let (d, o) = (s.rem_euclid(n) as usize, s.div_euclid(n));
            self.semitones[d] + 12 * o
        };
        let root = semis(self.chord_root);
        let third = semis(self.chord_root + if n == 7 { 2 } else { 1 }) - root;
        let fifth = semis(self.chord_root + if n == 7 { 4 } else { 3 }) - root;
        match (third, fifth) {
            (4, _) => Quality::Major,
            (_, 7) => Quality::Minor,
            _ => Quality::Diminished,
        }
    }

    fn is_chord_tone(&self, step: i32) -> bool {
        let rel = (step - self.chord_root).rem_euclid(self.scale_len.max(1));
        self.chord_tones
            .iter()
            .any(|t| t.rem_euclid(self.scale_len.max(1)) == rel)
    }

    /// Where a cadence's last note starts: the bar's middle beat (beat 3 of 4, beat 2 of 3).
    fn cadence_at(&self) -> u32 {
        2 * (self.eighths / 4)
    }

    /// The beat a chord tone is owed: the bar's first.
    fn strong(&self, pos: u32) -> bool {
        pos == 0
    }

    /// The beat a chord tone is preferred on: the middle of a bar of two halves (beat 3 of
    /// 4), where the model's own sense of the chord is only leaned on.
    fn half_strong(&self, pos: u32) -> bool {
        self.eighths >= 8 && pos * 2 == self.eighths
    }
}

/// The line being written: the model's memory and the note before the next.
#[derive(Debug, Clone)]
pub struct PhraseLine {
    state: Box<State>,
    /// The last note written: its step from the one before, length, and scale step.
    last: Option<(i32, u32, i32)>,
    /// The first bar of the phrase being written (steps from its chord's root), and the
    /// one before's, which an answer may echo.
    this_opening: Vec<LineNote>,
    question: Vec<LineNote>,
    echoed_last: bool,
}

impl Default for PhraseLine {
    fn default() -> Self {
        PhraseLine {
            state: Box::new([0.0; HIDDEN]),
            last: None,
            this_opening: Vec::new(),
            question: Vec::new(),
            echoed_last: false,
        }
    }
}

impl PhraseLine {
    /// The line starts afresh (a new section, a new key): no memory, nothing to echo.
    pub fn restart(&mut self) {
        *self = PhraseLine::default();
    }

    /// One bar of the phrase: notes at eighths from the bar line, `offset` in scale steps
    /// from the tonic of the melody's octave. `None` if the model failed (the caller falls
    /// back to another writer).
    pub fn write_bar(
        &mut self,
        model: &PhraseModel,
        ask: &BarAsk,
        unit: &mut impl FnMut() -> f32,
    ) -> Option<Vec<LineNote>> {
        let mut notes = Vec::with_capacity(MOST_A_BAR);
        let mut pos = 0;
        if ask.phrase_bar == 0 {
            if !self.this_opening.is_empty() {
                self.question = std::mem::take(&mut self.this_opening);
            }
            let echo = !self.echoed_last
                && !self.question.is_empty()
                && ask.bars_left > 0
                && unit() < ECHO;
            self.echoed_last = echo;
            if echo {
                // The answer opens with the question's first bar on this chord, and the
                // model hears it as its own.
                let question = self.question.clone();
                let invert = unit() < 0.3;
                for q in question.iter().filter(|q| q.pos8 < ask.eighths) {
                    let rel = if invert { -q.offset } else { q.offset };
                    let step = (ask.chord_root + rel).clamp(ask.lowest, ask.highest);
                    let len8 = q.len8.min(ask.eighths - q.pos8).max(1);
                    self.hear(model, ask, q.pos8, step, len8, notes.is_empty())?;
                    notes.push(LineNote {
                        pos8: q.pos8,
                        offset: step,
                        len8,
                    });
                    pos = q.pos8 + len8;
                }
            } else {
                // The phrase breathes in first; the model hears the rest folded into the
                // cadence's note, as in its corpus.
                pos = ask.breath.min(ask.eighths / 2);
                if let Some(last) = &mut self.last {
                    last.1 += pos;
                }
            }
        }
        while pos < ask.eighths && notes.len() < MOST_A_BAR {
            let first_of_phrase = ask.phrase_bar == 0 && notes.is_empty();
            let x = self.context(ask, pos, first_of_phrase).input();
            let (mut logits, next_state) = model.step(&x, &self.state).ok()?;
            favour_longer(&mut logits, ask.longer);
            let from = self.last.map_or(ask.chord_root, |l| l.2);
            if ask.half_strong(pos) {
                for (i, l) in logits.iter_mut().enumerate() {
                    if !ask.is_chord_tone(from + (i / LENGTHS) as i32 - 7) {
                        *l += HALF_STRONG_OTHERS;
                    }
                }
            }
            let left = ask.eighths - pos;
            let cadence_now = ask.cadence != Cadence::None && pos >= ask.cadence_at();
            let fits = |s: Step| {
                let to = from + s.step;
                if !(ask.lowest..=ask.highest).contains(&to) {
                    return false;
                }
                if cadence_now {
                    // The phrase's last note, on the chord, held to the bar's end.
                    return match ask.cadence {
                        Cadence::Tonic => to.rem_euclid(ask.scale_len) == 0,
                        _ => ask.is_chord_tone(to),
                    };
                }
                // Before a cadence the line leaves room for its last note.
                let room = if ask.cadence == Cadence::None {
                    left
                } else {
                    ask.cadence_at() - pos
                };
                s.eighths <= room && (!ask.strong(pos) || ask.is_chord_tone(to))
            };
            let picked = sample(&logits, ask.temperature, fits, unit()).or_else(|| {
                // Nothing the model offers fits (a register's edge): the nearest chord
                // tone, held as the rules would.
                nearest_fit(from, ask, pos, cadence_now)
            })?;
            let to = from + picked.step;
            let len8 = if cadence_now { left } else { picked.eighths };
            *self.state = next_state;
            self.last = Some((picked.step, len8, to));
            notes.push(LineNote {
                pos8: pos,
                offset: to,
                len8,
            });
            pos += len8;
        }
        if ask.phrase_bar == 0 {
            self.this_opening = notes
                .iter()
                .map(|n| LineNote {
                    offset: n.offset - ask.chord_root,
                    ..*n
                })
                .collect();
        }
        Some(notes)
    }

    /// Feed a note the model did not choose (an echo) through its memory.
    fn hear(
        &mut self,
        model: &PhraseModel,
        ask: &BarAsk,
        pos: u32,
        step: i32,
        len8: u32,
        first: bool,
    ) -> Option<()> {
        let x = self.context(ask, pos, first && ask.phrase_bar == 0).input();
        let (_, next) = model.step(&x, &self.state).ok()?;
        *self.state = next;
        let from = self.last.map_or(step, |l| l.2);
        self.last = Some((step - from, len8, step));
        Some(())
    }

    fn context(&self, ask: &BarAsk, pos: u32, starts_phrase: bool) -> NoteContext {
        let (step, eighths, at) = self.last.unwrap_or((0, 2, ask.chord_root));
        NoteContext {
            previous_step: step,
            previous_eighths: eighths.clamp(1, LENGTHS as u32),
            previous_degree: ask.degree(at),
            position: pos,
            bar_eighths: ask.eighths,
            phrase_bar: ask.phrase_bar,
            bars_left: ask.bars_left,
            starts_phrase,
            chord_root: ask.degree(ask.chord_root),
            chord_quality: ask.quality(),
            density: ask.density,
        }
    }
}

/// The nearest chord tone to `from` inside the register (the tonic for a section's end),
/// as a step; held to the bar's end at a cadence, else an eighth or two.
fn nearest_fit(from: i32, ask: &BarAsk, pos: u32, cadence: bool) -> Option<Step> {
    let home = |s: i32| match ask.cadence {
        Cadence::Tonic if cadence => s.rem_euclid(ask.scale_len) == 0,
        _ => ask.is_chord_tone(s),
    };
    let to = (ask.lowest..=ask.highest)
        .filter(|&s| home(s))
        .min_by_key(|&s| (s - from).abs())?;
    let left = ask.eighths - pos;
    let room = if ask.cadence == Cadence::None {
        left
    } else {
        ask.cadence_at().saturating_sub(pos).max(1)
    };
    Some(Step {
        step: to - from,
        eighths: if cadence { left } else { room.min(2) },
    })
}

//! Listening by measurement: what a long render does over time, from its notes (keys,
//! chord vocabulary, repetition, which voices play when) and from its audio (loudness,
//! spectral centroid, sample jumps). Used by the form tests and `examples/form_report.rs`.
//! It reads notes and samples only, never the planner's own account of itself.

use crate::engine::SAMPLE_RATE;
use crate::music::note::{NoteEvent, VoiceKind};
use crate::music::scale::ScaleKind;
use std::collections::HashSet;

fn seconds(e: &NoteEvent) -> f64 {
    e.sample as f64 / SAMPLE_RATE as f64
}

fn scale_set(kind: ScaleKind, tonic_pc: i32) -> u16 {
    kind.semitones()
        .iter()
        .fold(0, |set, s| set | 1 << (tonic_pc + s).rem_euclid(12))
}

/// The tonic (pitch class) of each minute: the transposition of `kind` that holds the most
/// note-time of that minute (pitched voices, lengths capped at 4 s); a tie keeps the
/// previous minute's key.
pub fn keys_per_minute(events: &[NoteEvent], kind: ScaleKind, minutes: usize) -> Vec<i32> {
    let mut hist = vec![[0.0f64; 12]; minutes];
    for e in events.iter().filter(|e| e.voice != VoiceKind::Pulse) {
        let m = (seconds(e) / 60.0) as usize;
        if m < minutes {
            let len = (e.length as f64 / SAMPLE_RATE as f64).min(4.0);
            hist[m][e.midi.rem_euclid(12) as usize] += len;
        }
    }
    let mut keys = Vec::with_capacity(minutes);
    let mut previous = -1;
    for h in hist {
        let score = |t: i32| {
            let set = scale_set(kind, t);
            (0..12)
                .filter(|pc| set & (1 << pc) != 0)
                .map(|pc| h[pc])
                .sum::<f64>()
        };
        let best = (0..12).map(score).fold(0.0, f64::max);
        let key = if previous >= 0 && score(previous) >= best - 1e-9 {
            previous
        } else {
            (0..12).find(|&t| score(t) >= best - 1e-9).unwrap_or(0)
        };
        keys.push(key);
        previous = key;
    }
    keys
}

/// Tonal centres that hold for at least `min_minutes` running minutes, with their longest
/// run: (tonic pitch class, minutes).
pub fn held_centres(keys: &[i32], min_minutes: usize) -> Vec<(i32, usize)> {
    let mut longest: Vec<(i32, usize)> = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let j = (i..keys.len())
            .find(|&j| keys[j] != keys[i])
            .unwrap_or(keys.len());
        match longest.iter_mut().find(|(k, _)| *k == keys[i]) {
            Some(entry) => entry.1 = entry.1.max(j - i),
            None => longest.push((keys[i], j - i)),
        }
        i = j;
    }
    longest.retain(|&(_, run)| run >= min_minutes);
    longest
}

/// The pad's chords in order, as pitch-class sets (notes starting within 0.25 s belong
/// to one chord).
pub fn pad_chords(events: &[NoteEvent]) -> Vec<u16> {
    let mut chords = Vec::new();
    let mut start = f64::NEG_INFINITY;
    let mut set = 0u16;
    for e in events.iter().filter(|e| e.voice == VoiceKind::Pad) {
        let t = seconds(e);
        if t - start > 0.25 {
            if set != 0 {
                chords.push(set);
            }
            start = t;
            set = 0;
        }
        set |= 1 << e.midi.rem_euclid(12);
    }
    if set != 0 {
        chords.push(set);
    }
    chords
}

/// Distinct chords, and the share of 4-chord windows not heard before.
pub fn chord_vocabulary(chords: &[u16]) -> (usize, f64) {
    let distinct = chords.iter().collect::<HashSet<_>>().len();
    let mut seen = HashSet::new();
    let windows = chords.windows(4);
    let total = windows.len().max(1);
    let new = chords
        .windows(4)
        .filter(|w| seen.insert(w.to_vec()))
        .count();
    (distinct, new as f64 / total as f64)
}

/// Notes of `voice` in each window of `window_s` seconds.
pub fn notes_per_window(
    events: &[NoteEvent],
    voice: VoiceKind,
    window_s: f64,
    total_s: f64,
) -> Vec<usize> {
    let mut counts = vec![0; (total_s / window_s).floor() as usize];
    for e in events.iter().filter(|e| e.voice == voice) {
        let w = (seconds(e) / window_s) as usize;
        if let Some(c) = counts.get_mut(w) {
            *c += 1;
        }
    }
    counts
}

/// How much a voice's activity changes across windows: max/min (infinite when it enters
/// or leaves, i.e. some window has none and another has some).
pub fn activity_swing(counts: &[usize]) -> f64 {
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    let min = counts.iter().copied().min().unwrap_or(0) as f64;
    if max == 0.0 {
        1.0
    } else if min == 0.0 {
        f64::INFINITY
    } else {
        max / min
    }
}

/// Notes per minute of all voices between `from_s` and `to_s`.
pub fn notes_per_minute(events: &[NoteEvent], from_s: f64, to_s: f64) -> f64 {
    let n = events
        .iter()
        .filter(|e| (from_s..to_s).contains(&seconds(e)))
        .count();
    n as f64 * 60.0 / (to_s - from_s)
}

/// Streaming audio measures of a long render: integrated loudness, loudness per window,
/// spectral centroid per window, and the largest sample-to-sample jump in each second.
pub struct AudioStats {
    loudness: ebur128::EbuR128,
    window: ebur128::EbuR128,
    window_s: f64,
    samples: u64,
    /// Integrated loudness (LUFS) of each finished window.
    pub window_lufs: Vec<f64>,
    /// Spectral centroid (Hz) of each finished window.
    pub window_centroid: Vec<f64>,
    /// Largest `|x[n+1] − x[n]|` (either channel) in each second.
    pub jumps: Vec<f32>,
    fft: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    frame: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    centroid_sum: (f64, f64),
    last: (f32, f32),
}

const FRAME: usize = 4096;

impl AudioStats {
    pub fn new(window_s: f64) -> AudioStats {
        let rate = SAMPLE_RATE as u32;
        let mode = ebur128::Mode::I;
        let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(FRAME);
        let spectrum = fft.make_output_vec();
        AudioStats {
            loudness: ebur128::EbuR128::new(2, rate, mode).expect("ebur128"),
            window: ebur128::EbuR128::new(2, rate, mode).expect("ebur128"),
            window_s,
            samples: 0,
            window_lufs: Vec::new(),
            window_centroid: Vec::new(),
            jumps: Vec::new(),
            fft,
            frame: Vec::with_capacity(FRAME),
            spectrum,
            centroid_sum: (0.0, 0.0),
            last: (0.0, 0.0),
        }
    }

    /// Integrated loudness so far (LUFS).
    pub fn integrated(&self) -> f64 {
        self.loudness.loudness_global().unwrap_or(f64::NEG_INFINITY)
    }

    /// Feed a block of audio (any length).
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        let window = (self.window_s * SAMPLE_RATE as f64) as u64;
        let _ = self.loudness.add_frames_planar_f32(&[left, right]);
        for (&l, &r) in left.iter().zip(right) {
            if self.samples.is_multiple_of(SAMPLE_RATE as u64) {
                self.jumps.push(0.0);
            }
            let jump = (l - self.last.0).abs().max((r - self.last.1).abs());
            if let Some(j) = self.jumps.last_mut() {
                *j = j.max(jump);
            }
            self.last = (l, r);
            // One analysis frame in every 8 (spectra of long renders, cheaply).
            if (self.samples / FRAME as u64).is_multiple_of(8) {
                self.frame.push(l + r);
                if self.frame.len() == FRAME {
                    self.spectrum_of_frame();
                }
            }
            self.samples += 1;
            if self.samples.is_multiple_of(window) {
                let (num, den) = std::mem::take(&mut self.centroid_sum);
                self.window_centroid
                    .push(if den > 0.0 { num / den } else { 0.0 });
                self.window_lufs
                    .push(self.window.loudness_global().unwrap_or(f64::NEG_INFINITY));
                self.window.reset();
            }
        }
        let _ = self.window.add_frames_planar_f32(&[left, right]);
    }

    fn spectrum_of_frame(&mut self) {
        for (i, x) in self.frame.iter_mut().enumerate() {
            let hann = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / FRAME as f32).cos();
            *x *= hann;
        }
        if self
            .fft
            .process(&mut self.frame, &mut self.spectrum)
            .is_ok()
        {
            let bin_hz = SAMPLE_RATE as f64 / FRAME as f64;
            for (k, c) in self.spectrum.iter().enumerate().skip(1) {
                let mag = c.norm() as f64;
                self.centroid_sum.0 += k as f64 * bin_hz * mag;
                self.centroid_sum.1 += mag;
            }
        }
        self.frame.clear();
    }
}

/// The figures of a long render, as the form tests check them and the form report prints.
#[derive(Debug, Clone)]
pub struct Figures {
    pub minutes: usize,
    pub sections: u32,
    /// Tonal centres holding at least 10 running minutes: (tonic pitch class, minutes).
    pub centres: Vec<(i32, usize)>,
    pub keys_per_minute: Vec<i32>,
    pub distinct_chords: usize,
    /// Share of 4-chord windows not heard before.
    pub new_windows: f64,
    /// Notes per 5-minute window of pad, bells, bass and pulse, and each one's swing.
    pub per_voice: Vec<(VoiceKind, Vec<usize>, f64)>,
    pub lufs: f64,
    pub window_lufs: Vec<f64>,
    pub window_centroid: Vec<f64>,
    /// Largest sample jump away from section and key boundaries, and near them (±3 s).
    pub jump_music: f32,
    pub jump_boundary: f32,
    /// Pitched notes outside the key of their moment: (MIDI note, seconds).
    pub outside_key: Vec<(i32, f64)>,
    /// Notes per minute in the first and the last 10 minutes.
    pub first_npm: f64,
    pub last_npm: f64,
}

impl Figures {
    /// Voices whose notes per 5 minutes change by 2× or more (or enter or leave).
    pub fn changing_voices(&self) -> usize {
        self.per_voice.iter().filter(|(_, _, s)| *s >= 2.0).count()
    }
}

/// Measure a render of `minutes` from its notes, its form rows (for the key of each moment
/// and where the boundaries are) and its audio.
pub fn figures(
    events: &[NoteEvent],
    form: &[crate::compose::trace::FormRow],
    audio: &AudioStats,
    kind: ScaleKind,
    minutes: usize,
) -> Figures {
    let total_s = (minutes * 60) as f64;
    let keys = keys_per_minute(events, kind, minutes);
    let (distinct_chords, new_windows) = chord_vocabulary(&pad_chords(events));
    let per_voice = [
        VoiceKind::Pad,
        VoiceKind::Bells,
        VoiceKind::Bass,
        VoiceKind::Pulse,
    ]
    .into_iter()
    .map(|v| {
        let c = notes_per_window(events, v, 300.0, total_s);
        let s = activity_swing(&c);
        (v, c, s)
    })
    .collect();
    let last_row = form.len().saturating_sub(1);
    let outside_key = events
        .iter()
        .filter(|e| e.voice != VoiceKind::Pulse && !form.is_empty())
        .filter_map(|e| {
            let t = seconds(e);
            let i = (t as usize).min(last_row);
            let keys = [form[i].key, form[(i + 1).min(last_row)].key];
            (!keys.iter().any(|k| k.scale.contains_midi(e.midi))).then_some((e.midi, t))
        })
        .collect();
    let boundaries: Vec<usize> = form
        .windows(2)
        .filter(|w| w[0].section_number != w[1].section_number || w[0].key != w[1].key)
        .map(|w| w[1].time_s as usize)
        .collect();
    let near = |s: usize| boundaries.iter().any(|&b| s + 3 >= b && s <= b + 3);
    let (mut jump_music, mut jump_boundary) = (0.0f32, 0.0f32);
    for (s, &j) in audio.jumps.iter().enumerate() {
        if near(s) {
            jump_boundary = jump_boundary.max(j);
        } else {
            jump_music = jump_music.max(j);
        }
    }
    Figures {
        minutes,
        sections: form.last().map_or(0, |r| r.section_number),
        centres: held_centres(&keys, 10),
        keys_per_minute: keys,
        distinct_chords,
        new_windows,
        per_voice,
        lufs: audio.integrated(),
        window_lufs: audio.window_lufs.clone(),
        window_centroid: audio.window_centroid.clone(),
        jump_music,
        jump_boundary,
        outside_key,
        first_npm: notes_per_minute(events, 0.0, 600.0_f64.min(total_s)),
        last_npm: notes_per_minute(events, (total_s - 600.0).max(0.0), total_s),
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = crate::compose::key::pc_name;
        let centres: Vec<String> = self
            .centres
            .iter()
            .map(|(k, m)| format!("{} {m} min", names(*k)))
            .collect();
        writeln!(
            f,
            "  sections {} · centres held ≥10 min: {}",
            self.sections,
            centres.join(", ")
        )?;
        writeln!(
            f,
            "  pad chords {} · new 4-chord windows {:.1} % · notes/min first 10 min {:.1}, last 10 min {:.1}",
            self.distinct_chords,
            self.new_windows * 100.0,
            self.first_npm,
            self.last_npm
        )?;
        for (v, counts, swing) in &self.per_voice {
            writeln!(f, "  {v:?} per 5 min {counts:?} (swing {swing:.1})")?;
        }
        let round = |v: &[f64], k: f64| v.iter().map(|x| (x * k).round() / k).collect::<Vec<_>>();
        writeln!(
            f,
            "  {:.2} LUFS · per 10 min {:?} LUFS · centroid per 10 min {:?} Hz",
            self.lufs,
            round(&self.window_lufs, 10.0),
            round(&self.window_centroid, 1.0)
        )?;
        write!(
            f,
            "  largest sample jump {:.4} in the music, {:.4} at boundaries · notes outside the key {}",
            self.jump_music,
            self.jump_boundary,
            self.outside_key.len()
        )
    }
}

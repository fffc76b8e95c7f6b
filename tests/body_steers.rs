//! The body audibly steers the music, measured A/B: the same preset and seed rendered with a
//! real heart at rest and with the same heart 40 bpm up, on the audio (onsets, the tempo
//! those onsets fit and the spectral centroid, `common::spectral`) and on the notes (the
//! tempo their beats were played at).
//!
//! The heart is a real ECG's RR intervals (`tests/fixtures/real-breathing`, ~77 bpm). From
//! minute 4 the aroused sessions add 40 bpm (over 30 s); one listener then follows the music
//! down (their excess falls to nothing over 7 minutes once the lead leads), the other stays
//! up. In sleep and relax the music must meet them at every seed (tempo ≥ +4 % in the notes
//! and in the audio, notes and the audio's onsets ≥ 1.3×, centroid ≥ +10 %), then lead (the
//! trace shows matching → leading, and holding for the listener who stays up), and the
//! follower ends slower, with fewer notes, than the one who stayed. In focus a racing heart calms the music
//! instead.

mod common;

use attuned::control::Controller;
use attuned::control::heart_lead::{HeartPhase, MATCH_S};
use attuned::features::{ListenerProfile, Reading};
use attuned::music::note::NoteEvent;
use attuned::preset::Mode;
use attuned::render::{Adaptive, RenderOptions, render_with_form};
use common::spectral::{Spectral, tempo_from_onsets};
use std::time::Duration;

const SEEDS: [u64; 5] = [3, 4, 5, 6, 7];
/// The heart rises from here (s), reaching +40 bpm 30 s later.
const RISE_AT: f64 = 240.0;
const RISE_BPM: f32 = 40.0;
const LENGTH_S: f64 = 840.0;
/// Where the music meets the aroused listener: after the rise and the controls' smoothing,
/// before the lead leads.
const MATCHING: (f64, f64) = (285.0, RISE_AT + MATCH_S);
/// The last minutes: led (the follower) or held (the one who stays up).
const LATE: (f64, f64) = (720.0, LENGTH_S);

#[derive(Clone, Copy, PartialEq, Debug)]
enum Heart {
    Rest,
    Stays,
    Follows,
}

/// The heart's excess over the recording at `t`, bpm.
fn excess(heart: Heart, t: f64) -> f32 {
    let up = RISE_BPM * ((t - RISE_AT) / 30.0).clamp(0.0, 1.0) as f32;
    match heart {
        Heart::Rest => 0.0,
        Heart::Stays => up,
        // Falls to nothing over 7 minutes once the lead has begun to lead.
        Heart::Follows => {
            let led = RISE_AT + MATCH_S;
            up * (1.0 - ((t - led) / 420.0).clamp(0.0, 1.0)) as f32
        }
    }
}

fn session(heart: Heart) -> Vec<Reading> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/real-breathing/systole-task1-session.csv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    attuned::sensor::replay::parse(path, &text)
        .unwrap()
        .into_iter()
        .take_while(|r| r.at <= LENGTH_S + 5.0)
        .map(|mut r| {
            let add = excess(heart, r.at);
            r.rr_ms = r
                .rr_ms
                .iter()
                .map(|rr| 60_000.0 / (60_000.0 / rr + add))
                .collect();
            r.hr = r.hr.map(|hr| hr + add);
            r
        })
        .collect()
}

/// What a window of a render measured.
#[derive(Debug, Clone, Copy)]
struct Figures {
    /// The tempo the notes were played at (their beats against their times), bpm.
    bpm: f64,
    /// The tempo found in the audio's onsets (`spectral::tempo_from_onsets`), bpm.
    heard_bpm: f64,
    onsets_per_min: f64,
    centroid_hz: f64,
    notes_per_min: f64,
    /// Notes a minute by voice (pad, melody, bass, pulse).
    voices_per_min: [f64; 4],
}

struct Run {
    /// Where the tempo is looked for in the audio ([`tempo_range`]).
    tempo_range: (f64, f64),
    phases: Vec<(f64, HeartPhase)>,
    events: Vec<NoteEvent>,
    spectral: Spectral,
}

const WINDOW_S: f64 = 5.0;
/// Where the tempo is looked for in the audio: the preset's own tempo range (its
/// `[params.tempo]` mapping at the controls' ends), as a listener who knows the piece's
/// pulse hears it. Onsets on the bar lines alone fit other tempi as well (a 3/4 bar of
/// 63.9 bpm is five eighths of 53.25 bpm); the range tells which one is meant.
fn tempo_range(preset: &attuned::preset::Preset) -> (f64, f64) {
    use attuned::controls::ControlValues;
    use attuned::preset::params::Param;
    let spec = preset.params.spec(Param::TempoBpm);
    let ends = [0.0, 1.0].map(|v| spec.eval(&ControlValues([v; 8])) as f64);
    (ends[0].min(ends[1]), ends[0].max(ends[1]))
}

fn run(preset: &str, mode: Mode, hours: f64, seed: u64, heart: Heart) -> Run {
    let mut o = RenderOptions::new(common::preset(preset));
    let tempo_range = tempo_range(&o.preset);
    o.duration = Duration::from_secs_f64(LENGTH_S);
    o.seed = seed;
    o.start_of_day = hours * 3600.0;
    o.adaptive = Some(Adaptive {
        mode,
        readings: session(heart),
        profile: ListenerProfile::default(),
        day_of_year: 172,
        utc_offset_h: 0.0,
        controller: Controller::builtin(),
        workout: Default::default(),
    });
    // `BODY_STEERS_WAV=dir` also writes each render there, for tools nobody here wrote.
    let mut wav = std::env::var_os("BODY_STEERS_WAV").map(|dir| {
        let name = format!("{preset}-{seed}-{heart:?}.wav").to_lowercase();
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: attuned::engine::SAMPLE_RATE as u32,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        hound::WavWriter::create(std::path::Path::new(&dir).join(name), spec).unwrap()
    });
    let mut spectral = Spectral::new(WINDOW_S);
    let (events, trace, _) = render_with_form(&o, |l, r| {
        spectral.push(l, r);
        if let Some(w) = &mut wav {
            for (a, b) in l.iter().zip(r) {
                w.write_sample((a.clamp(-1.0, 1.0) * 32767.0) as i16)
                    .unwrap();
                w.write_sample((b.clamp(-1.0, 1.0) * 32767.0) as i16)
                    .unwrap();
            }
        }
        Ok(())
    })
    .unwrap();
    if let Some(w) = wav {
        w.finalize().unwrap();
    }
    let phases = trace.iter().map(|s| (s.t, s.heart.phase)).collect();
    Run {
        tempo_range,
        phases,
        events,
        spectral,
    }
}

impl Run {
    fn figures(&self, (from, to): (f64, f64)) -> Figures {
        let rate = attuned::engine::SAMPLE_RATE as f64;
        let notes: Vec<&NoteEvent> = self
            .events
            .iter()
            .filter(|e| (from..to).contains(&(e.sample as f64 / rate)))
            .collect();
        // Least-squares slope of beat against time.
        let n = notes.len() as f64;
        let (mut st, mut sb, mut stt, mut stb) = (0.0, 0.0, 0.0, 0.0);
        for e in &notes {
            let t = e.sample as f64 / rate;
            st += t;
            sb += e.beat;
            stt += t * t;
            stb += t * e.beat;
        }
        let bpm = 60.0 * (n * stb - st * sb) / (n * stt - st * st);
        let mut voices_per_min = [0.0; 4];
        for e in &notes {
            voices_per_min[e.voice as usize] += 60.0 / (to - from);
        }
        let windows = &self.spectral.windows[(from / WINDOW_S) as usize
            ..((to / WINDOW_S) as usize).min(self.spectral.windows.len())];
        let minutes = (to - from) / 60.0;
        let times: Vec<f64> = (self.spectral.onset_times.iter())
            .copied()
            .filter(|t| (from..to).contains(t))
            .collect();
        let onsets: u32 = windows.iter().map(|w| w.onsets).sum();
        let centroid =
            windows.iter().map(|w| w.centroid_hz).sum::<f64>() / windows.len().max(1) as f64;
        Figures {
            bpm,
            heard_bpm: tempo_from_onsets(&times, self.tempo_range.0, self.tempo_range.1),
            onsets_per_min: onsets as f64 / minutes,
            centroid_hz: centroid,
            notes_per_min: n / minutes,
            voices_per_min,
        }
    }

    /// The phases in the order they came, each once per stretch.
    fn phase_sequence(&self) -> Vec<HeartPhase> {
        let mut seq: Vec<HeartPhase> = Vec::new();
        for &(_, p) in &self.phases {
            if seq.last() != Some(&p) {
                seq.push(p);
            }
        }
        seq
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    a / b.max(1e-9)
}

fn line(what: &str, f: &Figures) -> String {
    format!(
        "{what:8} {:6.1} bpm ({:5.1} heard) {:6.1} onsets/min {:7.0} Hz {:6.1} notes/min {:?}",
        f.bpm,
        f.heard_bpm,
        f.onsets_per_min,
        f.centroid_hz,
        f.notes_per_min,
        f.voices_per_min.map(|v| v.round())
    )
}

/// Sleep and relax: met at every seed, then led; the follower ends calmer.
fn meets_then_leads(preset: &str, mode: Mode, hours: f64) {
    let mut failures = Vec::new();
    for seed in SEEDS {
        let rest = run(preset, mode, hours, seed, Heart::Rest);
        let stays = run(preset, mode, hours, seed, Heart::Stays);
        let follows = run(preset, mode, hours, seed, Heart::Follows);
        let (r, s) = (rest.figures(MATCHING), stays.figures(MATCHING));
        let (late_s, late_f) = (stays.figures(LATE), follows.figures(LATE));
        eprintln!(
            "{preset} seed {seed}, matching:\n  {}\n  {}",
            line("rest", &r),
            line("+40", &s)
        );
        eprintln!(
            "  late:\n  {}\n  {}\n  {}",
            line("rest", &rest.figures(LATE)),
            line("stays", &late_s),
            line("follows", &late_f)
        );
        let tempo = ratio(s.bpm, r.bpm);
        let heard_tempo = ratio(s.heard_bpm, r.heard_bpm);
        let onsets = ratio(s.onsets_per_min, r.onsets_per_min);
        let centroid = ratio(s.centroid_hz, r.centroid_hz);
        let notes = ratio(s.notes_per_min, r.notes_per_min);
        eprintln!(
            "  met: tempo ×{tempo:.3} (heard ×{heard_tempo:.3}), notes ×{notes:.2}, \
             onsets ×{onsets:.2}, centroid ×{centroid:.3}"
        );
        for (what, got, least) in [
            ("tempo", tempo, 1.04),
            ("tempo heard", heard_tempo, 1.04),
            ("notes", notes, 1.3),
            ("onsets heard", onsets, 1.3),
            ("centroid", centroid, 1.10),
        ] {
            if got < least {
                failures.push(format!(
                    "{preset} seed {seed}: {what} ×{got:.3} (< ×{least})"
                ));
            }
        }
        // Led, the follower's music returns toward rest: its last minutes are slower, sparser
        // and darker than where it was met. (Not always with fewer onsets in sleep: by then
        // its sections are not the ones the rest run chose, and at seeds 4 and 5 they give
        // the melody more room: 39.5 and 41.5 onsets a minute against 35.4 and 41.1 met.)
        for (what, late, met) in [
            ("tempo", late_f.bpm, s.bpm),
            ("tempo heard", late_f.heard_bpm, s.heard_bpm),
            ("notes", late_f.notes_per_min, s.notes_per_min),
            ("centroid", late_f.centroid_hz, s.centroid_hz),
        ] {
            if late >= met {
                failures.push(format!(
                    "{preset} seed {seed}: led, the follower's {what} did not return toward rest ({late:.1} vs {met:.1} met)"
                ));
            }
        }
        let seq = stays.phase_sequence();
        let from_rise: Vec<HeartPhase> = seq
            .iter()
            .copied()
            .skip_while(|p| *p != HeartPhase::Matching)
            .collect();
        eprintln!(
            "  phases (stays): {seq:?}; (follows): {:?}",
            follows.phase_sequence()
        );
        let order = [
            HeartPhase::Matching,
            HeartPhase::Leading,
            HeartPhase::Holding,
        ];
        if !contains_in_order(&seq, &order) {
            failures.push(format!("{preset} seed {seed}: phases {from_rise:?}"));
        }
        if !contains_in_order(&follows.phase_sequence(), &order[..2]) {
            failures.push(format!("{preset} seed {seed}: follower's phases"));
        }
        // Slower (in the notes and heard) and fewer notes. Not the onsets or the centroid:
        // two runs whose forms have parted (a section ends early on a large move) differ
        // there more by which voices their sections chose.
        if late_f.bpm >= late_s.bpm
            || late_f.heard_bpm >= late_s.heard_bpm
            || late_f.notes_per_min >= late_s.notes_per_min
        {
            failures.push(format!(
                "{preset} seed {seed}: the follower does not end calmer: {late_f:?} vs {late_s:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn contains_in_order(seq: &[HeartPhase], wanted: &[HeartPhase]) -> bool {
    let mut it = seq.iter();
    wanted.iter().all(|w| it.any(|p| p == w))
}

#[test]
fn relax_meets_a_racing_heart_then_leads_it_down() {
    meets_then_leads("relax", Mode::Relax, 21.0);
}

#[test]
fn sleep_meets_a_racing_heart_then_leads_it_down() {
    meets_then_leads("sleep", Mode::Sleep, 23.0);
}

#[test]
fn focus_calms_for_a_racing_heart() {
    let mut failures = Vec::new();
    for seed in SEEDS {
        let rest = run("focus", Mode::Focus, 15.0, seed, Heart::Rest);
        let stays = run("focus", Mode::Focus, 15.0, seed, Heart::Stays);
        let (r, s) = (rest.figures(MATCHING), stays.figures(MATCHING));
        eprintln!(
            "focus seed {seed}:\n  {}\n  {}",
            line("rest", &r),
            line("+40", &s)
        );
        // Slower in the notes and in the audio, fewer notes, darker.
        if s.bpm >= r.bpm
            || s.heard_bpm >= r.heard_bpm
            || s.notes_per_min >= r.notes_per_min
            || s.centroid_hz >= r.centroid_hz
        {
            failures.push(format!("focus seed {seed}: {s:?} vs {r:?}"));
        }
        // Calmer, by less than grabs attention (the ~4 % listeners tell apart).
        if ratio(s.bpm, r.bpm) < 0.96 {
            failures.push(format!(
                "focus seed {seed}: tempo ×{:.3}",
                ratio(s.bpm, r.bpm)
            ));
        }
        assert!(
            stays.phases.iter().all(|(_, p)| *p == HeartPhase::Off),
            "focus has no heart lead"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

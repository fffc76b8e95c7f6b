//! A motif handed in as a MIDI file: stated in the first minutes (transposed into the
//! preset's key), then developed (sequenced, inverted, augmented, fragmented, reversed) so
//! its shape recurs without the whole phrase repeating verbatim more than twice in a row.

mod common;
use attuned::compose::given::{self, GivenNote};
use attuned::compose::key::Key;
use attuned::engine::SAMPLE_RATE;
use attuned::music::note::{NoteEvent, VoiceKind};
use attuned::render::{RenderOptions, render};
use common::preset;
use std::process::Command;
use std::time::Duration;

/// C D E G E D as a standard MIDI file: eighths, the last a quarter.
fn tune() -> Vec<u8> {
    use midly::{Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
    let mut track = Vec::new();
    for (i, key) in [60u8, 62, 64, 67, 64, 62].into_iter().enumerate() {
        let len = if i == 5 { 480 } else { 240 };
        for (delta, on) in [(0u32, true), (len, false)] {
            let message = if on {
                MidiMessage::NoteOn {
                    key: key.into(),
                    vel: 80.into(),
                }
            } else {
                MidiMessage::NoteOff {
                    key: key.into(),
                    vel: 0.into(),
                }
            };
            track.push(TrackEvent {
                delta: delta.into(),
                kind: TrackEventKind::Midi {
                    channel: 0.into(),
                    message,
                },
            });
        }
    }
    track.push(TrackEvent {
        delta: 0.into(),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let smf = Smf {
        header: Header::new(midly::Format::SingleTrack, Timing::Metrical(480.into())),
        tracks: vec![track],
    };
    let mut out = Vec::new();
    smf.write_std(&mut out).unwrap();
    out
}

/// The melody's notes as (second, scale steps from the note before in the same key, MIDI
/// note, eighths).
fn melody(
    events: &[NoteEvent],
    form: &[attuned::compose::trace::FormRow],
) -> Vec<(f64, Option<i32>, i32, u32)> {
    let mut last: Option<(Key, i32)> = None;
    events
        .iter()
        .filter(|e| e.voice == VoiceKind::Bells)
        .map(|e| {
            let t = e.sample as f64 / SAMPLE_RATE as f64;
            let key = form[(t as usize).min(form.len() - 1)].key;
            let step = key.step_of_pc(e.midi.rem_euclid(12)).expect("in key");
            let abs = (e.midi - key.tonic_pc()).div_euclid(12) * key.scale.len() + step;
            let diff = last.filter(|(k, _)| *k == key).map(|(_, prev)| abs - prev);
            last = Some((key, abs));
            (t, diff, e.midi, ((e.beats * 2.0).round() as u32).max(1))
        })
        .collect()
}

#[test]
fn a_given_motif_is_stated_then_developed_never_just_repeated() {
    let motif = given::from_midi("tune.mid", &tune()).unwrap();
    assert_eq!(motif.len(), 6);
    let mut o = RenderOptions::new(preset("focus"));
    o.duration = Duration::from_secs(600);
    o.seed = 2;
    o.motif = Some(motif.clone());
    let r = render(&o, false).unwrap();
    let notes = melody(&r.events, &r.form);
    let shape = [1, 1, 2, -2, -1];
    let inverted = shape.map(|s| -s);
    let found = |pattern: &[i32; 5]| -> Vec<f64> {
        notes
            .windows(6)
            .filter(|w| {
                w[1..]
                    .iter()
                    .map(|n| n.1)
                    .eq(pattern.iter().map(|&s| Some(s)))
            })
            .map(|w| w[0].0)
            .collect()
    };
    let (straight, upside_down) = (found(&shape), found(&inverted));
    eprintln!(
        "{} melody notes; the shape at {straight:.0?} s, inverted at {upside_down:.0?} s",
        notes.len()
    );
    assert!(
        straight.first().is_some_and(|&t| t < 120.0),
        "the motif is stated in the first two minutes: {straight:?}"
    );
    assert!(
        straight.len() + upside_down.len() >= 5,
        "recurs at least five times"
    );
    // Phrases are the theme notes between rests of a bar or more; count verbatim repeats.
    let mut phrases: Vec<Vec<(i32, u32)>> = Vec::new();
    let mut gap_from = f64::NEG_INFINITY;
    for n in &notes {
        if n.0 - gap_from > 3.0 || phrases.is_empty() {
            phrases.push(Vec::new());
        }
        phrases.last_mut().unwrap().push((n.2, n.3));
        gap_from = n.0;
    }
    let mut run = 1;
    for w in phrases.windows(2) {
        run = if w[0] == w[1] { run + 1 } else { 1 };
        assert!(run <= 2, "a phrase repeated verbatim {run} times in a row");
    }
    // Without the motif, the shape is rare: it is the motif that is heard.
    o.motif = None;
    let r = render(&o, false).unwrap();
    let plain = melody(&r.events, &r.form);
    let plain_count = plain
        .windows(6)
        .filter(|w| {
            w[1..]
                .iter()
                .map(|n| n.1)
                .eq(shape.iter().map(|&s| Some(s)))
        })
        .count();
    assert!(plain_count < 2, "{plain_count}");
}

#[test]
fn the_cli_takes_a_motif_file_and_refuses_bad_ones() {
    let dir = std::env::temp_dir().join(format!("attuned-motif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (good, bad, wav, mid) = (
        dir.join("tune.mid"),
        dir.join("bad.mid"),
        dir.join("o.wav"),
        dir.join("o.mid"),
    );
    std::fs::write(&good, tune()).unwrap();
    std::fs::write(&bad, b"MThd but not really").unwrap();
    let run = |motif: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_attuned"))
            .args([
                "render",
                "--preset",
                "relax",
                "--duration",
                "40s",
                "--motif",
            ])
            .arg(motif)
            .arg("--out")
            .arg(&wav)
            .arg("--midi")
            .arg(&mid)
            .output()
            .unwrap()
    };
    let out = run(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.mid: not a MIDI file"), "{err}");
    let out = run(&dir.join("absent.mid"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.mid"));
    // What is not a file is refused at once (a FIFO had hung the render, /dev/zero was read
    // until memory ran out), and a file past the size a motif may have.
    let fifo = dir.join("fifo.mid");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let huge = dir.join("huge.mid");
    std::fs::write(&huge, vec![0u8; 2 << 20]).unwrap();
    for (path, says) in [
        (fifo.as_path(), "fifo.mid: a FIFO, not a regular file"),
        (
            std::path::Path::new("/dev/zero"),
            "/dev/zero: a character device",
        ),
        (huge.as_path(), "huge.mid: larger than the 1048576 bytes"),
    ] {
        let out = run(path);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn given_notes_over_the_bus_are_checked() {
    let n = |midi, start, beats| GivenNote { midi, start, beats };
    assert!(given::check("SetMotif", &[n(60, 0.0, 0.5), n(64, 0.5, 0.5)]).is_ok());
    let e = given::check("SetMotif", &[n(60, 0.0, -1.0)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "SetMotif: note 1: length must be within 0..=16 beats, above 0"
    );
}

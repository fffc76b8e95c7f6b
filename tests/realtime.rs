//! Real-time rules and preset switching.

mod common;
use assert_no_alloc::assert_no_alloc;
use attuned::engine::{Engine, SAMPLE_RATE};
use attuned::render::{RenderOptions, render};
use common::*;
use std::time::Duration;

// The checking allocator exists in debug builds only (assert_no_alloc's `disable_release`):
// a release build of these tests renders the same paths unguarded.
#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

/// An engine playing the built-in `name` with its own controls.
fn engine(name: &str, seed: u64) -> Engine {
    let p = preset(name);
    Engine::new(
        &p,
        attuned::controls::SharedControls::new(p.controls),
        seed,
        SAMPLE_RATE,
    )
}

#[test]
fn audio_processing_never_allocates_even_through_a_crossfade() {
    let mut engine = engine("focus", 1);
    let (mut l, mut r) = (vec![0.0f32; 4800], vec![0.0f32; 4800]);
    for _ in 0..20 {
        // Planning happens off the audio thread; only the render is guarded.
        engine.plan_ahead();
        assert_no_alloc(|| engine.render(&mut l, &mut r));
    }
    // The new graph is built and committed here, on the control side...
    engine.switch_preset(&preset("workout"), 2.0);
    // ...and the audio side picks it up and crossfades without allocating.
    for i in 0..50 {
        engine
            .controls()
            .set(attuned::controls::Control::Brightness, i as f32 / 50.0);
        // A musician plays along through the switch (struck and let go on the keys).
        match i % 5 {
            0 => engine.keys().press(60 + i as u8 % 24, 100),
            3 => engine.keys().release(60 + (i - 3) as u8 % 24),
            _ => {}
        }
        engine.plan_ahead();
        assert_no_alloc(|| engine.render(&mut l, &mut r));
    }
    assert!(l.iter().all(|x| x.is_finite()));
    // … and into every preset in turn, whatever instruments it plays.
    for (name, _) in attuned::preset::BUILTIN {
        engine.switch_preset(&preset(name), 1.0);
        for _ in 0..30 {
            engine.plan_ahead();
            assert_no_alloc(|| engine.render(&mut l, &mut r));
        }
        assert!(l.iter().all(|x| x.is_finite()), "{name}");
    }
}

/// A key held on the engine's live keys is heard through the soft keys at once, and
/// through a preset switch (both graphs read the same keys).
#[test]
fn played_keys_are_heard_at_once_and_through_a_switch() {
    const A_SHARP_6: f32 = 1864.655;
    // Goertzel amplitude at `hz` per sample.
    let tone = |x: &[f32], hz: f32| {
        let w = std::f32::consts::TAU * hz / SAMPLE_RATE;
        let (mut s1, mut s2) = (0.0f32, 0.0f32);
        for v in x {
            let s0 = v + 2.0 * w.cos() * s1 - s2;
            (s2, s1) = (s1, s0);
        }
        (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2).sqrt() / x.len() as f32
    };
    let run = |press: bool| {
        let mut engine = engine("focus", 3);
        let (mut l, mut r) = (vec![0.0f32; 48_000], vec![0.0f32; 48_000]);
        engine.plan_ahead();
        engine.render(&mut l, &mut r);
        if press {
            // A♯6: in neither preset's key (D dorian, C lydian), so neither plays it.
            engine.keys().press(94, 110);
        }
        engine.plan_ahead();
        engine.render(&mut l, &mut r);
        let held = tone(&l, A_SHARP_6);
        engine.switch_preset(&preset("relax"), 2.0);
        for _ in 0..4 {
            engine.plan_ahead();
            engine.render(&mut l, &mut r);
        }
        (held, tone(&l, A_SHARP_6))
    };
    let (quiet, quiet_after) = run(false);
    let (held, held_after) = run(true);
    eprintln!(
        "A♯6: {quiet:.2e} → {held:.2e} held; after the switch {quiet_after:.2e} → {held_after:.2e}"
    );
    assert!(held > 10.0 * quiet, "{quiet:.2e} → {held:.2e}");
    assert!(
        held_after > 10.0 * quiet_after,
        "{quiet_after:.2e} → {held_after:.2e}"
    );
}

/// The audio side takes planned bars across section boundaries and a modulation without
/// allocating: planning runs outside the guard, only the render inside it.
#[test]
fn audio_processing_never_allocates_across_sections_and_a_key_change() {
    let mut engine = engine("workout", 3);
    let (mut l, mut r) = (vec![0.0f32; 4800], vec![0.0f32; 4800]);
    let (mut sections, mut keys) = (Vec::new(), Vec::new());
    // At most 25 minutes of audio; workout changes key within 10–13 minutes and more.
    for _ in 0..25 * 600 {
        engine.plan_ahead();
        assert_no_alloc(|| engine.render(&mut l, &mut r));
        if let Some(now) = engine.now() {
            if sections.last() != Some(&now.section_number) {
                sections.push(now.section_number);
            }
            if keys.last() != Some(&now.key) {
                keys.push(now.key);
            }
        }
        if sections.len() >= 3 && keys.len() >= 2 {
            break;
        }
    }
    assert!(
        sections.len() >= 3 && keys.len() >= 2,
        "sections {sections:?}, keys {keys:?}"
    );
    assert_eq!(engine.underruns(), 0, "bars were not planned in time");
    assert!(l.iter().all(|x| x.is_finite()));
}

#[test]
fn preset_switch_has_no_click_and_keeps_loudness() {
    let switch_at = 60.0;
    let mut o = RenderOptions::new(preset("focus"));
    o.duration = Duration::from_secs(120);
    o.seed = 4;
    o.switch = Some((switch_at, preset("relax")));
    let r = render(&o, true).unwrap();
    let sr = SAMPLE_RATE as f64;
    let idx = |t: f64| (t * sr) as usize;
    let max_jump = |a: usize, b: usize| {
        (a..b - 1)
            .map(|i| {
                (r.left[i + 1] - r.left[i])
                    .abs()
                    .max((r.right[i + 1] - r.right[i]).abs())
            })
            .fold(0.0f32, f32::max)
    };
    let music =
        max_jump(idx(5.0), idx(switch_at - 1.0)).max(max_jump(idx(switch_at + 10.0), idx(115.0)));
    let across = max_jump(idx(switch_at - 1.0), idx(switch_at + 10.0));
    assert!(
        across <= music * 1.1,
        "jump across switch {across}, in the music {music}"
    );
    let window =
        |a: f64, b: f64| loudness(&r.left[idx(a)..idx(b)], &r.right[idx(a)..idx(b)]).integrated;
    let before = window(switch_at - 30.0, switch_at);
    for (a, b) in [
        (switch_at - 5.0, switch_at + 5.0),
        (switch_at, switch_at + 10.0),
        (switch_at + 10.0, switch_at + 40.0),
    ] {
        let l = window(a, b);
        assert!(
            (l - before).abs() <= 1.5,
            "{a}-{b}s: {l:.2} LUFS vs {before:.2} before the switch"
        );
    }
    // The notes of the new preset appear after the switch.
    assert!(
        r.events
            .iter()
            .any(|e| e.sample > idx(switch_at) as u64 && e.midi % 12 == 6),
        "no Lydian F# after switch"
    );
}

/// The live callback (`audio::callback::fill`, what cpal calls) in every output shape, under
/// its own guard: an allocation would abort this test binary.
#[test]
fn the_live_callback_fill_is_guarded_and_never_allocates() {
    use attuned::audio::callback::fill;
    let mut engine = engine("focus", 2);
    let renderer = std::sync::Arc::new(std::sync::Mutex::new(engine.take_renderer().unwrap()));
    let (mut f32s, mut i16s) = (vec![0.0f32; 6 * 1024], vec![0i16; 6 * 1024]);
    for _ in 0..50 {
        engine.plan_ahead();
        for channels in [1, 2, 6] {
            fill(
                &renderer,
                &mut f32s[..channels * 1000],
                channels,
                Duration::ZERO,
            );
            fill(
                &renderer,
                &mut i16s[..channels * 1000],
                channels,
                Duration::ZERO,
            );
        }
    }
    assert!(f32s.iter().any(|x| *x != 0.0) && i16s.iter().any(|x| *x != 0));
}

/// The guard is on in test builds: an allocation inside it aborts the process (run in a
/// child, this test's own binary).
#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the guard is compiled out of release builds"
)]
fn the_callback_guard_aborts_on_an_allocation() {
    const CHILD: &str = "ATTUNED_GUARD_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let n = attuned::audio::callback::guarded(|| std::hint::black_box(vec![1u8; 64]).len());
        println!("allocated {n} bytes unnoticed");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "the_callback_guard_aborts_on_an_allocation",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child survived: {stderr}");
    assert!(
        // assert_no_alloc refuses the allocation: the allocator reports failure and aborts.
        stderr.contains("forbids allocator calls")
            || stderr.contains("memory allocation of 64 bytes failed"),
        "{stderr}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn any_callback_size_renders() {
    // Hosts hand the callback any number of frames (PulseAudio: whatever is writable), so
    // blocks of 1, 3, 17 … samples reach every voice and the reverb.
    let (mut l, mut r) = (vec![0.0f32; 1023], vec![0.0f32; 1023]);
    for (name, _) in attuned::preset::BUILTIN {
        let mut engine = engine(name, 3);
        for size in [1, 3, 17, 63, 64, 65, 1023].into_iter().cycle().take(70) {
            engine.plan_ahead();
            assert_no_alloc(|| engine.render(&mut l[..size], &mut r[..size]));
            assert!(
                l[..size].iter().chain(&r[..size]).all(|x| x.is_finite()),
                "{name}"
            );
        }
    }
}

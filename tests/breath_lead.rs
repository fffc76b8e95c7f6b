//! The breath lead: the swell locks to 75 % of the breathing read from the heart, glides
//! toward six a minute while breathing follows, gives up when it does not, and never locks
//! without a confident estimate. Checked on the controller, through the control pipeline
//! fed a replayed strap, and on rendered audio's loudness envelope.

mod common;
use attuned::control::Controller;
use attuned::control::breath_lead::{
    BreathLead, GIVE_UP_S, GOAL_PER_MIN, LeadPhase, LeadState, MATCH_S,
};
use attuned::control::pipeline::Pipeline;
use attuned::features::breathing::Breathing;
use attuned::features::{Clock, ListenerProfile, Reading};
use attuned::preset::Mode;
use attuned::render::{Adaptive, RenderOptions, render};
use common::rsa::{envelope_rate, strap};
use common::*;
use std::time::Duration;

fn confident(per_minute: f32) -> Option<Breathing> {
    Some(Breathing {
        per_minute,
        confidence: 0.8,
    })
}

/// Step the lead every 0.1 s for `seconds` with breathing given by `breathing(t, swell)`.
fn run(
    lead: &mut BreathLead,
    from: f64,
    seconds: f64,
    mut breathing: impl FnMut(f64, f32) -> Option<Breathing>,
) -> Vec<(f64, LeadState)> {
    let mut out = Vec::new();
    let mut swell = 6.0;
    for i in 0..(seconds * 10.0) as usize {
        let t = from + i as f64 / 10.0;
        let s = lead.step(t, breathing(t, swell), true);
        swell = s.swell_per_min;
        out.push((t, s));
    }
    out
}

fn at(states: &[(f64, LeadState)], t: f64) -> LeadState {
    states.iter().find(|(at, _)| *at >= t).unwrap().1
}

#[test]
fn matches_then_leads_then_gives_up_on_a_listener_who_does_not_follow() {
    let mut lead = BreathLead::default();
    let s = run(&mut lead, 0.0, 1200.0, |_, _| confident(12.0));
    let first = at(&s, 1.0);
    assert_eq!(first.phase, LeadPhase::Matching);
    assert_eq!(first.swell_per_min, 9.0, "75 % of 12");
    assert_eq!(at(&s, MATCH_S - 1.0).phase, LeadPhase::Matching);
    let leading = at(&s, MATCH_S + 60.0);
    assert_eq!(leading.phase, LeadPhase::Leading);
    assert!(
        (leading.swell_per_min - 8.5).abs() < 0.02,
        "0.5 a minute per minute: {leading:?}"
    );
    // Breathing stays at 12: the glide holds once the swell is too far below it ...
    let lowest = s
        .iter()
        .map(|(_, st)| st.swell_per_min)
        .fold(f32::MAX, f32::min);
    assert!((8.1..8.2).contains(&lowest), "{lowest}");
    // ... and after GIVE_UP_S of not following, it matches again.
    let gave_up = s
        .iter()
        .find(|(t, st)| *t > MATCH_S && st.phase == LeadPhase::Matching)
        .map(|(t, st)| (*t, *st))
        .expect("the lead gives up");
    assert_eq!(gave_up.1.swell_per_min, 9.0);
    let lagging_from = MATCH_S + (9.0 - 0.68 * 12.0) / 0.5 * 60.0;
    assert!(
        (gave_up.0 - (lagging_from + GIVE_UP_S)).abs() < 2.0,
        "gave up at {}",
        gave_up.0
    );
    // It waits twice as long before leading again.
    assert_eq!(
        at(&s, gave_up.0 + 2.0 * MATCH_S - 1.0).phase,
        LeadPhase::Matching
    );
    assert_eq!(
        at(&s, gave_up.0 + 2.0 * MATCH_S + 1.0).phase,
        LeadPhase::Leading
    );
}

#[test]
fn a_listener_who_follows_is_led_to_six_a_minute_no_faster_than_half_a_breath_per_minute() {
    let mut lead = BreathLead::default();
    // Once the music locks (before, the swell is the default six and they breathe on at 14),
    // the listener drifts toward the rate it invites (swell ÷ 0.75), time constant 90 s.
    let mut b = 14.0f32;
    let mut locked = false;
    let s = run(&mut lead, 0.0, 2400.0, |_, swell| {
        locked |= swell != 6.0;
        if locked {
            b += (swell / 0.75 - b) * 0.1 / 90.0;
        }
        confident(b)
    });
    let end = s.last().unwrap().1;
    assert_eq!(end.phase, LeadPhase::Leading);
    assert!((end.swell_per_min - GOAL_PER_MIN).abs() < 0.05, "{end:?}");
    assert!(b < 8.5, "the listener ended at {b}");
    for w in s.windows(600) {
        let drop = w[0].1.swell_per_min - w[599].1.swell_per_min;
        if w[0].1.phase == LeadPhase::Leading && w[599].1.phase == LeadPhase::Leading {
            assert!(drop <= 0.5 + 1e-3, "{drop} in a minute at {}", w[0].0);
        }
    }
}

#[test]
fn no_lock_without_confidence_short_gaps_hold_and_presets_choose() {
    let mut lead = BreathLead::default();
    let unsure = Some(Breathing {
        per_minute: 12.0,
        confidence: 0.1,
    });
    let s = run(&mut lead, 0.0, 120.0, |_, _| unsure);
    assert!(s.iter().all(|(_, st)| st.phase == LeadPhase::Off));
    assert!(s.iter().all(|(_, st)| st.swell() == (None, 0.0)));
    // Locked, then the estimate is lost: held for a while, then let go.
    let s = run(&mut lead, 120.0, 120.0, |t, _| {
        if t < 150.0 { confident(10.0) } else { None }
    });
    assert_eq!(
        at(&s, 170.0).phase,
        LeadPhase::Matching,
        "a short gap holds"
    );
    assert_eq!(at(&s, 170.0).swell_per_min, 7.5);
    assert_eq!(
        at(&s, 185.0).phase,
        LeadPhase::Off,
        "lost for more than 30 s"
    );
    // A preset without the lead never locks.
    assert_eq!(
        lead.step(300.0, confident(12.0), false).phase,
        LeadPhase::Off
    );
}

fn pipeline(mode: Mode, lead: bool) -> Pipeline {
    let start = Clock {
        session_s: 0.0,
        local_hours: 22.0,
        day_of_year: 300,
        utc_offset_h: 0.0,
    };
    let mut p = Pipeline::new(
        ListenerProfile::default(),
        Controller::builtin(),
        mode,
        start,
    );
    p.set_breath_lead(lead);
    p
}

/// Feed `readings` through a pipeline at the live control rate (10 Hz).
fn replay(p: &mut Pipeline, readings: &[Reading], seconds: f64) -> Vec<(f64, LeadState)> {
    let mut next = readings.iter().peekable();
    let mut out = Vec::new();
    for i in 0..(seconds * 10.0) as usize {
        let t = i as f64 / 10.0;
        while let Some(r) = next.next_if(|r| r.at <= t) {
            p.push(r);
        }
        out.push((t, p.step(t).lead));
    }
    out
}

#[test]
fn through_the_pipeline_a_replayed_strap_locks_and_a_non_follower_is_let_go() {
    let readings = strap(|_| 12.0, 64.0, 5.0, 15.0, 1500.0, 7);
    let s = replay(&mut pipeline(Mode::Relax, true), &readings, 1500.0);
    let locked = s
        .iter()
        .find(|(_, st)| st.phase == LeadPhase::Matching)
        .expect("locks")
        .0;
    assert!((55.0..=75.0).contains(&locked), "locked at {locked} s");
    for (t, st) in s
        .iter()
        .filter(|(t, _)| (locked + 10.0..locked + MATCH_S).contains(t))
    {
        assert!(
            (st.swell_per_min - 9.0).abs() <= 0.45,
            "{t}: {st:?} (75 % of 12 within 5 %)"
        );
    }
    assert!(s.iter().any(|(_, st)| st.phase == LeadPhase::Leading));
    let min = s.iter().map(|(_, st)| st.swell_per_min).fold(9.0, f32::min);
    assert!(min < 8.5, "it led: {min}");
    let last = s.last().unwrap().1;
    assert_eq!(last.phase, LeadPhase::Matching, "gave up on a non-follower");
    assert!((last.swell_per_min - 9.0).abs() <= 0.45, "{last:?}");
    // Focus does not lead; noise carries no breathing to lock to.
    let s = replay(&mut pipeline(Mode::Focus, false), &readings, 200.0);
    assert!(s.iter().all(|(_, st)| st.phase == LeadPhase::Off));
    let noise = strap(|_| 12.0, 64.0, 0.0, 40.0, 300.0, 8);
    let s = replay(&mut pipeline(Mode::Relax, true), &noise, 300.0);
    assert!(s.iter().all(|(_, st)| st.phase == LeadPhase::Off));
}

fn adaptive(readings: Vec<Reading>) -> Adaptive {
    Adaptive {
        mode: Mode::Relax,
        readings,
        profile: ListenerProfile::default(),
        day_of_year: 300,
        utc_offset_h: 0.0,
        controller: Controller::builtin(),
        workout: Default::default(),
    }
}

#[test]
fn the_rendered_swell_is_three_quarters_of_the_breathing_rate_once_locked() {
    let seconds = 250.0;
    let mut o = RenderOptions::new(preset("breathe"));
    o.duration = Duration::from_secs_f64(seconds);
    o.seed = 3;
    o.start_of_day = 22.0 * 3600.0;
    o.adaptive = Some(adaptive(strap(|_| 12.0, 64.0, 5.0, 15.0, seconds, 11)));
    let r = render(&o, true).unwrap();
    let locked = r
        .trace
        .iter()
        .find(|s| s.lead.phase == LeadPhase::Matching)
        .expect("locks")
        .t;
    // From 20 s after the lock (the glide settled) to the end, still matching.
    let heard = envelope_rate(&r.left, &r.right, locked + 20.0, seconds);
    eprintln!("locked at {locked:.0} s; swell heard at {heard:.2}/min (want 9)");
    assert!((heard - 9.0).abs() <= 0.45, "{heard}");
    let rows = &r.form;
    let row = rows.last().unwrap();
    let (rate, confidence) = row.breathing.expect("breathing in the form trace");
    assert!(
        (rate - 12.0).abs() <= 1.0 && confidence > 0.3,
        "{rate} {confidence}"
    );
    assert!((row.swell_rate - 9.0).abs() <= 0.45, "{}", row.swell_rate);

    // The same without a strap: the default six a minute, heard.
    o.adaptive = Some(adaptive(Vec::new()));
    let r = render(&o, true).unwrap();
    assert!(r.trace.iter().all(|s| s.lead.phase == LeadPhase::Off));
    let heard = envelope_rate(&r.left, &r.right, 60.0, seconds);
    eprintln!("no strap: swell heard at {heard:.2}/min (want 6)");
    assert!((heard - 6.0).abs() <= 0.3, "{heard}");
}

/// Where the form allows, the melody's phrases span whole swells: while the lead sets the
/// swell in a preset that has it, the phrase length in bars follows the swell's rate (to the
/// nearest bar); otherwise it is the preset's own.
#[test]
fn melody_phrases_span_whole_swells_in_presets_that_lead() {
    use attuned::compose::planner::Planner;
    let breathe = preset("breathe");
    let mut planner = Planner::new(&breathe, 1, &breathe.controls);
    let bar = planner.bar_seconds();
    let mut lengths = Vec::new();
    let own = breathe.phrase_bars;
    planner.set_swell(None);
    assert_eq!(
        planner.melody_phrase_bars(),
        own,
        "no lead, the preset's own phrases"
    );
    for per_min in [6.0f32, 7.5, 9.0, 12.0] {
        planner.set_swell(Some(per_min));
        let bars = planner.melody_phrase_bars();
        let swells = bars as f64 * bar / (60.0 / per_min as f64);
        eprintln!("swell {per_min}/min, bar {bar:.2} s: phrase {bars} bars = {swells:.2} swells");
        assert!(
            (swells - swells.round()).abs() * (60.0 / per_min as f64) <= bar / 2.0 + 1e-9,
            "{bars} bars is not whole swells at {per_min}/min"
        );
        lengths.push(bars);
    }
    assert!(lengths.windows(2).any(|w| w[0] != w[1]), "{lengths:?}");
    let focus = preset("focus");
    let mut planner = Planner::new(&focus, 1, &focus.controls);
    planner.set_swell(Some(9.0));
    assert_eq!(planner.melody_phrase_bars(), focus.phrase_bars);
}

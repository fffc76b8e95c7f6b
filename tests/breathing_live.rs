//! Breath-paced biofeedback through the real daemon: a strap on the BLE bench (the
//! BlueZ-shaped service on a private system bus, through btleplug) sends RR intervals with
//! respiratory sinus arrhythmia in real time, about one notification a second as straps do;
//! the daemon reads the breathing rate, the breath lead locks the swell to 75 % of it, and
//! a pause ends the session with a summary that survives a restart. About 80 s.

mod services;

use attuned::sensor::gatt::{Contact, HeartRate, encode_heart_rate};
use services::Session;
use services::bluez::Profile;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const STRAP: &str = "C4:7C:8D:6A:11:07";
const BREATHS: f64 = 12.0;

/// Send a heart at 64 ± 5 bpm breathing 12 times a minute until `stop`, in real time.
fn breathe(bluez: Arc<services::bluez::Bluez>, stop: Arc<AtomicBool>) {
    let start = Instant::now();
    let (mut t, mut pending, mut next_send) = (0.0f64, Vec::new(), 1.0);
    // A fixed pseudo-random jitter (±8 ms) so the series is not perfectly clean.
    let mut jitter = 0x2545F491u32;
    while !stop.load(Ordering::SeqCst) {
        let hr = 64.0 + 5.0 * (std::f64::consts::TAU * BREATHS / 60.0 * t).sin();
        jitter ^= jitter << 13;
        jitter ^= jitter >> 17;
        jitter ^= jitter << 5;
        let rr = 60_000.0 / hr + (jitter % 17) as f64 - 8.0;
        t += rr / 1000.0;
        pending.push(rr as f32);
        if t >= next_send {
            let value = encode_heart_rate(&HeartRate {
                bpm: (60_000.0 / rr).round() as u16,
                contact: Contact::Detected,
                energy_kj: None,
                rr_ms: std::mem::take(&mut pending),
            });
            let due = Duration::from_secs_f64(t);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
            bluez.notify(STRAP, &value);
            next_send = t + 1.0;
        }
    }
}

fn map(s: &Session, prop: &str) -> HashMap<String, f64> {
    serde_json::from_value(s.property_json(prop)).unwrap()
}

fn number(s: &Session, prop: &str) -> f64 {
    s.property_json(prop).as_f64().unwrap()
}

#[test]
fn a_breathing_strap_is_read_led_and_summarised_through_the_daemon() {
    let mut s = Session::new("breathing-live");
    let bluez = s.start_bluez();
    bluez.add_device(Profile::HeartStrap, STRAP, "Polar H10 8E21");
    s.write_state(serde_json::json!({
        "playing": true, "preset": "breathe",
        "sensors": [{"address": STRAP, "name": "Polar H10 8E21"}],
    }));
    let d = s.start_daemon(&[]);
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (b, st) = (bluez.clone(), stop.clone());
        std::thread::spawn(move || breathe(b, st))
    };
    // Before a minute of beats: unknown, and the lead waits (six a minute).
    std::thread::sleep(Duration::from_secs(20));
    assert_eq!(number(&s, "BreathingRate"), 0.0, "{}", d.log());
    let lead = map(&s, "BreathLead");
    assert_eq!((lead["phase"], lead["swell_rate"]), (0.0, 6.0), "{lead:?}");

    let start = Instant::now();
    let (rate, lead) = loop {
        let rate = number(&s, "BreathingRate");
        let lead = map(&s, "BreathLead");
        if rate > 0.0 && lead["phase"] == 1.0 {
            break (rate, lead);
        }
        assert!(
            start.elapsed() < Duration::from_secs(70),
            "no lock: rate {rate}, lead {lead:?}\n{}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    eprintln!(
        "locked {:.0} s after the strap started: breathing {rate:.2}/min, lead {lead:?}",
        20.0 + start.elapsed().as_secs_f64()
    );
    assert!((rate - BREATHS).abs() <= 1.0, "{rate}");
    assert!(
        (lead["swell_rate"] - 0.75 * rate).abs() <= 0.05 * 0.75 * rate,
        "{lead:?} for {rate}"
    );
    assert!(lead["confidence"] > 0.3 && (lead["target"] - rate).abs() < 0.01);
    // The heart lead: a heart ~4 bpm over rest is heard as it is (resting).
    let heart = map(&s, "HeartLead");
    assert_eq!(heart["phase"], 1.0, "{heart:?}");
    assert!((heart["heart"] - 4.0).abs() <= 3.0, "{heart:?}");
    let status = s.ctl(&["status"]);
    assert!(status.contains("breath lead matching: swell"), "{status}");
    assert!(
        status.contains("heart lead resting: your heart +"),
        "{status}"
    );
    assert!(status.contains("breathing 1"), "{status}");

    // Pausing ends the session: its summary is the LastSession property and attunectl's.
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::SeqCst);
    sender.join().unwrap();
    s.ctl(&["pause"]);
    let last = map(&s, "LastSession");
    eprintln!("last session: {last:?}");
    assert!(last["minutes"] >= 1.0, "{last:?}");
    for key in ["start_breathing", "end_breathing"] {
        assert!((last[key] - BREATHS).abs() <= 1.0, "{key}: {last:?}");
    }
    for key in ["start_heart_rate", "end_heart_rate"] {
        assert!((last[key] - 64.0).abs() <= 3.0, "{key}: {last:?}");
    }
    assert!(
        last["start_rmssd"] > 0.0 && last["end_rmssd"] > 0.0,
        "{last:?}"
    );
    assert!(!last.contains_key("minutes_to_slow_breathing"), "{last:?}");
    let words = s.ctl(&["session"]);
    assert!(
        words.starts_with("Last session: 1 min\nBreathing: 1"),
        "{words}"
    );
    assert!(words.contains("did not fall below 8/min"), "{words}");
    assert!(
        d.log().contains("breathe session ended (paused)"),
        "{}",
        d.log()
    );

    // The summary is saved with the state and read back after a restart.
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
    let d = s.start_daemon(&[]);
    assert_eq!(map(&s, "LastSession"), last, "{}", d.log());
}

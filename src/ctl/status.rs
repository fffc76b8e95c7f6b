//! `attunectl status` and `attunectl watch`: the daemon's state read through its
//! properties, as lines or JSON.

use super::{explain_error, human, or_dash, sensor_lines};
use crate::dbus::{AttunedProxy, BreathLeadReport, HeartLeadReport, NowPlaying, WorkoutReport};
use std::time::Duration;

pub(super) async fn status(proxy: &AttunedProxy<'_>, json: bool) -> Result<(), String> {
    let e = explain_error;
    let playback = proxy.playback_state().await.map_err(e)?;
    let preset = proxy.preset().await.map_err(e)?;
    let volume = proxy.volume().await.map_err(e)?;
    let hr = proxy.heart_rate().await.map_err(e)?;
    let cadence = proxy.cadence().await.map_err(e)?;
    let tempo = proxy.tempo().await.map_err(e)?;
    let breathing = proxy.breathing_rate().await.map_err(e)?;
    let controls = proxy.controls().await.map_err(e)?;
    let timer = proxy.sleep_timer_remaining().await.map_err(e)?;
    let audio = proxy.audio_output().await.map_err(e)?;
    let dropouts = proxy.dropouts().await.map_err(e)?;
    let midi = proxy.midi_input().await.map_err(e)?;
    let bluetooth = proxy.bluetooth().await.map_err(e)?;
    let sensors = proxy.sensors().await.map_err(e)?;
    let workout = proxy.workout().await.map_err(e)?;
    let steering = proxy.steering().await.map_err(e)?;
    let now = NowPlaying::from_map(&proxy.now().await.map_err(e)?);
    let workout_report = WorkoutReport::from_map(&workout);
    let lead = BreathLeadReport::from_map(&proxy.breath_lead().await.map_err(e)?);
    let heart_lead = HeartLeadReport::from_map(&proxy.heart_lead().await.map_err(e)?);
    if json {
        let sensors: Vec<_> = sensors
            .iter()
            .map(|s| {
                serde_json::json!({
                    "address": s.address, "name": s.name, "link": s.link,
                    "battery": s.battery_percent(), "dropped": s.dropped,
                })
            })
            .collect();
        let v = serde_json::json!({
            "playback": playback, "preset": preset, "volume": volume,
            "heart_rate": hr, "cadence": cadence, "tempo": tempo,
            "breathing_rate": (breathing > 0.0).then_some(breathing),
            "breath_lead": lead.map(|l| serde_json::json!({
                "phase": l.phase.name(), "target": l.target,
                "swell_rate": l.swell_rate, "confidence": l.confidence,
            })),
            "heart_lead": heart_lead.map(|h| serde_json::json!({
                "phase": h.phase.name(), "heart_over_rest": h.heart, "music_over_rest": h.music,
            })),
            "controls": controls, "sleep_timer_remaining": timer, "audio_output": audio,
            "dropouts": dropouts,
            "midi_input": midi,
            "bluetooth": bluetooth, "sensors": sensors,
            "workout": (!workout.is_empty()).then(|| serde_json::json!({
                "values": workout, "steering": steering,
            })),
            "now": now.as_ref().map(|n| serde_json::json!({
                "section": format!("{} {}", n.section, n.section_number), "key": n.key, "chord": n.chord, "voices": n.voices,
            })),
        });
        println!("{v}");
        return Ok(());
    }
    println!("{playback} · {preset} · volume {:.0} %", volume * 100.0);
    println!(
        "tempo {tempo:.1} bpm · heart rate {} · cadence {} · breathing {}",
        or_dash(hr, "bpm"),
        or_dash(cadence, "spm"),
        if breathing > 0.0 {
            format!("{breathing:.1}/min")
        } else {
            "–".into()
        }
    );
    if let Some(n) = &now {
        println!(
            "music: {} {} · {} · {} · {}",
            n.section,
            n.section_number,
            n.key,
            n.chord,
            n.voices.join(" ")
        );
    }
    if let Some(w) = &workout_report {
        println!("workout: {} · steering {steering}", w.line());
    }
    if let Some(h) = &heart_lead {
        println!("{}", h.line());
    }
    if let Some(l) = &lead {
        println!("{}", l.line());
    }
    if timer > 0.0 {
        println!("sleep timer: {}", human(timer));
    }
    match dropouts {
        0 => println!("audio: {audio}"),
        n => println!("audio: {audio} · {n} dropout(s) since the daemon started"),
    }
    if midi != "off" {
        println!("MIDI: {midi}");
    }
    if !sensors.is_empty() || bluetooth != "idle" {
        println!("bluetooth: {bluetooth}");
    }
    for line in sensor_lines(&sensors) {
        println!("{line}");
    }
    let mut names: Vec<_> = controls.into_iter().collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let line: Vec<String> = names.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
    println!("controls: {}", line.join(", "));
    Ok(())
}

pub(super) async fn watch(proxy: &AttunedProxy<'_>, count: Option<usize>) -> Result<(), String> {
    let mut last = String::new();
    let mut printed = 0;
    loop {
        let e = explain_error;
        let c = proxy.controls().await.map_err(e)?;
        let get = |k: &str| c.get(k).copied().unwrap_or(0.0);
        let line = format!(
            "hr {} · cadence {} · tempo {:.1} bpm · energy {:.2} · brightness {:.2} · density {:.2}",
            or_dash(proxy.heart_rate().await.map_err(e)?, "bpm"),
            or_dash(proxy.cadence().await.map_err(e)?, "spm"),
            proxy.tempo().await.map_err(e)?,
            get("energy"),
            get("brightness"),
            get("density"),
        );
        let workout = WorkoutReport::from_map(&proxy.workout().await.map_err(e)?);
        let line = match workout {
            Some(w) => format!("{line} · {}", w.line()),
            None => line,
        };
        let breathing = proxy.breathing_rate().await.map_err(e)?;
        let lead = BreathLeadReport::from_map(&proxy.breath_lead().await.map_err(e)?);
        let line = match lead {
            Some(l) if breathing > 0.0 => {
                format!("{line} · breathing {breathing:.1}/min · {}", l.line())
            }
            Some(l) => format!("{line} · breathing – · {}", l.line()),
            None if breathing > 0.0 => format!("{line} · breathing {breathing:.1}/min"),
            None => line,
        };
        if line != last {
            println!("{line}");
            last = line;
            printed += 1;
            if count.is_some_and(|n| printed >= n) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

//! Building one cpal output stream: which host (the configured one, or for `auto` each
//! running sound server best first, ALSA last), which device (the chosen one, or the default
//! while the chosen one is not there), and the callback that renders into it.

use super::AudioStatus;
use super::callback::{SharedRenderer, fill};
use super::dropouts::{Deadline, Dropouts};
use super::hosts;
use super::realtime::AudioThread;
use crate::config::{AudioConfig, AudioHost};
use crate::engine::SAMPLE_RATE;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// Longest a stream may take to open.
pub const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// A host shared by the supervisor and the thread holding its stream.
pub type SharedHost = (cpal::HostId, Arc<cpal::Host>);

/// What cpal's error callback saw, as one atomic: that callback runs on the host's thread
/// and must not lock or allocate.
#[derive(Default)]
pub struct StreamFault(AtomicU8);

impl StreamFault {
    const NONE: u8 = 0;
    const INVALIDATED: u8 = 1;
    const DEVICE_GONE: u8 = 2;
    const HOST_GONE: u8 = 3;

    /// Record the first fatal error; later ones keep the first.
    fn set(&self, code: u8) {
        let _ = self
            .0
            .compare_exchange(Self::NONE, code, Ordering::Relaxed, Ordering::Relaxed);
    }

    pub fn why(&self) -> Option<String> {
        match self.0.load(Ordering::Relaxed) {
            Self::INVALIDATED => Some("the audio stream was invalidated".into()),
            Self::DEVICE_GONE => Some("the output device is no longer available".into()),
            Self::HOST_GONE => Some("the audio host is no longer available".into()),
            _ => None,
        }
    }
}

/// What the streams' callbacks report to the supervisor, shared by every stream.
#[derive(Clone, Default)]
pub struct Watch {
    /// Dropouts counted.
    pub dropouts: Arc<Dropouts>,
    /// The thread each new stream's callback runs on (for its realtime scheduling).
    pub thread: Arc<AudioThread>,
}

/// A stream that plays, and what it plays on.
pub struct Built {
    pub stream: cpal::Stream,
    pub host: SharedHost,
    pub status: AudioStatus,
    /// It plays on the chosen device (false: on the default, the chosen one being absent or
    /// none chosen).
    pub on_chosen: bool,
}

/// Build and start a stream on the first host that works, reusing `host` where it is the
/// one to use. `device`: the chosen output device (`None`: the default).
pub fn build(
    config: &AudioConfig,
    device: Option<&str>,
    host: Option<SharedHost>,
    renderer: SharedRenderer,
    failed: Arc<StreamFault>,
    watch: Watch,
) -> Result<Built, String> {
    let mut why = Vec::new();
    for id in hosts::candidates(config.host) {
        let kept = host.as_ref().filter(|(kept, _)| *kept == id).cloned();
        match build_on(
            id,
            config,
            device,
            kept,
            renderer.clone(),
            failed.clone(),
            watch.clone(),
        ) {
            Ok(built) => {
                if !why.is_empty() {
                    tracing::warn!("audio: {} plays, after {}", id.name(), why.join("; "));
                }
                return Ok(built);
            }
            Err(e) => why.push(e),
        }
    }
    Err(why.join("; "))
}

fn build_on(
    host_id: cpal::HostId,
    config: &AudioConfig,
    chosen: Option<&str>,
    host: Option<SharedHost>,
    renderer: SharedRenderer,
    failed: Arc<StreamFault>,
    watch: Watch,
) -> Result<Built, String> {
    let auto = config.host == AudioHost::Auto;
    // In auto mode ALSA is only the last resort: say so when it fails too.
    let context = if host_id == cpal::HostId::Alsa && auto {
        "no sound server (PipeWire or PulseAudio) is running, and ALSA"
    } else {
        host_id.name()
    };
    // PipeWire's host lists its devices once, when made: a device chosen since needs a new
    // one (cheap: one connection, closed once the list is read).
    let host = match host {
        Some((_, h)) if chosen.is_none() || host_id != cpal::HostId::PipeWire => h,
        _ => Arc::new(hosts::host(host_id).map_err(|e| format!("{context}: {e}"))?),
    };
    let found = chosen.and_then(|name| hosts::find_output(&host, name));
    let on_chosen = found.is_some();
    let device = match found {
        Some(d) => d,
        None => host
            .default_output_device()
            .ok_or_else(|| format!("{context}: no output device"))?,
    };
    let device_name = match (chosen, on_chosen) {
        (Some(name), true) => name.to_owned(),
        (Some(name), false) => format!("the default ({name} is not there)"),
        // PipeWire's default is a stand-in node called "default_output".
        (None, _) if host_id == cpal::HostId::PipeWire => "the default output".into(),
        (None, _) => device
            .description()
            .map(|d| d.name().to_string())
            .unwrap_or_else(|_| "default".into()),
    };
    if host_id == cpal::HostId::Alsa && auto && device_name == "null" {
        return Err("no sound server (PipeWire or PulseAudio) and no ALSA device".into());
    }
    let supported = device
        .default_output_config()
        .map_err(|e| format!("{context}: {e}"))?;
    let channels = supported.channels().max(1);
    let frames = buffer_frames(config.buffer_ms, supported.buffer_size());
    let stream_config = cpal::StreamConfig {
        channels,
        sample_rate: SAMPLE_RATE as u32,
        buffer_size: cpal::BufferSize::Fixed(frames),
    };
    let xruns = watch.dropouts.clone();
    let on_error = move |e: cpal::Error| {
        use cpal::ErrorKind::*;
        // Xruns and unclassified backend errors (ALSA through the pulse plugin floods EIO
        // harmlessly) are not fatal; the watchdog judges those streams by their progress.
        match e.kind() {
            StreamInvalidated => failed.set(StreamFault::INVALIDATED),
            DeviceNotAvailable => failed.set(StreamFault::DEVICE_GONE),
            HostUnavailable => failed.set(StreamFault::HOST_GONE),
            Xrun => xruns.add(),
            _ => {}
        }
    };
    let ch = channels as usize;
    let format = supported.sample_format();
    let mut deadline = Deadline::default();
    let mut noted = false;
    let mut on_time = move |frames: usize, info: &cpal::OutputCallbackInfo| {
        if !noted {
            watch.thread.note();
            noted = true;
        }
        let t = info.timestamp();
        if deadline.late(t.callback, t.playback, frames) {
            watch.dropouts.add();
        }
        t.playback.duration_since(t.callback)
    };
    let stream = match format {
        cpal::SampleFormat::F32 => device.build_output_stream::<f32, _, _>(
            stream_config,
            move |out, info| {
                let heard_after = on_time(out.len() / ch, info);
                fill(&renderer, out, ch, heard_after)
            },
            on_error,
            Some(OPEN_TIMEOUT),
        ),
        cpal::SampleFormat::I16 => device.build_output_stream::<i16, _, _>(
            stream_config,
            move |out, info| {
                let heard_after = on_time(out.len() / ch, info);
                fill(&renderer, out, ch, heard_after)
            },
            on_error,
            Some(OPEN_TIMEOUT),
        ),
        other => {
            return Err(format!(
                "device sample format {other} is not supported (F32 or I16)"
            ));
        }
    }
    .map_err(|e| format!("{} ({device_name}): {e}", host_id.name()))?;
    stream
        .play()
        .map_err(|e| format!("{} ({device_name}): {e}", host_id.name()))?;
    let status = AudioStatus::Playing {
        host: host_id.name().to_string(),
        device: device_name,
        format: format!(
            "{format} {ch} ch {} Hz, {} ms buffer",
            SAMPLE_RATE,
            (frames as f64 * 1000.0 / SAMPLE_RATE as f64).round()
        ),
    };
    Ok(Built {
        stream,
        host: (host_id, host),
        status,
        on_chosen,
    })
}

/// The buffer asked for, in frames: `buffer_ms` within what the device takes. A PipeWire
/// server takes at most its `clock.max-quantum` (2048 frames, 43 ms, unless configured
/// higher); asking for more is refused rather than clamped by cpal.
fn buffer_frames(buffer_ms: u32, range: &cpal::SupportedBufferSize) -> u32 {
    let wanted = (SAMPLE_RATE as f64 * buffer_ms as f64 / 1000.0).round() as u32;
    match *range {
        cpal::SupportedBufferSize::Range { min, max } if min <= max => wanted.clamp(min, max),
        _ => wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_is_held_to_what_the_device_takes() {
        let pipewire = cpal::SupportedBufferSize::Range { min: 16, max: 2048 };
        assert_eq!(buffer_frames(200, &pipewire), 2048);
        assert_eq!(buffer_frames(20, &pipewire), 960);
        let wide = cpal::SupportedBufferSize::Range {
            min: 1,
            max: 262_144,
        };
        assert_eq!(buffer_frames(200, &wide), 9600);
        assert_eq!(
            buffer_frames(200, &cpal::SupportedBufferSize::Unknown),
            9600
        );
    }
}

//! The sound servers attuned plays through, in the order `auto` tries them (PipeWire's
//! native protocol, then PulseAudio's, then ALSA), and the output devices each offers.

use crate::config::AudioHost;
use cpal::traits::{DeviceTrait, HostTrait};
use std::path::PathBuf;

/// One output device, as `OutputDevices` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputDevice {
    /// The host's stable name for it (PipeWire's `node.name`, PulseAudio's sink name, an ALSA
    /// PCM): what `SetOutputDevice` and `[audio] device` take.
    pub name: String,
    /// What the desktop calls it ("Built-in Audio Analog Stereo").
    pub description: String,
}

/// Where PipeWire's socket would be: `$PIPEWIRE_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR`.
fn pipewire_socket() -> Option<PathBuf> {
    let remote = std::env::var("PIPEWIRE_REMOTE").unwrap_or_else(|_| "pipewire-0".into());
    ["PIPEWIRE_RUNTIME_DIR", "XDG_RUNTIME_DIR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|dir| PathBuf::from(dir).join(&remote))
        .find(|p| p.exists())
}

/// A PipeWire server's socket is there now. (cpal's own check looks once per process and
/// keeps the answer, so a server started after the daemon would never be seen by it.)
pub fn pipewire_running() -> bool {
    pipewire_socket().is_some()
}

/// The cpal host `id`; before a PulseAudio one, the cookie its client shows is put where
/// it looks (see [`pulse_cookie`](super::pulse_cookie)).
pub fn host(id: cpal::HostId) -> Result<cpal::Host, cpal::Error> {
    if id == cpal::HostId::PulseAudio {
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        match super::pulse_cookie::ensure() {
            Ok(Some(path)) => tracing::info!(
                "audio: no PulseAudio client cookie where cpal looks; wrote one at {}",
                path.display()
            ),
            Ok(None) => {}
            Err(e) if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) => {
                tracing::warn!("audio: cannot write a PulseAudio client cookie: {e}")
            }
            Err(_) => {}
        }
    }
    cpal::host_from_id(id)
}

/// A PulseAudio server's socket (or pipewire-pulse's) is there now.
pub fn pulse_running() -> bool {
    cpal::available_hosts().contains(&cpal::HostId::PulseAudio)
}

/// The hosts to try, best first, for the configured choice: `auto` tries each sound server
/// that is running, ALSA last; a named host is tried alone.
pub fn candidates(choice: AudioHost) -> Vec<cpal::HostId> {
    match choice {
        AudioHost::PipeWire => vec![cpal::HostId::PipeWire],
        AudioHost::PulseAudio => vec![cpal::HostId::PulseAudio],
        AudioHost::Alsa => vec![cpal::HostId::Alsa],
        AudioHost::Auto => {
            let mut ids = Vec::new();
            if pipewire_running() {
                ids.push(cpal::HostId::PipeWire);
            }
            if pulse_running() {
                ids.push(cpal::HostId::PulseAudio);
            }
            ids.push(cpal::HostId::Alsa);
            ids
        }
    }
}

/// How `auto` ranks a host: lower is better.
pub fn rank(id: cpal::HostId) -> usize {
    match id {
        cpal::HostId::PipeWire => 0,
        cpal::HostId::PulseAudio => 1,
        _ => 2,
    }
}

/// PipeWire's stand-ins for "whatever the default is" (cpal lists them beside the real
/// nodes; they are not devices one can choose).
const PIPEWIRE_STAND_INS: [&str; 3] = ["sink_default", "input_default", "output_default"];

/// The output devices `host` offers now.
pub fn output_devices(host: &cpal::Host) -> Result<Vec<OutputDevice>, String> {
    let id = host.id();
    let devices = host
        .devices()
        .map_err(|e| format!("{}: cannot list devices: {e}", id.name()))?;
    let mut out: Vec<OutputDevice> = Vec::new();
    for device in devices {
        if !device.supports_output() {
            continue;
        }
        // cpal's PipeWire host also lists other programs' playback streams as output
        // devices; sinks are the nodes it marks as both directions (their monitors capture).
        if id == cpal::HostId::PipeWire && !device.supports_input() {
            continue;
        }
        let Ok(device_id) = device.id() else { continue };
        let name = device_id.id().to_owned();
        if id == cpal::HostId::PipeWire && PIPEWIRE_STAND_INS.contains(&name.as_str()) {
            continue;
        }
        let description = device
            .description()
            .map(|d| d.name().to_owned())
            .unwrap_or_else(|_| name.clone());
        if !out.iter().any(|d| d.name == name) {
            out.push(OutputDevice { name, description });
        }
    }
    Ok(out)
}

/// The output device called `name` on `host`, if it has one now.
pub fn find_output(host: &cpal::Host, name: &str) -> Option<cpal::Device> {
    host.output_devices().ok()?.find(|d| {
        d.id().is_ok_and(|id| id.id() == name)
            && (host.id() != cpal::HostId::PipeWire || d.supports_input())
    })
}

/// A new host of the kind the configured choice plays on now, with its devices (for
/// `OutputDevices`: a fresh look, not the playing stream's host).
pub fn list_now(choice: AudioHost) -> Result<(cpal::HostId, Vec<OutputDevice>), String> {
    let mut why = Vec::new();
    for id in candidates(choice) {
        match host(id) {
            Ok(host) => match output_devices(&host) {
                Ok(devices) if !devices.is_empty() || id == cpal::HostId::Alsa => {
                    return Ok((id, devices));
                }
                Ok(_) => why.push(format!("{}: no output devices", id.name())),
                Err(e) => why.push(e),
            },
            Err(e) => why.push(format!("{}: {e}", id.name())),
        }
    }
    Err(why.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_host_is_tried_alone_and_auto_ends_with_alsa() {
        assert_eq!(candidates(AudioHost::PipeWire), [cpal::HostId::PipeWire]);
        assert_eq!(candidates(AudioHost::Alsa), [cpal::HostId::Alsa]);
        assert_eq!(
            candidates(AudioHost::Auto).last(),
            Some(&cpal::HostId::Alsa)
        );
        assert!(rank(cpal::HostId::PipeWire) < rank(cpal::HostId::PulseAudio));
        assert!(rank(cpal::HostId::PulseAudio) < rank(cpal::HostId::Alsa));
    }
}

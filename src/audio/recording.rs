//! A stand-in for the sound card: [`RecordingOutput`] takes the engine's renderer and the
//! daemon's audio commands like the cpal supervisor does, and renders only when a test
//! asks ([`RecordingHandle::pull`]), as a sound card pulls while a stream is open. The
//! daemon's core runs on it in-process (`tests/daemon_core.rs`), with tokio's clock paused.

use super::AudioStatus;
use super::output::{AudioCommand, AudioStatusReader, Output};
use crate::config::AudioConfig;
use crate::engine::Renderer;
use std::sync::{Arc, Mutex, MutexGuard};

/// What the stand-in was told and has played.
struct Recording {
    renderer: Renderer,
    commands: Vec<AudioCommand>,
    device: Option<String>,
    playing: bool,
}

/// The daemon's side: an [`Output`] that records.
pub struct RecordingOutput {
    recording: Arc<Mutex<Recording>>,
    status: Arc<Mutex<AudioStatus>>,
}

/// The test's side: what was commanded, and the audio pulled through the renderer.
#[derive(Clone)]
pub struct RecordingHandle {
    recording: Arc<Mutex<Recording>>,
}

impl RecordingOutput {
    /// Take `renderer`; the handle reads what happens to it.
    pub fn new(renderer: Renderer, config: &AudioConfig) -> (RecordingOutput, RecordingHandle) {
        let recording = Arc::new(Mutex::new(Recording {
            renderer,
            commands: Vec::new(),
            device: config.device.clone(),
            playing: false,
        }));
        let handle = RecordingHandle {
            recording: recording.clone(),
        };
        let output = RecordingOutput {
            recording,
            status: Arc::new(Mutex::new(AudioStatus::Stopped)),
        };
        (output, handle)
    }
}

fn lock(m: &Mutex<Recording>) -> MutexGuard<'_, Recording> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Output for RecordingOutput {
    fn send(&self, command: AudioCommand) {
        let mut r = lock(&self.recording);
        let status = match &command {
            AudioCommand::Play => {
                r.playing = true;
                Some(AudioStatus::Playing {
                    host: "recording".into(),
                    device: r.device.clone().unwrap_or_else(|| "default".into()),
                    format: "f32".into(),
                })
            }
            AudioCommand::Stop | AudioCommand::Shutdown => {
                r.playing = false;
                Some(AudioStatus::Stopped)
            }
            AudioCommand::SetDevice(d) => {
                r.device.clone_from(d);
                None
            }
        };
        r.commands.push(command);
        if let Some(s) = status {
            *self.status.lock().unwrap_or_else(|e| e.into_inner()) = s;
        }
    }

    fn status_reader(&self) -> AudioStatusReader {
        AudioStatusReader::new(self.status.clone(), Default::default())
    }
}

impl RecordingHandle {
    /// Every command sent so far, oldest first.
    pub fn commands(&self) -> Vec<AudioCommand> {
        lock(&self.recording).commands.clone()
    }

    /// Whether a stream would be open now.
    pub fn playing(&self) -> bool {
        lock(&self.recording).playing
    }

    /// The device the output was last told to play on.
    pub fn device(&self) -> Option<String> {
        lock(&self.recording).device.clone()
    }

    /// Render `frames` (left channel) as an open stream would, in callback-sized blocks;
    /// `None` while stopped (a closed stream pulls nothing and the music does not move).
    pub fn pull(&self, frames: usize) -> Option<Vec<f32>> {
        let mut r = lock(&self.recording);
        if !r.playing {
            return None;
        }
        let (mut left, mut right) = (vec![0.0; frames], vec![0.0; frames]);
        for (l, r2) in left.chunks_mut(512).zip(right.chunks_mut(512)) {
            r.renderer.render(l, r2);
        }
        Some(left)
    }

    /// The root-mean-square level of `frames` pulled now (`None` while stopped).
    pub fn pull_rms(&self, frames: usize) -> Option<f32> {
        let left = self.pull(frames)?;
        let sum: f64 = left.iter().map(|x| (*x as f64) * (*x as f64)).sum();
        Some((sum / frames.max(1) as f64).sqrt() as f32)
    }
}

//! The handle the D-Bus interfaces hold: commands go to the core's owner task and the reply
//! is awaited; state is read from the latest published [`View`] without waiting.

use super::command::CommandError;
use super::command::{Command, PresetChoice, Reply};
use super::view::View;
use crate::audio::hosts::OutputDevice;
use crate::limits::TimerAction;
use crate::sensor::PairedSensor;
use tokio::sync::{mpsc, oneshot, watch};

/// Commands in, the view out.
#[derive(Clone)]
pub struct CoreHandle {
    commands: mpsc::Sender<Command>,
    view: watch::Receiver<View>,
}

impl CoreHandle {
    pub fn new(commands: mpsc::Sender<Command>, view: watch::Receiver<View>) -> Self {
        CoreHandle { commands, view }
    }

    /// The state as last published (never waits for the core).
    pub fn view(&self) -> watch::Ref<'_, View> {
        self.view.borrow()
    }

    /// A receiver that sees every published view (for change notification).
    pub fn subscribe(&self) -> watch::Receiver<View> {
        self.view.clone()
    }

    async fn ask<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, CommandError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(command(tx))
            .await
            .map_err(|_| CommandError::ShuttingDown)?;
        rx.await.map_err(|_| CommandError::ShuttingDown)
    }

    pub async fn play(&self) -> Result<(), CommandError> {
        self.ask(Command::Play).await
    }
    pub async fn pause(&self) -> Result<(), CommandError> {
        self.ask(Command::Pause).await
    }
    pub async fn toggle(&self) -> Result<(), CommandError> {
        self.ask(Command::Toggle).await
    }
    pub async fn set_preset(&self, name: &str) -> Result<(), CommandError> {
        let choice = PresetChoice::Named(name.to_owned());
        self.ask(|r| Command::SetPreset(choice, r)).await?
    }
    /// The preset `offset` places along the sorted list from the one playing.
    pub async fn step_preset(&self, offset: isize) -> Result<(), CommandError> {
        let from = self.view().preset.clone();
        let choice = PresetChoice::Step { from, offset };
        self.ask(|r| Command::SetPreset(choice, r)).await?
    }
    pub async fn reload_presets(&self) -> Result<(), CommandError> {
        self.ask(Command::ReloadPresets).await?
    }
    pub async fn set_volume(&self, volume: f64) -> Result<(), CommandError> {
        self.ask(|r| Command::SetVolume(volume, r)).await?
    }
    pub async fn set_layer_level(&self, layer: &str, level: f64) -> Result<(), CommandError> {
        let layer = layer.to_owned();
        self.ask(|r| Command::SetLayerLevel(layer, level, r))
            .await?
    }
    pub async fn set_modulation_depth(&self, depth: Option<f64>) -> Result<(), CommandError> {
        self.ask(|r| Command::SetModulationDepth(depth, r)).await?
    }
    pub async fn set_timer(
        &self,
        seconds: f64,
        fade: f64,
        action: TimerAction,
    ) -> Result<(), CommandError> {
        self.ask(|reply| Command::SetTimer {
            seconds,
            fade,
            action,
            reply,
        })
        .await?
    }
    pub async fn cancel_timer(&self) -> Result<(), CommandError> {
        self.ask(Command::CancelTimer).await
    }
    pub async fn explain(&self) -> Result<Vec<(String, String, f64)>, CommandError> {
        self.ask(Command::Explain).await
    }
    pub async fn explain_text(&self) -> Result<Vec<String>, CommandError> {
        self.ask(Command::ExplainText).await
    }
    pub async fn set_motif(
        &self,
        motif: Option<Vec<crate::compose::given::GivenNote>>,
    ) -> Result<(), CommandError> {
        self.ask(|r| Command::SetMotif(motif, r)).await?
    }
    pub async fn set_target_cadence(&self, spm: f64) -> Result<(), CommandError> {
        self.ask(|r| Command::SetTargetCadence(spm, r)).await?
    }
    pub async fn set_hr_zone(&self, low: f64, high: f64) -> Result<(), CommandError> {
        self.ask(|r| Command::SetHeartRateZone(low, high, r))
            .await?
    }
    pub async fn set_hr_ceiling(&self, bpm: f64) -> Result<(), CommandError> {
        self.ask(|r| Command::SetHeartRateCeiling(bpm, r)).await?
    }
    pub async fn output_devices(&self) -> Result<Vec<OutputDevice>, CommandError> {
        self.ask(Command::OutputDevices).await?
    }
    pub async fn set_output_device(&self, name: &str) -> Result<(), CommandError> {
        let name = name.to_owned();
        self.ask(|r| Command::SetOutputDevice(name, r)).await?
    }
    pub async fn remember_sensor(&self, sensor: PairedSensor) -> Result<(), CommandError> {
        self.ask(|r| Command::RememberSensor(sensor, r)).await
    }
    pub async fn forget_sensor(&self, address: String) -> Result<(), CommandError> {
        self.ask(|r| Command::ForgetSensor(address, r)).await
    }
}

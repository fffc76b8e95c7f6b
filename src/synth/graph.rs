//! One preset as a fundsp [`AudioUnit`]: the player and the voices, driven by the
//! shared controls and the planned bars. Controls are read once per block (≤ 64 samples),
//! smoothed with a one-pole (~0.4 s) and mapped through the preset's parameter table; the
//! bar's mix (voice gains, brightness) glides over ~1.5 s; notes fire on their exact sample.

use super::beat::BeatLock;
use super::dsp::{OnePole, db_to_gain};
use super::focus_am::{FocusAm, SharedAmDepth};
use super::layer_mix::LayerMixer;
use super::links::Links;
use super::live_keys::{KeyChange, KeysReader};
use super::loudness_rider::LoudnessRider;
use super::nature::{Nature, NatureParams, SharedSun};
use super::player::{Gates, Player, PlayerStatus};
use super::swell::Swell;
use super::voices::bass::Bass;
use super::voices::choice::{ChordVoice, MelodyVoice};
use super::voices::grains::{Grains, GrainsParams};
use super::voices::noise::{NoiseBed, NoiseParams};
use super::voices::pad::PadParams;
use super::voices::pulse::Pulse;
use super::voices::reverb::Reverb;
use super::voices::soft_keys::SoftKeys;
use super::voices::{Bus, MAX_BLOCK, StrikeParams};
use crate::controls::{Control, ControlValues, SharedControls};
use crate::music::bar::BarPlan;
use crate::music::note::{NoteEvent, VoiceKind};
use crate::preset::Preset;
use crate::preset::layers::Layer;
use crate::preset::params::{PARAM_COUNT, Param, ParamValues};
use fundsp::audiounit::AudioUnit;
use fundsp::buffer::{BufferMut, BufferRef};
use fundsp::signal::SignalFrame;
use std::sync::{Arc, Mutex};

/// Where a unit reports the notes it plays (lock-free, drops when full).
pub type EventSink = rtrb::Producer<NoteEvent>;

// fundsp units must be `Sync`; the sink is only used through `&mut self`, so it sits in a
// `Mutex` that is never locked (`get_mut` borrows it statically).
type SyncSink = Mutex<EventSink>;

/// The live synthesis graph of one preset.
pub struct PresetUnit {
    preset: Preset,
    controls: SharedControls,
    smooth: [OnePole; Control::COUNT],
    params: ParamValues,
    player: Player,
    /// Voice gains (pad, bells, bass, pulse, noise) and brightness, gliding to the bar's.
    mix: [OnePole; 6],
    pad: ChordVoice,
    /// The haze smearing the chords, in presets that have it.
    grains: Option<Grains>,
    bells: MelodyVoice,
    bass: Bass,
    pulse: Pulse,
    noise: NoiseBed,
    reverb: Reverb,
    /// Wind, rain, waves … (those the preset has), and the sun the birds follow.
    nature: Nature,
    sun: SharedSun,
    /// The controls as smoothed this block.
    smoothed: ControlValues,
    /// Every layer on its own bus, folded in at the listener's levels.
    mixer: LayerMixer,
    /// What a musician plays live, and the voice it sounds through.
    keys: KeysReader,
    soft_keys: SoftKeys,
    bus: Bus,
    gain: f32,
    /// Keeps the loudness at the preset's over minutes, whatever the seed plays.
    rider: LoudnessRider,
    sample: u64,
    sample_rate: f32,
    sink: Option<SyncSink>,
    /// Cadence following, for presets that have it.
    beat: Option<BeatLock>,
    /// The slow swell (its rate set by the breath lead, when it leads).
    swell: Swell,
    /// Amplitude modulation for focus, in presets that have it, and the listener's depth.
    am: Option<FocusAm>,
    am_depth: SharedAmDepth,
    prerolling: bool,
}

impl Clone for PresetUnit {
    /// fundsp clones units on the control side when committing a `Net`; the clone is
    /// never the one that plays, so it gets no event sink.
    fn clone(&self) -> Self {
        PresetUnit {
            preset: self.preset.clone(),
            controls: self.controls.clone(),
            smooth: self.smooth.clone(),
            params: self.params,
            player: self.player.clone(),
            mix: self.mix.clone(),
            pad: self.pad.clone(),
            grains: self.grains.clone(),
            bells: self.bells.clone(),
            bass: self.bass.clone(),
            pulse: self.pulse.clone(),
            noise: self.noise.clone(),
            reverb: self.reverb.clone(),
            nature: self.nature.clone(),
            sun: self.sun.clone(),
            smoothed: self.smoothed,
            mixer: self.mixer.clone(),
            rider: self.rider.clone(),
            keys: self.keys.clone(),
            soft_keys: self.soft_keys.clone(),
            bus: self.bus.clone(),
            gain: self.gain,
            sample: self.sample,
            sample_rate: self.sample_rate,
            sink: None,
            beat: self.beat.clone(),
            swell: self.swell.clone(),
            am: self.am.clone(),
            am_depth: self.am_depth.clone(),
            prerolling: self.prerolling,
        }
    }
}

impl PresetUnit {
    /// Build everything (all allocation happens here).
    pub fn new(
        preset: &Preset,
        controls: SharedControls,
        seed: u64,
        sample_rate: f32,
        sink: Option<EventSink>,
        bars: Option<rtrb::Consumer<BarPlan>>,
        links: &Links,
    ) -> Self {
        let seed = preset_seed(seed, &preset.name);
        let initial = controls.load();
        let smooth = std::array::from_fn(|i| {
            let mut p = OnePole::default();
            p.set_time(0.4 * sample_rate / MAX_BLOCK as f32);
            p.y = initial.0[i];
            p
        });
        let mut params = ParamValues([0.0; PARAM_COUNT]);
        preset.params.eval_into(&initial, &mut params);
        PresetUnit {
            preset: preset.clone(),
            controls,
            smooth,
            params,
            player: Player::new(preset.beats_per_bar, bars),
            mix: std::array::from_fn(|_| {
                let mut p = OnePole::default();
                p.set_time(1.5 * sample_rate / MAX_BLOCK as f32);
                p.y = 1.0;
                p
            }),
            pad: ChordVoice::new(preset.voices.chords, sample_rate, seed ^ 0xC401),
            grains: preset
                .layers()
                .contains(&Layer::Grains)
                .then(|| Grains::new(sample_rate, seed ^ 0x6A41)),
            bells: MelodyVoice::new(preset.voices.melody, sample_rate, seed ^ 0x91C4),
            bass: Bass::new(sample_rate),
            pulse: Pulse::new(preset.pulse, seed ^ 0xBEA7, sample_rate),
            noise: NoiseBed::new(preset.noise_color, seed ^ 0x5EED, sample_rate),
            reverb: Reverb::new(sample_rate),
            nature: Nature::new(
                preset.nature,
                seed ^ 0x0A7E,
                sample_rate,
                links.nature.clone(),
            ),
            sun: links.sun.clone(),
            smoothed: initial,
            mixer: LayerMixer::new(&preset.layers(), links.mix.clone(), sample_rate),
            keys: links.keys.reader(),
            soft_keys: SoftKeys::new(sample_rate),
            bus: Bus::default(),
            gain: db_to_gain(preset.level_db),
            rider: LoudnessRider::new(sample_rate),
            sample: 0,
            sample_rate,
            sink: sink.map(Mutex::new),
            beat: preset.follow_bpm.map(|_| BeatLock::new(links.beat.clone())),
            swell: Swell::new(links.swell.clone(), sample_rate),
            am: preset.am.map(|a| FocusAm::new(a, sample_rate)),
            am_depth: links.am_depth.clone(),
            prerolling: false,
        }
    }

    /// The player's report (bar playing, underruns).
    pub fn player_status(&self) -> Arc<PlayerStatus> {
        self.player.status()
    }

    /// The preset this unit plays.
    pub fn preset(&self) -> &Preset {
        &self.preset
    }

    fn update_params(&mut self) {
        let target = self.controls.load();
        let mut smoothed = ControlValues::default();
        for (i, s) in self.smooth.iter_mut().enumerate() {
            smoothed.0[i] = s.tick(target.0[i]);
        }
        // Controls mostly rest, and a resting one-pole stops on its target exactly: the
        // table needs evaluating only when a smoothed control moved.
        if smoothed != self.smoothed {
            self.preset.params.eval_into(&smoothed, &mut self.params);
            self.smoothed = smoothed;
        }
        self.reverb.set_decay(self.params.get(Param::ReverbDecay));
    }

    /// Render `size` (≤ 64) samples into `left`/`right`.
    pub fn render(&mut self, size: usize, left: &mut [f32], right: &mut [f32]) {
        if let Some(hz) = self.preset.tone_hz {
            // Diagnostic tone at −12 dBFS; the phase is kept in f64 so it never drifts.
            let step = hz as f64 / self.sample_rate as f64;
            for (l, r) in left[..size].iter_mut().zip(&mut right[..size]) {
                let y = 0.25 * (self.sample as f64 * step * std::f64::consts::TAU).sin() as f32;
                (*l, *r) = (y, y);
                self.sample += 1;
            }
            return;
        }
        self.update_params();
        self.bus.clear();
        self.mixer.clear();
        let p = self.params;
        let bar = self.player.bar();
        let [pad_g, bells_g, bass_g, pulse_g, noise_g] = bar.gains;
        let (loudness_db, hush) = (bar.loudness_db, bar.hush);
        let targets = [pad_g, bells_g, bass_g, pulse_g, noise_g, bar.brightness];
        let mut g = [0.0f32; 6];
        for ((y, s), t) in g.iter_mut().zip(&mut self.mix).zip(targets) {
            *y = s.tick(t);
        }
        let gates: Gates = [
            f32::INFINITY,
            p.get(Param::MelodyDensity),
            f32::INFINITY,
            p.get(Param::PulseLevel) * 1.5,
        ];
        let swell = self.swell.advance(size);
        let pad = PadParams {
            level: p.get(Param::PadLevel) * g[0],
            cutoff: (p.get(Param::PadCutoff) * g[5]).clamp(40.0, 16_000.0),
            swell: p.get(Param::PadSwell).max(swell.least_depth),
            swell_value: swell.value,
            detune_cents: p.get(Param::PadDetune),
            send: 0.8,
        };
        let bell = StrikeParams {
            level: p.get(Param::BellsLevel) * g[1],
            brightness: p.get(Param::BellsBrightness) * g[5],
            decay_s: p.get(Param::BellsDecay),
            send: 1.0,
        };
        let noise = NoiseParams {
            level: p.get(Param::NoiseLevel) * g[4],
            cutoff: p.get(Param::NoiseCutoff),
            gust: p.get(Param::NoiseGust),
        };
        let own_tempo = || 60.0 * self.sample_rate as f64 / p.get(Param::TempoBpm).max(1.0) as f64;
        let followed = self.beat.as_mut().and_then(|b| {
            b.samples_per_beat(
                self.player.beat(),
                size,
                self.sample_rate as f64,
                !self.prerolling,
            )
        });
        let samples_per_beat = followed.unwrap_or_else(own_tempo);
        let mut i = 0;
        while i < size {
            while let Some(ev) = self.player.pop_due(&gates) {
                let at = self.sample + i as u64;
                let dur = (ev.beats as f64 * samples_per_beat) as u64;
                match ev.voice {
                    VoiceKind::Pad => self.pad.note_on(ev.freq, ev.velocity, dur),
                    VoiceKind::Bells => self.bells.note_on(ev.freq, ev.velocity, ev.pan, &bell),
                    VoiceKind::Bass => self.bass.note_on(ev.freq, ev.velocity, dur),
                    VoiceKind::Pulse => self.pulse.strike(ev.midi, ev.velocity, dur),
                }
                if let Some(Ok(sink)) = self.sink.as_mut().map(Mutex::get_mut) {
                    let e = NoteEvent {
                        sample: at,
                        beat: ev.beat,
                        voice: ev.voice,
                        midi: ev.midi,
                        freq: ev.freq,
                        velocity: ev.velocity,
                        beats: ev.beats,
                        length: dur,
                        pan: ev.pan,
                    };
                    // A full record (nobody drained it) loses the note from the record only;
                    // what is heard does not depend on it.
                    let _ = sink.push(e);
                }
            }
            let run = std::cmp::min(
                self.player.samples_to_next(samples_per_beat) as usize,
                size - i,
            );
            let buses = &mut self.mixer.buses;
            self.pad
                .render(&pad, &mut buses[Layer::Pad as usize], i, run);
            self.bells
                .render(&bell, &mut buses[Layer::Melody as usize], i, run);
            let bass = p.get(Param::BassLevel) * g[2];
            self.bass
                .render(bass, &mut buses[Layer::Bass as usize], i, run);
            let pulse = p.get(Param::PulseLevel) * g[3];
            self.pulse
                .render(pulse, &mut buses[Layer::Beat as usize], i, run);
            self.noise
                .render(&noise, &mut buses[Layer::Noise as usize], i, run);
            self.player.advance(run as u64, samples_per_beat);
            i += run;
        }
        if let Some(grains) = &mut self.grains {
            let chords = &self.mixer.buses[Layer::Pad as usize];
            let (l, r) = (chords.l, chords.r);
            let params = GrainsParams {
                level: p.get(Param::GrainsLevel),
                rate: p.get(Param::GrainsRate),
                send: 1.0,
            };
            let bus = &mut self.mixer.buses[Layer::Grains as usize];
            grains.render(&params, (&l[..size], &r[..size]), bus, 0, size);
        }
        let (sun_elevation, sun_rising) = self.sun.get();
        let nature = NatureParams {
            texture: self.smoothed.get(Control::Texture),
            motion: self.smoothed.get(Control::Motion),
            space: self.smoothed.get(Control::Space),
            sun_elevation,
            sun_rising,
        };
        self.nature.render(&nature, &mut self.mixer.buses, 0, size);
        self.mixer
            .set_reverb(p.get(Param::ReverbDecay), p.get(Param::ReverbMix) * 2.0);
        let lift = self.mixer.fold(&mut self.bus, size);
        let soft_keys = &mut self.soft_keys;
        self.keys.poll(|change| match change {
            KeyChange::Struck { note, velocity } => soft_keys.strike(note, velocity),
            KeyChange::Released { note } => soft_keys.release(note),
        });
        soft_keys.render(g[5].min(1.0), &mut self.bus, 0, size);
        self.sample += size as u64;
        let mix = p.get(Param::ReverbMix);
        let (mut wet_l, mut wet_r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
        self.reverb.process(
            &self.bus.send_l,
            &self.bus.send_r,
            &mut wet_l[..size],
            &mut wet_r[..size],
            mix * 2.0,
        );
        self.mixer.end_block(
            (&self.bus.send_l[..size], &self.bus.send_r[..size]),
            (&wet_l[..size], &wet_r[..size]),
        );
        for k in 0..size {
            left[k] = self.bus.l[k] + wet_l[k];
            right[k] = self.bus.r[k] + wet_r[k];
        }
        let dry = 1.0 - 0.5 * mix;
        let ride = self.rider.gain(loudness_db, hush, size);
        let level = self.gain * dry * lift * ride;
        match &mut self.am {
            Some(am) => {
                am.follow(self.am_depth.get());
                for (l, r) in left[..size].iter_mut().zip(right[..size].iter_mut()) {
                    let g = level * am.gain();
                    *l *= g;
                    *r *= g;
                }
            }
            None => {
                for (l, r) in left[..size].iter_mut().zip(right[..size].iter_mut()) {
                    *l *= level;
                    *r *= level;
                }
            }
        }
        let settling = self.mixer.settling();
        self.rider
            .meter(&left[..size], &right[..size], ride, settling);
    }
}

/// The seed a preset's planner and voices use: the session seed mixed with the name.
pub fn preset_seed(seed: u64, name: &str) -> u64 {
    seed ^ hash_name(name)
}

fn hash_name(name: &str) -> u64 {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

impl PresetUnit {
    /// Play `samples` of the preset silently (off the audio thread, before it is heard) so
    /// it enters a crossfade with its pads sounding and its reverb filled, not from silence.
    /// Notes played here are not reported; reported notes count from the end of the pre-roll.
    pub fn preroll(&mut self, samples: u64) {
        let _flush = crate::cpu::FlushDenormals::new();
        let sink = self.sink.take();
        self.prerolling = true;
        let (mut l, mut r) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);
        let mut left = samples;
        while left > 0 {
            let n = std::cmp::min(left, MAX_BLOCK as u64) as usize;
            self.render(n, &mut l, &mut r);
            left -= n as u64;
        }
        self.sample = 0;
        self.sink = sink;
        self.prerolling = false;
        if let Some(b) = &mut self.beat {
            b.rewind();
        }
    }
}

impl AudioUnit for PresetUnit {
    fn inputs(&self) -> usize {
        0
    }
    fn outputs(&self) -> usize {
        2
    }
    fn tick(&mut self, _input: &[f32], output: &mut [f32]) {
        let (mut l, mut r) = ([0.0f32; 1], [0.0f32; 1]);
        self.render(1, &mut l, &mut r);
        output[0] = l[0];
        output[1] = r[0];
    }
    fn process(&mut self, size: usize, _input: &BufferRef, output: &mut BufferMut) {
        let mut l = [0.0f32; MAX_BLOCK];
        let mut r = [0.0f32; MAX_BLOCK];
        self.render(size, &mut l, &mut r);
        output.channel_f32_mut(0)[..size].copy_from_slice(&l[..size]);
        output.channel_f32_mut(1)[..size].copy_from_slice(&r[..size]);
    }
    fn set_sample_rate(&mut self, sample_rate: f64) {
        debug_assert!(
            (sample_rate as f32 - self.sample_rate).abs() < 1.0,
            "PresetUnit is built for one sample rate"
        );
    }
    fn route(&mut self, _input: &SignalFrame, _frequency: f64) -> SignalFrame {
        SignalFrame::new(2)
    }
    fn get_id(&self) -> u64 {
        0xA77E_0001
    }
    fn footprint(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

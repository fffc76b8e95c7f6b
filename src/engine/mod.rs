//! The engine: a fundsp [`Net`] holding the playing preset and the master chain
//! (DC blocker → smoothed volume → look-ahead limiter at −1.5 dBFS). Preset switches
//! are built here, off the audio thread, and handed to the backend as an equal-power
//! crossfade; the replaced graph comes back to this side to be freed.

pub mod conductor;
pub mod feed;
pub mod play_clock;

use crate::compose::given::GivenNote;
use crate::compose::planner::{BarInfo, Planner};
use crate::controls::SharedControls;
use crate::music::note::NoteEvent;
use crate::preset::Preset;
use crate::synth::beat::SharedBeat;
use crate::synth::graph::{PresetUnit, preset_seed};
use crate::synth::limiter::Limiter;
use crate::synth::links::Links;
use crate::synth::master::MasterChain;
use crate::synth::swell::SharedSwell;
use crate::synth::voices::MAX_BLOCK;
use feed::{BarFeed, HORIZON_S};
use fundsp::prelude32::*;
use play_clock::PlayClock;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Sample rate of offline renders and the default for live playback.
pub const SAMPLE_RATE: f32 = 48_000.0;
/// Default preset crossfade in seconds.
pub const CROSSFADE_SECONDS: f32 = 4.0;
/// Seconds a new preset plays silently before its crossfade starts, so it fades in at its
/// own level (pads past their attack, reverb filled) instead of from silence.
const PREROLL_SECONDS: f32 = 4.0;
/// The master limiter's look-ahead: everything the presets play is heard this much later.
pub const LOOKAHEAD_S: f64 = 0.005;
/// Limiter ceiling as a gain (−1.5 dBFS), leaving room for inter-sample peaks.
const CEILING: f32 = 0.841;

/// The audio side of the engine: renders the committed graph. Offline it stays inside the
/// [`Engine`]; live playback takes it ([`Engine::take_renderer`]) to the audio callback.
pub struct Renderer {
    backend: NetBackend,
    buffer: BufferVec,
    frames: Arc<AtomicU64>,
    clock: Arc<PlayClock>,
}

impl Renderer {
    /// Render into `left`/`right` (equal lengths, any size). Real-time safe: no allocation,
    /// no locks, no I/O.
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert_eq!(left.len(), right.len());
        let _flush = crate::cpu::FlushDenormals::new();
        let mut done = 0;
        while done < left.len() {
            let n = std::cmp::min(left.len() - done, MAX_BLOCK);
            self.backend
                .process(n, &BufferRef::empty(), &mut self.buffer.buffer_mut());
            left[done..done + n].copy_from_slice(&self.buffer.channel_f32(0)[..n]);
            right[done..done + n].copy_from_slice(&self.buffer.channel_f32(1)[..n]);
            done += n;
            // Per block, so a unit going live mid-buffer learns its exact engine sample.
            self.frames.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// In the audio callback, before rendering: the buffer about to be rendered is heard
    /// `latency` from now (for [`Engine::sample_heard_at`]).
    pub fn mark_heard(&self, latency: std::time::Duration) {
        self.clock
            .mark(self.frames.load(Ordering::Relaxed), latency);
    }

    /// Frames rendered so far (the live watchdog reads this).
    pub fn frames(&self) -> Arc<AtomicU64> {
        self.frames.clone()
    }
}

/// The whole engine: the control side (graph edits, preset switches, volume, note events)
/// and, until live playback takes it, the [`Renderer`].
pub struct Engine {
    net: Net,
    renderer: Option<Renderer>,
    frames: Arc<AtomicU64>,
    preset_node: NodeId,
    controls: SharedControls,
    /// How much the body drives the form ([`crate::control::pipeline::body_drive`]), as
    /// f32 bits: set with each control step, read when bars are planned.
    body_drive: std::sync::atomic::AtomicU32,
    volume: Shared,
    seed: u64,
    sample_rate: f32,
    events: Vec<(rtrb::Consumer<NoteEvent>, u64)>,
    /// The planners of the playing preset (last) and of any still fading out.
    feeds: Vec<BarFeed>,
    preset_name: String,
    links: Links,
    clock: Arc<PlayClock>,
    /// A motif handed in, developed by every preset that plays from now on.
    motif: Option<Vec<GivenNote>>,
}

fn new_feed(
    preset: &Preset,
    seed: u64,
    controls: &SharedControls,
    horizon_s: f64,
) -> (BarFeed, rtrb::Consumer<crate::music::bar::BarPlan>) {
    let values = controls.load();
    let planner = Planner::new(preset, preset_seed(seed, &preset.name), &values);
    let (mut feed, bars) = BarFeed::new(planner);
    feed.fill(&values, horizon_s);
    (feed, bars)
}

fn master(volume: &Shared) -> Box<dyn AudioUnit> {
    let limiter = Limiter::new(CEILING, LOOKAHEAD_S, 0.25);
    Box::new(An(MasterChain::new(12.0, volume, 0.1, limiter)))
}

impl Engine {
    /// An engine playing `preset`, seeded, at `sample_rate`.
    pub fn new(preset: &Preset, controls: SharedControls, seed: u64, sample_rate: f32) -> Self {
        let volume = shared(1.0);
        let (producer, consumer) = rtrb::RingBuffer::new(4096);
        let frames = Arc::new(AtomicU64::new(0));
        let links = Links {
            beat: SharedBeat::new(frames.clone()),
            swell: SharedSwell::default(),
            keys: Default::default(),
            mix: Default::default(),
            sun: Default::default(),
            nature: Default::default(),
            am_depth: Default::default(),
        };
        let clock = Arc::new(PlayClock::new(sample_rate as f64));
        let (mut feed, bars) = new_feed(preset, seed, &controls, HORIZON_S);
        let unit = PresetUnit::new(
            preset,
            controls.clone(),
            seed,
            sample_rate,
            Some(producer),
            Some(bars),
            &links,
        );
        feed.attach(unit.player_status());
        let mut net = Net::new(0, 2);
        net.set_sample_rate(sample_rate as f64);
        let preset_node = net.push(Box::new(unit));
        let master_node = net.push(master(&volume));
        net.pipe_all(preset_node, master_node);
        net.pipe_output(master_node);
        let mut backend = net.backend();
        backend.set_sample_rate(sample_rate as f64);
        Engine {
            net,
            renderer: Some(Renderer {
                backend,
                buffer: BufferVec::new(2),
                frames: frames.clone(),
                clock: clock.clone(),
            }),
            frames,
            preset_node,
            controls,
            body_drive: std::sync::atomic::AtomicU32::new(0),
            volume,
            seed,
            sample_rate,
            events: vec![(consumer, 0)],
            feeds: vec![feed],
            preset_name: preset.name.clone(),
            links,
            clock,
            motif: None,
        }
    }

    /// The keys a musician plays live, heard through every preset's soft keys.
    pub fn keys(&self) -> &crate::synth::live_keys::SharedKeys {
        &self.links.keys
    }

    /// The controls this engine reads.
    pub fn controls(&self) -> &SharedControls {
        &self.controls
    }

    /// How much the body drives the form now (0: the clock alone).
    pub fn set_body_drive(&self, drive: f32) {
        let drive = if drive.is_finite() { drive } else { 0.0 };
        self.body_drive
            .store(drive.to_bits(), std::sync::atomic::Ordering::Relaxed);
    }

    /// The beat command link (cadence following in workout presets).
    pub fn beat(&self) -> &SharedBeat {
        &self.links.beat
    }

    /// The listener's layer levels, read by every preset graph.
    pub fn mix(&self) -> &crate::preset::layers::SharedMix {
        &self.links.mix
    }

    /// The listener's depth of the focus modulation (presets that have it).
    pub fn am_depth(&self) -> &crate::synth::focus_am::SharedAmDepth {
        &self.links.am_depth
    }

    /// The sun the nature layers follow.
    pub fn sun(&self) -> &crate::synth::nature::SharedSun {
        &self.links.sun
    }

    /// What the nature layers report (birdsong phrases so far).
    pub fn nature_report(&self) -> &crate::synth::nature::NatureReport {
        &self.links.nature
    }

    /// The swell link (the breath lead sets its rate).
    pub fn swell(&self) -> &SharedSwell {
        &self.links.swell
    }

    /// Samples from a note's start in a preset to its leaving the master chain (the
    /// limiter's look-ahead): a beat that must be heard at sample `s` is played at
    /// `s − output_delay()`.
    pub fn output_delay(&self) -> u64 {
        (LOOKAHEAD_S * self.sample_rate as f64).round() as u64
    }

    /// The engine sample heard at `when` (live playback; `None` before audio has played).
    pub fn sample_heard_at(&self, when: std::time::Instant) -> Option<u64> {
        self.clock.sample_at(when)
    }

    /// The output latency the audio host last reported (zero before audio has played).
    pub fn output_latency(&self) -> std::time::Duration {
        self.clock.latency()
    }

    /// Name of the preset playing (or fading in).
    pub fn preset_name(&self) -> &str {
        &self.preset_name
    }

    /// Samples rendered so far (by whoever holds the renderer).
    pub fn samples(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    /// Take the renderer to the audio thread; [`Engine::render`] cannot be used after.
    pub fn take_renderer(&mut self) -> Option<Renderer> {
        self.renderer.take()
    }

    /// The volume currently set (the graph glides to it).
    pub fn volume(&self) -> f32 {
        self.volume.value()
    }

    /// Set the master volume (0..1), smoothed in the graph.
    pub fn set_volume(&self, volume: f32) {
        self.volume.set_value(crate::controls::sanitize(volume));
    }

    /// Switch to `preset` with an equal-power crossfade of `fade_seconds`.
    pub fn switch_preset(&mut self, preset: &Preset, fade_seconds: f32) {
        let prepared = self.builder().build(preset);
        self.install(prepared, fade_seconds);
    }

    /// What building a preset's graph needs, to do it away from the engine's owner (the
    /// daemon builds and pre-rolls on a blocking thread, then installs).
    pub fn builder(&self) -> PresetBuilder {
        PresetBuilder {
            controls: self.controls.clone(),
            seed: self.seed,
            sample_rate: self.sample_rate,
            links: self.links.clone(),
        }
    }

    /// Crossfade to a preset built by [`PresetBuilder::build`] over `fade_seconds`.
    pub fn install(&mut self, prepared: PreparedPreset, fade_seconds: f32) {
        let PreparedPreset {
            unit,
            feed,
            events,
            name,
        } = prepared;
        let mut feed = feed;
        feed.set_theme(self.motif.as_deref());
        self.feeds.push(feed);
        self.net
            .crossfade(self.preset_node, Fade::Power, fade_seconds, unit);
        self.net.commit();
        self.events.push((events, self.samples()));
        self.preset_name = name;
    }

    /// Develop `motif` as the melody from the next phrase on, in this preset and the ones
    /// after it (`None`: each preset's own melody again). Checked by the caller
    /// ([`crate::compose::given::check`]).
    pub fn set_motif(&mut self, motif: Option<Vec<GivenNote>>) {
        self.motif = motif;
        if let Some(feed) = self.feeds.last_mut() {
            feed.set_theme(self.motif.as_deref());
        }
    }

    /// Plan bars ahead for every playing preset (off the audio thread: the control loop
    /// live, before each block offline). Planning allocates nothing on the audio side.
    pub fn plan_ahead(&mut self) {
        let controls = self.controls.load();
        let swell = self.links.swell.led().then(|| self.links.swell.per_min());
        let body = f32::from_bits(self.body_drive.load(std::sync::atomic::Ordering::Relaxed));
        self.feeds.retain(|f| !f.is_abandoned());
        for feed in &mut self.feeds {
            feed.set_swell(swell);
            feed.set_body(body);
            feed.fill(&controls, HORIZON_S);
        }
    }

    /// What the playing preset's current bar was planned as: section, key, chord, voices.
    pub fn now(&self) -> Option<BarInfo> {
        self.feeds.last().and_then(BarFeed::now)
    }

    /// Bar lines at which a player found no planned bar (should stay 0).
    pub fn underruns(&self) -> u64 {
        self.feeds.iter().map(BarFeed::underruns).sum()
    }

    /// Render into `left`/`right` (equal lengths, any size), offline.
    ///
    /// # Panics
    /// After [`Engine::take_renderer`].
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.renderer
            .as_mut()
            .expect("the renderer was taken for live playback")
            .render(left, right);
    }

    /// Move the notes played since the last call into `out`, stamped in engine samples.
    pub fn drain_events(&mut self, out: &mut Vec<NoteEvent>) {
        self.take_events(|e| out.push(e));
    }

    /// Let the notes played since the last call go, unrecorded.
    pub fn skip_events(&mut self) {
        self.take_events(|_| {});
    }

    /// Each note played since the last call, stamped in engine samples, to `take`.
    fn take_events(&mut self, mut take: impl FnMut(NoteEvent)) {
        for (consumer, offset) in &mut self.events {
            while let Ok(mut e) = consumer.pop() {
                e.sample += *offset;
                take(e);
            }
        }
        // Consumers of faded-out presets are dropped once their producer is gone.
        self.events
            .retain(|(c, _)| !c.is_abandoned() || !c.is_empty());
    }
}

/// Builds a preset's graph and pre-rolls it, on any thread.
#[derive(Clone)]
pub struct PresetBuilder {
    controls: SharedControls,
    seed: u64,
    sample_rate: f32,
    links: Links,
}

/// A preset built and pre-rolled, ready for [`Engine::install`].
pub struct PreparedPreset {
    unit: Box<dyn AudioUnit>,
    feed: BarFeed,
    events: rtrb::Consumer<NoteEvent>,
    name: String,
}

impl PresetBuilder {
    /// Build `preset`'s graph with its planner and pre-roll it (4 s), so it
    /// fades in at its own level (CPU-heavy: seconds of audio rendered silently).
    pub fn build(&self, preset: &Preset) -> PreparedPreset {
        let (producer, events) = rtrb::RingBuffer::new(4096);
        // Enough bars for the pre-roll and the horizon after it.
        let horizon = HORIZON_S + PREROLL_SECONDS as f64;
        let (mut feed, bars) = new_feed(preset, self.seed, &self.controls, horizon);
        let mut unit = PresetUnit::new(
            preset,
            self.controls.clone(),
            self.seed,
            self.sample_rate,
            Some(producer),
            Some(bars),
            &self.links,
        );
        feed.attach(unit.player_status());
        unit.preroll((PREROLL_SECONDS * self.sample_rate) as u64);
        PreparedPreset {
            unit: Box::new(unit),
            feed,
            events,
            name: preset.name.clone(),
        }
    }
}

//! The master chain as one fundsp node: a DC blocker on each channel, the listener's
//! volume (smoothed), and the look-ahead [`Limiter`]. The same parts as a fundsp graph
//! (`(dcblock | dcblock) * (var >> follow >> split) >> limiter`), run sample by sample in
//! one loop: built from fundsp's combinators the chain cost 8 % of a preset's render in
//! moving each stage's block between buffers. A block runs stage by stage over arrays
//! on the stack: the volume glide is skipped once it has arrived, and the limiter takes a
//! quiet block whole (see [`Limiter::limit_block`]).

use super::limiter::Limiter;
use fundsp::prelude32::*;

/// DC blocker → smoothed volume → limiter.
#[derive(Clone)]
pub struct MasterChain {
    dc_blockers: [DCBlock<f32>; 2],
    volume: Shared,
    smoothing: Follow<f32>,
    /// The volume the glide has arrived at and rests on (its state set exactly there), so
    /// blocks at that volume take it as a constant instead of running the glide.
    resting_at: Option<f32>,
    limiter: Limiter,
}

/// How close the glide must come to the volume to be set there and rest: a millionth of
/// the volume (−120 dB; the glide gets there ~2 s after the volume last moved).
const REST_WITHIN: f32 = 1e-6;

impl MasterChain {
    /// DC blocked at `dc_hz`, the volume `volume` followed with a halfway response time of
    /// `volume_response_s`, then `limiter`.
    pub fn new(dc_hz: f32, volume: &Shared, volume_response_s: f32, limiter: Limiter) -> Self {
        MasterChain {
            dc_blockers: [DCBlock::new(dc_hz), DCBlock::new(dc_hz)],
            volume: volume.clone(),
            smoothing: Follow::new(volume_response_s),
            resting_at: None,
            limiter,
        }
    }

    #[inline]
    fn step(&mut self, volume: f32, l: f32, r: f32) -> [f32; 2] {
        self.resting_at = None;
        let gain = self.smoothing.tick(&[volume].into())[0];
        let [dc_l, dc_r] = &mut self.dc_blockers;
        let l = dc_l.tick(&[l].into())[0] * gain;
        let r = dc_r.tick(&[r].into())[0] * gain;
        self.limiter.limit(l, r)
    }
}

impl AudioNode for MasterChain {
    const ID: u64 = 0x6174_746d_7374; // "attmst"
    type Inputs = U2;
    type Outputs = U2;

    fn reset(&mut self) {
        self.dc_blockers.iter_mut().for_each(AudioNode::reset);
        self.smoothing.reset();
        self.resting_at = None;
        self.limiter.reset();
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dc_blockers
            .iter_mut()
            .for_each(|d| d.set_sample_rate(sample_rate));
        self.smoothing.set_sample_rate(sample_rate);
        self.limiter.set_sample_rate(sample_rate);
    }

    fn tick(&mut self, input: &Frame<f32, U2>) -> Frame<f32, U2> {
        self.step(self.volume.value(), input[0], input[1]).into()
    }

    fn process(&mut self, size: usize, input: &BufferRef, output: &mut BufferMut) {
        // The volume is read once a block (it is smoothed over a tenth of a second).
        let volume = self.volume.value();
        let mut l = [0.0f32; MAX_BUFFER_SIZE];
        let mut r = [0.0f32; MAX_BUFFER_SIZE];
        let (l, r) = (&mut l[..size], &mut r[..size]);
        l.copy_from_slice(&input.channel_f32(0)[..size]);
        r.copy_from_slice(&input.channel_f32(1)[..size]);
        let [dc_l, dc_r] = &mut self.dc_blockers;
        if self.resting_at == Some(volume) {
            let gain = self.smoothing.value();
            for (l, r) in l.iter_mut().zip(r.iter_mut()) {
                *l = dc_l.tick(&[*l].into())[0] * gain;
                *r = dc_r.tick(&[*r].into())[0] * gain;
            }
        } else {
            for (l, r) in l.iter_mut().zip(r.iter_mut()) {
                let gain = self.smoothing.tick(&[volume].into())[0];
                *l = dc_l.tick(&[*l].into())[0] * gain;
                *r = dc_r.tick(&[*r].into())[0] * gain;
            }
            let gain = self.smoothing.value();
            self.resting_at = ((gain - volume).abs() <= REST_WITHIN * volume.abs()).then(|| {
                self.smoothing.set_value(volume);
                volume
            });
        }
        self.limiter.limit_block(l, r);
        output.channel_f32_mut(0)[..size].copy_from_slice(l);
        output.channel_f32_mut(1)[..size].copy_from_slice(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chain as fundsp combinators (what it replaced).
    fn as_graph(volume: &Shared) -> Box<dyn AudioUnit> {
        let gain = var(volume) >> follow(0.1) >> split::<U2>();
        Box::new(
            ((dcblock_hz(12.0) | dcblock_hz(12.0)) * gain) >> An(Limiter::new(0.841, 0.005, 0.25)),
        )
    }

    fn both(volume: &Shared) -> (Box<dyn AudioUnit>, MasterChain) {
        let mut graph = as_graph(volume);
        let mut chain = MasterChain::new(12.0, volume, 0.1, Limiter::new(0.841, 0.005, 0.25));
        graph.set_sample_rate(48_000.0);
        graph.allocate();
        chain.set_sample_rate(48_000.0);
        (graph, chain)
    }

    /// While the volume moves (and in the limiter's quiet blocks and loud ones alike).
    #[test]
    fn the_chain_is_the_graph_it_replaced_bit_for_bit() {
        let volume = shared(1.0);
        let (mut graph, mut chain) = both(&volume);
        let mut rng = crate::synth::dsp::NoiseRng::new(9);
        let (mut input, mut a, mut b) = (BufferVec::new(2), BufferVec::new(2), BufferVec::new(2));
        for block in 0..2000 {
            // Loud enough to limit in places, with a DC offset, and a volume that moves
            // between blocks.
            if block % 300 == 0 {
                volume.set_value(0.2 + (block % 7) as f32 * 0.15);
            }
            let loud = if block % 100 < 20 { 2.5 } else { 0.3 };
            for i in 0..MAX_BUFFER_SIZE {
                input.set_f32(0, i, loud * rng.bipolar() + 0.2);
                input.set_f32(1, i, loud * rng.bipolar() - 0.1);
            }
            graph.process(MAX_BUFFER_SIZE, &input.buffer_ref(), &mut a.buffer_mut());
            chain.process(MAX_BUFFER_SIZE, &input.buffer_ref(), &mut b.buffer_mut());
            // The glide starts on the first volume; each later one is still being
            // approached when the next comes.
            if block >= 300 {
                assert_eq!(chain.resting_at, None, "block {block}: the glide is moving");
            }
            for ch in 0..2 {
                for i in 0..MAX_BUFFER_SIZE {
                    assert_eq!(
                        a.at_f32(ch, i).to_bits(),
                        b.at_f32(ch, i).to_bits(),
                        "block {block} channel {ch} sample {i}"
                    );
                }
            }
        }
    }

    /// Once the volume has stayed put, the glide rests on it: the output is the graph's to
    /// within a millionth, and the glide takes up a new volume as the graph does.
    #[test]
    fn a_settled_volume_rests_and_moves_again() {
        let volume = shared(0.5);
        let (mut graph, mut chain) = both(&volume);
        let mut rng = crate::synth::dsp::NoiseRng::new(4);
        let (mut input, mut a, mut b) = (BufferVec::new(2), BufferVec::new(2), BufferVec::new(2));
        let mut rested = 0;
        for block in 0..6000 {
            if block == 3000 {
                volume.set_value(0.8);
            }
            for i in 0..MAX_BUFFER_SIZE {
                input.set_f32(0, i, 0.4 * rng.bipolar());
                input.set_f32(1, i, 0.4 * rng.bipolar());
            }
            graph.process(MAX_BUFFER_SIZE, &input.buffer_ref(), &mut a.buffer_mut());
            chain.process(MAX_BUFFER_SIZE, &input.buffer_ref(), &mut b.buffer_mut());
            rested += chain.resting_at.is_some() as usize;
            for ch in 0..2 {
                for i in 0..MAX_BUFFER_SIZE {
                    let (x, y) = (a.at_f32(ch, i), b.at_f32(ch, i));
                    assert!((x - y).abs() <= 2e-6 * x.abs(), "block {block}: {x} vs {y}");
                }
            }
            if block == 3001 {
                assert_eq!(chain.resting_at, None, "moving again");
            }
        }
        // At rest from ~2 s (1500 blocks) after each change.
        assert!((2500..3500).contains(&rested), "{rested} blocks at rest");
    }
}

//! The master chain as one fundsp node: a DC blocker on each channel, the listener's
//! volume (smoothed), and the look-ahead [`Limiter`]. The same parts as a fundsp graph
//! (`(dcblock | dcblock) * (var >> follow >> split) >> limiter`), run sample by sample in
//! one loop: built from fundsp's combinators the chain cost 8 % of a preset's render in
//! moving each stage's block between buffers.

use super::limiter::Limiter;
use fundsp::prelude32::*;

/// DC blocker → smoothed volume → limiter.
#[derive(Clone)]
pub struct MasterChain {
    dc_blockers: [DCBlock<f32>; 2],
    volume: Shared,
    smoothing: Follow<f32>,
    limiter: Limiter,
}

impl MasterChain {
    /// DC blocked at `dc_hz`, the volume `volume` followed with a halfway response time of
    /// `volume_response_s`, then `limiter`.
    pub fn new(dc_hz: f32, volume: &Shared, volume_response_s: f32, limiter: Limiter) -> Self {
        MasterChain {
            dc_blockers: [DCBlock::new(dc_hz), DCBlock::new(dc_hz)],
            volume: volume.clone(),
            smoothing: Follow::new(volume_response_s),
            limiter,
        }
    }

    #[inline]
    fn step(&mut self, volume: f32, l: f32, r: f32) -> [f32; 2] {
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
        for i in 0..size {
            let [l, r] = self.step(volume, input.at_f32(0, i), input.at_f32(1, i));
            output.set_f32(0, i, l);
            output.set_f32(1, i, r);
        }
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

    #[test]
    fn the_chain_is_the_graph_it_replaced_bit_for_bit() {
        let volume = shared(1.0);
        let mut graph = as_graph(&volume);
        let mut chain: Box<dyn AudioUnit> = Box::new(An(MasterChain::new(
            12.0,
            &volume,
            0.1,
            Limiter::new(0.841, 0.005, 0.25),
        )));
        for unit in [&mut graph, &mut chain] {
            unit.set_sample_rate(48_000.0);
            unit.allocate();
        }
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
}

//! The audio callback's work: render the engine and write it in the device's format and
//! channel count. Nothing here allocates, blocks, logs or does I/O; the renderer is reached
//! with `try_lock` (never waits: the control side only takes it while no stream runs), and a
//! missed lock writes silence for that callback. With the `realtime-guard` feature (on by
//! default) debug and test builds run it under `assert_no_alloc`: an allocation aborts.

use crate::engine::Renderer;
use std::sync::{Arc, Mutex};

/// Frames rendered per chunk inside one callback (stack buffers).
const CHUNK: usize = 512;

/// The renderer as shared between successive streams.
pub type SharedRenderer = Arc<Mutex<Renderer>>;

/// A device sample format we write.
pub trait OutputSample: Copy {
    fn from_f32(x: f32) -> Self;
    const SILENCE: Self;
}

impl OutputSample for f32 {
    fn from_f32(x: f32) -> Self {
        x
    }
    const SILENCE: Self = 0.0;
}

impl OutputSample for i16 {
    fn from_f32(x: f32) -> Self {
        // Round half away from zero by hand: `f32::round` is a libm call on baseline x86-64.
        let v = x.clamp(-1.0, 1.0) * 32767.0;
        (v + 0.5f32.copysign(v)) as i16
    }
    const SILENCE: Self = 0;
}

/// Run `f` where allocating is a bug: under `assert_no_alloc` in debug and test builds with
/// the `realtime-guard` feature (it aborts when the checking allocator is installed, as the
/// daemon's debug binary and the real-time tests do), as is otherwise.
#[inline]
pub fn guarded<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(all(feature = "realtime-guard", debug_assertions))]
    {
        assert_no_alloc::assert_no_alloc(f)
    }
    #[cfg(not(all(feature = "realtime-guard", debug_assertions)))]
    {
        f()
    }
}

/// Fill an interleaved buffer of `channels` channels, heard `latency` from now.
pub fn fill<T: OutputSample>(
    renderer: &SharedRenderer,
    out: &mut [T],
    channels: usize,
    latency: std::time::Duration,
) {
    guarded(|| fill_unguarded(renderer, out, channels, latency));
}

fn fill_unguarded<T: OutputSample>(
    renderer: &SharedRenderer,
    out: &mut [T],
    channels: usize,
    latency: std::time::Duration,
) {
    // The host's code before us can leave AVX state dirty; rendering in it costs 2.5×.
    crate::cpu::clear_upper_simd_state();
    let Ok(mut r) = renderer.try_lock() else {
        out.fill(T::SILENCE);
        return;
    };
    r.mark_heard(latency);
    let channels = channels.max(1);
    let (mut left, mut right) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
    for frame_chunk in out.chunks_mut(CHUNK * channels) {
        let frames = frame_chunk.len() / channels;
        r.render(&mut left[..frames], &mut right[..frames]);
        if channels == 2 {
            // The usual layout, in a loop the compiler can unroll (the general one below
            // matches each frame's shape).
            let pairs = frame_chunk.chunks_exact_mut(2).zip(left.iter().zip(&right));
            for (frame, (&l, &r)) in pairs {
                frame[0] = T::from_f32(l);
                frame[1] = T::from_f32(r);
            }
            continue;
        }
        for (i, frame) in frame_chunk.chunks_mut(channels).enumerate() {
            match frame {
                [mono] => *mono = T::from_f32(0.5 * (left[i] + right[i])),
                [l, r, rest @ ..] => {
                    *l = T::from_f32(left[i]);
                    *r = T::from_f32(right[i]);
                    rest.fill(T::SILENCE);
                }
                [] => {}
            }
        }
    }
}

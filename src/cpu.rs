//! CPU state that costs time if left alone.
//!
//! The render code is compiled for baseline x86-64 (SSE). When code using 256/512-bit AVX
//! registers (tract's matrix kernels, and something in the audio stack below cpal) leaves
//! their upper halves "dirty", every later SSE instruction on that thread pays a transition
//! penalty until a `vzeroupper`. Measured here: the live render took 11.3 ms per second of
//! audio with the state dirty and 4.5 ms clean, and an offline adaptive render ran 2.3×
//! slower after each model inference. Clearing the state is one instruction.

/// Mark the upper halves of the AVX registers clean (a no-op without AVX). Real-time safe:
/// no allocation, no locks, no system calls.
#[inline]
pub fn clear_upper_simd_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked above); vzeroupper only zeroes the upper
        // halves of the vector registers, which no live value on this path depends on
        // (the compiler does not keep 256-bit values across this call in SSE code).
        unsafe { std::arch::x86_64::_mm256_zeroupper() };
    }
}

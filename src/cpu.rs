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

/// While alive, the thread's floating point flushes subnormal numbers to zero (results and
/// inputs: x86's FTZ and DAZ, ARM's FZ); dropped, it puts the old mode back.
///
/// Why: a decaying sound (a piano partial, a filter or reverb ringing out into silence)
/// passes through the subnormal range on its way to zero, where every operation costs
/// tens to a hundred times more. Values that small (below 1.2e-38, −758 dBFS) are
/// inaudible, so flushing them changes nothing heard. Measured here: see `docs/figures.md`'s
/// render speed table. Real-time safe: two register instructions each way.
pub struct FlushDenormals {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    saved: u64,
}

#[cfg(target_arch = "x86_64")]
const MXCSR_FTZ_DAZ: u32 = (1 << 15) | (1 << 6);
#[cfg(target_arch = "aarch64")]
const FPCR_FZ: u64 = 1 << 24;

impl FlushDenormals {
    /// Flush subnormals on this thread until the guard is dropped.
    #[inline]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let mut csr: u32 = 0;
            // SAFETY: stmxcsr/ldmxcsr read and write the SSE control register (SSE is
            // baseline on x86-64); setting FTZ and DAZ only changes how subnormal results
            // and inputs are treated.
            unsafe {
                std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags));
                let flushed = csr | MXCSR_FTZ_DAZ;
                std::arch::asm!("ldmxcsr [{}]", in(reg) &flushed, options(nostack, preserves_flags));
            }
            FlushDenormals { saved: csr as u64 }
        }
        #[cfg(target_arch = "aarch64")]
        {
            let fpcr: u64;
            // SAFETY: FPCR is readable and writable at EL0; FZ only flushes subnormals.
            unsafe {
                std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack, preserves_flags));
                std::arch::asm!("msr fpcr, {}", in(reg) fpcr | FPCR_FZ, options(nomem, nostack, preserves_flags));
            }
            FlushDenormals { saved: fpcr }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        FlushDenormals {}
    }
}

impl Drop for FlushDenormals {
    #[inline]
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        {
            let csr = self.saved as u32;
            // SAFETY: puts back the value read in `new`.
            unsafe {
                std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, preserves_flags));
            }
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: puts back the value read in `new`.
        unsafe {
            std::arch::asm!("msr fpcr, {}", in(reg) self.saved, options(nomem, nostack, preserves_flags));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hint::black_box;

    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn subnormals_flush_to_zero_while_the_guard_lives() {
        let half_of_smallest = || black_box(f32::MIN_POSITIVE) * black_box(0.5);
        assert!(half_of_smallest().is_subnormal(), "IEEE by default");
        {
            let _flush = FlushDenormals::new();
            assert_eq!(half_of_smallest(), 0.0);
            // Nested guards put back what they found.
            drop(FlushDenormals::new());
            assert_eq!(half_of_smallest(), 0.0);
        }
        assert!(half_of_smallest().is_subnormal(), "restored on drop");
    }
}

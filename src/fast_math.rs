//! Arithmetic faster than libm where control-rate work and the audio thread need it, shared
//! by synthesis and the preset's parameter curves (so neither imports the other).

/// `e^x` for control-rate work (envelopes, filter coefficients, exponential curves), within
/// 1e-6 relative of `exp` for |x| ≤ 8 (growing with |x| as f32 rounds `x·log2 e`: 1e-5
/// at ±80; near 0 below −80), without libm's call: 2 to the integer part by the
/// exponent bits, to the fraction by a polynomial (rounded by the 1.5·2²³ trick, no
/// `floorf` on baseline x86-64). Underflows to 0 below `x ≈ −87`.
#[inline]
pub fn exp_fast(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0;
    let t = (x * std::f32::consts::LOG2_E).clamp(-127.0, 127.0);
    let whole = (t + ROUND) - ROUND;
    let y = (t - whole) * std::f32::consts::LN_2; // |y| ≤ ln 2 / 2
    let poly = 1.0
        + y * (1.0
            + y * (0.5
                + y * (1.0 / 6.0 + y * (1.0 / 24.0 + y * (1.0 / 120.0 + y * (1.0 / 720.0))))));
    let scale = if whole <= -127.0 {
        0.0
    } else {
        f32::from_bits(((whole as i32 + 127) as u32) << 23)
    };
    poly * scale
}

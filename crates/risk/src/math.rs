//! Transcendental functions on [`FixedE12`] in pure integer arithmetic:
//! [`exp`], [`ln`], [`sqrt_floor`], the standard normal CDF [`norm_cdf`] (Φ)
//! and PDF [`norm_pdf`] (φ).
//!
//! Every function runs a fixed number of steps (no data-dependent loops
//! except `isqrt_u128`'s Newton iteration, capped at 12 rounds), returns an
//! error instead of panicking, and is deterministic to the raw unit: the
//! program, the bots and the simulator get identical results.
//!
//! Error bounds (absolute unless stated; verified against a floating-point reference
//! by `tests/accuracy.rs`, which samples the whole domain):
//!
//! | function     | domain                 | bound                                   |
//! |--------------|------------------------|-----------------------------------------|
//! | `exp(x)`     | x ≤ 40 (below −40 → 0) | `3e-12 · e^x + 2e-12`                   |
//! | `ln(x)`      | x > 0 (raw ≥ 1)        | `2e-12`                                 |
//! | `sqrt_floor` | x ≥ 0                  | floor: ≤ 1e-12 (x < 1.7e14), else rel. 1e-13 |
//! | `norm_cdf`   | all x                  | `2e-12`                                 |
//! | `norm_pdf`   | all x                  | `2e-12 + 3e-12 · φ(x)`                  |
//!
//! Constant tables were generated with mpmath at 50 digits and rounded to
//! nearest; the generation formula is next to each table. Their binary
//! (Q60/Q62) copies used by the kernels are converted at compile time.
//!
//! The pricing kernels are division-free and mostly binary: `exp` and `ln`
//! evaluate their series in Q60 and reach e12 with one multiply by 10^12 and
//! a shift; Φ ([`cdf_q60`]) takes its argument in Q44 and returns Q60.

use crate::error::{RiskError, RiskResult};
use crate::fixed::{
    count, div_small_floor, mul_raw, mul_u64_wide, udivrem_small, FixedE12, Op, SCALE,
};
use crate::wide::{
    leading_zeros_u64, mul_q60_bounded, mul_shr_i64_u64, mul_shr_u64, shr_parts, umul_parts,
    EMULATED_WIDE,
};

/// Largest argument accepted by [`exp`] (e^40 ≈ 2.35e17 still fits comfortably).
pub const EXP_MAX: FixedE12 = FixedE12(40 * SCALE);

/// precision: e18. ln 2 / 32.
const LN2_32_E18: i128 = 21_660_849_392_498_291;
/// precision: e12. ln 2 / 32 (rounded; only used to pick the reduction index).
const LN2_32_E12: i64 = 21_660_849_392;
/// precision: e18. 1/√(2π).
const INV_SQRT_2PI_E18: i128 = 398_942_280_401_432_678;
/// e18 → e12 divisor.
const E6: u64 = 1_000_000;
/// Raw units of 1.0 at e18.
const E18: i128 = 1_000_000_000_000_000_000;

/// precision: e18. `2^(j/32)` for j = 0..32.
const EXP2_TABLE_E18: [i128; 32] = [
    1_000_000_000_000_000_000,
    1_021_897_148_654_116_678,
    1_044_273_782_427_413_840,
    1_067_140_400_676_823_618,
    1_090_507_732_665_257_659,
    1_114_386_742_595_892_536,
    1_138_788_634_756_691_654,
    1_163_724_858_777_577_514,
    1_189_207_115_002_721_067,
    1_215_247_359_980_468_878,
    1_241_857_812_073_484_049,
    1_269_050_957_191_733_223,
    1_296_839_554_651_009_666,
    1_325_236_643_159_741_295,
    1_354_255_546_936_892_728,
    1_383_909_881_963_831_955,
    1_414_213_562_373_095_049,
    1_445_180_806_977_046_620,
    1_476_826_145_939_499_311,
    1_509_164_427_593_422_740,
    1_542_210_825_407_940_824,
    1_575_980_845_107_886_486,
    1_610_490_331_949_254_308,
    1_645_755_478_153_964_845,
    1_681_792_830_507_429_086,
    1_718_619_298_122_477_916,
    1_756_252_160_373_299_483,
    1_794_709_075_003_107_186,
    1_834_008_086_409_342_463,
    1_874_167_634_110_299_901,
    1_915_206_561_397_147_294,
    1_957_144_124_175_400_269,
];

/// 1.0 in Q60.
pub(crate) const Q60_ONE: i64 = 1 << 60;
/// Q62. `2^(j/32)` for j = 0..32, from [`EXP2_TABLE_E18`] (nearest).
const EXP2_TABLE_Q62: [u64; 32] = build_exp2_q62();
/// round(2^123 / 10^18): `r_e18 · E18_TO_Q123 >> 63` is r in Q60.
const E18_TO_Q123: i128 = ((1i128 << 123) + E18 / 2) / E18;
/// Q60. Taylor coefficients of e^r, highest first: 1/120, 1/24, 1/6, 1/2, 1.
const EXP_COEF_Q60: [i64; 5] = [
    Q60_ONE / 120,
    Q60_ONE / 24,
    Q60_ONE / 6,
    Q60_ONE / 2,
    Q60_ONE,
];

const fn build_exp2_q62() -> [u64; 32] {
    let mut out = [0u64; 32];
    let mut j = 0;
    while j < 32 {
        // < 2 · 10^18 · 2^62 < 2^124: fits i128; the result is below 2^63.
        out[j] = ((EXP2_TABLE_E18[j] * (1i128 << 62) + E18 / 2) / E18) as u64;
        j += 1;
    }
    out
}
/// Taylor terms of ln(1+u).
const LN_TERMS: usize = 7;
/// Q60. 1/n for n = 1..=7.
const INV_N_Q60: [i64; LN_TERMS] = [
    1_152_921_504_606_846_976,
    576_460_752_303_423_488,
    384_307_168_202_282_325,
    288_230_376_151_711_744,
    230_584_300_921_369_395,
    192_153_584_101_141_163,
    164_703_072_086_692_425,
];
/// precision: e18. ln(10^12), the raw-to-real offset of [`ln`].
const LN_1E12_E18: i128 = 27_631_021_115_928_548_208;
/// Q60. ln 2 (nearest, from 60 digits).
const LN2_Q60: i128 = 799_144_290_325_165_979;
/// Q60. ln(10^12), from [`LN_1E12_E18`] (nearest).
const LN_1E12_Q60: i128 = e18_to_q60(LN_1E12_E18);
/// Q60. [`LN_BUCKET_E18`] converted (nearest).
const LN_BUCKET_Q60: [i128; 32] = build_ln_bucket_q60();

/// e18 → Q60, to nearest, for 0 ≤ v < 2^66 (the product is below 2^126).
const fn e18_to_q60(v: i128) -> i128 {
    (v * TWO_POW_60 + E18 / 2) / E18
}

const fn build_ln_bucket_q60() -> [i128; 32] {
    let mut out = [0i128; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = e18_to_q60(LN_BUCKET_E18[i]);
        i += 1;
    }
    out
}
/// Q60. 1/c_i for the bucket centres c_i = 1 + (i + 1/2)/32 (rounded to nearest).
const LN_RECIP_Q60: [u128; 32] = [
    1_135_184_250_689_818_561,
    1_101_298_153_654_301_589,
    1_069_376_468_041_133_427,
    1_039_253_187_251_242_345,
    1_010_780_497_189_564_472,
    983_826_350_597_842_753,
    958_272_419_413_483_201,
    934_012_358_162_508_943,
    910_950_324_627_632_179,
    888_999_714_395_641_042,
    868_082_074_056_920_076,
    848_126_164_308_485_132,
    829_067_149_380_204_567,
    810_845_893_349_870_401,
    793_408_347_256_324_801,
    776_705_013_629_875_858,
    760_690_477_266_373_263,
    745_322_992_877_153_601,
    730_564_121_731_071_351,
    716_378_410_629_497_150,
    702_733_107_569_887_681,
    689_597_909_297_553_331,
    676_944_736_649_891_802,
    664_747_534_187_731_590,
    652_982_091_104_762_889,
    641_625_880_824_680_056,
    630_657_917_049_899_201,
    620_058_624_326_371_483,
    609_809_721_444_943_855,
    599_894_116_218_196_801,
    590_295_810_358_705_652,
    580_999_813_345_182_728,
];
/// precision: e18. ln c_i for the same bucket centres. Because 1/c_i is
/// rounded, ln(m) = ln c_i + ln(m·(1/c_i)) − ln(c_i·(1/c_i)); the last term
/// is below 1e-18 and ignored.
const LN_BUCKET_E18: [i128; 32] = [
    15_504_186_535_965_254,
    45_809_536_031_294_203,
    75_223_421_237_587_526,
    103_796_793_681_643_565,
    131_576_357_788_719_273,
    158_605_030_176_638_584,
    184_922_338_494_011_993,
    210_564_769_107_349_638,
    235_566_071_312_766_909,
    259_957_524_436_926_067,
    283_768_173_130_644_598,
    307_025_035_294_911_862,
    329_753_286_372_467_982,
    351_976_423_157_178_185,
    373_716_409_793_584_081,
    394_993_808_240_868_978,
    415_827_895_143_710_966,
    436_236_766_774_918_070,
    456_237_433_481_587_594,
    475_845_904_869_963_914,
    495_077_266_797_851_515,
    513_945_751_102_234_317,
    532_464_798_869_471_844,
    550_647_117_952_662_279,
    568_504_735_352_668_712,
    586_049_045_003_578_209,
    603_290_851_438_084_262,
    620_240_409_751_857_529,
    636_907_462_237_069_232,
    653_301_272_012_745_639,
    669_430_653_942_629_267,
    685_304_003_098_919_417,
];

/// Number of Φ table points: c_i = i/8 for i = 0..=68 (0 ..= 8.5).
const CDF_POINTS: usize = 69;
/// Taylor terms of Φ around each point (|h| ≤ 1/16; truncation < 2e-13).
const CDF_TERMS: usize = 7;

/// Beyond this |x| (8.5), 1 − Φ(|x|) < 1e-17: Φ saturates to 0 or 1 at e12.
const CDF_SATURATE_E12: i64 = 8_500_000_000_000;
/// The same bound in Q44 (8.5 · 2^44).
const CDF_SATURATE_Q44: u64 = 17 << 43;

/// precision: e12. Φ(i/8), i = 0..=68.
const CDF_TABLE_E12: [i128; CDF_POINTS] = [
    500_000_000_000,
    549_738_224_830,
    598_706_325_683,
    646_169_766_673,
    691_462_461_274,
    734_014_470_951,
    773_372_647_623,
    809_213_047_147,
    841_344_746_069,
    869_705_482_863,
    894_350_226_333,
    915_434_277_649,
    933_192_798_731,
    947_918_720_585,
    959_940_843_136,
    969_603_638_235,
    977_249_868_052,
    983_206_693_552,
    987_775_527_345,
    991_225_524_904,
    993_790_334_674,
    995_667_551_637,
    997_020_236_765,
    997_979_862_510,
    998_650_101_968,
    999_110_974_701,
    999_422_974_958,
    999_630_921_546,
    999_767_370_921,
    999_855_519_274,
    999_911_582_715,
    999_946_687_650,
    999_968_328_758,
    999_981_463_262,
    999_989_311_474,
    999_993_928_376,
    999_996_602_327,
    999_998_127_008,
    999_998_982_917,
    999_999_455_958,
    999_999_713_348,
    999_999_851_231,
    999_999_923_950,
    999_999_961_709,
    999_999_981_010,
    999_999_990_725,
    999_999_995_538,
    999_999_997_886,
    999_999_999_013,
    999_999_999_547,
    999_999_999_795,
    999_999_999_909,
    999_999_999_960,
    999_999_999_983,
    999_999_999_993,
    999_999_999_997,
    999_999_999_999,
    999_999_999_999,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
    SCALE,
];

/// precision: e18. φ(i/8), i = 0..=68.
const PDF_TABLE_E18: [i128; CDF_POINTS] = [
    398_942_280_401_432_678,
    395_837_686_944_749_484,
    386_668_116_802_849_207,
    371_855_093_869_768_911,
    352_065_326_764_299_478,
    328_160_968_550_375_034,
    301_137_432_154_804_405,
    272_054_998_378_543_504,
    241_970_724_519_143_350,
    211_876_645_775_699_463,
    182_649_085_389_021_905,
    155_012_265_458_293_197,
    129_517_595_665_891_728,
    106_538_268_130_585_063,
    86_277_318_826_511_514,
    68_786_275_826_691_898,
    53_990_966_513_188_052,
    41_720_985_256_338_606,
    31_739_651_835_667_416,
    23_771_900_829_913_803,
    17_528_300_493_568_537,
    12_724_181_596_831_432,
    9_093_562_501_591_053,
    6_398_120_310_723_556,
    4_431_848_411_938_007,
    3_022_258_035_198_756,
    2_029_048_057_299_768,
    1_341_118_873_490_378,
    872_682_695_045_760,
    559_061_522_232_165,
    352_595_682_367_445,
    218_931_637_764_612,
    133_830_225_764_885,
    80_540_448_555_594,
    47_718_636_541_205,
    27_834_034_229_215,
    15_983_741_106_905,
    9_036_387_889_051,
    5_029_507_288_592,
    2_755_942_597_550,
    1_486_719_514_734,
    789_590_774_069,
    412_847_098_863,
    212_515_473_831,
    107_697_600_425,
    53_732_326_506,
    26_392_432_036,
    12_762_546_204,
    6_075_882_850,
    2_847_708_978,
    1_314_001_818,
    596_912_229,
    266_955_661,
    117_538_987,
    50_949_380,
    21_742_526,
    9_134_720,
    3_778_285,
    1_538_538,
    616_788,
    243_432,
    94_588,
    36_183,
    13_627,
    5_052,
    1_844,
    663,
    234,
    82,
];

/// Q60. Φ(i/8), i = 0..=68: [`CDF_TABLE_E12`] converted to Q60 (nearest);
/// its own e12 rounding (≤ 5e-13) dominates.
const CDF_TABLE_Q60: [i64; CDF_POINTS] = build_cdf_table_q60();
/// Q60. Taylor coefficients of Φ around c_i = i/8:
/// `Φ(c + h) = Φ(c) + Σ_{n<7} a_n h^{n+1}`, `a_n = (−1)^n He_n(c) φ(c) / (n+1)!`
/// (He_n: probabilists' Hermite polynomials). Built at compile time from the
/// φ table with exact integer Hermite values `8^n He_n(i/8)`, rounded to
/// nearest at e18 and then to Q60 (|a_n| < 0.4, so every entry fits `i64`).
const CDF_COEF_Q60: [[i64; CDF_TERMS]; CDF_POINTS] = build_cdf_coefs();
/// ⌊2^100 / 10^12⌋: `x_e12 · E12_TO_Q60 >> 56` is x in Q44.
const E12_TO_Q60: i128 = 1_267_650_600_228_229_401;
/// 2^60: e18 → Q60 numerator.
const TWO_POW_60: i128 = 1 << 60;

const fn build_cdf_table_q60() -> [i64; CDF_POINTS] {
    let mut out = [0i64; CDF_POINTS];
    let mut i = 0;
    while i < CDF_POINTS {
        // ≤ 10^12 · 2^60 < 2^100: no overflow; result ≤ 2^60.
        out[i] = ((CDF_TABLE_E12[i] * TWO_POW_60 + SCALE / 2) / SCALE) as i64;
        i += 1;
    }
    out
}

const fn build_cdf_coefs() -> [[i64; CDF_TERMS]; CDF_POINTS] {
    let mut out = [[0i64; CDF_TERMS]; CDF_POINTS];
    let mut i = 0;
    while i < CDF_POINTS {
        let ii = i as i128;
        // hermite[n] = 8^n · He_n(i/8), exact: He_{n+1} = c He_n − n He_{n−1}.
        let mut hermite = [0i128; CDF_TERMS];
        hermite[0] = 1;
        hermite[1] = ii;
        let mut n = 1;
        while n + 1 < CDF_TERMS {
            hermite[n + 1] = ii * hermite[n] - 64 * (n as i128) * hermite[n - 1];
            n += 1;
        }
        let mut pow8: i128 = 1;
        let mut fact: i128 = 1;
        let mut n = 0;
        while n < CDF_TERMS {
            fact *= (n + 1) as i128;
            let sign: i128 = if n % 2 == 0 { 1 } else { -1 };
            let num = sign * PDF_TABLE_E18[i] * hermite[n];
            let den = pow8 * fact;
            // Round to nearest at e18 (|a_n| < 0.4e18 < 2^59), then to Q60
            // (< 2^59 · 2^60 before the division: fits i128).
            let a_e18 = (2 * num + den).div_euclid(2 * den);
            out[i][n] = (a_e18 * TWO_POW_60 + E18 / 2).div_euclid(E18) as i64;
            pow8 *= 8;
            n += 1;
        }
        i += 1;
    }
    out
}

/// e^x. Domain x ≤ [`EXP_MAX`] (else `MathDomain`); below −40 the result is 0.
///
/// Method, division-free and in binary fixed point: x = (32k + j)·ln2/32 + r
/// with |r| ≤ ln2/64 (reduction at e18); r goes to Q60 and e^r is its
/// degree-5 Taylor polynomial (truncation < 3e-15), evaluated with Q60
/// multiplies; times 2^(j/32) (Q62 table), then 2^k and the conversion to
/// e12 are one multiply by 10^12 and a shift. Result rounded down; error
/// ≤ `3e-12 · e^x + 2e-12` (measured: the final floor plus ~1e-14 · e^x).
pub fn exp(x: FixedE12) -> RiskResult<FixedE12> {
    count(Op::Exp);
    if x.0 > EXP_MAX.0 {
        return Err(RiskError::MathDomain);
    }
    if x.0 < -EXP_MAX.0 {
        return Ok(FixedE12::ZERO);
    }
    // |x| ≤ 4e13 raw: fits i64.
    let xr = x.0 as i64;
    // n = ⌊(x + ln2/64) / (ln2/32)⌋, as an unsigned division of the value
    // biased by EXP_BIAS multiples of the divisor (it is then positive):
    // SBF has no native signed division.
    let biased = (xr + LN2_32_E12 / 2 + EXP_BIAS * LN2_32_E12) as u64;
    let n = (biased / LN2_32_E12 as u64) as i64 - EXP_BIAS;
    // r = x − n·ln2/32 at e18: |x|·10^6 < 2^66 and |n| ≤ 1847, while
    // |r| < 1.1e16 < 2^54, so the difference is exact in wrapping i64
    // arithmetic (it is exact modulo 2^64 and fits).
    let r_e18 = xr
        .wrapping_mul(1_000_000)
        .wrapping_sub(n.wrapping_mul(LN2_32_E18 as i64));
    // e18 → Q60: r · (2^123/10^18) / 2^63, floor; the product is below 2^118.
    let r = mul_shr_i64_u64(r_e18, E18_TO_Q123 as u64, 63);
    // Horner: 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r/120)))), all Q60; every
    // partial sum is within 1.02 · 2^60 (plain wrapping additions).
    let mut acc = EXP_COEF_Q60[0];
    let mut idx = 1;
    while idx < EXP_COEF_Q60.len() {
        acc = EXP_COEF_Q60[idx].wrapping_add(mul_q60(r, acc));
        idx += 1;
    }
    // p = e^r ∈ [0.989, 1.011] · 2^60.
    let p = Q60_ONE.wrapping_add(mul_q60(r, acc));
    let k = n >> 5;
    let j = (n & 31) as usize;
    count(Op::MulShift);
    // 2^(j/32) · e^r < 1.98: m < 2^63 (Q62), exact 64×64→128 product.
    let m = mul_shr_u64(EXP2_TABLE_Q62[j], p as u64, 60);
    // m · 10^12 < 2^103; e^x = that / 2^(62 − k) with k ∈ −58..=57, so the
    // shift lies in 5..=120.
    let shift = (62 - k) as u32;
    let (hi, lo) = umul_parts(m, SCALE as u64);
    Ok(FixedE12(shr_parts(hi, lo, shift) as i128))
}

/// Natural logarithm. Domain x > 0 (else `MathDomain`); error ≤ 2e-12
/// (essentially the final floor to e12).
///
/// Method, division-free: raw x = 2^e · m with m ∈ [1, 2) held exactly in
/// Q60 (binary fixed point, 60 fraction bits); m is matched to the centre c
/// of one of 32 buckets, u = m·(1/c) − 1 (|u| ≤ 1/64) and ln(1+u) is its
/// Taylor series to u^7 (truncation < 5e-16). Then
/// ln x = e·ln2 + ln c + ln(1+u) − ln 10^12, summed at e18.
pub fn ln(x: FixedE12) -> RiskResult<FixedE12> {
    count(Op::Ln);
    if x.0 <= 0 {
        return Err(RiskError::MathDomain);
    }
    let v = x.0 as u128;
    // e = floor(log2 v) ∈ 0..=126; m_q = v / 2^(e − 60) ∈ [2^60, 2^61), exact
    // (Q60), by 64-bit shifts when v < 2^64.
    let (hi, lo) = ((v >> 64) as u64, v as u64);
    let (e, m_q) = if hi == 0 {
        let e = 63 - leading_zeros_u64(lo);
        (
            e,
            if e >= 60 {
                lo >> (e - 60)
            } else {
                lo << (60 - e)
            },
        )
    } else {
        // Raw values of 2^64 and more (spots above 1.8e7 USD): rare.
        let e = 127 - leading_zeros_u64(hi);
        (e, (v >> (e - 60)) as u64)
    };
    // m_q ∈ [2^60, 2^61): bits 55..60 select the bucket.
    let bucket = ((m_q >> 55) & 31) as usize;
    // m_q < 2^61 and the reciprocal < 2^61: one 64×64→128 multiply; ratio ≈ 2^60 ± 2^54.
    let ratio = mul_shr_u64(m_q, LN_RECIP_Q60[bucket] as u64, 60);
    // |u| ≤ 2^54, and every partial sum below stays within 1.02 · 2^60
    // (plain wrapping operations).
    let u = (ratio as i64).wrapping_sub(Q60_ONE);
    let mut acc = INV_N_Q60[LN_TERMS - 1];
    let mut n = LN_TERMS - 1;
    while n > 0 {
        n -= 1;
        acc = INV_N_Q60[n].wrapping_sub(mul_q60(u, acc));
    }
    let series_q60 = mul_q60(u, acc);
    // Summed in Q60 (|total| < 2^67), then one multiply by 10^12 (< 2^107)
    // and a shift: the floor to e12, with no division.
    // e · ln 2 < 2^7 · 2^60: one 64×64 product.
    let total_q60 = mul_u64_wide(u64::from(e), LN2_Q60 as u64) as i128
        + LN_BUCKET_Q60[bucket]
        + i128::from(series_q60)
        - LN_1E12_Q60;
    Ok(FixedE12(if EMULATED_WIDE {
        q60_to_e12_floor_emulated(total_q60)
    } else {
        total_q60.wrapping_mul(SCALE) >> 60
    }))
}

/// `⌊t · 10^12 / 2^60⌋` (`(t * SCALE) >> 60`) for `|t| < 2^67`, from 64-bit
/// products: `t = t_hi · 2^60 + t_lo` with `0 ≤ t_lo < 2^60` and
/// `|t_hi| < 2^7`, so the floor is `t_hi · 10^12 + ⌊t_lo · 10^12 / 2^60⌋`.
#[inline(always)]
fn q60_to_e12_floor_emulated(t: i128) -> i128 {
    let t_hi = (t >> 60) as i64;
    let t_lo = (t as u64) & ((1 << 60) - 1);
    // |t_hi · 10^12| < 2^47: the wrapping product is exact.
    i128::from(t_hi.wrapping_mul(SCALE as i64)) + i128::from(mul_shr_u64(t_lo, SCALE as u64, 60))
}

/// Bias (in multiples of ln2/32) that makes `x + ln2/64` positive for every
/// |x| ≤ 40 before [`exp`]'s reduction: 2048 · ln2/32 ≈ 44.4 > 40.
const EXP_BIAS: i64 = 2_048;

/// `a · b / 2^60`, floor, for |a|, |b| ≤ 2^61 whose product / 2^60 fits i64
/// (true at every call site: one factor is below 2^57, the other below
/// 2^61: the Horner accumulators of `exp`, `ln` and Φ stay within 1.1·2^60).
/// Exact: the value of `(a as i128 * b as i128) >> 60` (on SBF from four
/// 64-bit products, `wide::mul_q60_bounded`).
#[inline(always)]
pub(crate) fn mul_q60(a: i64, b: i64) -> i64 {
    count(Op::MulShift);
    mul_q60_bounded(a, b)
}

/// √x rounded down to the raw unit for x < 1.7e14 (beyond, where raw·10^12
/// leaves `u128`, within relative 1e-13). Domain x ≥ 0 (else `MathDomain`).
pub fn sqrt_floor(x: FixedE12) -> RiskResult<FixedE12> {
    if x.0 < 0 {
        return Err(RiskError::MathDomain);
    }
    let v = x.0 as u128;
    let r = match v.checked_mul(SCALE as u128) {
        Some(n) => isqrt_u128(n),
        // x > 3.4e14: √(v·1e12) = √v·1e6, off by < 1e6 raw (relative < 1e-13).
        None => isqrt_u128(v) * 1_000_000,
    };
    Ok(FixedE12(r as i128))
}

/// ⌊√n⌋ for any `u128`. Newton's method from a power of two above √n
/// converges monotonically from above; 7 rounds (the first a shift) reach
/// the floor for every 128-bit input, 12 are allowed.
pub fn isqrt_u128(n: u128) -> u128 {
    count(Op::Sqrt);
    if EMULATED_WIDE {
        return isqrt_u128_emulated(n);
    }
    if n < 2 {
        return n;
    }
    let bits = 128 - n.leading_zeros();
    // x0 = 2^⌈bits/2⌉ ∈ [√n, 2√n] and ≤ 2^64, so x + n/x ≤ 2^65 never overflows.
    let shift = bits.div_ceil(2);
    let mut x: u128 = 1 << shift;
    // The first Newton step divides by a power of two: a shift.
    let first = (x + (n >> shift)) >> 1;
    if first >= x {
        return x - u128::from(x.checked_mul(x).is_none_or(|sq| sq > n));
    }
    x = first;
    for _ in 0..11 {
        let y = (x + n / x) >> 1;
        if y >= x {
            break;
        }
        x = y;
    }
    // Defensive: the iteration ends at the floor; keep the guarantee explicit.
    if x.checked_mul(x).is_none_or(|sq| sq > n) {
        x -= 1;
    }
    x
}

/// [`isqrt_u128`] from 64-bit operations (no 128-bit division): the same
/// floor. Below 2^64, Newton's method in `u64`. Above, the top 61–62 bits
/// `n' = n / 4^k` give `s' = ⌊√n'⌋ ∈ [2^30, 2^31)`, so `x0 = (s' + 1)·2^k`
/// lies in `[√n, √n + 2^k]`; one Newton step from above,
/// `⌊(x0 + ⌊n / x0⌋) / 2⌋` with `⌊n / x0⌋ = ⌊⌊n / 2^k⌋ / (s' + 1)⌋` (a
/// division by a divisor below 2^32: three native steps), is never below
/// `⌊√n⌋` and exceeds it by at most `2^k / 2^31 + 1 ≤ 5`; squaring
/// corrects the rest.
pub(crate) fn isqrt_u128_emulated(n: u128) -> u128 {
    let (hi, lo) = ((n >> 64) as u64, n as u64);
    if hi == 0 {
        return u128::from(isqrt_u64(lo));
    }
    // bits ∈ 65..=128; k ∈ 2..=33 and n >> 2k has 61 or 62 bits.
    let bits = 128 - leading_zeros_u64(hi);
    let k = (bits - 61) / 2;
    let top = shr_parts(hi, lo, 2 * k) as u64;
    let s1 = isqrt_u64(top) + 1;
    let (q, _) = udivrem_small(shr_parts(hi, lo, k), s1);
    let x0 = u128::from(s1) << k;
    // ⌊√n⌋ < 2^64: clamping keeps x ≥ ⌊√n⌋.
    let mut x = ((x0 + q) >> 1).min(u128::from(u64::MAX)) as u64;
    loop {
        let (sh, sl) = umul_parts(x, x);
        if (u128::from(sh) << 64) | u128::from(sl) <= n {
            break;
        }
        x -= 1;
    }
    u128::from(x)
}

/// ⌊√n⌋ of a `u64` by Newton's method from a power of two above √n (native
/// 64-bit division; at most 6 rounds).
fn isqrt_u64(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let bits = 64 - leading_zeros_u64(n);
    // x0 = 2^⌈bits/2⌉ ∈ [√n, 2√n], at most 2^32, so x + n/x ≤ 2^33.
    let mut x: u64 = 1 << bits.div_ceil(2);
    loop {
        let y = (x + n / x) >> 1;
        if y >= x {
            break;
        }
        x = y;
    }
    // The iteration ends at the floor (x < 2^32 here, so x·x cannot wrap).
    if x.wrapping_mul(x) > n {
        x -= 1;
    }
    x
}

/// Standard normal CDF Φ(x), error ≤ 2e-12, saturating to exactly 0 / 1 for
/// |x| ≥ 8.5. Φ(−x) = 1 − Φ(x) holds exactly.
///
/// Method: Taylor expansion of Φ around the nearest multiple c of 1/8,
/// `Φ(c) + Σ a_n h^{n+1}` with precomputed Hermite coefficients (7 terms,
/// |h| ≤ 1/16), evaluated in Q60 ([`cdf_q60`]) and rounded down to e12.
pub fn norm_cdf(x: FixedE12) -> RiskResult<FixedE12> {
    let xa = x.0.unsigned_abs();
    let upper_q60 = if xa >= CDF_SATURATE_E12 as u128 {
        count(Op::Cdf);
        Q60_ONE
    } else {
        // xa < 8.5e12 < 2^43: the product is below 2^104; x in Q44, floor.
        cdf_q60(mul_shr_u64(xa as u64, E12_TO_Q60 as u64, 56) as i64)
    };
    // upper_q60 ∈ [0, 2^60]: the product is below 2^100.
    let upper = i128::from(mul_shr_u64(upper_q60 as u64, SCALE as u64, 60)).clamp(0, SCALE);
    Ok(FixedE12(if x.0 >= 0 { upper } else { SCALE - upper }))
}

/// Φ(x) in Q60 (binary fixed point, 1.0 = 2^60) for x in Q44, error
/// ≤ 1e-12 (table rounding 5e-13, truncation 2e-13, Horner floors 1e-17);
/// saturates to exactly 0 / 2^60 for |x| ≥ 8.5, and Φ(−x) = 2^60 − Φ(x)
/// exactly. The pricing kernel's Φ: the table index and h are bit
/// operations, then 7 Q60 multiplies; no division.
#[inline(always)]
pub(crate) fn cdf_q60(x_q44: i64) -> i64 {
    count(Op::Cdf);
    let xa = x_q44.unsigned_abs();
    let upper = if xa >= CDF_SATURATE_Q44 {
        Q60_ONE
    } else {
        // Nearest multiple of 1/8 = 2^41 (Q44): i ≤ 68. (The sums and
        // differences below are far from overflowing, so they are plain
        // wrapping operations: the checked ones cost as much as the multiplies
        // on SBF.)
        let i = (xa.wrapping_add(1 << 40) >> 41) as usize;
        // |h| ≤ 2^40 (1/16 in Q44) → Q60 by a shift: |h_q| ≤ 2^56.
        let h_q = (xa as i64).wrapping_sub((i as i64) << 41) << 16;
        let coef = &CDF_COEF_Q60[i];
        let mut acc = coef[CDF_TERMS - 1];
        let mut n = CDF_TERMS - 1;
        while n > 0 {
            n -= 1;
            // |coef| < 2^59 and |h_q·acc/2^60| < 2^55: no overflow.
            acc = coef[n].wrapping_add(mul_q60(h_q, acc));
        }
        CDF_TABLE_Q60[i]
            .wrapping_add(mul_q60(h_q, acc))
            .clamp(0, Q60_ONE)
    };
    if x_q44 >= 0 {
        upper
    } else {
        // upper ∈ [0, 2^60].
        Q60_ONE.wrapping_sub(upper)
    }
}

/// Standard normal PDF φ(x) = e^{−x²/2}/√(2π), error ≤ `2e-12 + 3e-12·φ(x)`;
/// exactly 0 for |x| ≥ 40.
pub fn norm_pdf(x: FixedE12) -> RiskResult<FixedE12> {
    count(Op::Pdf);
    if x.0.unsigned_abs() >= (40 * SCALE) as u128 {
        return Ok(FixedE12::ZERO);
    }
    let half_sq = mul_raw(x.0, x.0, false)? >> 1;
    let e = exp(FixedE12(-half_sq))?;
    let v_e18 = mul_raw(e.0, INV_SQRT_2PI_E18, false)?;
    Ok(FixedE12(div_small_floor(v_e18, E6)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(v: i128) -> FixedE12 {
        FixedE12(v)
    }

    #[test]
    fn exp_exact_points() {
        assert!((exp(FixedE12::ZERO).unwrap().0 - SCALE).abs() <= 1);
        let e = exp(FixedE12::ONE).unwrap().0;
        assert!((e - 2_718_281_828_459).abs() <= 3, "{e}");
        let l2 = exp(fx(693_147_180_560)).unwrap().0;
        assert!((l2 - 2 * SCALE).abs() <= 3, "{l2}");
        assert_eq!(exp(fx(-41 * SCALE)), Ok(FixedE12::ZERO));
        assert_eq!(exp(fx(40 * SCALE + 1)), Err(RiskError::MathDomain));
        // e^40 = 235385266837019985.4 (relative error ≤ 3e-12)
        let big = exp(EXP_MAX).unwrap().0;
        let want: i128 = 235_385_266_837_019_985_407_899_910_749;
        assert!((big - want).abs() <= want / 300_000_000_000, "{big}");
    }

    #[test]
    fn ln_exact_points() {
        assert_eq!(ln(FixedE12::ZERO), Err(RiskError::MathDomain));
        assert_eq!(ln(fx(-5)), Err(RiskError::MathDomain));
        assert!(ln(FixedE12::ONE).unwrap().0.abs() <= 2);
        let l2 = ln(FixedE12::from_int(2)).unwrap().0;
        assert!((l2 - 693_147_180_560).abs() <= 3, "{l2}");
        let l10 = ln(FixedE12::from_int(10)).unwrap().0;
        assert!((l10 - 2_302_585_092_994).abs() <= 4, "{l10}");
        // ln(1e-12) = -27.631021115928547
        let tiny = ln(fx(1)).unwrap().0;
        assert!((tiny + 27_631_021_115_929).abs() <= 4, "{tiny}");
        // ln(i128::MAX raw) works.
        assert!(ln(fx(i128::MAX)).is_ok());
    }

    #[test]
    fn ln_exp_round_trip() {
        let mut x = -20 * SCALE;
        while x <= 20 * SCALE {
            let y = ln(exp(fx(x)).unwrap()).unwrap().0;
            // ln ∘ exp loses relative precision of e^x when it is small.
            let tol = if x < 0 {
                10 + 3 * exp(fx(-x)).unwrap().0 / SCALE
            } else {
                10
            };
            assert!((y - x).abs() <= tol, "x={x} y={y}");
            x += 1_234_567_890_123;
        }
    }

    #[test]
    fn isqrt_is_floor() {
        let cases = [
            0u128,
            1,
            2,
            3,
            4,
            15,
            16,
            17,
            (1 << 64) - 1,
            1 << 64,
            u128::MAX,
            u128::MAX - 1,
            12_345_678_901_234_567_890_123_456_789,
        ];
        for n in cases {
            let r = isqrt_u128(n);
            assert!(r.checked_mul(r).is_some_and(|sq| sq <= n), "{n}");
            assert!((r + 1).checked_mul(r + 1).is_none_or(|sq| sq > n), "{n}");
        }
        assert_eq!(sqrt_floor(FixedE12::from_int(4)), Ok(FixedE12::from_int(2)));
        assert_eq!(sqrt_floor(fx(2 * SCALE)), Ok(fx(1_414_213_562_373)));
        assert_eq!(sqrt_floor(fx(-1)), Err(RiskError::MathDomain));
        assert!(sqrt_floor(fx(i128::MAX)).is_ok());
    }

    #[test]
    fn emulated_q60_to_e12_matches() {
        let mut x: u64 = 0x0bad_cafe_1234_5678;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let t = (i128::from(x as i64) << 3) >> (x % 40);
            assert_eq!(q60_to_e12_floor_emulated(t), (t * SCALE) >> 60, "{t}");
        }
        for t in [
            0i128,
            1,
            -1,
            (1 << 60) - 1,
            1 << 60,
            -(1 << 60),
            (1 << 66) - 1,
            -(1 << 66),
        ] {
            assert_eq!(q60_to_e12_floor_emulated(t), (t * SCALE) >> 60, "{t}");
        }
    }

    #[test]
    fn emulated_isqrt_matches() {
        let mut x: u64 = 0x0123_4567_89ab_cdef;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut cases = std::vec::Vec::new();
        for _ in 0..50_000 {
            let n = ((u128::from(next()) << 64) | u128::from(next())) >> (next() % 128);
            cases.push(n);
            let r = isqrt_u128(n);
            for d in [0u128, 1, 2] {
                if let Some(sq) = (r + d).checked_mul(r + d) {
                    cases.extend([sq.wrapping_sub(1), sq, sq + 1]);
                }
            }
        }
        cases.extend([
            0,
            1,
            2,
            3,
            4,
            u128::MAX,
            u128::MAX - 1,
            1 << 64,
            (1 << 64) - 1,
        ]);
        cases.extend([u128::from(u64::MAX) * u128::from(u64::MAX), 1 << 127]);
        for n in cases {
            assert_eq!(isqrt_u128_emulated(n), isqrt_u128(n), "{n}");
        }
    }

    #[test]
    fn cdf_symmetry_and_saturation() {
        assert_eq!(norm_cdf(FixedE12::ZERO), Ok(fx(SCALE / 2)));
        let mut x = 0;
        while x < 10 * SCALE {
            let p = norm_cdf(fx(x)).unwrap().0;
            let m = norm_cdf(fx(-x)).unwrap().0;
            assert_eq!(p + m, SCALE);
            x += 37_000_000_001;
        }
        assert_eq!(norm_cdf(fx(i128::MAX)), Ok(FixedE12::ONE));
        assert_eq!(norm_cdf(fx(i128::MIN)), Ok(FixedE12::ZERO));
        assert_eq!(norm_cdf(fx(-39 * SCALE)), Ok(FixedE12::ZERO));
        // Φ(1) = 0.841344746068543
        assert!((norm_cdf(FixedE12::ONE).unwrap().0 - 841_344_746_069).abs() <= 2);
    }

    #[test]
    fn cdf_monotone_within_rounding() {
        let mut prev = 0;
        let mut x = -9 * SCALE;
        while x < 9 * SCALE {
            let p = norm_cdf(fx(x)).unwrap().0;
            assert!(p + 3 >= prev, "x={x}");
            prev = prev.max(p);
            x += 3_906_250_001;
        }
    }

    #[test]
    fn pdf_points() {
        assert!((norm_pdf(FixedE12::ZERO).unwrap().0 - 398_942_280_401).abs() <= 2);
        assert_eq!(norm_pdf(fx(40 * SCALE)), Ok(FixedE12::ZERO));
        assert_eq!(norm_pdf(fx(i128::MIN)), Ok(FixedE12::ZERO));
        assert_eq!(norm_pdf(fx(2 * SCALE)), norm_pdf(fx(-2 * SCALE)));
    }
}

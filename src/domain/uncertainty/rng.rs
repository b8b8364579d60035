//! Pseudo-random numbers for the Monte Carlo method of JCGM 101:2008 (GUM Supplement 1, 6.4 and
//! annex C).
//!
//! The generator is written here rather than taken from a crate so that a seeded evaluation gives
//! the same numbers forever: a certificate's Monte Carlo check must be reproducible years later,
//! whatever happens to third-party crates. xoshiro256++ (Blackman and Vigna, 2019) is seeded through
//! splitmix64 as its authors recommend; normal deviates use Marsaglia's polar method, gamma deviates
//! (for Student's t) Marsaglia and Tsang's method (2000). JCGM 101 C.3 asks for a generator that
//! passes the standard batteries of tests, which xoshiro256++ does.

/// splitmix64: expands one 64-bit seed into well-mixed words for the xoshiro state.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xoshiro256++ with the sampling methods the Monte Carlo engine needs.
#[derive(Debug, Clone)]
pub struct Xoshiro256PlusPlus {
    s: [u64; 4],
    /// The polar method yields normal deviates in pairs; the second is kept for the next call.
    spare_normal: Option<f64>,
}

impl Xoshiro256PlusPlus {
    /// Seeds the generator through splitmix64, so that any seed (0 included) gives a valid,
    /// non-zero state.
    pub fn seed_from_u64(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        let s = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        Self {
            s,
            spare_normal: None,
        }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[0]
            .wrapping_add(self.s[3])
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform on the open interval (0, 1): the 53 high bits, offset by half a step so that
    /// neither 0 nor 1 can occur (logarithms and powers of the deviate stay finite).
    #[inline]
    pub fn uniform_open(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform on (-1, 1).
    #[inline]
    pub fn uniform_symmetric(&mut self) -> f64 {
        2.0 * self.uniform_open() - 1.0
    }

    /// Standard normal deviate (Marsaglia's polar method).
    #[inline]
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = self.uniform_symmetric();
            let v = self.uniform_symmetric();
            let s = u * u + v * v;
            if s < 1.0 && s > 0.0 {
                let m = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * m);
                return u * m;
            }
        }
    }

    /// Gamma(shape, 1) deviate by Marsaglia and Tsang; shapes below 1 use the boost
    /// Gamma(a) = Gamma(a + 1) * U^(1/a).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let g = self.gamma(shape + 1.0);
            return g * self.uniform_open().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let mut x;
            let mut v;
            loop {
                x = self.standard_normal();
                v = 1.0 + c * x;
                if v > 0.0 {
                    break;
                }
            }
            v = v * v * v;
            let u = self.uniform_open();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 {
                return d * v;
            }
            if u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Student's t deviate with `dof` degrees of freedom: Z / sqrt(chi2 / dof), the chi-squared
    /// deviate being 2 Gamma(dof / 2) (JCGM 101 6.4.9.5 describes the same construction).
    #[inline]
    pub fn student_t(&mut self, dof: f64) -> f64 {
        let z = self.standard_normal();
        let chi2 = 2.0 * self.gamma(0.5 * dof);
        z / (chi2 / dof).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // Reference output of splitmix64 seeded with 1234567 (Vigna's splitmix64.c test vector,
        // also used by the rand_xoshiro crate's tests).
        let mut sm = SplitMix64::new(1_234_567);
        let expected: [u64; 5] = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for e in expected {
            assert_eq!(sm.next_u64(), e);
        }
    }

    #[test]
    fn xoshiro256plusplus_reference_values() {
        // Reference vector of xoshiro256++ started from the state [1, 2, 3, 4] (rand_xoshiro's
        // test, generated with the authors' C implementation).
        let mut rng = Xoshiro256PlusPlus {
            s: [1, 2, 3, 4],
            spare_normal: None,
        };
        let expected: [u64; 10] = [
            41_943_041,
            58_720_359,
            3_588_806_011_781_223,
            3_591_011_842_654_386,
            9_228_616_714_210_784_205,
            9_973_669_472_204_895_162,
            14_011_001_112_246_962_877,
            12_406_186_145_184_390_807,
            15_849_039_046_786_891_736,
            10_450_023_813_501_588_000,
        ];
        for e in expected {
            assert_eq!(rng.next_u64(), e);
        }
    }

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Xoshiro256PlusPlus::seed_from_u64(42);
        let mut b = Xoshiro256PlusPlus::seed_from_u64(42);
        for _ in 0..1000 {
            assert_eq!(a.standard_normal().to_bits(), b.standard_normal().to_bits());
        }
        let mut c = Xoshiro256PlusPlus::seed_from_u64(43);
        assert_ne!(a.next_u64(), c.next_u64());
    }

    fn moments(samples: &[f64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let u: Vec<f64> = (0..200_000).map(|_| rng.uniform_open()).collect();
        let (m, v) = moments(&u);
        assert!((m - 0.5).abs() < 0.003, "{m}");
        assert!((v - 1.0 / 12.0).abs() < 0.001, "{v}");
        assert!(u.iter().all(|&x| x > 0.0 && x < 1.0));
        let z: Vec<f64> = (0..200_000).map(|_| rng.standard_normal()).collect();
        let (m, v) = moments(&z);
        assert!(m.abs() < 0.01, "{m}");
        assert!((v - 1.0).abs() < 0.01, "{v}");
    }

    #[test]
    fn gamma_and_t_moments() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for shape in [0.5, 1.0, 2.5, 12.0] {
            let g: Vec<f64> = (0..200_000).map(|_| rng.gamma(shape)).collect();
            let (m, v) = moments(&g);
            // Gamma(a, 1): mean a, variance a.
            assert!(
                (m - shape).abs() < 0.02 * shape.max(1.0),
                "shape {shape}: mean {m}"
            );
            assert!(
                (v - shape).abs() < 0.05 * shape.max(1.0),
                "shape {shape}: var {v}"
            );
        }
        // t with 10 degrees of freedom: variance 10 / 8.
        let t: Vec<f64> = (0..400_000).map(|_| rng.student_t(10.0)).collect();
        let (m, v) = moments(&t);
        assert!(m.abs() < 0.01, "{m}");
        assert!((v - 1.25).abs() < 0.02, "{v}");
    }
}

//! Price paths: the built-in scenarios (`crash`, `whipsaw`, `grind`, `gbm`)
//! and TOML files of the same shape. A path is piecewise log-linear between
//! keyframes, plus seeded Brownian noise and jumps, sampled every
//! `step_secs` (seconds, not dollars: soft tiers need small moves); the
//! volatility target rises with the drawdown from the start.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use options_margin_client::error::{ClientError, ClientResult};

/// unit: seconds in a year (Black-76 volatility is annualised).
const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// A scenario, as a TOML file gives it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// unit: seconds. Length of the path.
    pub duration_secs: i64,
    /// unit: seconds. One price update (and one keeper pass) per step.
    pub step_secs: i64,
    /// `[fraction of the duration, price relative to the start]`, from `[0, 1]`.
    pub keyframes: Vec<[f64; 2]>,
    /// Annualised volatility of the noise around the keyframes (0: none).
    #[serde(default)]
    pub noise_vol: f64,
    /// Expected jumps per day (Poisson).
    #[serde(default)]
    pub jumps_per_day: f64,
    /// precision: bps. Mean size of a jump (negative: down).
    #[serde(default)]
    pub jump_bps: f64,
    /// Volatility at a 30% drawdown, as a multiple of the starting one
    /// (linear in the drawdown, capped there; 1: flat).
    #[serde(default = "one")]
    pub vol_spike: f64,
}

fn one() -> f64 {
    1.0
}

/// One sample of the path.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Step {
    /// unit: seconds since the start of the path.
    pub t_secs: i64,
    /// precision: 1e-8 USD (Pyth's expo −8).
    pub price_e8: i64,
    /// precision: e6. The volatility the authority aims for at this step.
    pub vol_target_e6: u32,
}

pub const BUILTIN: [&str; 4] = ["crash", "whipsaw", "grind", "gbm"];

impl Scenario {
    /// A built-in scenario by name.
    pub fn builtin(name: &str) -> Option<Self> {
        let s = |name: &str, duration_secs, step_secs, keyframes: Vec<[f64; 2]>, noise_vol| Self {
            name: name.into(),
            duration_secs,
            step_secs,
            keyframes,
            noise_vol,
            jumps_per_day: 0.0,
            jump_bps: 0.0,
            vol_spike: 2.0,
        };
        Some(match name {
            // −30% over a day, the fall concentrated in its middle hours.
            "crash" => s(
                "crash",
                86_400,
                120,
                vec![[0.0, 1.0], [0.25, 0.96], [0.6, 0.76], [1.0, 0.70]],
                0.3,
            ),
            // −25% in ten hours, then most of it back.
            "whipsaw" => s(
                "whipsaw",
                86_400,
                120,
                vec![[0.0, 1.0], [0.42, 0.75], [1.0, 0.95]],
                0.3,
            ),
            // A slow −40% over a week.
            "grind" => s("grind", 7 * 86_400, 600, vec![[0.0, 1.0], [1.0, 0.60]], 0.2),
            // Flat drift, 90% noise and four −4% jumps a day on average.
            "gbm" => Self {
                jumps_per_day: 4.0,
                jump_bps: -400.0,
                ..s("gbm", 86_400, 120, vec![[0.0, 1.0], [1.0, 1.0]], 0.9)
            },
            _ => return None,
        })
    }

    /// A built-in name, or a TOML file.
    pub fn resolve(name_or_file: &str) -> ClientResult<Self> {
        if let Some(s) = Self::builtin(name_or_file) {
            return Ok(s);
        }
        let text = std::fs::read_to_string(name_or_file).map_err(|e| {
            ClientError::Input(format!(
                "scenario {name_or_file:?}: not one of {BUILTIN:?} and not a readable file ({e})"
            ))
        })?;
        let s: Self = toml::from_str(&text)
            .map_err(|e| ClientError::Input(format!("scenario {name_or_file}: {e}")))?;
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> ClientResult<()> {
        let bad = |m: &str| Err(ClientError::Input(format!("scenario {}: {m}", self.name)));
        if self.step_secs < 1 || self.duration_secs < self.step_secs {
            return bad("step_secs ≥ 1 and duration_secs ≥ step_secs");
        }
        if self.keyframes.len() < 2
            || self.keyframes[0][0] != 0.0
            || self.keyframes.last().map(|k| k[0]) != Some(1.0)
            || self.keyframes.windows(2).any(|w| w[1][0] <= w[0][0])
            || self.keyframes.iter().any(|k| k[1] <= 0.0)
        {
            return bad("keyframes run from [0, x] to [1, y] in increasing time, prices > 0");
        }
        Ok(())
    }

    /// The relative price of the keyframes at `frac` of the duration (log-linear).
    fn keyframe_at(&self, frac: f64) -> f64 {
        let k = &self.keyframes;
        let i = k
            .windows(2)
            .position(|w| frac <= w[1][0])
            .unwrap_or(k.len() - 2);
        let (a, b) = (k[i], k[i + 1]);
        let w = ((frac - a[0]) / (b[0] - a[0])).clamp(0.0, 1.0);
        (a[1].ln() * (1.0 - w) + b[1].ln() * w).exp()
    }

    /// The sampled path from `start_price_e8` at `start_vol_e6`, seeded.
    pub fn path(&self, start_price_e8: i64, start_vol_e6: u32, rng: &mut ChaCha8Rng) -> Vec<Step> {
        let steps = self.duration_secs / self.step_secs;
        let dt = self.step_secs as f64 / YEAR_SECS;
        let jump_p = self.jumps_per_day * self.step_secs as f64 / 86_400.0;
        let mut noise = 0.0f64;
        let mut out = Vec::with_capacity(steps as usize + 1);
        for i in 0..=steps {
            if i > 0 {
                noise +=
                    self.noise_vol * dt.sqrt() * normal(rng) - 0.5 * self.noise_vol.powi(2) * dt;
                if jump_p > 0.0 && rng.gen::<f64>() < jump_p {
                    noise += (1.0 + self.jump_bps / 10_000.0 * (0.5 + rng.gen::<f64>())).ln();
                }
            }
            let t_secs = i * self.step_secs;
            let rel = self.keyframe_at(t_secs as f64 / self.duration_secs as f64) * noise.exp();
            let drawdown = (1.0 - rel).clamp(0.0, 0.3) / 0.3;
            let vol = f64::from(start_vol_e6) * (1.0 + (self.vol_spike - 1.0) * drawdown);
            out.push(Step {
                t_secs,
                price_e8: (start_price_e8 as f64 * rel).round() as i64,
                vol_target_e6: vol.round() as u32,
            });
        }
        out
    }
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-12);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_builtin_is_valid_and_the_crash_falls_thirty_percent() {
        for name in BUILTIN {
            Scenario::builtin(name).unwrap().check().unwrap();
        }
        let crash = Scenario::builtin("crash").unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let path = crash.path(150_0000_0000, 750_000, &mut rng);
        assert_eq!(path.len(), 721);
        let last = path.last().unwrap().price_e8 as f64 / 150e8;
        assert!((0.6..0.8).contains(&last), "{last}");
        assert!(path.last().unwrap().vol_target_e6 > 1_000_000);
    }
}

//! Schedule noise for real threads: the technique of IBM's ConTest and of jcstress' thread
//! perturbation. At each runtime primitive (lock, unlock, atomic operation, the yield point,
//! channel send and receive) a thread that has noise installed, with a seeded probability,
//! either yields its time slice or spins for a short random while. That moves context switches
//! into the windows where races live, which a fair parking mutex otherwise keeps shut for long
//! stretches (the holder runs on, the waiters sleep).
//!
//! Noise is per thread and off unless a thread installs it ([`install`]): the stress tool installs
//! it in each worker with the run's seed and the thread's index, so two runs with the same seed
//! make the same noise decisions (the OS still decides the rest of the schedule). A thread without
//! noise pays one thread-local read per primitive.

use rand::{RngExt, SeedableRng, rngs::SmallRng};
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

/// How much noise: the probability that a primitive is perturbed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Noise {
    /// The probability, in `0.0..=1.0`, that one primitive call yields or spins.
    pub probability: f64,
}

impl Noise {
    /// No noise at all.
    pub const NONE: Noise = Noise { probability: 0.0 };
    /// About one primitive in a hundred.
    pub const LOW: Noise = Noise { probability: 0.01 };
    /// About one primitive in ten.
    pub const HIGH: Noise = Noise { probability: 0.1 };

    /// Whether any primitive can be perturbed.
    pub fn is_on(self) -> bool {
        self.probability > 0.0
    }
}

impl fmt::Display for Noise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::NONE {
            f.write_str("none")
        } else if *self == Self::LOW {
            f.write_str("low")
        } else if *self == Self::HIGH {
            f.write_str("high")
        } else {
            write!(f, "{}", self.probability)
        }
    }
}

impl FromStr for Noise {
    type Err = String;

    /// `none`, `low`, `high`, or a probability in `0..=1` such as `0.05`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "none" => Ok(Self::NONE),
            "low" => Ok(Self::LOW),
            "high" => Ok(Self::HIGH),
            _ => match text.parse::<f64>() {
                Ok(probability) if (0.0..=1.0).contains(&probability) => Ok(Self { probability }),
                _ => Err(format!(
                    "`{text}` is not a noise level: use none, low, high, or a probability in 0..=1"
                )),
            },
        }
    }
}

/// The longest spin, in spin-loop hints, that one perturbation may take.
const MAX_SPIN: u32 = 2_000;

struct ThreadNoise {
    probability: f64,
    rng: SmallRng,
    perturbations: u64,
}

thread_local! {
    static THREAD_NOISE: RefCell<Option<ThreadNoise>> = const { RefCell::new(None) };
}

/// Installs `noise` for the calling thread, its decisions drawn from `seed` (`Noise::NONE`
/// removes it). Only `OsThreads`' primitives consult it.
pub fn install(noise: Noise, seed: u64) {
    THREAD_NOISE.with(|slot| {
        *slot.borrow_mut() = noise.is_on().then(|| ThreadNoise {
            probability: noise.probability.min(1.0),
            rng: SmallRng::seed_from_u64(seed),
            perturbations: 0,
        });
    });
}

/// Called by every `OsThreads` primitive: with the installed probability, yields (half the
/// time) or spins for up to [`MAX_SPIN`] hints. Does nothing on a thread without noise.
pub(crate) fn perturb() {
    let action = THREAD_NOISE.with(|slot| {
        let mut slot = slot.borrow_mut();
        let noise = slot.as_mut()?;
        if !noise.rng.random_bool(noise.probability) {
            return None;
        }
        noise.perturbations += 1;
        Some(if noise.rng.random_bool(0.5) {
            0
        } else {
            noise.rng.random_range(1..=MAX_SPIN)
        })
    });
    match action {
        None => {}
        Some(0) => std::thread::yield_now(),
        Some(spins) => (0..spins).for_each(|_| std::hint::spin_loop()),
    }
}

/// How many primitives the calling thread's noise has perturbed since [`install`].
pub fn perturbations() -> u64 {
    THREAD_NOISE.with(|slot| {
        slot.borrow()
            .as_ref()
            .map_or(0, |noise| noise.perturbations)
    })
}

#[cfg(test)]
mod tests {
    use super::Noise;

    #[test]
    fn levels_parse_and_print_back() {
        for text in ["none", "low", "high", "0.25"] {
            assert_eq!(text.parse::<Noise>().unwrap().to_string(), text);
        }
        assert_eq!("1".parse::<Noise>().unwrap().probability, 1.0);
        assert!("1.5".parse::<Noise>().is_err());
        assert!("-0.1".parse::<Noise>().is_err());
        assert!(
            "loud"
                .parse::<Noise>()
                .unwrap_err()
                .contains("none, low, high")
        );
    }
}

#[cfg(test)]
mod counting {
    use super::{Noise, install, perturb, perturbations};

    #[test]
    fn installed_noise_perturbs_about_its_probability_and_none_removes_it() {
        install(Noise::HIGH, 7);
        (0..10_000).for_each(|_| perturb());
        let seen = perturbations();
        assert!((700..=1_300).contains(&seen), "{seen} of 10,000 at p = 0.1");
        install(Noise::NONE, 7);
        (0..1_000).for_each(|_| perturb());
        assert_eq!(perturbations(), 0);
    }

    #[test]
    fn the_same_seed_makes_the_same_decisions() {
        let count = |seed| {
            install(Noise::LOW, seed);
            (0..5_000).for_each(|_| perturb());
            perturbations()
        };
        assert_eq!(count(3), count(3));
    }
}

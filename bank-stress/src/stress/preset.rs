//! Campaign presets, in the spirit of jcstress's modes: from the lecture's exact workload to a
//! long soak. Every size can be overridden from the command line.

use bank_core::WorkloadShape;
use bank_core::runtime::Noise;
use std::time::Duration;

/// A named campaign size. The command line's `--preset` values are these (clap's `ValueEnum`,
/// with these doc lines as their help), so the two cannot drift apart.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Exactly the lecture: 6 accounts (44,500), 5 threads × 9,999 transfers of 1..=100, an audit
    /// after each, one run per variant.
    Seed,
    /// Every variant in a few seconds: 4 threads × 2,000 transfers, one run.
    Quick,
    /// 5 threads × 20,000 transfers, three runs (seeds) per variant.
    #[default]
    Default,
    /// High contention: 8 threads on 3 small accounts, 50,000 transfers each, five runs.
    Tough,
    /// Long: each of four runs per variant goes on for `--duration` (default 30 s).
    Soak,
}

impl Preset {
    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Seed => "seed",
            Self::Quick => "quick",
            Self::Default => "default",
            Self::Tough => "tough",
            Self::Soak => "soak",
        }
    }

    /// The workload each run expands (with its own seed).
    pub fn shape(self) -> WorkloadShape {
        let seed = WorkloadShape::seed();
        match self {
            Self::Seed => seed,
            Self::Quick => WorkloadShape {
                threads: 4,
                transfers_per_thread: 2_000,
                ..seed
            },
            Self::Default => WorkloadShape {
                transfers_per_thread: 20_000,
                ..seed
            },
            Self::Tough => WorkloadShape {
                balances: vec![100, 100, 100],
                threads: 8,
                transfers_per_thread: 50_000,
                ..seed
            },
            Self::Soak => WorkloadShape {
                transfers_per_thread: usize::MAX,
                ..seed
            },
        }
    }

    /// Runs (seeds) per variant.
    pub fn runs_per_variant(self) -> usize {
        match self {
            Self::Seed | Self::Quick => 1,
            Self::Default => 3,
            Self::Soak => 4,
            Self::Tough => 5,
        }
    }

    /// How long a run goes on before it is stopped on purpose (soak only).
    pub fn duration(self) -> Option<Duration> {
        matches!(self, Self::Soak).then(|| Duration::from_secs(30))
    }

    /// The schedule noise the preset's runs use unless `--noise` says otherwise: on where it
    /// raises detection (BENCHMARKS.md, detection rates), off for the lecture's exact workload
    /// (whose wall time is compared with CPython's).
    pub fn noise(self) -> Noise {
        match self {
            Self::Seed => Noise::NONE,
            Self::Quick | Self::Default | Self::Tough | Self::Soak => Noise::LOW,
        }
    }

    /// The longest a run may take (beyond `duration`) before it is stopped and reported as cut
    /// short.
    pub fn time_bound(self) -> Duration {
        match self {
            Self::Quick => Duration::from_secs(5),
            Self::Seed | Self::Default | Self::Soak => Duration::from_secs(30),
            Self::Tough => Duration::from_secs(60),
        }
    }
}

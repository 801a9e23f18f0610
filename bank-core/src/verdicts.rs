//! What a bank is checked for and what the checker may conclude: the five [`Invariant`]s, a
//! [`Verdict`] (holds or breaks), and [`Verdicts`], one per invariant.

use std::fmt;

/// A property a bank should have under concurrent use.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    /// Every audit sums to the starting total.
    SnapshotConservation,
    /// After every thread has finished, the total is the starting total.
    FinalConservation,
    /// No balance is ever negative, in any audit or at the end.
    NoOverdraft,
    /// Every run finishes.
    DeadlockFree,
    /// Every history of calls and results equals some sequential history of the
    /// [`SequentialBank`](crate::model::SequentialBank) that respects real-time order (Herlihy &
    /// Wing): no refusal, audit or result that no serial order would give.
    Linearizable,
}

impl Invariant {
    /// All five, in report order.
    pub const ALL: [Invariant; 5] = [
        Self::SnapshotConservation,
        Self::FinalConservation,
        Self::NoOverdraft,
        Self::DeadlockFree,
        Self::Linearizable,
    ];

    /// The key used in JSON reports and replay files.
    pub fn key(self) -> &'static str {
        match self {
            Self::SnapshotConservation => "snapshot_conservation",
            Self::FinalConservation => "final_conservation",
            Self::NoOverdraft => "no_overdraft",
            Self::DeadlockFree => "deadlock_free",
            Self::Linearizable => "linearizable",
        }
    }

    /// A short column title for tables.
    pub fn title(self) -> &'static str {
        match self {
            Self::SnapshotConservation => "snapshot",
            Self::FinalConservation => "final",
            Self::NoOverdraft => "no-overdraft",
            Self::DeadlockFree => "deadlock-free",
            Self::Linearizable => "linearizable",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Whether an invariant holds or breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No run violates it.
    Holds,
    /// Some run violates it.
    Breaks,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Holds => "holds",
            Self::Breaks => "breaks",
        })
    }
}

/// One verdict per invariant, indexed by [`Invariant`]: a new invariant needs no new field, and
/// every catalog entry that does not break it stays as it is. In JSON, an object keyed by
/// [`Invariant::key`] (`{"snapshot_conservation": "breaks", …}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdicts([Verdict; Invariant::ALL.len()]);

impl Verdicts {
    /// Every invariant holds.
    pub const ALL_HOLD: Self = Self([Verdict::Holds; Invariant::ALL.len()]);

    /// These invariants break, every other holds.
    pub const fn breaking(broken: &[Invariant]) -> Self {
        let mut verdicts = [Verdict::Holds; Invariant::ALL.len()];
        let mut index = 0;
        while index < broken.len() {
            verdicts[broken[index] as usize] = Verdict::Breaks;
            index += 1;
        }
        Self(verdicts)
    }

    /// The verdict for one invariant.
    pub fn get(&self, invariant: Invariant) -> Verdict {
        self.0[invariant as usize]
    }

    /// Sets the verdict for one invariant.
    pub fn set(&mut self, invariant: Invariant, verdict: Verdict) {
        self.0[invariant as usize] = verdict;
    }

    /// The same verdicts with one changed.
    pub fn with(mut self, invariant: Invariant, verdict: Verdict) -> Self {
        self.set(invariant, verdict);
        self
    }
}

impl serde::Serialize for Verdicts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(Invariant::ALL.len()))?;
        for invariant in Invariant::ALL {
            map.serialize_entry(invariant.key(), &self.get(invariant))?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Verdicts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, Verdict>::deserialize(deserializer)?;
        let mut verdicts = Self::ALL_HOLD;
        for invariant in Invariant::ALL {
            let verdict = map.get(invariant.key()).ok_or_else(|| {
                serde::de::Error::custom(format!("no verdict for {}", invariant.key()))
            })?;
            verdicts.set(invariant, *verdict);
        }
        Ok(verdicts)
    }
}

#[cfg(test)]
mod verdicts_tests {
    use super::{Invariant, Verdict, Verdicts};

    #[test]
    fn invariants_index_in_report_order_and_verdicts_round_trip_as_a_keyed_object() {
        for (position, invariant) in Invariant::ALL.into_iter().enumerate() {
            assert_eq!(invariant as usize, position, "{invariant}");
        }
        let verdicts = Verdicts::breaking(&[Invariant::NoOverdraft]);
        assert_eq!(verdicts.get(Invariant::NoOverdraft), Verdict::Breaks);
        assert_eq!(verdicts.get(Invariant::DeadlockFree), Verdict::Holds);
        let json = serde_json::to_string(&verdicts).unwrap();
        assert_eq!(
            json,
            r#"{"snapshot_conservation":"holds","final_conservation":"holds","no_overdraft":"breaks","deadlock_free":"holds","linearizable":"holds"}"#
        );
        assert_eq!(serde_json::from_str::<Verdicts>(&json).unwrap(), verdicts);
        let missing = r#"{"snapshot_conservation":"holds"}"#;
        assert!(
            serde_json::from_str::<Verdicts>(missing)
                .unwrap_err()
                .to_string()
                .contains("no verdict for final_conservation")
        );
    }
}

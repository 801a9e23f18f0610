//! `--shard I/N`: a deterministic partition of a campaign's runs, so that N machines can split
//! one campaign and `merge` can put it back together. Run `k` (in campaign order) belongs to
//! shard `k mod N`.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (0-based index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `0..count`.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl Shard {
    /// Whether the campaign's run number `run` belongs to this shard.
    pub fn owns(self, run: usize) -> bool {
        run % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N (for example 0/4), got {text:?}"))?;
        let index: usize = index
            .trim()
            .parse()
            .map_err(|_| format!("shard index {index:?} is not a whole number"))?;
        let count: usize = count
            .trim()
            .parse()
            .map_err(|_| format!("shard count {count:?} is not a whole number"))?;
        if count == 0 {
            return Err("the shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} must be below the count {count} (shards are 0-based)"
            ));
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn shards_partition_the_runs() {
        let shards: Vec<Shard> = ["0/3", "1/3", "2/3"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for run in 0..30 {
            assert_eq!(shards.iter().filter(|shard| shard.owns(run)).count(), 1);
        }
    }

    #[test]
    fn malformed_or_out_of_range_shards_are_refused() {
        for bad in ["", "1", "a/2", "1/b", "2/2", "0/0", "-1/2", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}

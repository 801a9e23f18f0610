//! `--shard I/N`: a deterministic partition of a campaign's runs (or of a proof's tasks), so
//! that N machines can split one campaign and `merge` can put it back together. Shards count from 1, as cargo-nextest's
//! `--partition count:I/N`, Playwright's and Jest's do: `1/N` … `N/N`. Run `k` (in campaign
//! order, from 0) belongs to shard `k mod N + 1`.

use std::fmt;
use std::str::FromStr;

/// Shard `index + 1` of `count` (the index is 0-based inside, 1-based in text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, `0..count` (shown as `index + 1`).
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
            .ok_or_else(|| format!("expected I/N (for example 1/4), got {text:?}"))?;
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
        if index == 0 {
            return Err(format!(
                "shards count from 1, as in cargo-nextest: the first of {count} is 1/{count}"
            ));
        }
        if index > count {
            return Err(format!(
                "shard {index} of {count} does not exist: use 1/{count} … {count}/{count}"
            ));
        }
        Ok(Self {
            index: index - 1,
            count,
        })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::Shard;

    #[test]
    fn shards_partition_the_runs() {
        let shards: Vec<Shard> = ["1/3", "2/3", "3/3"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for run in 0..30 {
            assert_eq!(shards.iter().filter(|shard| shard.owns(run)).count(), 1);
        }
    }

    #[test]
    fn malformed_or_out_of_range_shards_are_refused() {
        for bad in ["", "1", "a/2", "1/b", "3/2", "0/2", "0/0", "-1/2", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}

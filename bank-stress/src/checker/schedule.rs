//! A recorded shuttle schedule and its text form.
//!
//! Shuttle's own schedule strings come from its panic hook and are fragile to capture; this
//! project records every scheduling decision itself (see `recorder.rs`) and persists it in a
//! simple, readable form: `seed=<u64>;<step>,<step>,…` where a step is a task id (which thread
//! ran next) or `r` (a random value was drawn).

use shuttle::scheduler::{Schedule, TaskId};
use std::fmt;
use std::str::FromStr;

/// Every decision of one execution, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedSchedule {
    /// The seed shuttle gave the execution.
    pub seed: u64,
    /// `Some(task)` when a task was chosen, `None` when a random value was drawn.
    pub steps: Vec<Option<usize>>,
}

impl RecordedSchedule {
    /// The shuttle schedule that replays these decisions.
    pub fn to_shuttle(&self) -> Schedule {
        let mut schedule = Schedule::new(self.seed);
        for step in &self.steps {
            match step {
                Some(task) => schedule.push_task(TaskId::from(*task)),
                None => schedule.push_random(),
            }
        }
        schedule
    }
}

impl fmt::Display for RecordedSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed={};", self.seed)?;
        for (index, step) in self.steps.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            match step {
                Some(task) => write!(f, "{task}")?,
                None => f.write_str("r")?,
            }
        }
        Ok(())
    }
}

impl FromStr for RecordedSchedule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (seed, steps) = text
            .trim()
            .strip_prefix("seed=")
            .and_then(|rest| rest.split_once(';'))
            .ok_or_else(|| format!("a schedule starts with `seed=<u64>;`, got {text:?}"))?;
        let seed = seed
            .parse()
            .map_err(|_| format!("schedule seed {seed:?} is not a u64"))?;
        let steps = steps
            .split(',')
            .filter(|step| !step.is_empty())
            .map(|step| match step {
                "r" => Ok(None),
                task => task
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("schedule step {task:?} is neither a task id nor `r`")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { seed, steps })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_round_trips_through_its_text_form() {
        let schedule = RecordedSchedule {
            seed: 42,
            steps: vec![Some(0), Some(1), None, Some(2)],
        };
        assert_eq!(schedule.to_string(), "seed=42;0,1,r,2");
        assert_eq!("seed=42;0,1,r,2".parse::<RecordedSchedule>(), Ok(schedule));
    }

    #[test]
    fn a_malformed_schedule_is_refused_with_the_reason() {
        assert!(
            "0,1"
                .parse::<RecordedSchedule>()
                .unwrap_err()
                .contains("seed=")
        );
        assert!(
            "seed=x;0"
                .parse::<RecordedSchedule>()
                .unwrap_err()
                .contains("not a u64")
        );
        assert!(
            "seed=1;0,q"
                .parse::<RecordedSchedule>()
                .unwrap_err()
                .contains("\"q\"")
        );
    }
}

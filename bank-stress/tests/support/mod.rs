//! Code shared by several test files (and the `first_detection` example).

pub mod outsider_banks;

//! The marks our HTML pages carry in their `<head>`, so that a command can tell its own earlier
//! page from a user's file, and a page of one kind from a page of another, before it replaces
//! anything. The stress report (`stress::html`) and the replay page (`checker::timeline`) write
//! them; the CLI's output checks (`cli::outputs`) read them.

/// Every page of ours carries it.
pub const GENERATOR_MARK: &str = "<meta name=\"generator\" content=\"bank-stress\">";

/// A stress campaign's report page.
pub const CAMPAIGN_PAGE_MARK: &str = "<meta name=\"bank-stress-page\" content=\"campaign\">";

/// A replayed counterexample's page.
pub const REPLAY_PAGE_MARK: &str = "<meta name=\"bank-stress-page\" content=\"replay\">";

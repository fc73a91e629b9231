//! A test-only oracle for portico-core's access engine: the same policy
//! written declaratively in Cedar (`src/portico.cedar`), and random worlds to
//! compare the two on (`tests/oracle.rs`).
//!
//! The oracle never calls the engine's decision functions; it uses
//! portico-core's types only to describe worlds.

pub mod oracle;
pub mod world;

pub use oracle::{Answer, Oracle, OracleError};
pub use world::{Case, Target, Who, World, worlds};

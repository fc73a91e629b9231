//! The mail outbox (being written).

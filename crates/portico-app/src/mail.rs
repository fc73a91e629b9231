//! E-mail: queueing into the outbox and delivering it (being written).

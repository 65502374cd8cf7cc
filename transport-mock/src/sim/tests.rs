//! The simulation's own behaviour: determinism, virtual time, cancellation, deadlocks.

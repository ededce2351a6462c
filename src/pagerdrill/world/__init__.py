"""The simulated production system: pure state and rules, no I/O, no wall clock."""

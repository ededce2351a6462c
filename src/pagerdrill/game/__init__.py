"""Scenarios, sessions, scoring and the debrief: the one façade front ends use."""

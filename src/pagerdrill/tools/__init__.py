"""Simulated commands, one module per tool family."""

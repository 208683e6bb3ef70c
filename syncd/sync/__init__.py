"""Orchestration: one sync cycle, scheduled jobs, leader lock. Wires adapters; holds no rules."""

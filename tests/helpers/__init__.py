"""Helpers shared by the fault-injection, concurrency and hostile-input tests."""

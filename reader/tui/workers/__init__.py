"""Mixins of ``ReaderApp`` that run slow work in thread workers (online tasks, notes, triage)."""

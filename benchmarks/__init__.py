"""Benchmarks at scale: synthetic ledgers, timings against the raw-database floor.

`python -m benchmarks [--scale small|full] [--db sqlite|postgresql|both]` prints one JSON
object per scenario and line. Each area keeps its scenarios beside its name
(ledger_io, notify, weekly, documents); `measure` holds what they share.
"""

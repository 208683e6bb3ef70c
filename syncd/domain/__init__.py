"""The pure rules core: scoring, lifecycle, routing, SLA, recycle and hygiene.

No I/O and no clock reads: `now` is always a parameter.
"""

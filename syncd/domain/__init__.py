"""The pure rules core: scoring, lifecycle, routing, SLA and recycle.

No I/O; time is a parameter.
"""

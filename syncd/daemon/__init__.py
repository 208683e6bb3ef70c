"""The daemon (`syncd run`): scheduled jobs on one leader, hot-reloaded mappings, a clean stop.

`config_watch` keeps the last good configuration; `board` remembers how each job went
(health, backoff); `jobs` says what each job does in terms of one cycle; `leader` elects the
one writer; `service` wires these to APScheduler, signals and the ops HTTP server.
"""

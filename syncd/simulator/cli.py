"""``syncd sim serve``: run the simulated org until Ctrl-C; ``syncd sim env``: point a shell
at it (the lead mounts ``sim_app``)."""

from __future__ import annotations

import gc
import json
import os
import shlex
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from syncd.simulator.faults import FaultSettings
from syncd.simulator.limits import DEFAULT_DAILY_BUDGET
from syncd.simulator.oauth import OAuthConfig
from syncd.simulator.server import start_simulator

sim_app = typer.Typer(
    help="The Salesforce simulator: a seeded org over HTTPS.", no_args_is_help=True
)


@sim_app.callback()
def _group() -> None:
    """Keep ``sim`` a command group even with one command, so ``syncd sim serve`` parses."""


@sim_app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks any free port.")] = 0,
    leads: Annotated[int, typer.Option(help="How many leads to seed.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed for the generated data and faults.")] = 42,
    connection_file: Annotated[
        Path, typer.Option(help="Where to write instance_url, access_token and ca_bundle.")
    ] = Path("sim-connection.json"),
    daily_budget: Annotated[
        int, typer.Option(help="API calls allowed per rolling 24 hours.")
    ] = DEFAULT_DAILY_BUDGET,
    reps: Annotated[
        bool, typer.Option("--reps/--no-reps", help="Simulate sales reps working their leads.")
    ] = False,
    assignment_rule: Annotated[
        bool,
        typer.Option(
            "--assignment-rule/--no-assignment-rule",
            help="An active lead assignment rule re-owns leads written without "
            "Sforce-Auto-Assign: FALSE.",
        ),
    ] = True,
    production: Annotated[
        bool,
        typer.Option("--production", help="Serve a production org (Organization.IsSandbox false)."),
    ] = False,
    rep_tick_seconds: Annotated[
        float,
        typer.Option(help="Seconds between rep ticks (with --reps or --outcome-weights)."),
    ] = 30.0,
    token_ttl_calls: Annotated[
        int | None, typer.Option(help="Expire a session after this many calls.")
    ] = None,
    token_ttl_seconds: Annotated[
        float | None, typer.Option(help="Expire a session after this many seconds.")
    ] = None,
    latency_ms: Annotated[int, typer.Option(help="Added latency per API call.")] = 0,
    error_503_rate: Annotated[float, typer.Option(help="Share of calls answered 503.")] = 0.0,
    lock_row_rate: Annotated[
        float, typer.Option(help="Share of record writes failing UNABLE_TO_LOCK_ROW.")
    ] = 0.0,
    consumer_key: Annotated[
        str, typer.Option(help="Connected app consumer key (OAuth iss / client_id).")
    ] = OAuthConfig.consumer_key,
    consumer_secret: Annotated[
        str, typer.Option(help="Connected app consumer secret (client credentials).")
    ] = OAuthConfig.consumer_secret,
    jwt_public_key: Annotated[
        Path | None,
        typer.Option(help="PEM public key that verifies JWT bearer assertions (RS256)."),
    ] = None,
    outcome_weights: Annotated[
        str | None,
        typer.Option(
            help="Seed calibration leads whose outcomes follow these true rule weights: "
            "'demo request=1.4,C-level title=2.0,...' or a preset ('default'). Reps play "
            "each outcome on a tick once the org's clock passes it.",
        ),
    ] = None,
    outcome_hit_rate: Annotated[
        float, typer.Option(help="Share of leads matching each weighted rule.")
    ] = 0.35,
    outcome_intercept: Annotated[
        float, typer.Option(help="Log-odds of converting for a lead matching no rule.")
    ] = -2.0,
    outcome_delay_minutes: Annotated[
        float,
        typer.Option(help="Org-clock minutes after seeding before reps play outcomes (to 2x)."),
    ] = 720.0,
) -> None:
    """Seed an org, serve it over HTTPS and write the connection file; runs until Ctrl-C."""
    # The seed's modules (Faker, holidays) load only when serving, not for `syncd --help`.
    from syncd.simulator.outcomes import parse_weights
    from syncd.simulator.seed import OutcomeSeed

    try:
        faults = FaultSettings(
            latency_ms=latency_ms,
            error_503_rate=error_503_rate,
            lock_row_rate=lock_row_rate,
            seed=seed,
        )
        outcomes = (
            None
            if outcome_weights is None
            else OutcomeSeed(
                weights=parse_weights(outcome_weights),
                hit_rate=outcome_hit_rate,
                intercept=outcome_intercept,
                delay=timedelta(minutes=outcome_delay_minutes),
            )
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    oauth = OAuthConfig(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        public_key_pem=jwt_public_key.read_text() if jwt_public_key is not None else None,
    )
    # A file left by an earlier simulator must not be read as this one's while it seeds.
    connection_file.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        handle = start_simulator(
            outcomes=outcomes,
            oauth=oauth,
            port=port,
            leads=leads,
            seed=seed,
            connection_file=connection_file,
            daily_budget=daily_budget,
            token_ttl_calls=token_ttl_calls,
            token_ttl_seconds=token_ttl_seconds,
            faults=faults,
            reps=reps,
            assignment_rule=assignment_rule,
            production=production,
            workdir=connection_file.resolve().parent / ".sim-ca",
        )
    except ValueError as exc:  # an outcome rule the simulator cannot seed
        raise typer.BadParameter(str(exc)) from None
    # The seeded org lives as long as this process: keep the garbage collector from walking
    # its millions of objects in the middle of requests (a served page paid ~100 ms for it).
    gc.freeze()
    elapsed = time.perf_counter() - started
    typer.echo(f"Simulator listening on {handle.instance_url} ({leads} leads, {elapsed:.1f} s)")
    typer.echo(f"Org: {'production' if production else 'sandbox'}")
    if handle.sim.outcomes is not None:
        plan = handle.sim.outcomes
        rates = ", ".join(f"{r} {v:.0%}" for r, v in plan.hit_rates().items())
        typer.echo(
            f"Outcomes: true weights {dict(plan.truth.weights)}; rules matched: {rates}; "
            f"{sum(o.converted for o in plan.outcomes)} of {len(plan.outcomes)} leads convert. "
            f"Reps play them from {min(o.due for o in plan.outcomes):%Y-%m-%d %H:%M} UTC "
            f"(org clock; POST /__sim/clock/advance, then /__sim/reps/tick)"
        )
    typer.echo(f"Connection file: {connection_file.resolve()}")
    typer.echo(f"CA bundle: {handle.ca_bundle}  (export REQUESTS_CA_BUNDLE={handle.ca_bundle})")
    typer.echo(f"Admin API: {handle.instance_url}/__sim/stats")
    typer.echo(
        f"OAuth: {handle.instance_url}/services/oauth2/token (consumer key {consumer_key}; "
        f"JWT bearer {'on' if jwt_public_key else 'off: pass --jwt-public-key'}; "
        "client credentials run as integration@syncd.example.com)"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        ticking = reps or outcomes is not None
        while not stop.wait(rep_tick_seconds if ticking else 3600):
            if ticking and handle.sim.reps_tick is not None:
                handle.sim.reps_tick(handle.org)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
        typer.echo("Simulator stopped.")


@sim_app.command()
def env(
    connection_file: Annotated[
        Path, typer.Option(help="The connection file `syncd sim serve` writes.")
    ] = Path("sim-connection.json"),
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for a running simulator's connection file.")
    ] = 120.0,
) -> None:
    """Print the export lines that point syncd at a running simulator: eval "$(syncd sim env)".

    Waits until a simulator that is still running has written the file, so a block pasted
    right after `syncd sim serve &` never reads a stale one.
    """
    deadline = time.monotonic() + wait
    why = f"no connection file at {connection_file.resolve()}"
    while True:
        connection, why = _live_connection(connection_file)
        if connection is not None:
            break
        if time.monotonic() >= deadline:
            typer.echo(
                f"syncd sim env: {why} after {wait:g} s; is `syncd sim serve` running?", err=True
            )
            raise typer.Exit(1)
        time.sleep(0.2)
    for name, key in (
        ("SYNCD_SF_INSTANCE_URL", "instance_url"),
        ("SYNCD_SF_ACCESS_TOKEN", "access_token"),
        ("REQUESTS_CA_BUNDLE", "ca_bundle"),
    ):
        typer.echo(f"export {name}={shlex.quote(str(connection[key]))}")


def _live_connection(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The connection file's contents when a live simulator wrote it, else why not."""
    try:
        connection = json.loads(path.read_text())
    except FileNotFoundError:
        return None, f"no connection file at {path.resolve()}"
    except (OSError, ValueError) as exc:
        return None, f"{path.resolve()} is not a connection file ({exc})"
    if not isinstance(connection, dict) or not {"instance_url", "access_token", "ca_bundle"} <= (
        connection.keys()
    ):
        return None, f"{path.resolve()} lacks instance_url, access_token or ca_bundle"
    pid = connection.get("pid")
    if isinstance(pid, int) and not _running(pid):
        return None, f"{path.resolve()} was left by simulator pid {pid}, which is not running"
    return connection, ""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

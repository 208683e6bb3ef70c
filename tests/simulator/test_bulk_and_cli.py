"""Bulk API 2.0 ingest details and the ``sim serve`` command."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from syncd.simulator.server import start_simulator

if TYPE_CHECKING:
    from simorg import Served

pytestmark = pytest.mark.e2e


def run_ingest(served: Served, body: dict[str, Any], csv_text: str) -> dict[str, Any]:
    """Create an ingest job, upload ``csv_text``, close it and return the final job info."""
    jobs = f"{served.base}/jobs/ingest"
    job = served.http.post(jobs, json={"contentType": "CSV", **body}, headers=served.auth).json()
    upload = served.http.put(
        f"{jobs}/{job['id']}/batches",
        data=csv_text.encode(),
        headers={**served.auth, "Content-Type": "text/csv"},
    )
    assert upload.status_code == 201
    served.http.patch(f"{jobs}/{job['id']}", json={"state": "UploadComplete"}, headers=served.auth)
    info: dict[str, Any] = served.http.get(f"{jobs}/{job['id']}", headers=served.auth).json()
    return info


def results(served: Served, job_id: str, kind: str) -> list[dict[str, str]]:
    text = served.http.get(f"{served.base}/jobs/ingest/{job_id}/{kind}", headers=served.auth).text
    return list(csv.DictReader(io.StringIO(text)))


def test_upsert_on_id_updates_existing_rows_and_inserts_new_ones(served: Served) -> None:
    existing = served.ids.leads[200]
    csv_text = f"Id,LastName,Company,Lead_Grade__c\n{existing},,,B\n,Okafor,Kinetic Labs,A\n"

    info = run_ingest(
        served, {"object": "Lead", "operation": "upsert", "externalIdFieldName": "Id"}, csv_text
    )

    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        2,
        0,
    )
    rows = results(served, info["id"], "successfulResults")
    assert [r["sf__Created"] for r in rows] == ["false", "true"]
    updated = served.handle.org.get("Lead", existing)
    assert updated is not None
    assert updated["Lead_Grade__c"] == "B"
    assert updated["LastName"] is not None  # an empty cell leaves the field alone


def test_na_cell_sets_a_field_to_null(served: Served) -> None:
    lead_id = served.ids.leads[201]

    info = run_ingest(
        served, {"object": "Lead", "operation": "update"}, f"Id,Title\n{lead_id},#N/A\n"
    )

    assert info["numberRecordsFailed"] == 0
    assert served.handle.org.get("Lead", lead_id)["Title"] is None  # type: ignore[index]


def test_failed_rows_carry_sf_error_with_code_message_and_fields(served: Served) -> None:
    lead_id = served.ids.leads[202]

    info = run_ingest(
        served,
        {"object": "Lead", "operation": "update"},
        f"Id,NumberOfEmployees\n{lead_id},many\n",
    )

    (row,) = results(served, info["id"], "failedResults")
    assert row["sf__Id"] == lead_id
    assert row["sf__Error"].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:")
    assert row["sf__Error"].endswith(":NumberOfEmployees --")


def test_unknown_column_fails_the_job_and_leaves_rows_unprocessed(served: Served) -> None:
    info = run_ingest(
        served,
        {"object": "Lead", "operation": "update"},
        f"Id,Shoe_Size__c\n{served.ids.leads[203]},44\n",
    )

    assert info["state"] == "Failed"
    assert "Shoe_Size__c" in info["errorMessage"]
    assert len(results(served, info["id"], "unprocessedrecords")) == 1


def test_upsert_on_a_field_that_is_not_an_external_id_is_refused(served: Served) -> None:
    response = served.http.post(
        f"{served.base}/jobs/ingest",
        json={"object": "Lead", "operation": "upsert", "externalIdFieldName": "Email"},
        headers=served.auth,
    )

    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOB"


def test_bulk_query_pages_results_with_the_sforce_locator_header(served: Served) -> None:
    job = served.http.post(
        f"{served.base}/jobs/query",
        json={"operation": "query", "query": "SELECT Id FROM Lead"},
        headers=served.auth,
    ).json()
    url = f"{served.base}/jobs/query/{job['id']}/results"

    first = served.http.get(url, params={"maxRecords": 4000}, headers=served.auth)
    second = served.http.get(
        url,
        params={"maxRecords": 4000, "locator": first.headers["Sforce-Locator"]},
        headers=served.auth,
    )

    assert first.headers["Sforce-NumberOfRecords"] == "4000"
    assert second.headers["Sforce-Locator"] == "null"
    live = sum(1 for lead in served.handle.org.records("Lead") if not lead["IsDeleted"])
    assert int(second.headers["Sforce-NumberOfRecords"]) == live - 4000


def test_sim_serve_writes_the_connection_file_and_stops_cleanly(tmp_path: Path) -> None:
    connection_file = tmp_path / "sim-connection.json"
    code = "from syncd.simulator.cli import sim_app; sim_app()"
    env = {k: v for k, v in os.environ.items() if k != "REQUESTS_CA_BUNDLE"}
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--leads", "0", "--port", "0",
         "--connection-file", str(connection_file), "--daily-budget", "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not connection_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        connection = json.loads(connection_file.read_text())
        with requests.Session() as session:
            session.trust_env = False
            session.verify = connection["ca_bundle"]
            limits = session.get(
                f"{connection['instance_url']}/services/data/v59.0/limits",
                headers={"Authorization": f"Bearer {connection['access_token']}"},
            ).json()
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=30)

    assert limits["DailyApiRequests"]["Max"] == 500
    assert process.returncode == 0
    assert str(connection_file) in stdout


def test_admin_seed_replaces_the_data_and_keeps_the_session(fresh: Served) -> None:
    response = fresh.http.post(
        f"{fresh.handle.instance_url}/__sim/seed", json={"leads": 40, "seed": 3}
    )

    assert response.status_code == 200
    count = fresh.sf.query("SELECT COUNT() FROM Lead")["totalSize"]
    assert 0 < count <= 40
    assert fresh.handle.org.get("Lead", fresh.ids.leads[0]) is None


def test_seeded_simulator_with_reps_ticks_through_the_admin_api() -> None:
    with start_simulator(leads=150, seed=5, reps=True) as handle, requests.Session() as http:
        http.trust_env = False
        http.verify = handle.ca_bundle
        before = handle.org.count("Lead")

        response = http.post(f"{handle.instance_url}/__sim/reps/tick")

        assert response.status_code == 200
        assert response.json()["ticked"] is True
        assert before >= 150


def test_switching_the_assignment_rule_off_lets_headerless_writes_keep_their_owner(
    fresh: Served,
) -> None:
    admin = f"{fresh.handle.instance_url}/__sim/assignment-rule"
    assert fresh.http.put(admin, json={"active": False}).json() == {"active": False}
    lead_id = fresh.ids.leads[0]

    fresh.sf.Lead.update(lead_id, {"OwnerId": fresh.ids.second_rep})

    assert fresh.sf.Lead.get(lead_id)["OwnerId"] == fresh.ids.second_rep


def _sim(*args: str) -> list[str]:
    return [sys.executable, "-c", "from syncd.simulator.cli import sim_app; sim_app()", *args]


def test_sim_env_waits_past_a_stale_file_and_prints_the_live_simulators_exports(
    tmp_path: Path,
) -> None:
    connection_file = tmp_path / "sim-connection.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = {"instance_url": "https://127.0.0.1:1", "access_token": "00D!old",
             "ca_bundle": "/nowhere.pem", "pid": int(dead.stdout)}  # fmt: skip
    connection_file.write_text(json.dumps(stale))
    env = {k: v for k, v in os.environ.items() if k != "REQUESTS_CA_BUNDLE"}
    server = subprocess.Popen(
        _sim("serve", "--leads", "200", "--connection-file", str(connection_file)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        printed = subprocess.run(
            _sim("env", "--connection-file", str(connection_file), "--wait", "60"),
            capture_output=True, text=True, env=env, timeout=90,
        )  # fmt: skip
        # As a shell's eval reads them (the token's "!" is quoted).
        exports = dict(shlex.split(line)[1].split("=", 1) for line in printed.stdout.splitlines())
        with requests.Session() as session:
            session.trust_env = False
            session.verify = exports["REQUESTS_CA_BUNDLE"]
            answer = session.get(
                f"{exports['SYNCD_SF_INSTANCE_URL']}/services/data/v59.0/limits",
                headers={"Authorization": f"Bearer {exports['SYNCD_SF_ACCESS_TOKEN']}"},
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert printed.returncode == 0, printed.stderr
    assert exports["SYNCD_SF_ACCESS_TOKEN"] != "00D!old"
    assert answer.status_code == 200


def test_sim_env_without_a_running_simulator_says_so_and_fails(tmp_path: Path) -> None:
    printed = subprocess.run(
        _sim("env", "--connection-file", str(tmp_path / "none.json"), "--wait", "0.5"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert printed.returncode == 1
    assert "no connection file at" in printed.stderr
    assert "is `syncd sim serve` running?" in printed.stderr

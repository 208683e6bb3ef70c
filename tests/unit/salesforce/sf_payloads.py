"""Salesforce-shaped payloads for the adapter tests, built like the documented examples.

REST query pages, SaveResults and error bodies follow the REST API Developer Guide; Bulk API 2.0
job JSON and result CSVs follow the Bulk API 2.0 Developer Guide.
"""

from __future__ import annotations

from typing import Any

API = "62.0"
INSTANCE = "https://acme.my.salesforce.com"
LOGIN_URL = "https://login.salesforce.com"
DATA = f"{INSTANCE}/services/data/v{API}"
TOKEN_URL = f"{LOGIN_URL}/services/oauth2/token"


def lead_id(n: int) -> str:
    """An 18-character Lead id (key prefix 00Q)."""
    return f"00Q8d00000{n:05d}EAA"


def user_id(n: int) -> str:
    return f"0058d00000{n:05d}IAA"


def lead(n: int, **fields: Any) -> dict[str, Any]:
    """A Lead as the REST query endpoint returns it, attributes first."""
    record_id = lead_id(n)
    return {
        "attributes": {"type": "Lead", "url": f"/services/data/v{API}/sobjects/Lead/{record_id}"},
        "Id": record_id,
        "LastName": f"Lead {n}",
        "Company": f"Company {n}",
        "Status": "Open - Not Contacted",
        "IsDeleted": False,
        "MasterRecordId": None,
        "SystemModstamp": "2026-11-20T10:15:30.000+0000",
        **fields,
    }


def query_page(
    records: list[dict[str, Any]], *, total: int, next_locator: str | None = None
) -> dict[str, Any]:
    page: dict[str, Any] = {"totalSize": total, "done": next_locator is None, "records": records}
    if next_locator is not None:
        page["nextRecordsUrl"] = f"/services/data/v{API}/query/{next_locator}"
    return page


def sf_error(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
    """A REST error body: a JSON list of {message, errorCode[, fields]}."""
    error: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        error["fields"] = fields
    return [error]


def save_ok(record_id: str) -> dict[str, Any]:
    return {"id": record_id, "success": True, "errors": []}


def save_failed(
    record_id: str, code: str, message: str, fields: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": record_id,
        "success": False,
        "errors": [{"statusCode": code, "message": message, "fields": fields or []}],
    }


def limit_info(used: int, maximum: int) -> dict[str, str]:
    return {"Sforce-Limit-Info": f"api-usage={used}/{maximum}"}


def token_response(access_token: str, instance_url: str = INSTANCE) -> dict[str, Any]:
    """The OAuth token endpoint's success answer (JWT bearer and client credentials)."""
    return {
        "access_token": access_token,
        "scope": "api",
        "instance_url": instance_url,
        "id": f"{LOGIN_URL}/id/00D8d000000ABCDEA2/0058d00000ABCDEIAA",
        "token_type": "Bearer",
    }


def bulk_job(job_id: str, state: str, *, operation: str, obj: str = "Lead") -> dict[str, Any]:
    job: dict[str, Any] = {
        "id": job_id,
        "operation": operation,
        "object": obj,
        "createdById": user_id(1),
        "createdDate": "2026-11-20T10:15:30.000+0000",
        "systemModstamp": "2026-11-20T10:15:31.000+0000",
        "state": state,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(API),
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    if operation in ("insert", "update", "upsert", "delete"):
        job["contentUrl"] = f"services/data/v{API}/jobs/ingest/{job_id}/batches"
    return job

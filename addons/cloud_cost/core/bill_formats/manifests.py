"""Export manifests: which data files make up one billing period of an export, and whether it is complete.

- AWS Data Exports (CUR 2.0 and FOCUS): ``<export>-Manifest.json`` with ``dataFiles`` (s3:// URIs),
  ``billingPeriod`` and ``exportArn``/``executionId``;
- legacy CUR: ``<report>-Manifest.json`` with ``reportKeys`` (keys in the bucket), ``billingPeriod``
  and ``assemblyId``.

A manifest is complete when it lists its data files and does not say otherwise (a ``complete``
flag set to false, or a ``status`` of an execution still running): an export still being
written is left for a later run.
"""

import json
from dataclasses import dataclass, field

from .errors import BillFormatError

RUNNING_STATES = {"IN_PROGRESS", "RUNNING", "PENDING", "QUEUED"}


@dataclass
class ExportManifest:
    kind: str  # "aws_cur2", "aws_cur_legacy" or "focus"
    billing_period: str  # "YYYY-MM"
    data_files: list = field(default_factory=list)
    complete: bool = True
    assembly_id: str = None


def _period(value, *, file):
    """'2026-10-01T00:00:00.000Z' or '20261001T000000.000Z' -> '2026-10'."""
    text = str(value or "").strip()
    digits = text.replace("-", "")
    if len(digits) >= 6 and digits[:6].isdigit():
        return f"{digits[:4]}-{digits[4:6]}"
    raise BillFormatError(f"billing period start not understood: {text!r}", file=file, column="billingPeriod")


def parse_manifest(data, *, file_name):
    try:
        manifest = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BillFormatError(f"not a JSON manifest: {error}", file=file_name) from None
    if not isinstance(manifest, dict):
        raise BillFormatError("not a JSON manifest object", file=file_name)
    period = manifest.get("billingPeriod") or {}
    start = period.get("start") if isinstance(period, dict) else period
    if "dataFiles" in manifest:
        files = manifest["dataFiles"]
        columns = " ".join(
            str(c.get("name", c)) if isinstance(c, dict) else str(c) for c in manifest.get("columns", [])
        )
        kind = "focus" if "BilledCost" in columns else "aws_cur2"
        assembly = manifest.get("executionId") or manifest.get("exportArn")
    elif "reportKeys" in manifest:
        files = manifest["reportKeys"]
        kind = "aws_cur_legacy"
        assembly = manifest.get("assemblyId")
    else:
        raise BillFormatError("neither dataFiles nor reportKeys: not an AWS export manifest", file=file_name)
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise BillFormatError("the list of data files is not a list of names", file=file_name)
    return ExportManifest(
        kind=kind,
        billing_period=_period(start, file=file_name),
        data_files=list(files),
        complete=bool(files)
        and manifest.get("complete", True) is not False
        and str(manifest.get("status", "")).upper() not in RUNNING_STATES,
        assembly_id=assembly,
    )

"""FOCUS 1.4 Invoice Detail: the provider's own invoice lines, delivered beside the Cost and Usage rows.

FOCUS 1.4 adds an Invoice Detail dataset: one record per invoice line item with a non-zero BilledCost, joined
to Cost and Usage by InvoiceIssuerName and InvoiceId. Its ChargeCategory keeps Tax apart (Usage may
aggregate usage and credits), InvoiceIssueStatus says whether the invoice is Open (provisional), Issued
(a valid financial obligation) or Voided, and ReferenceInvoiceId names the invoice a credit or correction
adjusts. A record delivered again (same InvoiceDetailId) replaces the earlier one (InvoiceDetailLastUpdated).
"""

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

REQUIRED_COLUMNS = (
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "ChargeCategory",
    "InvoiceDetailId",
    "InvoiceId",
    "InvoiceIssueStatus",
    "InvoiceIssuerName",
)
OPTIONAL_COLUMNS = (
    "BillingPeriodEnd",
    "InvoiceDetailDescription",
    "InvoiceDetailLastUpdated",
    "InvoiceIssueDate",
    "ReferenceInvoiceId",
    "PaymentDueDate",
    "PurchaseOrderNumber",
)
ISSUE_STATUSES = ("Open", "Issued", "Voided")
CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


class InvoiceDetailError(ValueError):
    """An Invoice Detail file that cannot be read: names the file, row and column."""


@dataclass(frozen=True)
class InvoiceLine:
    invoice_id: str
    detail_id: str
    issuer: str
    billing_account: str
    currency: str
    period_start: date
    category: str
    billed_cost: Decimal
    status: str
    description: str = ""
    reference_invoice_id: str = ""
    issue_date: date | None = None
    last_updated: datetime | None = None


def is_invoice_detail(columns):
    """True for the columns of an Invoice Detail dataset (not a Cost and Usage one)."""
    names = set(columns)
    return {"InvoiceDetailId", "InvoiceIssueStatus", "InvoiceId"} <= names and "ChargePeriodStart" not in names


def sniff_columns(stream):
    """The column names of an open CSV (plain or gzip) or Parquet file; the stream is put back at its start."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    try:
        if head[:4] == PARQUET_MAGIC:
            import pyarrow.parquet as pq  # noqa: PLC0415 - only for Parquet files

            return list(pq.ParquetFile(stream).schema_arrow.names)
        raw = gzip.GzipFile(fileobj=stream, mode="rb") if head[:2] == GZIP_MAGIC else stream
        first = raw.readline(1 << 20)
        text = first.decode("utf-8-sig", errors="replace")
        return next(csv.reader([text]), [])
    except (OSError, ValueError, EOFError):
        return []
    finally:
        stream.seek(0)


def _records(stream):
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head[:4] == PARQUET_MAGIC:
        import pyarrow.parquet as pq  # noqa: PLC0415

        table = pq.read_table(stream)
        return [{key: "" if value is None else str(value) for key, value in row.items()} for row in table.to_pylist()]
    raw = gzip.GzipFile(fileobj=stream, mode="rb") if head[:2] == GZIP_MAGIC else stream
    return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")))


def _day(text):
    text = (text or "").strip()
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _moment(text):
    text = (text or "").strip()
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def read_invoice_detail(stream, file_name="invoice detail"):
    """[InvoiceLine] of an Invoice Detail file; refuses a missing column or a value of the wrong kind."""
    rows = _records(stream)
    if rows:
        missing = [column for column in REQUIRED_COLUMNS if column not in rows[0]]
        if missing:
            raise InvoiceDetailError(f"{file_name}: Invoice Detail without the column(s) {', '.join(missing)}")
    lines = []
    for number, row in enumerate(rows, start=2):
        column = "BilledCost"
        try:
            amount = Decimal(row["BilledCost"].strip() or "0")
            column = "InvoiceIssueStatus"
            status = row["InvoiceIssueStatus"].strip()
            if status not in ISSUE_STATUSES:
                raise ValueError(status)
            column = "ChargeCategory"
            category = row["ChargeCategory"].strip()
            if category not in CATEGORIES:
                raise ValueError(category)
            column = "BillingPeriodStart"
            start = _day(row["BillingPeriodStart"])
            if start is None:
                raise ValueError("empty")
            column = "InvoiceIssueDate"
            issued = _day(row.get("InvoiceIssueDate"))
            column = "InvoiceDetailLastUpdated"
            updated = _moment(row.get("InvoiceDetailLastUpdated"))
        except (InvalidOperation, ValueError) as error:
            raise InvoiceDetailError(
                f"{file_name}, row {number}, column {column}: {row.get(column)!r} is not a " f"valid value"
            ) from error
        lines.append(
            InvoiceLine(
                invoice_id=row["InvoiceId"].strip(),
                detail_id=row["InvoiceDetailId"].strip(),
                issuer=row["InvoiceIssuerName"].strip(),
                billing_account=row["BillingAccountId"].strip(),
                currency=row["BillingCurrency"].strip(),
                period_start=start,
                category=category,
                billed_cost=amount,
                status=status,
                description=(row.get("InvoiceDetailDescription") or "").strip(),
                reference_invoice_id=(row.get("ReferenceInvoiceId") or "").strip(),
                issue_date=issued,
                last_updated=updated,
            )
        )
    return current_lines(lines)


def current_lines(lines):
    """The lines as last delivered: one per (issuer, InvoiceDetailId), the latest InvoiceDetailLastUpdated."""
    latest = {}
    for line in lines:
        key = (line.issuer, line.detail_id)
        kept = latest.get(key)
        if kept is None or (line.last_updated or datetime.min) >= (kept.last_updated or datetime.min):
            latest[key] = line
    return list(latest.values())


def invoice_totals(lines):
    """{ChargeCategory: BilledCost} of the Issued lines: the provider's invoices as it issued them. Open
    (provisional) and Voided invoices are no financial obligation and count for nothing."""
    totals = {}
    for line in lines:
        if line.status != "Issued":
            continue
        totals[line.category] = totals.get(line.category, Decimal(0)) + Decimal(line.billed_cost)
    return totals

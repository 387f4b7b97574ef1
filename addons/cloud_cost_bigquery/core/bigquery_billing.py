"""Google Cloud billing data where Google puts it: the BigQuery billing export tables.

Cloud Billing exports the standard usage cost (``gcp_billing_export_v1_<account>``) and the
detailed usage cost (``gcp_billing_export_resource_v1_<account>``) into BigQuery tables, one row
per usage line, with ``invoice.month`` naming the invoice (``YYYYMM``) a row belongs to. An invoice
month is read in one of two ways:

- row by row: the month's rows, as the file importer reads a BigQuery JSON export (credits folded
  into the net cost, labels as tags), written to a CSV of dotted column names a page at a time;
- summed in BigQuery: one query grouping the month by charge day, billing account, project,
  service, region, charge category, currency and whatever the mapping rules read (the grouping of
  the summed import, cloud_cost_athena), its result imported as a FOCUS file of sums.

Amounts are read as NUMERIC (``CAST(... AS NUMERIC)``, exact to 9 decimals) on both ways, so that
each receiver's cost is the same to the cent. A month is fingerprinted first (its row count and
latest ``export_time``): a month that has not changed since its last import is not read again.
No ORM here.
"""

import csv
import io
import json
import re
import tempfile
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.cloud_cost.core import outbound, periods
from odoo.addons.cloud_cost_athena.core.aggregation import (
    BASE_DIMENSIONS,
    Aggregation,
    AggregationError,
    quote_literal,
    rule_needs,
)

# google-api-core warns on every import under Python 3.11 of a support date years ahead: not the users' concern
warnings.filterwarnings(
    "ignore", message=r"You are using a Python version .* which Google will stop supporting", category=FutureWarning
)

SCOPES = ("https://www.googleapis.com/auth/bigquery.readonly",)
PAGE_ROWS = 10_000
SPOOL_MEMORY_BYTES = 8 << 20
NAME = re.compile(r"[A-Za-z0-9_.:-]{1,1024}")
MONTH = re.compile(r"(\d{4})-?(\d{2})")
# what the row-by-row read selects of a billing export table (those the table has)
ROW_COLUMNS = (
    "billing_account_id",
    "service",
    "sku",
    "usage_start_time",
    "usage_end_time",
    "project",
    "labels",
    "system_labels",
    "location",
    "resource",
    "cost",
    "currency",
    "usage",
    "credits",
    "invoice",
    "cost_type",
    "adjustment_info",
)
NEEDED_COLUMNS = {"cost", "currency", "usage_start_time", "usage_end_time", "invoice", "credits"}
AMOUNT = "NUMERIC"
NINE_PLACES = Decimal("0.000000001")
# reasons BigQuery documents for its errors: kept in messages, being words of this list
KNOWN_REASONS = frozenset(
    {
        "accessDenied",
        "backendError",
        "billingNotEnabled",
        "billingTierLimitExceeded",
        "blocked",
        "duplicate",
        "internalError",
        "invalid",
        "invalidQuery",
        "invalidUser",
        "jobBackendError",
        "jobInternalError",
        "notFound",
        "notImplemented",
        "quotaExceeded",
        "rateLimitExceeded",
        "resourceInUse",
        "resourcesExceeded",
        "responseTooLarge",
        "timeout",
    }
)


class BigQueryError(ValueError):
    def __init__(self, message, file=None, row=None, column=None):
        super().__init__(message)
        self.message, self.file, self.row, self.column = message, file, row, column


@dataclass(frozen=True)
class TableRef:
    project: str
    dataset: str
    table: str

    @property
    def sql(self):
        return f"`{self.project}.{self.dataset}.{self.table}`"

    def __str__(self):
        return f"{self.project}.{self.dataset}.{self.table}"


def parse_table(text):
    """'project.dataset.table' (a project id may hold a domain: 'example.com:project')."""
    text = (text or "").strip().strip("`")
    parts = text.rsplit(".", 2)
    if len(parts) != 3 or not all(parts) or not all(NAME.fullmatch(p) for p in parts):
        raise BigQueryError(f"{text}: not a BigQuery table (project.dataset.table)")
    return TableRef(*parts)


def parse_month(text):
    """'2026-10' or '202610' -> '202610' (the form of invoice.month)."""
    match = MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise BigQueryError(f"{text}: not an invoice month (YYYY-MM)")
    return match.group(1) + match.group(2)


def parse_bigquery_uri(uri):
    """bigquery://project.dataset.table?month=2026-10 -> (TableRef, '202610' or None)."""
    text = (uri or "").strip()
    if not text.startswith("bigquery://"):
        raise BigQueryError(f"{text}: not a bigquery:// address")
    table, _sep, query = text[len("bigquery://") :].partition("?")
    month = None
    for item in filter(None, query.split("&")):
        key, _sep, value = item.partition("=")
        if key == "month":
            month = parse_month(value)
        else:
            raise BigQueryError(f"{text}: unknown option {key!r} (only month=YYYY-MM)")
    return parse_table(table), month


def months_to_read(today, month=None):
    """The invoice months a run reads: the one given, else the open month and the one before it
    (Google restates the previous month until its invoice closes)."""
    if month:
        return [month]
    previous = periods.previous_month_start(today)
    return [f"{previous.year}{previous.month:02d}", f"{today.year}{today.month:02d}"]


def month_label(month):
    return f"{month[:4]}-{month[4:]}"


def file_name(table, month):
    """The name the month's rows (or sums) are kept under, on the batch and on every cost line."""
    return f"bigquery://{table}/invoice.month={month}"


# ---------------------------------------------------------------------------- queries
def fingerprint_sql(table):
    return (
        f"SELECT COUNT(*) AS row_count, CAST(MAX(export_time) AS STRING) AS last_export_time\n"
        f"  FROM {table.sql}\n WHERE invoice.month = @invoice_month"
    )


def rows_sql(table, columns):
    select = ",\n       ".join(f"CAST(cost AS {AMOUNT}) AS cost" if c == "cost" else c for c in columns)
    return (
        f"SELECT {select}\n  FROM {table.sql}\n WHERE invoice.month = @invoice_month\n"
        " ORDER BY usage_start_time, usage_end_time"
    )


def _label(key, columns):
    """A tag as the row-by-row import merges labels: system labels, then labels, then project labels."""
    lookups = [
        f"(SELECT l.value FROM UNNEST({column}) AS l WHERE l.key = {quote_literal(key)} LIMIT 1)"
        for column in ("system_labels", "labels", "project.labels")
        if column.split(".")[0] in columns
    ]
    return f"COALESCE({', '.join(lookups)})" if len(lookups) > 1 else (lookups[0] if lookups else "NULL")


def gcp_dimensions(columns):
    """FOCUS column -> expression over a billing export table, as the row-by-row parser reads it."""
    resource = "COALESCE(resource.global_name, resource.name)" if "resource" in columns else None
    dimensions = {
        "BillingAccountId": "billing_account_id",
        "SubAccountId": "project.id",
        "ProviderName": "'Google Cloud'",
        "ServiceName": "service.description",
        "RegionId": "COALESCE(location.region, location.location)",
        "ChargeCategory": (
            "CASE LOWER(IFNULL(cost_type, 'regular')) WHEN 'regular' THEN 'Usage' "
            "WHEN 'tax' THEN 'Tax' WHEN 'adjustment' THEN 'Adjustment' "
            "WHEN 'rounding_error' THEN 'Adjustment' END"
        ),
        "BillingCurrency": "currency",
        "SubAccountName": "project.name",
        "ChargeDescription": "sku.description",
        "SkuId": "sku.id",
    }
    if resource:
        dimensions["ResourceId"] = resource
    return dimensions


def summed_sql(table, month, columns, rule_specs=()):
    """The month summed by the summed import's grouping; (Aggregation, sql)."""
    wanted, tag_keys = rule_needs(rule_specs)
    from odoo.addons.cloud_cost_athena.core.aggregation import RULE_COLUMNS  # noqa: PLC0415

    dimensions_sql = gcp_dimensions(columns)
    unknown = sorted(c for c in wanted if c in RULE_COLUMNS and RULE_COLUMNS[c] not in dimensions_sql)
    if unknown:
        raise AggregationError(
            f"mapping rules match on {', '.join(unknown)}, which the BigQuery billing export "
            "summed does not keep: read every row instead"
        )
    extra = [RULE_COLUMNS[c] for c in sorted(wanted) if c in RULE_COLUMNS and RULE_COLUMNS[c] not in BASE_DIMENSIONS]
    dimensions = [d for d in list(BASE_DIMENSIONS) + extra if d in dimensions_sql]
    start = f"{month[:4]}-{month[4:]}-01"
    end_year, end_month = (int(month[:4]) + 1, 1) if month[4:] == "12" else (int(month[:4]), int(month[4:]) + 1)
    inner = ["CAST(DATE(usage_start_time) AS STRING) AS ChargeDay"]
    inner += [f"{dimensions_sql[d]} AS {d}" for d in dimensions]
    inner += [f"{_label(key, columns)} AS tag_{i}" for i, key in enumerate(tag_keys, 1)]
    inner += [
        f"CAST(cost AS {AMOUNT}) AS cost",
        f"IFNULL((SELECT SUM(CAST(c.amount AS {AMOUNT})) FROM UNNEST(credits) AS c), 0) AS credits",
    ]
    grouped = [
        "ChargeDay",
        f"{quote_literal(start)} AS BillingPeriodStart",
        f"{quote_literal(f'{end_year}-{end_month:02d}-01')} AS BillingPeriodEnd",
    ]
    grouped += dimensions + [f"tag_{i}" for i in range(1, len(tag_keys) + 1)]
    grouped += [f"{quote_literal(file_name(table, month))} AS x_SourceFile"]
    positions = ", ".join(str(i) for i in range(1, len(grouped) + 1))
    sql = (
        "WITH bill AS (\n  SELECT "
        + ",\n         ".join(inner)
        + f"\n    FROM {table.sql}\n   WHERE invoice.month = @invoice_month\n)\n"
        + "SELECT "
        + ",\n       ".join(grouped)
        + ",\n       SUM(cost + credits) AS BilledCost,\n       SUM(cost + credits) AS EffectiveCost,"
        + "\n       SUM(cost) AS ListCost,\n       COUNT(*) AS x_SourceRows"
        + f"\n  FROM bill\n GROUP BY {positions}\n ORDER BY {positions}"
    )
    return Aggregation(sql, tuple(dimensions), tuple(tag_keys), ("BilledCost", "EffectiveCost", "ListCost")), sql


# ---------------------------------------------------------------------------- running them
def query_config(month):
    from google.cloud import bigquery  # noqa: PLC0415

    return bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter("invoice_month", "STRING", month)],
        use_legacy_sql=False,
    )


def run_query(client, sql, month, *, location=None, page_size=PAGE_ROWS, timeout=1800):
    """The query's rows (a RowIterator read a page at a time) through jobs.query and getQueryResults."""
    from google.api_core.retry import Retry  # noqa: PLC0415
    from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY, DEFAULT_RETRY  # noqa: PLC0415

    retry = DEFAULT_RETRY.with_timeout(120) if isinstance(DEFAULT_RETRY, Retry) else DEFAULT_RETRY
    return client.query_and_wait(
        sql,
        job_config=query_config(month),
        location=location or None,
        page_size=page_size,
        wait_timeout=timeout,
        api_timeout=120,
        retry=retry,
        job_retry=DEFAULT_JOB_RETRY.with_timeout(300),
    )


def table_columns(client, table):
    """Top-level column names of the table (tables.get): refuses a table that is not a billing export."""
    schema = client.get_table(str(table)).schema
    columns = {field.name for field in schema}
    missing = sorted(NEEDED_COLUMNS - columns)
    if missing:
        raise BigQueryError(f"{table}: not a Cloud Billing export table (no column {missing[0]})", file=str(table))
    return columns


def _numeric(value):
    """An amount as the row-by-row read keeps it: NUMERIC (9 decimals), as the summed query casts it."""
    if value is None:
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    return number.quantize(NINE_PLACES, rounding=ROUND_HALF_UP)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def _header(fields, prefix=""):
    """Dotted column names of a schema: a record's fields one by one, repeated fields as they are (JSON)."""
    names = []
    for field in fields:
        name = f"{prefix}{field.name}"
        if field.field_type in ("RECORD", "STRUCT") and field.mode != "REPEATED":
            names += _header(field.fields, f"{name}.")
        else:
            names.append(name)
    return names


def _value(row, name):
    value = row.get(name.split(".")[0])
    for part in name.split(".")[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    if name == "cost":
        return _numeric(value)
    if name == "credits":
        return [{**credit, "amount": _numeric(credit.get("amount"))} for credit in (value or [])]
    return value


def rows_to_csv(rows):
    """The rows of a RowIterator as a billing export CSV of dotted column names (as the file importer reads
    it), written a row at a time into a temporary file (on disk past a few megabytes): (stream, rows)."""
    spool = tempfile.SpooledTemporaryFile(SPOOL_MEMORY_BYTES)  # noqa: SIM115 (closed by the caller)
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    header = _header(rows.schema)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_cell(_value(row, name)) for name in header])
        count += 1
    text.detach()
    spool.seek(0)
    return spool, count


# ---------------------------------------------------------------------------- clients and errors
def bigquery_client(project, *, key_json=None, api_endpoint=None, policy=None, credentials=None):
    """A BigQuery client billed to ``project``: with a service account key (JSON text), else the server's
    application default credentials; ``credentials`` given as they are (the tests' anonymous ones).

    With ``policy`` (core.outbound.TargetPolicy), every API call goes through a session that checks the URL
    and the connected address; so does the token request of a service account key (its token_uri is the
    key's), not that of the server's own identity (the metadata server of the machine it runs on).
    """
    import google.auth  # noqa: PLC0415
    from google.auth.transport.requests import AuthorizedSession, Request  # noqa: PLC0415
    from google.cloud import bigquery  # noqa: PLC0415

    auth_request = None
    if credentials is None and key_json:
        from google.oauth2 import service_account  # noqa: PLC0415

        try:
            info = json.loads(key_json)
        except (TypeError, ValueError):
            raise BigQueryError("the service account key is not JSON") from None
        credentials = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
        if policy is not None:
            auth_request = Request(session=outbound.checked_session(policy))
    elif credentials is None:
        credentials, _project = google.auth.default(scopes=list(SCOPES))
    session = AuthorizedSession(credentials, auth_request=auth_request)
    if policy is not None:
        for prefix, adapter in outbound.checked_session(policy).adapters.items():
            session.mount(prefix, adapter)
    options = {"api_endpoint": api_endpoint} if api_endpoint else None
    return bigquery.Client(project=project, credentials=credentials, _http=session, client_options=options)


def describe_google_error(error):
    """HTTP status and documented reason of a google-api-core error, never the service's message."""
    if isinstance(error, outbound.TargetRefused):
        return str(error)
    if isinstance(error, BigQueryError):
        return error.message
    status = getattr(error, "code", None)
    if isinstance(status, int) and status >= 100:
        parts = [outbound.http_reason(status)]
        reasons = [str(e.get("reason")) for e in (getattr(error, "errors", None) or []) if isinstance(e, dict)]
        parts += [r for r in dict.fromkeys(reasons) if r in KNOWN_REASONS]
        return ", ".join(parts)
    name = error.__class__.__name__
    for marker, reason in (
        (
            "DefaultCredentialsError",
            "no Google credentials (a service account key on the source, or the "
            "server's application default credentials)",
        ),
        ("RefreshError", "the credentials were not accepted (token refresh failed)"),
        ("RetryError", "no answer after retries"),
        ("Timeout", "no answer within the timeout"),
        ("ConnectionError", "cannot connect to BigQuery"),
    ):
        if marker in name:
            return reason
    import requests  # noqa: PLC0415

    if isinstance(error, requests.exceptions.RequestException):
        return outbound.describe_request_error(error)
    return f"the call failed ({name})"


# ---------------------------------------------------------------------------- the rows of a summed group
GROUP_CHUNK = 50  # groups per query: each group is a few parameters, BigQuery takes up to 10,000
ROW_ORDER = ("usage_start_time", "usage_end_time", "export_time")


def grouping_json(table, month, columns, aggregation, location=None):
    """What the batch keeps of a month summed in BigQuery: how the rows of any of its groups are queried again."""
    return {
        "layout": "bigquery",
        "table": str(table),
        "month": month,
        "columns": sorted(columns),
        "dimensions": list(aggregation.dimensions),
        "tag_keys": list(aggregation.tag_keys),
        "location": location or None,
    }


def group_rows_sql(table, columns, dimensions, tag_keys, groups):
    """A query listing the month's rows of each group (``groups``: [{key: value text or None}] as the
    aggregated file gives them): the rows whose grouped expressions (those of ``summed_sql``) are the group's
    values, each with its group's number (``x_Group``, 0 = first), its net cost as summed
    (``x_EffectiveCost``) and its own columns. Returns (sql, [(parameter name, value)]); the values are
    query parameters (``@g<group>_<key>``), never text of the query."""
    dimensions_sql = gcp_dimensions(columns)
    keys = [("ChargeDay", "CAST(DATE(usage_start_time) AS STRING)")]
    for name in dimensions:
        if name not in dimensions_sql:
            raise BigQueryError(f"the billing export has no column for {name}")
        keys.append((name, f"CAST({dimensions_sql[name]} AS STRING)"))
    keys += [(f"tag_{i}", _label(key, columns)) for i, key in enumerate(tag_keys, 1)]
    row_columns = [c for c in (*ROW_COLUMNS, "export_time") if c in columns]
    inner = [f"{expression} AS x_key_{i}" for i, (_name, expression) in enumerate(keys, 1)]
    inner.append(
        f"CAST(cost AS {AMOUNT}) + IFNULL((SELECT SUM(CAST(c.amount AS {AMOUNT})) "
        f"FROM UNNEST(credits) AS c), 0) AS x_EffectiveCost"
    )
    inner += row_columns
    parameters, cases = [], []
    for number, group in enumerate(groups):
        conditions = []
        for index, (name, _expression) in enumerate(keys, 1):
            if name not in group:
                raise BigQueryError(f"the group has no value for {name}")
            parameter = f"g{number}_{index}"
            parameters.append((parameter, group[name]))
            conditions.append(f"x_key_{index} IS NOT DISTINCT FROM @{parameter}")
        cases.append(f"WHEN {' AND '.join(conditions)} THEN {number}")
    order = ", ".join(["x_Group", *(c for c in ROW_ORDER if c in columns)])
    sql = (
        "WITH bill AS (\n  SELECT "
        + ",\n         ".join(inner)
        + f"\n    FROM {table.sql}\n   WHERE invoice.month = @invoice_month\n), grouped AS (\n"
        + "  SELECT CASE "
        + "\n              ".join(cases)
        + " END AS x_Group, *\n    FROM bill\n)\n"
        + f"SELECT x_Group, x_EffectiveCost, {', '.join(row_columns)}\n  FROM grouped\n"
        + f" WHERE x_Group IS NOT NULL\n ORDER BY {order}"
    )
    return sql, parameters


def group_rows_config(month, parameters):
    from google.cloud import bigquery  # noqa: PLC0415

    return bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter("invoice_month", "STRING", month)]
        + [bigquery.ScalarQueryParameter(name, "STRING", value) for name, value in parameters],
        use_legacy_sql=False,
    )


def _plain(value):
    """A value of a BigQuery row as JSON-able text, exactly (NUMERIC and times as text, records kept)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


def read_group_rows(client, table, month, columns, dimensions, tag_keys, groups, *, location=None):
    """The month's rows of each group, re-queried in BigQuery: ([[{"row", "effective_cost", "billed_cost",
    "values"}] per group], [(job id, sql)]). A row's identity ("row") is the SHA-256 of its values (BigQuery
    rows have no number); its costs are exact Decimals, as the summing computed them."""
    import hashlib  # noqa: PLC0415

    found = [[] for _group in groups]
    jobs = []
    for start in range(0, len(groups), GROUP_CHUNK):
        chunk = groups[start : start + GROUP_CHUNK]
        sql, parameters = group_rows_sql(table, columns, dimensions, tag_keys, chunk)
        rows = client.query_and_wait(
            sql,
            job_config=group_rows_config(month, parameters),
            location=location,
            page_size=PAGE_ROWS,
            api_timeout=120,
        )
        jobs.append((rows.job_id or "", sql))
        for row in rows:
            record = dict(row.items())
            number = int(record.pop("x_Group"))
            cost = record.pop("x_EffectiveCost")
            values = {name: _plain(value) for name, value in record.items()}
            text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            cost = Decimal(str(cost)) if cost is not None else Decimal(0)
            found[start + number].append(
                {
                    "row": hashlib.sha256(text.encode()).hexdigest()[:16],
                    "effective_cost": cost,
                    "billed_cost": cost,
                    "values": values,
                }
            )
    return found, jobs

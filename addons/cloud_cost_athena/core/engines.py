"""Where an aggregation query runs: Amazon Athena (boto3) or DuckDB on this machine.

Both return ``QueryResult(engine, query_id, columns, rows)`` with every value as text (or
None), as Athena gives them, so that what follows does not depend on the engine.
"""

import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .aggregation import AggregationError, quote_identifier, quote_literal, text_array, texts

ATHENA_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
QUERY_ID = re.compile(r"[A-Za-z0-9-]{1,128}")
ERROR_CATEGORIES = {1: " (an error of the service)", 2: " (an error in the query or its data)", 3: " (other error)"}


@dataclass
class QueryResult:
    engine: str
    query_id: str
    columns: list
    rows: object  # an iterable of rows (lists of text), iterated as often as needed


class ArrowRows:
    """The rows of a columnar result, as sequences of text, a record batch at a time: a summed month of ten
    million bill rows has half a million groups, which held as Python rows would take several times the
    memory of the columns themselves. Each column becomes text column by column (``text_array``)."""

    def __init__(self, table):
        self.arrow_table = table  # read column by column where a whole result is turned into a file

    def __len__(self):
        return self.arrow_table.num_rows

    def __iter__(self):
        for batch in self.arrow_table.to_batches(max_chunksize=65_536):
            yield from zip(*(_text_column(column) for column in batch.columns), strict=True)


def _text_column(column):
    import pyarrow as pa  # noqa: PLC0415

    values = texts(text_array(column))
    if pa.types.is_decimal(column.type) and any(value is not None and "E" in value for value in values):
        # Arrow writes small and zero decimals in scientific notation ("1.000E-7", "0E-10"), Athena plainly
        values = [value if value is None or "E" not in value else format(Decimal(value), "f") for value in values]
    return values


def run_athena(client, sql, *, database, workgroup=None, output_location=None, timeout=1800, poll=1.0):
    """Start the query, wait for it and read all its result pages."""
    request = {"QueryString": sql, "QueryExecutionContext": {"Database": database}}
    if workgroup:
        request["WorkGroup"] = workgroup
    if output_location:
        request["ResultConfiguration"] = {"OutputLocation": output_location}
    query_id = str(client.start_query_execution(**request).get("QueryExecutionId") or "")
    if not QUERY_ID.fullmatch(query_id):  # kept and shown: only an id, never other text of the answer
        raise AggregationError("Athena answered no query id of the expected form")
    deadline = time.monotonic() + timeout
    while True:
        execution = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        status = execution["Status"]
        if status["State"] in ATHENA_DONE:
            break
        if time.monotonic() > deadline:
            client.stop_query_execution(QueryExecutionId=query_id)
            raise AggregationError(f"Athena query {query_id} did not finish within {timeout} seconds")
        time.sleep(poll)
        poll = min(poll * 2, 15)
    if status["State"] != "SUCCEEDED":
        # the service's own reason (StateChangeReason) is not repeated: it is in the Athena console under the id
        category = ERROR_CATEGORIES.get((status.get("AthenaError") or {}).get("ErrorCategory"), "")
        raise AggregationError(
            f"Athena query {query_id} {status['State'].lower()}{category}; its reason is shown "
            f"in the Athena console under this query id"
        )
    columns, rows, token = None, [], None
    while True:
        page = client.get_query_results(QueryExecutionId=query_id, **({"NextToken": token} if token else {}))
        result_rows = page["ResultSet"]["Rows"]
        if columns is None:
            info = page["ResultSet"].get("ResultSetMetadata", {}).get("ColumnInfo") or []
            columns = [c["Name"] for c in info]
            header = [cell.get("VarCharValue") for cell in result_rows[0]["Data"]] if result_rows else []
            if not columns or header == columns:  # the first row of the first page repeats the names
                columns, result_rows = header, result_rows[1:]
        rows.extend([cell.get("VarCharValue") for cell in row["Data"]] for row in result_rows)
        token = page.get("NextToken")
        if not token:
            break
    return QueryResult("athena", query_id, columns, rows)


# how DuckDB reads the files: Parquet as written; CSV as text, every column (the layouts cast what they sum)
READERS = {
    "parquet": "read_parquet([{files}], filename = true, union_by_name = true)",
    "csv": "read_csv([{files}], filename = true, union_by_name = true, header = true, all_varchar = true)",
}


def run_duckdb(sql, files, *, database, table, reader="parquet", prepare=None):
    """Run ``sql`` with DuckDB over ``files``: {name the query knows (its $path): local path, bytes, or the URL
    of a file DuckDB reads where it lies (``az://container/blob``, after ``prepare(connection)`` has loaded
    what reads it)}; ``reader``: "parquet" or "csv" (READERS).

    The files are seen as the table ``database.table``, with Athena's ``$path`` column and
    Athena's ``element_at`` on maps (a missing key gives NULL).
    """
    import duckdb

    folder = Path(tempfile.mkdtemp(prefix="cloudcost-duckdb-"))
    try:
        paths = {}
        for number, (name, content) in enumerate(sorted(files.items())):
            if isinstance(content, bytes | bytearray):
                path = folder / f"{number:06d}.{reader}"
                path.write_bytes(content)
            elif isinstance(content, str) and "://" in content:
                path = content  # read in place, by the extension prepare() loaded
            else:
                path = Path(content)
            paths[str(path)] = name
        connection = duckdb.connect(
            ":memory:", config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
        )
        try:
            if prepare is not None:
                prepare(connection)
            connection.execute("SET TimeZone = 'UTC'")
            connection.execute("CREATE MACRO element_at(m, k) AS map_extract_value(m, k)")
            connection.execute(f"CREATE SCHEMA {quote_identifier(database)}")
            names = " ".join(f"WHEN {quote_literal(p)} THEN {quote_literal(n)}" for p, n in paths.items())
            scan = READERS[reader].format(files=", ".join(quote_literal(p) for p in paths))
            connection.execute(
                f"""CREATE VIEW {quote_identifier(database)}.{quote_identifier(table)} AS
                    SELECT *, CASE filename {names} END AS "$path"
                      FROM {scan}"""
            )
            try:
                cursor = connection.execute(sql)
                columns = [d[0] for d in cursor.description]
                rows = ArrowRows(cursor.to_arrow_table())
            except duckdb.Error as error:
                raise AggregationError(f"DuckDB could not run the aggregation: {error}") from None
        finally:
            connection.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return QueryResult("duckdb", f"duckdb-{uuid.uuid4()}", columns, rows)

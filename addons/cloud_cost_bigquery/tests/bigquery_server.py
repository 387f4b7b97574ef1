"""A local HTTP server answering the BigQuery REST API (v2) the way google-cloud-bigquery calls it.

It answers tables.get, jobs.query, jobs.insert, jobs.get and jobs.getQueryResults (pages by
pageToken), and tabledata.list, over tables held in DuckDB with the billing export's schema
(records as structs, repeated records as lists of structs). Queries run in DuckDB, after the few
spellings that differ are translated: a `project.dataset.table` name, @parameters, the alias of an
UNNEST, and NUMERIC
(BigQuery's NUMERIC is DECIMAL(38, 9)). Every request is recorded, and the next answers can be
made errors, as BigQuery writes them.
"""

import json
import re
import threading
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import duckdb

PREFIX = "/bigquery/v2"
TYPES = {
    "varchar": "STRING",
    "decimal": "NUMERIC",
    "double": "FLOAT",
    "float": "FLOAT",
    "bigint": "INTEGER",
    "integer": "INTEGER",
    "hugeint": "INTEGER",
    "timestamp": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


def bq_field(name, duck_type):
    kind = duck_type.id
    if kind == "list":
        field = bq_field(name, duck_type.children[0][1])
        return {**field, "mode": "REPEATED"}
    if kind == "struct":
        return {
            "name": name,
            "type": "RECORD",
            "mode": "NULLABLE",
            "fields": [bq_field(child, child_type) for child, child_type in duck_type.children],
        }
    return {"name": name, "type": TYPES.get(kind, "STRING"), "mode": "NULLABLE"}


def encode(value, field, int64_timestamps=True):
    """A value as BigQuery's JSON rows carry it: {'f': [{'v': ...}]} for records, text for scalars."""
    if value is None:
        return None
    if field.get("mode") == "REPEATED":
        item = {**field, "mode": "NULLABLE"}
        return [{"v": encode(v, item, int64_timestamps)} for v in value]
    kind = field["type"]
    if kind == "RECORD":
        return {"f": [{"v": encode(value.get(sub["name"]), sub, int64_timestamps)} for sub in field["fields"]]}
    if kind == "TIMESTAMP":
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        micros = int(moment.timestamp()) * 1_000_000 + moment.microsecond
        return str(micros) if int64_timestamps else repr(micros / 1e6)
    if kind == "FLOAT":
        return repr(float(value))
    if kind == "BOOLEAN":
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class FakeBigQuery:
    def __init__(self, page_rows=3, location="EU"):
        self.db = duckdb.connect()
        self.lock = threading.Lock()
        self.tables = {}  # 'project.dataset.table' -> duckdb table name
        self.jobs = {}
        self.requests = []  # (method, path, query parameters, body)
        self.errors = []  # answers to give next instead of a result: (status, reason, message)
        self.page_rows = page_rows
        self.location = location
        self.httpd = None

    # ------------------------------------------------------------------ tables
    def create_table(self, name, ddl_columns, rows):
        """A table of ``name`` ('project.dataset.table') with DuckDB column types and rows (tuples)."""
        local = "t_" + re.sub(r"\W", "_", name)
        with self.lock:
            self.db.execute(f"DROP TABLE IF EXISTS {local}")
            self.db.execute(f"CREATE TABLE {local} ({ddl_columns})")
            if rows:
                # records and repeated records are given as JSON and cast to the column's type: DuckDB's
                # Python binding mistakes a dict parameter inside a list for a MAP (DuckDB 1.5)
                types = [kind for _name, kind, *_rest in self.db.execute(f"DESCRIBE {local}").fetchall()]
                nested = [kind.endswith("]") or kind.startswith("STRUCT") for kind in types]
                marks = ", ".join(
                    f"CAST(CAST(? AS JSON) AS {kind})" if deep else "?"
                    for kind, deep in zip(types, nested, strict=True)
                )
                self.db.executemany(
                    f"INSERT INTO {local} VALUES ({marks})",
                    [
                        [
                            json.dumps(value) if deep and value is not None else value
                            for value, deep in zip(row, nested, strict=True)
                        ]
                        for row in rows
                    ],
                )
        self.tables[name] = local

    def queries(self):
        """The SQL text of every query sent, in order."""
        return [
            body.get("query") or body.get("configuration", {}).get("query", {}).get("query")
            for method, path, _params, body in self.requests
            if method == "POST" and (path.endswith("/queries") or path.endswith("/jobs"))
        ]

    # ------------------------------------------------------------------ running
    def translate(self, sql):
        def table(match):
            name = match.group(1)
            if name not in self.tables:
                raise LookupError(f"Not found: Table {name}")
            return self.tables[name]

        sql = re.sub(r"`([^`]+)`", table, sql)
        sql = re.sub(r"@(\w+)", r"$\1", sql)
        # BigQuery names an unnested element by its alias; DuckDB 1.5 by a column of a named table
        sql = re.sub(r"\bUNNEST\(([^()]+)\) AS (\w+)\b(?!\()", r"UNNEST(\1) AS _\2(\2)", sql)
        return re.sub(r"\bAS NUMERIC\b", "AS DECIMAL(38, 9)", sql)

    def run(self, project, query, parameters):
        params = {p["name"]: (p.get("parameterValue") or {}).get("value") for p in parameters or []}
        with self.lock:
            relation = self.db.sql(self.translate(query), params=params or None)
            schema = [bq_field(name, kind) for name, kind in zip(relation.columns, relation.types, strict=True)]
            rows = relation.fetchall()
        job_id = "job_" + uuid.uuid4().hex[:16]
        self.jobs[job_id] = {"project": project, "query": query, "schema": schema, "rows": rows}
        return job_id

    # ------------------------------------------------------------------ answers
    def job_resource(self, job_id):
        job = self.jobs[job_id]
        now = str(int(datetime.now(timezone.utc).timestamp() * 1000))
        return {
            "kind": "bigquery#job",
            "id": f"{job['project']}:{self.location}.{job_id}",
            "jobReference": {"projectId": job["project"], "jobId": job_id, "location": self.location},
            "configuration": {"jobType": "QUERY", "query": {"query": job["query"], "useLegacySql": False}},
            "status": {"state": "DONE"},
            "statistics": {
                "creationTime": now,
                "startTime": now,
                "endTime": now,
                "query": {"totalBytesProcessed": "0", "statementType": "SELECT"},
            },
        }

    def page(self, job_id, start=0, max_results=None):
        job = self.jobs[job_id]
        size = self.page_rows if max_results is None else min(int(max_results), self.page_rows)
        rows = job["rows"][start : start + size]
        answer = {
            "kind": "bigquery#getQueryResultsResponse",
            "schema": {"fields": job["schema"]},
            "jobReference": {"projectId": job["project"], "jobId": job_id, "location": self.location},
            "totalRows": str(len(job["rows"])),
            "rows": [
                {"f": [{"v": encode(value, field)} for value, field in zip(row, job["schema"], strict=True)]}
                for row in rows
            ],
            "jobComplete": True,
            "cacheHit": False,
            "totalBytesProcessed": "0",
        }
        if start + len(rows) < len(job["rows"]):
            answer["pageToken"] = str(start + len(rows))
        return answer

    def answer(self, method, path, params, body):
        if self.errors:
            status, reason, message = self.errors.pop(0)
            return status, {
                "error": {
                    "code": status,
                    "message": message,
                    "status": reason.upper(),
                    "errors": [{"message": message, "domain": "global", "reason": reason}],
                }
            }
        parts = path[len(PREFIX) :].strip("/").split("/")
        if method == "GET" and len(parts) == 6 and parts[2] == "datasets" and parts[4] == "tables":
            name = f"{parts[1]}.{parts[3]}.{parts[5]}"
            if name not in self.tables:
                return 404, {
                    "error": {
                        "code": 404,
                        "message": f"Not found: Table {name}",
                        "errors": [{"reason": "notFound", "message": "Not found"}],
                    }
                }
            with self.lock:
                relation = self.db.sql(f"SELECT * FROM {self.tables[name]}")
                schema = [bq_field(c, t) for c, t in zip(relation.columns, relation.types, strict=True)]
            return 200, {
                "kind": "bigquery#table",
                "type": "TABLE",
                "schema": {"fields": schema},
                "tableReference": {"projectId": parts[1], "datasetId": parts[3], "tableId": parts[5]},
                "location": self.location,
            }
        if method == "POST" and len(parts) == 3 and parts[2] == "queries":  # jobs.query
            try:
                job_id = self.run(parts[1], body["query"], body.get("queryParameters"))
            except (duckdb.Error, LookupError) as error:
                return 400, {
                    "error": {
                        "code": 400,
                        "message": str(error),
                        "errors": [{"reason": "invalidQuery", "message": str(error)}],
                    }
                }
            return 200, {**self.page(job_id, 0, body.get("maxResults")), "kind": "bigquery#queryResponse"}
        if method == "POST" and len(parts) == 3 and parts[2] == "jobs":  # jobs.insert
            config = body["configuration"]["query"]
            try:
                job_id = self.run(parts[1], config["query"], config.get("queryParameters"))
            except (duckdb.Error, LookupError) as error:
                return 400, {
                    "error": {
                        "code": 400,
                        "message": str(error),
                        "errors": [{"reason": "invalidQuery", "message": str(error)}],
                    }
                }
            return 200, self.job_resource(job_id)
        if method == "GET" and len(parts) == 4 and parts[2] == "jobs" and parts[3] in self.jobs:
            return 200, self.job_resource(parts[3])
        if method == "GET" and len(parts) == 4 and parts[2] == "queries" and parts[3] in self.jobs:
            start = int(params.get("pageToken", params.get("startIndex", ["0"]))[0])
            return 200, self.page(parts[3], start, params.get("maxResults", [None])[0])
        return 404, {
            "error": {
                "code": 404,
                "message": f"no such call: {method} {path}",
                "errors": [{"reason": "notFound", "message": "Not found"}],
            }
        }

    # ------------------------------------------------------------------ server
    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                url = urlsplit(self.path)
                params = parse_qs(url.query)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                fake.requests.append((self.command, url.path, params, body))
                status, answer = fake.answer(self.command, url.path, params, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.port = self.httpd.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        self.db.close()

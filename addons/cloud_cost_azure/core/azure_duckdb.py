"""Azure export runs summed by DuckDB where they lie: its Azure extension reads the run's blobs in place.

The extension is the one the ``duckdb-extension-azure`` package ships for the DuckDB release installed
(``duckdb_extension_azure/extensions/v<version>/azure.duckdb_extension``); it is loaded from there by
path, never downloaded. The connection's secret is made from the source's credentials (a connection
string, a SAS token, a service principal, else the server's own identity) and lives only as long as
the query. No ORM here.
"""

from importlib import resources

from odoo.addons.cloud_cost_athena.core.aggregation import AggregationError, quote_literal

EXPORT_LAYOUTS = {"actualcost": "azure_actual", "amortizedcost": "azure_amortized"}
READERS = {".csv": "csv", ".parquet": "parquet"}


def extension_path():
    """The Azure extension file built for the DuckDB installed."""
    import duckdb  # noqa: PLC0415

    try:
        folder = resources.files("duckdb_extension_azure") / "extensions" / f"v{duckdb.__version__}"
    except ModuleNotFoundError:
        folder = None
    path = folder / "azure.duckdb_extension" if folder is not None else None
    if path is None or not path.is_file():
        raise AggregationError(
            f"DuckDB's Azure extension for DuckDB {duckdb.__version__} is not installed "
            f"(the Python package duckdb-extension-azure=={duckdb.__version__})"
        )
    return str(path)


def layout_name(export_type):
    """The aggregation layout of an export's type (its manifest's exportConfig.type)."""
    name = EXPORT_LAYOUTS.get((export_type or "").replace(" ", "").lower())
    if name is None:
        raise AggregationError(
            f"DuckDB sums Azure exports of actual or amortized cost, not of type "
            f"{export_type or '(none)'}: import this export's rows one by one"
        )
    return name


def reader(names):
    """ "csv" or "parquet": the format every blob of the run is written in."""
    kinds = set()
    for name in names:
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in READERS:
            raise AggregationError(f"DuckDB sums CSV and Parquet blobs: {name} is neither", file=name)
        kinds.add(READERS[suffix])
    if len(kinds) != 1:
        raise AggregationError("the run's blobs are not all of one format (CSV or Parquet)")
    return kinds.pop()


def blob_url(container, key):
    return f"az://{container}/{key}"


def secret_sql(
    *, account, endpoint, connection_string=None, sas_token=None, tenant_id=None, client_id=None, client_secret=None
):
    """CREATE SECRET of the source's credentials, in their order: a connection string, a SAS token (with the
    blob endpoint), a service principal, else the server's own identity (managed identity, environment)."""
    if connection_string:
        options = {"CONNECTION_STRING": connection_string}
    elif sas_token:
        options = {"CONNECTION_STRING": f"BlobEndpoint={endpoint};SharedAccessSignature={sas_token.lstrip('?')}"}
    elif client_id and client_secret:
        options = {
            "PROVIDER": "service_principal",
            "TENANT_ID": tenant_id or "organizations",
            "CLIENT_ID": client_id,
            "CLIENT_SECRET": client_secret,
            "ACCOUNT_NAME": account,
        }
    else:
        options = {"PROVIDER": "credential_chain", "CHAIN": "managed_identity;env", "ACCOUNT_NAME": account}
    listed = ", ".join(
        f"{key} {value if key == 'PROVIDER' else quote_literal(value)}" for key, value in options.items()
    )
    return f"CREATE TEMPORARY SECRET cloudcost_azure (TYPE azure, {listed})"


def preparer(secret):
    """prepare(connection) for core.engines.run_duckdb: the extension loaded from its package, the secret."""
    path = extension_path()

    def prepare(connection):
        import duckdb  # noqa: PLC0415

        try:
            connection.execute(f"LOAD {quote_literal(path)}")
            # libcurl: the transport that honours plain-HTTP endpoints and the machine's CA bundle
            connection.execute("SET azure_transport_option_type = 'curl'")
            connection.execute(secret)
        except duckdb.Error as error:
            raise AggregationError(f"DuckDB's Azure extension cannot be used: {error.__class__.__name__}") from None

    return prepare

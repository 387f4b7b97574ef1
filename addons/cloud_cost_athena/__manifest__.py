{
    "name": "Cloud Cost Aggregation in Athena or DuckDB",
    "summary": "Sum bill rows where they lie: one Amazon Athena query per billing period over the export in S3, "
    "or the same SQL with DuckDB over the Parquet files; provenance kept per group",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost"],
    "external_dependencies": {"python": ["boto3", "duckdb"]},
    "data": [
        "views/cloud_cost_source_views.xml",
        "views/cloud_cost_import_batch_views.xml",
    ],
}

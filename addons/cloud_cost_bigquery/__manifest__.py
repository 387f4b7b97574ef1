{
    "name": "Cloud Cost BigQuery Billing Export",
    "summary": "Scheduled imports of Google Cloud billing data from its BigQuery export tables, an invoice month "
    "at a time, read row by row or summed in BigQuery by the summed import's grouping",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost", "cloud_cost_athena"],
    "external_dependencies": {"python": ["google-cloud-bigquery"]},
    "data": [
        "views/cloud_cost_source_views.xml",
    ],
}

{
    "name": "Cloud Cost Audit of BigQuery Sums",
    "summary": "The auditor's trace, auditor pack and trace command of cost lines summed in BigQuery: their rows "
    "queried again in the billing export table, summing exactly to each line",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["cloud_cost_bigquery", "cloud_cost_athena_audit"],
    "data": [],
}

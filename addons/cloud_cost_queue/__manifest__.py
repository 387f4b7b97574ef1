{
    "name": "Cloud Cost Background Jobs",
    "summary": "Bill imports and allocation runs as background jobs (queue_job): progress, cancel, "
    "retries on transient errors, one job per source and period",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost", "cloud_cost_allocation", "queue_job"],
    "data": [
        "security/ir.model.access.csv",
        "security/cloud_cost_job_rules.xml",
        "data/queue_job_data.xml",
        "views/cloud_cost_job_views.xml",
        "views/cloud_cost_source_views.xml",
        "views/cloud_cost_allocation_run_views.xml",
    ],
}

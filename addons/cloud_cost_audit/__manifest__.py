{
    "name": "Cloud Cost Audit",
    "summary": "Audit trail of cloud cost allocation: sealed runs with a verifiable content hash, trace from a "
    "journal item to the bill rows, auditor pack (XLSX workbook and PDF summary)",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost_allocation", "cloud_cost_posting"],
    "post_init_hook": "post_init_hook",
    "external_dependencies": {"python": ["xlsxwriter", "pyarrow"]},
    "data": [
        "report/cloud_cost_run_summary_report.xml",
        "views/cloud_cost_allocation_run_views.xml",
        "views/cloud_cost_line_views.xml",
        "views/cloud_cost_allocation_line_views.xml",
    ],
}

{
    "name": "Cloud Cost Audit of Summed Imports",
    "summary": "The auditor's trace, auditor pack and trace command list the bill rows each summed cost line "
    "stands for, found again in the checksummed bill file, with their exact sum",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["cloud_cost_athena", "cloud_cost_audit"],
    "data": [
        "views/cloud_cost_line_views.xml",
    ],
}

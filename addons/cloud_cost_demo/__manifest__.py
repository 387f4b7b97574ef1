{
    "name": "Cloud Cost Demo",
    "summary": "A realistic demo estate: a shared Odoo platform for three business units and a regulated "
    "tenant, two months of FOCUS bills, mapping rules, budgets, a step-down policy, a posted and a computed run",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": [
        "cloud_cost",
        "cloud_cost_report",
        "cloud_cost_allocation",
        "cloud_cost_posting",
        "cloud_cost_kubernetes",
        "cloud_cost_ledger",
    ],
    "data": [],
    "assets": {
        "web.assets_tests": [
            "cloud_cost_demo/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/cloud_cost_demo_rules.xml",
        "demo/cloud_cost_demo_bills.xml",
        "demo/cloud_cost_demo_allocation.xml",
        "demo/cloud_cost_demo_close.xml",
    ],
}

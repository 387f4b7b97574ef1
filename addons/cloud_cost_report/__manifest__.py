{
    "name": "Cloud Cost Reports",
    "summary": "Monthly cost trends, budget vs actual with a month-end forecast, anomaly alerts, "
    "non-production sprawl and untagged spend",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost"],
    "external_dependencies": {"python": ["pandas", "numpy"]},
    "data": [
        "security/ir.model.access.csv",
        "security/cloud_cost_report_rules.xml",
        "data/cloud_cost_report_cron.xml",
        "views/account_analytic_account_views.xml",
        "views/cloud_cost_report_monthly_views.xml",
        "views/cloud_cost_budget_views.xml",
        "views/cloud_cost_anomaly_views.xml",
        "views/cloud_cost_month_overview_views.xml",
        "views/cloud_cost_report_menus.xml",
    ],
}

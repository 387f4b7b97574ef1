{
    "name": "Cloud Cost Chargeback Posting",
    "summary": "Post approved allocation runs as chargeback journal entries with analytic distribution, "
    "intercompany, segregation of duties and reversal",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost_allocation", "cloud_cost_report", "account"],
    "data": [
        "security/ir.model.access.csv",
        "security/cloud_cost_posting_rules.xml",
        "views/cloud_cost_allocation_policy_views.xml",
        "views/cloud_cost_pool_views.xml",
        "views/cloud_cost_allocation_line_views.xml",
        "views/cloud_cost_allocation_run_views.xml",
        "views/res_company_views.xml",
        "views/account_analytic_account_views.xml",
        "views/account_move_line_views.xml",
        "views/cloud_cost_month_overview_views.xml",
    ],
}

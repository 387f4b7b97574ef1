{
    "name": "Cloud Cost Allocation",
    "summary": "Month-end allocation runs: cost pools split over business units by keys, "
    "service tiers, step-down and reciprocal cascades, exact to the cent, with showback",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost"],
    "external_dependencies": {"python": ["pandas", "numpy"]},
    "data": [
        "security/ir.model.access.csv",
        "security/cloud_cost_allocation_rules.xml",
        "data/cloud_cost_allocation_cron.xml",
        "wizards/cloud_cost_allocation_test_run_views.xml",
        "views/cloud_cost_allocation_policy_views.xml",
        "views/cloud_cost_allocation_run_views.xml",
        "views/cloud_cost_allocation_line_views.xml",
        "views/cloud_cost_master_data_views.xml",
        "views/cloud_cost_allocation_menus.xml",
    ],
}

{
    "name": "Cloud Cost Kubernetes Usage",
    "summary": "Cluster usage from OpenCost / Kubecost as allocation drivers: CPU, memory, storage, GPU, "
    "network per namespace or label, idle apart; drivers from Odoo data and entered values",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost", "account"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/ir.model.access.csv",
        "security/cloud_cost_kubernetes_rules.xml",
        "wizards/cloud_cost_usage_import_wizard_views.xml",
        "views/cloud_cost_usage_source_views.xml",
        "views/cloud_cost_usage_views.xml",
        "views/cloud_cost_driver_views.xml",
        "wizards/cloud_cost_driver_import_wizard_views.xml",
        "wizards/cloud_cost_driver_compute_wizard_views.xml",
        "views/cloud_cost_kubernetes_menus.xml",
    ],
    "demo": [
        "demo/cloud_cost_kubernetes_demo.xml",
    ],
}

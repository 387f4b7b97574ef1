{
    "name": "Cloud Cost Azure Blob Storage Exports",
    "summary": "Scheduled imports of Azure Cost Management exports from a storage account: complete runs only, "
    "read by their manifests, restated months superseding the earlier batch; summed by DuckDB where "
    "the blobs lie",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost", "cloud_cost_athena"],
    "external_dependencies": {"python": ["azure-storage-blob", "azure-identity", "duckdb", "duckdb-extension-azure"]},
    "data": [
        "views/cloud_cost_source_views.xml",
    ],
}

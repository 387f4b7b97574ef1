import hashlib
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from odoo.tests import TransactionCase

from .server_options import server_options


class ImportCase(TransactionCase):
    """A company in EUR with a folder source; helpers to write bills and read results exactly.

    The folders of the tests lie below ``import_root``, the server's only import directory while they run.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Currency = cls.env["res.currency"].with_context(active_test=False)
        cls.eur = Currency.search([("name", "=", "EUR")])
        cls.usd = Currency.search([("name", "=", "USD")])
        (cls.eur | cls.usd).active = True
        cls.import_root = Path(tempfile.mkdtemp(prefix="cloud-cost-root-"))
        cls.addClassCleanup(shutil.rmtree, cls.import_root, ignore_errors=True)
        cls.startClassPatcher(server_options(cloud_cost_import_roots=str(cls.import_root)))
        cls.company = cls.env["res.company"].create({"name": "Bills Co", "currency_id": cls.eur.id})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.source = cls.env["cloud.cost.source"].create(
            {"name": "AWS FOCUS", "company_id": cls.company.id, "source_type": "file", "bill_format": "focus"}
        )

    def setUp(self):
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix="cloud-cost-bills-", dir=self.import_root))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.source.location = str(self.folder)

    def write(self, name, data):  # pylint: disable=method-required-super
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def upload(self, name, data, env=None):
        """A file uploaded into the upload wizard's form, as the web client uploads it."""
        return (env or self.env)["ir.attachment"].create(
            {"name": name, "raw": data, "res_model": "cloud.cost.import.wizard", "res_id": 0}
        )

    def remove(self, name):
        (self.folder / name).unlink()

    def sql(self, query, *params):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        return self.env.cr.fetchall()

    def line_count(self, batch=None):
        if batch is None:
            return self.sql("SELECT count(*) FROM cloud_cost_line WHERE company_id = %s", self.company.id)[0][0]
        return self.sql("SELECT count(*) FROM cloud_cost_line WHERE batch_id = %s", batch.id)[0][0]

    def totals(self, batch):
        """{(category, currency): (rows, billed, effective)} exactly as stored."""
        rows = self.sql(
            """SELECT charge_category, billing_currency, row_count, billed_cost::text, effective_cost::text
                 FROM cloud_cost_import_total WHERE batch_id = %s""",
            batch.id,
        )
        return {(c, cur): (n, Decimal(b), Decimal(e)) for c, cur, n, b, e in rows}

    @staticmethod
    def sha256(data):
        return hashlib.sha256(data).hexdigest()

    @staticmethod
    def sums(rows, column, **where):
        return sum((Decimal(r[column]) for r in rows if all(r[k] == v for k, v in where.items())), Decimal(0))

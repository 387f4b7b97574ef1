import datetime

from psycopg2.extras import Json

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import suite_env

from ..models import bulk_records
from .test_posting import PostingCase

# what two identical entries differ in, whichever way they are made
OWN_COLUMNS = {"id", "move_id", "create_date", "write_date", "move_name"}


@tagged("post_install", "-at_install")
class TestBulkItems(PostingCase):
    """Chargeback items made in bulk are the items Odoo's own ``create`` makes, column by column."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.env["account.account"].create(
            {
                "code": "186000",
                "name": "Chargeback receivable (reconcilable)",
                "account_type": "asset_current",
                "reconcile": True,
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.Run = suite_env(cls.env)["cloud.cost.allocation.run"].sudo()
        cls.Move = suite_env(cls.env)["account.move"].sudo().with_company(cls.company)

    def entry_vals(self, reversed_entry=None):
        run = self.Run

        def item(account, amount, **extra):
            return (
                0,
                0,
                {
                    **run._precomputed_item_vals(amount, self.company.currency_id),
                    "name": f"item {account.code} {amount}",
                    "account_id": account.id,
                    "cloud_cost_allocation_line_ids": [(6, 0, [])],
                    **extra,
                },
            )

        vals = {
            "move_type": "entry",
            "company_id": self.company.id,
            "journal_id": self.accounts["journal"].id,
            "date": "2026-10-31",
            "ref": "bulk items",
            "line_ids": [
                item(
                    self.accounts["chargeback"],
                    123.45,
                    analytic_distribution={str(self.retail.id): 100},
                    cloud_cost_receiver_id=self.retail.id,
                    cloud_cost_side="receiver",
                    cloud_cost_environment="prod",
                ),
                item(self.receivable, 0.55, cloud_cost_side="receiver"),
                item(self.accounts["clearing"], -100.0, cloud_cost_side="sender"),
                item(self.platform_clearing, -24.0, cloud_cost_side="sender"),
            ],
        }
        if reversed_entry:
            vals.update(reversed_entry_id=reversed_entry.id, is_storno=True)
        return vals

    def rows(self, moves):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT l.* FROM account_move_line l WHERE l.move_id = ANY(%s) ORDER BY l.move_id, l.id", [moves.ids]
        )
        names = [column.name for column in self.env.cr.description]
        return [
            {name: value for name, value in zip(names, row, strict=True) if name not in OWN_COLUMNS}
            for row in self.env.cr.fetchall()
        ]

    def analytic_rows(self, moves):
        self.env.cr.execute(
            """SELECT a.amount, a.account_id, a.general_account_id, a.company_id, a.date, a.name
                 FROM account_analytic_line a JOIN account_move_line l ON l.id = a.move_line_id
                WHERE l.move_id = ANY(%s) ORDER BY l.move_id, l.id, a.id""",
            [moves.ids],
        )
        return self.env.cr.fetchall()

    def both_ways(self, vals):
        """The entry made by Odoo's ``create`` and the same entry with its items made in bulk."""
        by_orm = self.Move.create([self.strip_links(vals)])
        by_bulk = self.Run._create_entries(self.Move, [self.strip_links(vals)])
        return by_orm, by_bulk

    @staticmethod
    def strip_links(vals):
        return {
            **vals,
            "line_ids": [
                (0, 0, {k: v for k, v in command[2].items() if k != "cloud_cost_allocation_line_ids"})
                for command in vals["line_ids"]
            ],
        }

    def test_items_made_in_bulk_equal_odoos_own_column_by_column_as_drafts_and_once_posted(self):
        by_orm, by_bulk = self.both_ways(self.entry_vals())
        self.assertEqual(len(self.rows(by_bulk)), 4)
        self.assertEqual(self.rows(by_bulk), self.rows(by_orm))
        (by_orm | by_bulk).with_context(validate_analytic=True).action_post()
        self.assertEqual(self.rows(by_bulk), self.rows(by_orm))
        self.assertTrue(self.analytic_rows(by_bulk))
        self.assertEqual(self.analytic_rows(by_bulk), self.analytic_rows(by_orm))
        self.assertEqual(
            (by_bulk.amount_total, by_bulk.state, by_bulk.payment_state),
            (by_orm.amount_total, by_orm.state, by_orm.payment_state),
        )
        receivable = by_bulk.line_ids.filtered(lambda line: line.account_id == self.receivable)
        self.assertEqual((receivable.amount_residual, receivable.reconciled), (0.55, False))

    def test_storno_reversal_items_made_in_bulk_equal_odoos_own(self):
        self.company.account_storno = True
        original = self.Move.create([self.strip_links(self.entry_vals())])
        original.action_post()
        by_orm, by_bulk = self.both_ways(self.entry_vals(reversed_entry=original))
        self.assertTrue(by_bulk.is_storno)
        self.assertEqual(self.rows(by_bulk), self.rows(by_orm))

    def test_items_with_a_tax_or_a_price_are_left_to_odoos_create(self):
        Item = self.env["account.move.line"]
        plain = self.entry_vals()["line_ids"][0][2]
        self.assertTrue(Item._cloud_cost_bulk_applies([plain]))
        tax = self.env["account.tax"].search([], limit=1) or self.env["account.tax"].new({"name": "any"})
        self.assertFalse(Item._cloud_cost_bulk_applies([plain, {**plain, "tax_ids": [(6, 0, tax.ids)]}]))
        self.assertFalse(Item._cloud_cost_bulk_applies([{**plain, "price_unit": 5.0}]))
        self.assertFalse(Item._cloud_cost_bulk_applies([{**plain, "display_type": "line_note"}]))

    def test_an_invoice_is_made_by_odoos_create(self):
        vals = {**self.entry_vals(), "move_type": "in_invoice", "partner_id": self.env.user.partner_id.id}
        self.assertFalse(self.Run._entries_in_bulk([vals]))

    def test_another_modules_override_of_item_creation_leaves_items_to_odoos_create(self):
        Item = self.env["account.move.line"]
        plain = self.entry_vals()["line_ids"][0][2]

        def create(self, vals_list):  # another addon's override: its presence is what counts
            raise AssertionError("not called")

        override = type(
            "OtherAddonItem",
            (),
            {"create": create, "__module__": "odoo.addons.other_addon.models.account_move_line"},
        )
        overridden = type("OverriddenItem", (override, type(Item)), {"_register": False})
        self.assertTrue(Item._cloud_cost_bulk_applies([plain]))
        self.assertFalse(overridden(Item.env, (), ())._cloud_cost_bulk_applies([plain]))

    def test_items_made_in_bulk_hold_in_cache_what_is_stored(self):
        by_bulk = self.Run._create_entries(self.Move, [self.strip_links(self.entry_vals())] * 2)
        items = by_bulk.line_ids.sorted("id")
        self.assertEqual(len(items), 8)
        names = [name for name, field in items._fields.items() if field.store and name not in OWN_COLUMNS]
        cached = [{name: item[name] for name in names} for item in items]
        self.env.flush_all()
        self.env.invalidate_all()
        stored = [{name: item[name] for name in names} for item in items.browse(items.ids)]
        self.assertEqual(cached, stored)
        self.assertEqual(by_bulk[0].line_ids.mapped("balance"), [123.45, 0.55, -100.0, -24.0])
        self.assertEqual(items.mapped("move_id"), by_bulk)

    def test_an_item_on_another_companys_account_is_refused_in_bulk(self):
        elsewhere = self.make_accounts(self.other_company)["chargeback"]
        self.assert_second_entry_refused_in_bulk(elsewhere, "Incompatible companies")

    def assert_second_entry_refused_in_bulk(self, account, message):
        """Two entries made in bulk, the second with its second item on ``account``: refused with ``message``,
        and no item made. The refused item is neither the first item nor in the first entry."""
        vals = self.entry_vals()
        vals["line_ids"][1][2]["account_id"] = account.id
        before = self.env["account.move.line"].search_count([])
        with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
            self.Run._create_entries(self.Move, [self.strip_links(self.entry_vals()), self.strip_links(vals)])
        self.assertEqual(self.env["account.move.line"].search_count([]), before)

    def test_an_item_on_an_account_closed_to_the_journal_is_refused_in_bulk(self):
        other_journal = self.env["account.journal"].create(
            {"name": "Elsewhere", "code": "ELSW", "type": "general", "company_id": self.company.id}
        )
        closed = self.env["account.account"].create(
            {
                "code": "628950",
                "name": "Chargeback, other journal only",
                "account_type": "expense",
                "company_ids": [(6, 0, self.company.ids)],
                "allowed_journal_ids": [(6, 0, other_journal.ids)],
            }
        )
        self.assert_second_entry_refused_in_bulk(closed, "Allowed Journals")

    def test_one_item_per_distinct_combination_of_values(self):
        by_bulk = self.Run._create_entries(self.Move, [self.strip_links(self.entry_vals())] * 3)
        items = by_bulk.line_ids.sorted("id")
        distinct = bulk_records.distinct_records(items, ("account_id", "journal_id", "display_type"))
        self.assertEqual(distinct, items[:4])  # the first entry's four accounts, in order
        self.assertEqual(bulk_records.distinct_records(items, ("move_id",)), items[0] | items[4] | items[8])

    def test_an_array_sent_as_text_is_read_as_the_same_array_psycopg2_sends(self):
        awkward = ['a "quoted", {braced} value', "back\\slash\\", "NULL", "", "  spaced  ", "é ü 中", "line\nbreak"]
        columns = {
            "int4": [1, -2, 2_000_000_000, None],
            "numeric": [0.1, -0.0, 1e-05, 123456789.125, 3, None],
            "float8": [0.1, 1e300, -2.5e-300],
            "varchar": [*awkward, None],
            "text": awkward,
            "bool": [True, False, None],
            "date": [datetime.date(2026, 2, 28), None],
            "timestamp": [datetime.datetime(2026, 12, 31, 23, 59, 59, 123456), datetime.datetime(2026, 1, 1)],
            "jsonb": [Json({"1": 50.0, "2,3": 50.0}), Json({"quote": '"\\', "list": [1, None]}), None],
        }
        for kind, values in columns.items():
            parameter = bulk_records.array_parameter(values)
            self.assertIsInstance(parameter, str, kind)  # sent as text, not as a list
            self.env.cr.execute(f"SELECT %s::{kind}[]::text, %s::{kind}[]::text", [parameter, values])
            as_text, as_list = self.env.cr.fetchone()
            self.assertEqual(as_text, as_list, kind)
        for unusual in ([float("inf")], [datetime.time(12, 0)], [b"bytes"]):
            self.assertEqual(bulk_records.array_parameter(unusual), unusual)  # left to psycopg2

    def test_each_narrowed_inverse_runs_on_every_item_it_could_change(self):
        foreign = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("id", "!=", self.company.currency_id.id)], limit=1)
        )
        foreign.active = True
        taxed = self.env["account.account"].create(
            {
                "code": "628950",
                "name": "Chargeback with a default tax",
                "account_type": "expense",
                "company_ids": [(6, 0, self.company.ids)],
                "tax_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Cloud tax",
                            "amount": 10.0,
                            "company_id": self.company.id,
                            "country_id": self.env.ref("base.us").id,
                            "tax_group_id": self.env["account.tax.group"]
                            .create({"name": "Cloud taxes", "company_id": self.company.id})
                            .id,
                        },
                    ),
                ],
            }
        )
        in_company, abroad = self.entry_vals(), self.entry_vals()
        abroad["line_ids"][0][2]["account_id"] = taxed.id
        for command in abroad["line_ids"]:
            command[2].update(currency_id=foreign.id, amount_currency=command[2]["balance"] * 2)
        abroad["line_ids"][3][2]["amount_currency"] = abroad["line_ids"][3][2]["balance"]  # foreign, at par
        posted, draft = self.Run._create_entries(self.Move, [self.strip_links(in_company), self.strip_links(abroad)])
        posted.action_post()
        items = (posted | draft).line_ids.sorted("id")
        Item = self.env["account.move.line"]
        expected = {
            "_inverse_amount_currency": items.filtered(
                lambda item: item.currency_id != item.company_id.currency_id or item.balance != item.amount_currency
            ),
            "_inverse_account_id": items.filtered(
                lambda item: item.parent_state == "posted" or item.account_id.tax_ids
            ),
            "_inverse_partner_id": items.filtered(lambda item: item.display_type == "payment_term"),
        }
        self.assertEqual(len(expected["_inverse_amount_currency"]), 4)  # the foreign entry's
        self.assertEqual(len(expected["_inverse_account_id"]), 5)  # the posted entry's, and the taxed draft item
        for inverse, changed in expected.items():
            self.assertEqual(Item._cloud_cost_narrowed_to_inverse(inverse, items), changed, inverse)
        self.assertEqual(Item._cloud_cost_narrowed_to_inverse("_inverse_debit", items), items)  # not narrowed

        def _conditional_add_to_compute(self, fname, condition):  # another addon's override
            raise AssertionError("not called")

        override = type(
            "OtherAddonItem",
            (),
            {
                "_conditional_add_to_compute": _conditional_add_to_compute,
                "__module__": "odoo.addons.other_addon.models.account_move_line",
            },
        )
        overridden = type("OverriddenItem", (override, type(Item)), {"_register": False})(Item.env, (), ())
        self.assertEqual(overridden._cloud_cost_narrowed_to_inverse("_inverse_account_id", items), items)
        self.assertEqual(
            overridden._cloud_cost_narrowed_to_inverse("_inverse_amount_currency", items),
            expected["_inverse_amount_currency"],
        )

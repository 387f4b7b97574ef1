import pandas as pd

from odoo.tests import TransactionCase, tagged

from ..core.bulk_copy import BulkCopyError, copy_frame


@tagged("post_install", "-at_install")
class TestBulkCopy(TransactionCase):
    def setUp(self):
        super().setUp()
        self.env.cr.execute(
            "CREATE TEMP TABLE bulk_copy_probe (name text, amount numeric, at timestamp, tags jsonb, n integer,"
            " flag boolean) ON COMMIT DROP"
        )

    def _rows(self):
        self.env.cr.execute("SELECT name, amount::text, at::text, tags::text, n, flag FROM bulk_copy_probe ORDER BY n")
        return self.env.cr.fetchall()

    def test_values_arrive_exactly_with_nulls_and_empty_text_apart(self):
        frame = pd.DataFrame(
            {
                "name": ['quote " and, comma', "", None, "line\nbreak"],
                "amount": ["0.000000123456789012345", "-12345678901234567890.5", None, "1E-3"],
                "at": ["2026-10-01 00:00:00", None, "2026-10-31 23:59:59", "2026-10-15 12:00:00"],
                "tags": ['{"team": "a \\"b\\""}', "{}", None, '{"k": "v"}'],
                "n": [1, 2, 3, 4],
                "flag": [True, False, True, False],
            }
        )
        self.assertEqual(copy_frame(self.env.cr, "bulk_copy_probe", frame), 4)
        self.assertEqual(
            self._rows(),
            [
                (
                    'quote " and, comma',
                    "0.000000123456789012345",
                    "2026-10-01 00:00:00",
                    '{"team": "a \\"b\\""}',
                    1,
                    True,
                ),
                ("", "-12345678901234567890.5", None, "{}", 2, False),
                (None, None, "2026-10-31 23:59:59", None, 3, True),
                ("line\nbreak", "0.001", "2026-10-15 12:00:00", '{"k": "v"}', 4, False),
            ],
        )

    def test_a_subset_of_columns_and_an_empty_frame(self):
        frame = pd.DataFrame({"n": [7], "name": ["only"], "ignored": ["x"]})
        copy_frame(self.env.cr, "bulk_copy_probe", frame, columns=["n", "name"])
        self.assertEqual(self._rows(), [("only", None, None, None, 7, None)])
        self.assertEqual(copy_frame(self.env.cr, "bulk_copy_probe", frame.iloc[:0]), 0)

    def test_float_money_is_refused(self):
        with self.assertRaisesRegex(BulkCopyError, "amount.*floats"):
            copy_frame(self.env.cr, "bulk_copy_probe", pd.DataFrame({"amount": [0.1, 0.2]}))
        with self.assertRaisesRegex(BulkCopyError, "amount.*floats"):
            copy_frame(self.env.cr, "bulk_copy_probe", pd.DataFrame({"amount": pd.Series([0.1, None], dtype=object)}))
        self.assertEqual(self._rows(), [])

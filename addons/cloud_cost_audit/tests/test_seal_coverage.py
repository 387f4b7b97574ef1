import gzip
import hashlib
import json
from pathlib import Path

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import suite_env

from ..core.run_hash import ALGORITHM, content_hash, seal_hash
from .common import BILL_NAME, AuditCase

# what only the suite writes is refused by the guard before the seal is asked
GUARDED = "by the suite's own actions only|never edited"
SEALED_OR_GUARDED = f"sealed by its content hash|{GUARDED}"

AMOUNTS = "amounts and currencies of the cost lines taken"
CLASSIFICATION = "classification of the cost lines taken (business unit, pool, environment, tenant, tier)"
PROVENANCE = "provenance of the cost lines taken (batch, file, row, period, provider, service)"
BATCHES = "import batches taken (count, exact sum and hash of the cost lines taken of each)"
FIGURES = "run figures (totals, KPIs, 100 % check, cost line, user and transaction counts)"
IDENTITY = "run identity (name, policy, period, company, state, who computed, approved and posted)"
BYTES = f"bill file bytes of {BILL_NAME}"


@tagged("post_install", "-at_install")
class TestSealCoverage(AuditCase):
    """What the seal covers: a change made behind the ORM is found and named by verification."""

    def setUp(self):
        super().setUp()
        self.run = self.november_run(post=True)
        self.bill_file = self.env["cloud.cost.import.file"].search(
            [("name", "=", BILL_NAME), ("company_id", "=", self.company.id)]
        )
        self.attachment = self.bill_file.attachment_id
        self.taken = self.env["cloud.cost.allocation.run.cost"].search([("run_id", "=", self.run.id)]).cost_line_id
        self.line = self.taken.filtered(lambda line: line.source_row == 3)

    def changed(self):
        self.env.invalidate_all()
        result = self.run._verify_seal()
        self.assertFalse(result["match"])
        return result["changed"]

    def assert_verifies(self):
        self.env.invalidate_all()
        result = self.run._verify_seal()
        self.assertTrue(result["match"], result)
        return result

    def test_a_sealed_run_verifies_part_by_part(self):
        result = self.assert_verifies()
        self.assertEqual(self.run.hash_algorithm, ALGORITHM)
        self.assertEqual(self.run.content_hash, seal_hash(self.run.seal_digests))
        labels = [label for label, matches in result["sections"] if matches]
        self.assertEqual(len(labels), len(result["sections"]))
        for label in (
            IDENTITY,
            FIGURES,
            AMOUNTS,
            CLASSIFICATION,
            PROVENANCE,
            BATCHES,
            BYTES,
            "journal items",
            "allocation lines",
            "sender pool checks",
            "driver values of the run's keys and period",
            "frozen rules and driver values (snapshot)",
        ):
            self.assertIn(label, labels)

    def test_sql_changes_to_what_the_run_took_and_holds_are_each_named(self):
        taken = self.run.taken_batch_ids.filtered(lambda taken: taken.batch_id == self.line.batch_id)
        cpu_value = self.env["cloud.cost.driver.value"].search(
            [
                ("key_id", "=", self.cpu.id),
                ("date_from", "=", "2026-11-01"),
                ("analytic_account_id", "=", self.retail.id),
            ]
        )
        item = self.run.move_ids.line_ids.filtered(lambda item: item.debit > 0)[0]
        cases = [
            (
                "UPDATE cloud_cost_line SET effective_cost_company = effective_cost_company + 0.01 WHERE id = %s",
                self.line.id,
                [AMOUNTS],
            ),
            ("UPDATE cloud_cost_line SET billed_cost = billed_cost * 2 WHERE id = %s", self.line.id, [AMOUNTS]),
            ("UPDATE cloud_cost_line SET billing_currency = 'XXX' WHERE id = %s", self.line.id, [AMOUNTS]),
            (
                "UPDATE cloud_cost_line SET analytic_account_id = NULL WHERE id = %s",
                self.taken.filtered(lambda line: line.source_row == 1).id,
                [CLASSIFICATION],
            ),
            ("UPDATE cloud_cost_line SET cost_pool_id = NULL WHERE id = %s", self.line.id, [CLASSIFICATION]),
            (
                "UPDATE cloud_cost_line SET environment = 'prod', tenant = 'acme' WHERE id = %s",
                self.line.id,
                [CLASSIFICATION],
            ),
            ("UPDATE cloud_cost_line SET source_row = 9 WHERE id = %s", self.line.id, [PROVENANCE]),
            ("UPDATE cloud_cost_allocation_run_batch SET amount = amount + 1 WHERE id = %s", taken.id, [BATCHES]),
            (
                "UPDATE cloud_cost_allocation_run_batch SET line_count = line_count - 1 WHERE id = %s",
                taken.id,
                [BATCHES],
            ),
            (
                "UPDATE cloud_cost_allocation_run SET total_cost = total_cost + 100, allocated_amount = "
                "allocated_amount + 100 WHERE id = %s",
                self.run.id,
                [FIGURES],
            ),
            ("UPDATE cloud_cost_allocation_run SET cost_line_count = 4 WHERE id = %s", self.run.id, [FIGURES]),
            (
                "UPDATE cloud_cost_allocation_run SET name = 'MONTH 2026-12', approved_by_id = computed_by_id "
                "WHERE id = %s",
                self.run.id,
                [IDENTITY],
            ),
            (
                "UPDATE cloud_cost_driver_value SET value = 30 WHERE id = %s",
                cpu_value.id,
                ["driver values of the run's keys and period"],
            ),
            (
                "UPDATE cloud_cost_allocation_line SET amount = amount + 1 WHERE id = %s",
                self.run.line_ids[0].id,
                ["allocation lines"],
            ),
            ("UPDATE account_move_line SET debit = debit + 1 WHERE id = %s", item.id, ["journal items"]),
            (
                "UPDATE cloud_cost_import_file SET size = size + 1 WHERE id = %s",
                self.bill_file.id,
                [f"bill file record of {BILL_NAME} (name, checksum, size, rows or attachment)"],
            ),
        ]
        for statement, ident, expected in cases:
            with self.subTest(statement=statement), self.env.cr.savepoint() as savepoint:
                self.env.cr.execute(statement, [ident])
                self.assertEqual(self.env.cr.rowcount, 1)
                self.assertEqual(self.changed(), expected)
                savepoint.rollback()
            self.assert_verifies()

    def test_a_taken_cost_line_amount_changed_in_sql_is_reported_in_the_chatter_the_notification_and_the_run(self):
        self.env.cr.execute(
            "UPDATE cloud_cost_line SET effective_cost_company = 95.00, effective_cost = 95.00 " "WHERE id = %s",
            [self.line.id],
        )
        self.env.cr.execute("UPDATE cloud_cost_allocation_run SET total_cost = 160.76 WHERE id = %s", [self.run.id])
        self.env.invalidate_all()
        action = self.run.with_user(self.auditor).action_verify_hash()
        self.assertEqual(self.run.hash_check, "mismatch")
        self.assertEqual(self.run.hash_check_changes.splitlines(), [FIGURES, AMOUNTS])
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(f"Changed: {FIGURES}; {AMOUNTS}.", action["params"]["message"])
        note = self.run.message_ids[0]
        self.assertIn("does NOT match", note.body)
        self.assertIn(AMOUNTS, note.body)
        self.assertIn("run figures", note.body)
        self.assertEqual((note.message_type, note.author_id), ("notification", self.auditor.partner_id))

    def test_bill_file_bytes_changed_in_the_filestore_are_named(self):
        self.assertTrue(self.attachment.store_fname, "the bill is kept in the filestore")
        path = Path(self.attachment._full_path(self.attachment.store_fname))
        original = path.read_bytes()
        self.assertEqual(hashlib.sha256(original).hexdigest(), self.bill_file.sha256)
        self.addCleanup(path.write_bytes, original)
        # one cent more on row 3, recompressed: a well-formed bill that says something else
        path.write_bytes(gzip.compress(gzip.decompress(original).replace(b"99.99", b"99.98"), mtime=0))
        self.assertEqual(self.changed(), [BYTES])
        path.write_bytes(original)
        self.assert_verifies()
        path.unlink()
        self.assertEqual(self.changed(), [f"{BYTES} (the stored file is missing)"])

    def test_bill_file_bytes_changed_in_the_database_are_named(self):
        tampered = gzip.compress(gzip.decompress(self.attachment.raw).replace(b"30.01", b"3.01"), mtime=0)
        self.env.cr.execute(
            "UPDATE ir_attachment SET store_fname = NULL, db_datas = %s WHERE id = %s", [tampered, self.attachment.id]
        )
        self.env.invalidate_all()
        self.assertEqual(self.attachment.raw, tampered, "what Odoo now serves as the bill file")
        self.assertEqual(self.changed(), [BYTES])
        # the stored checksum rewritten to fit the new bytes: the file's record is named too
        self.env.cr.execute(
            "UPDATE cloud_cost_import_file SET sha256 = %s WHERE id = %s",
            [hashlib.sha256(tampered).hexdigest(), self.bill_file.id],
        )
        self.assertEqual(
            self.changed(), [f"bill file record of {BILL_NAME} (name, checksum, size, rows or attachment)", BYTES]
        )

    def test_several_changes_are_all_named_and_the_digests_kept_with_the_seal_cannot_be_rewritten_to_hide_them(self):
        self.env.cr.execute("UPDATE cloud_cost_line SET tenant = 'other' WHERE id = %s", [self.line.id])
        self.env.cr.execute("UPDATE cloud_cost_allocation_run SET idle_amount = 1 WHERE id = %s", [self.run.id])
        self.assertEqual(self.changed(), [FIGURES, CLASSIFICATION])
        # rewriting the kept digests to the new data does not make the seal match: they no longer give it
        digests, _files = self.run._seal_digests()
        self.env.cr.execute(
            "UPDATE cloud_cost_allocation_run SET seal_digests = %s::jsonb WHERE id = %s",
            [json.dumps(digests), self.run.id],
        )
        result = self.run._verify_seal()
        self.assertEqual((result["match"], result["named"], result["changed"]), (False, False, []))
        self.assertIn("digests kept with the seal were altered", self.run._verify_message(result))

    def test_a_run_sealed_with_the_single_hash_still_verifies_and_says_mismatch(self):
        legacy = content_hash(self.run._audit_sections_v1())
        self.env.cr.execute(
            "UPDATE cloud_cost_allocation_run SET content_hash = %s, hash_algorithm = 'sha256-v1', "
            "seal_digests = NULL WHERE id = %s",
            [legacy, self.run.id],
        )
        self.env.invalidate_all()
        self.assertTrue(self.run._verify_hash())
        self.env.cr.execute("UPDATE cloud_cost_allocation_run SET total_cost = 1 WHERE id = %s", [self.run.id])
        self.env.invalidate_all()
        result = self.run._verify_seal()
        self.assertEqual((result["match"], result["changed"]), (False, []))
        self.run.with_user(self.auditor).action_verify_hash()
        self.assertEqual(self.run.hash_check, "mismatch")
        self.assertIn("cannot be named", self.run.message_ids[0].body)


@tagged("post_install", "-at_install")
class TestSealedInputs(AuditCase):
    """Sealed inputs are refused through the ORM, to everyone; nothing changes."""

    def setUp(self):
        super().setUp()
        self.run = self.november_run()
        self.taken = self.env["cloud.cost.allocation.run.cost"].search([("run_id", "=", self.run.id)]).cost_line_id
        self.line = self.taken.filtered(lambda line: line.source_row == 1)
        self.bill_file = self.env["cloud.cost.import.file"].search(
            [("name", "=", BILL_NAME), ("company_id", "=", self.company.id)]
        )
        self.attachment = self.bill_file.attachment_id
        self.sealed = self.run.content_hash

    def assert_unchanged(self):
        self.env.invalidate_all()
        self.assertEqual(self.run.content_hash, self.sealed)
        self.assertTrue(self.run._verify_hash())

    def test_a_cost_line_a_sealed_run_took_is_neither_reclassified_nor_restated(self):
        tier = self.env["cloud.cost.service.tier"].create(
            {"name": "Gold", "code": "GOLD", "company_id": self.company.id}
        )
        before = self.line.read(["analytic_account_id", "effective_cost_company", "source_row", "tenant"])[0]
        changes = [
            {"analytic_account_id": self.payments.id},
            {"cost_pool_id": self.platform.id},
            {"environment": "dev"},
            {"tenant": "acme"},
            {"service_tier_id": tier.id},
            {"effective_cost_company": 1.0},
            {"billed_cost": 1.0},
            {"billing_currency": "XXX"},
            {"source_row": 7},
            {"source_file": "other.csv"},
        ]
        for user in (self.accountant, self.env.user):  # the superuser too
            for values in changes:
                with (
                    self.subTest(user=user.login, values=values),
                    self.assertRaisesRegex(UserError, f"taken by sealed allocation run MONTH 2026-11|{GUARDED}"),
                ):
                    self.line.with_user(user).write(values)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.line.unlink()
        self.assertEqual(self.line.read(list(before))[0], before)
        # written again as it is: no change, no refusal
        self.line.with_user(self.accountant).write(
            {"analytic_account_id": self.retail.id, "effective_cost_company": self.line.effective_cost_company}
        )
        self.assert_unchanged()
        # once the run is reset to draft, the accountant reclassifies it
        self.run.with_user(self.controller).action_reset_to_draft()
        self.line.with_user(self.accountant).write({"analytic_account_id": self.payments.id})
        self.assertEqual(self.line.analytic_account_id, self.payments)

    def test_applying_the_mapping_rules_again_keeps_what_a_sealed_run_took(self):
        rule = self.env["cloud.cost.mapping.rule"].search(
            [("name", "=", "Retail team"), ("company_id", "=", self.company.id)]
        )
        rule.analytic_account_id = self.payments
        self.line.batch_id.action_reapply_rules()
        self.assertEqual(self.line.analytic_account_id, self.retail)
        self.assert_unchanged()
        self.run.with_user(self.controller).action_reset_to_draft()
        self.line.batch_id.action_reapply_rules()
        self.assertEqual(self.line.analytic_account_id, self.payments)

    def test_the_driver_values_a_sealed_run_read_are_frozen(self):
        Value = self.env["cloud.cost.driver.value"]
        value = Value.search(
            [
                ("key_id", "=", self.cpu.id),
                ("date_from", "=", "2026-11-01"),
                ("analytic_account_id", "=", self.retail.id),
            ]
        )
        for action in (
            lambda: value.write({"value": 30}),
            lambda: value.write({"date_to": "2026-11-15"}),
            value.unlink,
            lambda: Value.create(
                {
                    "key_id": self.cpu.id,
                    "company_id": self.company.id,
                    "date_from": "2026-11-01",
                    "date_to": "2026-11-30",
                    "analytic_account_id": self.data.id,
                    "value": 5,
                }
            ),
        ):
            with self.subTest(action=action), self.assertRaisesRegex(UserError, "sealed allocation run MONTH 2026-11"):
                action()
        self.assertEqual(value.value, 3)
        self.assertEqual(Value.search_count([("key_id", "=", self.cpu.id), ("date_from", "=", "2026-11-01")]), 2)
        # a value moved into the sealed period is refused too; another month's stays free
        october = Value.search([("key_id", "=", self.cpu.id), ("date_from", "=", "2026-10-01")], limit=1)
        with self.assertRaisesRegex(UserError, "would fall within"):
            october.write({"date_from": "2026-11-01", "date_to": "2026-11-30"})
        october.write({"value": 99, "note": "restated"})
        value.write({"note": "checked"})  # a note is no input
        self.assert_unchanged()

    def test_the_bill_files_of_a_sealed_run_are_written_and_deleted_by_the_suite_only(self):
        raw = self.attachment.raw
        for user in (self.accountant, self.env.user):
            for action in (
                lambda a: a.write({"raw": b"forged"}),
                lambda a: a.write({"res_id": 0}),
                lambda a: a.unlink(),
            ):
                with self.subTest(user=user.login), self.assertRaisesRegex(AccessError, "bill file of allocation run"):
                    action(self.attachment.with_user(user))
        self.env.invalidate_all()
        self.assertEqual(self.attachment.raw, raw)
        # the same bytes stored again (moving the filestore into the database) are no change
        self.attachment.write({"raw": raw, "mimetype": self.attachment.mimetype})
        self.attachment.with_env(suite_env(self.env)).write({"description": BILL_NAME + " (kept)"})
        self.assert_unchanged()
        self.run.with_user(self.controller).action_reset_to_draft()
        self.attachment.write({"description": BILL_NAME})
        self.assertEqual(self.attachment.description, BILL_NAME)

    def test_a_sealed_runs_figures_name_and_seal_cannot_be_written_whatever_the_context(self):
        run = self.run.with_user(self.controller)
        for values in ({"user_count": 12}, {"transaction_count": 1}, {"summary": "x"}, {"checks_passed": False}):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, SEALED_OR_GUARDED):
                run.write(values)
        # the old plain key, the new key with what a JSON client can send: nothing opens the seal
        for context in (
            {"cloud_cost_audit_unseal": True},
            {"cloud_cost_audit_unsealing": [self.run.id]},
            {"cloud_cost_audit_unsealing": True},
        ):
            with self.subTest(context=context), self.assertRaisesRegex(UserError, SEALED_OR_GUARDED):
                self.run.with_context(**context).write({"total_cost": 1.0})
            with self.subTest(context=context), self.assertRaisesRegex(UserError, SEALED_OR_GUARDED):
                self.run.line_ids[0].with_context(**context).write({"amount": 1.0})
        for values in (
            {"content_hash": "0" * 64},
            {"seal_digests": {}},
            {"hash_check": "match"},
            {"sealed_on": False},
            {"hash_algorithm": "sha256-v1"},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                self.run.write(values)  # the superuser too: only the suite's own actions seal
        with self.assertRaisesRegex(UserError, "names sealed allocation run"):
            self.policy.with_user(self.controller).write({"code": "EOM"})
        self.assert_unchanged()

    def test_a_posted_runs_entries_keep_their_number_date_and_partner(self):
        self.run.with_user(self.controller).action_post()
        self.sealed = self.run.content_hash
        move = self.run.move_ids[0]
        item = move.line_ids[0]
        with self.assertRaisesRegex(UserError, SEALED_OR_GUARDED):
            item.write({"partner_id": self.env.user.partner_id.id})
        for values in ({"date": "2026-11-15"}, {"name": "CCB/FORGED"}):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, SEALED_OR_GUARDED):
                move.write(values)
        self.assert_unchanged()


@tagged("post_install", "-at_install")
class TestAuditTrail(AuditCase):
    """Seal, verification and tracking messages stay as logged; users' own comments stay theirs."""

    def test_seal_and_verification_messages_are_changed_by_an_administrator_only(self):
        run = self.november_run()
        run.with_user(self.auditor).action_verify_hash()
        seal = run.message_ids.filtered(lambda m: "Sealed as" in (m.body or ""))
        verification = run.message_ids.filtered(lambda m: "Content hash verified" in (m.body or ""))
        self.assertEqual((len(seal), len(verification)), (1, 1))
        self.assertEqual(verification.message_type, "notification", "a system note, not a comment")
        bodies = {message: message.body for message in seal | verification}
        for user, message in (
            (self.controller_2, seal),
            (self.controller, seal),
            (self.auditor, verification),
            (self.controller, verification),
        ):
            with self.subTest(user=user.login, message=message.body):
                with self.assertRaisesRegex(AccessError, "audit trail"):
                    message.with_user(user).write({"body": "<p>nothing to see</p>"})
                with self.assertRaisesRegex(AccessError, "audit trail"):
                    message.with_user(user).unlink()
        self.assertEqual({message: message.body for message in bodies}, bodies)
        # a controller's own comment stays theirs to edit and delete
        comment = run.with_user(self.controller).message_post(body="Checked with finance", message_type="comment")
        comment.with_user(self.controller).write({"body": "<p>Checked with finance (Nov)</p>"})
        comment.with_user(self.controller).unlink()
        self.assertFalse(comment.exists())
        # an administrator may
        admin = new_test_user(
            self.env,
            login="audit_admin",
            groups="base.group_user,base.group_system",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        seal.with_user(admin).write({"body": "<p>corrected</p>"})
        self.assertEqual(seal.body, "<p>corrected</p>")
        verification.with_user(admin).unlink()
        self.assertFalse(verification.exists())

    def test_tracking_messages_of_other_suite_documents_are_kept_too(self):
        self.platform.with_user(self.controller).write({"name": "Shared platform services"})
        self.env.flush_all()
        self.env.cr.precommit.run()
        message = self.platform.message_ids[0]
        self.assertTrue(message.tracking_value_ids)
        with self.assertRaisesRegex(AccessError, "audit trail"):
            message.with_user(self.controller).unlink()
        with self.assertRaisesRegex(AccessError, "audit trail"):
            message.with_user(self.controller).write({"tracking_value_ids": [(5, 0, 0)]})
        self.assertTrue(message.exists() and message.tracking_value_ids)

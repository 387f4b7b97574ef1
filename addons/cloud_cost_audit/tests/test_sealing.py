from odoo.exceptions import UserError
from odoo.tests import tagged

from ..hooks import post_init_hook
from .common import AuditCase

# refused by the seal, or before it by the guard of what only the suite writes
SEALED = "sealed by its content hash|never edited|never one by one|by the suite's own actions only"


@tagged("post_install", "-at_install")
class TestSealing(AuditCase):
    def test_an_approved_run_is_sealed_until_a_controller_resets_it_to_draft(self):
        run = self.november_run()
        sealed = run.content_hash
        line, sender, cost = (
            run.line_ids[0],
            run.sender_ids[0],
            self.env["cloud.cost.allocation.run.cost"].search([("run_id", "=", run.id)], limit=1),
        )
        refused = [
            lambda: line.write({"amount": line.amount + 1}),
            lambda: line.unlink(),
            lambda: line.copy(),
            lambda: sender.write({"kept_amount": 0}),
            lambda: sender.unlink(),
            lambda: cost.unlink(),
            lambda: run.write({"total_cost": 1.0}),
            lambda: run.write({"snapshot": {}}),
            lambda: run.with_user(self.controller).write({"approved_by_id": self.controller.id}),
        ]
        for change in refused:
            with self.subTest(change=change), self.assertRaisesRegex(UserError, SEALED):
                change()  # even as superuser: the database's administrator is refused too
        self.assertTrue(run._verify_hash())
        # the one way back: reset to draft, compute and approve again; the same content gives the same hash
        run.with_user(self.controller).action_reset_to_draft()
        self.assertEqual((run.state, run.content_hash, run.line_ids), ("draft", False, run.line_ids.browse()))
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller_2).action_approve()
        self.assertEqual(run.content_hash, sealed)

    def test_sql_changes_to_an_approved_run_its_snapshot_links_or_bill_references_fail_verification(self):
        run = self.november_run()
        link = self.env["cloud.cost.allocation.run.cost"].search([("run_id", "=", run.id)], limit=1)
        tampering = [
            (
                "UPDATE cloud_cost_allocation_run SET snapshot = jsonb_set(snapshot, '{cost_total}', '\"0\"') "
                "WHERE id = %s",
                run.id,
            ),
            ("UPDATE cloud_cost_allocation_run SET total_cost = total_cost - 1 WHERE id = %s", run.id),
            ("UPDATE cloud_cost_allocation_run_sender SET kept_amount = kept_amount + 1 WHERE run_id = %s", run.id),
            ("UPDATE cloud_cost_allocation_run_batch SET amount = amount * 2 WHERE run_id = %s", run.id),
            ("UPDATE cloud_cost_allocation_run_batch SET lines_digest = '0' WHERE run_id = %s", run.id),
            ("DELETE FROM cloud_cost_allocation_run_batch WHERE run_id = %s", run.id),
            # a line slipped into a batch the run took is one of the run's lines: the seal sees it
            (
                "INSERT INTO cloud_cost_line SELECT (jsonb_populate_record(NULL::cloud_cost_line, to_jsonb(l) || "
                "jsonb_build_object('id', nextval('cloud_cost_line_id_seq')))).* FROM cloud_cost_line l WHERE id = %s",
                link.cost_line_id.id,
            ),
            ("DELETE FROM cloud_cost_line WHERE id = %s", link.cost_line_id.id),
            ("UPDATE cloud_cost_line SET source_row = source_row + 1 WHERE id = %s", link.cost_line_id.id),
            (
                "UPDATE cloud_cost_import_file SET sha256 = md5(sha256) || md5(sha256) WHERE batch_id = %s",
                link.cost_line_id.batch_id.id,
            ),
            ("DELETE FROM cloud_cost_allocation_line WHERE id = %s", run.line_ids[-1].id),
        ]
        self.assertTrue(run._verify_hash())
        for statement, ident in tampering:
            with self.subTest(statement=statement), self.env.cr.savepoint() as savepoint:
                self.env.cr.execute(statement, [ident])
                self.assertFalse(run._verify_hash())
                savepoint.rollback()
            self.env.invalidate_all()
            self.assertTrue(run._verify_hash(), "rolled back, the content matches again")
        run.with_user(self.auditor).action_verify_hash()
        self.assertEqual(run.hash_check, "match")
        self.assertIn("it matches", run.message_ids[0].body)

    def test_a_reversal_is_sealed_too_and_the_posted_hash_stays_in_the_chatter(self):
        run = self.november_run(post=True)
        posted = run.content_hash
        run.with_user(self.controller).action_reverse()
        self.assertEqual(run.state, "reversed")
        self.assertNotEqual(run.content_hash, posted, "the reversal entries are part of the sealed content")
        self.assertTrue(run._verify_hash())
        sealings = [body for body in run.message_ids.mapped("body") if "Sealed as" in body]
        self.assertEqual(len(sealings), 3, "sealed when approved, posted and reversed")
        self.assertIn(posted, sealings[1])
        self.assertIn(run.content_hash, sealings[0])

    def test_chargeback_entries_of_a_posted_run_cannot_be_reset_or_redistributed(self):
        run = self.november_run(post=True)
        move = run.move_ids.with_env(self.env)
        with self.assertRaisesRegex(UserError, "reverse the run"):
            move.button_draft()
        item = move.line_ids.filtered(lambda line: line.cloud_cost_side == "receiver")[0]
        with self.assertRaisesRegex(UserError, SEALED):
            item.write({"analytic_distribution": {str(self.data.id): 100}})
        item.write({"analytic_distribution": dict(item.analytic_distribution), "name": "Chargeback, checked"})
        self.assertEqual(move.state, "posted")
        self.assertTrue(run._verify_hash(), "a label is not part of the sealed content")

    def test_a_step_removed_after_a_sealed_run_is_archived_and_the_run_still_verifies(self):
        run = self.november_run(post=True)
        used = self.policy.step_ids.filtered(lambda step: step.sender_pool_id == self.platform)
        unused = self.env["cloud.cost.allocation.step"].create(
            {
                "policy_id": self.policy.id,
                "sequence": 9,
                "name": "Never run",
                "sender_pool_id": self.runtime.id,
                "method": "even",
            }
        )
        self.policy.with_user(self.controller).write({"step_ids": [(2, used.id), (2, unused.id)]})
        self.assertFalse(unused.exists())
        self.assertTrue(used.exists())
        self.assertFalse(used.active)
        self.assertNotIn(used, self.policy.step_ids)
        self.assertEqual(run.line_ids.filtered(lambda line: line.sender_pool_id == self.platform).step_id, used)
        self.assertTrue(run._verify_hash())
        self.assertIn("archived", self.policy.message_ids[0].body + self.policy.message_ids[1].body)

    def test_pools_accounts_and_keys_of_a_sealed_run_cannot_be_deleted(self):
        self.november_run()
        for record in (self.platform, self.cpu, self.payments):
            with self.subTest(record=record.display_name), self.assertRaisesRegex(UserError, "part of sealed"):
                record.unlink()

    def test_installing_the_audit_seals_the_runs_already_approved_or_posted(self):
        approved, posted = self.november_run(), self.approved_run()
        posted.with_user(self.controller).action_post()
        runs = approved | posted
        # as they were before the audit was installed: never sealed
        runs.flush_recordset()
        self.env.cr.execute(
            "UPDATE cloud_cost_allocation_run SET content_hash = NULL, sealed_on = NULL " "WHERE id = ANY(%s)",
            [runs.ids],
        )
        runs.invalidate_recordset()
        post_init_hook(self.env)
        for run in runs:
            self.assertTrue(run.content_hash, run.display_name)
            self.assertTrue(run._verify_hash(), run.display_name)
        # sealed content: a posted run's lines are refused
        with self.assertRaisesRegex(UserError, SEALED):
            posted.line_ids[0].write({"amount": 1.0})
        # a change outside the sealed content (an allocation line's journal items are the posting's) is not
        self.assertTrue(posted.line_ids.move_line_ids)

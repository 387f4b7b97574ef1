from odoo import _, models
from odoo.exceptions import AccessError

SUITE_MODEL_PREFIX = "cloud.cost."
# what a message says, about what, by whom and when; marks such as stars and pins stay free
MESSAGE_CONTENT_FIELDS = frozenset(
    {
        "body",
        "subject",
        "author_id",
        "author_guest_id",
        "email_from",
        "date",
        "model",
        "res_id",
        "record_name",
        "message_type",
        "subtype_id",
        "is_internal",
        "tracking_value_ids",
        "attachment_ids",
        "parent_id",
        "partner_ids",
        "reply_to",
        "message_id",
    }
)


def _audit_trail(messages):
    """The messages of ``messages`` that belong to the audit trail of the suite's documents: the seal,
    verification and other notes the suite logs, and tracking. Users' own comments are not."""
    return messages.sudo().filtered(
        lambda message: (message.model or "").startswith(SUITE_MODEL_PREFIX)
        and (message.message_type != "comment" or message.tracking_value_ids)
    )


class MailMessage(models.Model):
    _inherit = "mail.message"

    def _check_audit_trail(self, action):
        if self.env.is_system():
            return
        trail = _audit_trail(self)
        if trail:
            raise AccessError(
                _(
                    "This message is part of the audit trail of %(document)s (seal, verification or tracking): only "
                    "an administrator can %(action)s it.",
                    document=trail[0].record_name or trail[0].model,
                    action=action,
                )
            )

    def write(self, vals):
        if MESSAGE_CONTENT_FIELDS & set(vals):
            self._check_audit_trail(_("change"))
        return super().write(vals)

    def unlink(self):
        self._check_audit_trail(_("delete"))
        return super().unlink()


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    def _check_audit_trail(self, action):
        if not self.env.is_system() and _audit_trail(self.sudo().mail_message_id):
            raise AccessError(
                _(
                    "Tracked changes of the suite's documents are part of their audit trail: only an "
                    "administrator can %s them.",
                    action,
                )
            )

    def write(self, vals):
        self._check_audit_trail(_("change"))
        return super().write(vals)

    def unlink(self):
        self._check_audit_trail(_("delete"))
        return super().unlink()

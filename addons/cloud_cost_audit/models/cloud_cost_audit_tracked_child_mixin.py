from collections import defaultdict

from odoo import _, api, models


class CloudCostAuditTrackedChildMixin(models.AbstractModel):
    """Lines of a tracked document (policy steps, rate cards): their changes go to the document's chatter.

    The tracking values name the line's own fields (old -> new), under a note naming the line.
    """

    _name = "cloud.cost.audit.tracked.child.mixin"
    _description = "Changes Logged in the Parent Document's Chatter"
    _audit_tracked_fields = ()

    def _audit_parent(self):
        """The mail.thread record whose chatter logs this line's changes."""
        raise NotImplementedError

    def _audit_label(self):
        return self.display_name

    def _audit_values(self, names):
        return {name: self[name] for name in names}

    def _audit_tracking_commands(self, before, after):
        info = self.fields_get(list(before), attributes=("string", "type", "selection", "currency_field"))
        Tracking = self.env["mail.tracking.value"]
        commands = []
        for name, _sequence in self._mail_track_order_fields(info):
            old, new = before[name], after[name]
            if old == new or (not old and not new):
                continue
            commands.append((0, 0, Tracking._create_tracking_values(old, new, name, info[name], self)))
        return commands

    def _audit_log_by_parent(self, message):
        """One note per parent naming the lines in ``self``: ``message`` % their labels."""
        labels = defaultdict(list)
        for record in self:
            parent = record._audit_parent()
            if parent:
                labels[parent].append(record._audit_label())
        for parent, names in labels.items():
            parent._message_log(body=message % ", ".join(names))

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._audit_log_by_parent(_("Added: %s"))
        return records

    def write(self, vals):
        names = [name for name in self._audit_tracked_fields if name in vals]
        before = {record.id: record._audit_values(names) for record in self} if names else {}
        result = super().write(vals)
        for record in self.filtered(lambda r: r.id in before):
            commands = record._audit_tracking_commands(before[record.id], record._audit_values(names))
            parent = record._audit_parent()
            if commands and parent:
                parent._message_log(body=_("Changed: %s", record._audit_label()), tracking_value_ids=commands)
        return result

    def unlink(self):
        self._audit_log_by_parent(_("Removed: %s"))
        return super().unlink()

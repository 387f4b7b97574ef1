"""A bill store whose reads are observed: the progress of a long import, and a place to stop it.

Wraps any store of ``cloud_cost.core.bill_stores`` (a folder, an S3 prefix, uploaded
files): listing and resolving pass through; each read calls ``on_read(key, size)``
once the object is read. The callback may raise to stop the import there.
"""


class ObservedStore:
    def __init__(self, store, on_read):
        self.store = store
        self.on_read = on_read

    def __str__(self):
        return str(self.store)

    def list(self):
        objects = self.store.list()
        for obj in objects:
            obj.store = self  # reads of the listed objects come back through here
        return objects

    def read(self, key):
        data = self.store.read(key)
        self.on_read(key, len(data))
        return data

    def resolve(self, reference, manifest_key):
        return self.store.resolve(reference, manifest_key)

    def __getattr__(self, name):
        # what else the store tells (given_files) or does (head: the first bytes, to tell a bill)
        if name == "store":
            raise AttributeError(name)
        return getattr(self.store, name)


def unit_key(unit):
    """What one import job stands for: the billing period of a manifest, else the file."""
    return unit.billing_period or unit.label

"""Where bill files live (a local folder, an S3 bucket) and which of them make one import.

A store lists objects and reads them. ``plan_imports`` turns a store's listing into
import units: the files of one complete export manifest (AWS CUR 2.0 / legacy CUR /
FOCUS exports), or, where a store holds no manifest, each bill file on its own.
Nothing here knows the ORM; manifests are read by the parser passed in.

A store opens a file as a binary stream that can seek, so that it is hashed, parsed and kept a piece at
a time, never held whole: a local file is opened where it lies, an S3 object is downloaded a piece at
a time into a temporary file (on disk past a few megabytes), an upload is opened from where the server
keeps it.

Which files are bills is told by their content, not their name: a file named like a bill
(``.csv``, ``.parquet``...) or given by name (a file path, an upload) is imported, and refused
if it is not one; any other file found in a folder or under a prefix (``export.log``,
``README.txt``) is imported when its first bytes are those of a bill, else left aside with a
note saying why.
"""

import hashlib
import io
import os
import posixpath
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .outbound import describe_boto_error, guard_boto_client
from .server_paths import MAX_FILES_OPTION, PathRefused, check_path, open_checked, walk_files

BILL_SUFFIXES = (".csv", ".csv.gz", ".gz", ".parquet", ".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")
SNIFF_BYTES = 256 << 10  # a file's first bytes that tell whether it is a bill (its header, decompressed)
PIECE_BYTES = 1 << 20  # read, hashed and copied at a time
SPOOL_MEMORY_BYTES = 8 << 20  # a downloaded object is kept in memory up to this size, then on disk


class StoreError(Exception):
    """A store cannot be read, or a manifest points at a file that is not there."""

    def __init__(self, message, file=None):
        super().__init__(message)
        self.file = file


def is_manifest(key):
    return posixpath.basename(key).lower().endswith("manifest.json")


def is_hidden(key):
    return posixpath.basename(key).startswith(".")


def is_bill_file(key):
    """Named like a bill file."""
    name = posixpath.basename(key).lower()
    if is_hidden(name) or is_manifest(name):
        return False
    return name.endswith(BILL_SUFFIXES)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hash_stream(stream, *, also=()):
    """(SHA-256 hex digest, size) of what is left to read of ``stream``, read a piece at a time; each
    ``also`` hash object (hashlib) is fed the same pieces."""
    digest, size = hashlib.sha256(), 0
    while piece := stream.read(PIECE_BYTES):
        digest.update(piece)
        for other in also:
            other.update(piece)
        size += len(piece)
    return digest.hexdigest(), size


@dataclass
class GivenFile:
    """A file given by the user that the server keeps (an upload): its size, and how to open it."""

    size: int
    opener: object  # () -> a binary stream that can seek

    def open(self):
        return self.opener()


@dataclass
class StoredObject:
    key: str
    size: int
    modified: datetime
    store: object = field(repr=False, compare=False, default=None)

    @property
    def name(self):
        """The file name shown to users and kept on every cost line: the key within the store."""
        return self.key

    def open(self):
        """The file as a binary stream that can seek; the caller closes it."""
        return self.store.open(self.key)

    def read(self):  # pylint: disable=method-required-super
        """The whole file (for small ones: a manifest)."""
        with self.open() as stream:
            return stream.read()

    def head(self, size=SNIFF_BYTES):
        """The first ``size`` bytes."""
        head = getattr(self.store, "head", None)
        if head:
            return head(self.key, size)
        with self.open() as stream:
            return stream.read(size)


@dataclass
class ImportUnit:
    """Files read together into one import; ``manifest`` when an export manifest lists them."""

    files: list
    manifest: StoredObject = None
    manifest_data: bytes = None
    billing_period: str = None  # 'YYYY-MM' from the manifest

    @property
    def label(self):
        if self.manifest is not None:
            return self.manifest.key
        return ", ".join(f.key for f in self.files)


class LocalStore:
    """A file, or every file below a folder, of the server: only below the import roots (core.server_paths).

    The folder and each file found in it are resolved (links, '..') and checked against ``roots``
    before anything is read; each file is checked again right before it is opened.
    """

    def __init__(self, path, roots=()):
        self.given = str(path)
        self.roots = tuple(roots)
        try:
            real = check_path(self.given, self.roots)
        except PathRefused as error:
            raise StoreError(str(error), file=self.given) from None
        self.path = Path(real)
        if not self.path.exists():
            raise StoreError(f"{self.given}: no such file or folder", file=self.given)
        self.root = self.path if self.path.is_dir() else self.path.parent
        self.given_files = not self.path.is_dir()  # one file, named by the user

    def __str__(self):
        return self.given

    def list(self):
        try:
            paths = walk_files(self.path, self.roots) if self.path.is_dir() else [(str(self.path), str(self.path))]
        except PathRefused as error:
            raise StoreError(str(error), file=error.file) from None
        objects = []
        for listed, real in paths:
            stat = os.stat(real)
            objects.append(
                StoredObject(
                    key=Path(listed).relative_to(self.root).as_posix(),
                    size=stat.st_size,
                    modified=datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc),
                    store=self,
                )
            )
        return objects

    def real_path(self, key):
        """The checked, resolved path of a file of the listing (for readers that open it themselves)."""
        try:
            return Path(check_path(str(self.root / key), self.roots))
        except PathRefused as error:
            raise StoreError(str(error), file=key) from None

    def open(self, key):
        try:
            return open_checked(str(self.root / key), self.roots)
        except PathRefused as error:
            raise StoreError(str(error), file=key) from None
        except OSError as error:
            raise StoreError(f"{key}: {error.strerror or error}", file=key) from error

    def read(self, key):  # pylint: disable=method-required-super
        with self.open(key) as stream:
            return stream.read()

    def head(self, key, size):
        try:
            with open(self.root / key, "rb") as stream:
                return stream.read(size)
        except OSError as error:
            raise StoreError(f"{key}: {error.strerror or error}", file=key) from error

    def resolve(self, reference, manifest_key):
        """The key of a file a manifest names (an s3:// URI, a bucket key or a relative path)."""
        path = reference.split("://", 1)[1].split("/", 1)[-1] if "://" in reference else reference
        parts = [p for p in path.split("/") if p]
        candidates = [posixpath.normpath(posixpath.join(posixpath.dirname(manifest_key), path))]
        # the folder mirrors some prefix of the bucket: drop leading parts until the file is found
        candidates += ["/".join(parts[i:]) for i in range(len(parts))]
        for candidate in candidates:
            if candidate and not candidate.startswith("..") and (self.root / candidate).is_file():
                return candidate
        return None


class MemoryStore:
    """Files given by the user (an upload): {name: bytes, or a GivenFile the server keeps}."""

    given_files = True  # each file chosen by the user

    def __init__(self, files, label="upload"):
        self.files = dict(files)
        self.label = label
        self.modified = datetime.now(tz=timezone.utc)

    def __str__(self):
        return self.label

    def list(self):
        return [
            StoredObject(key=k, size=v.size if isinstance(v, GivenFile) else len(v), modified=self.modified, store=self)
            for k, v in sorted(self.files.items())
        ]

    def open(self, key):
        if key not in self.files:
            raise StoreError(f"{key}: not among the files given", file=key)
        given = self.files[key]
        if isinstance(given, GivenFile):
            try:
                return given.open()
            except OSError as error:
                raise StoreError(f"{key}: {error.strerror or error}", file=key) from error
        return io.BytesIO(given)

    def read(self, key):  # pylint: disable=method-required-super
        with self.open(key) as stream:
            return stream.read()

    def resolve(self, reference, manifest_key):
        """Uploaded files are matched by name: the manifest's path is not theirs."""
        name = posixpath.basename(reference)
        return name if name in self.files else None


class S3Store:
    """Objects under s3://bucket/prefix, through a boto3 client."""

    def __init__(self, client, bucket, prefix=""):
        self.client = client
        self.bucket = bucket
        self.prefix = (prefix or "").lstrip("/")

    def __str__(self):
        return f"s3://{self.bucket}/{self.prefix}"

    def list(self):
        objects = []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    if item["Key"].endswith("/"):
                        continue
                    objects.append(
                        StoredObject(key=item["Key"], size=item["Size"], modified=item["LastModified"], store=self)
                    )
        except Exception as error:  # botocore ClientError, EndpointConnectionError, NoCredentialsError...
            # the reason is ours: an S3 error body is not repeated to users
            raise StoreError(f"{self}: cannot list objects: {describe_boto_error(error)}") from error
        return sorted(objects, key=lambda o: o.key)

    def open(self, key, byte_range=None):
        """The object downloaded a piece at a time into a temporary file (in memory while it is small)."""
        bucket, key = self._split(key)
        extra = {"Range": byte_range} if byte_range else {}
        spool = tempfile.SpooledTemporaryFile(SPOOL_MEMORY_BYTES)  # noqa: SIM115 (closed by the caller)
        try:
            body = self.client.get_object(Bucket=bucket, Key=key, **extra)["Body"]
            try:
                shutil.copyfileobj(body, spool, PIECE_BYTES)
            finally:
                body.close()
        except Exception as error:
            spool.close()
            raise StoreError(
                f"s3://{bucket}/{key}: cannot read: {describe_boto_error(error)}", file=f"s3://{bucket}/{key}"
            ) from error
        spool.seek(0)
        return spool

    def read(self, key, byte_range=None):  # pylint: disable=method-required-super
        with self.open(key, byte_range=byte_range) as stream:
            return stream.read()

    def head(self, key, size):
        return self.read(key, byte_range=f"bytes=0-{size - 1}")

    def _split(self, key):
        if key.startswith("s3://"):
            bucket, _sep, rest = key[5:].partition("/")
            return bucket, rest
        return self.bucket, key

    def resolve(self, reference, manifest_key):
        if reference.startswith("s3://"):
            bucket, key = self._split(reference)
            return key if bucket == self.bucket else reference
        if reference.startswith("/"):
            return reference.lstrip("/")
        return reference


def s3_client(*, region=None, endpoint_url=None, access_key=None, secret_key=None, session_token=None, policy=None):
    """A boto3 S3 client; without keys, the standard AWS credential chain applies.

    With ``policy`` (core.outbound.TargetPolicy), the host of every request is checked right before it is sent.
    """
    import boto3  # noqa: PLC0415  (optional dependency, only for S3 sources)
    from botocore.config import Config  # noqa: PLC0415

    kwargs = {"config": Config(retries={"max_attempts": 3, "mode": "standard"})}
    if region:
        kwargs["region_name"] = region
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    if access_key:
        kwargs["aws_access_key_id"] = access_key
        kwargs["aws_secret_access_key"] = secret_key
        if session_token:
            kwargs["aws_session_token"] = session_token
    client = boto3.client("s3", **kwargs)
    return guard_boto_client(client, policy) if policy is not None else client


def _bill_units(store, objects, sniff, notes):
    if sniff is None:
        from .bill_formats import sniff  # noqa: PLC0415
    given = getattr(store, "given_files", False)
    units = []
    for obj in objects:
        if is_hidden(obj.key) or is_manifest(obj.key):
            continue
        if given or is_bill_file(obj.key):
            units.append(ImportUnit(files=[obj]))
            continue
        if obj.size == 0:
            notes.append(f"{obj.key}: left aside, an empty file")
            continue
        try:
            sniff(obj.key, obj.head())
        except ValueError as error:  # BillFormatError: not a bill, and why
            notes.append(f"{obj.key}: left aside, {getattr(error, 'message', None) or error}")
            continue
        units.append(ImportUnit(files=[obj]))
    return units


def parse_s3_uri(uri):
    if not uri.startswith("s3://"):
        raise StoreError(f"{uri}: not an s3:// address")
    bucket, _sep, prefix = uri[5:].partition("/")
    if not bucket:
        raise StoreError(f"{uri}: the address names no bucket")
    return bucket, prefix


def plan_imports(store, parse_manifest, objects=None, sniff=None):
    """Import units of a store, and notes on what was left aside.

    With manifests: per billing period, the newest complete manifest; its data files,
    all of which must exist (else StoreError, naming the manifest and the file).
    Incomplete manifests are left aside (noted) until the export finishes writing.
    Without manifests: one unit per bill file, told by its content (see the module's
    docstring); ``sniff(name, head)`` returns the format of a file's first bytes or raises.
    """
    objects = store.list() if objects is None else objects
    manifests = [o for o in objects if is_manifest(o.key)]
    notes = []
    if not manifests:
        return _bill_units(store, objects, sniff, notes), notes

    by_key = {o.key: o for o in objects}
    newest = {}
    for obj in manifests:
        data = obj.read()
        manifest = parse_manifest(data, file_name=obj.key)
        if not manifest.complete:
            notes.append(f"{obj.key}: export of {manifest.billing_period} not complete yet, left for a later run")
            continue
        current = newest.get(manifest.billing_period)
        if current is None or obj.modified > current[0].modified:
            newest[manifest.billing_period] = (obj, data, manifest)
    units = []
    for period in sorted(newest):
        obj, data, manifest = newest[period]
        files = []
        for reference in manifest.data_files:
            key = store.resolve(reference, obj.key)
            found = by_key.get(key) if key is not None else None
            if found is None and key is not None and key not in by_key and "://" in key:
                found = StoredObject(key=key, size=0, modified=obj.modified, store=store)  # another bucket
            if found is None:
                raise StoreError(f"{obj.key}: lists {reference}, which is not in {store}", file=obj.key)
            files.append(found)
        if not files:
            notes.append(f"{obj.key}: lists no data file for {period}")
            continue
        units.append(ImportUnit(files=files, manifest=obj, manifest_data=data, billing_period=period))
    return units, notes


def bound_units(units, max_files, known=None):
    """(units to import now, units left for a later run, notes): at most ``max_files`` files per run.

    ``known(unit)`` tells a unit that looks imported already (same file names and sizes): those go
    after the others, so that new bills are not held up behind files that are only checked again.
    A unit (an export's manifest and its files) is never split; one with more files than the bound
    on its own is left aside with a note naming the option to raise.
    """
    known = known or (lambda unit: False)
    ordered = [u for u in units if not known(u)] + [u for u in units if known(u)]
    taken, left, notes, count = [], [], [], 0
    for unit in ordered:
        size = len(unit.files)
        if size > max_files:
            notes.append(
                f"{unit.label}: {size} files, more than the {max_files} read per run "
                f"(server option {MAX_FILES_OPTION}): not imported"
            )
            left.append(unit)
        elif count + size <= max_files:
            taken.append(unit)
            count += size
        else:
            left.append(unit)
    waiting = [u for u in left if len(u.files) <= max_files and not known(u)]
    if waiting:
        names = ", ".join(u.label for u in waiting[:5]) + (", ..." if len(waiting) > 5 else "")
        notes.append(
            f"{sum(len(u.files) for u in waiting)} file(s) left for the next run, at most {max_files} "
            f"read per run (server option {MAX_FILES_OPTION}): {names}"
        )
    unchecked = sum(len(u.files) for u in left if len(u.files) <= max_files and known(u))
    if unchecked:
        notes.append(
            f"{unchecked} file(s) imported before not checked again in this run, at most {max_files} "
            f"read per run (server option {MAX_FILES_OPTION})"
        )
    # in the order the store gave them: billing periods, then file names
    rank = {id(unit): index for index, unit in enumerate(units)}
    taken.sort(key=lambda unit: rank[id(unit)])
    return taken, left, notes

"""Which files on the server an import may read: only below the directories an administrator lists.

The server option ``cloud_cost_import_roots`` (odoo.conf, comma-separated absolute paths) names
them; without it no file of the server is read at all (bills are uploaded, or read from S3).
Symbolic links and ``..`` are resolved before a path is compared with the roots, for the folder
of a source and for every file found in it, so that a link inside an allowed folder that points
elsewhere is refused like the path it points to. Nothing here knows the ORM.
"""

import os

ROOTS_OPTION = "cloud_cost_import_roots"
MAX_FILES_OPTION = "cloud_cost_max_files_per_run"
DEFAULT_MAX_FILES = 1000


class PathRefused(Exception):
    """A path outside the import roots (or no roots at all): nothing is read."""

    def __init__(self, message, file=None):
        super().__init__(message)
        self.file = file


def parse_roots(value):
    """The import roots of an option's text: absolute, resolved, without duplicates."""
    if not value:
        return ()
    if isinstance(value, list | tuple):
        items = value
    else:
        items = str(value).split(",")
    roots = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        if not os.path.isabs(item):
            raise PathRefused(f"{ROOTS_OPTION}: {item} is not an absolute path")
        real = os.path.realpath(item)
        if real not in roots:
            roots.append(real)
    return tuple(roots)


def parse_max_files(value):
    """The bound on files read per run: a positive whole number, the default when unset."""
    if value in (None, "", False):
        return DEFAULT_MAX_FILES
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{MAX_FILES_OPTION}: {value!r} is not a whole number") from None
    if number < 1:
        raise ValueError(f"{MAX_FILES_OPTION}: {number} is not a positive number of files")
    return number


def is_below(real_path, root):
    """True when the resolved ``real_path`` is ``root`` or inside it (both resolved)."""
    try:
        return os.path.commonpath([real_path, root]) == root
    except ValueError:  # one relative, or different drives
        return False


def check_path(path, roots):
    """The resolved path of ``path`` when it lies below one of ``roots``; PathRefused otherwise.

    The message names the path as it was given, not what a link resolves to, and the option.
    """
    path = str(path or "").strip()
    if not path:
        raise PathRefused("no path given")
    if not roots:
        raise PathRefused(
            f"{path}: files on the server are not read, no import directory is configured "
            f"(server option {ROOTS_OPTION}); upload the bills or read them from S3",
            file=path,
        )
    real = os.path.realpath(path)
    if not any(is_below(real, root) for root in roots):
        raise PathRefused(
            f"{path}: not below an import directory of the server (option {ROOTS_OPTION}: "
            f"{', '.join(roots)}); symbolic links and '..' are resolved first",
            file=path,
        )
    return real


def walk_files(folder, roots):
    """(path as listed, resolved path) of every file below ``folder``, sorted by path.

    Links to folders are not followed; a link to a file is resolved and must stay below the
    roots, else the whole listing is refused (PathRefused naming the link).
    """
    found = []
    for directory, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        for name in filenames:
            listed = os.path.join(directory, name)
            real = check_path(listed, roots)
            if os.path.isfile(real):
                found.append((listed, real))
    return sorted(found)


def open_checked(path, roots):
    """A file opened for reading (binary), once more resolved and checked just before it is opened (it may
    have been relinked); the caller closes it."""
    real = check_path(path, roots)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(real, flags)
    return os.fdopen(fd, "rb")

"""An evidence bundle as one file: a gzip-compressed tar whose members sit under ``evidence/``.

The Lambda stores bundles this way in S3 (``evidence.tar.gz`` of a run, one archive per shard of
the state machine); anyone can unpack it with ``tar xzf`` and evaluate the ``evidence/`` directory.
Unpacking refuses links, absolute paths and paths that leave the target (``tarfile``'s ``data``
filter).
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from auditor.errors import BundleError

ARCHIVE_ROOT = "evidence"
"""The directory every member of an archive lives under."""


def pack_bundle(bundle: Path, target: Path) -> Path:
    """Write the bundle directory ``bundle`` to ``target`` as a ``.tar.gz``; return ``target``."""
    with tarfile.open(target, "w:gz") as tar:
        tar.add(bundle, arcname=ARCHIVE_ROOT)
    return target


def unpack_bundle(archive: Path, into: Path) -> Path:
    """Inverse of :func:`pack_bundle`: extract ``archive`` under ``into``, return the bundle directory.

    Raises :class:`BundleError` (naming the archive) for an unreadable archive, a member that
    would land outside ``into`` or be a link, or an archive without an ``evidence/`` directory.
    """
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BundleError(archive, f"not a readable evidence archive: {exc}") from exc
    bundle = into / ARCHIVE_ROOT
    if not bundle.is_dir():
        raise BundleError(archive, f"no {ARCHIVE_ROOT}/ directory inside")
    return bundle


__all__ = ["ARCHIVE_ROOT", "pack_bundle", "unpack_bundle"]

"""The evidence bundle: the on-disk contract between collection and evaluation.

See ``docs/evidence-bundle.md`` for the format. Writer and reader live here; nothing else
touches bundle files directly.
"""

from auditor.evidence.archive import pack_bundle, unpack_bundle
from auditor.evidence.bundle import Bundle, BundleWriter, Call, read_bundle
from auditor.evidence.manifest import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    AccountEntry,
    CollectionError,
    Manifest,
    OrganizationInfo,
    ToolInfo,
)

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "AccountEntry",
    "Bundle",
    "BundleWriter",
    "Call",
    "CollectionError",
    "Manifest",
    "OrganizationInfo",
    "ToolInfo",
    "pack_bundle",
    "read_bundle",
    "unpack_bundle",
]

"""Collection: async aioboto3 collectors writing the evidence bundle (see ``engine.py``).

``collect(config, writer, progress)`` fills a :class:`~auditor.evidence.BundleWriter` and returns
the manifest; ``collect_to_bundle(config, out)`` does the whole atomic write. ``operations.py`` is
the one list of API operations.
"""

from auditor.collect.engine import CollectionStats, collect, collect_to_bundle
from auditor.collect.progress import Progress

__all__ = ["CollectionStats", "Progress", "collect", "collect_to_bundle"]

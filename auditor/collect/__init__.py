"""Collection: async aioboto3 collectors writing the evidence bundle.

``auditor.collect.engine``: ``collect(config, writer, progress)`` fills a
:class:`~auditor.evidence.BundleWriter` and returns the manifest; ``collect_to_bundle(config, out)``
does the whole atomic write. ``auditor.collect.operations`` is the one list of API operations.
Nothing is imported here, so reading ``operations`` does not load aioboto3.
"""

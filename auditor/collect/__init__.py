"""Collection: async aioboto3 collectors writing the evidence bundle.

``auditor.collect.engine``: ``collect(config, writer, progress)`` fills a
:class:`~auditor.evidence.BundleWriter` and returns the manifest; ``collect_to_bundle(config, out)``
does the whole atomic write. The operations it calls are declared in :mod:`auditor.services`.
Nothing is imported here.
"""

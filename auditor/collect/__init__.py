"""Collection: async aioboto3 collectors writing the evidence bundle (see ``engine.py``)."""

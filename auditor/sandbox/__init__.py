"""A local AWS endpoint for development and tests: moto's server plus what moto lacks.

``start_sandbox()`` starts it on 127.0.0.1 on a free port; ``seed_demo_org()`` fills it with the
demo organization (see ``org.py``).
"""

from auditor.sandbox.server import Sandbox, start_sandbox

__all__ = ["Sandbox", "start_sandbox"]

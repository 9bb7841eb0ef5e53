"""A local AWS endpoint for development and tests: moto's server plus what moto lacks.

- ``start_sandbox(port=0, own_process=False, latency_ms=0.0) -> Sandbox``: serve on 127.0.0.1
  (``Sandbox.endpoint_url``, ``reset()``, ``stop()``, context manager). Clients use fake
  credentials (``FAKE_CREDENTIALS``), which map to the management account ``123456789012``.
- ``seed.seed_demo_org(endpoint_url) -> SeededOrg``: the demo organization of ``org.py`` with its
  expected findings (``SeededOrg.expected``).
- ``control.add_recovery_point`` / ``control.add_backup_job``: what no AWS API can create.
- A denied member account: give its role a trust policy that does not name the caller
  (``iam:UpdateAssumeRolePolicy``); the sandbox's AssumeRole then answers AccessDenied (403).
  A SUSPENDED account: ``organizations:CloseAccount``.
- ``python -m auditor.sandbox serve [--port N] [--latency-ms X] [--no-seed] [--faults FILE]``.
- Faults (``faults.FaultPlan``: throttling, bare 429, 5xx, HTML pages, resets, hangs, AccessDenied,
  truncated bodies, by service / operation / account / region): ``Sandbox.set_faults(plan)``,
  ``faults_fired()``, ``clear_faults()``, or over HTTP at ``/_sandbox/faults``.
"""

from auditor.sandbox.server import FAKE_CREDENTIALS, Sandbox, start_sandbox

__all__ = ["FAKE_CREDENTIALS", "Sandbox", "start_sandbox"]

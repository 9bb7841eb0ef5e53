"""``python -m auditor.sandbox serve [--port N] [--latency-ms X] [--no-seed] [--faults FILE]``: start
the sandbox, seed the demo organization (with the calls it plants as denied answered AccessDenied:
``SeededOrg.faults``), print the endpoint and the organization, wait for Ctrl-C.

``--faults FILE``: a JSON fault plan (``{"seed": 7, "rules": [{"kind": "throttle", "service":
"ec2", "probability": 0.3}]}``; see ``auditor.sandbox.faults``), applied after seeding."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from auditor.sandbox.faults import FaultPlan, FaultPlanError, FaultRule
from auditor.sandbox.server import FAKE_CREDENTIALS, start_sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the sandbox until Ctrl-C")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every request")
    serve.add_argument("--no-seed", action="store_true", help="start empty, without the demo organization")
    serve.add_argument("--faults", type=Path, help="JSON fault plan to inject (auditor.sandbox.faults)")
    args = parser.parse_args(argv)

    try:
        plan = FaultPlan.from_file(args.faults) if args.faults is not None else None
    except FaultPlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        sandbox = start_sandbox(port=args.port, latency_ms=args.latency_ms)
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 2
    with sandbox:
        planted: tuple[FaultRule, ...] = ()
        if args.no_seed:
            print(f"endpoint      {sandbox.endpoint_url}")
        else:
            from auditor.sandbox.seed import seed_demo_org

            seeded = seed_demo_org(sandbox.endpoint_url)
            print(seeded.summary())
            planted = seeded.faults.rules
            print(f"faults        {len(planted)} denied operation(s) planted by the demo organization")
        if plan is not None:
            print(f"faults        {len(plan.rules)} rule(s) from {args.faults} (seed {plan.seed})")
        # the demo's planted read failures first (the first rule that matches a request wins)
        rules = planted + (plan.rules if plan is not None else ())
        if rules:
            sandbox.set_faults(FaultPlan(rules, plan.seed if plan is not None else 0))
        print()
        print("Use it with:")
        print(f"  export AWS_ENDPOINT_URL={sandbox.endpoint_url}")
        for key, value in FAKE_CREDENTIALS.items():
            print(f"  export {key}={value}")
        print("Ctrl-C stops it.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

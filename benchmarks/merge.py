"""Merge speed and memory: can ``merge_and_report`` merge a large organization inside one Lambda run?

Writes SHARDS synthetic shard bundles of ACCOUNTS accounts each x REGIONS regions, every regional
operation of ``auditor.services`` holding ITEMS listed items (gzip-compressed, as the
Lambda stores them), then merges them with ``merge_bundles`` and prints the files merged, wall
seconds and the process's peak resident memory. Figures only: nothing here is asserted.

Usage::

    python benchmarks/merge.py                         # 20 shards x 50 accounts x 2 regions
    python benchmarks/merge.py --shards 40 --accounts 25 --regions 4 --items 50
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from auditor.evidence import AccountEntry, BundleWriter, Call, Manifest, OrganizationInfo, ToolInfo
from auditor.evidence.merge import merge_bundles
from auditor.services import REGIONAL_OPERATIONS

ALL_REGIONS = ("us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2", "sa-east-1")


def write_shard(root: Path, index: int, accounts: int, regions: tuple[str, ...], items: int) -> Path:
    ids = [f"{100000000000 + index * accounts + i:012d}" for i in range(accounts)]
    with BundleWriter(root / f"shard-{index}", compress=True) as writer:
        writer.write_calls(
            None,
            None,
            "organizations",
            "DescribeEffectivePolicy",
            [
                Call({"PolicyType": "BACKUP_POLICY", "TargetId": a}, {"EffectivePolicy": {"TargetId": a}})
                for a in ids
            ],
        )
        for account in ids:
            for region in regions:
                for op in REGIONAL_OPERATIONS:
                    listed = [
                        {"Arn": f"arn:aws:{op.service}:{region}:{account}:thing/{k}", "Tags": {"env": "prod"}}
                        for k in range(items)
                    ]
                    writer.write_calls(account, region, op.service, op.name, [Call({}, {"Items": listed})])
        return writer.commit(
            Manifest(
                collected_at=datetime.now(UTC),
                tool=ToolInfo("backup-auditor", "bench"),
                organization=OrganizationInfo("o-bench", "111111111111"),
                accounts=tuple(AccountEntry(a, "", "ACTIVE", regions) for a in ids),
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shards", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=50, help="accounts per shard")
    parser.add_argument("--regions", type=int, default=2, choices=range(1, len(ALL_REGIONS) + 1))
    parser.add_argument("--items", type=int, default=10, help="items per listing")
    args = parser.parse_args(argv)
    regions = ALL_REGIONS[: args.regions]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.monotonic()
        shards = [write_shard(root, i, args.accounts, regions, args.items) for i in range(args.shards)]
        written = time.monotonic() - started
        started = time.monotonic()
        manifest = merge_bundles(shards, root / "merged")
        merged = time.monotonic() - started
        files = sum(1 for p in (root / "merged").rglob("*.json.gz"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"merge: {args.shards} shards, {len(manifest.accounts)} accounts x {len(regions)} regions, "
        f"{files} files ({args.items} items per listing)"
    )
    print(f"  writing the shards: {written:.1f} s")
    print(f"  merging:            {merged:.1f} s ({files / merged:.0f} files/s)")
    print(f"  peak RSS:           {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

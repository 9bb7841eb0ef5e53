"""What moto 5.2.5 lacks, added in-process without forking it. ``install()`` is idempotent and must
run before the server handles its first request (some routes are read once)."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_installed = False


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        from auditor.sandbox.extensions import (
            backup,
            conform,
            dlm,  # backups made outside AWS Backup (BKP-017)
            ec2,
            fsx,
            organizations,
            rbin,
            rds,
            redshift_serverless,
            s3,
            sts,
            timestream,
        )

        backup.install()
        organizations.install()
        sts.install()
        rds.install()
        fsx.install()
        rbin.install()
        conform.install()
        ec2.install()
        s3.install()
        timestream.install()
        redshift_serverless.install()
        dlm.install()
        from auditor.sandbox.extensions import backup_restore

        backup_restore.install()
        # -- issue 9: Storage Gateway, AWS Backup gateway, Systems Manager for SAP
        from auditor.sandbox.extensions import backup_gateway, ssm_sap, storagegateway

        storagegateway.install()
        backup_gateway.install()
        ssm_sap.install()
        # -- end of issue 9
        _installed = True

"""S3 ListBuckets as AWS answers a request with a parameter: each bucket with its ``BucketRegion``
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html; moto 5.2 omits it), and
``MaxBuckets`` / ``ContinuationToken`` pages (moto ignores them)."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.s3.responses import S3Response

from auditor.sandbox.extensions._common import paginate


def all_buckets(self: Any) -> Any:
    self.data["Action"] = "ListAllMyBuckets"
    self._authenticate_and_authorize_s3_action()
    buckets = self.backend.list_buckets(
        prefix=self._get_param("prefix"), bucket_region=self._get_param("bucket-region"), max_buckets=None
    )
    raw_max = self._get_param("max-buckets")
    page, token = paginate(
        list(buckets),
        int(raw_max) if raw_max else None,
        self._get_param("continuation-token"),
        default_page=10000,
        error_code="InvalidArgument",
    )
    listed = [
        {"Name": b.name, "CreationDate": b.creation_date_ISO8601, "BucketRegion": b.region_name} for b in page
    ]
    result: dict[str, Any] = {
        "Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"},
        "Buckets": listed,
    }
    if token:
        result["ContinuationToken"] = token
    self.data["Action"] = "ListBuckets"
    return self.serialized(ActionResult(result))


def install() -> None:
    setattr(S3Response, "all_buckets", all_buckets)  # noqa: B010

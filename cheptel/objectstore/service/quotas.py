"""Container and account quotas (swift/common/middleware/container_quotas.py,
account_quotas.py): limits kept as metadata, checked before and after an upload.

- `X-Container-Meta-Quota-Bytes` / `-Quota-Count`: set by the container's owner.
- `X-Account-Meta-Quota-Bytes`: set by a reseller admin only (an owner's attempt is 403).
A write that would pass a limit is a 413 "Upload exceeds quota." and stores nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cheptel.errors import PayloadTooLarge
from cheptel.objectstore.models import SwiftContainer
from cheptel.objectstore.service import containers

INFO: dict[str, dict[str, Any]] = {"container_quotas": {}, "account_quotas": {}}


def _limit(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    return int(text) if text.isdigit() else None


def check_upload(db: Session, container: SwiftContainer, adding: int, now: float,
                 replacing: int = 0, new_object: bool = True) -> None:
    """Would `adding` more bytes (an object replacing one of `replacing` bytes, or a new
    one) pass the container's or the account's quota?"""
    quota_bytes = _limit(container.meta.get("quota-bytes"))
    quota_count = _limit(container.meta.get("quota-count"))
    if quota_bytes is not None or quota_count is not None:
        usage = containers.usage(db, container, now)
        if quota_bytes is not None and usage.bytes - replacing + adding > quota_bytes:
            raise PayloadTooLarge("Upload exceeds quota.")
        if quota_count is not None and new_object and usage.count + 1 > quota_count:
            raise PayloadTooLarge("Upload exceeds quota.")
    account = containers.account(db, container.project_id)
    if account is None:
        return
    account_bytes = _limit(account.sysmeta.get("x-account-quota-bytes",
                                               account.meta.get("quota-bytes")))
    account_count = _limit(account.sysmeta.get("x-account-quota-count"))
    if account_bytes is not None or account_count is not None:
        _, usage = containers.account_usage(db, container.project_id, now)
        if account_bytes is not None and usage.bytes - replacing + adding > account_bytes:
            raise PayloadTooLarge("Upload exceeds quota.")
        if account_count is not None and new_object and usage.count + 1 > account_count:
            raise PayloadTooLarge("Upload exceeds quota.")

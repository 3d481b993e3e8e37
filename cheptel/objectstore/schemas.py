"""What a Swift request may carry (swift/common/constraints.py): the limits `/info`
publishes and the checks of names, metadata headers and expiry headers. Swift's requests
are headers, not JSON bodies: these checks are its schemas, and their 400s say what is
wrong in Swift's words (text/plain)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from cheptel.errors import BadRequest, PayloadTooLarge

MAX_FILE_SIZE = 5368709122
MAX_META_NAME_LENGTH = 128
MAX_META_VALUE_LENGTH = 256
MAX_META_COUNT = 90
MAX_META_OVERALL_SIZE = 4096
MAX_HEADER_SIZE = 8192
MAX_OBJECT_NAME_LENGTH = 1024
MAX_CONTAINER_NAME_LENGTH = 256
MAX_ACCOUNT_NAME_LENGTH = 256
LISTING_LIMIT = 10000
MAX_MANIFEST_SEGMENTS = 1000
MAX_MANIFEST_SIZE = 8 * 1024 * 1024
MAX_BULK_DELETES = 10000
# the bodies of container and account writes (a bulk delete's list of names)
SMALL_BODY = MAX_BULK_DELETES * (MAX_OBJECT_NAME_LENGTH + MAX_CONTAINER_NAME_LENGTH + 4)

CORE = {
    "max_file_size": MAX_FILE_SIZE, "max_meta_name_length": MAX_META_NAME_LENGTH,
    "max_meta_value_length": MAX_META_VALUE_LENGTH, "max_meta_count": MAX_META_COUNT,
    "max_meta_overall_size": MAX_META_OVERALL_SIZE, "max_header_size": MAX_HEADER_SIZE,
    "max_object_name_length": MAX_OBJECT_NAME_LENGTH,
    "container_listing_limit": LISTING_LIMIT, "account_listing_limit": LISTING_LIMIT,
    "max_account_name_length": MAX_ACCOUNT_NAME_LENGTH,
    "max_container_name_length": MAX_CONTAINER_NAME_LENGTH, "extra_header_count": 0,
    "valid_api_versions": ["v1", "v1.0"], "strict_cors_mode": True,
    "allow_account_management": False, "account_autocreate": True,
    "policies": [{"name": "Policy-0", "default": True}],
}


def utf8(value: str, what: str = "Metadata") -> str:
    """A header value as the client sent its bytes (HTTP headers arrive as latin-1)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise BadRequest(f"{what} must be valid UTF-8") from None


def check_container_name(name: str) -> None:
    if not name:
        raise BadRequest("Container name cannot be empty")
    if len(name.encode("utf-8")) > MAX_CONTAINER_NAME_LENGTH:
        raise BadRequest(f"Container name length of {len(name.encode('utf-8'))} longer than "
                         f"{MAX_CONTAINER_NAME_LENGTH}")
    _check_text(name, "Container name")


def check_object_name(name: str) -> None:
    if len(name.encode("utf-8")) > MAX_OBJECT_NAME_LENGTH:
        raise BadRequest(f"Object name length of {len(name.encode('utf-8'))} longer than "
                         f"{MAX_OBJECT_NAME_LENGTH}")
    _check_text(name, "Object name")


def _check_text(name: str, what: str) -> None:
    if "\x00" in name:
        raise BadRequest(f"{what} must not contain NUL bytes")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("Invalid UTF8 or contains NULL") from None


def check_metadata(meta: Mapping[str, str], kind: str) -> None:
    """Swift's check_metadata over the metadata a write leaves (kind: Account, ...)."""
    size = 0
    for key, value in meta.items():
        if not key:
            raise BadRequest("Metadata name cannot be empty")
        if len(key.encode("utf-8")) > MAX_META_NAME_LENGTH:
            raise BadRequest(f"Metadata name too long: X-{kind}-Meta-{key}")
        if len(value.encode("utf-8")) > MAX_META_VALUE_LENGTH:
            raise BadRequest(f"Metadata value longer than {MAX_META_VALUE_LENGTH}: "
                             f"X-{kind}-Meta-{key}")
        size += len(key.encode("utf-8")) + len(value.encode("utf-8"))
    if len(meta) > MAX_META_COUNT:
        raise BadRequest(f"Too many metadata items; max {MAX_META_COUNT}")
    if size > MAX_META_OVERALL_SIZE:
        raise BadRequest(f"Total metadata too large; max {MAX_META_OVERALL_SIZE}")


def check_length(headers: Mapping[str, str]) -> int | None:
    """The announced body size of an object PUT (None: chunked), Swift's 400/411/413."""
    from cheptel.objectstore.errors import LengthRequired

    declared = headers.get("content-length")
    if declared is None:
        if "chunked" not in (headers.get("transfer-encoding") or "").lower():
            raise LengthRequired()
        return None
    if not declared.isdigit():
        raise BadRequest("Invalid Content-Length header value")
    if int(declared) > MAX_FILE_SIZE:
        raise PayloadTooLarge("Your request is too large.")
    return int(declared)


def delete_at(headers: Mapping[str, str], now: float) -> int | None:
    """X-Delete-At / X-Delete-After -> the POSIX second the object expires (None: never).
    An empty X-Delete-At (from a POST) is None too."""
    after = headers.get("x-delete-after")
    if after is not None:
        try:
            seconds = int(after)
        except ValueError:
            raise BadRequest("Non-integer X-Delete-After") from None
        if seconds < 0:
            raise BadRequest("X-Delete-After in past")
        if seconds > 10**11:  # past any date a column (or Swift's timestamps) holds
            raise BadRequest("Non-integer X-Delete-After")
        return int(math.ceil(now)) + seconds
    at = headers.get("x-delete-at")
    if at is None or at == "":
        return None
    try:
        when = int(float(at)) if "." in at else int(at)
    except (ValueError, OverflowError):
        raise BadRequest("Non-integer X-Delete-At") from None
    if when < now:
        raise BadRequest("X-Delete-At in past")
    if when > 10**11:
        raise BadRequest("Non-integer X-Delete-At")
    return when


def check_container_headers(headers: Mapping[str, str]) -> None:
    for name, what in (("x-container-meta-quota-bytes", "bytes"),
                       ("x-container-meta-quota-count", "count")):
        value = headers.get(name)
        if value is not None and value.strip() and not value.strip().isdigit():
            raise BadRequest(f"Invalid {what} quota.")


def check_account_headers(headers: Mapping[str, str]) -> None:
    for name in ("x-account-meta-quota-bytes", "x-account-quota-bytes",
                 "x-account-quota-count"):
        value = headers.get(name)
        if value is not None and value.strip() and not value.strip().isdigit():
            raise BadRequest(f"Invalid {'count' if 'count' in name else 'bytes'} quota.")

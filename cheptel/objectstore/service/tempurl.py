"""Temp URLs (swift/common/middleware/tempurl.py): an object request without a token,
signed with a key of the account (X-Account-Meta-Temp-URL-Key[-2]) or of the container
(X-Container-Meta-Temp-URL-Key[-2]).

    signature = HMAC(key, "<METHOD>\\n<expires>\\n<path>")

`path` is the object's `/v1/AUTH_<project>/<container>/<object>`, or with
`temp_url_prefix=p` the string `prefix:/v1/AUTH_<project>/<container>/<p>` (any object
under it). The signature is hex (its length says the digest: sha1 40, sha256 64, sha512
128) or `<digest>:<base64>`. A HEAD is allowed by a GET, HEAD or PUT signature. Clients
sign either the bare `/v1/...` path (`swift tempurl`) or the path of the catalog URL
(Tempest: `/object-store/v1/...`): both are accepted. Why a URL was refused is logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from calendar import timegm
from collections.abc import Iterable, Mapping
from time import strptime

from cheptel.errors import Unauthorized

log = logging.getLogger("cheptel.objectstore.tempurl")
DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
BY_HEX_LENGTH = {40: "sha1", 64: "sha256", 128: "sha512"}
METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
INFO = {"methods": list(METHODS), "incoming_remove_headers": ["x-timestamp"],
        "incoming_allow_headers": [], "outgoing_remove_headers": ["x-object-meta-*"],
        "outgoing_allow_headers": ["x-object-meta-public-*"],
        "allowed_digests": sorted(DIGESTS)}


def invalid(why: str) -> Unauthorized:
    log.info("temp URL refused: %s", why)
    return Unauthorized("401 Unauthorized: Temp URL invalid\n")


def is_temp_url(query: Mapping[str, str]) -> bool:
    return "temp_url_sig" in query or "temp_url_expires" in query


def expires_at(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return timegm(strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        raise invalid(f"temp_url_expires {text!r} is no time") from None


def signature(sig: str) -> tuple[str, bytes]:
    if ":" in sig:
        digest, _, b64 = sig.partition(":")
        if digest not in DIGESTS:
            raise invalid(f"unknown digest {digest!r}")
        try:
            raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        except (binascii.Error, ValueError):
            raise invalid("signature is not base64") from None
        return digest, raw
    digest = BY_HEX_LENGTH.get(len(sig), "")
    if not digest:
        raise invalid("signature length matches no digest")
    try:
        return digest, bytes.fromhex(sig)
    except ValueError:
        raise invalid("signature is not hex") from None


def check(query: Mapping[str, str], method: str, paths: Iterable[str], obj_path: str,
          keys: list[str], now: float) -> str:
    """The key that signs this request (else a 401). `paths`: the object's path as
    clients may have signed it (each with or without the catalog prefix); `obj_path`:
    `<container>/<object>` (for temp_url_prefix)."""
    sig, expires_text = query.get("temp_url_sig"), query.get("temp_url_expires")
    if not sig or not expires_text:
        raise invalid("temp_url_sig or temp_url_expires missing")
    expires = expires_at(expires_text)
    if expires < now:
        raise invalid("expired")
    if not keys:
        raise invalid("no temp URL key on the account or the container")
    digest, given = signature(sig)
    prefix = query.get("temp_url_prefix")
    container = obj_path.split("/", 1)[0]
    if prefix is not None and not obj_path.startswith(f"{container}/{prefix}"):
        raise invalid("object outside temp_url_prefix")
    methods = ("GET", "HEAD", "PUT") if method == "HEAD" else (method,)
    for path in paths:
        if prefix is not None:
            base = path[:len(path) - len(obj_path)] + f"{container}/{prefix}"
            signed = "prefix:" + base
        else:
            signed = path
        for m in methods:
            for key in keys:
                mac = hmac.new(key.encode("utf-8"), f"{m}\n{expires}\n{signed}".encode(),
                               DIGESTS[digest]).digest()
                if hmac.compare_digest(mac, given):
                    return key
    raise invalid("no key signs this method, expiry and path")

"""Keypair key material: fingerprints as Nova computes them, generated keys that parse."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from cheptel.compute.service import keycrypto
from cheptel.errors import BadRequest

# Nova's api-ref sample (doc/api_samples/os-keypairs): this key has this fingerprint
NOVA_SAMPLE_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCkF3MX59OrlBs3dH5CU7lNmvpbrgZxSpyGjlnE8Flkirnc/Up22lpjz"
    "noxqeoTAwTW034k7Dz6aYIrZGmQwe2TkE084yqvlj45Dkyoj95fW/sZacm0cZNuL69EObEGHdprfGJQajrpz22NQoCD8"
    "TFB8Wv+8om9NH9Le6s+WPe98WC77KLw8qgfQsbIey+JawPWl4O67ZdL5xrypuRjfIPWjgy/VH85IXg/Z/GONZ2nxHgSS"
    "hMkwqSFECAC5L3PHB+0+/12M/iikdatFSVGjpuHvkLOs3oe7m6HlOfluSJ85BzLWBbvva93qkGmLg4ZAc8rPh2O+YIsB"
    "UHNLLMM/oQp Generated-by-Nova\n")
NOVA_SAMPLE_FINGERPRINT = "7e:eb:ab:24:ba:d1:e1:88:ae:9a:fb:66:53:df:d3:bd"
COLON_HEX = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2})*$")


def test_ssh_fingerprint_matches_novas_sample() -> None:
    assert keycrypto.ssh_fingerprint(NOVA_SAMPLE_KEY) == NOVA_SAMPLE_FINGERPRINT


@pytest.mark.parametrize("bad", ["", "ssh-rsa", "ssh-rsa !!!!", "not a key at all",
                                 "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCk",
                                 "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----"])
def test_bad_ssh_keys_are_a_400(bad: str) -> None:
    with pytest.raises(BadRequest, match="Keypair data is invalid"):
        keycrypto.ssh_fingerprint(bad)


def test_generated_ssh_key_pair_matches() -> None:
    private, public, fingerprint = keycrypto.generate_ssh(bits=1024)
    assert private.startswith("-----BEGIN RSA PRIVATE KEY-----")
    key = serialization.load_pem_private_key(private.encode(), password=None)
    derived = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                            serialization.PublicFormat.OpenSSH).decode()
    assert public.startswith(derived + " ")
    assert fingerprint == keycrypto.ssh_fingerprint(public)  # what an upload of it would get


def test_generated_x509_certificate() -> None:
    bundle, pem, fingerprint = keycrypto.generate_x509("user-1", 1_700_000_000.0, bits=1024)
    cert = x509.load_pem_x509_certificate(pem.encode())
    assert cert.subject.rfc4514_string() == "CN=user-1"
    assert len(fingerprint.split(":")) == 20 and COLON_HEX.match(fingerprint)
    assert keycrypto.fingerprint(pem, "x509") == fingerprint
    # a PKCS#12 bundle, base64 as Nova returns it: the key of that same certificate
    key, bundled, _ = pkcs12.load_key_and_certificates(base64.b64decode(bundle), None)
    assert bundled == cert and key is not None
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    with pytest.raises(BadRequest):
        keycrypto.fingerprint("garbage", "x509")

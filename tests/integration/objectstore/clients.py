"""The client scenarios both object stores pass: the built-in one (test_swift_clients.py)
and an external Swift behind cheptel's catalog (test_external_swift.py). Each takes the
running cloud; the store is whatever its catalog's object-store endpoint names.

Temp URLs are signed over the whole path of the storage URL (with cheptel's
`/object-store` prefix for the built-in store, as Tempest signs) and fetched by `curl`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import httpx

from tests.integration.cloud import BIN, DEMO_PASSWORD, Cloud

SEGMENT = 1024 * 1024


def swift(cloud: Cloud, *args: str, user: str = "demo", password: str = DEMO_PASSWORD,
          check: bool = True) -> subprocess.CompletedProcess:
    """The unmodified `swift` CLI, authenticated against cheptel's Keystone."""
    env = {**cloud.env(), "OS_AUTH_URL": cloud.auth_url, "OS_USERNAME": user,
           "OS_PASSWORD": password, "OS_PROJECT_NAME": user,
           "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
           "OS_IDENTITY_API_VERSION": "3", "OS_AUTH_VERSION": "3"}
    proc = subprocess.run([str(BIN / "swift"), *args], env=env, capture_output=True,
                          text=True, timeout=300)
    if check:
        assert proc.returncode == 0, f"swift {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc


def random_file(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.md5(data).hexdigest()


def storage_url(cloud: Cloud) -> str:
    """The demo project's account URL, as the catalog gives it to `swift auth`."""
    out = swift(cloud, "auth").stdout
    url = next(line.split("=", 1)[1].strip() for line in out.splitlines()
               if "OS_STORAGE_URL" in line)
    return url.strip("'\"")


def temp_url(cloud: Cloud, obj: str, key: str, seconds: int = 600) -> str:
    """A GET temp URL of `container/obj` of the demo account, signed by `swift tempurl`."""
    storage = httpx.URL(storage_url(cloud))
    signed = swift(cloud, "tempurl", "GET", str(seconds), f"{storage.path}/{obj}",
                   key).stdout.strip()
    return f"{storage.scheme}://{storage.netloc.decode()}{signed}"


def curl(url: str, out: Path) -> int:
    """An anonymous GET by curl: the HTTP status (the body in `out`)."""
    proc = subprocess.run(["curl", "-sS", "-o", str(out), "-w", "%{http_code}", url],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout)


def segmented_upload_roundtrip(cloud: Cloud, tmp_path: Path, kind: str) -> None:
    src = tmp_path / f"big-{kind}.bin"
    md5 = random_file(src, 3 * SEGMENT + 12345)
    flag = "--use-dlo" if kind == "dlo" else "--use-slo"
    swift(cloud, "upload", f"box-{kind}", str(src), "--object-name", "big.bin",
          "--segment-size", str(SEGMENT), flag)
    assert swift(cloud, "list", f"box-{kind}").stdout.split() == ["big.bin"]
    segments = swift(cloud, "list", f"box-{kind}_segments").stdout.split()
    assert len(segments) == 4
    stat = swift(cloud, "stat", f"box-{kind}", "big.bin").stdout
    assert str(3 * SEGMENT + 12345) in stat
    assert ("Manifest:" in stat) == (kind == "dlo")
    out = tmp_path / "back.bin"
    swift(cloud, "download", f"box-{kind}", "big.bin", "-o", str(out))
    assert hashlib.md5(out.read_bytes()).hexdigest() == md5
    # and without a token, through a temp URL signed with the account's key
    swift(cloud, "post", "-m", "Temp-URL-Key:segments-key")
    fetched = tmp_path / "fetched.bin"
    assert curl(temp_url(cloud, f"box-{kind}/big.bin", "segments-key"), fetched) == 200
    assert hashlib.md5(fetched.read_bytes()).hexdigest() == md5
    swift(cloud, "delete", f"box-{kind}")  # the manifest takes its segments along
    assert swift(cloud, "list", f"box-{kind}_segments").stdout.split() == []
    assert f"box-{kind}" not in swift(cloud, "list").stdout.split()


def post_stat_and_temp_url(cloud: Cloud, tmp_path: Path) -> None:
    src = tmp_path / "note.txt"
    src.write_bytes(b"a temp URL's body")
    swift(cloud, "upload", "notes", str(src), "--object-name", "note.txt")
    swift(cloud, "post", "-m", "color:blue", "notes", "note.txt")
    assert "Meta Color: blue" in swift(cloud, "stat", "notes", "note.txt").stdout
    swift(cloud, "post", "-m", "Temp-URL-Key:integration-key")
    signed = temp_url(cloud, "notes/note.txt", "integration-key", 3600)
    body = tmp_path / "body"
    assert curl(signed, body) == 200  # no token: the signature is the credential
    assert body.read_bytes() == b"a temp URL's body"
    assert curl(signed.replace("temp_url_sig=", "temp_url_sig=0"), body) == 401
    assert curl(f"{storage_url(cloud)}/notes/note.txt", body) == 401


def public_container_read_without_a_token(cloud: Cloud, tmp_path: Path) -> None:
    src = tmp_path / "index.html"
    src.write_bytes(b"<p>hello</p>")
    swift(cloud, "upload", "site", str(src), "--object-name", "index.html")
    storage = storage_url(cloud)
    assert httpx.get(f"{storage}/site/index.html").status_code == 401
    swift(cloud, "post", "-r", ".r:*,.rlistings", "site")
    r = httpx.get(f"{storage}/site/index.html")
    assert r.status_code == 200 and r.content == b"<p>hello</p>"
    assert r.headers["content-type"].startswith("text/html")
    assert httpx.get(f"{storage}/site?format=json").json()[0]["name"] == "index.html"
    assert httpx.put(f"{storage}/site/x", content=b"no").status_code == 401


def openstack_cli_containers_and_objects(cloud: Cloud, tmp_path: Path) -> None:
    src = tmp_path / "cli.txt"
    src.write_bytes(b"from the openstack CLI")
    made = cloud.cli("container", "create", "cli-box", cloud="cheptel-demo")
    assert made[0]["container"] == "cli-box"
    cloud.cli("object", "create", "cli-box", str(src), "--name", "cli.txt",
              cloud="cheptel-demo")
    listed = cloud.cli("object", "list", "cli-box", cloud="cheptel-demo")
    assert [o["Name"] for o in listed] == ["cli.txt"]
    shown = cloud.cli("object", "show", "cli-box", "cli.txt", cloud="cheptel-demo")
    assert shown["content-length"] == str(len(b"from the openstack CLI"))
    cloud.cli("object", "set", "--property", "k=v", "cli-box", "cli.txt",
              cloud="cheptel-demo", as_json=False)
    out = tmp_path / "saved.txt"
    cloud.cli("object", "save", "--file", str(out), "cli-box", "cli.txt",
              cloud="cheptel-demo", as_json=False)
    assert out.read_bytes() == b"from the openstack CLI"
    containers = cloud.cli("container", "list", cloud="cheptel-demo")
    assert "cli-box" in [c["Name"] for c in containers]
    # the admin's listing is its own account's: never the demo project's containers
    assert "cli-box" not in [c["Name"] for c in cloud.cli("container", "list")]
    cloud.cli("container", "delete", "--recursive", "cli-box", cloud="cheptel-demo",
              as_json=False)
    assert "cli-box" not in [c["Name"] for c in cloud.cli("container", "list",
                                                          cloud="cheptel-demo")]


def openstacksdk_objects(cloud: Cloud) -> None:
    conn = cloud.sdk("cheptel-demo")
    conn.object_store.create_container("sdk-box")
    data = os.urandom(2 * SEGMENT + 7)
    conn.create_object("sdk-box", "big", data=data, segment_size=SEGMENT)
    assert conn.object_store.download_object("big", container="sdk-box") == data
    conn.object_store.upload_object(container="sdk-box", name="small", data=b"tiny",
                                    metadata={"k": "v"})
    names = sorted(o.name for o in conn.object_store.objects("sdk-box"))
    assert "big" in names and "small" in names
    meta = conn.object_store.get_object_metadata("small", container="sdk-box")
    assert meta.metadata == {"k": "v"}
    info = conn.object_store.get_info()
    assert info.swift["max_file_size"] == 5368709122
    conn.delete_object("sdk-box", "small")
    assert "small" not in [o.name for o in conn.object_store.objects("sdk-box")]

"""The object store through the unmodified clients, against a real `cheptel serve`: the
`swift` CLI (python-swiftclient: segmented uploads as SLO and DLO, list, stat, download,
post, tempurl, delete), `openstack container/object`, openstacksdk, and an anonymous
`curl` of a temp URL and an HTTP GET of a public container's object. The scenarios are
in clients.py: an external Swift behind the catalog passes the same ones
(test_external_swift.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.cloud import Cloud
from tests.integration.objectstore import clients


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("objects-cloud"),
              extra_env={"CHEPTEL_CONTAINER_ENGINE": "fake"}).start()
    yield c
    c.close()


@pytest.mark.parametrize("kind", ["slo", "dlo"])
def test_swift_cli_segmented_upload_roundtrip(cloud: Cloud, tmp_path: Path, kind: str) -> None:
    clients.segmented_upload_roundtrip(cloud, tmp_path, kind)


def test_swift_cli_post_stat_and_temp_url(cloud: Cloud, tmp_path: Path) -> None:
    clients.post_stat_and_temp_url(cloud, tmp_path)


def test_public_container_read_without_a_token(cloud: Cloud, tmp_path: Path) -> None:
    clients.public_container_read_without_a_token(cloud, tmp_path)


def test_openstack_cli_containers_and_objects(cloud: Cloud, tmp_path: Path) -> None:
    clients.openstack_cli_containers_and_objects(cloud, tmp_path)


def test_openstacksdk_objects(cloud: Cloud) -> None:
    clients.openstacksdk_objects(cloud)

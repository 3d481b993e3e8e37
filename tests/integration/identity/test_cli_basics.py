"""The issue's "done when": the README's user, the unmodified openstack CLI."""

from __future__ import annotations

import os
import stat

from tests.integration.cloud import Cloud


def test_clouds_yaml_is_private_and_lists_both_clouds(cloud: Cloud) -> None:
    mode = stat.S_IMODE(os.stat(cloud.clouds_file).st_mode)
    assert mode == 0o600
    assert set(cloud.clouds()) == {"cheptel", "cheptel-demo"}


def test_token_issue(cloud: Cloud) -> None:
    token = cloud.cli("token", "issue")
    assert token["id"] and token["project_id"] and token["user_id"]


def test_project_user_role_add_then_member_is_refused(cloud: Cloud) -> None:
    project = cloud.cli("project", "create", "readme-proj", "--domain", "default")
    assert project["name"] == "readme-proj"
    user = cloud.cli("user", "create", "readme-user", "--password", "pw-1",
                     "--project", "readme-proj")
    assert user["name"] == "readme-user"
    out = cloud.cli("role", "add", "--user", "readme-user", "--project", "readme-proj",
                    "member", as_json=False)
    assert out.returncode == 0
    listed = cloud.cli("role", "assignment", "list", "--project", "readme-proj", "--names")
    assert {"Role": "member", "User": "readme-user@Default"}.items() <= listed[0].items()

    refused = cloud.cli("project", "create", "x", cloud="cheptel-demo", check=False,
                        as_json=False)
    assert refused.returncode != 0
    assert "403" in refused.stderr

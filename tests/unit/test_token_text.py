"""A token is never a command-line option: one drawn with a leading "-" is drawn again
(`openstack token revoke <token>` read such a token as an unknown option)."""

from __future__ import annotations

import pytest

from cheptel.identity.service import tokens


def test_a_token_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["-leading", "-again", "fine-token"])
    monkeypatch.setattr(tokens.secrets, "token_urlsafe", lambda n: next(drawn))
    assert tokens.new_token() == "fine-token"

"""Horizon over plain HTTP: log in as a browser does (CSRF cookie, form), fetch pages,
read the error banners Horizon renders in a page's messages."""

from __future__ import annotations

import re
import time

import httpx

from tests.integration.cloud import Cloud

# Horizon renders its error messages as `alert-danger` (and old templates `alert-error`)
# in the page's messages block
MESSAGES = re.compile(r'<div class="messages">(.*?)</div>\s*</div>|<div class="messages">(.*)',
                      re.S)
BANNER = re.compile(r'class="alert[^"]*alert-(?:danger|error)[^"]*">(.*?)</div>', re.S)


def wait_ready(cloud: Cloud, timeout: float = 180) -> float:
    """Seconds until /dashboard/ answers its login page (not the 503 "being prepared")."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        r = httpx.get(f"{cloud.base_url}/dashboard/auth/login/", timeout=10)
        if r.status_code == 200:
            return time.monotonic() - start
        assert r.status_code == 503, r.text[:500]
        assert r.headers["retry-after"].isdigit()
        time.sleep(0.2)
    raise AssertionError("the dashboard was not ready in time")


def login(cloud: Cloud, user: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=cloud.base_url, timeout=60, follow_redirects=True)
    client.get("/dashboard/auth/login/")
    r = client.post("/dashboard/auth/login/", data={
        "csrfmiddlewaretoken": client.cookies["csrftoken"], "region": "default",
        "domain": "Default", "username": user, "password": password, "next": "/dashboard/"},
        headers={"Referer": f"{cloud.base_url}/dashboard/auth/login/"})
    assert r.status_code == 200, r.text[:500]
    assert "/auth/login/" not in str(r.url), f"{user} could not log in"
    return client


def errors(html: str) -> list[str]:
    """The error banners of a page (text without tags)."""
    found = []
    for match in BANNER.finditer(html):
        text = re.sub(r"<[^>]+>", " ", match.group(1))
        if "javascript" in text.lower():  # the <noscript>-style banner every page has
            continue
        found.append(" ".join(text.split()))
    return found

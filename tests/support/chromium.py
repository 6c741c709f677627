"""Real headless Chromium for the tests: the DOM of a page after its JavaScript ran, and screenshots.

    html = dump_dom("/tmp/impact.html", fragment="q=smith")   # the serialised DOM after load
    screenshot("/tmp/impact.html", "/tmp/impact.png", 1280, 1600)

Every call starts a fresh browser with a throwaway profile and no network chatter (no sync,
component updates or background requests), so runs are independent and work offline.
``require()`` skips the test when Chromium is not installed - except in CI (``CI`` set), where it
must be there (``hack/install-system-deps.sh`` installs the Debian package ``chromium``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
TIMEOUT = 60  # seconds; a cold start takes about one


class ChromiumError(RuntimeError):
    pass


def find():
    """Path of the Chromium binary, or None."""
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


def require():
    """The Chromium path; pytest.skip when it is missing outside CI, fail when missing in CI."""
    import pytest
    path = find()
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed, but CI is set: hack/install-system-deps.sh installs it")
    pytest.skip("chromium is not installed (apt-get install chromium, or run hack/install-system-deps.sh)")


def _url(html_path, fragment=None, query=None):
    url = Path(html_path).resolve().as_uri()
    if query:
        url += "?" + query
    if fragment:
        url += "#" + fragment
    return url


def _run(args, timeout):
    binary = find()
    if not binary:
        raise ChromiumError("chromium is not installed")
    profile = tempfile.mkdtemp(prefix="jml-chromium-")
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
           "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
           "--user-data-dir=%s" % profile] + list(args)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL, env=dict(os.environ, HOME=profile))
    except subprocess.TimeoutExpired:
        raise ChromiumError("chromium did not finish within %ss: %s" % (timeout, " ".join(cmd)))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode != 0:
        raise ChromiumError("chromium exited %s: %s" % (proc.returncode, proc.stderr.decode(errors="replace")[-2000:]))
    return proc


def dump_dom(html_path, fragment=None, query=None, timeout=TIMEOUT):
    """The page's DOM, serialised after load (its scripts ran), e.g. ``fragment="q=smith"``."""
    proc = _run(["--dump-dom", _url(html_path, fragment, query)], timeout)
    return proc.stdout.decode("utf-8")


def screenshot(html_path, png_path, width=1280, height=1600, fragment=None, query=None, timeout=TIMEOUT):
    """A PNG of the page's first ``width`` x ``height`` pixels; returns ``png_path``."""
    png_path = str(Path(png_path).resolve())
    if os.path.exists(png_path):
        os.unlink(png_path)
    _run(["--window-size=%d,%d" % (width, height), "--screenshot=%s" % png_path, _url(html_path, fragment, query)],
         timeout)
    if not os.path.exists(png_path):
        raise ChromiumError("chromium wrote no screenshot to %s" % png_path)
    return png_path

"""Fixtures for the l2tpx system tests.

Every test gets an `env`: a private temp dir, a namespace factory (names
lxt-<pytest pid>-N...) and a process tracker.  Teardown kills exactly the
processes the test started (by pid / own process group), deletes its
namespaces and its temp dir, pass or fail.

Timeouts: each phase of each test runs under SIGALRM (marker
`deadline(seconds)` for the test body, default 60 s), independent of
pytest-timeout.  Skips: not root -> skip; a tool or the l2tpx binaries
missing -> skip, unless L2TPX_BUILD is set (CI), where it is a failure.
"""
import os
import contextlib
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import netns as netns_mod  # noqa: E402
from lib import prereq  # noqa: E402
from lib.env import Env  # noqa: E402
from lib.xl2tpd import XL2TPD, PPPD_STUB  # noqa: E402

DEFAULT_DEADLINE = 60
SETUP_DEADLINE = 90
TEARDOWN_DEADLINE = 45


class TestTimeout(Exception):
    pass


def pytest_configure(config):
    config.addinivalue_line("markers", "deadline(seconds): hard time limit for the test body")
    config.addinivalue_line("markers", "needs_l2tpx: test needs l2tpxd and l2tpxctl")
    config.addinivalue_line("markers", "needs_xl2tpd: test needs Debian's xl2tpd")


def pytest_sessionstart(session):
    if os.geteuid() == 0:
        netns_mod.sweep_stale()


# ---------------------------------------------------------------- timeouts

def _alarm(seconds, what):
    def handler(signum, frame):
        raise TestTimeout(f"{what} exceeded its {seconds}s deadline")
    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(int(seconds))
    return old


@contextlib.contextmanager
def _deadline(seconds, what):
    old = _alarm(seconds, what)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _deadline(SETUP_DEADLINE, f"setup of {item.nodeid}"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    m = item.get_closest_marker("deadline")
    secs = m.args[0] if m else DEFAULT_DEADLINE
    with _deadline(secs, item.nodeid):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    with _deadline(TEARDOWN_DEADLINE, f"teardown of {item.nodeid}"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# ---------------------------------------------------------------- prerequisites

@pytest.fixture(autouse=True)
def _prereqs(request):
    prereq.require_root_and_tools()
    if request.node.get_closest_marker("needs_l2tpx"):
        prereq.require_l2tpx()
    if request.node.get_closest_marker("needs_xl2tpd"):
        if not os.access(XL2TPD, os.X_OK):
            prereq.missing("xl2tpd not installed")
        if not os.access(PPPD_STUB, os.X_OK):
            pytest.fail(f"{PPPD_STUB} is not executable")


def _failed(node):
    return any(getattr(getattr(node, "rep_" + w, None), "failed", False)
               for w in ("setup", "call"))


@pytest.fixture
def env(request):
    label = request.node.name.replace("[", "-").replace("]", "").replace("/", "_")
    e = Env(label)
    yield e
    if _failed(request.node):
        print(e.diagnostics())
    e.cleanup()

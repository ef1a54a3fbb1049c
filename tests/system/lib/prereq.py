"""Skip-or-fail policy for missing prerequisites: skip locally, fail in CI
(L2TPX_BUILD set)."""
import os
import shutil

import pytest

from . import l2tpx as l2tpx_mod

CI = "L2TPX_BUILD" in os.environ


def missing(what):
    if CI:
        pytest.fail(f"{what} (L2TPX_BUILD is set, so this is a failure, not a skip)",
                    pytrace=False)
    pytest.skip(what)


def require_root_and_tools():
    if os.geteuid() != 0:
        pytest.skip("system tests need root (network namespaces, veth, tshark)")
    for tool in ("ip", "tshark", "unshare"):
        if not shutil.which(tool):
            missing(f"{tool} not installed")


def require_l2tpx():
    require_root_and_tools()
    if not l2tpx_mod.binaries_present():
        missing(f"l2tpx binaries missing: {l2tpx_mod.L2TPXD}, {l2tpx_mod.L2TPXCTL} "
                f"(build them and set L2TPX_BUILD)")

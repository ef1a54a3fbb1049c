"""README's first quick-start command, scripts/demo.sh, does what it says:
an LNS and a LAC client in namespaces, a session up, ping and iperf3 through
it, l2tpxctl status from both ends, and everything cleaned up."""
import os
import re
import subprocess

import pytest

pytestmark = pytest.mark.needs_l2tpx

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _netns():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


@pytest.mark.deadline(240)
def test_demo_script(env):
    before = _netns()
    p = subprocess.run(["bash", os.path.join(TOP, "scripts", "demo.sh")], cwd=TOP,
                       capture_output=True, text=True, timeout=220)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-4000:]
    assert out.rstrip().endswith("demo ok"), out[-2000:]
    # a session came up with an address from the LNS's pool
    assert re.search(r"session up: the LAC client's l2tpx-demo has 10\.79\.0\.\d+", out), out
    # pings through the session got their replies (two IPv4, one IPv6 to a
    # global address from the router advertisement)
    assert len(re.findall(r"3 packets transmitted, 3 received", out)) == 3, out
    assert re.search(r"the client took 2001:db8:79:[0-9a-f:]+/64", out), out
    # iperf3 moved data through it
    m = re.search(r"([\d.]+) Mbits/sec\s+receiver", out)
    assert m and float(m.group(1)) > 10, out
    # both ends showed the session in l2tpxctl status
    assert out.count("established") >= 4, out
    assert "alice" in out
    # nothing left behind
    assert not [n for n in _netns() - before if n.startswith("lxdemo-")]

"""Small shared utilities: bounded polling, command running."""
import subprocess
import time


class WaitTimeout(AssertionError):
    pass


def wait_until(pred, timeout=5.0, interval=0.05, what="condition"):
    """Poll pred() until it returns a truthy value; return that value.

    Raises WaitTimeout (an AssertionError) after `timeout` seconds.  The last
    exception raised by pred (if any) is chained for diagnosis."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
            last_exc = None
        except Exception as e:  # noqa: BLE001 - diagnostic only
            last_exc = e
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout}s waiting for {what}") from last_exc
        time.sleep(interval)


def run(cmd, timeout=10.0, check=True, input=None):
    """Run a short command, capture output, bounded in time."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, input=input, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {' '.join(cmd)}\n"
                           f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p

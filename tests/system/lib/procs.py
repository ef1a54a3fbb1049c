"""Process tracking: every process a test starts is registered here and
killed (by its pid / its own process group) at teardown.  Nothing else is
ever signalled."""
import os
import signal
import subprocess


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is still "there" for kill(0); treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()[0]
        return st != "Z"
    except OSError:
        return False


def _start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


class Proc:
    """A started process: Popen plus its name and log files."""

    def __init__(self, name, popen, stdout_path, stderr_path):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.popen.poll() is None:
            os.kill(self.pid, sig)

    def wait(self, timeout):
        return self.popen.wait(timeout=timeout)

    def stderr_text(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stdout_text(self):
        try:
            with open(self.stdout_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __repr__(self):
        return f"<Proc {self.name} pid={self.pid} rc={self.popen.poll()}>"


class ProcTracker:
    """Starts processes in their own process group and kills exactly them."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.procs = []
        self.extra_pids = []  # pids learned later (e.g. pppd stubs)
        self._n = 0

    def start(self, name, argv, env=None, cwd=None):
        self._n += 1
        base = os.path.join(self.logdir, f"{self._n:02d}-{name}")
        out = open(base + ".out", "wb")
        err = open(base + ".err", "wb")
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 env=env, cwd=cwd, start_new_session=True)
        finally:
            out.close()
            err.close()
        proc = Proc(name, p, base + ".out", base + ".err")
        self.procs.append(proc)
        return proc

    def add_pid(self, pid):
        """Track a process started indirectly (e.g. a pppd stub forked by
        xl2tpd).  Its start time is recorded so a recycled pid is never hit."""
        st = _start_time(pid)
        if st is not None:
            self.extra_pids.append((pid, st))

    def stop(self, proc, sig=signal.SIGTERM, timeout=5.0):
        """Signal one process and wait for it; SIGKILL if it lingers.
        Returns its exit status (negative = killed by signal)."""
        if proc.popen.poll() is None:
            proc.signal(sig)
            try:
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill_group(proc)
                return proc.wait(5)
        return proc.popen.returncode

    @staticmethod
    def _kill_group(proc):
        # The group was created for this process (start_new_session), so
        # its id is the pid we started; only our own children are in it.
        for target in (lambda: os.killpg(proc.pid, signal.SIGKILL),
                       lambda: os.kill(proc.pid, signal.SIGKILL)):
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass

    def cleanup(self):
        for proc in reversed(self.procs):
            if proc.popen.poll() is None:
                try:
                    proc.signal(signal.SIGTERM)
                    proc.wait(2)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    pass
            # Reap leftovers of the group (e.g. pppd stubs under xl2tpd).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                pass
        for pid, st in self.extra_pids:
            if pid_alive(pid) and _start_time(pid) == st:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

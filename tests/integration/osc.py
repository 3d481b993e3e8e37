"""The unmodified `openstack` CLI, imported once per test process and forked per command.

Each `openstack` process spends about a second of CPU importing its plugins before it sends a
request; the suite runs it hundreds of times on two cores. Here a server process imports
openstackclient and every module its entry points name, once, then forks a child per command:
the child runs `openstackclient.shell.main(argv)` (what the console script runs) with the
command's environment, working directory and its own stdout/stderr, exactly as a fresh
process would, and exits. Nothing a command does reaches the next one.

Run as a script, this module is that server; imported, `run` is its client.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

_server: tuple[subprocess.Popen, str] | None = None


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """`openstack *argv` with env: its exit status, stdout and stderr (text)."""
    path = _socket()
    request = {"argv": argv, "env": env, "cwd": os.getcwd(), "timeout": timeout}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(timeout + 10)
        sock.connect(path)
        _send(sock, request)
        sock.shutdown(socket.SHUT_WR)
        try:
            answer = _receive(sock)
        except (TimeoutError, EOFError) as e:
            raise subprocess.TimeoutExpired(["openstack", *argv], timeout) from e
    return subprocess.CompletedProcess(["openstack", *argv], answer["rc"],
                                       answer["stdout"], answer["stderr"])


def _socket() -> str:
    global _server
    if _server is not None and _server[0].poll() is None:
        return _server[1]
    path = tempfile.mktemp(prefix="cheptel-osc-", suffix=".sock")
    proc = subprocess.Popen([sys.executable, __file__, path], stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    assert ready.strip() == b"ready", f"the openstack CLI server did not start: {ready!r}"
    _server = (proc, path)
    return path


def _send(sock: socket.socket, message: dict) -> None:
    data = json.dumps(message).encode()
    sock.sendall(struct.pack("!I", len(data)) + data)


def _receive(sock: socket.socket) -> dict:
    def exactly(n: int) -> bytes:
        chunks = b""
        while len(chunks) < n:
            chunk = sock.recv(n - len(chunks))
            if not chunk:
                raise EOFError
            chunks += chunk
        return chunks
    (length,) = struct.unpack("!I", exactly(4))
    return json.loads(exactly(length))


# -- the server ----------------------------------------------------------------------------

def _warm() -> None:
    """Import what a command would: openstackclient and every module its plugins name."""
    import importlib
    import importlib.metadata

    import cliff.command
    import openstackclient.shell  # noqa: F401
    cliff.command._get_distributions_by_modules()  # each command's help epilog reads it
    groups = ("openstack.", "cliff.formatter.", "keystoneauth1.plugin")
    for ep in (ep for d in importlib.metadata.distributions() for ep in d.entry_points):
        if ep.group.startswith(groups):
            try:
                importlib.import_module(ep.module)
            except Exception:  # a plugin that cannot import fails the same way in the child
                pass


def _child(conn: socket.socket) -> None:
    """Run one command in this forked process and answer; never returns."""
    rc = 1
    try:
        request = _receive(conn)
        signal.alarm(int(request["timeout"]) + 1)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        out, err = os.memfd_create("stdout"), os.memfd_create("stderr")
        for fd, target in ((os.open(os.devnull, os.O_RDONLY), 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
        sys.argv = [sys.argv[0], *request["argv"]]
        from openstackclient import shell
        try:
            rc = shell.main(request["argv"])
        except SystemExit as e:  # argparse's usage errors, --help
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()

        def read(fd: int) -> str:
            os.lseek(fd, 0, os.SEEK_SET)
            with os.fdopen(os.dup(fd), "rb") as f:
                return f.read().decode(errors="replace")
        _send(conn, {"rc": rc, "stdout": read(out), "stderr": read(err)})
    finally:
        os._exit(0)


def _serve(path: str) -> None:
    sys.argv = [str(Path(sys.executable).parent / "openstack")]  # cliff names its app at import
    with warnings.catch_warnings():  # a plugin's import-time deprecation, said once, not here
        warnings.simplefilter("ignore")
        _warm()
    parent = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reaped by the kernel
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(64)
    server.settimeout(2)
    print("ready", flush=True)
    try:
        while os.getppid() == parent:  # ends with the test process that started it
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            if os.fork() == 0:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                conn.settimeout(None)
                _child(conn)
            conn.close()
    finally:
        Path(path).unlink(missing_ok=True)


if __name__ == "__main__":
    _serve(sys.argv[1])

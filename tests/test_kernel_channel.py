"""The hub test's stand-in for a JupyterLab tab (``tools/kernelws.py``) when its websocket drops.

JupyterLab opens a dropped kernel websocket again with the same ``session_id``, and the Jupyter
server replays what the kernel sent meanwhile; the stand-in must do the same, or one dropped
connection on a busy machine fails a whole class test (it did, in CI: "Connection to remote
host was lost" for one student of ten).  These tests drive it with a fake server, no hub.
"""

from __future__ import annotations

import json

import pytest
from websocket import WebSocketConnectionClosedException, WebSocketTimeoutException

from kernelws import KernelChannel, KernelError   # tools/ is on sys.path (tests/conftest.py)


class FakeKernel:
    """A kernel behind websockets: answers each execute_request with idle + execute_reply.

    ``drop_after``: the first connections die after receiving that many frames from the
    kernel (the rest of that reply is "buffered" and replayed to the next connection of the
    same session, as jupyter_server does).  ``refuse``: connections after the first fail to open.
    """

    def __init__(self, drop_after: list[int], refuse: bool = False):
        self.drop_after, self.refuse = list(drop_after), refuse
        self.sessions: list[str] = []
        self.pending: list[str] = []        # frames the kernel sent that no connection has read yet

    def connect(self, session_id: str):
        if self.refuse and self.sessions:
            raise ConnectionRefusedError("server gone")
        self.sessions.append(session_id)
        return FakeSocket(self, self.drop_after.pop(0) if self.drop_after else None)

    def reply(self, request: dict) -> None:
        parent = {"msg_id": request["header"]["msg_id"]}
        for kind, content in (("stream", {"name": "stdout", "text": "42\n"}),
                              ("execute_reply", {"status": "ok"}),
                              ("status", {"execution_state": "idle"})):
            self.pending.append(json.dumps({"header": {"msg_type": kind}, "msg_type": kind,
                                            "parent_header": parent, "content": content}))


class FakeSocket:
    def __init__(self, kernel: FakeKernel, frames_left: int | None):
        self.kernel, self.frames_left, self.closed = kernel, frames_left, False

    def settimeout(self, t):
        pass

    def send(self, frame: str):
        if self.closed:
            raise WebSocketConnectionClosedException("socket is already closed.")
        self.kernel.reply(json.loads(frame))

    def recv(self):
        if self.frames_left == 0:
            self.closed = True
            raise WebSocketConnectionClosedException("Connection to remote host was lost.")
        if not self.kernel.pending:
            raise WebSocketTimeoutException("timed out")
        if self.frames_left is not None:
            self.frames_left -= 1
        return self.kernel.pending.pop(0)

    def close(self):
        self.closed = True


def test_a_dropped_websocket_is_opened_again_with_the_same_session_and_the_cell_finishes():
    kernel = FakeKernel(drop_after=[1])          # the first connection dies after the cell's first output
    channel = KernelChannel(kernel.connect, timeout=5)
    outputs = channel.execute("print(42)")
    assert [o["text"] for o in outputs] == ["42\n"]
    assert len(kernel.sessions) == 2 and kernel.sessions[0] == kernel.sessions[1] == channel.session
    assert len(channel.reconnects) == 1 and "Connection to remote host was lost" in channel.reconnects[0]
    assert channel.execute("print(42)")          # and the next cell runs on the new connection


def test_a_connection_that_keeps_dropping_fails_after_the_reconnect_budget():
    kernel = FakeKernel(drop_after=[0, 0, 0])
    channel = KernelChannel(kernel.connect, timeout=5, max_reconnects=2)
    with pytest.raises(KernelError, match="2 reconnects before"):
        channel.execute("print(42)")


def test_a_server_that_is_gone_is_named_not_waited_for():
    kernel = FakeKernel(drop_after=[0], refuse=True)
    channel = KernelChannel(kernel.connect, timeout=5)
    with pytest.raises(KernelError, match="did not open again.*server gone"):
        channel.execute("print(42)")


def test_a_quiet_kernel_is_a_timeout_not_a_reconnect():
    channel = KernelChannel(FakeKernel(drop_after=[]).connect, timeout=5)
    channel.drain(quiet=0.01)                    # nothing arrives: drain returns, nothing reconnected
    assert channel.reconnects == []

"""A Jupyter kernel driven over the Jupyter server's kernel websocket, with a widget frontend stand-in.

What a JupyterLab tab does, without a browser: run a notebook's code cells one after another,
keep the widget models the kernel opens (``comm_open``), move a slider (a ``comm_msg`` that
sets its ``value``, as ipywidgets' frontend sends it) and wait for the figure's new picture
(ipympl sends each redraw as a ``{"type": "binary"}`` comm message with a PNG buffer).

The stand-in answers what ipympl's frontend answers: ``initialized`` when a canvas opens (so
the kernel sends diffs, not data URLs) and a ``draw`` request with a ``draw`` (the full redraw
a browser would ask for).  Shared by ``tests/hub/`` and ``benchmarks/bench_hub.py``.

A dropped websocket is opened again, as JupyterLab does ("Kernel connecting…"): with the same
``session_id`` in the URL, so the Jupyter server replays what the kernel sent while it was
down (it buffers per kernel and session).  ``reconnects`` keeps when and why, for the report.
"""

from __future__ import annotations

import contextlib
import json
import struct
import time
import uuid
from dataclasses import dataclass, field

from websocket import WebSocketConnectionClosedException, WebSocketTimeoutException

CANVAS_MODEL = "MPLCanvasModel"
SLIDER_MODELS = ("IntSliderModel", "FloatSliderModel", "FloatLogSliderModel")


class KernelError(AssertionError):
    """A cell raised, or the kernel stopped answering."""


def decode(frame) -> dict:
    """One websocket frame as a message dict: JSON text, or the server's binary form (buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    nbufs = struct.unpack("!i", frame[:4])[0]
    offsets = [*struct.unpack("!" + "I" * nbufs, frame[4:4 * (nbufs + 1)]), None]
    parts = [frame[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    msg = json.loads(parts[0].decode("utf8"))
    msg["buffers"] = parts[1:]
    return msg


@dataclass
class Widget:
    """A widget model as the kernel opened it: its comm id, model name and latest state."""

    comm_id: str
    model: str
    state: dict = field(default_factory=dict)


class KernelChannel:
    """One kernel's websocket (``/api/kernels/<id>/channels``) and the widgets it opened.

    ``connect(session_id)`` opens the websocket (a ``websocket.WebSocket``) for this client's
    session; it is called once here and again after the connection drops, at most
    ``max_reconnects`` times.  ``timeout`` bounds every wait (seconds).
    """

    def __init__(self, connect, *, timeout: float = 300.0, max_reconnects: int = 3):
        self.connect, self.timeout, self.max_reconnects = connect, timeout, max_reconnects
        self.session = uuid.uuid4().hex
        self.ws = connect(self.session)
        self.reconnects: list[str] = []   # one line per dropped connection: when, why
        self.widgets: dict[str, Widget] = {}
        self.images = 0            # redraws received from any canvas
        self.last_image_at = 0.0
        self._t0 = time.monotonic()

    def close(self) -> None:
        self.ws.close()

    def _reconnect(self, exc: Exception) -> None:
        """Open the websocket again after ``exc`` dropped it (KernelError once the budget is spent)."""
        why = f"{type(exc).__name__}: {exc}"
        if len(self.reconnects) >= self.max_reconnects:
            raise KernelError(f"no message from the kernel ({why}; {len(self.reconnects)} reconnects before: "
                              f"{'; '.join(self.reconnects)})") from None
        self.reconnects.append(f"{time.monotonic() - self._t0:.1f} s: {why}")
        with contextlib.suppress(Exception):
            self.ws.close()
        time.sleep(0.5 * len(self.reconnects))
        try:
            self.ws = self.connect(self.session)
        except Exception as err:  # noqa: BLE001  (the server is gone: say so)
            raise KernelError(f"the kernel's websocket dropped ({why}) and did not open again "
                              f"({type(err).__name__}: {err})") from None

    # -- sending -------------------------------------------------------------------------
    def _send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "student", "session": self.session,
                  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "version": "5.3"}
        frame = json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                            "channel": channel, "buffers": []})
        while True:
            try:
                self.ws.send(frame)
                return msg_id
            except (OSError, WebSocketConnectionClosedException) as exc:
                self._reconnect(exc)

    def _canvas_message(self, comm_id: str, kind: str) -> None:
        self._send("comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"type": kind}}})

    # -- receiving -----------------------------------------------------------------------
    def _receive(self, deadline: float) -> dict:
        while True:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                msg = decode(self.ws.recv())
                break
            except (WebSocketTimeoutException, TimeoutError) as exc:
                raise KernelError(f"no message from the kernel ({type(exc).__name__}: {exc})") from None
            except (OSError, WebSocketConnectionClosedException) as exc:   # dropped: open it again
                self._reconnect(exc)
        self._handle(msg)
        return msg

    def _handle(self, msg: dict) -> None:
        kind, content = msg.get("msg_type") or msg["header"]["msg_type"], msg.get("content", {})
        if kind == "comm_open":
            data = content.get("data", {})
            state = data.get("state", {})
            w = Widget(content["comm_id"], state.get("_model_name", ""), state)
            self.widgets[w.comm_id] = w
            if w.model == CANVAS_MODEL:   # the frontend view is up: diffs from now on
                self._canvas_message(w.comm_id, "initialized")
        elif kind == "comm_msg":
            w = self.widgets.get(content.get("comm_id"))
            data = content.get("data", {})
            if w is None:
                return
            if data.get("method") == "update":
                w.state.update(data.get("state", {}))
            elif data.get("method") == "custom" and w.model == CANVAS_MODEL:
                inner = data.get("content", {}).get("data", "")
                if '"type": "binary"' in inner and msg.get("buffers"):
                    self.images += 1
                    self.last_image_at = time.monotonic()
                elif '"type": "draw"' in inner:     # the browser answers a draw request with a draw
                    self._canvas_message(w.comm_id, "draw")

    # -- running code --------------------------------------------------------------------
    def execute(self, code: str) -> list[dict]:
        """Run ``code``; return its iopub outputs. Raises KernelError naming the exception if it raised."""
        msg_id = self._send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        deadline = time.monotonic() + self.timeout
        outputs, error, idle, replied = [], None, False, False
        while not (idle and replied):
            msg = self._receive(deadline)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
            elif kind == "error":
                error = msg["content"]
            elif kind in ("stream", "display_data", "execute_result"):
                outputs.append(msg["content"])
        if error:
            raise KernelError(f"{error['ename']}: {error['evalue']}\n--- in cell:\n{code[:600]}")
        return outputs

    def run_cells(self, sources: list[str]) -> None:
        """Run code cells in order, as Run All does (stops at the first cell that raises)."""
        for src in sources:
            self.execute(src)

    def wait_images(self, count: int, timeout: float = 60.0) -> None:
        """Wait until ``count`` redraws have arrived in all (the figures' first pictures)."""
        deadline = time.monotonic() + timeout
        while self.images < count:
            self._receive(deadline)

    # -- sliders -------------------------------------------------------------------------
    def sliders(self) -> list[Widget]:
        return [w for w in self.widgets.values() if w.model in SLIDER_MODELS]

    def move(self, slider: Widget, value) -> float:
        """Set ``slider`` to ``value`` as the frontend does; milliseconds until a new picture arrives."""
        self.drain()
        before = self.images
        t0 = time.monotonic()
        self._send("comm_msg", {"comm_id": slider.comm_id,
                                "data": {"method": "update", "state": {"value": value}, "buffer_paths": []}})
        deadline = t0 + self.timeout
        while self.images == before:
            self._receive(deadline)
        slider.state["value"] = value
        return (self.last_image_at - t0) * 1e3

    def drain(self, quiet: float = 0.2) -> None:
        """Handle whatever is still arriving until the kernel is quiet for ``quiet`` seconds."""
        while True:
            try:
                self._receive(time.monotonic() + quiet)
            except KernelError:
                return


def other_value(slider: Widget, step_index: int):
    """A slider value one to a few steps away from the current one, inside its range."""
    s = slider.state
    lo, hi, step, v = s["min"], s["max"], s.get("step") or 1, s["value"]
    k = 1 + step_index % 3
    new = v + k * step if v + k * step <= hi else v - k * step
    new = min(max(new, lo), hi)
    return int(round(new)) if slider.model == "IntSliderModel" else float(new)

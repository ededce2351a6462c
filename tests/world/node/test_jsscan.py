"""Reading the gateway's JavaScript: is the per-connection SIGTERM listener removed?"""

from __future__ import annotations

import pytest

from pagerdrill.world.node.jsscan import (
    function_body,
    heap_dump_handler,
    sigterm_leak,
    strip_comments,
    warning_handler,
)

SEED_LEAK = """function setupWebSocket(socket) {
  // This listener is added fresh on every call
  process.on('SIGTERM', () => {
    socket.close();
  });
  socket.on('message', handleMessage);
}"""
SEED_FIX = """function setupWebSocket(socket) {
  const cleanup = () => socket.close();
  process.on('SIGTERM', cleanup);
  socket.on('close', () => {
    // Remove the listener when the connection closes
    process.removeListener('SIGTERM', cleanup);
  });
}"""


@pytest.mark.parametrize(("code", "leaky"), [
    (SEED_LEAK, True),
    (SEED_FIX, False),
    (SEED_FIX.replace("    process.removeListener", "    // process.removeListener"), True),
    (SEED_FIX.replace("removeListener", "off"), False),
    (SEED_FIX.replace("process.removeListener('SIGTERM', cleanup)",
                      "process.removeAllListeners('SIGTERM')"), False),
    (SEED_FIX.replace("socket.on('close'", "socket.on('error'"), True),  # wrong event
    (SEED_FIX.replace("'SIGTERM', cleanup);\n  });", "'SIGINT', cleanup);\n  });"), True),
    (SEED_FIX.replace("process.on('SIGTERM', cleanup)", "process.once('SIGTERM', cleanup)"),
     False),
    ("const setupWebSocket = (ws, req) => {\n  const onTerm = () => ws.close(1001);\n"
     "  process.on(\"SIGTERM\", onTerm);\n  ws.once(\"close\", onClose);\n"
     "  function onClose() { process.off(\"SIGTERM\", onTerm); }\n};", False),
    ("function setupWebSocket(socket) {\n  socket.on('message', handle);\n}", False),
    ("function other(socket) {\n  process.on('SIGTERM', () => socket.close());\n}", False),
])
def test_sigterm_leak(code: str, leaky: bool) -> None:
    assert sigterm_leak(code).leaky is leaky


def test_a_removal_elsewhere_does_not_count() -> None:
    code = SEED_FIX.replace("socket.on('close', () => {\n", "socket.on('close', () => {});\n"
                            "  function never() {\n")
    assert sigterm_leak(code).leaky


def test_comments_are_blanked_strings_kept() -> None:
    text = "a(); // b('SIGTERM')\n/* c\nd */ e('x // y');"
    stripped = strip_comments(text)
    assert "SIGTERM" not in stripped and "'x // y'" in stripped
    assert stripped.count("\n") == text.count("\n")


def test_function_body_and_parameters() -> None:
    found = function_body("function setupWebSocket(sock, req = {}) { return '}'; }",
                          "setupWebSocket")
    assert found == (["sock", "req"], " return '}'; ")


def test_heap_dump_handler() -> None:
    assert heap_dump_handler("process.on('SIGUSR2', () => { v8.writeHeapSnapshot(); });")
    assert heap_dump_handler("process.on('SIGUSR2', () => heapdump.writeSnapshot());")
    assert not heap_dump_handler("// process.on('SIGUSR2', () => v8.writeHeapSnapshot());")
    assert not heap_dump_handler("process.on('SIGUSR1', () => v8.writeHeapSnapshot());")


@pytest.mark.parametrize(("code", "kind"), [
    ("process.on('warning', (w) => { if (w.name === 'MaxListenersExceededWarning') "
     "alerts.page(w); });", "alert"),
    ("process.on('warning', (w) => process.exit(1));", "exit"),
    ("process.on('warning', (w) => { throw w; });", "exit"),
    ("process.on('warning', (w) => console.log(w.message));", ""),
    ("// process.on('warning', (w) => process.exit(1));", ""),
])
def test_warning_handler(code: str, kind: str) -> None:
    assert warning_handler(code) == kind

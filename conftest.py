"""Root test configuration: eventlet must patch before anything imports sockets.

SIGTERM (a CI time-out, `timeout make test`, `kill`) and SIGHUP end the run the way
Ctrl-C does: pytest turns KeyboardInterrupt into an orderly finish, and that tears
the session's fixtures down, so the private test stack is stopped on every exit path
that Python can see (SIGKILL aside: the next run stops what that one left behind).
"""
import signal

import eventlet

eventlet.monkey_patch()


def _interrupt(signum, frame):
    """The first signal starts the orderly finish; later ones are ignored, so a second
    SIGTERM (a supervisor repeating itself) cannot cut the stack's teardown short and
    leave its databases and broker running."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


signal.signal(signal.SIGTERM, _interrupt)
signal.signal(signal.SIGHUP, _interrupt)

"""A local stand-in for the DashScope and inference.sh video APIs.

`python -m studio.emulator --port 8765 [--task-seconds 3]` serves both
protocols on 127.0.0.1 from one app, validates requests as strictly as the real
services, returns real MP4s, and takes injected faults over /_emulator (see
studio.emulator.admin and studio.emulator.control). Tests start it with the
fixture in tests/emulator_fixture.py.
"""

from studio.emulator.server import create_app

__all__ = ["create_app"]

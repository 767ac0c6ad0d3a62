"""The control API under /_emulator: faults, settings, reset and statistics.

  POST /_emulator/faults   {"faults": [{...}, ...]} (or one fault object) -> {"faults": [armed...]}
  GET  /_emulator/faults   -> {"faults": [armed...]}
  DELETE /_emulator/faults -> disarm all
  POST /_emulator/config   {"task_seconds": 0.3, ...} -> the settings now in force
  GET  /_emulator/config
  POST /_emulator/reset    forget tasks, files, faults, counters; restore start-up settings
  GET  /_emulator/stats    {"creates", "requests", "tasks", "webhooks", "faults", "config"}

No authentication: the emulator only listens on 127.0.0.1.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from studio.emulator.faults import parse_fault
from studio.emulator.state import Store


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw) if raw.strip() else {}


def routes(store: Store) -> list[Route]:
    async def faults(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            store.faults.clear()
        elif request.method == "POST":
            try:
                body = await _json(request)
                specs = body.get("faults", [body]) if isinstance(body, dict) else body
                if not isinstance(specs, list):
                    raise ValueError("faults must be a list")
                parsed = [parse_fault(spec) for spec in specs]
            except ValueError as exc:
                return _bad(str(exc))
            store.faults.add(parsed)
        return JSONResponse({"faults": store.faults.describe()})

    async def config(request: Request) -> JSONResponse:
        if request.method == "POST":
            try:
                body = await _json(request)
                if not isinstance(body, dict):
                    raise ValueError("send an object of settings")
                store.config.update(body)
            except ValueError as exc:
                return _bad(str(exc))
        return JSONResponse(store.config.as_dict())

    async def reset(request: Request) -> JSONResponse:
        store.reset()
        return JSONResponse({"ok": True, "config": store.config.as_dict()})

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(store.stats())

    return [
        Route("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/config", config, methods=["GET", "POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/stats", stats, methods=["GET"]),
    ]

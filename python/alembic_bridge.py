"""runbook's bridge to a real Alembic project.

Usage: python3 alembic_bridge.py <alembic.ini>   (database URL in RUNBOOK_DATABASE_URL, optional)

Loads Alembic's Config once, then reads commands as JSON lines on stdin and answers each with one
JSON line on stdout (Alembic's own logging goes to stderr):

  {"cmd": "list"}                  -> {"ok": true, "revisions": [{revision, down_revisions,
                                        branch_labels, depends_on, message, path}, ...]}
  {"cmd": "upgrade", "revision": R} -> {"ok": true, "revision": R, "duration_ms": n}
                                     | {"ok": false, "error": {pgcode, message, detail, hint,
                                        statement, position, type}}
  {"cmd": "quit"}                   -> exits

Upgrades go one revision at a time through Alembic's command API (command.upgrade), so Alembic
itself runs env.py, the migration and its alembic_version bookkeeping.
"""

import json
import os
import sys
import time
import traceback


def _tuple(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _error(exc):
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    out = {
        "type": type(exc).__name__,
        "pgcode": getattr(orig, "pgcode", None) or getattr(exc, "pgcode", None),
        "message": None,
        "detail": None,
        "hint": None,
        "position": None,
        "statement": getattr(exc, "statement", None),
    }
    if diag is not None:
        out["message"] = diag.message_primary
        out["detail"] = diag.message_detail
        out["hint"] = diag.message_hint
        pos = diag.statement_position
        out["position"] = int(pos) if pos else None
    if not out["message"]:
        out["message"] = str(orig if orig is not None else exc).strip().split("\n")[0]
    out["traceback"] = traceback.format_exc()[-4000:]
    return out


def main():
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    ini = os.path.abspath(sys.argv[1])
    protocol = sys.stdout
    # Anything Alembic or env.py prints must not corrupt the protocol stream.
    sys.stdout = sys.stderr
    cfg = Config(ini)
    url = os.environ.get("RUNBOOK_DATABASE_URL")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

    def reply(obj):
        protocol.write(json.dumps(obj) + "\n")
        protocol.flush()

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as exc:
            reply({"ok": False, "error": {"type": "BadRequest", "message": str(exc)}})
            continue
        cmd = req.get("cmd")
        if cmd == "quit":
            break
        try:
            if cmd == "list":
                script = ScriptDirectory.from_config(cfg)
                revs = []
                for sc in script.walk_revisions("base", "heads"):
                    revs.append(
                        {
                            "revision": sc.revision,
                            "down_revisions": _tuple(sc.down_revision),
                            "branch_labels": sorted(_tuple(sc.branch_labels)),
                            "depends_on": _tuple(sc.dependencies),
                            "message": sc.doc,
                            "path": os.path.abspath(sc.path),
                        }
                    )
                reply({"ok": True, "revisions": revs})
            elif cmd == "upgrade":
                started = time.monotonic()
                command.upgrade(cfg, req["revision"])
                reply(
                    {
                        "ok": True,
                        "revision": req["revision"],
                        "duration_ms": int((time.monotonic() - started) * 1000),
                    }
                )
            else:
                reply({"ok": False, "error": {"type": "BadRequest", "message": "unknown cmd %r" % cmd}})
        except Exception as exc:  # every failure is reported, never raised
            reply({"ok": False, "error": _error(exc)})


if __name__ == "__main__":
    main()

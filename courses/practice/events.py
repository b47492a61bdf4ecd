"""Every event of the practice websocket, in one place.

Server → browser events are JSON objects with a "type" field. Inside the channel layer the
same events travel as {"type": "practice.event", "event": {...}} to the consumer of group
`practice.<session uuid>`; `events_send` is the one helper that calls group_send.

Browser → server messages:
    {"type": "turn.submit", "client_id": "<uuid4>", "text": "..."}   a learner turn (≤ MAX_TURN_CHARS)
    {"type": "turn.retry", "turn_id": 12}                           re-run a failed analysis
    {"type": "session.continue"}                                    resume after a wellbeing pause

Server → browser events:
    session.state    {"session": {...}, "turns": [turn, ...]}   full state from the database, on connect
    turn.saved       {"turn": turn}                             the learner turn is stored (ack of client_id)
    turn.status      {"turn_id", "status": queued|running|failed, "reason"}
    turn.analysis    {"turn_id", "analysis": {emotion, empathy, safety, text_truncated}}
    guidance         {"turn_id", "guidance": {"worked", "try_next", "rewrite", "weakest", "pause", "resources"}}
    persona.state    {"turn_id", "emotions": {label: intensity}, "trajectory": [...]}
    reply.start      {"turn_id": persona turn id, "in_reply_to": learner turn id}
    reply.token      {"turn_id", "token": "word "}
    reply.done       {"turn": persona turn (with "emotions" read by the detector)}
    session.summary  {"summary": {...}}
    error            {"code", "message", "client_id"?}
"""

from __future__ import annotations

from typing import Any

# Browser → server
TURN_SUBMIT = "turn.submit"
TURN_RETRY = "turn.retry"
SESSION_CONTINUE = "session.continue"
CLIENT_TYPES = frozenset({TURN_SUBMIT, TURN_RETRY, SESSION_CONTINUE})

# Server → browser
SESSION_STATE = "session.state"
TURN_SAVED = "turn.saved"
TURN_STATUS = "turn.status"
TURN_ANALYSIS = "turn.analysis"
GUIDANCE = "guidance"
PERSONA_STATE = "persona.state"
REPLY_START = "reply.start"
REPLY_TOKEN = "reply.token"
REPLY_DONE = "reply.done"
SESSION_SUMMARY = "session.summary"
ERROR = "error"

MAX_TURN_CHARS = 2000
MAX_FRAME_BYTES = 16_384

# Error codes the page knows how to show.
ERR_MALFORMED = "malformed"
ERR_UNKNOWN_TYPE = "unknown_type"
ERR_BINARY = "binary_frame"
ERR_TOO_LONG = "too_long"
ERR_EMPTY = "empty"
ERR_RATE_LIMITED = "rate_limited"
ERR_SESSION_CLOSED = "session_closed"
ERR_NOT_FOUND = "not_found"


def event(type_: str, **payload: Any) -> dict[str, Any]:
    return {"type": type_, **payload}


def group_name(session_id: object) -> str:
    return f"practice.{session_id}"

"""Every event of the practice websocket, in one place.

Server → browser events are JSON objects with a "type" field. Inside the channel layer the
same events travel as {"type": "practice.event", "events": [{...}, ...]} (one layer message for the
events sent together) to the consumer of group `practice.<session uuid>`;
`courses.practice.broadcast` is the one module that calls group_send.

Browser → server messages:
    {"type": "turn.submit", "client_id": "<uuid4>", "text": "..."}   a learner turn (≤ MAX_TURN_CHARS)
    {"type": "turn.retry", "turn_id": 12}                           re-run a failed analysis (or one stuck
                                                                    queued/running for over two minutes)
    {"type": "session.continue"}                                    resume after a wellbeing pause

Server → browser events:
    session.state    {"session": {...}, "turns": [turn, ...], "trajectory": [...]}
                     full state from the database: on connect, and after session.continue
    turn.saved       {"turn": turn}                             the learner turn is stored (ack of client_id)
    turn.status      {"turn_id", "status": queued|running|failed, "reason"}
    turn.analysis    {"turn_id", "analysis": {emotion, empathy, safety, text_truncated}}
    guidance         {"turn_id", "guidance": {"worked", "try_next", "rewrite", "weakest", "persona_emotion",
                                              "pause", "resources"}}
    persona.state    {"turn_id", "emotions": {label: intensity}, "trajectory": [...], "session_status"}
    reply.start      {"turn_id": persona turn id, "in_reply_to": learner turn id}
    reply.token      {"turn_id", "token": "word "}              append as is: one word and its space, or a
                                                                few words when the worker is busy
    reply.done       {"turn": persona turn (with "emotions" read by the detector)}
    session.summary  {"summary": {...}, "status": "completed"}
    error            {"code", "message", "client_id"?}

Shapes (courses/selectors/practice.py builds them, from the database):
    turn       {"id", "index", "role": learner|persona, "client_id", "text", "status": queued|running|done|failed,
                "failure_reason", "persona_state": {label: 0..1} | null (feelings after this turn),
                "in_reply_to": learner turn id | null, "created_at",
                learner only: "analysis" | null, "guidance" | null;
                persona only: "emotions": {label: p} (the detector's top labels for the reply, may be neutral)}
    session    {"id", "status": active|paused|completed, "persona_state", "goals_met": [goal id], "score",
                "summary" | null, "learner_turns", "scenario": {"id", "title", "persona_name", "persona_bio",
                "situation", "max_turns", "goals": [{"id", "description", "mechanism"}]}}
    trajectory [{"index": turn index, "emotions": {label: 0..1}}]: the opening feelings, then after each
               analysed learner turn
    guidance   "worked", "try_next", "rewrite" are plain sentences (null when paused, "rewrite" null when
               nothing is missing); "weakest" is "er"|"ip"|"ex"|null; "pause": true with "resources":
               {"title", "body", "lines": [...], "continue_label"} when the learner's words raised a concern
               (the session is paused: send session.continue to resume)
    summary    {"turns", "mechanisms": {"er"|"ip"|"ex": {"name", "average", "best"}}, "trajectory",
                "goals": [{"id", "description", "mechanism", "met", "progress", "needed"}], "goals_met",
                "highlights": [{"turn_index", "mechanism", "level", "quote", "note"}] (≤ 3),
                "practise_next": {"mechanism", "text"}, "score": 0..1}

Order for one learner turn: turn.saved (to every tab, before the analysis is scheduled), then from the
worker turn.status running (claimed), turn.analysis, guidance, persona.state, and unless the session
paused or had already ended
reply.start, reply.token…, reply.done, then session.summary if this turn ended the session.
A resend of a stored client_id gets turn.saved again (to that socket only) and nothing else.

The socket closes with 4403 (not logged in, or not this learner's session) or 4404 (no such
session) right after accepting, with no data. Bad frames get an error event; the socket stays open.
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

"""Every message of the practice websocket and the channel layer, typed, in one place.

Server → browser events are JSON objects with a "type" field, one `TypedDict` each below, built
only by the constructors at the end of this module. Inside the channel layer the events travel as
a `ChannelMessage` ({"type": "practice.event", "events": [...]}: one layer message for the events
sent together) to the consumers of group `practice.<session uuid>`; `courses.practice.broadcast`
is the one module that calls group_send.

Browser → server messages (`ClientMessage`):
    turn.submit       a learner turn (≤ MAX_TURN_CHARS), with a client-made uuid4 so a resend is
                      recognised
    turn.retry        re-run a failed analysis (or one stuck queued/running for over two minutes)
    session.continue  resume after a wellbeing pause
    session.wrap_up   end the conversation now: the persona says a closing line, then the summary
    draft.analyze     the learner's unsent draft (after ~600 ms without typing, hints on): a worker
                      runs the empathy scorer on it alone, on queue "drafts"; the answer is draft.hint
                      with the same draft_id. Drafts are never stored or logged; a socket has at most
                      one in flight (a newer one waiting replaces an older) and DRAFTS_PER_MINUTE.

Order for one learner turn: turn.saved (to every tab, before the analysis is scheduled), then from the
worker turn.status running (claimed), turn.analysis, guidance, persona.state, and unless the session
paused or had already ended reply.start, reply.token…, reply.done, then session.summary if this turn
ended the session. In a generative scenario the analysis worker sends reply.start for a persona turn
saved "streaming", and the generation worker sends its reply.token events (with offsets) as each
sentence passes the checks, then reply.done with the saved turn. A resend of a stored client_id gets turn.saved again (to that socket only).

While a learner's turn waits and no inference worker is alive (empathycamp/heartbeat.py), the
socket is sent analysis.delayed (the page says the words are saved and feedback will follow), and
analysis.resumed once a worker is back; the queued turns are then analysed as usual.

The socket closes with CLOSE_FORBIDDEN (not logged in, or not this learner's session) or
CLOSE_NOT_FOUND (no such session) right after accepting, with no data. Bad frames get an error
event; the socket stays open. The page reads these names from `page_constants()` (a JSON script
tag), never from a copy of its own.
"""

from __future__ import annotations

from typing import Any, Final, Literal, NotRequired, TypedDict

from courses.practice.rewrite_diff import DiffSegment
from courses.practice.signals import MECHANISM_NAMES, needs_pause
from courses.practice.wellbeing import WellbeingResources, resources_for
from inference.schema import Mechanism, ModelVersions, SafetyResult, TurnAnalysis

# --- Names -----------------------------------------------------------------------------------

SOCKET_ROUTE: Final = "ws/practice/<uuid:session_id>/"  # courses/routing.py
CHANNEL_MESSAGE_TYPE: Final = "practice.event"  # handled by PracticeConsumer.practice_event

MAX_TURN_CHARS: Final = 2000
# A draft is read after this long without typing, once it has this many characters.
DRAFT_IDLE_MS: Final = 600
DRAFT_MIN_CHARS: Final = 12
MAX_FRAME_BYTES: Final = 16_384
# No message of the protocol nests deeper than 2; a frame nested deeper than this is refused unread.
MAX_JSON_DEPTH: Final = 8

CLOSE_FORBIDDEN: Final = 4403
CLOSE_NOT_FOUND: Final = 4404

# Browser → server
TURN_SUBMIT: Final = "turn.submit"
TURN_RETRY: Final = "turn.retry"
SESSION_CONTINUE: Final = "session.continue"
SESSION_WRAP_UP: Final = "session.wrap_up"
DRAFT_ANALYZE: Final = "draft.analyze"

# Server → browser
SESSION_STATE: Final = "session.state"
TURN_SAVED: Final = "turn.saved"
TURN_STATUS: Final = "turn.status"
TURN_ANALYSIS: Final = "turn.analysis"
GUIDANCE: Final = "guidance"
PERSONA_STATE: Final = "persona.state"
REPLY_START: Final = "reply.start"
REPLY_TOKEN: Final = "reply.token"
REPLY_DONE: Final = "reply.done"
SESSION_SUMMARY: Final = "session.summary"
ANALYSIS_DELAYED: Final = "analysis.delayed"
ANALYSIS_RESUMED: Final = "analysis.resumed"
DRAFT_HINT: Final = "draft.hint"
ERROR: Final = "error"

# Error codes the page knows how to show.
ErrorCode = Literal[
    "malformed",
    "unknown_type",
    "binary_frame",
    "too_long",
    "empty",
    "rate_limited",
    "session_closed",
    "not_found",
    "turn_pending",
    "server_error",
]
ERR_MALFORMED: Final = "malformed"
ERR_UNKNOWN_TYPE: Final = "unknown_type"
ERR_BINARY: Final = "binary_frame"
ERR_TOO_LONG: Final = "too_long"
ERR_EMPTY: Final = "empty"
ERR_RATE_LIMITED: Final = "rate_limited"
ERR_SESSION_CLOSED: Final = "session_closed"
ERR_NOT_FOUND: Final = "not_found"
ERR_TURN_PENDING: Final = "turn_pending"
ERR_SERVER: Final = "server_error"


def group_name(session_id: object) -> str:
    """The channel-layer group of a session's open sockets."""
    return f"practice.{session_id}"


def socket_path(session_id: object) -> str:
    """The websocket path the page connects to (SOCKET_ROUTE filled in)."""
    return f"/{SOCKET_ROUTE.replace('<uuid:session_id>', str(session_id))}"


# --- Shapes (courses/selectors/practice.py builds them from the database) --------------------

TurnRole = Literal["learner", "persona"]
# "streaming": a generated persona reply on its way (its text so far is the turn's text).
TurnStatusName = Literal["queued", "running", "streaming", "done", "failed"]
SessionStatus = Literal["active", "paused", "closing", "completed"]
Emotions = dict[str, float]  # GoEmotions label → 0..1


class TrajectoryPoint(TypedDict):
    index: int  # turn index: 0 for the opening feelings, then each analysed learner turn
    emotions: Emotions


class BlockerView(TypedDict):
    name: str  # one of the guide's seven blockers
    text: str  # a sentence naming it kindly, with the learner's own words


RewriteSource = Literal["template", "generated"]


class GuidanceView(TypedDict):
    """Coaching on one learner turn, rendered for the reader (stored as codes: practice.guidance)."""

    worked: str | None  # None: nothing to praise (a reply that only blocks is never praised)
    blocker: BlockerView | None
    try_next: str | None
    rewrite: str | None  # None when nothing is missing, or paused
    # The rewrite against the learner's own words (kept / removed / added runs), where the learner's
    # text was given to the renderer; "generated": the language model's minimal edit, kept because
    # the scorer rated it higher and the safety screen passed it; "template": built from the words.
    rewrite_diff: NotRequired[list[DiffSegment] | None]
    rewrite_source: NotRequired[RewriteSource | None]
    weakest: Mechanism | None
    persona_emotion: NotRequired[str | None]
    pause: bool  # the learner's own words raised a concern: the session is paused
    resources: WellbeingResources | None


class MechanismSummary(TypedDict):
    name: str
    average: float
    best: int


class GoalSummary(TypedDict):
    id: int
    description: str
    mechanism: Mechanism
    met: bool
    progress: int
    needed: int


class Highlight(TypedDict):
    turn_index: int
    mechanism: Mechanism
    level: int
    quote: str
    note: str


class PractiseNext(TypedDict):
    mechanism: Mechanism
    text: str


class SummaryView(TypedDict):
    """The end-of-session summary, rendered for the reader (stored as codes: practice.summary)."""

    turns: int
    mechanisms: dict[str, MechanismSummary]
    trajectory: list[TrajectoryPoint]
    goals: list[GoalSummary]
    goals_met: bool
    highlights: list[Highlight]  # at most 3
    practise_next: PractiseNext
    score: float


class TurnView(TypedDict):
    id: int
    index: int
    role: TurnRole
    client_id: str | None
    text: str
    status: TurnStatusName
    failure_reason: str | None
    persona_state: Emotions | None  # feelings after this turn
    in_reply_to: int | None  # a persona turn's learner turn
    created_at: str | None
    analysis: NotRequired[TurnAnalysis | FlaggedAnalysis | None]  # learner turns (analysis_view)
    guidance: NotRequired[GuidanceView | None]  # learner turns
    emotions: NotRequired[Emotions]  # persona turns: the detector's top labels for the reply


class GoalView(TypedDict):
    id: int
    description: str
    mechanism: Mechanism


class ScenarioView(TypedDict):
    id: int
    title: str
    persona_name: str
    persona_bio: str
    situation: str
    max_turns: int
    goals: list[GoalView]


class SessionView(TypedDict):
    id: str
    status: SessionStatus
    persona_state: Emotions
    goals_met: list[int]
    score: float | None
    summary: SummaryView | None
    learner_turns: int
    scenario: ScenarioView


class PracticeState(TypedDict):
    session: SessionView
    turns: list[TurnView]
    trajectory: list[TrajectoryPoint]


# --- Server → browser events -----------------------------------------------------------------


class SessionStateEvent(PracticeState):
    """The whole conversation from the database: on connect, and after session.continue."""

    type: Literal["session.state"]


class TurnSavedEvent(TypedDict):
    """The learner turn is stored (the ack of its client_id)."""

    type: Literal["turn.saved"]
    turn: TurnView


class TurnStatusEvent(TypedDict):
    type: Literal["turn.status"]
    turn_id: int
    status: Literal["queued", "running", "failed"]
    reason: str | None


class FlaggedAnalysis(TypedDict):
    """The page's view of an analysis whose safety screen flagged the learner's words."""

    text_truncated: bool
    safety: SafetyResult
    models: ModelVersions


class TurnAnalysisEvent(TypedDict):
    type: Literal["turn.analysis"]
    turn_id: int
    analysis: TurnAnalysis | FlaggedAnalysis


class GuidanceEvent(TypedDict):
    type: Literal["guidance"]
    turn_id: int
    guidance: GuidanceView


class PersonaStateEvent(TypedDict):
    type: Literal["persona.state"]
    turn_id: int
    emotions: Emotions
    trajectory: list[TrajectoryPoint]
    session_status: SessionStatus
    goals_met: list[int]  # ids of the scenario's goals met so far: they tick live


class ReplyStartEvent(TypedDict):
    type: Literal["reply.start"]
    turn_id: int  # the persona turn
    in_reply_to: int | None  # the learner turn; None for a closing line after session.wrap_up


class ReplyTokenEvent(TypedDict):
    """Append `token` as it is: one word and its space, or a few words when the worker is busy.
    A generated reply's tokens carry `offset`, where the token starts in the reply's text: a page
    that reconnected mid-stream has the text so far from session.state and skips what it has."""

    type: Literal["reply.token"]
    turn_id: int
    token: str
    offset: NotRequired[int]


class ReplyDoneEvent(TypedDict):
    type: Literal["reply.done"]
    turn: TurnView


class SessionSummaryEvent(TypedDict):
    type: Literal["session.summary"]
    summary: SummaryView
    status: SessionStatus


class AnalysisDelayedEvent(TypedDict):
    """A turn of this session waits and no inference worker is alive: its words are saved and will
    be analysed when one is back. Sent to that socket only."""

    type: Literal["analysis.delayed"]
    reason: Literal["no_worker"]


class AnalysisResumedEvent(TypedDict):
    """An inference worker is alive again after analysis.delayed."""

    type: Literal["analysis.resumed"]


class Levels(TypedDict):
    er: int
    ip: int
    ex: int


class DraftHintEvent(TypedDict):
    """The scorer's reading of a draft: levels for the meter, the blocker it names, one hint (None:
    nothing to add). levels None: no reading to show (a draft the safety rules would flag)."""

    type: Literal["draft.hint"]
    draft_id: str
    levels: Levels | None
    blocker: str | None
    hint: str | None
    limited: NotRequired[bool]  # True: over DRAFTS_PER_MINUTE, this draft was not read


class ErrorEvent(TypedDict):
    type: Literal["error"]
    code: ErrorCode
    message: str
    client_id: NotRequired[str]


ServerEvent = (
    SessionStateEvent
    | TurnSavedEvent
    | TurnStatusEvent
    | TurnAnalysisEvent
    | GuidanceEvent
    | PersonaStateEvent
    | ReplyStartEvent
    | ReplyTokenEvent
    | ReplyDoneEvent
    | SessionSummaryEvent
    | AnalysisDelayedEvent
    | AnalysisResumedEvent
    | DraftHintEvent
    | ErrorEvent
)


class ChannelMessage(TypedDict):
    """What travels on the channel layer to a session's group: the events sent together, in order."""

    type: Literal["practice.event"]
    events: list[ServerEvent]


def session_state(state: PracticeState) -> SessionStateEvent:
    return {"type": "session.state", **state}


def turn_saved(turn: TurnView) -> TurnSavedEvent:
    return {"type": "turn.saved", "turn": turn}


def turn_status(
    *, turn_id: int, status: Literal["queued", "running", "failed"], reason: str | None = None
) -> TurnStatusEvent:
    return {"type": "turn.status", "turn_id": turn_id, "status": status, "reason": reason}


def turn_analysis(*, turn_id: int, analysis: TurnAnalysis) -> TurnAnalysisEvent:
    return {"type": "turn.analysis", "turn_id": turn_id, "analysis": analysis_view(analysis)}


def analysis_view(analysis: TurnAnalysis) -> TurnAnalysis | FlaggedAnalysis:
    """What the page is sent of an analysis. On a turn flagged concern or crisis the wellbeing card
    takes the place of the emotions and scores, so they are not sent at all (they stay stored)."""
    if not needs_pause(analysis):
        return analysis
    return FlaggedAnalysis(
        text_truncated=analysis["text_truncated"], safety=analysis["safety"], models=analysis["models"]
    )


def guidance(*, turn_id: int, guidance: GuidanceView) -> GuidanceEvent:
    return {"type": "guidance", "turn_id": turn_id, "guidance": guidance}


def persona_state(
    *,
    turn_id: int,
    emotions: Emotions,
    trajectory: list[TrajectoryPoint],
    session_status: SessionStatus,
    goals_met: list[int],
) -> PersonaStateEvent:
    return {
        "type": "persona.state",
        "turn_id": turn_id,
        "emotions": emotions,
        "trajectory": trajectory,
        "session_status": session_status,
        "goals_met": goals_met,
    }


def reply_start(*, turn_id: int, in_reply_to: int | None) -> ReplyStartEvent:
    return {"type": "reply.start", "turn_id": turn_id, "in_reply_to": in_reply_to}


def reply_token(*, turn_id: int, token: str, offset: int | None = None) -> ReplyTokenEvent:
    event: ReplyTokenEvent = {"type": "reply.token", "turn_id": turn_id, "token": token}
    if offset is not None:
        event["offset"] = offset
    return event


def reply_done(turn: TurnView) -> ReplyDoneEvent:
    return {"type": "reply.done", "turn": turn}


def session_summary(*, summary: SummaryView, status: SessionStatus) -> SessionSummaryEvent:
    return {"type": "session.summary", "summary": summary, "status": status}


def analysis_delayed() -> AnalysisDelayedEvent:
    return {"type": "analysis.delayed", "reason": "no_worker"}


def analysis_resumed() -> AnalysisResumedEvent:
    return {"type": "analysis.resumed"}


def error(code: ErrorCode, message: str, *, client_id: str | None = None) -> ErrorEvent:
    event: ErrorEvent = {"type": "error", "code": code, "message": message}
    if client_id:
        event["client_id"] = client_id
    return event


def channel_message(events: list[ServerEvent]) -> ChannelMessage:
    return {"type": "practice.event", "events": events}


# --- Browser → server messages ---------------------------------------------------------------


class TurnSubmit(TypedDict):
    type: Literal["turn.submit"]
    client_id: str  # a uuid4 the page made
    text: str


class TurnRetry(TypedDict):
    type: Literal["turn.retry"]
    turn_id: int


class SessionContinue(TypedDict):
    type: Literal["session.continue"]


class SessionWrapUp(TypedDict):
    type: Literal["session.wrap_up"]


class DraftAnalyze(TypedDict):
    type: Literal["draft.analyze"]
    draft_id: str  # made by the page; the answer carries it back, and an older one is dropped
    text: str


ClientMessage = TurnSubmit | TurnRetry | SessionContinue | SessionWrapUp | DraftAnalyze


# --- What the page needs to speak this protocol ----------------------------------------------


class MechanismInfo(TypedDict):
    key: Mechanism
    short: str
    name: str


def page_constants(accept_language: str = "") -> dict[str, Any]:
    """Event names, close codes, error codes, limits, mechanism names and the wellbeing resources (chosen
    by the learner's Accept-Language), for the practice page (embedded as a JSON script tag), so the page
    keeps no copy of its own."""
    return {
        "events": {
            "sessionState": SESSION_STATE,
            "turnSaved": TURN_SAVED,
            "turnStatus": TURN_STATUS,
            "turnAnalysis": TURN_ANALYSIS,
            "guidance": GUIDANCE,
            "personaState": PERSONA_STATE,
            "replyStart": REPLY_START,
            "replyToken": REPLY_TOKEN,
            "replyDone": REPLY_DONE,
            "sessionSummary": SESSION_SUMMARY,
            "analysisDelayed": ANALYSIS_DELAYED,
            "analysisResumed": ANALYSIS_RESUMED,
            "draftHint": DRAFT_HINT,
            "error": ERROR,
        },
        "client": {
            "turnSubmit": TURN_SUBMIT,
            "turnRetry": TURN_RETRY,
            "sessionContinue": SESSION_CONTINUE,
            "sessionWrapUp": SESSION_WRAP_UP,
            "draftAnalyze": DRAFT_ANALYZE,
        },
        "closeCodes": {"forbidden": CLOSE_FORBIDDEN, "notFound": CLOSE_NOT_FOUND},
        "errors": {
            "malformed": ERR_MALFORMED,
            "unknownType": ERR_UNKNOWN_TYPE,
            "binaryFrame": ERR_BINARY,
            "tooLong": ERR_TOO_LONG,
            "empty": ERR_EMPTY,
            "rateLimited": ERR_RATE_LIMITED,
            "sessionClosed": ERR_SESSION_CLOSED,
            "notFound": ERR_NOT_FOUND,
            "turnPending": ERR_TURN_PENDING,
            "server": ERR_SERVER,
        },
        "maxTurnChars": MAX_TURN_CHARS,
        "draftIdleMs": DRAFT_IDLE_MS,
        "draftMinChars": DRAFT_MIN_CHARS,
        "mechanisms": [
            MechanismInfo(key=key, short=key.upper(), name=name.capitalize()) for key, name in MECHANISM_NAMES.items()
        ],
        "resources": resources_for(accept_language),
    }

"""Politeness formulas that carry an emotion word but no emotion of the writer's.

"I'm afraid cancellations can only be made within 24 hours" showed the learner a Fear chip
(P .98), and the non-apology "I'm sorry you feel that way" a Remorse chip: the emotion model reads
the word, a reader hears a formula. Only the chips a learner sees are corrected here; the labels
``evaluate_emotion`` scores stay the model's own, so its figures are unchanged.
"""

from __future__ import annotations

import re

# "I'm afraid" followed, within its clause, by what cannot or must be done: a refusal softened,
# not a fear. A future ("I'm afraid it will get worse", "...you'll leave") is a fear and is kept.
_AFRAID_FORMULA = re.compile(
    r"\b(?:i'?m|i\s+am|im)\s+afraid\b"
    # Not a fear of or for something, nor one about a person ("...he doesn't love me anymore").
    r"(?!\s+(?:that\s+)?(?:of|for|he|she|they|you|you'll|my|his|her|their|someone|somebody|nobody|everyone|people)\b)"
    r"(?=[^.!?;]*?\b(?:can'?t|cannot|can\s+only|couldn'?t|don'?t|doesn'?t|isn'?t|aren'?t|won'?t\s+be\s+able|"
    r"not\s+(?:possible|able|something)|no\s+longer|unable|have\s+to|has\s+to|need\s+to|must|only)\b|\s+(?:not|so)\b)",
    re.IGNORECASE,
)
_AFRAID_FUTURE = re.compile(r"\b(?:will|'ll|going\s+to|gonna|might|may)\b", re.IGNORECASE)
_FEAR_WORDS = re.compile(
    r"\b(?:scared|frightened|terrified|worried|worry|worrying|nervous|anxious|panic\w*|fear\w*|afraid)\b",
    re.IGNORECASE,
)

# The guide's brush-aside-not-er: "I'm sorry you feel that way" is a non-apology; the analysis reads
# it as no emotional reaction and as dismissive (``inference.analysis._agree``), the chips as no remorse.
NON_APOLOGY = re.compile(
    r"\bsorry\s+(?:if\s+|that\s+)?you\s+(?:feel|felt|see|saw|took|take)\s+(?:it\s+|things\s+)?"
    r"(?:that\s+way|like\s+that)",
    re.IGNORECASE,
)
_REMORSE_WORDS = re.compile(r"\b(?:sorry|apologi[sz]e\w*|my\s+fault|regret\w*)\b", re.IGNORECASE)


def _afraid_is_formula(text: str) -> bool:
    """Every "afraid" in the text is the softened refusal, and no other fear word is there."""
    found = list(_AFRAID_FORMULA.finditer(text))
    if not found:
        return False
    for match in found:
        clause = re.split(r"[.!?;]", text[match.end() :], maxsplit=1)[0]
        if _AFRAID_FUTURE.search(clause):
            return False
    rest = _AFRAID_FORMULA.sub(" ", text)
    return _FEAR_WORDS.search(rest) is None


def _sorry_is_formula(text: str) -> bool:
    """The only apology word in the text is the non-apology's."""
    if NON_APOLOGY.search(text) is None:
        return False
    return _REMORSE_WORDS.search(NON_APOLOGY.sub(" ", text)) is None


def formula_only(text: str) -> frozenset[str]:
    """The emotion labels whose only evidence in ``text`` is a politeness formula: not shown as chips."""
    labels: set[str] = set()
    if _afraid_is_formula(text):
        labels |= {"fear", "nervousness"}
    if _sorry_is_formula(text):
        labels |= {"remorse", "sadness"}
    return frozenset(labels)


# The guide's named brush-asides (`promise-vs-minimise`, `dismissive`): set phrases that shrink or
# excuse the present hurt. "I understand your frustration, but these things happen in a busy clinic"
# was praised in a walkthrough with no blocker named; the guide labels it dismissive.
BRUSH_ASIDE = re.compile(
    r"\b(?:these things happen|(?:it|this|that|stuff like this) happens (?:to everyone|all the time)|"
    r"everything happens for a reason|don'?t let it get to you|(?:it'?s|its|it is) not (?:a|that) big (?:a )?deal|"
    r"no big deal|get over it|could(?:'ve| have)? been worse|look on the bright side)\b",
    re.IGNORECASE,
)

# The guide's `solidarity-er1`: briefly joining their feeling ("I'd be livid too") is an emotional
# reaction, not self_focus, while the reply says nothing else of the writer.
SOLIDARITY = re.compile(
    r"\b(?:i'?d|i\s+would|id)\s+(?:be|feel|want\s+to\s+\w+|have\s+been|be\s+so|be\s+really)(?:\s+\w+){0,2}?"
    r"\s+(?:too|as\s+well)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|mine|myself|i'?m|i'?ve|i'?ll|i'?d|im|ive)\b", re.IGNORECASE)


def solidarity_only(text: str) -> re.Match[str] | None:
    """The solidarity formula in ``text`` when it is all the reply says of the writer, else None."""
    found = SOLIDARITY.search(text)
    if found is None:
        return None
    rest = text[: found.start()] + " " + text[found.end() :]
    return None if _FIRST_PERSON.search(rest) else found


# The guide's `judging-scope`: finding fault with the person's reaction or character, or with a
# choice already made ("you should have planned better", the guide's own example of judging). Only
# the phrases the guide names or that say the same thing in so many words; a passive ("you should
# have been told") is on their side and is left out.
JUDGING_PHRASE = re.compile(
    r"\b(?:over-?react(?:ing|ion)|(?:you'?re|you\s+are|youre)\s+(?:being\s+)?(?:a\s+bit\s+|so\s+|very\s+|really\s+)?"
    r"(?:dramatic|paranoid|ridiculous|unreasonable|childish|hysterical)|(?:so|too)\s+negative|"
    r"don'?t\s+be\s+so\s+(?:dramatic|negative|cynical|childish)|"
    r"you\s+(?:really\s+|honestly\s+)?should(?:'ve|\s+have|\s+of)\s+(?!been\b)(?:just\s+|really\s+)?"
    r"(?:known|planned|thought|rung|called|phoned|asked|checked|listened|said|told|done|gone|left|saved|studied|"
    r"revised|booked|read|looked|noticed|realised|realized)\b|"
    r"what\s+did\s+you\s+expect|(?:your|ur)\s+own\s+fault|(?:it'?s|that'?s)\s+on\s+you\b)",
    re.IGNORECASE,
)

# Someone else's words reported ("being told you're being dramatic", "he said you overreacted") are
# their story, not the writer's fault-finding.
_REPORTED = re.compile(
    r"\b(?:told|tells|telling|said|says|saying|called|calls|accused|thinks?|thought|feel\s+like|felt\s+like|"
    r"made\s+(?:you\s+)?feel)\b[^.!?,]{0,25}$",
    re.IGNORECASE,
)
# ...or denied: "it doesn't mean you're being dramatic" reassures (the guide's normalising-ip1).
_DENIED = re.compile(
    r"\b(?:not|never|no\s+one|nobody|doesn'?t|don'?t|didn'?t|isn'?t|wasn'?t)\b[^.!?,]{0,20}$", re.IGNORECASE
)


def judging_phrase(text: str) -> re.Match[str] | None:
    """The first of the guide's judging phrases that the writer says in their own voice."""
    for match in JUDGING_PHRASE.finditer(text):
        before = text[: match.start()]
        if _REPORTED.search(before) is None and _DENIED.search(before) is None:
            return match
    return None


# The guide's `advice-vs-deflection`: handing them or their upset to someone or something else is
# deflection, even phrased as advice or a yes/no question: a referral ("Have you spoken to HR?"), a
# rule or authority ("deadlines are deadlines", "we have to trust the process"), passing the buck.
REFERRAL = re.compile(
    r"\b(?:(?:have|did)\s+you\s+(?:(?:thought\s+about|considered|tried)\s+(?:speaking|talking|going|ringing|calling)|"
    r"spoken|speak|talked|talk|been|gone|tried|rung|called|contacted)\s+(?:to\s+|with\s+)?"
    r"(?:hr|h\.r\.|your\s+(?:gp|doctor|manager|line\s+manager|union|tutor|teacher|landlord|boss)|"
    r"(?:the|a)\s+(?:gp|doctor|counsell?or|therapist|helpline|union|welfare\s+team|wellbeing\s+team)|"
    r"(?:a|the)\s+(?:\w+\s+){0,2}helpline)|"
    r"above\s+my\s+pay\s+grade|not\s+my\s+(?:department|call|area|decision)|"
    r"not\s+something\s+(?:i|we)\s+can\s+(?:sort|fix|help\s+with|deal\s+with|do\s+anything\s+about)|"
    r"(?:that'?s|it'?s)\s+(?:one|something)\s+for\s+(?:a|your|the)\s+(?:counsell?or|therapist|gp|doctor|manager|hr)|"
    r"deadlines\s+are\s+deadlines|rules\s+are\s+rules|trust\s+the\s+process|"
    r"(?:it'?s|that'?s|it\s+is)\s+(?:company|school|our|the)\s+policy)\b",
    re.IGNORECASE,
)

# The guide's `reaction-vs-inference`: a stock phrase that infers or claims understanding ("that
# sounds hard", "that must be hard", "I understand", "I hear you", "I get it") is IP 1. In the
# corpus's train and tune splits 198 of the 203 replies holding one are IP 1 or more; the other five
# turn to the writer's own story or ask a closed question, and name a blocker. The scorer still read
# "that sounds so lonely" as IP 0 in a walkthrough, and told the learner to name the feeling they had
# just named.
STOCK_INFERENCE = re.compile(
    r"\b(?:(?:that|it|this|all\s+that|all\s+this)\s+(?:sounds|must\s+(?:be|feel|have\s+been|have\s+felt))\s+"
    r"(?:so\s+|really\s+|very\s+|pretty\s+|incredibly\s+|super\s+|absolutely\s+|just\s+|genuinely\s+)?"
    r"(?:hard|tough|awful|horrible|horrendous|terrible|exhausting|stressful|scary|frightening|terrifying|lonely|"
    r"isolating|painful|upsetting|frustrating|infuriating|maddening|overwhelming|devastating|heartbreaking|rough|"
    r"difficult|draining|miserable|unsettling|worrying|humiliating|dehumanising|dehumanizing|confusing|crushing|"
    r"brutal|grim|gutting|disheartening|demoralising|demoralizing|sad|hurtful|distressing|nerve-?wracking|"
    r"annoying|rubbish|horrid|stressy)|"
    r"i\s+(?:totally\s+|completely\s+|really\s+)?(?:understand|hear\s+you|get\s+it|can\s+(?:only\s+)?imagine))\b",
    re.IGNORECASE,
)

# The guide's `normalising-ip1`: normalising or validating their reaction ("no wonder you're fed up",
# "of course you're scared", "anyone would") is IP 1. 51 of the 56 train and tune replies holding one
# are IP 1 or more; the other five judge or reassure, and name a blocker. In a walkthrough "…and his
# birthday is tomorrow. No wonder you're fed up." was scored 0/0/0.
NORMALISING = re.compile(
    r"\b(?:no\s+wonder|of\s+course\s+you(?:'?re|'?d|\s+feel|\s+are|\s+would)|anyone\s+would|"
    r"(?:it|that)\s+makes\s+(?:total\s+|complete\s+|so\s+much\s+)?sense\s+(?:that\s+)?you|"
    r"(?:it'?s|that'?s)\s+(?:completely\s+|totally\s+|so\s+)?(?:normal|understandable|natural)\s+(?:to|that|you))\b",
    re.IGNORECASE,
)

# The guide's dismissive "at least…": a consolation that cancels the hurt. Every one of the 29 train
# and tune replies holding one at the start of a clause is dismissive with ER 0 and IP 0, the sorry
# before it included (brush-aside-not-er); a walkthrough saw "aw im sorry. at least its not forever
# tho" praised as warmth. Not an offer ("at least let me…") nor a quantity ("at least two hours").
AT_LEAST = re.compile(
    r"(?:^|[.,;:!?]\s*|\b(?:but|tho|though|and|well|still|oh|hey)\s+)(at\s+least)\b"
    r"(?!\s+(?:i|i'?ll|we|let|let'?s|\d+|one|two|three|four|five|six|ten|twice|once|a\s+few|an?|some|half)\b)",
    re.IGNORECASE,
)

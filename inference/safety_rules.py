"""The team's safety rule set, kept as data so it can be read, reviewed and changed in one place.

Plain Python, no torch, no Django: ``inference.safety`` compiles these once per process, on first
use, and ``inference.safety_triggers`` reads the literal triggers of its fast path off the patterns.

How to read a rule
------------------
Every pattern runs on *normalised* text (see ``inference.safety.normalise``): lower case, one
kind of apostrophe, contractions spelled out (``don't`` -> ``do not``, ``can't`` -> ``cannot``,
``I'm`` -> ``i am``, ``I'd`` -> ``i would``, ``gonna`` -> ``going to``), one space between
words. Patterns run one sentence at a time, so ``[^.!?]`` never needs writing.

- ``level``: ``crisis`` (someone may be in danger now), ``concern`` (worth a gentle human
  check-in) or ``cue`` (a weak distress signal that never flags on its own; it raises
  ``none`` to ``concern`` only together with strong negative emotion from the emotion model or
  with a negated crisis phrase in the same message).
- ``category``: ``suicide``, ``self_harm``, ``harm_to_others``, ``abuse`` or ``distress``.
- ``key``: when a pattern contains a named group ``key``, negation is looked for in the words
  just before that group (so ``i do not want to die`` finds the ``not`` before ``want``).
- ``negatable=False``: the phrase carries its own negation (``i do not want to live``) and a
  ``not`` before it must not cancel it.
- ``unless``: a pattern searched in the same sentence that cancels the match; this is where the
  idioms and everyday senses live (``cut myself shaving``, ``beat me at chess``).
- ``third_party``: the rule is about someone other than the writer. Such rules never give
  ``crisis`` (the writer is reporting, not at risk) and are dropped in sentences about films,
  books, news and games.
- ``needs_model``: the phrase is ambiguous by nature (it has everyday senses, or is mostly said of
  someone else or of a past that is over): where the learned classifier reads the whole text as
  none, the finding does not count. The same holds for any finding the rules read as past, and for
  every finding in a text a guard of ``inference.safety_guards`` reads as an idiom, a past that is
  over, a denial or someone else's worry. Without the classifier the rules decide alone, as before.

Decisions the team took (also in the model card)
------------------------------------------------
- Idiom and hyperbole are not flagged: "this exam is killing me", "I could kill for a coffee",
  "dying to see it", "to die for", "killing it", "she'll murder me if I'm late". A person saying
  someone "will kill me if/when ..." is read as the everyday idiom; only a *reported* threat
  ("he said/threatened he'd kill me") counts as abuse.
- Another person at risk ("my friend wants to kill herself", "how do I help a friend who
  self-harms") is ``concern`` with the matching category, never ``crisis``: the screen's crisis
  path is aimed at the writer's own safety.
- Past, recovered statements ("I used to self-harm, I've been clean for a year") are
  ``concern``; a recent one ("last night", "again") stays ``crisis``.
- As served beside the learned classifier (2026-12-07, evening; the labelling guide calls both
  ``none``): another person's risk and a past the rules read count only where the classifier
  agrees (``needs_model`` above), so "my friend wants to kill herself" is ``none`` unless the
  classifier reads risk in it. The rules alone decide as listed here.
- Educational and media mentions ("suicide prevention week", "my character dies in the book")
  are ``none``: the words suicide, die and kill alone never flag.
- A joke marker ("lol", "haha", "jk") lowers crisis to concern and concern to none for
  distress; it never clears a crisis phrase completely.
- Counsellor-style questions to someone else ("have you thought about killing yourself?") are
  ``none``: asking is good practice. Telling someone to kill themselves is ``crisis``.
- Reflections of someone else's feelings ("that sounds really lonely", "you must feel so alone",
  "I'm sorry the weekends feel so empty", "she sounds overwhelmed") are ``none``: only the
  writer's own first-person distress or risk flags (``REFLECTIVE_FRAME`` below, applied by
  ``inference.safety._holder``). Threats and urging harm are never attributed away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from inference.schema import SafetyCategory, SafetyLevel

LEVELS: tuple[SafetyLevel, ...] = ("none", "concern", "crisis")
CATEGORIES: tuple[SafetyCategory, ...] = ("suicide", "self_harm", "harm_to_others", "abuse", "distress")
# "cue" is a weak signal that never flags on its own (see above).
RuleLevel = Literal["crisis", "concern", "cue"]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str
    category: SafetyCategory
    level: RuleLevel
    explanation: str
    unless: str | None = None
    negatable: bool = True
    third_party: bool = False
    # Ambiguous by nature (everyday senses, someone else's risk): where the learned risk classifier's
    # reading is given and it reads the text as none, this rule's finding does not count (see
    # ``inference.safety._agreed``). Without a reading (rules only) it counts as before.
    needs_model: bool = False


# Shared fragments -------------------------------------------------------------------------------

# Someone the writer could mean to harm (pronouns and the people of everyday life).
_PEOPLE = (
    r"(?:dad|father|mum|mom|mother|parents?|step-?\w+|husband|wife|partner|boyfriend|girlfriend|"
    r"ex|brother|sister|son|daughter|kids?|children|baby|boss|manager|co-?workers?|colleagues?|"
    r"teachers?|neighbou?rs?|flatmates?|room-?mates?|housemates?|friends?|classmates?|landlord|"
    r"uncle|aunt|cousin|family|bull(?:y|ies)|guy|girl|man|woman|lady|customers?|students?)"
)
PERSON = (
    r"(?:him|her|them|you|everyone|everybody|anyone|anybody|people|someone|somebody|"
    r"(?:my|the|that|this|his|her|our|their) (?:\w+ )?" + _PEOPLE + r")"
)
# Who might hurt the writer.
ABUSER = (
    r"(?:he|she|they|(?:my|our) (?:\w+'s )?(?:\w+ )?(?:dad|father|mum|mom|mother|parents?|"
    r"step-?\w+|husband|wife|partner|boyfriend|girlfriend|ex|brother|sister|uncle|aunt|cousin|"
    r"grand\w+|teacher|coach|boss|carer|caregiver|guardian|family|foster \w+))"
)
_GAME = (
    r"\b(?:game|games|gaming|level|dungeon|raid|boss fight|final boss|fortnite|minecraft|"
    r"elden ring|call of duty|valorant|overwatch|zelda|xbox|playstation|monopoly|chess|paintball|"
    r"laser tag|mario|kart|fifa|smash bros|tekken|street fighter|pubg|apex|fps|multiplayer)\b"
)
_SELF = r"my ?self"


def _gap(n: int) -> str:
    """Up to about n characters (n // 5 words) of the same sentence, not switching subject.

    Keeps "i hear you saying you want to die" (a learner reflecting a persona) from reading as
    the learner's own wish, while "i honestly just want to die" still matches. Stepping word by
    word keeps the cost down on long or repetitive text.
    """
    words = max(1, n // 5)
    return (
        r"(?:\s+(?!(?:you|your|he|she|they|his|her|their|someone|somebody|people)\b)[^\s.!?]+)"
        + f"{{0,{words}}}?"
        + r"\s+"
    )


_THEMSELF = r"(?:him|her|them)sel(?:f|ves)"
_PILLS = (
    r"(?:pills|tablets|meds|medication|medicine|antidepressants|painkillers|sleeping pills|"
    r"paracetamol|tylenol|ibuprofen|insulin)"
)

RULES: tuple[Rule, ...] = (
    # ---------------------------------------------------------------- suicide, crisis
    Rule(
        "kill_myself",
        r"\b(?P<key>(?:kill|killing|killed) " + _SELF + r")\b",
        "suicide",
        "crisis",
        "Talk of killing oneself, in any tense or as a question.",
        unless=r"\blaugh|\bkilling myself (?:working|studying|over (?:this|the|my) \w+|at the gym)",
    ),
    Rule(
        "end_my_life",
        r"\b(?P<key>(?:end|ending|ended|take|taking|took) my (?:own )?life)\b",
        "suicide",
        "crisis",
        "Ending or taking one's own life.",
    ),
    Rule(
        "end_it_all",
        r"\bi\b" + _gap(30) + r"\b(?P<key>end(?:ing)? (?:it|things|everything)"
        r"(?: all| for good| forever| once and for all| permanently)+)\b|"
        r"\bi\b" + _gap(20) + r"\b(?P<key2>(?:want|going|ready|decided|plan|planning|about) to end "
        r"(?:everything|it all|it)\b(?! (?:with|between|here|there|now|for today|early|"
        r"at|on|after|before|by)\b))",
        "suicide",
        "crisis",
        "'End it all', 'end things for good', 'going to end it' as ways of speaking about "
        "suicide (not 'end it with him').",
    ),
    Rule(
        "commit_suicide",
        r"\bi\b" + _gap(40) + r"\b(?P<key>(?:commit|committing|attempt|attempting|attempted) suicide)",
        "suicide",
        "crisis",
        "The writer speaking of committing or attempting suicide.",
    ),
    Rule(
        "attempt_to_die",
        r"\b(?P<key>(?:tried|try|trying|attempted) to (?:kill " + _SELF + r"|end my life|die|overdose))",
        "suicide",
        "crisis",
        "A suicide attempt by the writer.",
    ),
    Rule(
        "want_to_die",
        r"\bi\b" + _gap(25) + r"\b(?P<key>(?:want|wanted|wish|long|am ready|ready|deserve) to "
        r"(?:die(?! (?:my|your|his|her|the|it|them|their|our) )|be dead|not exist|stop existing|"
        r"stop living|not be alive|not be here any ?more))\b",
        "suicide",
        "crisis",
        "The writer wanting to die or to stop existing.",
        unless=r"embarrass|cringe|mortifi|\bdie of (?:shame|laughter|boredom)\b",
    ),
    Rule(
        "not_want_to_live",
        r"\bi\b" + _gap(25) + r"\b(?P<key>(?:do not|did not|never) (?:really )?want to "
        r"(?:live(?! (?:in|with|there|here|at|near|on|alone|together|by|under|next|abroad)\b)|"
        r"be alive|keep living|exist|be here any ?more|"
        r"go on (?:any ?more|living|like this)|"
        r"wake up (?:again|ever|any ?more)))",
        "suicide",
        "crisis",
        "Not wanting to live; the negation is part of the phrase.",
        negatable=False,
    ),
    Rule(
        "unsure_to_live",
        r"\b(?:not sure|do not know|unsure) (?:if|whether|why) i (?:still )?(?:want to|should|can) "
        r"(?:live|keep living|go on|be alive|keep going|stay alive)",
        "suicide",
        "crisis",
        "Doubting whether to go on living.",
        negatable=False,
    ),
    Rule(
        "wish_dead",
        r"\b(?P<key>wish (?:that )?i (?:was|were|would be|could be) dead|"
        r"wish (?:that )?i (?:had|would have|would) never (?:been born|existed|woken up)|"
        r"wish (?:that )?i (?:was|were) (?:not|never) (?:born|alive|here any ?more)|"
        r"wish (?:that )?i (?:did not|could stop) exist(?:ing)?|"
        r"wish (?:that )?i could (?:just )?die)",
        "suicide",
        "crisis",
        "Wishing to be dead or never to have been born.",
    ),
    Rule(
        "never_wake_up",
        r"\b(?:hope (?:that )?i (?:do not|never|will not) wake up|"
        r"want to (?:just )?(?:go to )?sleep (?:forever|and never wake up)|"
        r"(?:sleep|go to sleep|fall asleep) and (?:never|not) wake up)",
        "suicide",
        "crisis",
        "Hoping not to wake up.",
        negatable=False,
    ),
    Rule(
        "better_off_dead",
        r"\b(?:i|me|i would) (?:would )?(?:be |am )?(?P<key>better off dead)\b",
        "suicide",
        "crisis",
        "The writer saying they would be better off dead.",
    ),
    Rule(
        "better_off_without_me",
        r"\b(?:better off|happier|easier|better|relieved) (?:for everyone )?(?:without me|"
        r"(?:if|when) i (?:was|were|am|was not|were not|am not|died|am dead|was dead|were dead|"
        r"was gone|were gone|am gone|was not around|were not around|was not here|were not here))\b",
        "suicide",
        "crisis",
        "Believing others would be better off without the writer.",
        negatable=False,
    ),
    Rule(
        "nobody_would_miss_me",
        r"\b(?:nobody|no one|no-one)(?: would| will| is going to)(?: even)? (?:miss|notice|care)"
        r"[^.!?]{0,20}?\b(?:if|when) i (?:was |were |am )?(?:died|die|dead|gone|killed|was gone|"
        r"were gone|not here)\b|"
        r"\b(?:if|when) i (?:died|die|was dead|were dead|was gone|were gone)\b[^.!?]{0,25}?"
        r"\b(?:nobody|no one|no-one) (?:would|will) (?:even )?(?:miss|notice|care)",
        "suicide",
        "crisis",
        "No one would miss or notice the writer's death.",
        negatable=False,
    ),
    Rule(
        "no_reason_to_live",
        r"\b(?:no|not any|not see any|cannot see any|cannot see a) (?:reason|point|purpose) "
        r"(?:for me )?(?:to|in|of) (?:live|living|stay alive|staying alive|go on|going on|"
        r"keep going|keep living|being alive|be alive|carry on|carrying on)\b|"
        r"\bwhat is the (?:point|use) (?:in|of) (?:living|life|being alive|going on|staying alive|"
        r"carrying on|keep going|me being here)\b|"
        r"\blife (?:is not|is no longer|is not really) worth (?:living|it)\b|"
        r"\bnot worth living\b|"
        r"\b(?:nothing|nobody|no one) (?:left )?to live for\b|"
        r"\b(?:sick|tired) of (?:living|being alive)\b|"
        r"\brather (?:be dead|die) than (?:keep|go on|live|living|carry on|continue|wake up)",
        "suicide",
        "crisis",
        "Seeing no reason to live.",
        negatable=False,
    ),
    Rule(
        "suicidal_self",
        r"\bi (?:\w+ ){0,3}?(?P<key>(?:am|feel|have been|been|was|feeling|get|getting|became) "
        r"(?:really |so |very |quite |pretty |kind of |a bit |actually )?suicidal)\b",
        "suicide",
        "crisis",
        "The writer describing themselves as suicidal.",
    ),
    Rule(
        "suicidal_thoughts",
        r"\bi\b" + _gap(30) + r"\b(?P<key>(?:have|having|had|get|getting|keep having|been having) "
        r"[^.!?]{0,15}?suicidal (?:thoughts|feelings|ideation|urges))",
        "suicide",
        "crisis",
        "The writer having suicidal thoughts.",
    ),
    Rule(
        "suicide_plan",
        r"\b(?P<key>(?:plan|planning|planned|decided|have decided) (?:on |how )?to "
        r"(?:kill " + _SELF + r"|end my life|end it|die|do it tonight|overdose))\b|"
        r"\b(?P<key2>(?:have|made|got|making) a plan to (?:kill " + _SELF + r"|end (?:it|my life)|die))|"
        r"\b(?P<key3>(?:plan|planning|planned|plotting|thinking about|researching) (?:my|out my) "
        r"(?:own )?(?:suicide|death))\b|"
        r"\b(?:googl|search|research|look)(?:e|ed|ing)? (?:up )?(?:for )?(?:ways|how|methods) "
        r"to (?:kill " + _SELF + r"|die|overdose|end my life)\b|"
        r"\blooked up how to (?:overdose|die|hang)\b",
        "suicide",
        "crisis",
        "A plan or decision to die.",
    ),
    Rule(
        "suicide_means",
        r"\b(?:bought|buying|got|getting|have|ordered) (?:a |some |the )?(?:rope|noose)\b|"
        r"\b(?:tie|tying) a noose\b|"
        r"\b(?:stockpil|hoard|sav|collect)(?:e|ed|ing)? (?:up )?(?:all )?(?:of )?"
        r"(?:my |some |enough )?"
        + _PILLS
        + r"|\bhow (?:many|much) [^.!?]{0,40}?(?:to|would it take to|does it take to|"
        r"before you|until you) (?:overdose|die|od|kill (?:myself|yourself|a person|someone))\b|"
        r"\b(?:got|have|gathered|put) (?:the |my |enough |all the |all my )?"
        + _PILLS
        + r" (?:ready|together|lined up|out for tonight)|"
        r"\b(?:take|took|taking|swallow|swallowed) (?:all|every one|the rest) (?:of )?my " + _PILLS + r"|"
        r"\b(?:took|take|taken|swallowed|going to take|about to take) (?:a |the |all )?(?:whole )?"
        r"(?:bottle|pack|packet|box|handful|lot|all) of (?:my )?" + _PILLS + r"|"
        r"\bi\b" + _gap(20) + r"\b(?:overdose|overdosed|overdosing)\b|"
        r"\bslit(?:ting)? my (?:wrists?|throat)\b|\bhang(?:ing)? " + _SELF + r"\b",
        "suicide",
        "crisis",
        "Means of suicide: rope or noose, gathered pills, overdose, hanging.",
        unless=r"\b(?:camping|climbing|boat|sailing|swing|gym|skipping|tent|washing line|garden)\b",
    ),
    Rule(
        "jump_or_step",
        r"\b(?:jump|jumping|throw myself|throwing myself|step|stepping|walk|walking|drive|"
        r"driving|crash|crashing) (?:my car |the car )?(?:off|from|in front of|into) "
        r"(?:a |the |my |an )?(?:bridge|roof|building|train|cliff|balcony|window|bus|tower|"
        r"lorry|truck|wall|tree|oncoming traffic|river|traffic)",
        "suicide",
        "crisis",
        "Jumping, stepping in front of or driving into something as a way to die.",
        unless=r"\b(?:pool|lake|sea|swim|for fun|parkour|bungee|dare)\b",
        needs_model=True,
    ),
    Rule(
        "suicide_note",
        r"\b(?:i|i have|i am)\b[^.!?]{0,20}?\b(?:wrote|written|writing|write|left) "
        r"(?:a |my )?(?:suicide|goodbye) (?:note|letter)s?\b",
        "suicide",
        "crisis",
        "The writer has written a suicide or goodbye note.",
    ),
    Rule(
        "final_goodbye",
        r"\bthis is my (?:last|final) (?:message|post|day|night|goodbye)\b|"
        r"\b(?:giving|give|gave) away (?:all )?(?:my|of my) "
        r"(?:things|stuff|belongings|possessions)\b|"
        r"\b(?:will not|will never) need (?:it|them|anything|my things) "
        r"(?:soon|any ?more|where i am going)\b",
        "suicide",
        "crisis",
        "Final messages and giving things away.",
        negatable=False,
        unless=r"\b(?:holiday|vacation|no wifi|new (?:group|chat|account|one|job|school)|moving (?:to|over|the chat)|"
        r"set up|before i (?:go|leave|head) (?:on|to|for))\b",
    ),
    Rule(
        "over_for_good",
        r"\bwant (?:it all|everything|this|it|all of this) to (?:be over|end|stop) "
        r"(?:for good|forever|permanently)",
        "suicide",
        "crisis",
        "Wanting everything to end for good.",
    ),
    # ---------------------------------------------------------------- suicide, concern
    Rule(
        "goodbye_everyone",
        r"\bgoodbye (?:everyone|world|forever|all)\b",
        "suicide",
        "concern",
        "A farewell that may be final; worth a check-in.",
        unless=r"\bsee you|have a (?:good|nice|great)|thanks for (?:coming|a great)|until next\b",
        negatable=False,
    ),
    Rule(
        "thoughts_of_suicide",
        r"\bi\b" + _gap(40) + r"\b(?P<key>(?:think|thinking|thought|thoughts) (?:about|of) "
        r"(?:suicide|killing myself|taking my (?:own )?life))\b",
        "suicide",
        "crisis",
        "The writer thinking about suicide (ideation), as opposed to death in general.",
    ),
    Rule(
        "thoughts_of_death",
        r"\bi\b" + _gap(40) + r"\b(?:think|thinking|thought|thoughts) (?:about|of) (?:dying|death|"
        r"being dead|not being here|not existing|suicide|ending it)\b|"
        r"\bis it (?:normal|okay|ok|bad|weird|wrong) to (?:think about|want to|feel like) "
        r"(?:dying|die|death|suicide|disappear)",
        "suicide",
        "concern",
        "Dwelling on death or dying without a stated intent.",
        negatable=False,
        unless=r"\b(?:philosoph\w*|existential|mortality|in general|like most people)\b",
        needs_model=True,
    ),
    Rule(
        "hedged_disclosure",
        r"\b(?:not going to|would not|will not|am not going to) "
        r"(?:do anything|act on (?:it|them))\b|"
        r"\bnot (?:saying|that) i (?:would|will|am going to) do anything\b",
        "suicide",
        "concern",
        "'I won't do anything, but...' usually follows thoughts worth a check-in.",
        negatable=False,
    ),
    Rule(
        "want_it_to_stop",
        r"\bwant (?:it all|everything|this|it|all of this) to (?:be over|end|stop)\b",
        "distress",
        "concern",
        "Wanting everything to stop, without saying for good.",
    ),
    Rule(
        "others_suicide",
        r"\b(?:kill|killing|killed|hang|hanging|end|ending|take|taking) " + _THEMSELF + r"\b|"
        r"\b(?:end|ending|take|taking|took) (?:his|her|their) (?:own )?life\b|"
        r"\b(?:wants|wishes) to die\b|"
        r"\b(?:he|she|they)\b[^.!?]{0,20}?\b(?:going to|wants to|want to|will|planning to) end "
        r"(?:it all|everything|things for good|(?:his|her|their) life)\b|"
        r"\b(?:he|she|they|who|friend|brother|sister|son|daughter|mum|mom|dad|partner|someone|"
        r"somebody)\b[^.!?]{0,25}?\b(?:wanted|wanting|wished) to die\b|"
        r"\bwish(?:es)? (?:he|she|they) (?:was|were) dead\b|"
        r"\b(?:is|be|being|seems|seemed|sounds|was|been) (?:really |so |very )?suicidal\b|"
        r"\b(?:posted|sent|wrote|left) (?:a |his |her |their )?(?:goodbye|suicide) "
        r"(?:message|note|letter|post)\b|"
        r"\b(?:he|she|they|friend|brother|sister|son|daughter|partner|mum|mom|dad|someone)\b"
        r"[^.!?]{0,25}?\b(?:talks|talking|talked|joking|jokes|joked|posting|posts|posted) about "
        r"(?:suicide|killing (?:him|her|them)sel\w+|dying|wanting to die|ending it)\b",
        "suicide",
        "concern",
        "Someone other than the writer may be thinking of suicide.",
        third_party=True,
        unless=r"embarrass|cringe|mortifi|\b(?:prevention|awareness|research|essay|course|training)\b",
        needs_model=True,
    ),
    # ---------------------------------------------------------------- self-harm
    Rule(
        "cut_myself",
        r"\b(?P<key>(?:cut|cutting|cuts) (?:" + _SELF + r"|my (?:arms?|wrists?|legs?|thighs?|skin|"
        r"stomach|body)))\b",
        "self_harm",
        "crisis",
        "Cutting oneself.",
        unless=r"shav|\bcook|\bchop|by accident|accidental|\bpaper\b|\bslic|\bslipped|"
        r"\bon (?:a|the|some) (?:knife|glass|tin|can|fence|nail|edge|rock)|\bkitchen\b|"
        r"\bhair\b",
        needs_model=True,
    ),
    Rule(
        "cut_intent",
        r"\bi\b" + _gap(20) + r"\b(?P<key>(?:going to|want to|will|need to|urge to|urges to|"
        r"tempted to) cut(?: again| tonight| myself))\b|"
        r"\bi\b" + _gap(20) + r"\b(?P<key2>(?:have been|been|started|keep|am|was) cutting (?:again|to cope|to feel|"
        r"when|every))\b",
        "self_harm",
        "crisis",
        "An urge or plan to cut, or cutting again.",
    ),
    Rule(
        "self_harm_first_person",
        r"\bi (?:\w+ ){0,3}?(?P<key>self[- ]?harm(?:ing|ed)?)\b",
        "self_harm",
        "crisis",
        "The writer self-harming.",
        unless=r"\b(?:help|support|helping|supporting) (?:a|my|someone|somebody|people)\b",
    ),
    Rule(
        "self_harm_acts",
        r"\b(?P<key>(?:burn|burning|burned|burnt|scratch|scratching|scratched|hit|hitting|"
        r"punch|punching|punched|bite|biting|bit|bang|banging) (?:" + _SELF + r"|my (?:skin|arms?|"
        r"legs?|wrists?|head)))\b",
        "self_harm",
        "crisis",
        "Burning, scratching or hitting oneself.",
        unless=r"\bsun\b|\bsunburn|\boven\b|\bstove\b|\bpan\b|\biron\b|\bkettle\b|\bcooking\b|"
        r"by accident|accidental|\bon the (?:door|table|cupboard|shelf|ceiling|wall by)|\bitch",
    ),
    Rule(
        "hurt_myself_intent",
        r"\b(?P<key>(?:want|wanted|going|need|urge|urges|tempted|plan|planning|trying|tried|"
        r"feel like) to (?:hurt|harm|injure|punish|burn) " + _SELF + r")\b|"
        r"\b(?P<key2>(?:deliberately|intentionally|purposely|keep|kept|been|started|start) "
        r"(?:\w+ )?(?:hurt|hurting|harm|harming|injuring|injure|punishing) " + _SELF + r")\b|"
        r"\bcannot stop (?:hurting|harming|cutting|burning|punishing) " + _SELF + r"\b|"
        r"\b(?P<key3>(?:hurt|hurting|harm|harming) " + _SELF + r")\b[^.!?]{0,20}?"
        r"\b(?:on purpose|deliberately|again|to feel|to cope|so i can feel|every time)",
        "self_harm",
        "crisis",
        "Hurting oneself on purpose, or wanting to.",
    ),
    Rule(
        "want_it_to_hurt",
        r"\bi (?:\w+ )?(?:wanted|want|needed|need) (?:it|the pain|myself) to hurt\b",
        "self_harm",
        "crisis",
        "Seeking pain on purpose.",
    ),
    Rule(
        "starve_myself",
        r"\b(?:starve|starving|starved|purge|purging) " + _SELF + r"\b",
        "self_harm",
        "concern",
        "Restricting food or purging as self-harm.",
    ),
    Rule(
        "deserve_pain",
        r"\bi deserve (?:to suffer|pain|to be hurt|to be punished|this pain|to hurt|nothing)\b",
        "self_harm",
        "concern",
        "Believing one deserves pain.",
    ),
    Rule(
        "others_self_harm",
        r"\b(?:cutting|cuts|cut|hurting|hurts|hurt|burning|burns|harming|harms) " + _THEMSELF + r"\b|"
        r"\bself[- ]?harm(?:s|ing|ed)?\b",
        "self_harm",
        "concern",
        "Self-harm by someone else, or self-harm named without saying whose.",
        third_party=True,
        unless=r"\b(?:awareness|essay|research|article|course|prevention|training|lecture|study|"
        r"studies|statistics|documentary|module|class on|talk on)\b",
        needs_model=True,
    ),
    # ---------------------------------------------------------------- harm to others
    Rule(
        "intent_to_harm",
        r"\bi\b" + _gap(25) + r"\b(?P<key>(?:going to|will|want to|plan to|planning to|"
        r"am about to|intend to|need to|would like to|thought about|thinking about|fantasi[sz]e "
        r"about|have thought about|ready to|gonna|am gonna|try to) "
        r"(?:kill|killing|murder|murdering|stab|stabbing|shoot|shooting|strangle|strangling|"
        r"poison|poisoning|hurt|hurting|harm|harming|beat up|beating up|attack|attacking|"
        r"torture|torturing|choke|choking) " + PERSON + r")\b",
        "harm_to_others",
        "crisis",
        "The writer intending serious violence to a person.",
        unless=_GAME,
    ),
    Rule(
        "want_them_dead",
        r"\bi\b" + _gap(15) + r"\b(?P<key>(?:want|need) (?:him|her|them|my \w+|that \w+) dead)\b|"
        r"\bi\b" + _gap(20) + r"\b(?P<key2>(?:going to|will|want to|plan to|about to) (?:burn|set fire to) "
        r"(?:his|her|their|my \w+'s|the \w+'s) (?:house|home|car|flat|place)(?: down)?)\b",
        "harm_to_others",
        "crisis",
        "Wanting someone dead, or planning arson against them.",
        unless=_GAME,
    ),
    Rule(
        "wish_them_dead",
        r"\bwish (?:that )?(?:he|she|they|my \w+) (?:was|were|would) (?:dead|die)\b",
        "harm_to_others",
        "concern",
        "Wishing someone dead: usually anger, worth a check-in.",
    ),
    Rule(
        "mass_violence",
        r"\b(?:shoot up|shooting up|bomb|blow up|attack) (?:the |my |our |a |that )?(?:school|"
        r"office|work|workplace|church|mosque|synagogue|temple|mall|college|university|class|party|"
        r"concert)\b|"
        r"\b(?:bring|bringing|take|taking|carry|carrying) (?:a |my |his |her |the )?(?:gun|rifle|"
        r"pistol|knife|knives|weapon|machete|bomb) (?:to|into) (?:the |my |our )?(?:school|work|"
        r"class|the office|office|college|church|party|his|her|their)\b",
        "harm_to_others",
        "crisis",
        "Threats of violence against a place full of people.",
        unless=_GAME + r"|\b(?:drill|lockdown|news)\b",
    ),
    Rule(
        "weapon_intent",
        r"\bi\b" + _gap(25) + r"\b(?P<key>(?:going to|will|want to|plan to|planning to|about to|"
        r"gonna) (?:get|grab|take|bring|use|buy|fetch|load) (?:my |a |the |his |her )?(?:\w+'s )?"
        r"(?:gun|rifle|shotgun|pistol|knife|weapon|machete|axe))\b",
        "harm_to_others",
        "crisis",
        "Getting a weapon with intent.",
        unless=r"\b(?:cake|bread|kitchen|cook|cooking|vegetables|fruit|steak|hunting|range|clay|"
        r"camping|chop|carve|carving|wood)\b|" + _GAME,
    ),
    Rule(
        "tell_to_die",
        r"\b(?:you should|go|just go|why do not you|you ought to|you deserve to|please|pls|"
        r"you need to) (?:just |go )?(?:kill yourself|die|hang yourself|end your life|"
        r"drink bleach)\b|\bkys\b",
        "harm_to_others",
        "crisis",
        "Telling someone to kill themselves (matters for generated persona replies too).",
        negatable=False,
        unless=r"\b(?:go die (?:in|on) (?:a|the) (?:game|level))\b",
    ),
    Rule(
        "could_hurt",
        r"\bi\b" + _gap(15) + r"\b(?P<key>(?:could|might|feel like|want to|wanna) "
        r"(?:kill|killing|murder|murdering|strangle|strangling|stab|stabbing|throttle|throttling|"
        r"punch|punching|hit|hitting|slap|slapping|smack|smacking|beat up|beating up|deck) " + PERSON + r")\b",
        "harm_to_others",
        "concern",
        "Angry talk of hitting or killing someone, without a stated plan.",
        unless=r"\bfor (?:eating|taking|using|drinking|stealing|finishing|leaving|being|that|"
        r"the last|this|not|a|his|her|my)\b|" + _GAME,
    ),
    # ---------------------------------------------------------------- abuse
    Rule(
        "abuser_hurts_me",
        r"\b(?P<key>" + ABUSER + r")\b[^.!?]{0,40}?\b(?:hits|hit|beats|beat|punches|punched|"
        r"kicks|kicked|slaps|slapped|chokes|choked|strangles|strangled|hurts|hurt|abuses|abused|"
        r"burns|burned|rapes|raped|molests|molested|touches|touched|assaults|assaulted|"
        r"sexually abused|sexually assaulted|locks|locked|pushes|pushed|shoves|shoved|drags|"
        r"dragged|throws things at|threw things at|starves|starved) (?:my (?:\w+ ){1,2}and )?me\b",
        "abuse",
        "crisis",
        "Someone hurting, abusing or assaulting the writer.",
        unless=r"\bbeats? me (?:at|in|to)\b|\bbeat me (?:every|again)\b(?:.*\b(?:game|chess))|"
        r"\bat (?:chess|cards|tennis|football|pool|darts|monopoly|scrabble)\b|" + _GAME + r"|"
        r"\bhits? me (?:up|back)\b|\bhits? me with (?:a|an|the|some|this|that|his|her) "
        r"(?:\w+ )?(?:idea|question|news|joke|request|story|offer|bill|message|text|fact)\b|"
        r"\bpillow|\bunder the table\b|\bby accident\b|accidentally|\bit was funny\b|"
        r"\bhurt me (?:when|by) (?:he|she|they)? ?(?:said|saying|lied|lying|cheated|cheating|"
        r"left|leaving|ignor\w+)\b|\bhurt my feelings\b|\bhurt me (?:so much|deeply|badly) "
        r"(?:when|by)\b|\btouched me (?:deeply|so much)|\btouches me (?:deeply|so much)",
    ),
    Rule(
        "being_abused",
        r"\b(?:i am|i have been|i was|i get|i got|i keep getting|being|been|getting) (?:\w+ )?"
        r"(?:abused|raped|molested|sexually assaulted|assaulted|beaten|trafficked|groomed|"
        r"beaten up)\b",
        "abuse",
        "crisis",
        "The writer saying they are or were abused or assaulted.",
        unless=r"\bbeaten (?:at|in) (?:chess|cards|tennis|football|the final|the game|"
        r"(?:\w+ )?(?:game|match|race|round))\b|\bbeaten (?:by|in) (?:a|the) (?:team|score|final|"
        r"match|race)\b|\bbeaten (?:\w+ )?(?:game|match|record)",
    ),
    Rule(
        "reported_threat",
        r"\b(?:threaten\w*|said|says|told me|tells me|swore|swears|warned me|promised)\b"
        r"[^.!?]{0,25}?\b(?:kill|hurt|beat|hit|harm|stab|shoot|strangle|burn)\w* (?:me|my kids|"
        r"my children|my (?:mum|mom|dad|family|dog|cat|baby))\b|"
        r"\b(?:tried|trying|try) to (?:kill|strangle|choke|drown|stab) me\b",
        "abuse",
        "crisis",
        "Someone threatening or trying to seriously harm the writer.",
        unless=r"\b(?:lol|haha|joke|joking|kidding)\b|" + _GAME,
        needs_model=True,
    ),
    Rule(
        "unsafe_at_home",
        r"\b(?:do not|never) feel safe (?:at home|in my (?:own )?(?:house|home|room|flat)|around "
        r"(?:him|her|them|my \w+)|with (?:him|her|them|my \w+))|"
        r"\b(?:scared|afraid|terrified|frightened) (?:to go home|of (?:my|him|her|them|what he|"
        r"what she)\b[^.!?]{0,25}?\b(?:drinks|drunk|angry|gets|when|does|will))|"
        r"\b(?:controls|checks|takes) (?:all )?(?:my money|my phone|who i see|where i go)|"
        r"\b(?:keeps|keep|been|is) (?:following|stalking) me\b|"
        r"\b(?:scared|afraid|terrified|frightened) of my (?:husband|wife|partner|boyfriend|"
        r"girlfriend|dad|father|mum|mom|mother|step-?\w+|ex)\b(?!'s)|"
        r"\bnot allowed to (?:see my friends|leave the house|have money)\b",
        "abuse",
        "concern",
        "Fear at home, coercive control or stalking, without a disclosed assault.",
        negatable=False,
    ),
    # ---------------------------------------------------------------- distress, concern
    Rule(
        "hopeless",
        r"\b(?:feel|feeling|am|so|completely|totally|utterly) hopeless\b|"
        r"\bno hope (?:left|for me|any ?more)\b|"
        r"\b(?:nothing|it|things|life) (?:will|is going to|are going to) (?:ever |never )?"
        r"(?:get|be) (?:any )?better\b|"
        r"\bthings will never (?:get better|change)\b|"
        r"\bno way out\b|\bno escape\b|\b(?:feel|am|so) trapped\b|"
        r"\bdo not see (?:a|any) future\b",
        "distress",
        "concern",
        "Hopelessness.",
        unless=r"\b(?:maze|room|escape room|game|traffic|lift|elevator)\b",
    ),
    Rule(
        "cannot_cope",
        r"\b(?:cannot|unable to|could not|struggling to|do not know how to|not able to) cope\b|"
        r"\bstruggling to (?:keep going|go on|carry on|get through (?:the|each) day)\b|"
        r"\bcannot (?:take|handle|bear|stand) (?:it|this|much more|any ?more|life)"
        r"(?: any ?more| much longer)?\s*(?:$|[,;]|any ?more|much longer)|"
        r"\bcannot do (?:this|it|life) (?:any ?more|much longer)\b|"
        r"\bcannot go on\b|"
        r"\bhow (?:much )?longer i can (?:keep going|go on|hold on|take (?:it|this))\b|"
        r"\bbarely (?:holding on|hanging on|surviving|keeping it together)\b|"
        r"\b(?:at|reached) (?:my |a |the )?breaking point\b|"
        r"\b(?:i am|i feel|everything is|my life is|life is) (?:completely |totally |just )?"
        r"(?:falling apart|broken)\b|"
        r"\blosing my mind\b|"
        r"\bi am not (?:okay|ok|alright|all right|coping)\b(?! (?:with|about|to|if|that)\b)|"
        r"\bi am drowning\b(?! in )",
        "distress",
        "concern",
        "Not coping; at breaking point.",
        negatable=False,
        needs_model=True,
    ),
    Rule(
        "self_worth",
        r"\bi am (?:so |such |completely |totally |just )?(?:worthless|a waste of space|"
        r"a burden|such a burden)\b|"
        r"\b(?:feel|feeling) (?:like )?(?:such )?(?:a |an )?(?:burden|worthless|waste of space)\b|"
        r"\bi hate myself\b|\bi ruin everything\b|\beveryone hates me\b",
        "distress",
        "concern",
        "Harsh self-judgement: worthless, a burden, self-hatred.",
        negatable=False,
        needs_model=True,
    ),
    Rule(
        "disappear",
        r"\b(?:want to|wish(?:es)? (?:that )?i could|wish to|going to) (?:just )?"
        r"(?:disappear|vanish)\b|"
        r"\b(?:nobody|no one) would (?:even )?(?:notice|care|miss me) if i (?:disappeared|vanished|"
        r"ran away)\b|"
        r"\brun away (?:from everything|and never come back)\b|"
        r"\bsleep for a (?:year|month|week|long time) and not\b",
        "distress",
        "concern",
        "Wanting to vanish or escape everything.",
        needs_model=True,
    ),
    Rule(
        "dark_thoughts",
        r"\b(?:having|have|had|get|getting|been having) (?:really |some |these |very |such )?"
        r"dark thoughts\b|\bmy (?:dark|scary|intrusive) thoughts\b",
        "distress",
        "concern",
        "'Dark thoughts', a common way of hinting at self-harm or suicide.",
    ),
    Rule(
        "empty_numb",
        r"\b(?:feel|feeling|am|so) (?:so |completely |totally |just )?(?:numb|empty)\b|"
        r"\bempty inside\b|\bdead inside\b",
        "distress",
        "concern",
        "Emotional numbness or emptiness.",
        unless=r"\b(?:stomach|tank|fridge|room|house|inbox|glass|plate|battery|numb (?:hands|feet|"
        r"fingers|toes|leg|arm)|my (?:hands|feet|fingers|toes|leg|arm|face) (?:are|is|went|feel)|"
        r"cold|anaesthetic|dentist|injection)\b",
    ),
    Rule(
        "physical_distress",
        r"\bcannot stop crying\b|\bcrying (?:every day|all the time|myself to sleep)\b|"
        r"\bpanic attacks? (?:every|all the time|each)\b|"
        r"\bhave not (?:slept|eaten|eaten or slept|slept or eaten)\b[^.!?]{0,20}?\bin (?:\w+ )?"
        r"(?:days|weeks)\b|"
        r"\bdrinking (?:\w+ )?(?:every|each) (?:night|day) (?:just )?to (?:get through|cope|"
        r"forget|numb|sleep)",
        "distress",
        "concern",
        "Crying, panic, not eating or sleeping, drinking to cope.",
        negatable=False,
        needs_model=True,
    ),
    Rule(
        "alone_uncared",
        r"\b(?:nobody|no one|no-one) (?:cares|gives a \w+) (?:about me|if i)\b|"
        r"\b(?:everything|life|my life) (?:feels|is|seems) (?:so |completely |totally )?"
        r"(?:pointless|meaningless)\b|"
        r"\b(?:feel like|am|feel) giving up on (?:everything|life)\b|"
        r"\bgiving up on (?:everything|life)\b",
        "distress",
        "concern",
        "Feeling uncared for or that life is pointless.",
        negatable=False,
    ),
    Rule(
        "alone_self",
        r"\bi (?:feel|am|have been|have felt|have been feeling|am feeling|feel like i am) "
        r"(?:so|really|completely|totally|utterly|very|incredibly|terribly|just so) "
        r"(?:alone|lonely|isolated)\b",
        "distress",
        "concern",
        "The writer saying they feel very alone (plain 'I'm lonely' is left alone).",
        negatable=False,
    ),
    # ---------------------------------------------------------------- weak cues (never flag alone)
    Rule(
        "cue_weak_distress",
        r"\bwhat is the point\b|\bi give up\b|\b(?:so |really )?tired of (?:everything|it all|life|"
        r"living|trying|this life|being me)\b|\b(?:so|really|completely|totally) alone\b|"
        r"\bnobody (?:understands|listens)\b|\bi am (?:so |just )?done\b(?! (?:with|for))|"
        r"\bthink about it (?:a lot|all the time|constantly|every day|often)\b|"
        r"\bi (?:feel|am) (?:so |completely |totally )?(?:lost|exhausted|hollow)\b|"
        r"\b(?:feel|am) (?:such |so |a )?(?:failure|mess)\b|\bi do not care any ?more\b|"
        r"\bcannot sleep\b|\beverything hurts\b|\bi feel like (?:a )?(?:failure|nothing)\b|"
        r"\bwhy (?:do|should) i (?:even )?(?:bother|try)\b|\bso tired\b",
        "distress",
        "cue",
        "Weak signs of distress; they flag only with strong negative emotion or a denied crisis phrase.",
        negatable=False,
    ),
)

# Context patterns -------------------------------------------------------------------------------

NEGATION = r"\b(?:not|never|no longer|no way|nothing like|in no way)\b"
# Words after a negation that make it not a negation of what follows ("cannot stop thinking",
# "do not know if ...", "not saying I ...").
NEGATION_BREAKERS = (
    r"^\s*(?:\w+ )?(?:stop|help|shake|escape|get rid of|resist|know|sure|say|saying|understand|"
    r"see why|think i can stop|even know)\b"
)
PAST = (
    r"\b(?:used to|years ago|a long time ago|(?:last|a few|many|several|\w+) years|"
    r"when i was (?:a |an |little|young|younger|small|in |at |\w+teen\b|\d+)|"
    r"as a (?:kid|child|teen|teenager|student)|in the past|back then|in (?:high )?school|"
    r"at school|at uni|clean for|sober for|(?:much |a lot |so much )?better (?:now|place)|"
    r"recovered|recovery|therapy (?:really )?helped|got help|since then|these days i am|"
    # Added 2026-12-07 (issue #10), from the train split's past-and-recovered lines the rules read as now.
    r"a decade ago|back in (?:uni|school|college|the day|(?:19|20)\d\d)|in (?:19|20)\d\d|"
    r"in my (?:teens|twenties|thirties|forties|20s|30s)|"
    r"there was a time|at my lowest|that (?:year|winter|summer)|my younger self|throwback)\b"
)
RECENT = (
    r"\b(?:again|last night|yesterday|today|tonight|this (?:morning|week|evening|afternoon)|"
    r"right now|just now|hours? ago|an hour ago|recently|still|every day|every night|currently|"
    r"at the moment|now i|and now)\b"
)
JOKE = r"\b(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jk|just kidding|just joking|kidding)\b|😂|🤣|😆|😜"
# Sentences about films, books, games and the news: quotes in them are not the writer's words
# and third-party rules are not applied.
MEDIA = (
    r"\b(?:movie|film|book|novel|song|lyrics|episode|series|show|character|story|scene|"
    r"documentary|article|news|report|villain|hero|play|poem|podcast|game|anime|comic|"
    r"chapter|tv|netflix|the plot)\b"
)

# Whose feeling is it? ------------------------------------------------------------------------------
# Learners practise reflecting a persona's feelings ("that sounds really lonely", "you must feel so
# alone", "I'm sorry the weekends feel so empty"). A distress or risk phrase in the scope of one of
# these frames belongs to the other person, unless the writer puts themself back in between
# ("I hear you, and I feel so empty too"). Frames said of oneself are not frames: "I know it
# sounds stupid" (a self-deprecating aside) and "I can't see how ..." (a negated listener verb).
REFLECTIVE_FRAME = (
    # "it / that / you / she sounds (like)", "sounding", but not "it sounds stupid, but ..."
    r"\b(?:sounds?|sounding|sounded)\b(?! (?:so |really |a bit |kind of |pretty |very )?"
    r"(?:dramatic|stupid|silly|weird|crazy|bad|mad|strange|dumb|pathetic|selfish|ridiculous|"
    r"awful|childish|melodramatic)\b)|"
    r"\b(?:it|that|this|which|you|he|she|they) (?:\w+ )?(?:must|might|may|could|would) "
    r"(?:feel|be|have)\b|"
    r"\b(?:you|he|she|they) (?:\w+ )?(?:seem|seems|seemed|look|looks|looked)\b|"
    r"\bi (?:can |could )?(?:really |totally |completely |only |just |certainly )?"
    r"(?:hear|imagine|understand|sense|get why|get how|get that)\b|"
    r"\bi can (?:really |totally |completely |only |just |certainly )?(?:see|tell)\b|"
    r"\bi am (?:so |really |very |truly |deeply |just )?sorry\b|"
    r"\bsorry (?:to hear|that|you|for|about)\b|"
    r"\b(?:it is|it would be|that is|that would be|it makes|that makes|it is completely|"
    r"it is totally) (?:\w+ )?(?:okay|ok|normal|natural|understandable|fine|alright|all right|"
    r"sense|human|valid)\b|"
    r"\bunderstandable\b|\bno wonder\b|\bof course (?:you|he|she|they)\b|"
    r"\b(?:anyone|anybody|most people|a lot of people|many people|lots of people|people often)"
    r" (?:\w+ )?(?:would|might|could|feel|feels|get)\b"
)
# The writer as the one who feels it.
FIRST_PERSON = r"\b(?:i|me|my|myself|mine)\b"
# Someone else as the subject of the phrase ("you feel", "she is", "your weekends", "their life").
# Object pronouns (him, her, them) are left out: "losing her made everything feel pointless".
OTHER_SUBJECT = r"\b(?:you|your|yourself|yours|he|she|they|his|their|themselves)\b"
# Where a new subject can start, for finding the nearest one before a phrase.
SUBJECT_BREAK = (
    r",|:|\b(?:but|though|although|however|yet|except|because|and|so|when|since|after|while|if|"
    r"until|or)\b"
)

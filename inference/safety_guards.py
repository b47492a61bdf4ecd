"""Guards on the learned risk classifier's flags: the kinds of English text it reads as risk and a
person reads as harmless, written as data beside the rules.

Plain Python (no torch, no Django). ``inference.safety`` applies a guard only where the classifier
would raise the rules' level (a flag where the rules found nothing, or a crisis where they found a
concern such as a past they read as over): the rules' verdict then stands. A guard never sets aside
a present first-person finding of the rules, so the phrasings the rules know as risk stay flagged
whatever a guard says (see the end of this list for the findings it does set aside). A guard sets
the classifier's flag aside when the whole text is, plainly, one of:

- ``idiom``: every word of risk in it belongs to an everyday idiom or hyperbole ("this commute is
  killing me", "scared me to death", "dying to see it"); nothing about risk is left once the idioms
  are blanked.
- ``past_recovered``: a past the writer marks as over, with a marker of now ("years ago … I'm
  doing well now", "clean for three years"), and nothing that says it is back ("again", "lately",
  "tonight", an urge, a plan or means).
- ``denial``: the writer says they are safe or not suicidal ("I'm not suicidal, just tired") and
  nothing else in the text takes it back (a wish not to exist, a plan, means, timing, "I lied").
- ``third_person``: the risk is someone else's (a friend, a parent, "he", "she") and the writer
  speaks of themselves only as the one who worries or helps ("how do I help her", "I've called
  her mum").
- ``plain``: a line of at most four words with no word of risk in it, not even the short ones that
  can carry a whole crisis in a short line ("done", "enough", "bye", "friday"): "typed before
  connecting", "I waited all morning." (added 2026-12-07, later: no crisis or concern line of the
  written or EPITOME train and dev splits is that short and that plain; 67 of the persona corpus's
  train persona lines and 33 of the role-play tune replies are).
- ``helper_promise``: the writer promises to act on the other person's matter ("i'll sort this out
  for you today", "leave it with me, i'll chase the courier tonight", "i'm going to make this
  right") and says nothing of their own life or death. The classifier read such a learner's reply
  in a role-play as a plan with a time, a crisis, and paused the practice (added 2026-12-07, night:
  6 of 20 service replies written in a walkthrough were flagged crisis). Its own list of risk words
  (``PROMISE_RISK``) leaves out what service talk is full of (tonight, a note, a plan, help, the
  hospital) and keeps what a farewell dressed as an errand carries (everything, everyone, when i'm
  gone, for good, my things, my affairs).

The idiom, past and third-person guards also set aside the rules' own findings of ambiguous rules and
pasts (``inference.safety._agreed``); a present first-person finding of the rules always stands.

Each pattern runs on the screen's normalised text (lower case, contractions spelled out: ``i am``,
``do not``, ``cannot``). Every guard is checked on the dev split and on the crisis and concern lines
of the train split (see the safety model card): a guard that set aside a crisis line there would
be narrowed, not kept.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

GuardKind = Literal["idiom", "past_recovered", "denial", "third_person", "plain", "helper_promise"]

# Guards read chat-length text only.
MAX_CHARS = 300
# The ``plain`` guard reads only the shortest lines: at most this many words.
PLAIN_MAX_WORDS = 4

# Words that carry risk when they are not part of an idiom: if any is left once the idioms are
# blanked, the idiom guard does not apply.
RISK_WORDS = (
    r"\b(?:die|dying|died|dead|death|deathly|kill\w*|suicid\w*|end (?:it|it all|my life|things|everything)|"
    r"overdos\w*|pills?|tablets?|paracetamol|rope|noose|bridge|ledge|edge|roof|jump\w*|cut\w*|blade|razor|"
    r"hurt (?:myself|me)|harm\w*|goodbye|note|letters?|better off|burden|disappear\w*|vanish\w*|wake up|"
    r"gone|plan\w*|lethal|dose|hang\w*|drown\w*|alive|live|living|exist\w*|end me|finish me|"
    r"hopeless|worthless|no point|give up|giving up|cannot (?:cope|go on|do this)|no way out|nothing left|"
    r"want (?:it|this|everything) to stop|tonight|sleep forever|never wake|hate myself|sea|ocean|river|"
    r"train|tracks|car|wall|window|gun|knife|weapon|shoot|"
    # Said to be meant: "i wouldn't mind if it did", "for real", "not a joke".
    r"would not mind|wouldn't mind|glad if|hope (?:it|something|one) (?:does|did|would)|let it|for real|actually|not (?:a joke|joking)|"
    r"i mean it|seriously|literally want|"
    # Distress the guide calls concern: eating, sleep, crying, staying in, drinking, being alone.
    r"eat\w*|ate|appetite|meals?|sleep\w*|slept|cry\w*|cried|tears|in bed|out of bed|lectures|classes|stopped going|"
    r"left (?:my|the) (?:room|house|flat)|drink\w*|drunk|bottles?|alone|lonely|no one|nobody|numb|empty|anymore|any more|"
    r"cope|coping|breaking|falling apart|panic\w*|scared|afraid|hit me|hits me|hurt\w*|hiding|police|failure|my life|"
    r"can't take|cannot take|too much)\b"
)

# Short words that can carry a whole crisis or concern in a very short line ("i'm done", "had enough",
# "what's the point", "bye all", "friday it is"): a line with any of them is not plain.
PLAIN_RISK = (
    r"\b(?:done|enough|over|point|tired|sick|end\w*|bye|farewell|sorry|forgive|thank\w*|love|miss\w*|"
    r"ready|decided|decision|choice|last|final|soon|tomorrow|tonight|later|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|weekend|never|forever|nothing|nobody|everyone|everything|hate|gone|leave|leaving|"
    r"go|going|away|stop|quit|out|free|peace|rest|pain|hurt\w*|help|scared|afraid|alone|why|fail\w*|"
    r"can't|cannot|won't|anymore|again|still|blood|bleed\w*|hospital|ambulance|police|ward)\b"
)

# Everyday idioms and hyperbole with a risk word in them. Each is blanked before RISK_WORDS is read.
IDIOMS = (
    r"\b(?:is|are|was|were|will be|be|has been|have been|keeps?|'s|it is|it was|that is|this is) "
    r"(?:\w+ )?(?:slowly |absolutely |literally |actually |honestly |going to be |gonna be )?"
    r"(?:killing|murdering|going to kill|gonna kill|trying to kill|finishing|going to finish) (?:me|us|my \w+)\b|"
    r"\b(?:killing|murdering) (?:me|my (?:soul|feet|back|legs|vibe|brain|buzz))\b|"
    r"\b(?:kill|murder|strangle) (?:for|a) (?:a |an |some )?\w+|"
    r"\b(?:killing|killed|kill) it\b|\bkilling time\b|\bkill two birds\b|\bkilljoy\b|"
    r"\bdying (?:to|for|of laughter|of embarrassment|laughing)\b|\b(?:i am|i was|i nearly|i almost|i could|i literally|we are|we were) "
    r"(?:\w+ )?(?:died|die|dying|dead) (?:of|from|laughing|when|inside lol)\b|"
    r"\b(?:to|till|until) (?:the )?death\b(?! of)|\bto die for\b|\b(?:scared|bored|worried|frightened|sick) (?:me |him |her |us )?to death\b|"
    r"\bdead (?:tired|on my feet|to the world|serious|certain|heat|ringer|easy|good|funny|boring|loud|quiet)\b|"
    r"\bdeadlines?\b|\bdead[- ]end (?:job|road|street|town)\b|\bdie-hard\b|\bdie hard\b|"
    r"\b(?:my|the|our|his|her|this) (?:\w+ )?(?:phone|laptop|battery|car|plants?|houseplants?|printer|computer|tv|wifi|"
    r"feet|legs|back|arms|hands|knees?|neck|brain|joke|party|conversation|vibe|chat|group chat) "
    r"(?:is |are |was |were |has |have |just |finally )*(?:dead|dying|died|killing me)\b|"
    r"\b(?:i am|i'm|i was) dead\b(?= (?:lol|lmao|haha|😂|🤣|,|\.|!|$))|\b(?:i am|i was) (?:so |literally )?deceased\b|"
    r"\b(?:shoot|kill) me (?:now|already)\b|(?:^|[.!?] )(?:ugh,? |god,? |honestly,? )?kill me[,.!]|\bend me\b|\bthe end of me\b|\bthe death of me\b|"
    r"\b(?:finish|finished) me off\b|\bfeel like death\b|\bdeath warmed up\b|\b(?:going to|gonna|will) be the death of (?:me|us)\b|"
    r"\b(?:i will|i'll|i am going to|i'm going to|i am gonna) be (?:dead|toast|a goner|dead meat)(?: before| if| when)\b|\bdead meat\b|"
    r"\b(?:i am|i'm) (?:toast|a goner)\b|\bon my last legs\b|\b(?:i am|i'm) (?:going to|gonna) (?:die|lose it) if\b|"
    r"\b(?:i would|i'd) (?:kill|die) to\b|\bend my suffering and\b|\bbeen murdered by\b|\bat the end of my (?:rope|tether) with\b|"
    r"\b(?:throw|chuck|lob) (?:my|the) (?:laptop|phone|computer|printer) (?:out|in|into|at)\b|"
    r"\b(?:i would|i'd) rather die than\b|\bover my dead body\b|"
    r"\b(?:cut|cutting|cuts) (?:my |his |her |the |your )?(?:own )?(?:hair|fringe|fringes|bangs|ties|corners|losses|"
    r"it close|carbs|sugar|back on|out the|the cord|class|classes|the grass|costs?|the cake|to the chase|in line)\b|"
    r"\bcut (?:myself )?(?:shaving|on (?:a|the) \w+)\b|"
    r"\b(?:hang|hanging|hung) (?:out|up|on|the (?:washing|pictures?|laundry|picture|lights|curtains|decorations)|around|in there)\b|"
    r"\b(?:jump|jumped|jumping) (?:off|from) the (?:high board|diving board|boat|pier|rocks into)\b|\bbungee\w*\b|"
    r"\bbridge (?:club|night|game)\b|\bover it\b|\bdrowning in (?:\w+ )?(?:emails?|work|paperwork|homework|marking|laundry|washing|admin|deadlines|essays)\b|"
    r"\b(?:walk|walking|throw myself|jump) (?:into|in) (?:the )?(?:sea|ocean|river|lake|bin)\b(?= (?:after|if|every|when|because|over)|[,.!]|$)|"
    r"\b(?:my )?last nerve\b|\bhit a wall\b|\b(?:the )?(?:end|death) of an era\b|\bsaving up for\b|"
    r"\bmurder (?:my|his|her) (?:little |big |younger |older )?(?:brother|sister|flatmate|husband|wife|boyfriend|girlfriend|kids?)\b|"
    r"\b(?:my )?(?:mum|mom|dad|wife|husband|boss|teacher|sister|brother|coach|mother|father) (?:is going to|will|would|'ll|is gonna) "
    r"(?:kill|murder) me\b"
)

# A past the writer marks as over, and what says it is over now.
PAST = (
    r"\b(?:used to|years ago|a long time ago|(?:\w+|\d+) years? (?:ago|back)|back (?:then|in \d{4}|in (?:school|uni))|"
    r"when i was (?:a |an |in |at )?\w+|as a (?:kid|child|teen|teenager|student)|in my (?:teens|twenties|thirties|forties)|"
    r"at (?:1[0-9]|[2-5][0-9])\b|in (?:19|20)\d\d|last (?:year|spring|summer|autumn|winter)|a few years back|"
    r"(?:once|that (?:winter|summer|year)), (?:a long time ago|years ago)|the (?:winter|year|summer) after|"
    r"i was (?:hospitali[sz]ed|sectioned|in (?:a|the) (?:psychiatric|psych) (?:unit|ward|hospital))|i (?:tried|attempted) to (?:kill|end)|"
    r"i (?:overdosed|self harmed|self-harmed) (?:when|at|in|once))"
)
NOW_WELL = (
    r"\b(?:doing (?:well|great|fine|okay|ok|really well|so much better|better|good)|in a (?:good|better|great|much better) place|"
    r"(?:sober|clean|well|fine|okay|free) (?:for|since) |(?:sober|clean) (?:\w+ )?(?:years?|months?)|"
    r"(?:i have not|i haven't|have not|haven't) (?:done it|cut|self harmed|hurt myself|had (?:a|one|any)|thought about it|touched)[^.]*? (?:in|for|since) |"
    r"recovery is|recovered|i am (?:still )?here|glad i (?:stayed|was wrong|am here|held on)|grateful to be (?:here|alive)|"
    r"back to normal|(?:happier|healthier|stronger) (?:now|than)|so far from (?:that|there)|a stranger now|went quiet|"
    r"(?:now|today|these days) i (?:run|work as|volunteer|help others|teach|sleep fine|barely remember)|i am (?:now )?(?:a|an) \w+ now|"
    r"i am (?:a|an) (?:nurse|teacher|social worker|counsellor|counselor|doctor|mum|mom|dad|volunteer)|"
    r"(?:feeling|feel|i am|i'm) (?:steady|safe|well|fine|okay|good|happy|calm|genuinely happy|proud)(?: now)?\b|"
    r"i am living again|changed that|got help|proud of it|part of my story|made it through|got through it|those thoughts (?:went|are) (?:quiet|gone)|"
    r"(?:do not|don't) miss it|i (?:do not|don't) believe that anymore|feels like (?:another|a different) life|it (?:is|was) over|"
    r"come out the other side|(?:basically |mostly |completely )?gone now|now i am (?:running|thriving|happy|well|okay|fine|doing)|"
    r"(?:in|for) (?:years|ages)\b(?! ago)|(?:so much|much|loads|a lot) better now|know (?:what to do|how to handle it))"
)
# Anything that says it is current again: the guard does not apply.
BACK_NOW = (
    r"\b(?:again|lately|recently|these past|this (?:week|month|year|morning|evening)|tonight|today i (?:want|took|cut|did)|"
    r"right now|at the moment|it is back|it's back|come back|came back|coming back|creeping back|started (?:to|\w+ing)|"
    r"urges?|tempted|want to (?:die|cut|end|hurt|disappear|be gone|not be here|stop existing)|plan\w*|pills?|tablets?|dose|note|"
    r"cannot stop|can't stop|slip(?:ping)? back|relaps\w* (?:this|last|again)|scared i|afraid i|not sure i can|struggling)\b"
)

# Denials of risk by the writer; and what takes a denial back.
DENIAL = (
    r"\b(?:i am|i'm) not (?:suicidal|going to (?:do anything(?: stupid)?|hurt myself|kill myself|end it)|in (?:danger|a dark place)|at risk|"
    r"thinking (?:about|of) (?:suicide|killing myself|hurting myself|ending it)|in any danger)|"
    r"\bnot (?:in a dark place|at risk|suicidal)\b|"
    r"\b(?:i )?(?:do not|don't) want to (?:die|kill myself|hurt myself|end (?:it|my life)|disappear)\b|"
    r"\b(?:i would|i'd|i will|i'll) never (?:hurt|harm|kill) myself\b|\bi (?:would not|wouldn't) ever do anything to myself\b|"
    r"\bno (?:thoughts|plans) (?:of|about) (?:hurting|harming|killing|ending)\b|\b(?:i do not|i don't) have any thoughts of (?:harming|hurting|killing)\b|"
    r"\b(?:i am|i'm) safe\b|\bnever been suicidal\b|\bbefore anyone worries\b|"
    r"\bthe answer is no\b|\bhonestly no\b|\bi (?:do not|don't) feel hopeless\b"
)
TAKE_BACK = (
    r"\b(?:lied|lie|lying|but i (?:do|am|have|want)|actually i|stop existing|not exist|not to exist|never wake|not wake|"
    r"end it properly|properly|plan\w*|pills?|tablets?|dose|tonight|decided|going to (?:go|end|do it)|just done|be gone|"
    r"dead|not be here|not here anymore|better off without|goodbye|note|rope|bridge|jump|cut|hurt myself tonight|"
    r"every (?:hour|day|night)|cannot (?:cope|go on|keep going)|cannot do this|no point|hopeless|worthless|want to die|"
    r"kill myself|disappear for good|forever|but|point|not fine|been fine|i am not\.|anymore|any more|cannot see|can't see)\b"
)

# Someone else holds the risk: a third party named, and the writer speaks of themselves only as the
# one who worries, asks or helps.
THIRD_PARTY = (
    r"\b(?:my|our|a|his|her) (?:\w+ )?(?:friend|mate|best friend|flatmate|roommate|housemate|partner|husband|wife|boyfriend|girlfriend|"
    r"brother|sister|mum|mom|mother|dad|father|son|daughter|teenager|kid|child|cousin|uncle|aunt|gran|grandad|grandma|grandpa|nan|"
    r"colleague|coworker|co-worker|student|pupil|neighbour|neighbor|client|patient|boss|classmate|sibling|stepdad|stepmum|niece|nephew)\b|"
    r"\b(?:he|she|they) (?:says?|said|told|keeps? saying|texted|wrote|posted|thinks|feels|wants|is|has|hasn't|won't|does not|doesn't|hasn't)\b|"
    r"\b(?:someone|a man|a woman|a kid|a boy|a girl) (?:in|on|at) (?:my|our|the) \w+"
)
# What the writer says of themselves in such a text: worry, a question, help given. Blanked before
# looking for any other first-person words.
HELPER = (
    r"\b(?:i am|i'm|i was|i feel|i have been|i've been) (?:really |so |very |a bit |quite )?(?:worried|scared|terrified|frightened|"
    r"concerned|anxious|not sure|unsure|lost|staying with (?:him|her|them)|with (?:him|her|them)|okay|ok|fine|tired from broken sleep)\b|"
    r"\b(?:how|what) (?:do|can|should|could) i\b|\bi (?:do not|don't) know (?:how|what|if|whether)\b|"
    r"\bi (?:have |'ve )?(?:called|rang|phoned|told|asked|texted|messaged|found|took|take|booked|reported|contacted|stayed|tried|"
    r"keep telling|keep asking|want to help|want to be supportive|want to support|noticed)\b|"
    r"\bi (?:believe|think|hope|wish i could help|love) (?:him|her|them|he|she|they)\b|\bwe (?:have|'ve|are|took|called|booked|got)\b|"
    r"\bi (?:want|need) (?:advice|help) (?:on|with|for) how\b|\bany advice\b|\bdoes anyone have\b|\bhelp (?:him|her|them)\b"
)
FIRST_PERSON = r"\b(?:i|me|my|mine|myself|i am|i'm|i've|i'd|i'll)\b"

# A promise to act on the other person's matter: who promises, then (within the clause) the errand.
HELPER_PROMISE = (
    r"\b(?:i will|i am going to|i am gonna|i can|i shall|let me|leave it with me|we will|we are going to|we can|"
    r"i promise|i will make sure|i care about|i am on it|i am looking into|"
    r"i have (?:logged|raised|escalated|booked|arranged|flagged|passed|put in|requested))\b"
    r"[^.!?;]{0,50}?\b(?:sort|fix|handle|check|look into|looking into|follow (?:up|it up|this up|this through)|call|ring|"
    r"phone|chase|escalate|get back to|arrange|(?:make|put) (?:this|it|that|things) right|take care of|book|refund|send|"
    r"post|find out|speak to|speak with|talk to|email|e-mail|contact|raise|log|process|replace|reschedule|rebook|cancel|"
    r"get (?:this|it|that|you|your|the|a|an) |resolve|update you|keep you (?:posted|updated|in the loop)|stay on the line|"
    r"sit with you|be here|be right here|be round|come back to you|credit|compensate|investigate|track|trace|sorted|"
    r"fixed|terminate|freeze|stop (?:the|your) |pay (?:the|your|it)|check (?:back|in)|bring)\w*|"
    # Staying with them: "take all the time you need, i'm right here".
    r"\b(?:i am (?:staying )?right here|i am not going anywhere|i am staying (?:right )?here|take (?:all )?the time you need)\b"
)
# The other person or their matter is what the promise is about.
PROMISE_OBJECT = (
    r"\b(?:you|your|yours|this|that|it|things right|follow(?:ing)? up|get back to|"
    r"the (?:courier|order|parcel|delivery|booking|refund|account|bill|invoice|team|manager|department|appointment|"
    r"claim|complaint|ticket|case|form|school|teacher|office|surgery|pharmacy|warehouse|depot|engineer|insurer|lease|"
    r"contract|card|standing order|direct debit|prescription|gas|landlord|bank|council|nurse|gp|doctor|shopping)|them)\b"
)
# Words that say the writer's own life or death is in it, or a farewell dressed as an errand.
PROMISE_RISK = (
    r"\b(?:die|dying|died|dead|death|kill\w*|suicid\w*|end (?:it|it all|my life|things|everything)|overdos\w*|pills?|"
    r"tablets|paracetamol|rope|noose|bridge|ledge|roof|jump\w*|blade|razor|cut myself|(?:hurt|harm) myself|self[- ]harm\w*|"
    r"goodbye|bye|farewell|better off|burden|disappear\w*|vanish\w*|wake up|gone|lethal|dose|hang\w*|drown\w*|alive|"
    r"exist\w*|no point|give up|giving up|cannot (?:cope|go on|do this|take)|no way out|nothing left|sleep forever|"
    r"hate myself|gun|knife|weapon|shoot|not (?:be|being) (?:here|around)|my (?:affairs|things|stuff|will|pets?|cat|dog|kids)|"
    r"when i am|after i|before i|for good|forever|one last|last (?:time|thing)|final\w*|done with|had enough|anymore|"
    r"any more|everyone|everybody|nobody|no one|everything|alone|worthless|hopeless|my fault|forgive|love you|miss me|"
    r"look after (?:my|the|him|her|them)|looked after|tell (?:my|mum|mom|dad|him|her|them)|ready|decided|peace|rest|"
    r"over with|(?:it|this|things|everything|all) myself|treatment|(?:do not|does not|cannot) think|not sure|no idea|anyone can|nobody can|"
    r"drink\w*|drunk|smok\w*|weed|high|numb|weight|anyone|(?<!no )problem|will not be (?:a|an|around|here|there|in)|"
    r"understand why|note for|letter for|for my (?:sister|brother|mum|mom|dad|family|kids|partner|wife|husband|son|daughter))\b"
)


@cache
def _compiled() -> dict[str, re.Pattern[str]]:
    return {
        name: re.compile(pattern)
        for name, pattern in (
            ("risk_words", RISK_WORDS),
            ("plain_risk", PLAIN_RISK),
            ("idioms", IDIOMS),
            ("past", PAST),
            ("now_well", NOW_WELL),
            ("back_now", BACK_NOW),
            ("denial", DENIAL),
            ("take_back", TAKE_BACK),
            ("third_party", THIRD_PARTY),
            ("helper", HELPER),
            ("first_person", FIRST_PERSON),
            ("helper_promise", HELPER_PROMISE),
            ("promise_object", PROMISE_OBJECT),
            ("promise_risk", PROMISE_RISK),
        )
    }


def guard(normalised: str) -> GuardKind | None:
    """The guard that sets aside a classifier-only flag on this (normalised) text, or None."""
    if len(normalised) > MAX_CHARS:
        return None  # a long post carries more than one of these kinds; the classifier's flag stands
    p = _compiled()
    if (
        len(normalised.split()) <= PLAIN_MAX_WORDS
        and not p["risk_words"].search(normalised)
        and not p["plain_risk"].search(normalised)
    ):
        return "plain"
    if p["idioms"].search(normalised) and not p["risk_words"].search(p["idioms"].sub(" ", normalised)):
        return "idiom"
    if p["past"].search(normalised) and p["now_well"].search(normalised) and not p["back_now"].search(normalised):
        return "past_recovered"
    denial = p["denial"].search(normalised)
    if denial and not p["take_back"].search(p["denial"].sub(" ", normalised)):
        return "denial"
    if p["third_party"].search(normalised) and p["helper"].search(normalised):
        rest = p["helper"].sub(" ", normalised)
        rest = p["third_party"].sub(" ", rest)
        if not p["first_person"].search(rest):
            return "third_person"
    promise = p["helper_promise"].search(normalised)
    about_them = promise and p["promise_object"].search(normalised[promise.start() :])
    if about_them and not p["promise_risk"].search(normalised):
        return "helper_promise"
    return None


def patterns_for_fingerprint() -> list[str]:
    """The guards' patterns, for the screen's version fingerprint."""
    return [
        RISK_WORDS,
        IDIOMS,
        PAST,
        NOW_WELL,
        BACK_NOW,
        DENIAL,
        TAKE_BACK,
        THIRD_PARTY,
        HELPER,
        FIRST_PERSON,
        PLAIN_RISK,
        str(PLAIN_MAX_WORDS),
        HELPER_PROMISE,
        PROMISE_OBJECT,
        PROMISE_RISK,
    ]

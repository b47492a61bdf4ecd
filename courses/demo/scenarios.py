"""The four practice scenarios, one per setting. Each persona has authored replies whose
conditions the scripted engine (`courses.practice.engine`) matches against the analysis of the
learner's last turn. The engine ranks fitting replies by how many conditions they set, then by
priority, so the conditions here are chosen to make the intended reply win:

- dismissive tone (tone, ER ≤ 1, IP = 0, EX = 0; priority 5) beats a plain no-empathy turn;
- a factual question with no empathy (all 0, asked a question) beats a no-empathy statement;
- no empathy at all (ER = IP = EX = 0) beats the early-turn lines;
- an exploration question (EX ≥ 1, asked a question) beats a reaction or interpretation;
- later-turn lines (turn ≥ 4 or 5 plus one mechanism) take over from the single-mechanism ones;
- early-turn lines and the condition-free fallback (priority -10) fill in when the better
  replies have been used, since the engine never repeats a line while another fits;
- closing replies are used only once the goals are met (or on the last turn).
"""

from __future__ import annotations

from .schema import GoalData, ReplyData, ScenarioData

CLOSING, DISMISSIVE, EXPLORATION, MECHANISM, PLAIN, TURN, FALLBACK = 10, 5, 4, 3, 2, 1, -10

PEER_SUPPORT = ScenarioData(
    title="Practice: a lonely weekend (peer support)",
    persona_name="Priya",
    persona_bio=(
        "Priya is 24. She moved to a new city four months ago for her first job as a junior "
        "architect. She is good at her work and used to a big, noisy family."
    ),
    setting="peer_support",
    difficulty=1,
    situation=(
        "You volunteer on a peer-support chat where people can talk to someone their own age. "
        "Priya has just opened a conversation. You are not a therapist — just a kind, attentive "
        "listener. Try to show her you feel for her and invite her to say more."
    ),
    opening_line=(
        "Hey. I don't really know why I'm writing this. I moved here four months ago for work "
        "and... it's Saturday again and I haven't spoken to anyone since Thursday. Everyone at "
        "work already has their own lives."
    ),
    starting_emotions={"sadness": 0.7, "disappointment": 0.4, "nervousness": 0.3},
    max_turns=6,
    goals=(
        GoalData("Show Priya that you feel for her (an emotional reaction).", "er", min_level=1, min_turns=1),
        GoalData(
            "Invite her to say more about what the weekends are like (an exploration).", "ex", min_level=1, min_turns=1
        ),
    ),
    replies=(
        ReplyData(
            text=("Yeah... maybe I'm overthinking it. Sorry, I shouldn't have bothered anyone with this."),
            example_learner_lines=(
                "Everyone feels lonely sometimes, it's not a big deal.",
                "You just need to put yourself out there more.",
                "Honestly, at least you have a job, lots of people don't.",
            ),
            emotion_shift={"sadness": 0.15, "embarrassment": 0.2, "disappointment": 0.1},
            max_er=1,
            max_ip=0,
            max_ex=0,
            tone="dismissive",
            priority=DISMISSIVE,
        ),
        ReplyData(
            text=(
                "I did look at a climbing group. I just... walking in alone where everyone already "
                "knows each other feels impossible right now."
            ),
            example_learner_lines=(
                "You should join a club or a gym.",
                "Try an app for meeting people.",
                "Go to a meetup this week.",
            ),
            emotion_shift={"nervousness": 0.1, "disappointment": 0.05},
            max_er=0,
            max_ip=0,
            max_ex=0,
            priority=PLAIN,
        ),
        ReplyData(
            text=(
                "Thanks. It's weirdly nice just to hear someone say that. I think I've been telling "
                "myself it's not a big deal."
            ),
            example_learner_lines=(
                "I'm really sorry, that sounds so lonely.",
                "Oh Priya, I'm sorry. Four months is a long time to feel like that.",
                "I'm glad you wrote, that sounds really hard.",
            ),
            emotion_shift={"sadness": -0.15, "gratitude": 0.2, "relief": 0.1},
            min_er=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "Yes — exactly that. At work I'm fine, I'm busy. It's the weekends. It feels like "
                "the whole city has plans and I'm watching through a window."
            ),
            example_learner_lines=(
                "It sounds like the weekends are when it really hits you.",
                "I guess it's hard going from a big family to a quiet flat.",
                "It sounds like you're surrounded by people at work but still on your own.",
            ),
            emotion_shift={"sadness": -0.1, "relief": 0.15, "approval": 0.1},
            min_ip=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "Honestly? Sunday evenings. I cook something, sit down, and realise I haven't said a "
                "word out loud all day. Back home my sister would just turn up at the door."
            ),
            example_learner_lines=(
                "What's the hardest part of the weekend for you?",
                "What do you miss most about home?",
                "When does it feel the loneliest?",
            ),
            emotion_shift={"sadness": -0.05, "relief": 0.1, "gratitude": 0.1},
            min_ex=1,
            asked_question=True,
            priority=EXPLORATION,
        ),
        ReplyData(
            text=(
                "About four months. I know, it's not that long. Everyone says it takes a year. It "
                "just doesn't feel like it's getting easier."
            ),
            example_learner_lines=(
                "How long have you lived there?",
                "Where did you move from?",
                "Do you like your job?",
            ),
            emotion_shift={"disappointment": 0.05},
            max_er=0,
            max_ip=0,
            max_ex=0,
            asked_question=True,
            priority=PLAIN,
        ),
        ReplyData(
            text=(
                "Sorry, this probably sounds dramatic. I have a good job, my flat's fine. I just "
                "didn't expect it to feel this empty."
            ),
            example_learner_lines=(
                "Hi Priya, thanks for writing.",
                "Hey, I'm here. Tell me more.",
                "Hello, I'm listening.",
            ),
            emotion_shift={"embarrassment": 0.05, "sadness": -0.05},
            max_turn=2,
            priority=TURN,
        ),
        ReplyData(
            text=("Talking about it actually helps. I think I've been waiting for it to fix itself, and it hasn't."),
            example_learner_lines=(
                "I'm glad you're talking about it.",
                "It makes sense that it's been building up.",
                "You've been carrying this on your own for a while.",
            ),
            emotion_shift={"optimism": 0.15, "sadness": -0.1},
            min_er=1,
            min_turn=4,
            priority=TURN,
        ),
        ReplyData(
            text=(
                "Thank you for really listening. I think I'll message that climbing group tonight — "
                "and call my sister tomorrow. I feel a bit less alone already."
            ),
            example_learner_lines=(
                "I'm really glad you reached out today.",
                "What might help you feel a little more connected this week?",
                "You don't have to figure it all out tonight.",
            ),
            emotion_shift={"sadness": -0.25, "gratitude": 0.3, "optimism": 0.2},
            is_closing=True,
            priority=CLOSING,
        ),
        ReplyData(
            text="Mm. I'm not sure. I guess I just needed to say it to someone.",
            example_learner_lines=("Okay.", "I see.", "Right."),
            emotion_shift={},
            priority=FALLBACK,
        ),
    ),
)

CUSTOMER_SERVICE = ScenarioData(
    title="Practice: the birthday bike (customer service)",
    persona_name="Marcus Bell",
    persona_bio=(
        "Marcus is 41, a bus mechanic and the father of two. He rarely complains, and hates "
        "feeling fobbed off. He ordered a bike online for his son Leo's tenth birthday."
    ),
    setting="customer_service",
    difficulty=2,
    situation=(
        "You work in the support team of an online sports shop. Marcus has opened a chat. His "
        "parcel has missed two delivery slots, and you can offer a redelivery or a refund. Before "
        "you solve anything, show him you understand what this delivery means to him."
    ),
    opening_line=(
        "I'm going to try to stay polite. I ordered a bike for my son's tenth birthday three weeks "
        "ago. The delivery was 'missed' on Tuesday — I was home all day. I took today off work for "
        "the second attempt and nobody came. His birthday is tomorrow. What exactly are you going "
        "to do about it?"
    ),
    starting_emotions={"anger": 0.7, "disappointment": 0.6, "annoyance": 0.5},
    max_turns=8,
    goals=(
        GoalData(
            "Acknowledge how frustrating this is for Marcus (an emotional reaction).", "er", min_level=1, min_turns=1
        ),
        GoalData("Show you understand what is at stake for him (an interpretation).", "ip", min_level=1, min_turns=1),
        GoalData("Ask what would help him most (an exploration).", "ex", min_level=1, min_turns=1),
    ),
    replies=(
        ReplyData(
            text=(
                "Don't tell me it's nobody's fault. I didn't cause your problems with couriers. I "
                "want someone who takes this seriously, not an excuse."
            ),
            example_learner_lines=(
                "These things happen, it's out of our hands.",
                "We are experiencing high volumes, please be patient.",
                "You should have chosen the premium delivery option.",
            ),
            emotion_shift={"anger": 0.2, "annoyance": 0.15, "disapproval": 0.2},
            max_er=1,
            max_ip=0,
            max_ex=0,
            tone="dismissive",
            priority=DISMISSIVE,
        ),
        ReplyData(
            text=("It's 48213-B. I gave it to the last person too. Does anyone there actually read what I write?"),
            example_learner_lines=(
                "Please provide your order number.",
                "I need your order reference to proceed.",
                "Can you confirm your postcode?",
            ),
            emotion_shift={"annoyance": 0.1, "anger": 0.05},
            max_er=0,
            max_ip=0,
            max_ex=0,
            priority=PLAIN,
        ),
        ReplyData(
            text=(
                "...Okay. Thank you. I've been arguing with an automated menu all morning, so it's "
                "something to hear 'sorry' from a person."
            ),
            example_learner_lines=(
                "I'm really sorry, that's so frustrating.",
                "I'm sorry — twice is not okay.",
                "That sounds maddening, I'm sorry this happened.",
            ),
            emotion_shift={"anger": -0.2, "annoyance": -0.1, "relief": 0.1},
            min_er=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "Yes. That's it. It's not about the bike really — I promised him. He's been crossing "
                "the days off on the calendar, and tomorrow I'm the dad who couldn't make it happen."
            ),
            example_learner_lines=(
                "It sounds like you're worried about letting your son down on his birthday.",
                "You took a day off work for this and still nothing — no wonder you're angry.",
                "It must feel like you did everything right and we let you down.",
            ),
            emotion_shift={"anger": -0.25, "disappointment": -0.1, "approval": 0.15},
            min_ip=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "What would help? If it can't come today, I need to know for certain it comes "
                "tomorrow morning before he's up — or I buy one in a shop tonight and you refund me. "
                "I just need a real answer."
            ),
            example_learner_lines=(
                "What would help you most right now?",
                "Would a refund today or a delivery first thing tomorrow work better for you?",
                "What matters most to you about tomorrow?",
            ),
            emotion_shift={"anger": -0.15, "optimism": 0.1},
            min_ex=1,
            asked_question=True,
            priority=EXPLORATION,
        ),
        ReplyData(
            text=(
                "And before you ask — yes, I checked the tracking. It says 'delivery attempted' at "
                "14:10. I was sitting by the window at 14:10."
            ),
            example_learner_lines=(
                "Let me look into that for you.",
                "Thanks for contacting us, I'll check your order.",
                "Hello Marcus, I'm here to help.",
            ),
            emotion_shift={"annoyance": 0.05},
            max_turn=2,
            priority=TURN,
        ),
        ReplyData(
            text=(
                "Look, I can tell you're trying, and I appreciate it. I just need to know what happens next, and when."
            ),
            example_learner_lines=(
                "I'm going to make sure this gets sorted.",
                "I'm on it, give me a moment.",
                "I want to get this right for you.",
            ),
            emotion_shift={"anger": -0.05, "annoyance": -0.05},
            max_ex=0,
            min_turn=5,
            priority=TURN,
        ),
        ReplyData(
            text=(
                "Okay. If it's either there first thing tomorrow or refunded today so I can buy one "
                "in town tonight, I can live with that. Thank you for actually listening instead of "
                "reading me the policy. He'll have his bike."
            ),
            example_learner_lines=(
                "I'll make sure this is sorted before his birthday.",
                "I completely understand, and I'm sorry we let you down.",
                "Is there anything else I can do for you today?",
            ),
            emotion_shift={"anger": -0.4, "relief": 0.4, "gratitude": 0.3},
            is_closing=True,
            priority=CLOSING,
        ),
        ReplyData(
            text="I'm still waiting to hear what you can actually do.",
            example_learner_lines=("Okay.", "I see.", "Noted."),
            emotion_shift={"annoyance": 0.05},
            priority=FALLBACK,
        ),
    ),
)

EDUCATION = ScenarioData(
    title="Practice: after the midterm (education)",
    persona_name="Jordan Reyes",
    persona_bio=(
        "Jordan is 19, in the first year of a biology degree and the first in their family to go "
        "to university. Quiet in class, hard-working, and not used to failing."
    ),
    setting="education",
    difficulty=2,
    situation=(
        "You are Jordan's statistics tutor. Jordan has come to your office hours a few days after "
        "the midterm results came out. Resist the urge to jump to study tips: first understand "
        "what the result means to Jordan, and explore what is behind the thought of quitting."
    ),
    opening_line=(
        "Hi. I was going to email, but... I got 38 on the midterm. I studied for that. I think "
        "maybe I'm just not a numbers person, and I should switch out before I waste more of "
        "everyone's time."
    ),
    starting_emotions={"disappointment": 0.6, "embarrassment": 0.5, "nervousness": 0.5, "sadness": 0.3},
    max_turns=7,
    goals=(
        GoalData(
            "Show Jordan you understand what this result means to them (an interpretation).",
            "ip",
            min_level=1,
            min_turns=1,
        ),
        GoalData(
            "Explore, twice, what lies behind the thought of quitting (explorations).", "ex", min_level=1, min_turns=2
        ),
    ),
    replies=(
        ReplyData(
            text="Right. I know — I should have worked harder. Maybe I'll just go.",
            example_learner_lines=(
                "Well, 38 is a fail, you need to study more.",
                "Lots of people fail, it's not the end of the world.",
                "Did you actually do the practice problems?",
            ),
            emotion_shift={"embarrassment": 0.2, "sadness": 0.15, "disappointment": 0.1},
            max_er=1,
            max_ip=0,
            max_ex=0,
            tone="dismissive",
            priority=DISMISSIVE,
        ),
        ReplyData(
            text=(
                "I did the practice problems. All of them. That's what I mean — if doing everything "
                "still gets me 38, what's the point?"
            ),
            example_learner_lines=(
                "You should do more practice problems.",
                "Come to the revision sessions on Thursdays.",
                "Try making flashcards for the formulas.",
            ),
            emotion_shift={"disappointment": 0.1, "sadness": 0.05},
            max_er=0,
            max_ip=0,
            max_ex=0,
            priority=PLAIN,
        ),
        ReplyData(
            text="Thanks. I half expected you to say it's fine and lots of people fail.",
            example_learner_lines=(
                "I'm sorry, that must have been a horrible moment.",
                "Oh, I'm sorry — that's really disappointing after all that work.",
                "I'm really glad you came to see me.",
            ),
            emotion_shift={"sadness": -0.1, "nervousness": -0.1, "relief": 0.1},
            min_er=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "Yeah... It's not even the grade. I'm the first in my family at university. When "
                "they call and ask how it's going, I say 'great'. So it feels like I'm failing for "
                "all of them."
            ),
            example_learner_lines=(
                "It sounds like you worked really hard and the result feels unfair.",
                "I'm guessing this shook your confidence about being here at all.",
                "It sounds like you're carrying more than just one exam.",
            ),
            emotion_shift={"embarrassment": -0.15, "relief": 0.15, "sadness": 0.05},
            min_ip=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "During the exam my mind just went blank. I knew how to do question three the night "
                "before. I looked at it and... nothing. Then I panicked about the time and it got "
                "worse."
            ),
            example_learner_lines=(
                "What happened for you during the exam itself?",
                "What makes you feel you're not a numbers person?",
                "When did you start thinking about switching?",
            ),
            emotion_shift={"nervousness": -0.1, "relief": 0.1, "realization": 0.15},
            min_ex=1,
            asked_question=True,
            priority=EXPLORATION,
        ),
        ReplyData(
            text=(
                "The exam was on the Monday. I had two lab reports due the same week, so... I don't "
                "know. Maybe that's just an excuse."
            ),
            example_learner_lines=(
                "When was the exam?",
                "Which questions did you get wrong?",
                "How many hours did you study?",
            ),
            emotion_shift={"embarrassment": 0.05},
            max_er=0,
            max_ip=0,
            max_ex=0,
            asked_question=True,
            priority=PLAIN,
        ),
        ReplyData(
            text=("Sorry, I know office hours are for questions about the material, not... this."),
            example_learner_lines=(
                "Hi Jordan, come in.",
                "Okay, let's look at it.",
                "Thanks for coming by.",
            ),
            emotion_shift={"embarrassment": 0.05},
            max_turn=2,
            priority=TURN,
        ),
        ReplyData(
            text=("Maybe it's not that I can't do statistics. Maybe it's the exams. I'm fine when nobody's timing me."),
            example_learner_lines=(
                "You clearly understand more than the grade shows.",
                "It sounds like the panic got in the way, not the maths.",
                "That makes sense.",
            ),
            emotion_shift={"optimism": 0.15, "realization": 0.1, "disappointment": -0.1},
            min_ip=1,
            min_turn=4,
            priority=TURN,
        ),
        ReplyData(
            text=(
                "Okay. I'm going to stay at least until the end of term, and maybe talk to someone "
                "about the panic. Thanks for not giving up on me so fast — I think I was about to."
            ),
            example_learner_lines=(
                "I'd really like you to stay and give it another go.",
                "What would help you feel ready for the next exam?",
                "You don't have to decide anything today.",
            ),
            emotion_shift={"disappointment": -0.3, "optimism": 0.3, "gratitude": 0.25},
            is_closing=True,
            priority=CLOSING,
        ),
        ReplyData(
            text="I don't know. I just keep thinking about that number.",
            example_learner_lines=("Okay.", "Hm.", "Right."),
            emotion_shift={},
            priority=FALLBACK,
        ),
    ),
)

HEALTHCARE = ScenarioData(
    title="Practice: the third cancellation (healthcare)",
    persona_name="Daniel Okafor",
    persona_bio=(
        "Daniel is 52, an accountant, and the main carer for his mother Grace, 81, who has "
        "dementia. He is organised and polite by nature, and has been running on very little "
        "sleep for months."
    ),
    setting="healthcare",
    difficulty=3,
    situation=(
        "You are a nurse at a memory clinic. Grace's appointment with the consultant has just been "
        "postponed for the third time, and Daniel has come to the desk. You can look for an earlier "
        "slot and tell him about the local carers' support service. He is angry, but there is more "
        "under it: try to understand it precisely, and gently explore it."
    ),
    opening_line=(
        "Third time. Third time you've moved Mum's appointment. I took a half-day off work again, "
        "got her dressed — which took an hour, because she didn't know why we were going out — and "
        "now someone tells me the consultant is off. Do you have any idea what it takes to get her "
        "here?"
    ),
    starting_emotions={"anger": 0.5, "annoyance": 0.5, "sadness": 0.5, "nervousness": 0.4},
    max_turns=8,
    goals=(
        GoalData(
            "Respond to Daniel's frustration with warmth (an emotional reaction).", "er", min_level=1, min_turns=1
        ),
        GoalData(
            "Show a specific understanding of what caring for Grace is like for him (a strong interpretation).",
            "ip",
            min_level=2,
            min_turns=1,
        ),
        GoalData("Gently explore how he himself is coping (an exploration).", "ex", min_level=1, min_turns=1),
    ),
    replies=(
        ReplyData(
            text=(
                "'These things happen.' Right. They keep happening to us. I'm not a difficult "
                "person. I'm just tired of being told it's nobody's fault."
            ),
            example_learner_lines=(
                "These things happen, the consultant is ill.",
                "There's no need to raise your voice.",
                "It's not my fault, I just work here.",
            ),
            emotion_shift={"anger": 0.2, "disapproval": 0.15, "annoyance": 0.1},
            max_er=1,
            max_ip=0,
            max_ex=0,
            tone="dismissive",
            priority=DISMISSIVE,
        ),
        ReplyData(
            text=(
                "A new date. Fine. And what do I do with her until then? She was up at three last "
                "night looking for my dad. He's been dead eleven years."
            ),
            example_learner_lines=(
                "The next available appointment is on the 14th.",
                "I'll put you on the list for a new date.",
                "Please take a seat and someone will call you.",
            ),
            emotion_shift={"sadness": 0.1, "anger": 0.05},
            max_er=0,
            max_ip=0,
            max_ex=0,
            priority=PLAIN,
        ),
        ReplyData(
            text="...Thank you. Sorry. I didn't mean to take it out on you. It's not your fault.",
            example_learner_lines=(
                "I'm so sorry, that's a lot to go through for nothing.",
                "I'm really sorry, I can see how hard this morning has been.",
                "That sounds exhausting, I'm sorry.",
            ),
            emotion_shift={"anger": -0.2, "remorse": 0.1, "relief": 0.1},
            min_er=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "Yes. That's exactly it. I'm her son, her driver, her nurse at night, and I still "
                "have a job. Every time something like this happens I feel like I'm failing at all "
                "of them."
            ),
            example_learner_lines=(
                "It sounds like you're holding everything together on your own, and today took the last of it.",
                "You went to so much effort just to get her here, and it feels like nobody sees that.",
                "It must feel like the system keeps letting you down when you're already stretched thin.",
            ),
            emotion_shift={"anger": -0.25, "relief": 0.15, "approval": 0.1},
            min_ip=1,
            priority=MECHANISM,
        ),
        ReplyData(
            text=(
                "Honestly? The nights. She wanders, she's frightened, and I lie there listening for "
                "the door. I haven't slept properly since the summer. I haven't said that to anyone."
            ),
            example_learner_lines=(
                "How are you coping with all of this yourself?",
                "What's the hardest part of caring for her at the moment?",
                "Who looks after you while you're looking after her?",
            ),
            emotion_shift={"sadness": -0.05, "relief": 0.15, "gratitude": 0.1},
            min_ex=1,
            asked_question=True,
            priority=EXPLORATION,
        ),
        ReplyData(
            text=(
                "Her name's Grace Okafor. Date of birth the third of May, 1945. It's all on the "
                "letter you sent. The one that was wrong."
            ),
            example_learner_lines=(
                "What's the patient's name and date of birth?",
                "Do you have the appointment letter?",
                "Which consultant were you seeing?",
            ),
            emotion_shift={"annoyance": 0.1},
            max_er=0,
            max_ip=0,
            max_ex=0,
            asked_question=True,
            priority=PLAIN,
        ),
        ReplyData(
            text=("And don't tell me to call the number on the letter. I've called it. It rings out."),
            example_learner_lines=(
                "Let me check what happened.",
                "Okay, one moment.",
                "Hello, I'm one of the nurses here.",
            ),
            emotion_shift={"annoyance": 0.1},
            max_turn=2,
            priority=TURN,
        ),
        ReplyData(
            text=("I didn't expect to be talking about me. Everyone asks how Mum is. Nobody asks how I am."),
            example_learner_lines=(
                "You matter in this too.",
                "Thank you for telling me that.",
                "It makes sense you're worn out.",
            ),
            emotion_shift={"sadness": -0.1, "gratitude": 0.1},
            min_ip=1,
            min_turn=5,
            priority=TURN,
        ),
        ReplyData(
            text=(
                "Okay. If you can get us the first slot that comes up, I'll take it. And... maybe I "
                "will look into some help for myself. Thank you for seeing me, not just the "
                "appointment."
            ),
            example_learner_lines=(
                "I'll find you the earliest slot and give you the carers' support number.",
                "Would it help to talk to the carers' support service?",
                "You've been doing so much on your own. You deserve some support too.",
            ),
            emotion_shift={"anger": -0.4, "relief": 0.3, "gratitude": 0.3},
            is_closing=True,
            priority=CLOSING,
        ),
        ReplyData(
            text="I just want someone to tell me what happens now.",
            example_learner_lines=("Okay.", "I see.", "Right."),
            emotion_shift={"annoyance": 0.05},
            priority=FALLBACK,
        ),
    ),
)

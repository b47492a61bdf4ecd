"""The two quizzes: recognising emotions (GoEmotions labels) and recognising empathic responses
(EPITOME mechanisms). Questions with several correct choices say so in their prompt."""

from __future__ import annotations

from .schema import QuestionData, QuizData, right, wrong

STRONGEST = "Which emotion is strongest in this message?"
ALL_THAT_FIT = "Which emotions can you hear in this message? Choose all that fit."

EMOTION_RECOGNITION = QuizData(
    title="Quiz: recognising emotions",
    introduction=(
        "Each question quotes a short message from someone. Pick the emotion, or emotions, you "
        "hear in it. The choices use the GoEmotions labels from the lesson “Naming emotions”. "
        "There is often more than one reasonable reading — the explanation after each answer "
        "says why we chose ours."
    ),
    questions=(
        QuestionData(
            topic="emotion",
            prompt=STRONGEST,
            message="I've been on hold for forty minutes. Forty. And now you're telling me to call back tomorrow?",
            choices=(wrong("confusion"), right("anger"), wrong("sadness"), wrong("nervousness")),
            explanation=(
                "The repetition (“Forty.”) and the rhetorical question carry anger. There may be "
                "some disappointment under it, but the heat of the message is anger."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=ALL_THAT_FIT,
            message=(
                "I got the place on the master's programme! I just can't believe I'll be moving to another "
                "country in six weeks."
            ),
            choices=(right("excitement"), right("nervousness"), wrong("disgust"), wrong("remorse"), right("surprise")),
            explanation=(
                "Good news (excitement), disbelief (“I just can't believe”, surprise) and a big, "
                "close change (some nervousness) sit side by side. Mixed feelings are common with "
                "big news; a good response can reflect more than one."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=STRONGEST,
            message="We had to put our cat down this morning. The house is so quiet.",
            choices=(wrong("disappointment"), wrong("neutral"), right("grief"), wrong("embarrassment")),
            explanation=(
                "Losing a companion animal is a real loss, and “the house is so quiet” describes "
                "the absence it leaves. That is grief: sadness about someone who is gone."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=ALL_THAT_FIT,
            message="I sent my manager the wrong file in front of the whole team. I wanted the floor to swallow me.",
            choices=(right("embarrassment"), wrong("pride"), right("remorse"), wrong("amusement"), wrong("curiosity")),
            explanation=(
                "“I wanted the floor to swallow me” is the classic picture of embarrassment. There "
                "is also some remorse — regret for a mistake — though embarrassment is stronger."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=STRONGEST,
            message="The scan came back clear. I've been holding my breath for two weeks.",
            choices=(wrong("fear"), right("relief"), wrong("surprise"), wrong("realization")),
            explanation=(
                "Fear was there for two weeks, but this message is about it ending. A worry lifted is relief."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=STRONGEST,
            message="Honestly, who designs a form where you have to re-enter everything if you make one typo?",
            choices=(right("annoyance"), wrong("grief"), wrong("fear"), wrong("love")),
            explanation=(
                "A small but real irritation, expressed with a sarcastic question. Annoyance fits "
                "better than anger: the stakes are low and the tone is exasperated rather than "
                "furious."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=ALL_THAT_FIT,
            message=(
                "I don't get it. The letter says my appointment is cancelled, but the app still shows it for "
                "Tuesday. Do I go or not?"
            ),
            choices=(right("confusion"), wrong("joy"), right("nervousness"), wrong("admiration")),
            explanation=(
                "Two sources disagree and the person does not know what to do: confusion. The worry "
                "of missing a medical appointment adds nervousness."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=STRONGEST,
            message="I trained for months and pulled my hamstring a week before the marathon.",
            choices=(wrong("anger"), wrong("neutral"), right("disappointment"), wrong("relief")),
            explanation=(
                "A hope built over months was not met. That is disappointment: sadness tied to an "
                "expectation that fell through."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=ALL_THAT_FIT,
            message="You stayed late to help me fix the bug even though it wasn't your job. Thank you, really.",
            choices=(right("gratitude"), right("admiration"), wrong("disapproval"), wrong("sadness")),
            explanation=(
                "“Thank you, really” is gratitude. Pointing out that it wasn't their job also shows "
                "respect for what the colleague did: admiration."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=STRONGEST,
            message=(
                "My landlord says the heating will be fixed 'soon'. It's been three weeks and my kids are "
                "sleeping in their coats."
            ),
            choices=(wrong("curiosity"), right("anger"), wrong("amusement"), wrong("optimism")),
            explanation=(
                "Quoting the landlord's “soon” signals distrust, and the children sleeping in their "
                "coats raises the stakes. Anger is the strongest; worry for the children is close "
                "behind."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=ALL_THAT_FIT,
            message="Oh wait, that's why the numbers didn't add up — I was using last year's rates the whole time.",
            choices=(right("realization"), wrong("grief"), wrong("disgust"), right("surprise")),
            explanation=(
                "“Oh wait, that's why” marks a realization — the moment something makes sense. "
                "There is some surprise at discovering the mistake too."
            ),
        ),
        QuestionData(
            topic="emotion",
            prompt=STRONGEST,
            message="Can you tell me the opening hours on Saturday?",
            choices=(wrong("annoyance"), wrong("nervousness"), right("neutral"), wrong("curiosity")),
            explanation=(
                "Not every message carries a strong feeling. A plain request for information is "
                "neutral; reading anger or anxiety into it would be a guess without clues."
            ),
        ),
    ),
)

EMPATHIC_RESPONSES = QuizData(
    title="Quiz: recognising empathic responses",
    introduction=(
        "Each question quotes a message and asks about possible replies. You'll look for the "
        "three mechanisms from the lessons — emotional reactions, interpretations and "
        "explorations — and for replies that miss the person altogether."
    ),
    questions=(
        QuestionData(
            topic="empathy",
            prompt="Which reply shows a strong interpretation?",
            message="I moved here for this job six months ago and I still eat lunch alone every day.",
            choices=(
                wrong("Have you tried joining a gym? That's a great way to meet people."),
                wrong("I understand."),
                right(
                    "It sounds lonely — you took a big step for this job, and you're still waiting to feel "
                    "part of the place."
                ),
                wrong("Six months isn't that long, really."),
            ),
            explanation=(
                "The correct reply names a feeling (lonely) and what it is about (a big move that "
                "hasn't yet led to belonging). “I understand” claims understanding without showing "
                "it: a weak interpretation. The others give advice or minimise."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Which reply is a strong exploration?",
            message="I don't think I can face going back to the office on Monday.",
            choices=(
                wrong("You'll be fine once you're there."),
                wrong("What's up?"),
                right("What about Monday feels hardest to face — the work itself, or someone there?"),
                wrong("Lots of people feel that way on Sundays."),
            ),
            explanation=(
                "The correct reply asks a specific, open question that builds on their words and "
                "points at their experience. “What's up?” is a weak, generic exploration. The other "
                "two reassure or generalise without inviting them to say more."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Which reply contains an emotional reaction? Choose all that fit.",
            message="My grandmother died on Sunday. We were very close.",
            choices=(
                right("I'm so sorry. I can hear how much she meant to you."),
                wrong("How old was she?"),
                right("Oh no, I'm really sorry for your loss."),
                wrong("At least she had a long life."),
            ),
            explanation=(
                "Both “I'm so sorry” replies express the responder's own feeling — the first more "
                "strongly, because it ties the feeling to what the person said. Asking her age is a "
                "fact question, and “at least” is a silver lining that skips the grief."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt=(
                "A customer writes the message below. Which reply is most empathic while still moving towards a"
                " solution?"
            ),
            message="This is the third time the app has charged me and I didn't get anything. I'm furious.",
            choices=(
                wrong("Please calm down so I can help you."),
                wrong("Our system shows the charges as pending. Refunds take 5–7 working days."),
                right(
                    "I'm sorry — three charges for nothing would make anyone furious. I'm looking at your "
                    "account now; would a refund straight to your card work for you?"
                ),
                wrong("We apologise for any inconvenience caused."),
            ),
            explanation=(
                "The correct reply reacts (“I'm sorry”), validates the feeling with a reason, takes "
                "action and asks what would help. “Calm down” tends to inflame; the scripted apology "
                "and the policy fact carry no feeling."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="What is the main problem with this reply? “Don't worry, everything happens for a reason.”",
            message="I didn't get the job. I was sure this one was it.",
            choices=(
                wrong("It asks too many questions."),
                right("It asks the person to feel better before showing any understanding of how they feel."),
                wrong("It shares too much about the responder."),
                wrong("Nothing; it is a strong interpretation."),
            ),
            explanation=(
                "“Don't worry” tells the person how to feel, and “everything happens for a reason” "
                "is a silver lining. Neither shows that their disappointment has been heard."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt=(
                "A friend replies: “That must hurt, I'm sorry. It sounds like you miss being part of "
                "her life. What was the last conversation you had like?” Which mechanisms does this "
                "reply use? Choose all that fit."
            ),
            message="My daughter has stopped talking to me since she went to university.",
            choices=(
                right("Emotional reaction"),
                right("Interpretation"),
                right("Exploration"),
                wrong("None of them; it is advice"),
            ),
            explanation=(
                "“That must hurt, I'm sorry” is an emotional reaction; “It sounds like you miss "
                "being part of her life” is an interpretation; the question about the last "
                "conversation is a specific exploration. The reply gives no advice at all."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Which reply is a weak interpretation rather than a strong one?",
            message="I've been looking after Mum every evening and I haven't seen my friends in months.",
            choices=(
                wrong("It sounds like caring for her has slowly squeezed out everything that was yours."),
                right("I know how you feel."),
                wrong("You must feel cut off — giving so much to her and having nothing left for yourself."),
                wrong("When I cared for my dad I felt guilty every time I wanted a night off too."),
            ),
            explanation=(
                "“I know how you feel” claims understanding without showing what was understood: a "
                "weak interpretation. The other three name specific feelings or share a closely "
                "matching experience, which count as strong."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Which question is the better exploration?",
            message="I froze during my presentation and just stood there.",
            choices=(
                wrong("Why did you freeze?"),
                right("What was going through your mind in that moment?"),
                wrong("Did you prepare enough?"),
                wrong("Was it a big audience?"),
            ),
            explanation=(
                "Asking what went through their mind explores their experience without judging. "
                "“Why did you…?” and “Did you prepare enough?” can sound like blame; audience size "
                "is a fact question."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Someone writes the message below. What is the most important thing to do?",
            message="Honestly I don't see the point of anything any more. Everyone would be better off without me.",
            choices=(
                wrong("Tell them they have lots to live for and change the subject to something cheerful."),
                wrong("Give practical tips on sleep and exercise."),
                right(
                    "Take it seriously: thank them for telling you, ask directly whether they are thinking "
                    "about suicide, and point them to a crisis line (988 in the US) or emergency services "
                    "if they are in danger."
                ),
                wrong("Wait and see whether they bring it up again."),
            ),
            explanation=(
                "“Everyone would be better off without me” can signal thoughts of suicide. Asking "
                "directly does not put the idea in someone's head, and pointing to a crisis line or "
                "emergency help is the caring thing to do. Cheering up, tips or waiting all risk "
                "leaving them alone with it."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Which reply contains no empathy at all?",
            message="I failed my driving test for the second time.",
            choices=(
                wrong("Oh, that's so disappointing — especially the second time."),
                right("The next available test date is in eight weeks."),
                wrong("What happened on the day?"),
                wrong("Ugh, I'm sorry. That's rough."),
            ),
            explanation=(
                "The test date may be useful, but on its own it shows no reaction, no "
                "understanding and no interest in their experience. The others each contain at "
                "least one mechanism, from a weak reaction (“that's rough”) to a strong one."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Which reply shows a strong emotional reaction?",
            message="We finally brought our baby home from the hospital after three weeks in intensive care.",
            choices=(
                wrong("How much did she weigh?"),
                right("Oh, I'm so happy for you — after three weeks of worry, that must feel wonderful."),
                wrong("Nice."),
                wrong("Intensive care units are very good these days."),
            ),
            explanation=(
                "Emotional reactions are not only for bad news. The correct reply says plainly what "
                "the responder feels (“so happy for you”) and ties it to the family's experience. "
                "“Nice” is at most a weak reaction."
            ),
        ),
        QuestionData(
            topic="empathy",
            prompt="Which replies keep the focus on the other person? Choose all that fit.",
            message="I'm so nervous about my surgery on Thursday.",
            choices=(
                wrong("I had surgery last year and it was a nightmare, let me tell you."),
                right("Thursday's so close — what's worrying you most about it?"),
                right("That sounds really scary. I'm thinking of you."),
                wrong("Don't be nervous, surgeons do this every day."),
            ),
            explanation=(
                "The correct replies explore their worry and react warmly to it. Telling your own "
                "horror story shifts the spotlight (and adds fear); “don't be nervous” dismisses "
                "the feeling."
            ),
        ),
    ),
)

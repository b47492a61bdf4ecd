"""The eight lessons of "Empathy Foundations". Bodies are Markdown, kept flush left so
indentation never turns a paragraph into a code block."""

from __future__ import annotations

from .schema import LessonData

WHAT_EMPATHY_IS = LessonData(
    title="What empathy is — and what it is not",
    estimated_minutes=7,
    body="""\
Empathy is the effort to understand what another person is feeling and thinking, and to let
them know you understand. It has two halves. The first happens inside you: you notice, you
imagine, you take their experience seriously. The second happens between you: you put some
of that understanding into words, so the other person can feel it.

This course is about the second half, because that is the half people actually receive. You
can care deeply and still answer in a way that leaves someone feeling brushed off.

## What empathy is

- **Paying attention to feelings, not only facts.** "My train was cancelled again" is a fact.
  The tiredness, the worry about being late, the sense that nothing works — those are what
  the person is carrying.
- **Staying with their experience for a moment before moving on.** Solutions can come later.
  First, show that you have heard.
- **Checking your understanding.** Empathy is a guess about someone's inner world. Good guesses
  are offered lightly and corrected gladly.

## What empathy is not

- **Agreeing.** You can understand why a customer is furious about a policy without saying the
  policy is wrong.
- **Sympathy from a distance.** "Oh, poor you" looks down from above. Empathy sits beside.
- **Fixing.** Advice given too early tells people their feelings are a problem to be cleared
  away.
- **Making it about you.** "That happened to me too, and what I did was…" can help later, but as
  a first reply it takes the spotlight away.
- **Silver linings.** "At least you still have a job" asks the person to feel better before they
  feel heard.

## A short example

A colleague writes: *"I stayed up until two finishing the report and the manager didn't even
open it."*

A weaker reply:

> "Don't take it personally, managers are always busy."

It is kind in intent, but it corrects the feeling instead of meeting it.

A stronger reply:

> "After a late night like that, it must really sting that nobody looked at it. Are you mostly
> disappointed, or worried about what it means?"

This reply names a likely feeling (it stings), shows an understanding of why (the late night),
and invites the colleague to say more.

## Three ways empathy shows up in words

Researchers who studied thousands of supportive conversations online (Sharma and colleagues,
2020, in a framework called EPITOME) found three ways empathy shows up in what people write:

1. **Emotional reactions** — expressing your own warmth, concern or compassion: "I'm so sorry,
   that sounds exhausting."
2. **Interpretations** — showing you understand what they feel and why: "It sounds like you
   feel invisible after all that effort."
3. **Explorations** — asking about what they have not said yet: "What has been the hardest part
   of this week?"

Each can be absent, weak or strong. The practice scenarios in this course will show you, turn by
turn, which of the three your messages contain. The next lessons take them one at a time.

## Try this

Think of the last time someone told you about a problem. What was your first reply? Was it a
feeling, an understanding, a question — or a fix?
""",
)

NAMING_EMOTIONS = LessonData(
    title="Naming emotions",
    estimated_minutes=7,
    body="""\
You cannot reflect a feeling you have not noticed. Before you can respond with empathy, you need
words for what people feel — more words than "good", "bad" and "upset".

## Why the exact word matters

"You seem upset" is safe but vague. "You sound let down" shows you were listening closely. When
the word fits, people often relax: they feel seen. When it does not fit, they correct you — and
that correction is useful too, because now you both know more.

## A working vocabulary

This course uses the 28 labels from GoEmotions, a data set of real online comments in which
readers marked the emotions they saw (Demszky and colleagues, 2020). You do not need to learn
them by heart, but it helps to see how many shades there are:

- **Around anger:** annoyance, anger, disapproval, disgust.
- **Around sadness:** sadness, disappointment, grief, remorse, embarrassment.
- **Around fear:** nervousness, fear, confusion.
- **Warm and positive:** joy, amusement, excitement, gratitude, love, caring, admiration,
  approval, pride, relief, optimism.
- **Thinking and noticing:** curiosity, realization, surprise, desire.
- And **neutral**, when no feeling stands out.

Notice the difference between neighbours. *Annoyance* is a stone in your shoe; *anger* is a
fire. *Disappointment* follows a hope that was not met; *sadness* can come from anywhere.
*Nervousness* looks ahead to something uncertain; *fear* senses real danger.

## Reading the clues

People rarely announce their feelings. Look for:

- **Loaded words:** "again", "always", "nobody", "finally".
- **What they are protecting:** money, time, a child, their reputation, their plans.
- **Punctuation and rhythm:** short, clipped sentences often carry anger; trailing dots and
  "I don't know" often carry sadness or confusion.
- **Mixed feelings:** "I got the job but I'd have to move away" may hold joy and nervousness at
  the same time. Most real messages hold more than one emotion.

## Examples

*"Third time I've explained this. Third."* — mostly **annoyance**, perhaps **anger**.

*"I know it's silly, but I keep checking my phone in case they write back."* — **nervousness**,
maybe **desire** and a touch of **embarrassment** ("I know it's silly").

*"She passed last night. I keep setting out two cups."* — **grief** and **sadness**.

A weaker response to the last one: "Everything happens for a reason." A stronger one: "I'm so
sorry. Those small habits can make the loss feel so close — setting out her cup must hit you
every morning."

## Hold your guesses lightly

Naming an emotion is a hypothesis, not a verdict. Phrases such as "I wonder if…", "It sounds
like…" or "Am I right that…" leave the person room to say "not quite — it's more that…". That
correction is a gift: it moves you closer.

## Try this

Read the next three messages you receive and, for each, name two emotions that might be under
the words. The quiz at the end of this module gives you more practice.
""",
)

EMOTIONAL_REACTIONS = LessonData(
    title="Emotional reactions",
    estimated_minutes=6,
    body="""\
An emotional reaction is the part of a reply where you show what *you* feel in response to what
someone told you: warmth, concern, sadness for them, gladness with them. It tells the other
person that their words landed on a human being, not a wall.

## Weak and strong

In the EPITOME framework an emotional reaction can be absent, weak or strong.

- **Absent:** the reply holds no feeling at all. "Please send us your order number."
- **Weak:** a feeling is hinted at in general terms. "Oh no." "Sorry to hear that."
  "Everything will be fine."
- **Strong:** the feeling is stated plainly and tied to the person. "I'm really sorry — I can
  feel how worn down you are." "I'm so glad you told me."

Weak reactions are not wrong. "Oh no" is often the first honest thing to say. They simply leave
more for the other person to guess.

## How to make it stronger

1. **Say the feeling in the first person.** "I'm sorry", "I'm worried for you", "I feel for you".
2. **Tie it to what they said.** Not "sorry about that", but "I'm sorry your week ended like
   this, after everything you put in."
3. **Keep it proportionate.** "That's absolutely devastating!" about a late parcel sounds like
   mockery. Match the size of your reaction to the size of theirs.
4. **Keep the focus on them.** "I'm so upset by this" can turn the conversation towards your
   feelings. "I'm so sorry you're going through this" keeps it on theirs.

## Examples

Someone writes: *"My dog is having surgery tomorrow and I can't think about anything else."*

- No reaction: "Most surgeries like that go fine."
- Weak: "Aw, hope it goes OK."
- Strong: "Oh, I really feel for you — waiting on something like that is so hard when they're
  part of the family."

A customer writes: *"You charged me twice and my rent is due on Friday."*

- No reaction: "Refunds take five to seven working days."
- Strong, and still professional: "I'm sorry — being charged twice right before rent is due is
  a real worry. Let me look at this straight away."

## Common traps

- **Reassurance instead of reaction.** "Don't worry!" tells someone how to feel. "I can
  understand why you're worried" meets them where they are.
- **The automatic apology.** "We apologise for any inconvenience" has been said so often that it
  no longer carries feeling. Use your own words.
- **Over-sharing your own distress.** If you are shaken, it is fine to say so briefly, but the
  person should not end up comforting you.

## Try this

Take a reply you sent recently that started with a fact or a fix. Add one sentence in front of it
that says what you feel about their situation, in your own words. Read both versions aloud. Which
would you rather receive?
""",
)

INTERPRETATIONS = LessonData(
    title="Interpretations",
    estimated_minutes=7,
    body="""\
An interpretation shows that you understand what the other person feels or is going through —
often something they hinted at but did not quite say. Where an emotional reaction says "I feel
for you", an interpretation says "I think I see what this is like for you".

## Weak and strong

- **Absent:** no sign of understanding their experience. "Have you tried talking to HR?"
- **Weak:** understanding is claimed but not shown. "I understand." "I know how you feel."
- **Strong:** the understanding is specific. "It sounds like you feel stuck between your
  manager and your team, and nobody notices how much you are holding together." Sharing a
  similar experience briefly, in a way that shows understanding, also counts: "When my father
  was ill I felt guilty every time I left the hospital too."

"I understand" is the most common weak interpretation. It is often true — but the person cannot
check it. A strong interpretation lets them see *what* you understood.

## How to build one

1. **Listen for the feeling and the reason.** Most strong interpretations have two parts: a
   feeling, and what it is about. "You sound **frustrated** that **you did everything right and it
   still went wrong**."
2. **Use tentative openers.** "It sounds like…", "I'm guessing…", "It seems as if…". They make
   your guess easy to correct.
3. **Go one small step beyond their words.** Repeating exactly what they said feels mechanical.
   Naming the feeling underneath — the unfairness, the loneliness, the fear of letting someone
   down — shows real listening.
4. **Do not overreach.** "You clearly have abandonment issues" is a diagnosis, not an
   interpretation. Stay close to what they shared.

## Examples

A student writes: *"Everyone else in my group seems to get it straight away."*

- Absent: "Maybe watch the lecture again."
- Weak: "I understand, that's hard."
- Strong: "It sounds like you're starting to wonder whether you belong in the course, because
  the others seem to find it easy."

A friend writes: *"I said yes to organising the reunion and now nobody replies to my messages."*

- Weak: "I know how you feel."
- Strong: "That sounds lonely — you took it on to bring people together and now it feels like
  you're doing it all by yourself."

## When you guess wrong

You will sometimes miss. If the person says "No, it's not that", you have not failed: you have
learnt something. Thank them and follow their lead: "Ah, thanks for putting me right — so it's
more about…?" That turns a wrong guess into an exploration, the subject of the next lesson.

## Try this

For the next complaint you hear, finish this sentence silently before you answer: "You feel ___
because ___." Then say the second half aloud, in your own words.
""",
)

EXPLORATIONS = LessonData(
    title="Explorations",
    estimated_minutes=6,
    body="""\
An exploration is a question or invitation that helps the other person say more about what they
feel or what they are going through. It shows interest in the parts of their experience you do
not know yet. It also hands the conversation back to them.

## Weak and strong

- **Absent:** no invitation to say more. "Okay, I'll pass that on."
- **Weak:** a generic question. "What happened?" "Do you want to talk about it?" "How are you?"
- **Strong:** a specific question that builds on what they said and points at their feelings or
  experience. "When you say you feel like giving up, is that about the course itself or about how
  tired you are?" "What has been the hardest moment since the move?"

Generic questions are a fine start, and sometimes the kindest option when you know very little.
Specific ones show you were listening, and they help people find their own words.

## Good exploration questions

- **Are open.** "What was that like?" invites a story; "Was that bad?" invites "yes".
- **Follow the feeling, not the facts.** "What time did the delivery driver come?" gathers facts.
  "What went through your mind when nobody came?" explores the experience.
- **Ask one thing at a time.** Three questions in a row feel like an interview.
- **Leave room.** After you ask, wait. In a chat, do not send a second message before they
  answer the first.

## Careful with "why"

"Why did you do that?" can sound like an accusation even when it is not meant as one. "What led
up to that?" or "What made that feel like the right choice at the time?" ask the same thing
without the sting.

## Examples

A colleague says: *"I don't think I can present on Monday."*

- Absent: "You'll be fine, you always are."
- Weak: "What's going on?"
- Strong: "What part of Monday is weighing on you most — the room, the material, or something
  else?"

A parent writes: *"My son hasn't spoken to me properly in weeks."*

- Weak: "How old is he?"
- Strong: "That sounds painful. What do you miss most about how things were between you?"

## Combining the three

The three mechanisms work best together. A reply can open with a reaction, offer an
interpretation, and end with an exploration:

> "I'm sorry, that sounds like a really draining week (reaction). It seems like the hardest part
> is feeling you can't say no to anyone (interpretation). What would you want to say no to first,
> if you could (exploration)?"

You do not need all three every time. Short, honest replies often work better than perfect
formulas. But if someone seems to stall, a gentle, specific question is often the thing that
helps them go on.

## Try this

Rewrite "What happened?" three times, each time using a detail from something a friend told you
recently.
""",
)

CUSTOMER_SERVICE = LessonData(
    title="Empathy in customer service",
    estimated_minutes=7,
    body="""\
Customers rarely contact support on a good day. They come because something went wrong, often
something that cost them time, money or face. Empathy does not replace solving the problem — it
makes the solution land, and it keeps the conversation from turning into a fight.

## Why it matters here

An angry customer is usually defending something: a birthday, a deadline, rent money, the
feeling of being taken seriously. If you go straight to policy, they hear "your problem is not my
problem", and they push harder. If you first show you understand what is at stake, most people
soften enough to work with you.

## A simple shape for replies

1. **React:** acknowledge the feeling in plain words. "I'm sorry — that's really frustrating."
2. **Interpret:** show you understand why it matters to them. "Especially when you took the day
   off to be home for it."
3. **Explore or explain:** ask what matters most, or say clearly what you can do. "Would a
   refund today or a redelivery tomorrow morning help more?"
4. **Act, and say when.** Promise only what you can deliver.

## Weaker and stronger

A customer writes: *"This is the second time my order hasn't arrived. I'm done with you people."*

Weaker:

> "We apologise for any inconvenience caused. Please allow 3–5 working days for your query to be
> processed."

The words are polite, but the reply has no feeling in it, shows no understanding, and promises
nothing specific.

Stronger:

> "I'm really sorry — twice is not okay, and I can see why you're fed up with us. Let me find out
> what happened to this parcel now. Is there a date you need it by?"

## When you cannot give them what they want

Empathy does not mean saying yes. You can understand the feeling and still hold the line:

> "I understand this isn't the answer you hoped for, and I'm sorry it's adding to an already
> stressful week. What I can do is…"

What matters is that the "no" comes with respect and an option, not a script.

## Hard moments

- **Insults.** You do not have to accept abuse. You can name it calmly ("I want to help, and I
  can do that better if we keep this respectful") and follow your team's policy for ending a
  contact.
- **Blame.** When a customer says "you people never…", it helps to not defend the company first.
  Their experience is real, even if the generalisation is not.
- **Scripts.** Scripts protect accuracy; empathy lives in the sentence before and after. Use your
  own words for the human part.

## Words to avoid

- "Calm down." It almost always does the opposite.
- "As I already said…" It tells them they are a nuisance.
- "Unfortunately, that's our policy." Say what the policy allows, not only what it forbids.

## Try this

Take a standard reply your team uses and add one sentence of reaction and one of interpretation.
In the scenario that follows, you'll try it live with a customer whose delivery went wrong.
""",
)

SUPPORTING_DISTRESS = LessonData(
    title="Supporting someone in distress",
    estimated_minutes=9,
    body="""\
Sometimes a conversation turns heavy. Someone says they can't cope, that everything feels
pointless, or that they have been thinking about hurting themselves. This lesson is about staying
steady, being kind, and knowing when to point them to help that you cannot give.

## Stay with them

People in distress need to feel they are not alone far more than they need a solution.

- **Slow down.** Short, calm sentences help more than long explanations.
- **Reflect, do not argue.** "It sounds like everything has been piling up and you can't see a
  way through" is better than "It's not as bad as you think."
- **Thank them for telling you.** It takes courage to say out loud that things are bad.

## It is okay to ask directly

If you are worried someone might be thinking about suicide, it is okay to ask clearly: "Are you
thinking about killing yourself?" or "Are you having thoughts of ending your life?" Asking does
not put the idea in their head; many people feel relief that someone finally asked. Listen to
the answer without panic and without judgement.

## When to point to professional help

Point gently but clearly to professional help when:

- they talk about wanting to die, about hurting themselves or someone else;
- they seem unable to keep themselves safe, or have a plan or the means;
- they describe symptoms that are getting worse over weeks — not sleeping, not eating, not
  able to work or look after themselves;
- what they need is beyond what you can offer as a friend, colleague or service agent.

## How to point to it

Keep it warm, specific and practical:

> "Thank you for telling me — I'm really glad you did. I care about what happens to you, and this
> sounds like more than either of us should carry alone. Would you be willing to talk to a crisis
> line right now? If you're in the US you can call or text **988**. I can stay with you while you
> do."

- **In immediate danger:** call the local emergency number (911 in the US, 999 in the UK, 112 in
  the EU), or help the person do so. Do not leave them alone if you can avoid it.
- **Crisis lines:** 988 Suicide & Crisis Lifeline in the US (call or text 988); Samaritans on
  116 123 in the UK and Ireland. Elsewhere, findahelpline.com lists free services by country.
- **Ongoing support:** their doctor, a counsellor, or a trusted person in their life.

Offer, do not order. "Would you be willing to…" keeps their dignity. If they say no, stay kind,
keep talking, and come back to it.

## A weaker and a stronger reply

Someone writes: *"Honestly I don't see the point any more. Everyone would be fine without me."*

Weaker:

> "Don't say that! Lots of people love you. Try to think positive."

It means well, but it argues with their feeling and skips over the risk.

Stronger:

> "I'm really glad you told me, and I'm worried about you. When you say everyone would be fine
> without you, are you thinking about ending your life? Whatever the answer, I want to help you
> talk to someone who can support you properly — in the US you can call or text 988, any time."

## Know your role

You are not expected to be a therapist. Your job is to listen, to take it seriously, and to help
the person reach people who can help. In this product's practice chats, if a message looks like
a real crisis, the role-play pauses and shows resources — including for you.
""",
)

SELF_CARE = LessonData(
    title="Self-care for helpers",
    estimated_minutes=6,
    body="""\
Listening well takes energy. If your work or your life puts you in front of other people's pain —
customers, patients, students, friends, family — you will sometimes carry some of it home. That
is not a weakness; it is a sign that you were really paying attention. But it needs looking
after, or empathy turns into exhaustion.

## Empathy and compassion are not the same load

Feeling *with* someone — their fear, their grief — is tiring when it goes on for hours.
Caring *for* someone — a warm wish that they are okay, and a steady presence — is more
sustainable. When you notice you are soaking up every feeling, shift from "I feel what you feel"
towards "I care about what you feel, and I'm here".

## Signs you are running low

- Dreading conversations you used to handle easily.
- Becoming short, cynical or numb: "they're all the same".
- Replaying difficult conversations at night.
- Getting ill more often, sleeping badly, or needing more caffeine to get through the day.

These are signals, not failures. Everyone who helps others for long enough meets them.

## Small habits that help

- **Close each hard conversation on purpose.** A breath, a glass of water, a short walk before
  the next one. Even thirty seconds marks the end.
- **Name your own feelings too.** "That call left me rattled" is the same skill you use with
  others, pointed inward.
- **Debrief.** Tell a colleague or friend what happened, without breaking anyone's
  confidentiality. Being heard refills you.
- **Keep boundaries.** You can care and still end a conversation, hand over to someone else, or
  say "I can't talk right now, can we speak tomorrow?"
- **Protect the basics.** Sleep, food, movement and time with people who do not need anything
  from you.

## A weaker and a stronger inner voice

After a difficult call with a furious customer:

Weaker:

> "I should be able to handle this. Everyone else does."

Stronger:

> "That was a hard one. I stayed calm and I did what I could. I'm going to take two minutes
> before the next call."

Notice that the stronger version uses the same three moves you practise with others: it reacts
kindly, it understands what happened, and it asks what you need.

## When to get support for yourself

If low mood, anxiety or numbness stays with you for weeks, or starts affecting your sleep, work
or relationships, talk to your doctor or a counsellor. Many workplaces offer a confidential
employee assistance line. And if you ever feel unsafe, the same resources you would offer
someone else are there for you: your local emergency number, or a crisis line such as 988 in the
US.

## Try this

Write down one small habit from this lesson you will try this week, and when. Being specific
("a five-minute walk after my last call of the day") makes it far more likely to happen.
""",
)

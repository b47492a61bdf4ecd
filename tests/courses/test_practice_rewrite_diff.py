"""The example rewrite against the learner's own words: a word-level diff the page draws as
<del> / <ins>, for a template rewrite and a generated one alike."""

from __future__ import annotations

import json

from courses.practice.guidance import guidance_compose
from courses.practice.render import guidance_render
from courses.practice.rewrite_diff import kept_share, word_diff, word_similarity
from tests.factories import analysis_build


def test_the_diff_of_a_known_pair_keeps_removes_and_adds_words_in_reading_order():
    learner = "Don't worry, it's not a big deal. Just submit it tomorrow."
    rewrite = "You sound really anxious. Just submit it tomorrow, when you're ready."
    assert word_diff(learner, rewrite) == [
        {"op": "removed", "text": "Don't worry, it's not a big deal."},
        {"op": "added", "text": "You sound really anxious."},
        {"op": "kept", "text": "Just submit it tomorrow,"},
        {"op": "added", "text": "when you're ready."},
    ]


def test_a_learner_reads_the_changes_around_a_lone_kept_word_as_one_change():
    """Seen in the browser: "hmm so" struck, a question added up to "the hardest part of", a lone
    kept "all", then the learner's whole interpretation struck, read as nonsense."""
    learner = "hmm so all those late nights and it still came out at 38"
    rewrite = "You sound really let down. What's been the hardest part of all this?"
    shown = word_diff(learner, rewrite, for_reading=True)
    assert [s["op"] for s in shown] == ["removed", "added"]
    assert shown[1]["text"] == rewrite
    assert {"op": "kept", "text": "all"} in word_diff(learner, rewrite)  # what the checks count
    # A kept run of two or more words, or one at either end, stays kept.
    assert word_diff("I know it's late. Sorry", "I know it's hard. Sorry", for_reading=True) == [
        {"op": "kept", "text": "I know it's"},
        {"op": "removed", "text": "late."},
        {"op": "added", "text": "hard."},
        {"op": "kept", "text": "Sorry"},
    ]


def test_case_and_edge_punctuation_are_not_changes_and_kept_words_read_as_the_rewrite_wrote_them():
    assert word_diff("that sounds hard, what happened", "That sounds hard. What happened?") == [
        {"op": "kept", "text": "That sounds hard. What happened?"}
    ]
    assert word_diff("", "") == []
    assert word_diff("", "Hello there.") == [{"op": "added", "text": "Hello there."}]
    assert word_diff("Hello there.", "") == [{"op": "removed", "text": "Hello there."}]


def test_similarity_and_kept_share_measure_how_minimal_an_edit_is():
    learner = "I think you should just call them and complain."
    assert word_similarity(learner, learner) == 1.0
    assert kept_share(learner, learner) == 1.0
    assert word_similarity(learner, "Totally different words here.") == 0.0
    small = "That sounds frustrating. I think you could call them, what do you think?"
    assert 0.4 < word_similarity(learner, small) < 0.8
    assert kept_share(learner, small) == 5 / 9  # I think you ... call them
    assert word_similarity("", "") == 1.0 and kept_share("", "Hi.") == 1.0


def _guidance(text: str, **analysis):
    return guidance_compose(
        text=text,
        analysis=analysis_build(text=text, **analysis),
        persona_name="Dana Reyes",
        persona_emotions={"nervousness": 0.8},
    )


def test_a_template_rewrite_comes_with_its_diff_against_the_learners_words():
    text = "It's not a big deal. Just submit it tomorrow."
    guidance = json.loads(json.dumps(_guidance(text, blocker=("dismissive", "It's not a big deal"), er=0, ip=1)))
    shown = guidance_render(guidance, learner_text=text)
    assert shown["rewrite"] == "I'm so sorry, that's a lot. Just submit it tomorrow."
    assert shown["rewrite_source"] == "template"
    assert shown["rewrite_diff"] == [
        {"op": "removed", "text": "It's not a big deal."},
        {"op": "added", "text": "I'm so sorry, that's a lot."},
        {"op": "kept", "text": "Just submit it tomorrow."},
    ]
    # Without the learner's words (a stored row re-rendered on its own) nothing changes.
    assert "rewrite_diff" not in guidance_render(guidance)


def test_a_generated_rewrite_is_shown_as_written_and_marked_generated():
    text = "It's not a big deal. Just submit it tomorrow."
    guidance = _guidance(text, blocker=("dismissive", "It's not a big deal"), er=0, ip=1)
    assert guidance["rewrite"] is not None
    guidance["rewrite"]["generated"] = "It sounds stressful. Could you submit it tomorrow?"
    shown = guidance_render(guidance, learner_text=text)
    assert shown["rewrite"] == "It sounds stressful. Could you submit it tomorrow?"
    assert shown["rewrite_source"] == "generated"
    assert shown["rewrite_diff"] == [
        {"op": "removed", "text": "It's not a big deal. Just"},
        {"op": "added", "text": "It sounds stressful. Could you"},
        {"op": "kept", "text": "submit it tomorrow?"},
    ]

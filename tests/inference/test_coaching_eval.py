"""evaluate_coaching: the figures a coach reads first, computed on known judgements, and the file
errors a user would meet."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from inference.coaching_eval import CoachedReply, CoachingDataError, Judgement, evaluate, judgement_of, load_corpus

HEADER = "persona_message,learner_reply,er,ip,ex,blocker\n"


def write(tmp_path, body: str):
    path = tmp_path / "corpus.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def reply(levels=(0, 0, 0), blocker="none") -> CoachedReply:
    return CoachedReply(
        line=2, persona_message="p", learner_reply="r", levels=dict(zip(("er", "ip", "ex"), levels)), blocker=blocker
    )


def shown(levels=(0, 0, 0), blocker="none") -> Judgement:
    return Judgement(levels=dict(zip(("er", "ip", "ex"), levels)), blocker=blocker)


def test_false_praise_and_closed_questions_are_counted_as_a_coach_would():
    rows = [
        reply(blocker="dismissive"),  # praised: false praise
        reply(blocker="judging"),  # not praised
        reply(blocker="closed_question"),  # credited as exploration
        reply((2, 0, 0)),
    ]
    judged = [shown((1, 0, 0)), shown(blocker="judging"), shown((0, 0, 1)), shown((2, 0, 0))]
    report = evaluate(rows, lambda _: judged)
    assert report["false_praise_rate"] == round(2 / 3, 4)  # the closed question had all levels 0 too
    assert report["closed_question_ex_rate"] == 1.0
    assert report["er_present_f1"] == round(2 * 1 / (2 * 1 + 1 + 0), 4)
    assert report["blocker_recall"] == round(1 / 3, 4) and report["blocker_precision"] == 1.0
    assert report["n"] == 4 and len(report["mistakes"]) == 2


def test_judgement_of_an_analysis_reads_the_levels_and_the_most_confident_blocker():
    analysis = {
        "empathy": {"er": {"level": 1}, "ip": {"level": 0}, "ex": {"level": 2}},
        "blockers": [{"name": "advice", "start": 0, "end": 3, "text": "You"}, {"name": "judging"}],
    }
    assert judgement_of(analysis) == shown((1, 0, 2), blocker="advice")
    assert judgement_of({"empathy": {}}) == shown()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("hi,,0,0,0,none\n", "learner_reply is empty"),
        ("hi,there,3,0,0,none\n", "er must be 0, 1 or 2"),
        ("hi,there,0,0,0,rude\n", "blocker must be one of"),
        ("hi,there,0,0,0,none,extra\n", "more fields than the header"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, body, message):
    with pytest.raises(CoachingDataError, match=f"line 2: {message}"):
        load_corpus(write(tmp_path, body))


def test_the_command_refuses_a_missing_column_and_a_missing_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhi,none\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing persona_message"):
        call_command("evaluate_coaching", "--data", str(bad))
    with pytest.raises(CommandError, match="cannot open"):
        call_command("evaluate_coaching", "--data", str(tmp_path / "nope.csv"))


@pytest.mark.slow
def test_the_command_runs_the_real_models_and_ends_with_json(tmp_path, capsys, committed_models):
    path = write(
        tmp_path,
        "I lost my job today.,I'm so sorry. That sounds frightening. What happened?,2,1,2,none\n"
        "I lost my job today.,What's your employee number?,0,0,0,closed_question\n",
    )
    call_command("evaluate_coaching", "--data", str(path), "--json")
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["n"] == 2
    assert set(figures) >= {"false_praise_rate", "closed_question_ex_rate", "er_present_f1", "blocker_recall"}

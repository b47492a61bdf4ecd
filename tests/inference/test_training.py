"""Both trainers run for real on a few dozen rows, and bad data files stop with the line named."""

from __future__ import annotations

import csv
import json
import time

import pytest

from tests.inference.conftest import write_epitome


def test_emotion_trainer_tiny_run(goemotions_dir, tmp_path):
    from inference.emotion import EmotionDetector
    from inference.training.emotion_trainer import EmotionTrainConfig, train_emotion

    out = tmp_path / "emotion"
    started = time.time()
    lines: list[str] = []
    config = train_emotion(
        goemotions_dir,
        out,
        EmotionTrainConfig(epochs=1, batch_size=8, max_len=24, inference_max_len=32, device="cpu"),
        log=lines.append,
    )
    assert time.time() - started < 60
    assert any("epoch 1" in line for line in lines)
    assert len(config["thresholds"]) == 28
    stored = json.loads((out / "config.json").read_text())
    assert stored["training"]["data"]["train_rows_used"] == 40
    assert "macro_f1" in stored["training"]["dev_final"]
    assert (out / "MODEL_CARD.md").read_text().count("Demszky") >= 1
    detector = EmotionDetector.load(out, device="cpu")
    (reading,) = detector.analyse(["Thank you!"])
    assert len(reading["probs"]) == 28


def test_empathy_trainer_tiny_run(epitome_dir, tmp_path):
    from inference.empathy import EmpathyScorer
    from inference.training.empathy_trainer import EmpathyTrainConfig, train_empathy

    out = tmp_path / "empathy"
    started = time.time()
    lines: list[str] = []
    train_empathy(
        epitome_dir, out, EmpathyTrainConfig(epochs=1, batch_size=8, max_len=48, device="cpu"), log=lines.append
    )
    assert time.time() - started < 60
    assert any("epoch 1" in line for line in lines)
    stored = json.loads((out / "config.json").read_text())
    final = stored["training"]["dev_final"]
    assert {"er", "ip", "ex", "tagging", "n"} <= set(final)
    assert stored["training"]["data"]["train_rationales_not_located"] == 0
    # Without the corpus: no blocker head, no thresholds, levels by argmax after offsets as before.
    assert "blockers" not in stored and "level_thresholds" not in stored and "level_bias" in stored
    scorer = EmpathyScorer.load(out, device="cpu")
    (score,) = scorer.analyse(["What happened?"], ["I had a bad day."])
    assert set(score) == {"er", "ip", "ex"}
    items = scorer.encode(["I had a bad day."], ["Just take a pill, you should."])
    scored = scorer.score(items)
    assert scored.blocker_probs is None and scorer.level_thresholds is None
    assert scorer.blockers(["Just take a pill, you should."], ["I had a bad day."], items, None) == [[]]


def test_malformed_goemotions_names_the_line(tmp_path):
    from inference.training.data import DataFormatError, read_goemotions

    path = tmp_path / "bad.tsv"
    path.write_text("fine text\t27\tid1\nbroken line without tabs\nlast\t3\tid3\n")
    with pytest.raises(DataFormatError, match=r"bad\.tsv, line 2: expected 3 tab-separated columns"):
        read_goemotions(path)
    path.write_text("fine text\t27\tid1\nlabel out of range\t28\tid2\n")
    with pytest.raises(DataFormatError, match=r"line 2: label ids must lie in 0\.\.27"):
        read_goemotions(path)
    path.write_text("fine text\t27\tid1\nnot numbers\tjoy\tid2\n")
    with pytest.raises(DataFormatError, match=r"line 2: label ids must be comma-separated integers"):
        read_goemotions(path)


def test_malformed_epitome_names_the_line(tmp_path):
    from inference.training.data import DataFormatError, read_epitome

    path = write_epitome(tmp_path / "bad.csv")
    rows = path.read_text().splitlines()
    rows[3] = rows[3].replace(",0,0,0,", ",0,7,0,")  # "Just take a pill." row: ip_level 7
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataFormatError, match=r"bad\.csv, line 4: ip_level must be 0, 1 or 2"):
        read_epitome(path)
    path.write_text("sp_id,rp_id,seeker_post\na,b,c\n")
    with pytest.raises(DataFormatError, match=r"line 1: header lacks column"):
        read_epitome(path)


def test_rationales_are_located_in_the_response():
    from inference.training.data import locate_span

    response = "I'm so sorry.  What   happened at work?"
    assert locate_span(response, "I'm so sorry.") == (0, 13)
    assert locate_span(response, "what happened at work?") is not None
    start, end = locate_span(response, "What happened at work?")
    assert response[start:end] == "What   happened at work?"
    assert locate_span(response, "not there") is None


# A tiny role-play corpus in the project's format: (situation, split, persona message, reply, er, ip, ex, blocker).
CORPUS_HEADER = [
    "id",
    "setting",
    "situation",
    "split",
    "persona_message",
    "learner_reply",
    "er",
    "ip",
    "ex",
    "blocker",
    "notes",
]
LONELY = "I moved here four months ago and I haven't spoken to anyone since Thursday."
EXAM = "I got 38 on the midterm. I studied for that. Maybe I'm just not a numbers person."
PARCEL = "I took today off work for the second delivery attempt and nobody came. His birthday is tomorrow."
NIGHT = "I can't sleep before the operation. What if something goes wrong?"
CORPUS_ROWS = [
    (
        "lonely",
        "train",
        LONELY,
        "That sounds so lonely, going days without a real conversation.",
        "2",
        "2",
        "0",
        "none",
    ),
    ("lonely", "train", LONELY, "What's been the hardest part of the weekends?", "0", "0", "2", "none"),
    ("lonely", "train", LONELY, "have u tried bumble bff? its decent for meeting ppl", "0", "0", "0", "advice"),
    ("lonely", "train", LONELY, "Where did you move from?", "0", "0", "0", "closed_question"),
    (
        "lonely",
        "train",
        LONELY,
        "omg same, I moved last year. It was the worst time of my life lol",
        "0",
        "0",
        "0",
        "self_focus",
    ),
    ("lonely", "train", LONELY, "I'm sorry, but you should just join a gym.", "1", "0", "0", "advice"),
    (
        "exam",
        "train",
        EXAM,
        "Oh no, I'm sorry. You put so much into it and it still went badly.",
        "2",
        "2",
        "0",
        "none",
    ),
    (
        "exam",
        "train",
        EXAM,
        "Lots of people fail the midterm. It's not the end of the world.",
        "0",
        "0",
        "0",
        "dismissive",
    ),
    ("exam", "train", EXAM, "You should have started studying earlier; everyone knows that.", "0", "0", "0", "judging"),
    ("exam", "train", EXAM, "Don't worry, everything will be fine!", "0", "0", "0", "false_reassurance"),
    ("exam", "train", EXAM, "What makes you feel you're not a numbers person?", "0", "0", "2", "none"),
    (
        "parcel",
        "train",
        PARCEL,
        "We apologise for any inconvenience caused. Please allow 3-5 working days.",
        "1",
        "0",
        "0",
        "deflection",
    ),
    (
        "parcel",
        "train",
        PARCEL,
        "You stayed in twice and still nobody came — no wonder you're angry.",
        "1",
        "2",
        "0",
        "none",
    ),
    ("parcel", "train", PARCEL, "What's your order number?", "0", "0", "0", "closed_question"),
    (
        "night",
        "tune",
        NIGHT,
        "That fear the night before makes complete sense. What worries you most?",
        "1",
        "2",
        "2",
        "none",
    ),
    (
        "night",
        "tune",
        NIGHT,
        "Don't worry, the surgeons do this every day. You'll be fine.",
        "0",
        "0",
        "0",
        "false_reassurance",
    ),
    ("night", "tune", NIGHT, "Have you tried a sleeping pill? Just take one.", "0", "0", "0", "advice"),
    ("night", "tune", NIGHT, "What time is the operation?", "0", "0", "0", "closed_question"),
    ("night", "tune", NIGHT, "I'm so sorry you're lying awake with this.", "2", "1", "0", "none"),
    ("night", "tune", NIGHT, "when I had mine I wasn't scared at all tbh", "0", "0", "0", "self_focus"),
    (
        "exam2",
        "dev",
        EXAM,
        "That must be really hard. How are you feeling about the course now?",
        "1",
        "1",
        "1",
        "none",
    ),
    ("exam2", "dev", EXAM, "Honestly, just get over it and study harder; it's one exam.", "0", "0", "0", "dismissive"),
    ("exam2", "dev", EXAM, "Did you go to the revision sessions?", "0", "0", "0", "closed_question"),
    ("exam2", "dev", EXAM, "I'm sorry. But you should switch courses if it's that bad.", "1", "0", "0", "advice"),
]


def write_corpus(path, rows=CORPUS_ROWS):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CORPUS_HEADER)
        for i, (situation, split, message, reply, er, ip, ex, blocker) in enumerate(rows, start=1):
            writer.writerow([f"t-{i:03d}", "peer_support", situation, split, message, reply, er, ip, ex, blocker, ""])
    return path


def test_corpus_is_read_with_context_levels_blocker_split_and_situation(tmp_path):
    from inference.training.data import read_coaching

    examples = read_coaching(write_corpus(tmp_path / "roleplay.csv"))
    assert len(examples) == len(CORPUS_ROWS)
    first = examples[0]
    assert (first.id, first.line, first.situation, first.split) == ("t-001", 2, "lonely", "train")
    assert first.context == LONELY and first.response.startswith("That sounds so lonely")
    assert first.levels == {"er": 2, "ip": 2, "ex": 0} and first.blocker == "none"
    assert {e.split for e in examples} == {"train", "tune", "dev"}
    assert examples[3].blocker == "closed_question"


@pytest.mark.parametrize(
    ("line", "old", "new", "message"),
    [
        (
            5,
            ",0,0,0,closed_question,",
            ",0,3,0,closed_question,",
            r"roleplay\.csv, line 5: ip must be 0, 1 or 2, got '3'",
        ),
        (6, ",self_focus,", ",rude,", r"line 6: blocker must be one of none, dismissive, .*got 'rude'"),
        (3, ",train,", ",test,", r"line 3: split must be one of train, tune, dev, got 'test'"),
        (7, "t-006", "t-002", r"line 7: id 't-002' already used on line 3"),
        (
            17,
            ",night,tune,",
            ",lonely,tune,",
            r"line 17: situation 'lonely' is in split 'tune' here but in 'train' on line 2",
        ),
        (6, ",self_focus,", ",self_focus,,extra", r"line 6: wrong number of columns"),
        (1, "split,", "", r"line 1: header lacks column\(s\) split"),
    ],
)
def test_malformed_corpus_names_the_line(tmp_path, line, old, new, message):
    from inference.training.data import DataFormatError, read_coaching

    path = write_corpus(tmp_path / "roleplay.csv")
    rows = path.read_text(encoding="utf-8").splitlines()
    assert old in rows[line - 1]
    rows[line - 1] = rows[line - 1].replace(old, new, 1)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=message):
        read_coaching(path)


def test_corpus_reply_must_not_be_empty_and_file_must_exist(tmp_path):
    from inference.training.data import DataFormatError, read_coaching

    rows = [*CORPUS_ROWS[:2], ("lonely", "train", LONELY, "   ", "0", "0", "0", "none")]
    with pytest.raises(DataFormatError, match=r"line 4: learner_reply is empty"):
        read_coaching(write_corpus(tmp_path / "roleplay.csv", rows))
    with pytest.raises(DataFormatError, match="no such file"):
        read_coaching(tmp_path / "missing.csv")


def test_provisional_split_is_by_situation_and_deterministic():
    from inference.training.data import situation_splits

    names = [f"situation_{i}" for i in range(40)]
    splits = situation_splits(names)
    assert splits == situation_splits(reversed(names))
    counts = {s: sum(1 for v in splits.values() if v == s) for s in ("train", "tune", "dev")}
    assert counts == {"train": 28, "tune": 6, "dev": 6}


def test_epitome_tuning_hold_out_is_a_stable_tenth():
    from inference.training.empathy_trainer import held_out_for_tuning

    ids = [f"{sp}/{rp}" for sp in range(100) for rp in range(10)]
    held = [i for i in ids if held_out_for_tuning(i, 0.1)]
    assert 60 < len(held) < 140
    assert held == [i for i in reversed(ids) if held_out_for_tuning(i, 0.1)][::-1]


@pytest.fixture(scope="module")
def coached_artefact(tmp_path_factory):
    """One smoke training on EPITOME rows plus the tiny corpus, shared by the tests below."""
    from inference.training.empathy_trainer import EmpathyTrainConfig, train_empathy

    root = tmp_path_factory.mktemp("coached")
    epitome = root / "epitome"
    epitome.mkdir()
    write_epitome(epitome / "train.csv", repeat=4)
    write_epitome(epitome / "dev.csv")
    corpus = write_corpus(root / "roleplay.csv")
    out = root / "empathy"
    lines: list[str] = []
    started = time.time()
    config = train_empathy(
        epitome,
        out,
        EmpathyTrainConfig(
            epochs=1, batch_size=8, max_len=48, device="cpu", coaching_file=str(corpus), coaching_weights=(1.0, 2.0)
        ),
        log=lines.append,
    )
    return {"out": out, "config": config, "lines": lines, "seconds": time.time() - started}


def test_coached_training_records_tune_choices_and_dev_figures(coached_artefact):
    from inference.coaching_eval import HEADLINE

    assert coached_artefact["seconds"] < 60
    stored = json.loads((coached_artefact["out"] / "config.json").read_text())
    assert stored["blockers"] == [
        "none",
        "dismissive",
        "advice",
        "closed_question",
        "self_focus",
        "judging",
        "false_reassurance",
        "deflection",
    ]
    assert set(stored["level_thresholds"]) == {"er", "ip", "ex"}
    assert all(0.5 <= t <= 0.95 for pair in stored["level_thresholds"].values() for t in pair)
    assert 0.0 < stored["blocker_threshold"] <= 1.0
    training = stored["training"]
    # Two candidates (corpus weights 1 and 2), chosen on the tune split, never on dev.
    assert set(training["models"]) == {"seed0-w1", "seed0-w2"}
    assert training["chosen_coaching_weight"] in (1.0, 2.0)
    assert training["tuning"]["corpus_rows"] == 6
    assert training["data"]["coaching_train_rows"] == 14 and training["data"]["coaching_dev_rows"] == 4
    held = training["data"]["epitome_train_rows_held_for_tuning"]
    assert training["tuning"]["epitome_rows"] == held and training["data"]["epitome_train_rows_fitted"] == 32 - held
    assert {"er", "ip", "ex", "tagging", "n"} <= set(training["dev_final"]) and training["dev_final"]["n"] == 8
    assert set(HEADLINE) <= set(training["coaching_dev"]) and training["coaching_dev"]["n"] == 4
    card = (coached_artefact["out"] / "MODEL_CARD.md").read_text()
    for needed in ("Dev metrics per epoch", "Corpus dev split", "false praise rate", "role-play corpus", "Sharma"):
        assert needed in card


def test_coached_artefact_shows_only_confident_levels(coached_artefact):
    import numpy as np

    from inference.empathy import EmpathyScorer

    scorer = EmpathyScorer.load(coached_artefact["out"], device="cpu", dtype="float32")
    tuned = json.loads((coached_artefact["out"] / "config.json").read_text())["level_thresholds"]
    assert np.allclose(scorer.level_thresholds, [tuned[m] for m in ("er", "ip", "ex")])
    texts = [row[3] for row in CORPUS_ROWS] + ["What happened?", "ok"]
    contexts = [row[2] for row in CORPUS_ROWS] + ["I had a bad day.", "Hi"]

    def check(thresholds):
        levels_seen = set()
        for reading in scorer.analyse(texts, contexts):
            for m, mechanism in enumerate(("er", "ip", "ex")):
                t1, t2 = thresholds[m]
                _, p1, p2 = reading[mechanism]["probs"]
                if min(abs(p1 + p2 - t1), abs(p2 - t2)) < 1e-3:
                    continue  # too near a threshold for probabilities rounded to 4 places
                expected = 0 if p1 + p2 < t1 else 2 if p2 >= t2 else 1
                assert reading[mechanism]["level"] == expected, (reading, thresholds)
                assert reading[mechanism]["rationales"] == [] or expected > 0
                levels_seen.add(expected)
        return levels_seen

    check(scorer.level_thresholds.tolist())
    # Thresholds in the middle of this model's probabilities: some replies shown a level, some not,
    # each exactly as the thresholds say (the argmax would not do).
    probs = np.array([[r[m]["probs"] for m in ("er", "ip", "ex")] for r in scorer.analyse(texts, contexts)])
    middle = np.stack([np.median(probs[..., 1] + probs[..., 2], 0), np.median(probs[..., 2], 0) - 1e-4], 1)
    scorer.level_thresholds = middle.astype(np.float32)
    seen = check(middle.tolist())
    assert 0 in seen and len(seen) > 1
    # Thresholds of 1 show nothing: no level is ever that sure.
    scorer.level_thresholds[:] = 1.0
    assert all(r[m]["level"] == 0 for r in scorer.analyse(texts) for m in ("er", "ip", "ex"))


def test_coached_artefact_shows_the_corpus_heads_and_scores_epitome_on_its_own(coached_artefact):
    """Trained with the corpus, the model has a second set of level heads: learners are shown
    theirs, evaluate_empathy scores EPITOME's and reports the learners' beside them, and training
    can start again from the artefact exactly where it ended."""
    import numpy as np
    import torch

    from inference.empathy import EmpathyScorer
    from inference.evaluation import evaluate_empathy
    from inference.training.empathy_trainer import EmpathyTrainConfig, EmpathyTraining

    out = coached_artefact["out"]
    stored = json.loads((out / "config.json").read_text())
    assert stored["coaching_levels"] is True and set(stored["epitome_level_bias"]) == {"er", "ip", "ex"}
    scorer = EmpathyScorer.load(out, device="cpu", dtype="float32")
    texts = [row[3] for row in CORPUS_ROWS]
    contexts = [row[2] for row in CORPUS_ROWS]
    items = scorer.encode(contexts, texts)
    scored = scorer.score(items)
    assert not np.allclose(scored.log_probs, scored.epitome_log_probs)
    shown = [[r[m]["level"] for m in ("er", "ip", "ex")] for r in scorer.analyse(texts, contexts)]
    assert shown == scorer.levels(scored.log_probs)[0].tolist()  # the corpus heads', not EPITOME's

    result = evaluate_empathy(out.parent / "epitome" / "dev.csv", scorer)
    assert set(result["served_macro_f1"]) == {"er", "ip", "ex"} and result["n"] == 8

    job = EmpathyTraining(
        out.parent / "epitome",
        EmpathyTrainConfig(epochs=1, max_len=48, device="cpu", coaching_file=str(out.parent / "roleplay.csv")),
        log=lambda line: None,
    )
    model = job.build_model()
    job.warm_start(model, out)
    model.eval()
    with torch.inference_mode():
        logits = model(collate_items(items, scorer))
    assert logits.coaching_levels is not None
    # The artefact stores fp16 weights; the restarted model computes what the served one does.
    assert np.allclose(torch.log_softmax(logits.coaching_levels, -1).numpy(), scored.log_probs, atol=2e-3)


def collate_items(items, scorer):
    from inference.encoder import collate

    return collate(list(items), scorer.tokenizer.pad_token_id, scorer.device)


@pytest.fixture
def coached_registry(coached_artefact, committed_models, tmp_path):
    """The registry serving the committed emotion model and the smoke empathy artefact, its blocker
    threshold at 0 so that every blocker is named, most probable first."""
    import shutil

    registry = committed_models
    artefacts = tmp_path / "artefacts"
    artefacts.mkdir()
    (artefacts / "emotion").symlink_to(registry.ARTEFACTS_DIR / "emotion")
    (artefacts / "risk").symlink_to(registry.ARTEFACTS_DIR / "risk")
    shutil.copytree(coached_artefact["out"], artefacts / "empathy")
    config = json.loads((artefacts / "empathy" / "config.json").read_text())
    config["blocker_threshold"] = 0.0
    (artefacts / "empathy" / "config.json").write_text(json.dumps(config))
    before = registry.config()
    registry.configure(before, artefacts_dir=artefacts, dtype="float32")
    try:
        yield registry
    finally:
        registry.configure(before)


def test_coached_analyses_name_blockers_with_the_clause_that_carries_them(coached_registry, monkeypatch):
    import numpy as np

    from inference.analysis import TurnInput, analyse_turns
    from inference.empathy import clause_bounds
    from inference.schema import BLOCKER_NAMES

    scorer = coached_registry.empathy_scorer()
    passes: list[int] = []
    score = scorer.score
    monkeypatch.setattr(scorer, "score", lambda items, **kw: passes.append(len(items)) or score(items, **kw))
    turns = [
        TurnInput("I'm sorry, but you should just join a gym. Have you tried it?", LONELY),
        TurnInput("What's your order number?", PARCEL),
        TurnInput("", PARCEL),
        TurnInput("Don't worry — everything will be fine; trust me.", NIGHT),
    ]
    results = analyse_turns(turns)
    # One pass over the replies, one over the clauses of the replies with a blocker and several clauses.
    assert passes == [4, 3 + 3]
    assert results[2]["blockers"] == []
    for turn, result in zip(turns, results, strict=True):
        if not turn.text:
            continue
        blockers = result["blockers"]
        assert [b["name"] for b in sorted(blockers, key=lambda b: b["name"])] == sorted(BLOCKER_NAMES)
        assert [b["probability"] for b in blockers] == sorted((b["probability"] for b in blockers), reverse=True)
        clauses = clause_bounds(turn.text)
        for blocker in blockers:
            assert set(blocker) == {"name", "start", "end", "text", "probability"}
            assert turn.text[blocker["start"] : blocker["end"]] == blocker["text"]
            assert (blocker["start"], blocker["end"]) in clauses
            assert blocker["text"] == blocker["text"].strip(" ,;")
        if len(clauses) > 1:
            # Each blocker's span is its most probable clause, the clauses scored against the same message.
            own = score(scorer.encode([turn.context] * len(clauses), [turn.text[a:b] for a, b in clauses]))
            for blocker in blockers:
                c = scorer.blocker_classes.index(blocker["name"])
                assert clauses[int(np.argmax(own.blocker_probs[:, c]))] == (blocker["start"], blocker["end"])
    from inference.schema import TurnAnalysis
    from tests.inference.test_schema import problems

    assert [p for result in results for p in problems(result, TurnAnalysis)] == []


def test_train_empathy_command_takes_the_corpus_options():
    import argparse

    from inference.training.empathy_trainer import add_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        ["--data", "d", "--out", "o", "--coaching", "c.csv", "--coaching-weight", "1,2.5", "--blocker-weight", "0.5"]
    )
    cfg = config_from_args(args)
    assert (cfg.coaching_file, tuple(cfg.coaching_weights), cfg.blocker_weight) == ("c.csv", (1.0, 2.5), 0.5)
    assert config_from_args(parser.parse_args(["--data", "d", "--out", "o"])).coaching_file is None

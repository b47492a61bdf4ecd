"""Fixtures for the model tests: the committed artefacts on CPU, and tiny data files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

GOEMOTIONS_ROWS = [
    ("Thank you so much, this really helped me", "15"),
    ("Thanks a lot for your help, I appreciate it!", "15"),
    ("My grandmother passed away last night and I can't stop crying", "16,25"),
    ("I miss him so much, the funeral was yesterday", "25"),
    ("This is hilarious lol", "1"),
    ("Haha that made my day", "1,17"),
    ("I'm so angry right now, they lied to me", "2"),
    ("Ugh this is so annoying", "3"),
    ("What do you mean by that?", "6,7"),
    ("I wonder how that works", "7"),
    ("I'm scared of what the doctor will say", "14"),
    ("I'm nervous about the interview tomorrow", "19"),
    ("Wow, I did not expect that at all!", "26"),
    ("The meeting is at 3pm.", "27"),
    ("I put the box on the table.", "27"),
    ("I love you guys so much", "18"),
    ("I'm so proud of my daughter", "21"),
    ("Sorry, that was my fault, I regret it", "24"),
    ("That's disgusting, gross", "11"),
    ("What a relief, it's over", "23"),
]

EPITOME_ROWS = [
    (
        "I lost my job and feel worthless.",
        "I'm so sorry, that sounds awful. What happened?",
        "2",
        "0",
        "1",
        "I'm so sorry, that sounds awful.|",
        "",
        "What happened?|",
    ),
    (
        "Nobody ever listens to me.",
        "I know how that feels, I went through the same thing.",
        "0",
        "2",
        "0",
        "",
        "I know how that feels, I went through the same thing.|",
        "",
    ),
    ("I can't sleep at night.", "Just take a pill.", "0", "0", "0", "", "", ""),
    (
        "My dog died yesterday.",
        "That's heartbreaking, I'm sorry for your loss.",
        "2",
        "0",
        "0",
        "That's heartbreaking, I'm sorry for your loss.|",
        "",
        "",
    ),
    (
        "I feel so alone.",
        "Why do you feel alone? Do you have friends nearby?",
        "0",
        "0",
        "2",
        "",
        "",
        "Why do you feel alone?|Do you have friends nearby?|",
    ),
    (
        "Exams are stressing me out.",
        "It sounds like you are under a lot of pressure.",
        "1",
        "2",
        "0",
        "sounds like|",
        "It sounds like you are under a lot of pressure.|",
        "",
    ),
    ("I hate my life.", "lol same", "0", "1", "0", "", "same|", ""),
    (
        "My parents fight every day.",
        "That must be so hard for you. How are you coping?",
        "1",
        "1",
        "2",
        "That must be so hard for you.|",
        "must be so hard|",
        "How are you coping?|",
    ),
]
EPITOME_HEADER = [
    "sp_id",
    "rp_id",
    "seeker_post",
    "response_post",
    "er_level",
    "ip_level",
    "ex_level",
    "er_rationales",
    "ip_rationales",
    "ex_rationales",
]


def write_goemotions(path: Path, repeat: int = 1) -> Path:
    path.write_text("".join(f"{text}\t{labels}\tid{i}\n" for i, (text, labels) in enumerate(GOEMOTIONS_ROWS * repeat)))
    return path


def write_epitome(path: Path, repeat: int = 1) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EPITOME_HEADER)
        for i, row in enumerate(EPITOME_ROWS * repeat):
            writer.writerow([f"s{i}", f"r{i}", *row])
    return path


@pytest.fixture(scope="session")
def committed_models():
    """The registry on CPU with the committed artefacts (loaded once for the whole session)."""
    from inference import registry

    registry.configure(registry.InferenceConfig(device="cpu", threads=2))
    return registry


@pytest.fixture
def goemotions_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "goemotions"
    folder.mkdir()
    write_goemotions(folder / "train.tsv", repeat=2)
    write_goemotions(folder / "dev.tsv")
    return folder


@pytest.fixture
def epitome_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "epitome"
    folder.mkdir()
    write_epitome(folder / "train.csv", repeat=4)
    write_epitome(folder / "dev.csv")
    return folder

"""Keys and values of prompt starts, kept for the next turns of a generative persona.

A persona's prompt starts with its card (the same for every session of a scenario) and goes on with
the conversation so far (the same, plus two turns, at the next turn of that conversation); only
this turn's note at the end is new. Running the model over what it has run before is most of the
wait for the first token, so `PersonaGenerator` keeps the model's cache after each start here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


class PrefixCache:
    """Keys and values of prompt starts (token ids -> the model's cache after them), the least
    recently used dropped past `budget` tokens. A card's entry is shared by every session of its
    scenario; a conversation's entry replaces the shorter one of the same conversation it extends."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.entries: list[tuple[torch.Tensor, Any, bool]] = []  # (ids, past, shared), oldest first

    def longest(self, ids: torch.Tensor) -> tuple[torch.Tensor, Any] | None:
        """The kept entry with the longest ids that start `ids` (most recently used from now on)."""
        best: int | None = None
        for index, (kept, _, _) in enumerate(self.entries):
            size = kept.shape[0]
            longer = best is None or size > self.entries[best][0].shape[0]
            if longer and size <= ids.shape[0] and ids[:size].equal(kept):
                best = index
        if best is None:
            return None
        entry = self.entries.pop(best)
        self.entries.append(entry)
        return entry[0], entry[1]

    def keep(self, ids: torch.Tensor, past: Any, *, shared: bool) -> None:
        if not shared:
            self.entries = [
                (kept, value, is_shared)
                for kept, value, is_shared in self.entries
                if is_shared or not (kept.shape[0] <= ids.shape[0] and ids[: kept.shape[0]].equal(kept))
            ]
        self.entries.append((ids, past, shared))
        while sum(kept.shape[0] for kept, _, _ in self.entries) > self.budget and len(self.entries) > 1:
            self.entries.pop(0)

    def __len__(self) -> int:
        return len(self.entries)

    def clear(self) -> None:
        self.entries.clear()

"""A persona reply's decoding passes on a CPU, with fewer and cheaper operations than transformers'
own forward for the same Llama-architecture model (SmolLM2), and the same arithmetic.

Why: a pass over one token of SmolLM2-135M took ~40 ms on two cores, and a profile of one pass after
a 600-token prompt showed where (one thread, 7 December 2026): the matrix products 59%, of which the
49,152-token output layer is a fifth (113 MB of float32 read a token); the KV cache's `torch.cat`
(transformers' `DynamicCache` copies every layer's keys and values to append one token) 18%;
attention 9%; the rest ~14%, some 60 small operations a layer. So here:

- the keys and values live in buffers allocated once per reply (`KeyValues`), written in place;
  rolling back a refused draft is moving the end;
- each layer's query, key and value projections are one matrix product, and its gate and up
  projections another (the rows of one matrix, the same dot products); the model's own weights
  become views of the fused ones, so nothing is held twice and the model is unchanged for transformers;
- the rotary position embedding reads precomputed tables; the norms are `torch.rms_norm`;
- attention for a pass is two batched products over the three key-value heads' groups of queries
  (SDPA's CPU kernel cost ~250 us a call for one query);
- the output layer can be restricted to the tokens a persona's reply may contain (`VocabularyHead`):
  the rows of the persona corpus's tokens and of this prompt's, ~a quarter of the vocabulary.

The prompt's pass stays transformers' (its cache is kept across turns by `PrefixCache`); a reply's
passes start from a copy of it. Plain torch; no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass
class FusedLayer:
    input_norm: torch.Tensor  # (hidden,)
    qkv: torch.Tensor  # (q + k + v outputs, hidden): the three projections' rows
    out: torch.Tensor  # (hidden, hidden)
    post_norm: torch.Tensor  # (hidden,)
    gate_up: torch.Tensor  # (2 * intermediate, hidden): the gate's rows, then the up projection's
    down: torch.Tensor  # (hidden, intermediate)


class KeyValues:
    """A reply's keys and values, per layer (key-value heads, capacity, head size), filled up to
    `length`. `crop(-n)` forgets the last n positions, as transformers' cache does."""

    def __init__(self, keys: list[torch.Tensor], values: list[torch.Tensor], length: int) -> None:
        self.keys = keys
        self.values = values
        self.length = length

    @property
    def capacity(self) -> int:
        return int(self.keys[0].shape[1])

    def crop(self, max_length: int) -> None:
        self.length = self.length + max_length if max_length < 0 else min(self.length, max_length)


class VocabularyHead:
    """The output layer over some tokens only: their logits, the others' -inf, so they are never
    drawn. `parts`: (token ids, their rows of the output matrix), the decoder's vocabulary (shared
    by every reply) and this prompt's tokens outside it (a few rows, gathered per reply)."""

    def __init__(self, parts: Sequence[tuple[torch.Tensor, torch.Tensor]], vocab_size: int) -> None:
        import torch

        self.parts = [(ids, weight) for ids, weight in parts if ids.numel()]
        self.ids = torch.cat([ids for ids, _ in self.parts]).sort().values
        self.vocab_size = vocab_size

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """(n, vocab) logits of the final hidden states (n, hidden)."""
        import torch

        full = torch.full((hidden.shape[0], self.vocab_size), float("-inf"), dtype=hidden.dtype)
        for ids, weight in self.parts:
            full.index_copy_(1, ids, hidden @ weight.T)
        return full

    def restrict(self, logits: torch.Tensor) -> torch.Tensor:
        """Full-vocabulary logits (..., vocab) with the tokens outside this head at -inf."""
        import torch

        kept = torch.full_like(logits, float("-inf"))
        return kept.index_copy_(-1, self.ids, logits.index_select(-1, self.ids))


class FusedDecoder:
    """Decoding passes of a Llama-architecture causal LM (float32, CPU) after a prompt's pass."""

    def __init__(self, model: Any, *, vocabulary: Iterable[int] | None = None) -> None:
        """Fuses `model`'s projections in place (its weights become views of the fused ones).
        `vocabulary`: the tokens any reply may contain (besides its prompt's), or None for all."""
        import torch

        config = model.config
        self.heads = int(config.num_attention_heads)
        self.kv_heads = int(config.num_key_value_heads)
        self.head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // self.heads)
        self.eps = float(config.rms_norm_eps)
        self.vocab_size = int(config.vocab_size)
        body = model.model
        self.embed: torch.Tensor = body.embed_tokens.weight
        self.norm: torch.Tensor = body.norm.weight
        self.output: torch.Tensor = model.lm_head.weight
        self.inv_freq: torch.Tensor = body.rotary_emb.inv_freq.float()
        self.rope_scaling = float(body.rotary_emb.attention_scaling)
        self.layers = [_fuse(layer) for layer in body.layers]
        self.layer_pass = layer_pass
        self._cos = self._sin = torch.empty(0, self.head_dim)
        self.vocabulary = None if vocabulary is None else torch.tensor(sorted(set(vocabulary)), dtype=torch.long)
        self._base_head = None if self.vocabulary is None else self.output.index_select(0, self.vocabulary)
        self._vocabulary_set = frozenset(() if self.vocabulary is None else self.vocabulary.tolist())

    @staticmethod
    def supports(model: Any) -> bool:
        """Whether `model` is what this decoder computes exactly: a float32 Llama on the CPU with
        no biases, the default rotary embedding and plain linear layers (a PEFT model in training
        has adapters on them, which the fused weights would leave out)."""
        import torch

        config = model.config
        rope = getattr(config, "rope_parameters", None) or {}
        layers = getattr(getattr(model, "model", None), "layers", None)
        if type(model).__name__ != "LlamaForCausalLM" or layers is None:
            return False
        linears = [
            linear
            for layer in layers
            for linear in (*_attention_projections(layer), layer.self_attn.o_proj, *_mlp_projections(layer))
        ]
        return (
            getattr(config, "model_type", None) == "llama"
            and all(type(linear) is torch.nn.Linear for linear in linears)
            and not getattr(config, "attention_bias", False)
            and not getattr(config, "mlp_bias", False)
            and rope.get("rope_type", "default") == "default"
            and getattr(config, "hidden_act", None) == "silu"
            and all(p.device.type == "cpu" and p.dtype == torch.float32 for p in model.parameters())
        )

    def head(self, prompt_ids: Sequence[int]) -> VocabularyHead | None:
        """The output layer for a reply to this prompt: the decoder's vocabulary and the prompt's own
        tokens (a reply may repeat any word it was given), or None where it has no vocabulary."""
        import torch

        if self.vocabulary is None or self._base_head is None:
            return None
        extra = torch.tensor(sorted(set(prompt_ids) - self._vocabulary_set), dtype=torch.long)
        parts = [(self.vocabulary, self._base_head), (extra, self.output.index_select(0, extra))]
        return VocabularyHead(parts, self.vocab_size)

    def keys_values(self, past: Any, *, room: int) -> KeyValues:
        """A copy of a transformers cache (batch of one) in buffers with `room` positions to spare."""
        import torch

        layers = past.layers
        length = int(layers[0].keys.shape[-2])
        capacity = length + room
        keys, values = [], []
        for layer in layers:
            k = torch.empty(self.kv_heads, capacity, self.head_dim)
            v = torch.empty(self.kv_heads, capacity, self.head_dim)
            k[:, :length].copy_(layer.keys[0])
            v[:, :length].copy_(layer.values[0])
            keys.append(k)
            values.append(v)
        self._rope_tables(capacity)
        return KeyValues(keys, values, length)

    def forward(
        self, ids: list[int], past: KeyValues, head: VocabularyHead | None = None
    ) -> tuple[torch.Tensor, KeyValues]:
        """Logits (len(ids), vocab) for `ids` following the cache `past`, which they extend."""
        import torch

        n = len(ids)
        start = past.length
        end = start + n
        if end > past.capacity:
            raise ValueError(f"The reply's cache holds {past.capacity} positions; {end} asked")
        cos, sin = self._cos[start:end, None, :], self._sin[start:end, None, :]
        mask = None
        if n > 1:  # a draft: each position sees the cache and the drafted positions up to itself
            mask = torch.full((n, end), float("-inf")).triu_(start + 1)
        x = self.embed[torch.tensor(ids)]
        shape = Shape(self.heads, self.kv_heads, self.head_dim, self.eps)
        for layer, keys, values in zip(self.layers, past.keys, past.values, strict=True):
            x = self.layer_pass(x, layer, keys, values, cos, sin, mask, start, shape)
        past.length = end
        h = torch.rms_norm(x, (x.shape[-1],), self.norm, self.eps)
        return (h @ self.output.T if head is None else head.logits(h)), past

    def _rope_tables(self, positions: int) -> None:
        """cos and sin of every position up to `positions`, as transformers computes them."""
        import torch

        if self._cos.shape[0] >= positions:
            return
        size = max(positions, 2 * self._cos.shape[0], 1024)
        freqs = torch.arange(size, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        self._cos, self._sin = emb.cos() * self.rope_scaling, emb.sin() * self.rope_scaling


@dataclass(frozen=True)
class Shape:
    heads: int
    kv_heads: int
    head_dim: int
    eps: float


def layer_pass(
    x: torch.Tensor,
    layer: FusedLayer,
    keys: torch.Tensor,
    values: torch.Tensor,
    cos: torch.Tensor,
    sin: torch.Tensor,
    mask: torch.Tensor | None,
    start: int,
    shape: Shape,
) -> torch.Tensor:
    """One decoder layer over the hidden states `x` (n, hidden) of positions start.., writing their
    keys and values into the layer's buffers at those positions."""
    import torch

    n = x.shape[0]
    end = start + n
    heads, kv_heads, dim = shape.heads, shape.kv_heads, shape.head_dim
    group = heads // kv_heads
    q_size, kv_size = heads * dim, kv_heads * dim
    half = dim // 2
    h = torch.rms_norm(x, (x.shape[-1],), layer.input_norm, shape.eps)
    qkv = h @ layer.qkv.T
    # Queries and keys get the rotary embedding together (n, heads + kv_heads, dim).
    qk = qkv[:, : q_size + kv_size].view(n, heads + kv_heads, dim)
    rotated = torch.cat((-qk[..., half:], qk[..., :half]), dim=-1)
    qk = qk * cos + rotated * sin
    keys[:, start:end].copy_(qk[:, heads:].transpose(0, 1))
    values[:, start:end].copy_(qkv[:, q_size + kv_size :].view(n, kv_heads, dim).transpose(0, 1))
    # Queries grouped by the key-value head they share: (kv_heads, group * n, dim).
    q = qk[:, :heads].transpose(0, 1).reshape(kv_heads, group * n, dim)
    scores = (q @ keys[:, :end].transpose(1, 2)) * dim**-0.5
    if mask is not None:
        scores = (scores.view(kv_heads, group, n, end) + mask).view(kv_heads, group * n, end)
    attended = torch.softmax(scores, dim=-1) @ values[:, :end]  # (kv_heads, group * n, dim)
    x = x + attended.view(heads, n, dim).transpose(0, 1).reshape(n, q_size) @ layer.out.T
    h = torch.rms_norm(x, (x.shape[-1],), layer.post_norm, shape.eps)
    gate, up = (h @ layer.gate_up.T).chunk(2, dim=-1)
    return x + (torch.nn.functional.silu(gate) * up) @ layer.down.T


def _fuse(layer: Any) -> FusedLayer:
    """One decoder layer's weights, its q/k/v and gate/up projections fused; the layer's own
    weights are made views of the fused matrices (no second copy)."""
    import torch

    attention, mlp = layer.self_attn, layer.mlp
    projections = _attention_projections(layer)
    qkv = torch.cat([p.weight.detach() for p in projections])
    _share(projections, qkv)
    gate_up = torch.cat([p.weight.detach() for p in _mlp_projections(layer)])
    _share(_mlp_projections(layer), gate_up)
    return FusedLayer(
        input_norm=layer.input_layernorm.weight.detach(),
        qkv=qkv,
        out=attention.o_proj.weight.detach(),
        post_norm=layer.post_attention_layernorm.weight.detach(),
        gate_up=gate_up,
        down=mlp.down_proj.weight.detach(),
    )


def _attention_projections(layer: Any) -> tuple[Any, Any, Any]:
    return layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj


def _mlp_projections(layer: Any) -> tuple[Any, Any]:
    return layer.mlp.gate_proj, layer.mlp.up_proj


def _share(linears: Sequence[Any], fused: torch.Tensor) -> None:
    row = 0
    for linear in linears:
        rows = int(linear.weight.shape[0])
        linear.weight.data = fused[row : row + rows]
        row += rows

"""A ScalePlan trainer in PyTorch that uses only the trainer contract (docs/trainer-contract.md).

It reads the run (N, D, shape, sequence length, corpus, seed) from SCALEPLAN_RUN_FILE, trains a decoder-only
transformer of the planned shape on exactly D tokens of a byte-level corpus with a cosine schedule, and reports
progress and the final held-out loss (nats per token): POSTed to SCALEPLAN_REPORT_URL with SCALEPLAN_RUN_TOKEN when
they are set, and always printed as JSON lines.

Not run in ScalePlan's tests (no torch there); see README.md for how to build and use it.
"""

import json
import math
import os
import sys
import time
import urllib.request

import torch
import torch.nn as nn
import torch.nn.functional as F


def report(payload: dict) -> None:
    line = json.dumps(payload)
    print(line, flush=True)
    url, token = os.environ.get("SCALEPLAN_REPORT_URL"), os.environ.get("SCALEPLAN_RUN_TOKEN")
    if not url or not token:
        return
    request = urllib.request.Request(
        url, data=line.encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except Exception as error:  # the printed line is the fallback
        print(f"report POST failed: {error}", file=sys.stderr, flush=True)


def load_corpus(path: str) -> torch.Tensor:
    """Bytes of a file, or of every file under a directory (byte-level tokens, vocabulary 256)."""
    if os.path.isdir(path):
        files = sorted(os.path.join(root, name) for root, _, names in os.walk(path) for name in names)
    else:
        files = [path]
    data = b"".join(open(f, "rb").read() for f in files)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).long()


class Block(nn.Module):
    def __init__(self, d: int, heads: int, ff: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    def __init__(self, shape: dict):
        super().__init__()
        d, t = shape["modelDim"], shape["sequenceLength"]
        self.embed = nn.Embedding(shape["vocabSize"], d)
        self.position = nn.Embedding(t, d)
        self.blocks = nn.ModuleList(Block(d, shape["heads"], shape["ffDim"]) for _ in range(shape["layers"]))
        self.ln = nn.LayerNorm(d)
        self.register_buffer("mask", torch.triu(torch.full((t, t), float("-inf")), diagonal=1))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens) + self.position.weight[: tokens.shape[1]]
        for block in self.blocks:
            x = block(x, self.mask[: tokens.shape[1], : tokens.shape[1]])
        return self.ln(x) @ self.embed.weight.T  # tied embeddings


def main() -> int:
    run = json.load(open(os.environ["SCALEPLAN_RUN_FILE"]))
    shape, seq, tokens_total = run["shape"], run["sequenceLength"], run["tokens"]
    torch.manual_seed(run["seed"])
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = load_corpus(run["corpus"])
    split = int(len(data) * 0.95)
    train, held_out = data[:split], data[split:]

    model = Transformer(shape).to(device)
    params = sum(p.numel() for p in model.parameters())
    non_embedding = params - model.embed.weight.numel() - model.position.weight.numel()
    batch = max(1, 2**16 // seq)  # ~64k tokens per step
    steps = max(1, tokens_total // (batch * seq))
    peak_lr = 0.003 * min(1.0, (1e8 / max(non_embedding, 1)) ** 0.25)
    optimiser = torch.optim.AdamW(model.parameters(), lr=peak_lr, betas=(0.9, 0.95), weight_decay=0.1)
    warmup = max(1, steps // 50)
    schedule = lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps)))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, schedule)

    def batch_of(source: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(0, len(source) - seq - 1, (n,))
        window = torch.stack([source[s : s + seq + 1] for s in starts]).to(device)
        return window[:, :-1], window[:, 1:]

    @torch.no_grad()
    def evaluate(sequences: int = 256) -> float:
        model.eval()
        x, y = batch_of(held_out, sequences)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item()
        model.train()
        return loss

    started = time.time()
    for step in range(1, steps + 1):
        x, y = batch_of(train, batch)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        if not math.isfinite(loss.item()):
            report({"scaleplan": "result", "status": "diverged", "divergedAtStep": step, "divergenceReason": "non-finite loss"})
            return 0
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        scheduler.step()
        if step % max(1, steps // 50) == 0 or step == steps:
            report({"scaleplan": "progress", "step": step, "totalSteps": steps, "tokens": step * batch * seq, "trainLoss": loss.item()})

    trained = steps * batch * seq
    report({
        "scaleplan": "result",
        "finalLoss": evaluate(),
        "params": non_embedding,
        "paramsTotal": params,
        "tokens": trained,
        "backend": f"pytorch-{torch.__version__}/{device}",
        "repetitionFactor": trained / len(train),
    })
    print(f"trained {trained} tokens in {time.time() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

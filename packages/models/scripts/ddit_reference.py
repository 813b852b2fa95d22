#!/usr/bin/env python3
"""Independent PyTorch reference for the DDiT network of the MDLM checkpoints.

The TypeScript loader / forward pass in packages/models is checked against the numbers this script
produces. It is written from a plain description of kuleshov-group/mdlm `models/dit.py` (the network
behind the hub checkpoint kuleshov-group/mdlm-owt): no flash_attn, no einops, no transformers, no
safetensors package. Everything runs in float32 (the upstream model runs its blocks under a CUDA
bf16 autocast; on CPU that autocast is a no-op, and float32 is what a numerical oracle wants).

The module tree's state_dict names are exactly the hub's (`backbone.` prefix):

  backbone.vocab_embed.embedding                 [V+1, d]
  backbone.sigma_map.mlp.{0,2}.{weight,bias}     [cond, 256] [cond] [cond, cond] [cond]
  backbone.blocks.{i}.norm1.weight               [d]
  backbone.blocks.{i}.attn_qkv.weight            [3d, d]   (no bias)
  backbone.blocks.{i}.attn_out.weight            [d, d]    (no bias)
  backbone.blocks.{i}.norm2.weight               [d]
  backbone.blocks.{i}.mlp.0.{weight,bias}        [4d, d] [4d]
  backbone.blocks.{i}.mlp.2.{weight,bias}        [d, 4d] [d]
  backbone.blocks.{i}.adaLN_modulation.{weight,bias}  [6d, cond] [6d]
  backbone.output_layer.norm_final.weight        [d]
  backbone.output_layer.linear.{weight,bias}     [V+1, d] [V+1]
  backbone.output_layer.adaLN_modulation.{weight,bias}  [2d, cond] [2d]

Upstream also registers the rotary table `backbone.rotary_emb.inv_freq` [hd/2] as a (persistent)
buffer, so a hub file may carry it. Here the table is recomputed and kept out of the state_dict; when
a file does carry it, `load_hub` checks it against the recomputed one and drops it before the strict
load (and reports that it did).

Subcommands (always run with Debian's torch):

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
      packages/models/scripts/ddit_reference.py fixture packages/models/fixtures
  ... ddit_reference.py logprobs <hub-folder> <tokens.json> <out.json>
  ... ddit_reference.py bench [--threads 2] [--rounds 2] [--autocast none|bf16] [--batch 1 8] [--length 1024]
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIGMA_EMBED_DIM = 256  # width of the sinusoidal sigma embedding (MDLM's frequency_embedding_size)
ROPE_BASE = 10000.0
LN_EPS = 1e-5
NOISE_EPS = 1e-3  # MDLM log-linear schedule: sigma(t) = -log1p(-(1 - eps) t)
INV_FREQ_NAME = "backbone.rotary_emb.inv_freq"

SCRIPT_PATH = "packages/models/scripts/ddit_reference.py"
ENV_PREFIX = "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3"


# --------------------------------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------------------------------


def loglinear_sigma(t):
    """MDLM's log-linear total noise sigma(t) = -log(1 - (1 - eps) t), float32 tensor in, out."""
    t = torch.as_tensor(t, dtype=torch.float64)
    return (-torch.log1p(-(1.0 - NOISE_EPS) * t)).to(torch.float32)


def sigma_embedding(sigma, dim=SIGMA_EMBED_DIM, max_period=10000.0):
    """[B] -> [B, dim]: cat(cos(sigma * f_j), sin(sigma * f_j)), f_j = exp(-ln(max_period) j / half)."""
    half = dim // 2
    j = torch.arange(half, dtype=torch.float32)
    freqs = torch.exp(-math.log(max_period) * j / half)
    args = sigma.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def rope_inv_freq(head_dim):
    """inv_freq_j = 1 / base^(2j / hd), j = 0..hd/2-1, in float32 (as upstream computes it)."""
    exps = torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim
    return 1.0 / (ROPE_BASE ** exps)


def rope_cos_sin(seq_len, head_dim):
    """cos, sin of angle[n, j] = n * inv_freq_j: each [seq_len, hd/2], float32."""
    pos = torch.arange(seq_len, dtype=torch.float32)
    angle = pos[:, None] * rope_inv_freq(head_dim)[None, :]
    return torch.cos(angle), torch.sin(angle)


def apply_rope(u, cos, sin):
    """Rotate-half (non-interleaved) RoPE. u [B, L, H, hd]; cos, sin [L, hd/2]."""
    half = u.shape[-1] // 2
    u1, u2 = u[..., :half], u[..., half:]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    return torch.cat([u1 * c - u2 * s, u2 * c + u1 * s], dim=-1)


class WeightedLayerNorm(nn.Module):
    """F.layer_norm without affine, then times a learned weight (MDLM's LayerNorm: weight, no bias)."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        y = F.layer_norm(x.float(), [self.dim], eps=LN_EPS)
        return y * self.weight


class VocabEmbedding(nn.Module):
    def __init__(self, vocab_plus_mask, dim):
        super().__init__()
        self.embedding = nn.Parameter(torch.zeros(vocab_plus_mask, dim))

    def forward(self, indices):
        return self.embedding[indices]


class SigmaMap(nn.Module):
    """sigma [B] -> mlp.2(silu(mlp.0(sinusoidal(sigma)))) [B, cond]."""

    def __init__(self, cond_dim):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(SIGMA_EMBED_DIM, cond_dim, bias=True),
            nn.SiLU(),
            nn.Linear(cond_dim, cond_dim, bias=True),
        )

    def forward(self, sigma):
        return self.mlp(sigma_embedding(sigma))


class DDiTBlock(nn.Module):
    def __init__(self, dim, n_heads, cond_dim, mlp_ratio=4):
        super().__init__()
        self.dim = dim
        self.n_heads = n_heads
        self.head_dim = dim // n_heads
        self.norm1 = WeightedLayerNorm(dim)
        self.attn_qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.attn_out = nn.Linear(dim, dim, bias=False)
        self.norm2 = WeightedLayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, mlp_ratio * dim, bias=True),
            nn.GELU(approximate="tanh"),
            nn.Linear(mlp_ratio * dim, dim, bias=True),
        )
        self.adaLN_modulation = nn.Linear(cond_dim, 6 * dim, bias=True)

    def attention(self, h, cos, sin):
        b, n, _ = h.shape
        qkv = self.attn_qkv(h).view(b, n, 3, self.n_heads, self.head_dim)
        q = apply_rope(qkv[:, :, 0], cos, sin)  # [B, L, H, hd]
        k = apply_rope(qkv[:, :, 1], cos, sin)
        v = qkv[:, :, 2]
        q, k, v = (z.permute(0, 2, 1, 3) for z in (q, k, v))  # [B, H, L, hd]
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = torch.softmax(scores, dim=-1)  # bidirectional: no mask
        o = torch.matmul(probs, v)  # [B, H, L, hd]
        return o.permute(0, 2, 1, 3).reshape(b, n, self.dim)  # head-major columns

    def forward(self, x, c, cos, sin):
        mods = self.adaLN_modulation(c)[:, None, :]  # [B, 1, 6d]
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = mods.chunk(6, dim=-1)
        h = self.norm1(x) * (1 + scale_msa) + shift_msa
        x = x + gate_msa * self.attn_out(self.attention(h, cos, sin))
        h = self.norm2(x) * (1 + scale_mlp) + shift_mlp
        x = x + gate_mlp * self.mlp(h)
        return x


class OutputLayer(nn.Module):
    def __init__(self, dim, vocab_plus_mask, cond_dim):
        super().__init__()
        self.norm_final = WeightedLayerNorm(dim)
        self.linear = nn.Linear(dim, vocab_plus_mask, bias=True)
        self.adaLN_modulation = nn.Linear(cond_dim, 2 * dim, bias=True)

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c)[:, None, :].chunk(2, dim=-1)
        return self.linear(self.norm_final(x) * (1 + scale) + shift)


class Backbone(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, heads, cond, vocab = cfg["hidden_dim"], cfg["n_heads"], cfg["cond_dim"], cfg["vocab_size"]
        if d % heads or (d // heads) % 2:
            raise ValueError(f"hidden_dim {d} / n_heads {heads} must give an even head dim")
        self.head_dim = d // heads
        self.vocab_embed = VocabEmbedding(vocab, d)
        self.sigma_map = SigmaMap(cond)
        self.blocks = nn.ModuleList(DDiTBlock(d, heads, cond) for _ in range(cfg["n_blocks"]))
        self.output_layer = OutputLayer(d, vocab, cond)

    def forward(self, indices, sigma):
        x = self.vocab_embed(indices)
        c = F.silu(self.sigma_map(sigma))
        cos, sin = rope_cos_sin(indices.shape[1], self.head_dim)
        for block in self.blocks:
            x = block(x, c, cos, sin)
        return self.output_layer(x, c)


class MDLM(nn.Module):
    """Holds `backbone` so state_dict names carry the hub's `backbone.` prefix."""

    def __init__(self, cfg):
        super().__init__()
        self.config = dict(cfg)
        self.backbone = Backbone(cfg)

    @property
    def mask_id(self):
        return self.config["vocab_size"] - 1

    def forward(self, indices, sigma):
        """indices [B, L] int64 (0..V, V = mask), sigma [B] float32 -> logits [B, L, V+1] float32."""
        return self.backbone(indices, sigma)

    def logprobs(self, indices, sigma):
        """log_softmax over the V real values (mask column dropped): MDLM's SUBS output at masked positions."""
        logits = self.forward(indices, sigma)
        return torch.log_softmax(logits[..., : self.mask_id].float(), dim=-1)

    def sigma_for(self, t):
        """The sigma the network is given at times t: loglinear sigma(t), or 0 without time conditioning."""
        t = torch.as_tensor(t, dtype=torch.float32)
        if not self.config.get("time_conditioning", False):
            return torch.zeros_like(t)
        return loglinear_sigma(t)


# --------------------------------------------------------------------------------------------------
# safetensors (written and read by hand) and hub folders
# --------------------------------------------------------------------------------------------------

DTYPE_CODES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}
ITEM_SIZE = {"F32": 4, "F16": 2, "BF16": 2}


def tensor_bytes(t, code):
    t = t.detach().contiguous().cpu()
    if code == "F32":
        return t.to(torch.float32).numpy().astype("<f4").tobytes()
    if code == "F16":
        return t.to(torch.float16).numpy().astype("<f2").tobytes()
    if code == "BF16":
        # torch rounds to nearest even; the bit pattern is the upper half of the float32.
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    raise ValueError(f"unsupported dtype {code}")


def write_safetensors(path, tensors, code="F32"):
    """tensors: ordered dict name -> tensor. All stored with one dtype code, contiguous in order."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = tensor_bytes(t, code)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """-> (dict name -> float32 tensor, dict name -> stored dtype code, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", None)
    out, codes = {}, {}
    for name, info in header.items():
        code, shape = info["dtype"], info["shape"]
        begin, end = info["data_offsets"]
        raw = data[base + begin : base + end]
        count = int(np.prod(shape)) if shape else 1
        if code not in ITEM_SIZE:
            raise ValueError(f"{name}: unsupported dtype {code}")
        if len(raw) != count * ITEM_SIZE[code]:
            raise ValueError(f"{name}: {len(raw)} bytes for shape {shape} {code}")
        if code == "F32":
            arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif code == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        else:  # BF16: the upper 16 bits of a float32
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        out[name] = torch.from_numpy(arr.reshape(shape).copy())
        codes[name] = code
    return out, codes, meta


def hub_config(cfg, torch_dtype):
    """config.json in the hub's form (kuleshov-group/mdlm-owt's fields)."""
    return {
        "architectures": ["MDLM"],
        "model_type": "mdlm",
        "vocab_size": cfg["vocab_size"],
        "model_length": cfg["model_length"],
        "hidden_dim": cfg["hidden_dim"],
        "cond_dim": cfg["cond_dim"],
        "n_blocks": cfg["n_blocks"],
        "n_heads": cfg["n_heads"],
        "dropout": cfg.get("dropout", 0.1),
        "time_conditioning": bool(cfg["time_conditioning"]),
        "torch_dtype": torch_dtype,
        "auto_map": {
            "AutoConfig": "configuration_mdlm.MDLMConfig",
            "AutoModelForMaskedLM": "modeling_mdlm.MDLM",
        },
    }


def write_hub(folder, model, torch_dtype="float32", time_conditioning=None):
    """Writes config.json + model.safetensors (all tensors in one dtype, state_dict order)."""
    os.makedirs(folder, exist_ok=True)
    cfg = dict(model.config)
    if time_conditioning is not None:
        cfg["time_conditioning"] = time_conditioning
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hub_config(cfg, torch_dtype), f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(folder, "model.safetensors"), model.state_dict(), DTYPE_CODES[torch_dtype])


def load_hub(folder, verbose=True):
    """Reads a hub folder into an MDLM module (F32/F16/BF16 upcast to float32), load_state_dict(strict=True)."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    for key in ("vocab_size", "hidden_dim", "cond_dim", "n_blocks", "n_heads"):
        if key not in cfg:
            raise ValueError(f"{folder}/config.json lacks {key}")
    cfg.setdefault("model_length", 1024)
    cfg.setdefault("time_conditioning", False)
    model = MDLM(cfg)
    tensors, codes, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
    if INV_FREQ_NAME in tensors:
        stored = tensors.pop(INV_FREQ_NAME)
        want = rope_inv_freq(model.backbone.head_dim)
        if stored.shape != want.shape or not torch.allclose(stored, want, rtol=1e-3, atol=0):
            raise ValueError(f"{INV_FREQ_NAME} in the file does not match 1/10000^(2j/hd)")
        if verbose:
            print(f"note: {INV_FREQ_NAME} present in the file ({codes[INV_FREQ_NAME]}), matches; dropped", file=sys.stderr)
    model.load_state_dict(tensors, strict=True)
    model.eval()
    return model, sorted(set(codes.values()))


# --------------------------------------------------------------------------------------------------
# Random initialisation that makes every path count
# --------------------------------------------------------------------------------------------------


@torch.no_grad()
def init_random(model, out_gain=2.0, sigma_gain=4.0):
    """Embedding N(0,1); Linear weights N(0, 1/fan_in); biases N(0, 0.1^2); norm weights 1 + 0.1 N;
    adaLN weights N(0, (0.5/sqrt(cond))^2), biases N(0, 0.1^2). The output linear is scaled by out_gain
    (peakier distributions) and sigma_map.mlp.0 by sigma_gain (the sinusoidal embedding of sigma < 3
    moves only its first few dozen high-frequency lanes, so a plain 1/fan_in init hides sigma)."""
    bb = model.backbone
    for name, p in model.named_parameters():
        if name.endswith("vocab_embed.embedding"):
            p.normal_(0.0, 1.0)
        elif name.endswith("norm1.weight") or name.endswith("norm2.weight") or name.endswith("norm_final.weight"):
            p.copy_(1.0 + 0.1 * torch.randn_like(p))
        elif "adaLN_modulation" in name:
            cond = model.config["cond_dim"]
            if name.endswith("weight"):
                p.normal_(0.0, 0.5 / math.sqrt(cond))
            else:
                p.normal_(0.0, 0.1)
        elif name.endswith(".weight"):
            p.normal_(0.0, 1.0 / math.sqrt(p.shape[1]))
        elif name.endswith(".bias"):
            p.normal_(0.0, 0.1)
        else:
            raise AssertionError(name)
    bb.output_layer.linear.weight.mul_(out_gain)
    bb.sigma_map.mlp[0].weight.mul_(sigma_gain)


# --------------------------------------------------------------------------------------------------
# Fixture
# --------------------------------------------------------------------------------------------------

TINY = {
    "vocab_size": 51,
    "model_length": 32,
    "hidden_dim": 64,
    "cond_dim": 32,
    "n_blocks": 2,
    "n_heads": 4,
    "dropout": 0.1,
    "time_conditioning": True,
}
FIXTURE_T = [0.05, 0.5, 0.95]
FIXTURE_LEN = 16


def rounded_copy(model, dtype):
    """Same weights rounded to dtype (nearest even) and upcast back to float32."""
    other = MDLM(model.config)
    other.load_state_dict({k: v.to(dtype).to(torch.float32) for k, v in model.state_dict().items()}, strict=True)
    other.eval()
    return other


def fixture_tokens(mask_id, gen):
    rows = []
    for n_mask in (5, 9):
        row = torch.randint(0, mask_id, (FIXTURE_LEN,), generator=gen)
        where = torch.randperm(FIXTURE_LEN, generator=gen)[:n_mask]
        row[where] = mask_id
        rows.append(row)
    rows.append(torch.full((FIXTURE_LEN,), mask_id, dtype=torch.int64))  # fully masked
    return torch.stack(rows)


def to_list8(t):
    """Nested lists of floats with 8 significant digits."""
    arr = t.detach().cpu().double().numpy()
    flat = [float(f"{x:.8g}") for x in arr.reshape(-1)]
    return np.array(flat, dtype=object).reshape(arr.shape).tolist()


def dump_expected(path, doc):
    """JSON with one line per top-level key and per [position] row of the big arrays."""
    parts = []
    for key, value in doc.items():
        if key.startswith("logprobs"):
            rows = []
            for seq in value:
                inner = ",\n    ".join(json.dumps(pos, separators=(",", ":")) for pos in seq)
                rows.append("[\n    " + inner + "\n  ]")
            body = "[\n  " + ",\n  ".join(rows) + "\n]"
        else:
            body = json.dumps(value, separators=(", ", ": "))
        parts.append(f"{json.dumps(key)}: {body}")
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")


def uniformity_stats(lp):
    V = lp.shape[-1]
    p = lp.exp()
    kl = (p * (lp + math.log(V))).sum(-1)  # KL(p || uniform) per position
    return {
        "max_abs_logp_minus_log_uniform": float((lp + math.log(V)).abs().max()),
        "mean_kl_to_uniform_nats": float(kl.mean()),
        "min_kl_to_uniform_nats": float(kl.min()),
        "mean_max_prob": float(p.max(-1).values.mean()),
        "uniform_prob": 1.0 / V,
    }


def cmd_fixture(args):
    out = args.out_dir
    torch.manual_seed(0)
    model = MDLM(TINY)
    init_random(model)
    model.eval()
    V = model.mask_id
    gen = torch.Generator().manual_seed(1234)
    tokens = fixture_tokens(V, gen)
    t = torch.tensor(FIXTURE_T, dtype=torch.float32)
    sigma = loglinear_sigma(t)
    zero = torch.zeros_like(sigma)

    f16 = rounded_copy(model, torch.float16)
    bf16 = rounded_copy(model, torch.bfloat16)
    with torch.no_grad():
        lp = model.logprobs(tokens, sigma)
        lp0 = model.logprobs(tokens, zero)
        lp_bf16_0 = bf16.logprobs(tokens, zero)
        lp_f16 = f16.logprobs(tokens, sigma)
        lp_f16_0 = f16.logprobs(tokens, zero)
        lp_bf16 = bf16.logprobs(tokens, sigma)

    # Sanity: far from uniform, sigma matters, rounding error small.
    stats = {
        "uniformity_f32_sigmas": uniformity_stats(lp),
        "max_abs_diff_sigma_vs_sigma0_per_row": [float((lp[i] - lp0[i]).abs().max()) for i in range(3)],
        "mean_abs_diff_sigma_vs_sigma0_per_row": [float((lp[i] - lp0[i]).abs().mean()) for i in range(3)],
        "max_abs_diff_f32_vs_f16_sigmas": float((lp - lp_f16).abs().max()),
        "max_abs_diff_f32_vs_bf16_sigma0": float((lp0 - lp_bf16_0).abs().max()),
        "max_abs_diff_f32_vs_bf16_sigmas": float((lp - lp_bf16).abs().max()),
        "max_abs_diff_f32_vs_f16_sigma0": float((lp0 - lp_f16_0).abs().max()),
    }
    print(json.dumps(stats, indent=2))

    os.makedirs(out, exist_ok=True)
    dirs = {
        "mdlm-tiny": (model, "float32", True),
        "mdlm-tiny-f16": (model, "float16", True),
        "mdlm-tiny-bf16": (model, "bfloat16", False),
    }
    for name, (m, dt, tc) in dirs.items():
        write_hub(os.path.join(out, name), m, dt, time_conditioning=tc)

    # Round trip: each folder read back through the hub loader reproduces the in-memory numbers.
    checks = {"mdlm-tiny": lp, "mdlm-tiny-f16": lp_f16, "mdlm-tiny-bf16": lp_bf16_0}
    for name, want in checks.items():
        back, codes = load_hub(os.path.join(out, name))
        with torch.no_grad():
            got = back.logprobs(tokens, back.sigma_for(t))
        diff = float((got - want).abs().max())
        print(f"round trip {name} ({','.join(codes)}): max |diff| = {diff:.3g}")
        if diff != 0.0:
            raise AssertionError(f"{name}: reloaded folder differs from the in-memory model by {diff}")

    doc = {
        "about": (
            "DDiT (kuleshov-group/mdlm models/dit.py) reference log-probabilities for the fixture "
            "folders next to this file, computed in float32 by an independent PyTorch implementation. "
            "logprobs[b][n][v] = log_softmax(logits[b, n, :V]) with the mask column V dropped, at every "
            "position (masked or not); MDLM's SUBS output equals it at masked positions. "
            "sigma = -log1p(-(1 - 1e-3) t). logprobs: F32 weights (mdlm-tiny) with sigma; "
            "logprobs_sigma0: F32 weights with sigma 0; logprobs_bf16_sigma0: mdlm-tiny-bf16 weights "
            "(time_conditioning false) upcast, sigma 0; logprobs_f16: mdlm-tiny-f16 weights upcast, with sigma. "
            "Floats rounded to 8 significant digits."
        ),
        "generator": {
            "script": SCRIPT_PATH,
            "command": f"{ENV_PREFIX} {SCRIPT_PATH} fixture packages/models/fixtures",
            "torch": torch.__version__,
            "seed": "torch.manual_seed(0) for the weights; torch.Generator().manual_seed(1234) for the tokens",
            "init": "init_random(out_gain=2.0, sigma_gain=4.0)",
        },
        "config": TINY,
        "mask_id": V,
        "tokens": tokens.tolist(),
        "t": FIXTURE_T,
        "sigma": [float(f"{x:.8g}") for x in sigma.tolist()],
        "sanity": stats,
        "logprobs": to_list8(lp),
        "logprobs_sigma0": to_list8(lp0),
        "logprobs_bf16_sigma0": to_list8(lp_bf16_0),
        "logprobs_f16": to_list8(lp_f16),
    }
    path = os.path.join(out, "mdlm-tiny-expected.json")
    dump_expected(path, doc)
    total = 0
    for root, _, files in os.walk(out):
        for fn in files:
            p = os.path.join(root, fn)
            total += os.path.getsize(p)
            print(f"{os.path.getsize(p):>9}  {p}")
    print(f"{total:>9}  total")


# --------------------------------------------------------------------------------------------------
# logprobs <hub-folder> <tokens.json> <out.json>
# --------------------------------------------------------------------------------------------------


def cmd_logprobs(args):
    model, codes = load_hub(args.folder)
    with open(args.tokens) as f:
        req = json.load(f)
    tokens = torch.tensor(req["tokens"], dtype=torch.int64)
    if tokens.dim() != 2:
        raise ValueError("tokens must be a list of equal-length rows")
    if int(tokens.min()) < 0 or int(tokens.max()) > model.mask_id:
        raise ValueError(f"token ids must lie in 0..{model.mask_id}")
    if "sigma" in req:
        sigma = torch.tensor(req["sigma"], dtype=torch.float32)
        if not model.config["time_conditioning"]:
            sigma = torch.zeros_like(sigma)
    else:
        sigma = model.sigma_for(torch.tensor(req["t"], dtype=torch.float32))
    if sigma.shape != (tokens.shape[0],):
        raise ValueError(f"need one t per row: {tuple(sigma.shape)} vs {tokens.shape[0]} rows")
    with torch.no_grad():
        lp = model.logprobs(tokens, sigma)
    out = {
        "folder": args.folder,
        "stored_dtypes": codes,
        "time_conditioning": bool(model.config["time_conditioning"]),
        "sigma": [float(f"{x:.8g}") for x in sigma.tolist()],
        "logprobs": to_list8(lp),
    }
    with open(args.out, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out}: logprobs {list(lp.shape)}, sigma {out['sigma']}", file=sys.stderr)


# --------------------------------------------------------------------------------------------------
# bench
# --------------------------------------------------------------------------------------------------

OWT = {
    "vocab_size": 50258,
    "model_length": 1024,
    "hidden_dim": 768,
    "cond_dim": 128,
    "n_blocks": 12,
    "n_heads": 12,
    "dropout": 0.1,
    "time_conditioning": False,
}


def cmd_bench(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = MDLM(OWT)
    init_random(model, out_gain=1.0, sigma_gain=1.0)
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    for batch in args.batch:
        idx = torch.randint(0, OWT["vocab_size"], (batch, args.length))
        sigma = torch.zeros(batch)

        def once():
            t0 = time.perf_counter()
            with torch.no_grad():
                if args.autocast == "bf16":
                    with torch.autocast("cpu", dtype=torch.bfloat16):
                        logits = model(idx, sigma)
                else:
                    logits = model(idx, sigma)
            dt = time.perf_counter() - t0
            assert logits.shape == (batch, args.length, OWT["vocab_size"])
            return dt

        once()  # warm-up
        best = min(once() for _ in range(args.rounds))
        print(json.dumps({
            "batch": batch,
            "length": args.length,
            "ms_per_forward": round(best * 1000, 1),
            "tokens_per_sec": round(batch * args.length / best, 1),
            "params": params,
            "autocast": args.autocast,
            "threads": args.threads,
            "torch": torch.__version__,
        }), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("fixture", help="write the small committed fixture")
    p.add_argument("out_dir")
    p.set_defaults(fn=cmd_fixture)
    p = sub.add_parser("logprobs", help="log-probs of a hub folder for {tokens, t}")
    p.add_argument("folder")
    p.add_argument("tokens")
    p.add_argument("out")
    p.set_defaults(fn=cmd_logprobs)
    p = sub.add_parser("bench", help="time a forward pass at mdlm-owt's shape (random weights)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--autocast", choices=["none", "bf16"], default="none")
    p.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    p.add_argument("--length", type=int, default=1024)
    p.set_defaults(fn=cmd_bench)
    args = ap.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()

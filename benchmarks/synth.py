"""A seeded synthetic library for benchmarks: realistic titles, ~1.5 KB abstracts, links.

Shared by every benchmark so their figures describe the same data. Runs repeat:
the same seed gives the same papers.
"""

from __future__ import annotations

import random
from pathlib import Path

from reader.importers import Candidate
from reader.links import extract_links

_METHOD_PARTS = [
    "Former", "Net", "GPT", "BERT", "Diff", "Mamba", "LoRA", "ViT", "CLIP", "NeRF", "GAN", "Flow",
    "MoE", "RL", "Seg", "Det", "Gen", "Code", "Math", "Audio", "Video", "Graph", "Mix", "Sparse",
]
_ADJECTIVES = [
    "Efficient", "Scalable", "Robust", "Unified", "Adaptive", "Hierarchical", "Sparse", "Dense",
    "Multimodal", "Self-Supervised", "Contrastive", "Generative", "Latent", "Neural", "Implicit",
    "Causal", "Linear", "Parallel", "Structured", "Continual", "Federated", "Differentiable",
]
_NOUNS = [
    "Transformers", "Diffusion Models", "Language Models", "Attention", "Representations",
    "Embeddings", "Vision Transformers", "Graph Neural Networks", "State Space Models",
    "Reinforcement Learning", "Retrieval", "Image Generation", "Video Understanding",
    "Speech Recognition", "Code Generation", "Reasoning", "Quantization", "Distillation",
    "Mixture of Experts", "Tokenization", "Compression", "Segmentation", "Object Detection",
    "Point Clouds", "Neural Radiance Fields", "Optimization", "Alignment", "Benchmarks",
]
_TASKS = [
    "Long-Context Modeling", "Low-Resource Languages", "Edge Devices", "Medical Imaging",
    "Autonomous Driving", "Time Series Forecasting", "Text-to-Image Synthesis", "Robotics",
    "Protein Folding", "Question Answering", "Machine Translation", "Recommendation",
    "Anomaly Detection", "3D Reconstruction", "Program Synthesis", "Mathematical Reasoning",
]
_TEMPLATES = [
    "{method}: {adj} {noun} for {task}",
    "{method}: {adj} {noun} via {adj2} {noun2}",
    "{method}: Rethinking {noun} for {task}",
    "{method}: Towards {adj} {noun}",
    "On the {adj2} Nature of {noun} in {method}",
    "Scaling {noun} with {adj} {noun2} ({method})",
    "{method}: {noun} Are {adj} {task} Learners",
    "{method}: {adj} and {adj2} {noun} at Scale",
]
_WORDS = (
    "we propose a novel method that improves performance on standard benchmarks while reducing "
    "computational cost our approach leverages attention mechanisms and learned representations to "
    "capture long range dependencies experiments demonstrate state of the art results across tasks "
    "including classification detection segmentation generation and reasoning we further analyse "
    "scaling behaviour training dynamics and robustness to distribution shift the model is trained "
    "end to end with a simple objective and requires no additional supervision code and models are "
    "released to facilitate future research in this direction ablation studies confirm the "
    "contribution of each component and the method generalises to unseen domains data efficiency "
    "memory footprint latency throughput quantization pruning distillation tokenizer encoder decoder "
    "diffusion transformer convolution recurrent graph retrieval augmented multimodal contrastive"
).split()


_SYLLABLES = "ka lo mi ra ve to zu na pe xi qua den sor lin vex tor mar bel cor fin gal hy jun kri".split()


def _title(rng: random.Random) -> str:
    name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    method = name + rng.choice(_METHOD_PARTS) + (str(rng.randint(1, 9)) if rng.random() < 0.3 else "")
    template = rng.choice(_TEMPLATES)
    title = template.format(
        method=method,
        adj=rng.choice(_ADJECTIVES),
        adj2=rng.choice(_ADJECTIVES),
        noun=rng.choice(_NOUNS),
        noun2=rng.choice(_NOUNS),
        task=rng.choice(_TASKS),
    )
    return title


def _sentence_pool(rng: random.Random, size: int = 20000) -> list[str]:
    """Sentences over a vocabulary of ~2,000 words (common words plus made-up technical terms)."""
    terms = {"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(1800)}
    vocabulary = _WORDS * 4 + sorted(terms) + [n.lower() for n in _NOUNS]
    pool = []
    for _ in range(size):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(12, 24))]
        pool.append(" ".join(words).capitalize() + ".")
    return pool


def _abstract(rng: random.Random, pool: list[str], target: int = 1500) -> str:
    sentences = []
    length = 0
    while length < target:
        sentence = rng.choice(pool)
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)


def make_candidates(count: int, seed: int = 1234, source: str = "synthetic") -> list[Candidate]:
    rng = random.Random(seed)
    pool = _sentence_pool(rng)
    candidates = []
    seen: set[str] = set()
    for index in range(count):
        title = _title(rng)
        while title in seen:  # distinct papers, as in a real library
            title = _title(rng)
        seen.add(title)
        abstract = _abstract(rng, pool)
        roll = rng.random()
        if roll < 0.4:
            owner = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))
            abstract += f" Code is available at https://github.com/{owner}/{title.split(':')[0].split()[0]}."
        elif roll < 0.55:
            abstract += f" Project page: https://lab{index % 997}.github.io/project{index}."
        candidates.append(
            Candidate(
                title=title,
                abstract=abstract,
                source=f"{source}-{index // 1000:03d}",
                line=index,
                links=tuple(extract_links(abstract)),
            )
        )
    return candidates


def write_page_dumps(directory: Path, count: int, per_page: int = 1000, seed: int = 1234) -> list[Path]:
    """The same papers as page dumps (blank-line layout with page chrome), ``per_page`` per file."""
    directory.mkdir(parents=True, exist_ok=True)
    candidates = make_candidates(count, seed)
    paths = []
    for start in range(0, count, per_page):
        path = directory / f"page-{start // per_page:04d}.txt"
        chunks = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
                  "byAK and the research community", "Mar 11"]
        for cand in candidates[start:start + per_page]:
            chunks.append(cand.title)
            chunks.append(cand.abstract)
        path.write_text("\n\n".join(chunks) + "\n", encoding="utf-8")
        paths.append(path)
    return paths

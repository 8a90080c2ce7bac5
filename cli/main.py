"""Dispatch ``python main.py <verb> …``: the verb is read first and only its module is imported."""

from __future__ import annotations

import sys
from typing import Sequence

from cli import tasks, train
from cli.terminal import EXIT_OK, EXIT_USAGE, error
from engine import registry

BUILTIN = {
    "train": ("train a model headless (train MODEL --help for its flags)", train.train),
    "resume": ("continue a run from its last checkpoint", train.resume),
    "runs": ("list runs with status and final metrics", train.runs),
    "sample": ("draw samples from a trained generative run", train.sample),
}


def usage() -> str:
    rows = [(name, text) for name, (text, _) in BUILTIN.items()]
    rows += [(e.name, e.help) for e in registry.entries("task")]
    width = max(len(name) for name, _ in rows) + 2
    verbs = "\n".join(f"  {name:{width}s}{text}" for name, text in rows)
    return ("usage: main.py [VERB [flags]]\n\nKexue Workbench. With no verb, opens the GUI.\n\n"
            f"verbs:\n{verbs}\n\nmain.py VERB --help lists a verb's flags.")


def main(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return EXIT_OK if argv else EXIT_USAGE
    verb, rest = argv[0], list(argv[1:])
    if verb in BUILTIN:
        return BUILTIN[verb][1](rest)
    try:
        entry = registry.entry(verb, "task") if verb in {e.name for e in registry.entries("task")} \
            else registry.entry(verb)
    except KeyError:
        error(f"no verb '{verb}'")
        print(usage(), file=sys.stderr)
        return EXIT_USAGE
    if entry.kind == "train":  # an older name of ``train <model>`` (spectra-train)
        return train.train([entry.name, *rest], prog="main.py train")
    return tasks.run(entry.load(), rest, prog=f"main.py {verb}")

#!/usr/bin/env python3
"""Checks that the crate's modules import only down the layers of docs/design.md.

Every `crate::<module>` the code of a file of src/ names (in a `use` or a path) must be of a
layer below the file's own, or the same module. Prints each import that runs up or sideways
between layers that must not know each other, and exits 1 if there is any; with --graph, also
prints the module graph, one line per module with what it imports.

    python3 scripts/check_layers.py [--graph]
"""
import pathlib
import re
import sys

# From the ground up (docs/design.md). A module may import any module on an earlier line;
# modules on one line are independent of each other and may not import each other.
LAYERS = [
    ["units", "dates"],
    ["error"],
    ["columns"],
    ["shapes", "crs"],
    ["source_text"],
    ["parcel"],
    ["index"],
    ["topology"],
    ["rules", "metrics"],
    ["land"],
    ["outcome", "labels"],
    ["adjust", "quota", "rollup"],
    ["grade"],
    ["config"],
    ["read"],
    ["years"],
    ["pushed", "areas", "parks", "join"],
    ["results", "classify"],
    ["history", "schema", "suspect"],
    ["write"],
    ["audit"],
    ["lib"],
]

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"


def module_of(path: pathlib.Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0][:-3] if len(rel) == 1 else rel[0]


def main() -> int:
    rank = {m: i for i, layer in enumerate(LAYERS) for m in layer}
    imports: dict[str, set[str]] = {}
    bad = []
    for path in sorted(SRC.rglob("*.rs")):
        me = module_of(path)
        if me not in rank:
            bad.append(f"{path.relative_to(SRC.parent)}: module {me} is in no layer of LAYERS")
            continue
        # Code only: a doc link to a higher room is a pointer for the reader, not a dependency.
        text = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("//")
        )
        # `crate::x::` and `crate::{x::...}` forms; a bare `crate::Name` is the crate root.
        named = set(re.findall(r"crate::([a-z_][a-z0-9_]*)\b", text))
        for block in re.findall(r"crate::\{([^}]*)\}", text):
            named |= set(re.findall(r"(?:^|[,{\s])([a-z_][a-z0-9_]*)::", block))
        if re.search(r"crate::[A-Z]", text) and me != "lib":
            named.add("lib")
        named.discard(me)
        named = {m for m in named if m in rank or m == "lib"}
        imports.setdefault(me, set()).update(named)
        for other in sorted(named):
            if rank[other] >= rank[me]:
                where = "up" if rank[other] > rank[me] else "sideways"
                bad.append(f"{path.relative_to(SRC.parent)}: {me} imports {other} ({where})")
    if "--graph" in sys.argv:
        for layer in LAYERS:
            for m in layer:
                print(f"{m:12} -> {', '.join(sorted(imports.get(m, ())))}")
    for line in bad:
        print(line)
    if bad:
        return 1
    print(f"ok: {len(imports)} modules, every import runs down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())

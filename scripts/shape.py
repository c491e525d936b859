#!/usr/bin/env python3
"""The shape of the code, as issue 19 measures it: functions over 100 lines,
import circles between modules of src, `Result<_, String>` in src/net, and
lines of production code (src, without blank lines, comments or tests).

    python3 scripts/shape.py            # summary
    python3 scripts/shape.py --long     # every function over 100 lines
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def modules():
    """Map each module path ("net::host::handler") to its file."""
    out = {}
    for d, _, files in os.walk(ROOT):
        for f in files:
            if not f.endswith(".rs"):
                continue
            p = os.path.join(d, f)
            rel = os.path.relpath(p, ROOT)[:-3].split(os.sep)
            if rel[0] == "bin":
                out["bin::" + "::".join(rel[1:])] = p
                continue
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            out["::".join(rel)] = p
    return out


def strip_tests(src):
    """Cut `#[cfg(test)] mod tests { ... }` blocks."""
    out = []
    i = 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s+\w+\s*\{", src):
        if m.start() < i:
            continue
        out.append(src[i : m.start()])
        depth, j = 0, m.end() - 1
        while j < len(src):
            if src[j] == "{":
                depth += 1
            elif src[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
    out.append(src[i:])
    return "".join(out)


def blank_strings(src):
    """Replace string, char literals and comments by spaces (keep newlines)."""
    res = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            res.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i)
            j = n if j < 0 else j + 2
            res.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'r(#*)"', src[i:])
            end = '"' + m.group(1)
            j = src.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            res.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            res.append(re.sub(r"[^\n]", " ", src[i : j + 1]))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", src[i:]):
            m = re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x[0-9a-fA-F]{2}'", src[i:])
            res.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            res.append(c)
            i += 1
    return "".join(res)


def long_functions(path, limit=100):
    src = blank_strings(strip_tests(open(path).read()))
    found = []
    for m in re.finditer(r"\bfn\s+(\w+)", src):
        # find the body's opening brace (skip `;` for trait declarations)
        j = m.end()
        depth_paren = 0
        while j < len(src):
            ch = src[j]
            if ch in "(<[":
                depth_paren += 1
            elif ch in ")>]":
                depth_paren -= 1
            elif ch == ";" and depth_paren <= 0:
                j = -1
                break
            elif ch == "{" and depth_paren <= 0:
                break
            j += 1
        if j < 0 or j >= len(src):
            continue
        depth, k = 0, j
        while k < len(src):
            if src[k] == "{":
                depth += 1
            elif src[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        lines = src[m.start() : k + 1].count("\n") + 1
        if lines > limit:
            found.append((m.group(1), lines))
    return found


def deps(mods):
    graph = {}
    names = set(mods)
    for mod, path in mods.items():
        if mod.startswith("bin::") or mod == "":
            continue
        src = blank_strings(strip_tests(open(path).read()))
        out = set()
        parts = mod.split("::")
        refs = re.findall(r"\bcrate((?:::\w+)+)", src)
        for r in refs:
            segs = r.strip(":").split("::")
            out.add(resolve(segs, names))
        for m in re.finditer(r"\b((?:super::)+)((?:\w+::)*\w+)", src):
            ups = m.group(1).count("super")
            is_dir = os.path.basename(path) == "mod.rs"
            base = parts[: len(parts) - ups]
            segs = base + m.group(2).split("::")
            out.add(resolve(segs, names))
        # use self::x / plain child modules are children, not deps
        out.discard(None)
        out.discard(mod)
        out = {o for o in out if not mod.startswith(o + "::") and o != ""}
        graph[mod] = out
    return graph


def resolve(segs, names):
    for k in range(len(segs), 0, -1):
        cand = "::".join(segs[:k])
        if cand in names:
            return cand
    return None


def circles(graph):
    """Strongly connected components with more than one module."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    mods = modules()
    long = []
    loc = 0
    string_results = []
    for mod, path in sorted(mods.items()):
        for name, n in long_functions(path):
            long.append((n, f"{mod}::{name}"))
        body = strip_tests(open(path).read())
        for line in body.splitlines():
            s = line.strip()
            if s and not s.startswith("//"):
                loc += 1
        if mod.startswith("net"):
            for m in re.finditer(r"Result<[^;{]*?,\s*String>", blank_strings(body)):
                string_results.append(mod)
    # Modules nested in a parent (a::b) depend on the parent implicitly;
    # report circles between modules at their own level.
    graph = deps(mods)
    circ = circles(graph)
    long.sort(reverse=True)
    print(f"functions over 100 lines: {len(long)}"
          f" ({sum(1 for _, f in long if not f.startswith('bin::'))} outside src/bin)")
    if "--long" in sys.argv or len(long) <= 20:
        for n, f in long:
            print(f"  {n:4} {f}")
    print(f"import circles in src: {len(circ)}")
    for c in circ:
        print("  " + " <-> ".join(c))
    print(f"Result<_, String> in src/net: {len(string_results)}")
    print(f"production lines in src (no blanks, comments, tests): {loc}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Fails when modules of a crate import each other in a circle.

Usage: .ci/module-cycles.py CRATE_SRC_DIR... (e.g. core/src). Reads every .rs file, follows
crate::, $crate::, super:: and self:: paths (use groups included) and bare paths to child
modules, and looks for cycles. Test code (from a top-level `#[cfg(test)]` on) and arrows between
a module and its own ancestors or descendants (a parent re-exporting its children, a child using
its parent's items) do not count; doc comments do not count.
"""
import os, re, sys


def crate_cycles(root):
    mods = {}
    for dp, _, fs in os.walk(root):
        for f in fs:
            if not f.endswith('.rs'): continue
            p = os.path.join(dp, f); rel = os.path.relpath(p, root)[:-3].split(os.sep)
            if rel[-1] in ('lib', 'main'): rel = rel[:-1]
            elif rel[-1] == 'mod': rel = rel[:-1]
            mods[tuple(rel)] = p
    def resolve(parts):
        best = ()
        for i in range(len(parts) + 1):
            if tuple(parts[:i]) in mods: best = tuple(parts[:i])
        return best
    def expand(prefix, body):
        # body: text after 'prefix::' possibly with {..}
        out = []
        m = re.match(r'\s*\{', body)
        if m:
            depth, i = 0, m.end() - 1
            for j in range(i, len(body)):
                depth += body[j] == '{'; depth -= body[j] == '}'
                if depth == 0: break
            inner = body[i + 1:j]
            for item in split_top(inner):
                item = item.strip()
                if not item: continue
                if '::' in item:
                    head, rest = item.split('::', 1)
                    out += expand(prefix + [head], rest)
                else:
                    out.append(prefix + [item])
        else:
            m = re.match(r'\s*([A-Za-z_][A-Za-z0-9_]*)((::[A-Za-z_][A-Za-z0-9_]*)*)(::\{)?', body)
            if m:
                segs = [m.group(1)] + [s for s in m.group(2).split('::') if s]
                if m.group(4):
                    out += expand(prefix + segs, body[m.end() - 1:])
                else:
                    out.append(prefix + segs)
        return out
    def split_top(s):
        parts, depth, cur = [], 0, ''
        for c in s:
            if c == '{': depth += 1
            if c == '}': depth -= 1
            if c == ',' and depth == 0: parts.append(cur); cur = ''
            else: cur += c
        parts.append(cur); return parts
    edges = {m: set() for m in mods}
    doclinks = set()
    for m, p in mods.items():
        text = open(p).read()
        cut = text.find('\n#[cfg(test)]')
        if cut >= 0: text = text[:cut]
        for line in text.splitlines():
            s = line.strip()
            is_doc = s.startswith('//')
            indented = line[:1].isspace()
            for mt in re.finditer(r'(\$?crate|super|self)::', line):
                kw = mt.group(1); body = line[mt.end():]
                # multi-line use groups: join following text
                if body.strip().startswith('{') and '}' not in body:
                    idx = text.find(line); body = text[idx + len(line) - len(body):]
                base = {'crate': [], '$crate': [], 'super': list(m[:-1]), 'self': list(m)}[kw]
                if kw in ('super', 'self') and indented and not is_doc:
                    continue  # inline test modules: `super` is the file's own module
                for path in expand(base, body):
                    t = resolve(path)
                    if t != m:
                        (doclinks if is_doc else edges[m]).add((m, t)) if is_doc else edges[m].add(t)
            # bare relative paths to child modules (`web::Cors` in server/mod.rs)
            for c in [k for k in mods if len(k) == len(m) + 1 and k[:len(m)] == m]:
                for mt in re.finditer(r'(?<![A-Za-z0-9_:$])' + c[-1] + r'::', line):
                    if re.match(r'\s*(pub\s+)?mod\s', s): continue
                    if is_doc: doclinks.add((m, c))
                    else: edges[m].add(c)
    def related(a, b):
        return a[:len(b)] == b or b[:len(a)] == a
    for m in edges:
        edges[m] = {t for t in edges[m] if not related(m, t)}
    name = lambda t: '::'.join(t) or 'crate(lib)'
    # cycles: Tarjan SCC
    idx, low, st, on, sccs, n = {}, {}, [], set(), [], [0]
    def sc(v):
        idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
        for w in edges[v]:
            if w not in idx: sc(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            c = []
            while True:
                w = st.pop(); on.discard(w); c.append(w)
                if w == v: break
            if len(c) > 1: sccs.append(c)
    for v in edges:
        if v not in idx: sc(v)
    return [sorted(name(x) for x in c) for c in sccs]


status = 0
for root in sys.argv[1:]:
    for cycle in crate_cycles(root):
        print(f"{root}: modules import each other in a circle: {' -> '.join(cycle)}", file=sys.stderr)
        status = 1
sys.exit(status)

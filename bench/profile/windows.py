#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instructions per RPC of each window that fwctl-bench insns ran.

    windows.py MARKS OUTPUT [LABEL]

MARKS is what the tbcount plugin wrote (marks=PATH: one line per marker,
the guest's totals since boot), OUTPUT what the guest printed: one line
"@window,CONFIG,FIGURE,RPCS" per window, whose two markers come in the
same order in MARKS. Prints fwctl-bench raw lines for fwctl-bench report:
"@bench,CONFIG,FIGURE,insn,VALUE,1", the median over a workload's
windows, for FIGURE (everything the guest ran, per RPC; FIGURE_spread,
how far its windows were apart) and, for 16-byte
RPCs from one client, the classes apart: plain16 (without rep
iterations), rep16, lock16, serial16, icall16, ijmp16. Exits 1 when the
marks and the windows do not pair.
"""
import collections
import statistics
import sys

CLASSES = ('lock', 'rep', 'serial', 'icall', 'ijmp')


def read_marks(path):
    marks = []
    with open(path) as f:
        for line in f:
            if line.startswith('mark '):
                v = [int(x) for x in line.split()[2:]]
                marks.append(dict(zip(('insns', 'kinsns', 'blocks') + CLASSES, v)))
    return marks


def read_windows(path):
    wins = []
    with open(path, errors='replace') as f:
        for line in f:
            i = line.find('@window,')
            if i < 0:
                continue
            parts = line[i:].strip().split(',')
            if len(parts) == 4:
                wins.append((parts[1], parts[2], int(parts[3])))
    return wins


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    marks = read_marks(sys.argv[1])
    wins = read_windows(sys.argv[2])
    if len(marks) != 2 * len(wins):
        sys.exit('windows.py: %d marks for %d windows: they do not pair'
                 % (len(marks), len(wins)))
    per = collections.defaultdict(lambda: collections.defaultdict(list))
    for k, (cfg, fig, rpcs) in enumerate(wins):
        if not rpcs:
            continue
        a, b = marks[2 * k], marks[2 * k + 1]
        d = {key: (b[key] - a[key]) / rpcs for key in a}
        per[(cfg, fig)][fig].append(d['insns'])
        if fig == 'insns16':
            per[(cfg, fig)]['plain16'].append(d['insns'] - d['rep'])
            for c in CLASSES:
                per[(cfg, fig)][c + '16'].append(d[c])
    print('@meta,kernel,%s' % (sys.argv[3] if len(sys.argv) > 3
                               else 'instructions per RPC (fwctl-bench insns)'))
    print('@meta,cpus,1')
    print('@meta,rounds,1')
    for (cfg, main_fig), figs in per.items():
        for fig, vals in figs.items():
            print('@bench,%s,%s,insn,%.2f,1' % (cfg, fig, statistics.median(vals)))
            if fig == main_fig and len(vals) > 1:
                # how far apart the windows were: the measurement's noise
                print('@bench,%s,%s_spread,insn,%.2f,1'
                      % (cfg, fig, max(vals) - min(vals)))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Attribute tbcount counts to symbols: per-RPC instructions and blocks.

Used by scripts/profile.sh; see there.
"""
import argparse
import bisect
import collections
import os

KERNEL_START = 0xffff800000000000


def load_syms(path):
    """Kernel text symbols, and the range of its __init text."""
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            a, n = line.split()
            addrs.append(int(a, 16))
            names.append(n)
    init = (addrs[names.index('_sinittext')], addrs[names.index('_einittext')])
    return addrs, names, init


def bpf_syms(out_path):
    """@ksym ADDR TYPE NAME [bpf] lines the guest printed."""
    syms = []
    with open(out_path) as f:
        for line in f:
            if line.startswith('@ksym '):
                parts = line.split()
                syms.append((int(parts[1], 16), parts[3]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def symbolize(vaddr, kernel, bpf):
    if vaddr < KERNEL_START:
        return '[user]'
    if kernel[2][0] <= vaddr < kernel[2][1]:
        # __init code runs once per boot: a per-RPC figure of it is
        # the two boots' difference, noise
        return '[boot]'
    for addrs, names in (bpf, kernel[:2]):
        i = bisect.bisect_right(addrs, vaddr) - 1
        if i >= 0 and vaddr - addrs[i] < 0x100000:
            if addrs is bpf[0] and vaddr - addrs[i] > 0x4000:
                continue
            return names[i]
    return '[kernel ?]'


def totals(tb_path, kernel, bpf):
    insns = collections.Counter()
    blocks = collections.Counter()
    with open(tb_path) as f:
        for line in f:
            a, n, c = line.split()[:3]
            sym = symbolize(int(a, 16), kernel, bpf)
            insns[sym] += int(n) * int(c)
            blocks[sym] += int(c)
    return insns, blocks


def norm(name):
    """JITed programs and trampolines carry tags/keys that differ per boot."""
    if name.startswith('bpf_prog_'):
        parts = name.split('_', 3)
        return 'bpf_prog:' + (parts[3] if len(parts) > 3 else name)
    if name.startswith('bpf_trampoline_'):
        return 'bpf_trampoline'
    return name


def per_rpc(cfg, args, kernel):
    res = {}
    for n in (0, args.rpcs):
        stem = os.path.join(args.dir, '%s-%d' % (cfg, n))
        bpf = bpf_syms(stem + '.out')
        ins, blk = totals(stem + '.tb', kernel, bpf)
        agg_i, agg_b = collections.Counter(), collections.Counter()
        for k, v in ins.items():
            agg_i[norm(k)] += v
        for k, v in blk.items():
            agg_b[norm(k)] += v
        res[n] = (agg_i, agg_b)
    i0, b0 = res[0]
    i1, b1 = res[args.rpcs]
    # a symbol only the idle boot ran counts against the total too
    ins = {k: (i1[k] - i0[k]) / args.rpcs for k in set(i0) | set(i1)}
    blk = {k: (b1[k] - b0[k]) / args.rpcs for k in set(b0) | set(b1)}
    return ins, blk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rpcs', type=int, required=True)
    ap.add_argument('--syms', required=True)
    ap.add_argument('--dir', required=True)
    ap.add_argument('--top', type=int, default=30)
    ap.add_argument('--raw', action='store_true',
                    help='print fwctl-bench raw lines (@bench,CONFIG,insns16,...)'
                         ' for fwctl-bench report instead of the tables')
    ap.add_argument('configs', nargs='+')
    args = ap.parse_args()
    kernel = load_syms(args.syms)
    summary = []
    if args.raw:
        print('@meta,kernel,instruction counts (scripts/profile.sh)')
        print('@meta,cpus,1')
        print('@meta,rounds,1')
    for cfg in args.configs:
        ins, blk = per_rpc(cfg, args, kernel)
        tot_i = sum(v for k, v in ins.items() if k not in ('[user]', '[boot]'))
        tot_b = sum(v for k, v in blk.items() if k not in ('[user]', '[boot]'))
        summary.append((cfg, tot_i, tot_b, ins.get('[user]', 0), ins))
        if args.raw:
            # everything the guest ran for one RPC: the broker's user
            # code is part of what Peer B costs
            print('@bench,%s,insns16,insn,%.0f,1' % (cfg, tot_i + ins.get('[user]', 0)))
            continue
        print('== %s: per RPC, kernel %.0f instructions in %.0f blocks'
              % (cfg, tot_i, tot_b))
        print('%10s %8s  %s' % ('insns', 'blocks', 'symbol'))
        for k, v in sorted(ins.items(), key=lambda kv: -kv[1])[:args.top]:
            if v < 0.5:
                break
            print('%10.1f %8.1f  %s' % (v, blk.get(k, 0), k))
        print()
    if args.raw:
        return
    base = summary[0]
    print('== kernel instructions and blocks per RPC (ratio to %s)' % base[0])
    for cfg, i, b, u, _ in summary:
        print('%-12s %8.0f (%.3f) %7.0f blocks (%.3f)  user %.0f'
              % (cfg, i, i / base[1], b, b / base[2], u))
    for cfg, i, _, u, ins in summary[1:]:
        print()
        print('== %s - %s: %+.0f kernel, %+.0f user instructions per RPC'
              % (cfg, base[0], i - base[1], u - base[3]))
        print_diff(ins, base[4], args.top)


def print_diff(ins, base, top):
    """The symbols whose per-RPC count differs by two or more."""
    diff = {k: ins.get(k, 0) - base.get(k, 0) for k in set(ins) | set(base)}
    diff.pop('[boot]', None)
    rows = sorted(diff.items(), key=lambda kv: -abs(kv[1]))
    for k, v in rows[:top]:
        if abs(v) < 2:
            break
        print('%+10.1f  %s' % (v, k))


if __name__ == '__main__':
    main()

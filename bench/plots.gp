# SPDX-License-Identifier: GPL-2.0
#
# The curves of make bench (bench/curves.c writes the data):
#   gnuplot -e "dir='build/bench'; kernel='the test kernel'" bench/plots.gp
# draws DIR/curve-{policies,payload,clients}.png from DIR/curve-*.dat;
# the titles name the kernel counted.
if (!exists("dir")) dir = "build/bench"
if (!exists("kernel")) kernel = "the test kernel"
set terminal pngcairo size 800,480 noenhanced font ",10"
set grid
set key top left
set ylabel "Δ guest instructions per RPC (against the unpatched core)"
set datafile missing "NaN"

set output dir."/curve-policies.png"
set title "Stacked policies (bench_allow), 16-byte NOPs, ".kernel
set xlabel "policies attached"
set xtics (1, 2, 4, 8, 16)
plot dir."/curve-policies.dat" using 1:2 with linespoints title "on the device (all run)", \
     "" using 1:3 with linespoints title "on another device (none runs)"

set output dir."/curve-payload.png"
set title "Payload size, one client, ".kernel
set xlabel "NOP size"
set logscale x 2
set xtics ("16 B" 16, "64 B" 64, "256 B" 256, "4 KiB" 4096, "64 KiB" 65536, "1 MiB" 1048576, "2 MiB" 2097152)
plot dir."/curve-payload.dat" using 1:2 with linespoints title "nopolicy", \
     "" using 1:3 with linespoints title "minimal (allowlist + outcome record)", \
     "" using 1:4 with linespoints title "site (configuration 5)"

set output dir."/curve-clients.png"
set title "Clients at once, each on a device of its own (one CPU), per RPC, ".kernel
set xlabel "clients"
unset logscale x
set xtics (1, 2, 4)
plot dir."/curve-clients.dat" using 1:2 with linespoints title "nopolicy", \
     "" using 1:3 with linespoints title "minimal", \
     "" using 1:4 with linespoints title "site"

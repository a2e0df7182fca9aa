# The gain of each accelerated cell over Default: HostAccel's median with the range of its per-round ratios, and the
# ratio Antrea's slides report beside it (absent where the slides did not measure the cell). One panel per workload.
# Usage: gnuplot -e "data='dataplane-gains.dat'; output='gains.svg'" gains.gp
set terminal svg size 1100,820 dynamic font "sans,11"
set output output
set datafile separator "\t"
set datafile missing "NaN"
set multiplot layout 3,1 title "Gain over Default, HostAccel in the TCG VM (median, range of rounds) beside Antrea's slides"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set ylabel "× Default"
set key top left horizontal
set xtics rotate by -30 font ",9" nomirror noenhanced
# The data has one line per cell and workload, in the order Stream, Rr, Crr: every 3::k picks workload k.
array titles[3] = ["TCP_STREAM (iperf3, 1400-byte writes, offloads off)", "TCP_RR (1-byte request/response)", "TCP_CRR (connect/request/close)"]
do for [k = 0:2] {
    set title titles[k + 1] noenhanced
    plot data every 3::k using 3:4:5:xtic(1) title "HostAccel" lc rgb "#3b7dd8", \
         '' every 3::k using 6:6:6 title "Antrea's slides" lc rgb "#e0a030", \
         1 with lines dt 2 lc rgb "black" notitle
}
unset multiplot

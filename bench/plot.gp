# bench/plot.gp - the bench's plots from results.csv and timeline.csv.
#
#   gnuplot -e "outdir='out/bench'; cores=2; models='serial openmp fork mpi'; \
#               pymodels='py_serial py_mp_pool py_cf_thread py_cf_process'" bench/plot.gp
#
# results.csv columns: 1 model, 2 workload, 3 workers, 4 n, 5 arg, 6 reps,
# 7 median_s, 8 min_s, 9 max_s, 10 not_ok, 11 base_s, 12 ideal_s,
# 13 speedup, 14 speedup_lo, 15 speedup_hi, 16 per_task_us, 17 vs_ideal.
# Each plot picks its rows with strcol(): a row of another model or workload
# becomes an undefined point (1/0), which gnuplot skips.

if (!exists("outdir")) outdir = "out/bench"
if (!exists("cores")) cores = 2
if (!exists("models")) models = "serial openmp fork mpi"
if (!exists("pymodels")) pymodels = ""
# Python with pool start-up timed (only a few points: noop at W=cores, sleep at 16)
if (!exists("coldmodels")) coldmodels = ""
res = outdir."/results.csv"
tl = outdir."/timeline.csv"
allmodels = models." ".pymodels." ".coldmodels
# The speedup plot leaves out the baselines (their speedup is 1 by definition).
parmodels = ""
do for [k = 1:words(allmodels)] {
    if (word(allmodels, k) ne "serial" && word(allmodels, k) ne "py_serial" && strstrt(word(allmodels, k), "_cold") == 0) {
        parmodels = parmodels." ".word(allmodels, k)
    }
}

if (!exists("maxw")) maxw = 2 * cores
set datafile separator ","
# noenhanced: model names such as py_mp_pool are not subscripts.
set terminal pngcairo size 900,600 font "sans,11" noenhanced
set key top left
set grid
is(m, t) = (strcol(1) eq m && strcol(2) eq t)
# A filtered-out row gets an undefined x too, so that its y columns do not
# stretch the autoscaled axes.
sel(m, t, v) = is(m, t) ? v : 1/0
# One colour per model, the same in every plot.
colour(m) = sum [k = 1:words(allmodels)] (word(allmodels, k) eq m ? k : 0)
# Python's tools dashed, ours solid: the comparison at a glance.
dash(m) = (m[1:3] eq "py_") ? 2 : 1

# A plot whose every point is filtered out is an error in gnuplot: draw
# only the plots whose workload is in the CSV (bench/run --only).
has(t) = int(system(sprintf("awk -F, '$2 == \"%s\" { n++ } END { print n + 0 }' '%s'", t, res)))

# ---------------------------------------------------------------- speedup
if (has("spin") > 0) {
set output outdir."/speedup.png"
set title sprintf("CPU-bound spin: speedup over serial vs workers (%d cores; median, bars min..max)", cores)
set xlabel "workers (max_workers; MPI: ranks - 1)"
set ylabel "speedup (serial wall / wall)"
set xrange [0.5:maxw + 0.5]
set yrange [0:maxw + 0.5]
set xtics 1
plot x title "ideal: one core per worker" dt 3 lc rgb "gray60", \
     (x < cores ? x : cores) title sprintf("ideal on %d cores", cores) lw 2 lc rgb "gray30", \
     for [m in parmodels] res using (sel(m, "spin", $3)):(sel(m, "spin", $13)):(sel(m, "spin", $14)):(sel(m, "spin", $15)) \
         with yerrorlines dt dash(m) lw 2 lc colour(m) title m

}

# ---------------------------------------------------------------- overhead
if (has("noop") > 0) {
set output outdir."/overhead.png"
set title "No-op map: per-task overhead (wall / n; median, bars min..max)"
set ylabel "microseconds per task (log scale)"
set logscale y
set yrange [*:*]
set key outside right
plot for [m in allmodels] res using (sel(m, "noop", $3)):(sel(m, "noop", $16)):(sel(m, "noop", $8 / $4 * 1e6)):(sel(m, "noop", $9 / $4 * 1e6)) \
         with yerrorlines dt dash(m) lw 2 lc colour(m) title m
unset logscale y
set key top left
}

# ---------------------------------------------------------------- I/O-bound
if (has("sleep_ms") > 0 && has("fetch") > 0) {
set output outdir."/io.png"
set terminal pngcairo size 1200,600 font "sans,11" noenhanced
set multiplot layout 1,2 title "I/O-bound maps: wall vs workers (the ideal is ceil(n/W) x latency)"
set logscale xy
set xtics (1, 2, 4, 8, 16)
set xrange [0.8:20]
set yrange [*:*]
set ylabel "wall, seconds (log scale)"
set key top right font ",9"
# The ideal line comes from the rows of one parallel model (they all carry it).
im = word(models, words(models))
set title "sleep_ms"
plot res using (sel(im, "sleep_ms", $3)):(sel(im, "sleep_ms", $12)) with lines lw 2 lc rgb "gray30" title "ideal", \
     for [m in allmodels] res using (sel(m, "sleep_ms", $3)):(sel(m, "sleep_ms", $7)):(sel(m, "sleep_ms", $8)):(sel(m, "sleep_ms", $9)) \
         with yerrorlines dt dash(m) lc colour(m) title m
set title "fetch (loopback /slow/MS/BYTES)"
plot res using (sel(im, "fetch", $3)):(sel(im, "fetch", $12)) with lines lw 2 lc rgb "gray30" title "ideal", \
     for [m in allmodels] res using (sel(m, "fetch", $3)):(sel(m, "fetch", $7)):(sel(m, "fetch", $8)):(sel(m, "fetch", $9)) \
         with yerrorlines dt dash(m) lc colour(m) title m
unset multiplot
unset logscale
}

# ---------------------------------------------------------------- timeline
# One panel per model: a row per worker (lane), a bar per task from its
# recorded start to its end; colour = item number.
tlmodels = system("awk -F, 'NR > 1 && !s[$1]++ { printf \"%s \", $1 }' '".tl."'")
ntl = words(tlmodels)
if (ntl > 0) {
    set output outdir."/timeline.png"
    set terminal pngcairo size 900, (160 * ntl + 80) font "sans,10" noenhanced
    set multiplot layout ntl,1 title "One spin map: which worker ran which task when (from the results' timestamps)"
    set xrange [0:*]
    set yrange [-0.7:*]
    set xtics autofreq
    set ytics 1
    set key off
    set xlabel "ms since the map call began"
    set ylabel "worker"
    do for [i = 1:ntl] {
        m = word(tlmodels, i)
        set title m
        plot tl using 6:(strcol(1) eq m ? $5 : 1/0):($7 - $6):(0):($3 + 1) \
            with vectors nohead lw 14 lc variable
    }
    unset multiplot
}

# ---------------------------------------------------------------- granularity
# granularity.csv (bench/run --only granularity): 1 chunksize, 2 model, ...,
# 12 per_item_us. Automatic (chunksize 0) is drawn as a separate point at the
# right edge, x = 256.
gr = outdir."/granularity.csv"
grn = int(system(sprintf("awk 'END { print NR + 0 }' '%s' 2>/dev/null", gr)))
if (grn > 1) {
set output outdir."/granularity.png"
set title "cost per item vs chunksize: 2 workers, no-op items (automatic drawn at 256)"
set xlabel "chunksize (items handed to a worker at once)"
set ylabel "us per item (log)"
set logscale xy
set autoscale
set xtics ("1" 1, "4" 4, "16" 16, "64" 64, "auto" 256)
set key top right
gx(c) = c == 0 ? 256 : c
grsel(m, v) = strcol(2) eq m ? v : 1/0
# py_mp_pool_bare has one point, at automatic: the lesson's Pool(2).map(sq, range(N)).
grmodels = models." py_mp_pool py_mp_pool_bare"
plot for [m in grmodels] gr using (grsel(m, gx($1))):(grsel(m, $12)) every ::1 \
     with linespoints dt dash(m) lw 2 lc colour(m) title m
unset logscale
}

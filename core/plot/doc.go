// Package plot draws the charts a user looks at from rmapbench results
// (Go benchmark format, golang.org/x/perf/benchfmt), with gonum.org/v1/plot.
//
// Load reads results files; Draw writes every chart the results have data
// for, as NAME.png (120 dpi) and NAME.svg, and names each chart it left out
// and why (a chart without data is never an error). Each chart's title says
// what it shows and, below it, the claim it tests; every series has a legend
// entry; axes carry units; notes under the chart say what the error bars are and
// anything drawn specially.
//
// Where a chart plots a point per configuration, the point is the median of
// the -count runs of that configuration, and its error bar is the 95%
// confidence interval of the median as benchstat computes it
// (golang.org/x/perf/benchmath) when every point has enough runs for one (6
// or more), otherwise the min to max of the runs. (Error bars, not shaded
// bands: bands of crossing series ran into each other.) Runs of configurations
// that differ in a name key the chart does not plot are never pooled: they
// become separate series, labelled with the differing keys. An axis turns
// logarithmic when its values span a wide range (or always, where the chart
// says so); values <= 0 there, medians or bar ends, are clamped to the
// bottom of the axis and the notes say which series were clamped. An
// axis writes all its tick labels one way (1.5M beside 500k, never 1.5e6
// beside 500000). A dashed thin line without marks is a reference drawn
// from the data: a claim's threshold or the report's extrapolation.
//
// The charts, and the claim each tests:
//
//   - forkexit-time: sec/fork + sec/exec + sec/exit (µs) against the
//     ForkExit rss knob (MiB), one series per strategy, and anonvma's times
//     the factor the report asks of ptechain (claims.ForkExitFactor).
//     McCracken (OLS 2004): pte chains make fork/exec/exit close to an
//     order of magnitude slower than object-based rmap.
//   - rmap-space: rmap-peak-B (MiB, log axis) against the SGA procs knob,
//     one series per strategy, one panel per file config arch (x86_64,
//     i386), with the 896 MiB lowmem limit on the i386 panel and the
//     report's extrapolation: ptechain's bytes per mapping times a 1 GB
//     segment in each of up to 1,000 processes. pte chains cost a pointer
//     or two per mapping, so such a segment exhausts i386 lowmem;
//     object-based rmap does not grow with the pages mapped.
//   - walk-cost: vmas/walk against the VMAs mapping the file (ManyMapped
//     procs × windows), one series per file index (fileindex key, or the
//     strategy's own index when absent), pooling the runs of the
//     object-based strategies (filelinear, anonmm, anonvma, anonvma-avc:
//     they share the file walk). A linear i_mmap walk grows with every
//     mapping; the prio and interval trees visit only the VMAs over the page.
//   - avc-growth: anon_vma_chain objects against the ForkChain depth knob for
//     anonvma-avc, with degree reuse (avc-reuse absent or true) and without
//     (avc-reuse=false); one panel for the end-of-run count
//     (anon_vma_chain-objs: parents exited, bounded with reuse, linear
//     without) and one for the peak (anon_vma_chain-peak-objs: the live
//     chain, quadratic either way). The 3.19 degree reuse bounds chain
//     growth under fork chains.
//   - summary: per strategy and workload (grouped bars, log axes, the
//     geometric mean over a workload's configurations), ns/op as a ratio to
//     anonvma-avc in the same configuration and rmap-peak-B in bytes (not a
//     ratio: some strategies keep 0 B of rmap in some workloads). Zero
//     space is drawn as a hollow bar at the axis floor. The claims side by
//     side.
package plot

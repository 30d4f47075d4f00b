package workloads

// latProc is lmbench's lat_proc (lmbench3 src/lat_proc.c), the process
// creation latencies:
//
//	mode   lat_proc  each iteration of a worker
//	fork   fork      fork; the child exits at once
//	exec   exec      fork; the child execs /tmp/hello, which writes a
//	                 line and exits
//	shell  shell     fork; the child execs /bin/sh -c /tmp/hello; the shell
//	                 execs hello in its place (dash and bash run a lone
//	                 command without forking), which exits
//
// The worker waits for each child before the next. lat_proc runs
// -P workers at once (benchmp forks them); hello is dynamically linked,
// so each exec maps ld.so and libc and reads part of them. Every 16
// iterations the workload reclaims some pages. Each child copies the
// worker's page tables at fork and zaps them at exit or exec: the cost
// that pte chains made "close to an order of magnitude" worse (OLS 2004,
// section 2), measured the way lmbench measures it.
var latProc = &Generator{
	Name:    "latproc",
	BenchID: "LatProc",
	Summary: "lmbench lat_proc: fork+exit, fork+exec of hello, fork+exec of sh -c hello, one child at a time per worker",
	Knobs: []Knob{
		{Name: "mode", Choices: []string{"fork", "exec", "shell"}, Help: "fork+exit, fork+exec hello, fork+exec sh -c hello"},
		{Name: "procs", ByScale: [3]int64{1, 1, 4}, Min: 1, Help: "workers at once (lat_proc -P)"},
		{Name: "iterations", ByScale: [3]int64{16, 512, 4096}, Min: 1, Help: "children each worker creates"},
		{Name: "reclaim", ByScale: [3]int64{16, 64, 256}, Min: 0, Help: "pages reclaimed every 16 iterations (0: the test alone)"},
	},
	generate: genLatProc,
}

func genLatProc(k Values, seed uint64, e *emitter) {
	mode, procs, iterations, victims := k["mode"], int(k["procs"]), int(k["iterations"]), uint64(k["reclaim"])
	const runner = 1
	startProgram(e, runner, "/usr/lib/lmbench/bin/lat_proc", 48, 256*kib)
	workers := make([]uint64, procs)
	for w := range workers {
		workers[w] = uint64(100 + w)
		e.fork(runner, workers[w])
		e.touch(workers[w], stackTop-2*pageSize, 2*pageSize, true)
	}
	next := uint64(10000)
	for i := 1; i <= iterations; i++ {
		for _, w := range workers {
			child := next
			next++
			e.fork(w, child)
			e.touch(child, stackTop-2*pageSize, 2*pageSize, true)
			switch mode {
			case 1: // exec
				e.exec(child)
				startProgram(e, child, "/tmp/hello", 4, 0)
			case 2: // shell
				e.exec(child)
				startProgram(e, child, "/bin/sh", 24, 128*kib)
				e.exec(child)
				startProgram(e, child, "/tmp/hello", 4, 0)
			}
			e.exit(child)
		}
		if victims > 0 && i%16 == 0 {
			e.reclaim(victims)
		}
	}
	for _, w := range workers {
		e.exit(w)
	}
	e.check()
	e.exit(runner)
}

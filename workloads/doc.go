// Package workloads drives the simulated machine: generators that produce
// the event streams of each workload (each exposing one claim of the OLS 2004 paper
// or the kernel history), the replay of trace files, and the Replayer that
// applies events to a core.Machine with verification.
//
// Every workload is a stream of trace events (package workloads/trace), so
// any generated run can be written out with -emit-trace and replayed, and a
// generated workload and a trace go through exactly the same code.
package workloads

package mirror

import (
	"io"

	"rmapbench/workloads/trace"
)

// Decompress returns r, or a gzip reader of it when it starts with the
// gzip magic bytes (trace.Decompress, the trace reader's own, whose read
// errors say "truncated gzip data" for a file cut short). name is the
// input's name in errors, which are *trace.Error ("NAME:LINE: what is
// wrong") like every error of an importer's input.
func Decompress(r io.Reader, name string) (io.Reader, error) {
	in, _, err := trace.Decompress(r)
	if err != nil {
		return nil, &trace.Error{File: name, Line: 1, Msg: err.Error(), Err: err}
	}
	return in, nil
}

// PIDs hands out trace PIDs, which are never reused: the trace forbids
// naming a PID after its exit. The zero PIDs is ready to use.
type PIDs struct {
	used      map[uint64]bool
	synthetic uint64
}

// Alloc gives a new address space a trace PID: its thread group id,
// unless an earlier address space had it (pid reuse, or a process that
// exec'd out of a shared address space), then one past 2^32, which no tid
// reaches.
func (p *PIDs) Alloc(tgid uint32) uint64 {
	if p.used == nil {
		p.used = make(map[uint64]bool)
	}
	pid := uint64(tgid)
	if p.used[pid] {
		p.synthetic++
		pid = 1<<32 + p.synthetic
	}
	p.used[pid] = true
	return pid
}

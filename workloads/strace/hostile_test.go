package strace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"strings"
	"testing"

	"rmapbench/workloads/trace"
)

// A clone that never returns while other tasks print on: the importer
// holds at most maxBufferedTasks tasks and maxBufferedBytes of their
// lines, replaying the first buffered as a task of unknown origin beyond
// that, instead of holding the whole log.
func TestBufferedTasksAreBounded(t *testing.T) {
	stuck := `100 1.1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10 <unfinished ...>`
	for _, tc := range []struct {
		name      string
		tasks     int // unknown tasks printing
		lines     int // lines each prints
		unclaimed int
	}{
		{"many tasks", maxBufferedTasks + 10, 1, 10},
		// One task printing more than maxBufferedBytes: 300,000 lines of
		// about 300 bytes of cost each.
		{"one long task", 1, 300_000, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log strings.Builder
			log.WriteString(logOf(execSh, stuck))
			filler := strings.Repeat("x", 200)
			for k := range tc.tasks {
				for range tc.lines {
					fmt.Fprintf(&log, "%d 1.2 write(1, \"%s\", 200) = 200\n", 1000+k, filler)
				}
			}
			var out bytes.Buffer
			st, err := Import(strings.NewReader(log.String()), "stuck.log", trace.NewWriter(&out), bare)
			if err != nil {
				t.Fatal(err)
			}
			if st.Unclaimed != tc.unclaimed || st.Buffered != tc.tasks {
				t.Errorf("buffered %d, unclaimed %d; want %d, %d", st.Buffered, st.Unclaimed, tc.tasks, tc.unclaimed)
			}
			if w := st.Warnings(); len(w) != 1 || !strings.Contains(w[0], "imported as new processes") {
				t.Errorf("warnings %q", w)
			}
		})
	}
}

// The bound on buffering changes nothing for a clone that returns: its
// child, released early, is ended and started again as the clone says.
func TestUnclaimedTaskClaimedLater(t *testing.T) {
	var lines []string
	lines = append(lines, execSh, `100 1.1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10 <unfinished ...>`)
	for k := range maxBufferedTasks + 1 {
		lines = append(lines, fmt.Sprintf("%d 1.2 getpid() = %d", 1000+k, 1000+k))
	}
	lines = append(lines, `100 1.3 <... clone resumed>) = 1000`, "1000 1.4 "+anon8k+") = 0x7f0000000000")
	evs, st := events(t, logOf(lines...), bare)
	if st.Unclaimed != 1 || st.Forks != 1 {
		t.Fatalf("stats %+v", st)
	}
	if want := "1000 mmap 0x7f0000000000 0x2000 rw- private anon"; !strings.Contains(strings.Join(evs, "\n"), want) {
		t.Errorf("events %q lack %q", evs, want)
	}
}

// A log without -y names its files file:N and says so.
func TestLogWithoutFileNamesWarns(t *testing.T) {
	log := logOf(execSh,
		`100 1.1 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0000000000`,
		`100 1.2 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 4, 0) = 0x7f0000100000`)
	evs, st := events(t, log, bare)
	if st.UnnamedFiles != 2 || !strings.Contains(strings.Join(evs, "\n"), "file file:2 0") {
		t.Fatalf("unnamed files %d, events %q", st.UnnamedFiles, evs)
	}
	w := st.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "strace -y") || !strings.Contains(w[0], "file:1 to file:2") {
		t.Errorf("warnings %q", w)
	}
	named := logOf(execSh, `100 1.1 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3</lib/libc.so.6>, 0) = 0x7f0000000000`)
	if _, st := events(t, named, bare); len(st.Warnings()) != 0 {
		t.Errorf("a log with -y warns: %q", st.Warnings())
	}
}

func TestTruncatedGzipLog(t *testing.T) {
	var log strings.Builder
	log.WriteString(execSh + "\n")
	for i := range 5000 {
		fmt.Fprintf(&log, "100 1.%d getpid() = 100\n", i)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(log.String()))
	zw.Close()
	_, err := Import(bytes.NewReader(z.Bytes()[:z.Len()/2]), "cut.log.gz", trace.NewWriter(&bytes.Buffer{}), bare)
	var ie *Error
	if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), "cut.log.gz:") || !strings.Contains(err.Error(), "truncated gzip data") {
		t.Fatalf("got %v, want cut.log.gz:LINE: truncated gzip data", err)
	}
}

// A path longer than PATH_MAX (after the encoding that makes it one
// field) is an error at its line.
func TestFileNameLongerThanPathMax(t *testing.T) {
	long := "/" + strings.Repeat("d", trace.MaxNameLength)
	log := logOf(execSh, `100 1.1 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3<`+long+`>, 0) = 0x7f0000000000`)
	_, err := Import(strings.NewReader(log), "long.log", trace.NewWriter(&bytes.Buffer{}), bare)
	if err == nil || !strings.HasPrefix(err.Error(), "long.log:2: ") || !strings.Contains(err.Error(), "longer than 4096") {
		t.Fatalf("got %v", err)
	}
}

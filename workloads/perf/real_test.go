package perf

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rmapbench/workloads/trace"
)

// The recordings in testdata were made here with scripts/capture-perf.sh
// (Linux 6.18, perf 6.1):
//
//	forkwrite.txt.gz  testdata/forkwrite.c: anonymous and shared file
//	                  memory written, a thread (clone3), mremap, two forks
//	                  writing (copy-on-write), one exec of /bin/true
//	shloop.txt.gz     sh -c 'for i in 1 2 3; do ls / >/dev/null;
//	                  echo $i | cat >/dev/null; done' (dash: vfork for ls,
//	                  fork for the pipeline)
//	goversion.txt.gz  go version (Go 1.26, a static binary): four runtime
//	                  threads made with clone(CLONE_VM|CLONE_THREAD|...)
//
// The expected counts come from the text, not from the importer:
//
//	faults:   grep -c page_fault_user
//	forks:    sched_process_fork lines inside a clone without CLONE_VM
//	          (clone_flags 0x01200011); threads: inside one with
//	          CLONE_THREAD (0x000d0f00)
//	vforks:   grep -c sys_enter_vfork; clone3: grep -c sys_enter_clone3
//	execs:    grep -c sched_process_exec
//	tasks:    distinct tids; exits: sched_process_exit lines of the last
//	          task of each process (all but forkwrite's thread)
//	special:  faults inside the [vdso] and [vvar] ranges of the mapping
//	          records of the faulting pid (a short script)
type recording struct {
	file  string
	stats Stats // the fields compared: see check
}

var recordings = []recording{
	{"forkwrite.txt.gz", Stats{Faults: 403, Touches: 401, Special: 2, Tasks: 4, Processes: 3, Forks: 2, Clone3: 1, Execs: 2, Exits: 3}},
	{"shloop.txt.gz", Stats{Faults: 725, Touches: 718, Special: 7, Tasks: 10, Processes: 10, Forks: 6, Vforks: 3, Execs: 7, Exits: 10}},
	{"goversion.txt.gz", Stats{Faults: 458, Touches: 455, Special: 3, Tasks: 5, Processes: 1, Threads: 4, Execs: 1, Exits: 1}},
}

func (want recording) check(t *testing.T, st Stats) {
	t.Helper()
	got := Stats{Faults: st.Faults, Touches: st.Touches, Special: st.Special, Tasks: st.Tasks, Processes: st.Processes,
		Threads: st.Threads, Forks: st.Forks, Vforks: st.Vforks, Clone3: st.Clone3, Execs: st.Execs, Exits: st.Exits}
	if got != want.stats {
		t.Errorf("%s: stats\n%+v\nwant\n%+v", want.file, got, want.stats)
	}
	if st.Uncovered != 0 || st.Denied != 0 || st.Unmatched != 0 || st.Late != 0 || st.Approximated != 0 {
		t.Errorf("%s: %d uncovered, %d denied, %d unmatched, %d late, %d approximated: want none", want.file,
			st.Uncovered, st.Denied, st.Unmatched, st.Late, st.Approximated)
	}
}

func readRecording(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRecordingsReplay imports each recording and replays the trace under
// every strategy with the oracle on.
func TestRecordingsReplay(t *testing.T) {
	for _, rec := range recordings {
		t.Run(rec.file, func(t *testing.T) {
			var out bytes.Buffer
			st, err := Import(context.Background(), bytes.NewReader(readRecording(t, rec.file)), rec.file, trace.NewWriter(&out), Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec.check(t, st)
			replayEvery(t, out.Bytes())
		})
	}
}

// TestRecordingsWithoutMappingRecords: the default perf script output,
// without --show-mmap-events, imports too; the faults in exec's mappings
// are then uncovered, and files have synthetic names.
func TestRecordingsWithoutMappingRecords(t *testing.T) {
	for _, rec := range recordings {
		t.Run(rec.file, func(t *testing.T) {
			z, err := gzip.NewReader(bytes.NewReader(readRecording(t, rec.file)))
			if err != nil {
				t.Fatal(err)
			}
			all, err := io.ReadAll(z)
			if err != nil {
				t.Fatal(err)
			}
			var plain strings.Builder
			for _, l := range strings.SplitAfter(string(all), "\n") {
				if !strings.Contains(l, "PERF_RECORD_") {
					plain.WriteString(l)
				}
			}
			var out bytes.Buffer
			st, err := Import(context.Background(), strings.NewReader(plain.String()), "plain", trace.NewWriter(&out), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Mappings != 0 || st.Execs != rec.stats.Execs || st.Faults != rec.stats.Faults ||
				st.Touches+st.Uncovered+st.Denied != st.Faults || st.Uncovered == 0 {
				t.Errorf("stats %v", st)
			}
			if strings.Contains(out.String(), "libc") || !strings.Contains(out.String(), "file file:") {
				t.Errorf("want synthetic file names only")
			}
			replayEvery(t, out.Bytes())
		})
	}
}

// TestRecordingsDeterministic: the same text gives the same trace.
func TestRecordingsDeterministic(t *testing.T) {
	data := readRecording(t, recordings[1].file)
	var a, b bytes.Buffer
	if _, err := Import(context.Background(), bytes.NewReader(data), "x", trace.NewWriter(&a), Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(context.Background(), bytes.NewReader(data), "x", trace.NewWriter(&b), Options{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two imports of one text differ")
	}
}

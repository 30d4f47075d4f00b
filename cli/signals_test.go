package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds the command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "rmapbench")
	if out, err := exec.Command("go", "build", "-o", bin, "rmapbench/cmd/rmapbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// longTrace is a trace whose second event, a read touch of 1 TiB, takes
// minutes (it maps the zero page 2^28 times, within the default budget).
const longTrace = "rmaptrace 1\n1 mmap 0x0 0x10000000000 rw- private anon\n1 touch 0x0 0x10000000000 r\n"

// interrupt starts cmd, sends sig after a while, and returns the exit
// status and stderr; it fails the test if the command does not end
// within a second of the signal.
func interrupt(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("%v ended before the signal: %v\n%s", cmd.Args, err, stderr.String())
	case <-time.After(400 * time.Millisecond):
	}
	cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not stop within a second of %v", cmd.Args, sig)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// Issue 16, case 1: SIGINT and SIGTERM stop the command inside one long
// event, a generator, a blocked read of stdin, with 130 or 143, writing
// nothing and leaving no temporary file.
func TestSignalsStopTheCommand(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	outDir := filepath.Join(dir, "out")
	os.Mkdir(tmp, 0o755)
	os.Mkdir(outDir, 0o755)
	tr := filepath.Join(dir, "long.trace")
	os.WriteFile(tr, []byte(longTrace), 0o644)
	out := filepath.Join(outDir, "res.txt")

	for _, tc := range []struct {
		name  string
		args  []string
		stdin string // a file, or "pipe" for a pipe kept open
		sig   syscall.Signal
		code  int
	}{
		{"one long event", []string{"-trace", tr, "-strategy", "anonvma", "-o", out}, "", syscall.SIGINT, 130},
		{"one long event, SIGTERM", []string{"-trace", tr, "-strategy", "ptechain", "-o", out}, "", syscall.SIGTERM, 143},
		{"trace from stdin", []string{"-trace", "-", "-strategy", "anonvma", "-o", out}, tr, syscall.SIGINT, 130},
		{"generator", []string{"-workload", "forkexit", "-param", "procs=100000000", "-strategy", "anonvma", "-o", out, "-plots", filepath.Join(outDir, "plots"), "-emit-trace", filepath.Join(outDir, "x.trace")}, "", syscall.SIGINT, 130},
		{"verification", []string{"-workload", "sga", "-verify", "-strategy", "pagescan", "-o", out}, "", syscall.SIGINT, 130},
		{"import-strace reading a pipe", []string{"import-strace", "-o", out, "-"}, "pipe", syscall.SIGTERM, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			switch tc.stdin {
			case "":
			case "pipe":
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				defer r.Close()
				w.WriteString("100 1.0 execve(\"/bin/sh\", [\"sh\"], 0x7ffc0000 /* 1 var */) = 0\n")
				cmd.Stdin = r
			default:
				f, err := os.Open(tc.stdin)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				cmd.Stdin = f
			}
			code, stderr := interrupt(t, cmd, tc.sig)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr)
			}
			sigName := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[tc.sig]
			if !strings.Contains(stderr, "rmapbench: interrupted by "+sigName) {
				t.Errorf("stderr %q does not say it was interrupted by %s", stderr, sigName)
			}
			noFilesIn(t, outDir)
			noFilesIn(t, tmp)
		})
	}
}

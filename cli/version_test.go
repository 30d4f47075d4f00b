package cli

import (
	"os/exec"
	"strings"
	"testing"
)

// The commit in the results' header comes from this module's own
// repository, never from git in an unrelated current directory (a
// `go run` from elsewhere once recorded another repository's commit).
func TestCommitIgnoresTheCurrentDirectory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	other := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", other, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("commit", "-q", "--allow-empty", "-m", "unrelated")
	unrelated := git("rev-parse", "HEAD")

	t.Chdir(other)
	got := commit()
	if strings.HasPrefix(got, unrelated) {
		t.Fatalf("commit() = %s, the HEAD of the unrelated repository in the current directory", got)
	}
	root := moduleRoot()
	if root == "" {
		t.Skip("the module's source directory is unknown to this build")
	}
	want := gitCommit(root)
	if want == "" {
		if got != "unknown" {
			t.Fatalf("commit() = %s outside a repository, want unknown", got)
		}
		return
	}
	if got != want {
		t.Fatalf("commit() = %s, want the module repository's %s", got, want)
	}
}

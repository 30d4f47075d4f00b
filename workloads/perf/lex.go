package perf

import (
	"strconv"
	"strings"

	"rmapbench/workloads/trace"
)

// kind is what a line of perf script's output is.
type kind uint8

const (
	kindOther    kind = iota // an event the importer has no use for
	kindEnter                // syscalls:sys_enter_NAME
	kindExit                 // syscalls:sys_exit_NAME
	kindFault                // exceptions:page_fault_user
	kindFork                 // sched:sched_process_fork
	kindExec                 // sched:sched_process_exec
	kindTaskExit             // sched:sched_process_exit
	kindMmap                 // PERF_RECORD_MMAP2 (perf script --show-mmap-events)
)

// sysCall is a system call the importer follows.
type sysCall uint8

const (
	sysNone sysCall = iota
	sysMmap
	sysMunmap
	sysMremap
	sysMprotect
	sysBrk
	sysMadvise
	sysClone
	sysClone3
	sysVfork
	sysFork
	sysExecve
	sysExitGroup
	sysOpenat
	sysClose
)

var sysNames = [...]string{
	sysMmap: "mmap", sysMunmap: "munmap", sysMremap: "mremap", sysMprotect: "mprotect", sysBrk: "brk",
	sysMadvise: "madvise", sysClone: "clone", sysClone3: "clone3", sysVfork: "vfork", sysFork: "fork",
	sysExecve: "execve", sysExitGroup: "exit_group", sysOpenat: "openat", sysClose: "close",
}

// sysArgs names the arguments of each call's sys_enter line that the
// importer reads, in the order of record.args. The names are the
// kernel's (SYSCALL_DEFINE) and appear in the tracepoint's text.
var sysArgs = [...][]string{
	sysMmap:     {"addr", "len", "prot", "flags", "fd", "off"},
	sysMunmap:   {"addr", "len"},
	sysMremap:   {"addr", "old_len", "new_len", "flags"},
	sysMprotect: {"start", "len", "prot"},
	sysMadvise:  {"start", "len_in", "behavior"},
	sysClone:    {"clone_flags"},
	sysOpenat:   {"flags"},
	sysClose:    {"fd"},
}

func (s sysCall) String() string {
	if int(s) < len(sysNames) && sysNames[s] != "" {
		return sysNames[s]
	}
	return "?"
}

func sysByName(name string) sysCall {
	for i, n := range sysNames {
		if n == name && n != "" {
			return sysCall(i)
		}
	}
	return sysNone
}

// record is one parsed line.
type record struct {
	ts   uint64 // nanoseconds since boot
	seq  uint64 // its place in the file: equal timestamps keep file order
	line int
	tid  uint32
	kind kind
	sys  sysCall   // enter, exit
	args [6]uint64 // enter: the arguments named by sysArgs; exit: the result in args[0]
	// fault: args[0] the address, args[1] the error code.
	// fork: args[0] the parent's tid, args[1] the child's.
	// exec: args[0] the pid after exec, args[1] the tid before.
	// taskExit: args[0] the tid.
	// mmap: args[0] start, args[1] length, args[2] file offset.
	prot   trace.Prot // mmap
	shared bool       // mmap
	path   string     // mmap: the path or [name] or //anon; exec: the file name
	ident  string     // mmap: "MAJ:MIN INO GEN", the file's identity
}

// parseLine parses one line of `perf script` output:
//
//	COMM TID [CPU] SECONDS.FRACTION: EVENT: FIELDS
//	COMM TID [CPU] SECONDS.FRACTION: PERF_RECORD_MMAP2 PID/TID: [...]: PROT PATH
//
// COMM may hold spaces, TID may be PID/TID (-F +pid), [CPU] may be
// missing. It returns what is wrong with the line, or "".
func parseLine(text string, r *record) string {
	// Find the timestamp: the first field after the comm that reads
	// SECONDS.FRACTION: and follows a tid (or a tid then [CPU]).
	var prev2, prev1, field string
	ts, after := "", 0
	for i, n := 0, 0; i < len(text); n++ {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		start := i
		for i < len(text) && text[i] != ' ' && text[i] != '\t' {
			i++
		}
		if start == i {
			break
		}
		prev2, prev1, field = prev1, field, text[start:i]
		if n >= 1 && isTimestamp(field) && (isTID(prev1) || (n >= 2 && isCPU(prev1) && isTID(prev2))) {
			ts, after = field, i
			break
		}
	}
	if ts == "" {
		return "not a line of perf script output: no \"COMM TID [CPU] SECONDS.FRACTION:\" at its start"
	}
	tidField := prev1
	if isCPU(tidField) {
		tidField = prev2
	}
	if i := strings.IndexByte(tidField, '/'); i >= 0 {
		tidField = tidField[i+1:]
	}
	tid, err := strconv.ParseUint(tidField, 10, 32)
	if err != nil {
		return "TID " + quote(tidField) + " is not a thread id"
	}
	r.tid = uint32(tid)
	var ok bool
	if r.ts, ok = parseTimestamp(ts[:len(ts)-1]); !ok {
		return "timestamp " + quote(ts) + " out of range"
	}
	// The event's name, then the text after it (paths and comms keep
	// their spaces).
	rest := strings.TrimLeft(text[after:], " \t")
	event, rest, _ := strings.Cut(rest, " ")
	if event == "" {
		return "no event after the timestamp"
	}
	rest = strings.TrimLeft(rest, " \t")
	switch {
	case event == "PERF_RECORD_MMAP2":
		return parseMmap2(rest, r)
	case strings.HasPrefix(event, "syscalls:sys_enter_"):
		return parseEnter(strings.TrimSuffix(strings.TrimPrefix(event, "syscalls:sys_enter_"), ":"), rest, r)
	case strings.HasPrefix(event, "syscalls:sys_exit_"):
		return parseExit(strings.TrimSuffix(strings.TrimPrefix(event, "syscalls:sys_exit_"), ":"), rest, r)
	case event == "exceptions:page_fault_user:":
		r.kind = kindFault
		return parseKeys(rest, event, r, "address", "error_code")
	case event == "sched:sched_process_fork:":
		r.kind = kindFork
		return parseKeys(rest, event, r, "pid", "child_pid")
	case event == "sched:sched_process_exec:":
		r.kind = kindExec
		if i := strings.Index(rest, "filename="); i >= 0 {
			name := rest[i+len("filename="):]
			if j := strings.LastIndex(name, " pid="); j >= 0 {
				name = name[:j]
			}
			r.path = name
		}
		return parseKeys(rest, event, r, "pid", "old_pid")
	case event == "sched:sched_process_exit:":
		r.kind = kindTaskExit
		return parseKeys(rest, event, r, "pid")
	}
	r.kind = kindOther
	return ""
}

func isTimestamp(f string) bool {
	if len(f) < 4 || f[len(f)-1] != ':' {
		return false
	}
	dot := strings.IndexByte(f, '.')
	return dot > 0 && dot < len(f)-2 && allDigits(f[:dot]) && allDigits(f[dot+1:len(f)-1])
}

func isCPU(f string) bool {
	return len(f) > 2 && f[0] == '[' && f[len(f)-1] == ']' && allDigits(f[1:len(f)-1])
}

func isTID(f string) bool {
	if i := strings.IndexByte(f, '/'); i >= 0 {
		return allDigits(f[:i]) && allDigits(f[i+1:])
	}
	return allDigits(f)
}

func allDigits(s string) bool { return s != "" && strings.TrimLeft(s, "0123456789") == "" }

// parseTimestamp turns SECONDS.FRACTION into nanoseconds.
func parseTimestamp(s string) (uint64, bool) {
	dot := strings.IndexByte(s, '.')
	sec, err := strconv.ParseUint(s[:dot], 10, 64)
	if err != nil || sec > 1<<33 {
		return 0, false
	}
	frac := s[dot+1:]
	if len(frac) > 9 {
		frac = frac[:9]
	}
	ns, _ := strconv.ParseUint(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	return sec*1e9 + ns, true
}

// parseEnter reads "NAME: 0xVALUE, NAME: 0xVALUE, ..." for the arguments
// the importer follows.
func parseEnter(name, rest string, r *record) string {
	r.sys = sysByName(name)
	if r.sys == sysNone {
		return "" // kindOther: a system call the importer does not follow
	}
	r.kind = kindEnter
	want := sysArgs[r.sys]
	if len(want) == 0 {
		return ""
	}
	found := 0
	for _, part := range strings.Split(rest, ", ") {
		key, val, ok := strings.Cut(part, ": ")
		if !ok {
			continue
		}
		for i, w := range want {
			if key == w {
				v, ok := parseHex(strings.TrimSpace(val))
				if !ok {
					return "sys_enter_" + name + ": bad " + w + " " + quote(val)
				}
				r.args[i] = v
				found |= 1 << i
			}
		}
	}
	for i, w := range want {
		if found&(1<<i) == 0 {
			return "sys_enter_" + name + ": no argument " + w + " in " + quote(rest)
		}
	}
	return ""
}

// parseExit reads a sys_exit line's result, 0xVALUE (negative errors are
// printed as 64-bit two's complement).
func parseExit(name, rest string, r *record) string {
	r.sys = sysByName(name)
	if r.sys == sysNone {
		return ""
	}
	r.kind = kindExit
	v, ok := parseHex(strings.TrimSpace(rest))
	if !ok {
		return "sys_exit_" + name + ": bad result " + quote(rest)
	}
	r.args[0] = v
	return ""
}

// parseKeys reads the KEY=VALUE fields named, in that order, into
// r.args. The last occurrence of " KEY=" counts: values before it (a comm
// or a file name) may hold spaces.
func parseKeys(rest, event string, r *record, keys ...string) string {
	for i, k := range keys {
		val, found := lastKey(rest, k)
		if !found {
			return strings.TrimSuffix(event, ":") + ": no " + k + "= in " + quote(rest)
		}
		if j := strings.IndexAny(val, " \t"); j >= 0 {
			val = val[:j]
		}
		var v uint64
		var ok bool
		if strings.HasPrefix(val, "0x") {
			v, ok = parseHex(val)
		} else {
			var err error
			v, err = strconv.ParseUint(val, 10, 64)
			ok = err == nil
		}
		if !ok {
			return strings.TrimSuffix(event, ":") + ": bad " + k + " " + quote(val)
		}
		r.args[i] = v
	}
	return ""
}

// lastKey returns the text after the last "KEY=" of rest that starts
// rest or follows a space.
func lastKey(rest, key string) (string, bool) {
	for end := len(rest); end > 0; {
		at := strings.LastIndex(rest[:end], key)
		if at < 0 {
			return "", false
		}
		if after := at + len(key); after < len(rest) && rest[after] == '=' && (at == 0 || rest[at-1] == ' ') {
			return rest[after+1:], true
		}
		end = at
	}
	return "", false
}

// parseMmap2 reads the body of a PERF_RECORD_MMAP2 line:
//
//	PID/TID: [0xSTART(0xLEN) @ PGOFF MAJ:MIN INO GEN]: PROT PATH
//
// where PROT is like "r-xp" (p private, s shared) and the part after PGOFF
// may be a build id instead.
func parseMmap2(rest string, r *record) string {
	r.kind = kindMmap
	bad := func(what string) string { return "PERF_RECORD_MMAP2: " + what + " in " + quote(rest) }
	open := strings.IndexByte(rest, '[')
	end := strings.Index(rest, "]: ")
	if open < 0 || end < open {
		return bad("no [...]:")
	}
	inside, after := rest[open+1:end], rest[end+3:]
	lp, rp := strings.IndexByte(inside, '('), strings.IndexByte(inside, ')')
	if lp < 0 || rp < lp {
		return bad("no START(LEN)")
	}
	var ok1, ok2, ok3 bool
	r.args[0], ok1 = parseHex(inside[:lp])
	r.args[1], ok2 = parseHex(inside[lp+1 : rp])
	tail := strings.Fields(strings.TrimPrefix(strings.TrimSpace(inside[rp+1:]), "@"))
	if len(tail) > 0 {
		r.args[2], ok3 = parseNumber(tail[0])
		r.ident = strings.Join(tail[1:], " ")
	}
	if !ok1 || !ok2 || !ok3 {
		return bad("bad START, LEN or PGOFF")
	}
	prot, path, _ := strings.Cut(after, " ")
	if len(prot) != 4 {
		return bad("bad protection " + quote(prot))
	}
	p, ok := trace.ParseProt(prot[:3])
	if ok != nil || (prot[3] != 'p' && prot[3] != 's') {
		return bad("bad protection " + quote(prot))
	}
	r.prot, r.shared, r.path = p, prot[3] == 's', path
	return ""
}

func parseHex(s string) (uint64, bool) {
	if !strings.HasPrefix(s, "0x") {
		return 0, false
	}
	v, err := strconv.ParseUint(s[2:], 16, 64)
	return v, err == nil
}

// parseNumber reads 0xHEX or decimal.
func parseNumber(s string) (uint64, bool) {
	if strings.HasPrefix(s, "0x") {
		return parseHex(s)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// quote quotes a field for an error message, cut to a readable length.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

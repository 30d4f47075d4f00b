package strace

import (
	"strconv"
	"strings"
)

// lineKind is the shape of one strace line.
type lineKind uint8

const (
	lineCall       lineKind = iota + 1 // NAME(ARGS) = RESULT
	lineUnfinished                     // NAME(ARGS <unfinished ...>
	lineResumed                        // <... NAME resumed>REST) = RESULT
	lineSignal                         // --- SIGCHLD {...} ---
	lineEnd                            // +++ exited with N +++, +++ killed by SIG... +++
	lineNote                           // strace's own notes, +++ superseded +++, blank lines
)

// logLine is one parsed line. Parsing is purely lexical: what a line means
// depends on the state of the task that printed it.
type logLine struct {
	num  int    // line number in the log, for errors
	tid  uint32 // the task (thread id) that printed it; 0 when unprefixed
	kind lineKind
	name string // syscall name (call, unfinished, resumed)
	// body is, for a call, everything after "NAME(" up to the end; for an
	// unfinished call, the arguments printed so far; for a resumed call,
	// everything after "resumed>". Joining the last two gives a call body.
	body string
}

const (
	unfinishedMark = "<unfinished ...>"
	resumedPrefix  = "<... "
	resumedMark    = " resumed>"
)

// parseLine parses one line of an `strace -f` log. It accepts the PID
// prefix of -o logs ("1234 ") and of stderr logs ("[pid 1234] "), an
// optional timestamp of -t, -tt, -ttt or -r, and a trailing -T duration. It
// returns a description of what is wrong when the line has none of the
// shapes strace prints.
func parseLine(text string, num int) (logLine, string) {
	l := logLine{num: num}
	s := strings.TrimRight(text, "\r\n")
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		l.kind = lineNote
		return l, ""
	}
	switch {
	case strings.HasPrefix(s, "[pid"):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return l, "unterminated [pid N] prefix"
		}
		tid, ok := parseTID(strings.TrimSpace(s[len("[pid"):end]))
		if !ok {
			return l, "bad pid in " + quote(s[:end+1])
		}
		l.tid = tid
		s = strings.TrimLeft(s[end+1:], " \t")
	case s[0] >= '0' && s[0] <= '9':
		tok, rest := cutField(s)
		if isDigits(tok) && rest != "" {
			tid, ok := parseTID(tok)
			if !ok {
				return l, "pid " + quote(tok) + " is out of range"
			}
			l.tid = tid
			s = rest
		}
	}
	if tok, rest := cutField(s); isTimestamp(tok) {
		s = rest
	}
	if s == "" {
		l.kind = lineNote
		return l, ""
	}

	switch {
	case strings.HasPrefix(s, "---"):
		l.kind = lineSignal
		return l, ""
	case strings.HasPrefix(s, "+++"):
		switch {
		case strings.HasPrefix(s, "+++ exited with "), strings.HasPrefix(s, "+++ killed by "):
			l.kind = lineEnd
		case strings.HasPrefix(s, "+++ superseded by execve"):
			// Printed for the thread an exec replaced; the exec itself
			// removes the other threads (see execTask).
			l.kind = lineNote
		default:
			return l, "unrecognised +++ line " + quote(s)
		}
		return l, ""
	case strings.HasPrefix(s, "strace: "), strings.HasPrefix(s, "[ "):
		// strace's own messages ("strace: Process 12 attached",
		// "[ Process PID=12 runs in 32 bit mode. ]").
		l.kind = lineNote
		return l, ""
	case strings.HasPrefix(s, resumedPrefix):
		rest := s[len(resumedPrefix):]
		i := strings.Index(rest, resumedMark)
		if i < 0 {
			return l, "\"<... \" without \"NAME resumed>\""
		}
		l.name = rest[:i]
		if !isSyscallName(l.name) {
			return l, "bad syscall name " + quote(l.name) + " in a resumed line"
		}
		l.kind = lineResumed
		l.body = rest[i+len(resumedMark):]
		return l, ""
	}

	open := strings.IndexByte(s, '(')
	if open <= 0 || !isSyscallName(s[:open]) {
		return l, "not an strace line: want NAME(ARGS) = RESULT, <... NAME resumed>, --- SIGNAL ---, or +++ exited/killed +++; got " + quote(s)
	}
	l.name = s[:open]
	body := s[open+1:]
	if strings.HasSuffix(body, unfinishedMark) {
		body = strings.TrimSuffix(body, unfinishedMark)
		body = strings.TrimSuffix(body, " ")
		l.kind = lineUnfinished
		l.body = body
		return l, ""
	}
	if _, _, ok := splitCall(body); !ok {
		return l, l.name + ": no \") = RESULT\" at the end of the call"
	}
	l.kind = lineCall
	l.body = body
	return l, ""
}

// splitCall splits a call body "ARGS) = RESULT" into ARGS and RESULT. The
// result is after the last "= " that follows a ')' (strace pads the gap
// with spaces); quoted arguments can contain ") = " but the result cannot.
func splitCall(body string) (args, result string, ok bool) {
	end := len(body)
	for {
		i := strings.LastIndex(body[:end], "= ")
		if i < 0 {
			return "", "", false
		}
		before := strings.TrimRight(body[:i], " \t")
		if strings.HasSuffix(before, ")") {
			return before[:len(before)-1], strings.TrimSpace(body[i+2:]), true
		}
		end = i
	}
}

// callResult is the parsed RESULT of a call.
type callResult struct {
	known  bool   // false for "?" (the task died, or strace could not tell)
	failed bool   // a negative result: "-1 ENOMEM (...)"
	value  uint64 // the result when known and not failed
}

// parseResult parses RESULT: "?", a decimal or 0x number, possibly with a
// -y path ("3</etc/passwd>"), followed by an errno and a description, and
// possibly a -T duration ("<0.000012>").
func parseResult(s string) (callResult, bool) {
	tok, _ := cutField(s)
	if tok == "?" {
		return callResult{}, true
	}
	if i := strings.IndexByte(tok, '<'); i > 0 {
		tok = tok[:i]
	}
	if strings.HasPrefix(tok, "-") {
		v, err := strconv.ParseInt(tok, 10, 64)
		if err != nil {
			return callResult{}, false
		}
		if v < 0 {
			return callResult{known: true, failed: true}, true
		}
		return callResult{known: true, value: uint64(v)}, true
	}
	v, ok := parseNumber(tok)
	if !ok {
		return callResult{}, false
	}
	return callResult{known: true, value: v}, true
}

// splitArgs splits ARGS at the commas that are not inside quotes,
// brackets, braces, parentheses or /* comments */.
func splitArgs(s string) []string {
	var args []string
	depth := 0
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 < len(s) && s[i+1] == '*' {
				if j := strings.Index(s[i+2:], "*/"); j >= 0 {
					i += 2 + j + 1
				} else {
					i = len(s)
				}
			}
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" || len(args) > 0 {
		args = append(args, rest)
	}
	return args
}

// mmapArgs are the six arguments of mmap, as printed.
type mmapArgs struct {
	addr, length, prot, flags, fd, offset string
}

// splitMmapArgs splits mmap's arguments. The first four and the last
// never contain ", "; the fifth, the descriptor with its -y path
// ("3</lib/a, b.so>"), can, so it is whatever lies between them.
func splitMmapArgs(s string) (mmapArgs, bool) {
	var a mmapArgs
	var ok bool
	fields := [4]*string{&a.addr, &a.length, &a.prot, &a.flags}
	rest := s
	for _, f := range fields {
		if *f, rest, ok = strings.Cut(rest, ", "); !ok {
			return a, false
		}
	}
	i := strings.LastIndex(rest, ", ")
	if i < 0 {
		return a, false
	}
	a.fd, a.offset = strings.TrimSpace(rest[:i]), strings.TrimSpace(rest[i+2:])
	return a, true
}

// splitFD splits a descriptor argument "3</usr/lib/libc.so.6>" (strace
// -y) into the number and the path; path is "" without -y.
func splitFD(s string) (fd, path string) {
	open := strings.IndexByte(s, '<')
	if open < 0 || !strings.HasSuffix(s, ">") {
		return s, ""
	}
	return s[:open], s[open+1 : len(s)-1]
}

// parseNumber parses an unsigned argument or result: "NULL", decimal, or
// 0x hexadecimal, with any /* comment */ after it ignored.
func parseNumber(s string) (uint64, bool) {
	s = stripComment(s)
	if s == "NULL" {
		return 0, true
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		v, err := strconv.ParseUint(s[2:], 16, 64)
		return v, err == nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// parseFlags parses a flag set such as "MAP_PRIVATE|MAP_ANONYMOUS" or
// "0x22 /* MAP_??? */": names in table contribute their bits, numbers
// their value, other names (flags the simulator has no use for) nothing.
// ok is false only when a part is neither a name nor a number.
func parseFlags(s string, table map[string]uint64) (uint64, bool) {
	var bits uint64
	for part := range strings.SplitSeq(stripComment(s), "|") {
		part = strings.TrimSpace(part)
		if v, known := table[part]; known {
			bits |= v
			continue
		}
		if v, isNum := parseNumber(part); isNum {
			bits |= v
			continue
		}
		if !isFlagName(part) {
			return 0, false
		}
	}
	return bits, true
}

// stripComment removes a /* comment */ and the spaces around what is left.
func stripComment(s string) string {
	if i := strings.Index(s, "/*"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// namedArg returns the value of "key=VALUE" among the arguments of clone
// ("flags=CLONE_VM|SIGCHLD") or of the struct clone3 prints
// ("{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, ...}").
func namedArg(args, key string) (string, bool) {
	for from := 0; from < len(args); {
		i := strings.Index(args[from:], key+"=")
		if i < 0 {
			return "", false
		}
		i += from
		if i == 0 || strings.ContainsRune("{, ", rune(args[i-1])) {
			v := args[i+len(key)+1:]
			if end := strings.IndexAny(v, ",}"); end >= 0 {
				v = v[:end]
			}
			return strings.TrimSpace(v), true
		}
		from = i + 1
	}
	return "", false
}

// quotedPrefix returns the contents of the quoted string s starts with,
// still escaped as strace printed it, or "" if s is not a quoted string.
func quotedPrefix(s string) string {
	if !strings.HasPrefix(s, "\"") {
		return ""
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return s[1:i]
		}
	}
	return ""
}

func cutField(s string) (field, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

func parseTID(s string) (uint32, bool) {
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTimestamp reports whether tok is a -t, -tt, -ttt or -r timestamp:
// digits with at least one '.' or ':'.
func isTimestamp(tok string) bool {
	if tok == "" || tok[0] < '0' || tok[0] > '9' {
		return false
	}
	sep := false
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c == '.' || c == ':':
			sep = true
		case c < '0' || c > '9':
			return false
		}
	}
	return sep
}

// isSyscallName accepts what strace prints as a syscall name, including
// "???" and "syscall_0x1b3".
func isSyscallName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '?') {
			return false
		}
	}
	return true
}

func isFlagName(s string) bool {
	return s != "" && isSyscallName(s)
}

// quote quotes a piece of a line for an error message, cutting long ones.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

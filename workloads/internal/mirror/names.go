package mirror

import (
	"strings"
	"unicode/utf8"
)

// EncodeName turns a path into a trace NAME, a single field:
// percent-encoding '%', spaces, tabs, '#', control characters and bytes
// of invalid UTF-8. "/tmp/a b (deleted)" becomes "/tmp/a%20b%20(deleted)".
func EncodeName(path string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(path); {
		r, size := utf8.DecodeRuneInString(path[i:])
		bad := r == utf8.RuneError && size <= 1
		if bad || r == '%' || r == ' ' || r == '#' || r < 0x20 || r == 0x7f {
			for j := i; j < i+size; j++ {
				b.WriteByte('%')
				b.WriteByte(hex[path[j]>>4])
				b.WriteByte(hex[path[j]&15])
			}
		} else {
			b.WriteString(path[i : i+size])
		}
		i += size
	}
	return b.String()
}

// SanitizeComment replaces what a trace comment cannot hold (control
// characters, invalid UTF-8) by '?'.
func SanitizeComment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f:
			b.WriteByte('?')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

package core

// Contents. Frame.Content stands for the bytes a page holds: two pages
// hold the same bytes exactly when their tokens are equal, which is how
// KSM compares pages (memcmp_pages, ksm.go) and how tests see that
// copy-on-write copies what it should. Three kinds of token never meet:
//
//	kind                                 token
//	a value a write gave (w=VALUE)       the value itself, below 2^63
//	a file page as read from its file    1<<63 | file id<<40 | page offset (File.content)
//	the content of a plain write (w)     3<<62 | a counter: new for every page written
//
// A plain write gives every page a content no other page has, so pages
// become identical only when a trace says so (touch w=VALUE) or when one
// is a copy of the other (fork, copy-on-write, swap).

// contentFresh asks a write for a content of its own (the counter's
// tokens never reach it).
const contentFresh = ^uint64(0)

// MaxContentValue is the largest value a write can give a page.
const MaxContentValue = 1<<63 - 1

// freshContentBase is the first token of plain writes.
const freshContentBase = 3 << 62

// written is the content a write leaves in a page: content itself, or
// for contentFresh a token no page has held.
func (m *Machine) written(content uint64) uint64 {
	if content != contentFresh {
		return content
	}
	m.content++
	return freshContentBase | m.content
}

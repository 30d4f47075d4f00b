// Package filermap lends the object-based reverse mapping of file pages
// that this module's object-based strategies share (package
// strategies/internal/objrmap: Dave McCracken's objrmap as merged in rmap
// 7, with the -nonlinear policies for remap_file_pages) to strategies
// written outside this module, which cannot import an internal package.
// A new design for anonymous pages finds its file pages as every kernel
// since 2.6.7 did: through the file's i_mmap index.
//
//	files := filermap.New(m, filermap.Era{})      // in the strategy's New
//	if m.Frame(f).Flags&core.FrameAnon == 0 {     // in Walk and TryToUnmap
//		files.Walk(f, visit)
//	}
//
// examples/anonmmchain uses it; docs/new-strategy.md explains it.
package filermap

import (
	"rmapbench/core"
	"rmapbench/strategies/internal/objrmap"
)

// Files is the file-page rmap of one machine: Walk (page_referenced_file
// without the ageing) and TryToUnmap (try_to_unmap_file).
type Files = objrmap.Files

// Era chooses the walk details of a kernel era (the mm->rss == 0 skip of
// 2.6.7 - 2.6.12, McCracken's nonlinear VMAs kept on the list).
type Era = objrmap.Era

// New returns the file rmap for m with the walks of era, and the nonlinear
// policy of its "nonlinear" option (-nonlinear).
func New(m *core.Machine, era Era) *Files { return objrmap.New(m, era) }

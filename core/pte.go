package core

// PTE is a 64-bit page-table entry shaped like x86-64's: the frame number
// in bits 12..51 and the hardware bits below. A PTE that is not present can
// still hold information, as Linux's do: a swap entry (the page is in the
// simulated swap) or, inside a nonlinear VMA, a file entry (the file page
// this address was remapped to).
type PTE uint64

const (
	ptePresent  PTE = 1 << 0
	pteWrite    PTE = 1 << 1
	pteUser     PTE = 1 << 2
	pteAccessed PTE = 1 << 5
	pteDirty    PTE = 1 << 6

	// Not-present kinds, in bits 1..2 when bit 0 is clear.
	pteKindShift     = 1
	pteKindMask  PTE = 3 << pteKindShift
	pteKindSwap  PTE = 1 << pteKindShift
	pteKindFile  PTE = 2 << pteKindShift

	ptePayloadShift     = 12
	ptePayloadMask  PTE = (1<<52 - 1) &^ (1<<12 - 1)
)

func mkPTE(f FrameID, write bool) PTE {
	p := PTE(f)<<ptePayloadShift | ptePresent | pteUser | pteAccessed
	if write {
		p |= pteWrite | pteDirty
	}
	return p
}

func mkSwapPTE(slot uint32) PTE  { return PTE(slot)<<ptePayloadShift | pteKindSwap }
func mkFilePTE(pgoff uint64) PTE { return PTE(pgoff)<<ptePayloadShift | pteKindFile }

// Present reports whether the PTE maps a frame.
func (p PTE) Present() bool { return p&ptePresent != 0 }

// Writable reports whether a present PTE allows writes.
func (p PTE) Writable() bool { return p&pteWrite != 0 }

// Dirty reports whether the page was written through this PTE.
func (p PTE) Dirty() bool { return p&pteDirty != 0 }

// Young reports the accessed bit.
func (p PTE) Young() bool { return p&pteAccessed != 0 }

// Frame is the frame a present PTE maps.
func (p PTE) Frame() FrameID { return FrameID((p & ptePayloadMask) >> ptePayloadShift) }

// IsSwap reports whether a not-present PTE is a swap entry.
func (p PTE) IsSwap() bool { return p&ptePresent == 0 && p&pteKindMask == pteKindSwap }

// IsFile reports whether a not-present PTE is a nonlinear file entry.
func (p PTE) IsFile() bool { return p&ptePresent == 0 && p&pteKindMask == pteKindFile }

func (p PTE) swapSlot() uint32  { return uint32((p & ptePayloadMask) >> ptePayloadShift) }
func (p PTE) filePgoff() uint64 { return uint64((p & ptePayloadMask) >> ptePayloadShift) }

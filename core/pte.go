package core

// PTE is a 64-bit page-table entry shaped like x86-64's: the frame number
// in bits 12..51 and the hardware bits below. A PTE that is not present can
// still hold information, as Linux's do: a swap entry (the page is in the
// simulated swap), inside a nonlinear VMA a file entry (the file page this
// address was remapped to), or, only while Machine.Migrate moves a page, a
// migration entry (migrate.go): the frame being migrated and the write,
// accessed and dirty bits of the PTE it replaced, in bits 52..54.
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
	pteKindMig   PTE = 3 << pteKindShift

	// What a migration entry remembers of the PTE it replaced
	// (SWP_MIGRATION_WRITE; 6.1's young and dirty bits).
	pteMigWrite PTE = 1 << 52
	pteMigYoung PTE = 1 << 53
	pteMigDirty PTE = 1 << 54

	// ptePMD marks a PMD leaf (_PAGE_PSE): an entry of a PMD table
	// that maps a 2 MiB folio instead of pointing at a PTE table
	// (thp.go). Its frame is the folio's head.
	ptePMD PTE = 1 << 63

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

// mkMigrationPTE is make_migration_entry for the present PTE p mapping f.
func mkMigrationPTE(f FrameID, p PTE) PTE {
	e := PTE(f)<<ptePayloadShift | pteKindMig
	if p.Writable() {
		e |= pteMigWrite
	}
	if p.Young() {
		e |= pteMigYoung
	}
	if p.Dirty() {
		e |= pteMigDirty
	}
	return e
}

// migrationTarget is the present PTE that replaces the migration entry
// p, mapping f (remove_migration_pte): writable, young and dirty as the
// PTE the entry replaced.
func (p PTE) migrationTarget(f FrameID) PTE {
	q := PTE(f)<<ptePayloadShift | ptePresent | pteUser
	if p&pteMigWrite != 0 {
		q |= pteWrite
	}
	if p&pteMigYoung != 0 {
		q |= pteAccessed
	}
	if p&pteMigDirty != 0 {
		q |= pteDirty
	}
	return q
}

// Huge reports whether the entry is a PMD leaf mapping a 2 MiB folio
// (thp.go): Frame is the folio's head.
func (p PTE) Huge() bool { return p&ptePMD != 0 }

// Present reports whether the PTE maps a frame.
func (p PTE) Present() bool { return p&ptePresent != 0 }

// Writable reports whether a present PTE allows writes.
func (p PTE) Writable() bool { return p&pteWrite != 0 }

// Dirty reports whether the page was written through this PTE.
func (p PTE) Dirty() bool { return p&pteDirty != 0 }

// Young reports the accessed bit.
func (p PTE) Young() bool { return p&pteAccessed != 0 }

// Frame is the frame a present PTE maps.
func (p PTE) Frame() FrameID { return p.payloadFrame() }

func (p PTE) payloadFrame() FrameID { return FrameID((p & ptePayloadMask) >> ptePayloadShift) }

// IsSwap reports whether a not-present PTE is a swap entry.
func (p PTE) IsSwap() bool { return p&ptePresent == 0 && p&pteKindMask == pteKindSwap }

// IsFile reports whether a not-present PTE is a nonlinear file entry.
func (p PTE) IsFile() bool { return p&ptePresent == 0 && p&pteKindMask == pteKindFile }

// IsMigration reports whether a not-present PTE is a migration entry: the
// page it mapped is being migrated, and the entry still refers to it.
// Only a try_to_unmap walk of Machine.Migrate can leave one, and none
// survives the Migrate call.
func (p PTE) IsMigration() bool { return p&ptePresent == 0 && p&pteKindMask == pteKindMig }

// migrationOf reports whether p is a migration entry for frame f.
func (p PTE) migrationOf(f FrameID) bool { return p.IsMigration() && p.payloadFrame() == f }

func (p PTE) swapSlot() uint32  { return uint32((p & ptePayloadMask) >> ptePayloadShift) }
func (p PTE) filePgoff() uint64 { return uint64((p & ptePayloadMask) >> ptePayloadShift) }

// Command rmapbench runs the reverse-mapping strategies Linux went through
// over one simulated MMU, checks their walks against a page-table scan,
// and reports time and space in Go benchmark format. The command itself
// lives in package rmapbench/cli; this is only its entry point.
package main

import "rmapbench/cli"

func main() { cli.Main() }

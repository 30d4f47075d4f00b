// Package plot draws the charts of rmapbench results.
package plot

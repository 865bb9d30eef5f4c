// GCBench: the Go peer of gcbench.c, this project's version of the classic
// collector benchmark by John Ellis and Pete Kovac, as modified by Hans Boehm
// (https://hboehm.info/gc/gc_bench/), written from the algorithm (gcbench.c
// describes it and what this version adds: node counts and checks). Same
// work, same order, same output lines. Standard library only; the GC at its
// defaults.
//
//	gcbench [N]     N: long-lived and largest temporary tree depth (16)
//
// Build (no modules, no network): GO111MODULE=off go build -o gcb gcbench.go
package main

import (
	"fmt"
	"os"
	"strconv"
)

type node struct {
	left, right *node
	i, j        int32
}

const (
	minDepth  = 4
	arraySize = 500000
)

var nodesMade int64

func treeSize(depth int) int64 { return int64(1)<<uint(depth+1) - 1 }

func newNode() *node {
	nodesMade++
	return &node{}
}

// populate builds top-down: the node exists before its children are made.
func populate(depth int, n *node) {
	if depth <= 0 {
		return
	}
	depth--
	n.left = newNode()
	n.right = newNode()
	populate(depth, n.left)
	populate(depth, n.right)
}

// makeTree builds bottom-up: both children, then their parent.
func makeTree(depth int) *node {
	if depth <= 0 {
		return newNode()
	}
	left := makeTree(depth - 1)
	right := makeTree(depth - 1)
	n := newNode()
	n.left = left
	n.right = right
	return n
}

func check(n *node) int64 {
	if n.left == nil {
		return 1
	}
	return 1 + check(n.left) + check(n.right)
}

var maxDepth = 16

func timeConstruction(depth int) {
	iters := 2 * treeSize(maxDepth+2) / treeSize(depth)
	fmt.Printf("Creating %d trees of depth %d\n", iters, depth)
	var last int64
	for i := int64(0); i < iters; i++ {
		t := newNode()
		populate(depth, t)
		if i == iters-1 {
			last = check(t)
		}
	}
	fmt.Printf("\tTop down construction: last tree check %d\n", last)
	for i := int64(0); i < iters; i++ {
		t := makeTree(depth)
		if i == iters-1 {
			last = check(t)
		}
	}
	fmt.Printf("\tBottom up construction: last tree check %d\n", last)
}

func main() {
	if len(os.Args) > 1 {
		maxDepth, _ = strconv.Atoi(os.Args[1])
	}
	if maxDepth < minDepth || maxDepth > 24 {
		fmt.Fprintf(os.Stderr, "usage: gcbench [depth %d..24]\n", minDepth)
		os.Exit(2)
	}
	stretch := maxDepth + 2
	fmt.Printf("Garbage Collector Test\n")
	fmt.Printf(" Stretching memory with a binary tree of depth %d\n", stretch)
	fmt.Printf(" Stretch tree check %d\n", check(makeTree(stretch)))

	fmt.Printf(" Creating a long-lived binary tree of depth %d\n", maxDepth)
	longLived := newNode()
	populate(maxDepth, longLived)

	fmt.Printf(" Creating a long-lived array of %d doubles\n", arraySize/2)
	array := make([]float64, arraySize/2)
	for i := 0; i < arraySize/2; i++ {
		array[i] = 1.0 / float64(i)
	}

	for d := minDepth; d <= maxDepth; d += 2 {
		timeConstruction(d)
	}

	if longLived == nil || array[1000] != 1.0/1000 {
		fmt.Printf("Failed\n")
		os.Exit(1)
	}
	fmt.Printf("Long-lived tree check %d, array[1000] %.6f\n", check(longLived), array[1000])
	fmt.Printf("Nodes allocated %d\n", nodesMade)
}

// binary-trees, after the rules of the Computer Language Benchmarks Game
// (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/binarytrees.html),
// written for this project: the Go peer of binarytrees.c (same work, same
// order, same output lines). Standard library only; the GC at its defaults.
//
//	binarytrees [N [W]]      N: max depth (default 21); W: workers (1)
//
// With W > 1, W goroutines take depths from a shared counter; the lines are
// printed in depth order afterwards.
//
// Build (no modules, no network): GO111MODULE=off go build -o bt binarytrees.go
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

type node struct {
	left, right *node
}

func bottomUp(depth int) *node {
	if depth <= 0 {
		return &node{}
	}
	left := bottomUp(depth - 1)
	right := bottomUp(depth - 1)
	return &node{left, right}
}

func (n *node) check() int64 {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.check() + n.right.check()
}

const minDepth = 4

var maxDepth int

func treesOfDepth(depth int) int64 {
	iterations := int64(1) << uint(maxDepth-depth+minDepth)
	var sum int64
	for i := int64(0); i < iterations; i++ {
		sum += bottomUp(depth).check()
	}
	return sum
}

func main() {
	depthArg, workers := 21, 1
	if len(os.Args) > 1 {
		depthArg, _ = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) > 2 {
		workers, _ = strconv.Atoi(os.Args[2])
	}
	if depthArg > 30 || workers < 1 {
		fmt.Fprintln(os.Stderr, "usage: binarytrees [depth <= 30 [workers >= 1]]")
		os.Exit(2)
	}
	maxDepth = depthArg
	if maxDepth < minDepth+2 {
		maxDepth = minDepth + 2
	}
	stretch := maxDepth + 1
	fmt.Printf("stretch tree of depth %d\t check: %d\n", stretch, bottomUp(stretch).check())

	longLived := bottomUp(maxDepth)

	ntasks := (maxDepth-minDepth)/2 + 1
	checks := make([]int64, ntasks)
	var next int64
	work := func() {
		for {
			t := int(atomic.AddInt64(&next, 1) - 1)
			if t >= ntasks {
				return
			}
			checks[t] = treesOfDepth(minDepth + 2*t)
		}
	}
	if workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); work() }()
		}
		wg.Wait()
	}
	for t := 0; t < ntasks; t++ {
		depth := minDepth + 2*t
		fmt.Printf("%d\t trees of depth %d\t check: %d\n",
			int64(1)<<uint(maxDepth-depth+minDepth), depth, checks[t])
	}
	fmt.Printf("long lived tree of depth %d\t check: %d\n", maxDepth, longLived.check())
}

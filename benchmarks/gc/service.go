// service: the Go peer of service.c (issue 14's pause benchmark), written
// for this project. service.c's opening comment defines the workload (the
// map of small trees, the sessions, the paced request workers, the checksum)
// and the progress probe; this program does the same work with goroutines:
// each session is a goroutine parked receiving from its own unbuffered
// channel, holding its object graph in a local; request workers and probes
// are goroutines, one of each per P (GOMAXPROCS, one per CPU by default),
// and yield with runtime.Gosched where service.c calls gt_yield.
//
//	service LIVE_MIB SESSIONS SECONDS RATE [WORKERS [STALL_US]]
//	service replay LIVE_MIB SESSIONS WORKERS C0,C1,...
//
// The second form replays a run from its per-worker request counts, on one
// goroutine and without sessions as goroutines (a message is applied to the
// session's object directly): a worker's requests touch only the entries and
// sessions it owns, so the final state depends on the counts alone. run.py
// compares every runtime's checksum line with the replay's.
//
// Pauses: Go's stop-the-world pauses are in GODEBUG=gctrace=1's line per
// cycle ("gc N @T s P%: A+B+C ms clock, ..."; A and C are the two pauses,
// sweep termination and mark termination, each from the stop request until
// the world restarts). This program prints `gcwindow N0 N1`, the completed
// cycles when the window opened and closed (debug.ReadGCStats, which does
// not stop the world), and run.py takes the pauses of cycles N0+1..N1 from
// the trace. The time goroutines lose to mark assists and to the GC workers
// that take a P is not a pause; the probe's MMU sees it.
//
// Live size: runtime.GC() after the window, then runtime.ReadMemStats'
// HeapAlloc (after a forced collection, the live heap).
//
// Build (no modules, no network): GO111MODULE=off go build -o service service.go
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	golden       = 0x9E3779B97F4A7C15
	entryBytes   = 792
	sessionBytes = 112
	treeDepth    = 3
	garbageDepth = 4
	sendEvery    = 8
	responseLen  = 512
	recent       = 4
	maxStalls    = 1 << 17
	unitNs       = 20000
	tickNs       = 1000000
	warmupNs     = 1000000000
)

func mix(x uint64) uint64 {
	z := x + golden
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

type node struct {
	left, right *node
	val, aux    uint64
}

type entry struct {
	key, version, sum uint64
	tree              *node
	next              *entry
}

type item struct {
	next *item
	val  uint64
}

type session struct {
	id, count, acc uint64
	items          *item
}

func build(depth int, v uint64) *node {
	n := &node{val: v}
	if depth > 0 {
		n.left = build(depth-1, mix(v))
		n.right = build(depth-1, mix(v^1))
	}
	return n
}

func treeSum(n *node) uint64 {
	if n == nil {
		return 0
	}
	return n.val + n.aux + treeSum(n.left) + treeSum(n.right)
}

var (
	liveMiB, nsessions, seconds, rate, nworkers int64
	stallUs                                     int64 = 100
	nentries, nbuckets                          uint64
	buckets                                     []*entry
	chans                                       []chan uint64
	errors                                      int64
	out                                         = bufio.NewWriter(os.Stdout)
)

func addError() { atomic.AddInt64(&errors, 1) }

func sizes() {
	mapBytes := liveMiB*1048576 - nsessions*sessionBytes
	if mapBytes > 0 {
		nentries = uint64(mapBytes / entryBytes)
	}
	if nentries < uint64(nworkers) {
		nentries = uint64(nworkers)
	}
	for nbuckets = 1; nbuckets < nentries; nbuckets *= 2 {
	}
}

func buildMap() {
	buckets = make([]*entry, nbuckets)
	for i := uint64(0); i < nentries; i++ {
		key := mix(i)
		t := build(treeDepth, key)
		b := key & (nbuckets - 1)
		buckets[b] = &entry{key: key, tree: t, sum: treeSum(t), next: buckets[b]}
	}
}

func lookup(key uint64) *entry {
	for e := buckets[key&(nbuckets-1)]; e != nil; e = e.next {
		if e.key == key {
			return e
		}
	}
	return nil
}

func mapChecksum() uint64 {
	var c, n uint64
	for _, head := range buckets {
		for e := head; e != nil; e = e.next {
			if treeSum(e.tree) != e.sum {
				addError()
			}
			c += e.sum + e.version*golden
			n++
		}
	}
	if n != nentries {
		addError()
	}
	return c
}

// newSession is not inlined so that the session is a heap object (escape
// analysis could otherwise keep it on the goroutine's stack).
//
//go:noinline
func newSession(id uint64) *session {
	second := &item{val: 2*id + 1}
	return &session{id: id, items: &item{val: 2 * id, next: second}}
}

func (s *session) receive(m uint64) {
	s.count++
	s.acc = s.acc*31 + m
	it := &item{val: m ^ s.count, next: s.items}
	s.items = it
	it.next.next = nil
}

func (s *session) checksum() uint64 {
	c := s.count*0x100000001B3 + s.acc
	for it := s.items; it != nil; it = it.next {
		c += it.val
	}
	return c
}

var (
	sessionSum               uint64
	sessionsParked, sessDone sync.WaitGroup
)

func sessionMain(id uint64, ch chan uint64) {
	s := newSession(id)
	sessionsParked.Done()
	for m := range ch { // parked here
		s.receive(m)
	}
	if s.id != id {
		addError()
	}
	atomic.AddUint64(&sessionSum, s.checksum())
	sessDone.Done()
}

func owned(total, w uint64) uint64 {
	return (total - w + uint64(nworkers) - 1) / uint64(nworkers)
}

// A worker's own state: its last responses (a heap object, so that the
// responses are heap objects too).
type worker struct {
	state, acc uint64
	recent     [recent][]uint64
}

// request is worker w's k-th request; send delivers a message to a session.
func request(w, k uint64, wk *worker, send func(s, m uint64)) {
	state := &wk.state
	x := mix(*state)
	*state += golden
	gsum := treeSum(build(garbageDepth, x))
	wk.acc += gsum
	response := make([]uint64, responseLen)
	response[0], response[responseLen-1] = x, gsum
	wk.recent[k%recent] = response
	i := w + uint64(nworkers)*(x%owned(nentries, w))
	e := lookup(mix(i))
	y := mix(*state)
	*state += golden
	if e == nil {
		addError()
		return
	}
	level := 1 + int(y%3)
	p := e.tree
	for l := 1; l < level; l++ {
		if (y>>(8+l))&1 != 0 {
			p = p.right
		} else {
			p = p.left
		}
	}
	sub := build(treeDepth-level, y^e.version)
	if (y>>8)&1 != 0 {
		p.right = sub
	} else {
		p.left = sub
	}
	e.version++
	e.tree.aux += y >> 40
	e.sum = treeSum(e.tree)
	if k%sendEvery == sendEvery-1 {
		send(w+uint64(nworkers)*((y>>16)%owned(uint64(nsessions), w)), y)
	}
}

var (
	base                     = time.Now()
	startNs, windowNs, endNs int64
	requests, workerAcc      []uint64
)

func now() int64 { return int64(time.Since(base)) }

func workerMain(w uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	wk, done := &worker{state: mix(1000 + w)}, uint64(0)
	perNs := float64(rate) / float64(nworkers) / 1e9
	send := func(s, m uint64) { chans[s] <- m }
	for {
		t := now()
		if t >= endNs {
			break
		}
		due, slice := uint64(float64(t-startNs)*perNs), t
		for done < due {
			request(w, done, wk, send)
			done++
			u := now()
			if u >= endNs {
				break
			}
			if u-slice >= unitNs {
				runtime.Gosched()
				slice = now()
			}
		}
		next := startNs + ((t-startNs)/tickNs+1)*tickNs
		time.Sleep(time.Duration(next - now()))
	}
	requests[w], workerAcc[w] = done, wk.acc
}

// The progress probe (service.c's comment).
var sink uint64

//go:noinline
func unit(x, iters uint64) uint64 {
	for i := uint64(0); i < iters; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	return x
}

func calibrate() uint64 {
	best, x, n := int64(1<<62), uint64(1), uint64(2000)
	for r := 0; r < 200; r++ {
		t0 := now()
		x = unit(x, n)
		if t := now() - t0; t < best {
			best = t
		}
	}
	sink += x
	if best <= 0 {
		return n
	}
	return n * unitNs / uint64(best)
}

type probe struct {
	units  uint64
	minGap int64
	stalls []int64 // from, to pairs
}

func probeMain(p *probe, id, iters uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	x, stall := id+1, stallUs*1000
	prev := now()
	p.minGap = 1 << 62
	for prev < endNs {
		x = unit(x, iters)
		t := now()
		gap := t - prev
		if t >= windowNs {
			p.units++
			if gap < p.minGap {
				p.minGap = gap
			}
			if gap > stall && len(p.stalls) < 2*maxStalls {
				p.stalls = append(p.stalls, prev, t)
			}
		}
		prev = t
		runtime.Gosched()
	}
	atomic.AddUint64(&sink, x)
}

func numGC() int64 {
	var s debug.GCStats
	debug.ReadGCStats(&s)
	return s.NumGC
}

func run() {
	iters := calibrate()
	fmt.Fprintf(out, "config %d %d %d %d %d %d entries %d unit_iters %d\n", liveMiB,
		nsessions, seconds, rate, nworkers, stallUs, nentries, iters)
	buildMap()
	chans = make([]chan uint64, nsessions)
	sessionsParked.Add(int(nsessions))
	sessDone.Add(int(nsessions))
	for s := range chans {
		chans[s] = make(chan uint64)
		go sessionMain(uint64(s), chans[s])
	}
	sessionsParked.Wait()
	runtime.GC() // a clean start: the setup's garbage goes

	startNs = now()
	windowNs = startNs + warmupNs
	endNs = windowNs + seconds*1000000000
	requests, workerAcc = make([]uint64, nworkers), make([]uint64, nworkers)
	nprobes := runtime.GOMAXPROCS(0)
	probes := make([]probe, nprobes)
	var wg sync.WaitGroup
	for p := range probes {
		probes[p].stalls = make([]int64, 0, 2*maxStalls)
		wg.Add(1)
		go probeMain(&probes[p], uint64(p), iters, &wg)
	}
	for w := uint64(0); w < uint64(nworkers); w++ {
		wg.Add(1)
		go workerMain(w, &wg)
	}
	var gc0 int64
	time.Sleep(time.Duration(windowNs - now()))
	gc0 = numGC()
	time.Sleep(time.Duration(endNs - now()))
	gc1 := numGC()
	wg.Wait()

	// Times printed on the program's clock (ns since base).
	fmt.Fprintf(out, "window %d %d\n", windowNs, endNs)
	for i := range probes {
		p := &probes[i]
		fmt.Fprintf(out, "probe %d %d %d\n", i, p.units, p.minGap)
		for j := 0; j < len(p.stalls); j += 2 {
			fmt.Fprintf(out, "stall %d %d %d\n", i, p.stalls[j], p.stalls[j+1])
		}
	}
	fmt.Fprintf(out, "gcwindow %d %d\n", gc0, gc1)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(out, "live_bytes %d\n", ms.HeapAlloc)

	mapSum := mapChecksum()
	for _, ch := range chans {
		close(ch)
	}
	sessDone.Wait()
	report(mapSum, sessionSum, requests, workerAcc)
}

func report(mapSum, sessSum uint64, requests, acc []uint64) {
	var a uint64
	fmt.Fprint(out, "requests")
	for w := range requests {
		fmt.Fprintf(out, " %d", requests[w])
		a += acc[w]
	}
	fmt.Fprintf(out, "\nchecksum %016x %016x %016x\n", mapSum, sessSum, a)
	fmt.Fprintf(out, "errors %d\n", errors)
}

// replay: the final state of a run with the given per-worker counts.
func replay(counts []uint64) {
	buildMap()
	sessions := make([]*session, nsessions)
	for s := range sessions {
		sessions[s] = newSession(uint64(s))
	}
	send := func(s, m uint64) { sessions[s].receive(m) }
	acc := make([]uint64, nworkers)
	for w := uint64(0); w < uint64(nworkers); w++ {
		wk := &worker{state: mix(1000 + w)}
		for k := uint64(0); k < counts[w]; k++ {
			request(w, k, wk, send)
		}
		acc[w] = wk.acc
	}
	var sessSum uint64
	for _, s := range sessions {
		sessSum += s.checksum()
	}
	report(mapChecksum(), sessSum, counts, acc)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: service LIVE_MIB SESSIONS SECONDS RATE [WORKERS [STALL_US]]\n"+
		"       service replay LIVE_MIB SESSIONS WORKERS C0,C1,...")
	os.Exit(2)
}

func atoi(s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		usage()
	}
	return v
}

func main() {
	defer out.Flush()
	args := os.Args[1:]
	if len(args) == 5 && args[0] == "replay" {
		liveMiB, nsessions, nworkers = atoi(args[1]), atoi(args[2]), atoi(args[3])
		var counts []uint64
		for _, c := range strings.Split(args[4], ",") {
			counts = append(counts, uint64(atoi(c)))
		}
		if int64(len(counts)) != nworkers || nsessions < nworkers || nworkers < 1 {
			usage()
		}
		sizes()
		replay(counts)
		return
	}
	if len(args) < 4 {
		usage()
	}
	liveMiB, nsessions, seconds, rate = atoi(args[0]), atoi(args[1]), atoi(args[2]), atoi(args[3])
	nworkers = int64(runtime.GOMAXPROCS(0))
	if len(args) >= 5 && atoi(args[4]) > 0 {
		nworkers = atoi(args[4])
	}
	if len(args) >= 6 {
		stallUs = atoi(args[5])
	}
	if liveMiB < 1 || seconds < 1 || rate < 1 || stallUs < 1 || nsessions < nworkers {
		usage()
	}
	sizes()
	run()
	if errors != 0 {
		out.Flush()
		os.Exit(1)
	}
}

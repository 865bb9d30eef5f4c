// Peer benchmarks for the green-thread runtime: the same programs written with
// Go goroutines and channels (standard library only).
//
// Usage:  bench <bench> <executors> <n>
// Prints: RESULT <bench> <executors> <n> <value> <unit>
// Exits 1 (with a message on stderr) when a checksum is wrong.
//
// "executors" is runtime.GOMAXPROCS, the number of OS threads running
// goroutines at once. The GC is left at its default settings.
//
//	skynet  skynet(0, n): each call with size > 1 starts 10 goroutines for
//	        skynet(num + i*size/10, size/10) and sums what they send on the
//	        parent's channel (one buffered chan of 10 per parent); the root
//	        runs in its own goroutine, so n = 1000000 makes 1,111,111
//	        goroutines. n must be a power of 10 (sum == n*(n-1)/2).
//	        Best of 3, in ms.
//	spawn   n goroutines that each add 1 to a shared atomic counter, started
//	        and waited for (sync.WaitGroup) in batches of 10000.
//	        Best of 3, in ns/thread.
//	yield   executors forced to 1: two goroutines each call
//	        runtime.Gosched() n times. Best of 3, total time / (2n), in ns/yield.
//	chanpp  two goroutines ping-pong a counter over two unbuffered chan int,
//	        n round trips. Best of 3, in ns/roundtrip.
//	memory  n goroutines each bump a "started" counter and block receiving
//	        from one shared unbuffered chan struct{}; once all have started
//	        (+100 ms), resident memory growth (/proc/self/statm) / n, in
//	        bytes/thread. One run; the channel is then closed and all waited for.
//	park    n goroutines each bump a "started" counter and block receiving
//	        from one shared unbuffered chan struct{}; prints two results:
//	        "park", the ms from the first go statement until all n have
//	        started, and "wake", the ms from close() until all n have finished
//	        (sync.WaitGroup). One run.
//	idle    nothing to run for 1 s (the main goroutine sleeps): CPU time of
//	        the process, ms per second.
//
// Build (no modules, no network):
//
//	GO111MODULE=off go build -o /tmp/peers-go bench.go
package main

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const batch = 10000

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// bestOf3 runs f three times and returns the shortest wall time in ns.
func bestOf3(f func()) float64 {
	best := math.Inf(1)
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		f()
		best = math.Min(best, float64(time.Since(t0).Nanoseconds()))
	}
	return best
}

func skynet(out chan<- int64, num, size int64) {
	if size == 1 {
		out <- num
		return
	}
	ch := make(chan int64, 10)
	sub := size / 10
	for i := int64(0); i < 10; i++ {
		go skynet(ch, num+i*sub, sub)
	}
	var sum int64
	for i := 0; i < 10; i++ {
		sum += <-ch
	}
	out <- sum
}

func benchSkynet(n int64) float64 {
	return bestOf3(func() {
		ch := make(chan int64)
		go skynet(ch, 0, n)
		if sum := <-ch; sum != n*(n-1)/2 {
			fail("skynet: sum %d, want %d", sum, n*(n-1)/2)
		}
	}) / 1e6
}

func benchSpawn(n int64) float64 {
	return bestOf3(func() {
		var counter int64
		var wg sync.WaitGroup
		for done := int64(0); done < n; {
			m := n - done
			if m > batch {
				m = batch
			}
			wg.Add(int(m))
			for i := int64(0); i < m; i++ {
				go func() {
					atomic.AddInt64(&counter, 1)
					wg.Done()
				}()
			}
			wg.Wait()
			done += m
		}
		if counter != n {
			fail("spawn: counter %d, want %d", counter, n)
		}
	}) / float64(n)
}

func benchYield(n int64) float64 {
	return bestOf3(func() {
		var count int64
		var wg sync.WaitGroup
		wg.Add(2)
		for t := 0; t < 2; t++ {
			go func() {
				for i := int64(0); i < n; i++ {
					runtime.Gosched()
					count++ // one executor: no race
				}
				wg.Done()
			}()
		}
		wg.Wait()
		if count != 2*n {
			fail("yield: count %d, want %d", count, 2*n)
		}
	}) / float64(2*n)
}

func benchChanpp(n int64) float64 {
	return bestOf3(func() {
		c1, c2 := make(chan int64), make(chan int64)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // A
			defer wg.Done()
			for i := int64(0); i < n; i++ {
				c1 <- i
				if v := <-c2; v != i+1 {
					fail("chanpp: got %d, want %d", v, i+1)
				}
			}
		}()
		go func() { // B
			defer wg.Done()
			for i := int64(0); i < n; i++ {
				c2 <- <-c1 + 1
			}
		}()
		wg.Wait()
	}) / float64(n)
}

// rss returns the resident set size in bytes (second field of /proc/self/statm).
func rss() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		fail("statm: %v", err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(data))[1], 10, 64)
	if err != nil {
		fail("statm: %v", err)
	}
	return pages * int64(os.Getpagesize())
}

// spawnParked starts n goroutines (wg already counts them) that each count
// themselves in started, park on ch until it is closed, and then leave wg.
func spawnParked(n int64, ch chan struct{}, wg *sync.WaitGroup, started *int64) {
	for i := int64(0); i < n; i++ {
		go func() {
			atomic.AddInt64(started, 1)
			<-ch
			wg.Done()
		}()
	}
}

func benchMemory(n int64) float64 {
	var started int64
	ch := make(chan struct{})
	var wg sync.WaitGroup
	before := rss()
	wg.Add(int(n))
	spawnParked(n, ch, &wg, &started)
	for atomic.LoadInt64(&started) < n {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	after := rss()
	close(ch)
	wg.Wait()
	return float64(after-before) / float64(n)
}

func benchPark(n int64) (float64, float64) {
	var started int64
	ch := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(int(n))
	t0 := time.Now()
	spawnParked(n, ch, &wg, &started)
	for atomic.LoadInt64(&started) < n {
		runtime.Gosched()
	}
	t1 := time.Now()
	close(ch)
	wg.Wait()
	t2 := time.Now()
	return float64(t1.Sub(t0).Nanoseconds()) / 1e6, float64(t2.Sub(t1).Nanoseconds()) / 1e6
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func benchIdle() float64 {
	time.Sleep(100 * time.Millisecond)
	c0 := cpuSeconds()
	t0 := time.Now()
	time.Sleep(time.Second)
	return (cpuSeconds() - c0) * 1e3 / time.Since(t0).Seconds()
}

func powerOf10(n int64) bool {
	for n > 1 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bench skynet|spawn|yield|chanpp|memory|park|idle <executors> <n>")
		os.Exit(2)
	}
	name := os.Args[1]
	executors, err1 := strconv.Atoi(os.Args[2])
	n, err2 := strconv.ParseInt(os.Args[3], 10, 64)
	if err1 != nil || err2 != nil || executors < 1 || n < 1 {
		fmt.Fprintln(os.Stderr, "bench: executors and n must be positive integers")
		os.Exit(2)
	}
	if name == "skynet" && !powerOf10(n) {
		fmt.Fprintln(os.Stderr, "bench: skynet needs n to be a power of 10")
		os.Exit(2)
	}
	if name == "yield" {
		executors = 1
	}
	runtime.GOMAXPROCS(executors)

	var value float64
	var unit string
	switch name {
	case "skynet":
		value, unit = benchSkynet(n), "ms"
	case "spawn":
		value, unit = benchSpawn(n), "ns/thread"
	case "yield":
		value, unit = benchYield(n), "ns/yield"
	case "chanpp":
		value, unit = benchChanpp(n), "ns/roundtrip"
	case "memory":
		value, unit = benchMemory(n), "bytes/thread"
	case "park":
		park, wake := benchPark(n)
		fmt.Printf("RESULT park %d %d %.2f ms\n", executors, n, park)
		name, value, unit = "wake", wake, "ms"
	case "idle":
		value, unit = benchIdle(), "ms/s"
	default:
		fmt.Fprintf(os.Stderr, "bench: unknown benchmark %q\n", name)
		os.Exit(2)
	}
	fmt.Printf("RESULT %s %d %d %.2f %s\n", name, executors, n, value, unit)
}

// Service: the Java 17 peer of service.c (issue 14's pause benchmark),
// written for this project. service.c's opening comment defines the workload
// (the map of small trees, the sessions, the paced request workers, the
// checksum) and the progress probe; this program does the same work and
// prints the same lines.
//
//   java [-XX:+UseZGC] Service LIVE_MIB SESSIONS SECONDS RATE [WORKERS [STALL_US]]
//
// What differs: Java 17 has no virtual threads, and a million platform
// threads is not a service anyone runs, so a session is not a parked thread
// but an object (in an array), and a fixed pool of session threads, one per
// CPU, serves them: a worker's message goes into the queue of pool thread
// (session mod pool size), which applies it to the session's object. The
// object graphs are the same; what the collector does not have here is a
// million stacks to scan. Request workers and probes are platform threads,
// one of each per CPU (Runtime.availableProcessors()). They do not yield
// where service.c calls gt_yield: the OS preempts them, and Thread.yield()
// (sched_yield) every 20 us starved the workers here (2 vCPUs, loaded: a
// worker did 2% of its requests).
//
// Pauses: run.py runs this with -Xlog:gc*,safepoint:file=...:tn,tg and takes
// from the log every safepoint of a collector's operation (its "Total",
// which includes the time to reach the safepoint: the time the threads were
// held) and ZGC's allocation stalls, within the window this program prints
// (System.nanoTime, the log's `tn` decorator). ZGC's concurrent phases and
// its thread-local handshakes are not pauses; the probe's MMU sees them.
//
// Live size: System.gc() after the window, then the heap's used bytes
// (MemoryMXBean).
import java.lang.management.ManagementFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

public final class Service {
  static final long GOLDEN = 0x9E3779B97F4A7C15L;
  static final int ENTRY_BYTES = 792, SESSION_BYTES = 112, TREE_DEPTH = 3,
      GARBAGE_DEPTH = 4, SEND_EVERY = 8, RESPONSE_LEN = 512, RECENT = 4,
      MAX_STALLS = 1 << 17;
  static final long UNIT_NS = 20000, TICK_NS = 1000000, WARMUP_NS = 1000000000L;

  static long mix(long x) {
    long z = x + GOLDEN;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static final class Node {
    Node left, right;
    long val, aux;
  }

  static final class Entry {
    long key, version, sum;
    Node tree;
    Entry next;
  }

  static final class Item {
    Item next;
    long val;
  }

  static final class Session {
    long id, count, acc;
    Item items;

    Session(long id) {
      this.id = id;
      Item second = new Item();
      second.val = 2 * id + 1;
      items = new Item();
      items.val = 2 * id;
      items.next = second;
    }

    void receive(long m) {
      count++;
      acc = acc * 31 + m;
      Item it = new Item();
      it.val = m ^ count;
      it.next = items;
      items = it;
      it.next.next = null;
    }

    long checksum() {
      long c = count * 0x100000001B3L + acc;
      for (Item it = items; it != null; it = it.next)
        c += it.val;
      return c;
    }
  }

  static Node build(int depth, long v) {
    Node n = new Node();
    n.val = v;
    if (depth > 0) {
      n.left = build(depth - 1, mix(v));
      n.right = build(depth - 1, mix(v ^ 1));
    }
    return n;
  }

  static long treeSum(Node n) {
    return n == null ? 0 : n.val + n.aux + treeSum(n.left) + treeSum(n.right);
  }

  static long liveMiB, nsessions, seconds, rate, stallUs = 100;
  static int nworkers;
  static long nentries, nbuckets;
  static Entry[] buckets;
  static Session[] sessions;
  static final AtomicLong errors = new AtomicLong();

  static Entry lookup(long key) {
    for (Entry e = buckets[(int) (key & (nbuckets - 1))]; e != null; e = e.next)
      if (e.key == key)
        return e;
    return null;
  }

  static void buildMap() {
    buckets = new Entry[(int) nbuckets];
    for (long i = 0; i < nentries; ++i) {
      Entry e = new Entry();
      e.key = mix(i);
      e.tree = build(TREE_DEPTH, e.key);
      e.sum = treeSum(e.tree);
      int b = (int) (e.key & (nbuckets - 1));
      e.next = buckets[b];
      buckets[b] = e;
    }
  }

  static long mapChecksum() {
    long c = 0, n = 0;
    for (Entry head : buckets)
      for (Entry e = head; e != null; e = e.next) {
        if (treeSum(e.tree) != e.sum)
          errors.incrementAndGet();
        c += e.sum + e.version * GOLDEN;
        ++n;
      }
    if (n != nentries)
      errors.incrementAndGet();
    return c;
  }

  // The session pool: thread t applies the messages of sessions s = t (mod
  // pool size) in the order they were sent.
  record Msg(int session, long value) {}

  static LinkedBlockingQueue<Msg>[] queues;

  static void sessionPool(int t) {
    try {
      for (;;) {
        Msg m = queues[t].take();
        if (m.session < 0)
          return;
        sessions[m.session].receive(m.value);
      }
    } catch (InterruptedException e) {
      throw new RuntimeException(e);
    }
  }

  static long owned(long total, long w) {
    return (total - w + nworkers - 1) / nworkers;
  }

  static long startNs, windowNs, endNs;
  static long[] requests, workerAcc;

  static void request(int w, long k, long[] state, long[][] recent) {
    long x = mix(state[0]);
    state[0] += GOLDEN;
    long gsum = treeSum(build(GARBAGE_DEPTH, x));
    workerAcc[w] += gsum;
    long[] response = new long[RESPONSE_LEN];
    response[0] = x;
    response[RESPONSE_LEN - 1] = gsum;
    recent[(int) (k % RECENT)] = response;
    long i = w + nworkers * Long.remainderUnsigned(x, owned(nentries, w));
    Entry e = lookup(mix(i));
    long y = mix(state[0]);
    state[0] += GOLDEN;
    if (e == null) {
      errors.incrementAndGet();
      return;
    }
    int level = 1 + (int) Long.remainderUnsigned(y, 3);
    Node p = e.tree;
    for (int l = 1; l < level; ++l)
      p = ((y >>> (8 + l)) & 1) != 0 ? p.right : p.left;
    Node sub = build(TREE_DEPTH - level, y ^ e.version);
    if (((y >>> 8) & 1) != 0)
      p.right = sub;
    else
      p.left = sub;
    e.version++;
    e.tree.aux += y >>> 40;
    e.sum = treeSum(e.tree);
    if (k % SEND_EVERY == SEND_EVERY - 1) {
      int s = (int) (w + nworkers * ((y >>> 16) % owned(nsessions, w)));
      queues[s % queues.length].add(new Msg(s, y));
    }
  }

  static void worker(int w) {
    long[] state = {mix(1000 + w)};
    long[][] recent = new long[RECENT][];
    long done = 0;
    double perNs = (double) rate / nworkers / 1e9;
    for (;;) {
      long t = System.nanoTime();
      if (t >= endNs)
        break;
      long due = (long) ((t - startNs) * perNs);
      while (done < due) {
        request(w, done, state, recent);
        ++done;
        long u = System.nanoTime();
        if (u >= endNs)
          break;
      }
      long next = startNs + ((t - startNs) / TICK_NS + 1) * TICK_NS;
      LockSupport.parkNanos(next - System.nanoTime());
    }
    requests[w] = done;
  }

  // The progress probe (service.c's comment).
  static final AtomicLong sink = new AtomicLong();

  static long unit(long x, long iters) {
    for (long i = 0; i < iters; ++i) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      x ^= x >>> 29;
    }
    return x;
  }

  static long calibrate() {
    long x = 1, n = 2000;
    for (int r = 0; r < 20000; ++r) // warm up the JIT
      x = unit(x, 100);
    long best = Long.MAX_VALUE;
    for (int r = 0; r < 200; ++r) {
      long t0 = System.nanoTime();
      x = unit(x, n);
      best = Math.min(best, System.nanoTime() - t0);
    }
    sink.addAndGet(x);
    return best > 0 ? n * UNIT_NS / best : n;
  }

  static final class Probe {
    long units, minGap = Long.MAX_VALUE;
    int nstalls;
    final long[] stalls = new long[2 * MAX_STALLS];
  }

  static void probe(Probe p, long id, long iters) {
    long x = id + 1, stall = stallUs * 1000, prev = System.nanoTime();
    while (prev < endNs) {
      x = unit(x, iters);
      long t = System.nanoTime(), gap = t - prev;
      if (t >= windowNs) {
        p.units++;
        p.minGap = Math.min(p.minGap, gap);
        if (gap > stall && p.nstalls < MAX_STALLS) {
          p.stalls[2 * p.nstalls] = prev;
          p.stalls[2 * p.nstalls + 1] = t;
          p.nstalls++;
        }
      }
      prev = t;
    }
    sink.addAndGet(x);
  }

  static void usage() {
    System.err.println("usage: java Service LIVE_MIB SESSIONS SECONDS RATE [WORKERS [STALL_US]]");
    System.exit(2);
  }

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    if (args.length < 4)
      usage();
    liveMiB = Long.parseLong(args[0]);
    nsessions = Long.parseLong(args[1]);
    seconds = Long.parseLong(args[2]);
    rate = Long.parseLong(args[3]);
    int cpus = Runtime.getRuntime().availableProcessors();
    nworkers = args.length >= 5 && Integer.parseInt(args[4]) > 0 ? Integer.parseInt(args[4]) : cpus;
    if (args.length >= 6)
      stallUs = Long.parseLong(args[5]);
    if (liveMiB < 1 || seconds < 1 || rate < 1 || stallUs < 1 || nsessions < nworkers)
      usage();
    long mapBytes = liveMiB * 1048576 - nsessions * SESSION_BYTES;
    nentries = Math.max(mapBytes > 0 ? mapBytes / ENTRY_BYTES : 0, nworkers);
    for (nbuckets = 1; nbuckets < nentries; nbuckets *= 2) {}

    long iters = calibrate();
    StringBuilder out = new StringBuilder();
    out.append(String.format("config %d %d %d %d %d %d entries %d unit_iters %d%n", liveMiB,
        nsessions, seconds, rate, nworkers, stallUs, nentries, iters));
    buildMap();
    sessions = new Session[(int) nsessions];
    for (int s = 0; s < nsessions; ++s)
      sessions[s] = new Session(s);
    queues = new LinkedBlockingQueue[cpus];
    Thread[] pool = new Thread[cpus];
    for (int t = 0; t < cpus; ++t) {
      queues[t] = new LinkedBlockingQueue<>();
      final int tt = t;
      pool[t] = new Thread(() -> sessionPool(tt), "session-" + t);
      pool[t].start();
    }
    System.gc(); // a clean start: the setup's garbage goes

    startNs = System.nanoTime();
    windowNs = startNs + WARMUP_NS;
    endNs = windowNs + seconds * 1000000000L;
    requests = new long[nworkers];
    workerAcc = new long[nworkers];
    Probe[] probes = new Probe[cpus];
    Thread[] threads = new Thread[cpus + nworkers];
    for (int p = 0; p < cpus; ++p) {
      Probe pr = probes[p] = new Probe();
      final long id = p;
      threads[p] = new Thread(() -> probe(pr, id, iters), "probe-" + p);
    }
    for (int w = 0; w < nworkers; ++w) {
      final int ww = w;
      threads[cpus + w] = new Thread(() -> worker(ww), "worker-" + w);
    }
    for (Thread t : threads)
      t.start();
    for (Thread t : threads)
      t.join();

    out.append(String.format("window %d %d%n", windowNs, endNs));
    for (int i = 0; i < cpus; ++i) {
      Probe p = probes[i];
      out.append(String.format("probe %d %d %d%n", i, p.units, p.minGap));
      for (int j = 0; j < p.nstalls; ++j)
        out.append("stall ").append(i).append(' ').append(p.stalls[2 * j]).append(' ')
            .append(p.stalls[2 * j + 1]).append('\n');
    }
    System.gc();
    out.append(String.format("live_bytes %d%n",
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()));

    long mapSum = mapChecksum();
    for (int t = 0; t < cpus; ++t)
      queues[t].add(new Msg(-1, 0));
    for (Thread t : pool)
      t.join();
    long sessSum = 0, acc = 0;
    for (Session s : sessions)
      sessSum += s.checksum();
    out.append("requests");
    for (int w = 0; w < nworkers; ++w) {
      out.append(' ').append(requests[w]);
      acc += workerAcc[w];
    }
    out.append(String.format("%nchecksum %016x %016x %016x%n", mapSum, sessSum, acc));
    out.append(String.format("errors %d%n", errors.get()));
    System.out.print(out);
    System.exit(errors.get() != 0 ? 1 : 0);
  }
}

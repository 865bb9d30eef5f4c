// binary-trees, after the rules of the Computer Language Benchmarks Game
// (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/binarytrees.html),
// written for this project: the Java peer of binarytrees.c (same work, same
// order, same output lines). run.py runs it with G1 (the default) and with
// -XX:+UseZGC, the heap sizes left to the JVM.
//
//   java BinaryTrees [N [W]]      N: max depth (default 21); W: workers (1)
//
// With W > 1, W threads take depths from a shared counter; the lines are
// printed in depth order afterwards.
import java.util.concurrent.atomic.AtomicInteger;

public final class BinaryTrees {
    static final class Node {
        final Node left, right;

        Node(Node left, Node right) {
            this.left = left;
            this.right = right;
        }

        long check() {
            if (left == null) return 1;
            return 1 + left.check() + right.check();
        }
    }

    static Node bottomUp(int depth) {
        if (depth <= 0) return new Node(null, null);
        Node left = bottomUp(depth - 1);
        Node right = bottomUp(depth - 1);
        return new Node(left, right);
    }

    static final int MIN_DEPTH = 4;
    static int maxDepth;

    static long treesOfDepth(int depth) {
        long iterations = 1L << (maxDepth - depth + MIN_DEPTH);
        long sum = 0;
        for (long i = 0; i < iterations; ++i) sum += bottomUp(depth).check();
        return sum;
    }

    public static void main(String[] args) throws InterruptedException {
        int depthArg = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        if (depthArg > 30 || workers < 1) {
            System.err.println("usage: BinaryTrees [depth <= 30 [workers >= 1]]");
            System.exit(2);
        }
        maxDepth = Math.max(MIN_DEPTH + 2, depthArg);
        int stretch = maxDepth + 1;
        StringBuilder out = new StringBuilder();
        System.out.print("stretch tree of depth " + stretch + "\t check: "
                + bottomUp(stretch).check() + "\n");

        Node longLived = bottomUp(maxDepth);

        int ntasks = (maxDepth - MIN_DEPTH) / 2 + 1;
        long[] checks = new long[ntasks];
        AtomicInteger next = new AtomicInteger();
        Runnable work = () -> {
            for (;;) {
                int t = next.getAndIncrement();
                if (t >= ntasks) return;
                checks[t] = treesOfDepth(MIN_DEPTH + 2 * t);
            }
        };
        if (workers == 1) {
            work.run();
        } else {
            Thread[] threads = new Thread[workers];
            for (int i = 0; i < workers; ++i) {
                threads[i] = new Thread(work);
                threads[i].start();
            }
            for (Thread t : threads) t.join();
        }
        for (int t = 0; t < ntasks; ++t) {
            int depth = MIN_DEPTH + 2 * t;
            out.append(1L << (maxDepth - depth + MIN_DEPTH)).append("\t trees of depth ")
               .append(depth).append("\t check: ").append(checks[t]).append('\n');
        }
        out.append("long lived tree of depth ").append(maxDepth).append("\t check: ")
           .append(longLived.check()).append('\n');
        System.out.print(out);
    }
}

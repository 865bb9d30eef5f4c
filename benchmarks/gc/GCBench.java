// GCBench: the Java peer of gcbench.c, this project's version of the classic
// collector benchmark by John Ellis and Pete Kovac, as modified by Hans Boehm
// (https://hboehm.info/gc/gc_bench/), written from the algorithm (gcbench.c
// describes it and what this version adds: node counts and checks). Same
// work, same order, same output lines. run.py runs it with G1 (the default)
// and with -XX:+UseZGC, the heap sizes left to the JVM.
//
//   java GCBench [N]     N: long-lived and largest temporary tree depth (16)
import java.util.Locale;

public final class GCBench {
    static final class Node {
        Node left, right;
        int i, j;
    }

    static final int MIN_DEPTH = 4;
    static final int ARRAY_SIZE = 500000;
    static int maxDepth = 16;
    static long nodesMade;

    static long treeSize(int depth) { return (1L << (depth + 1)) - 1; }

    static Node newNode() {
        ++nodesMade;
        return new Node();
    }

    // Top-down: the node exists before its children are made.
    static void populate(int depth, Node n) {
        if (depth <= 0) return;
        --depth;
        n.left = newNode();
        n.right = newNode();
        populate(depth, n.left);
        populate(depth, n.right);
    }

    // Bottom-up: both children, then their parent.
    static Node makeTree(int depth) {
        if (depth <= 0) return newNode();
        Node left = makeTree(depth - 1);
        Node right = makeTree(depth - 1);
        Node n = newNode();
        n.left = left;
        n.right = right;
        return n;
    }

    static long check(Node n) {
        if (n.left == null) return 1;
        return 1 + check(n.left) + check(n.right);
    }

    static void timeConstruction(int depth) {
        long iters = 2 * treeSize(maxDepth + 2) / treeSize(depth);
        System.out.print("Creating " + iters + " trees of depth " + depth + "\n");
        long last = 0;
        for (long i = 0; i < iters; ++i) {
            Node t = newNode();
            populate(depth, t);
            if (i == iters - 1) last = check(t);
        }
        System.out.print("\tTop down construction: last tree check " + last + "\n");
        for (long i = 0; i < iters; ++i) {
            Node t = makeTree(depth);
            if (i == iters - 1) last = check(t);
        }
        System.out.print("\tBottom up construction: last tree check " + last + "\n");
    }

    public static void main(String[] args) {
        if (args.length > 0) maxDepth = Integer.parseInt(args[0]);
        if (maxDepth < MIN_DEPTH || maxDepth > 24) {
            System.err.println("usage: GCBench [depth " + MIN_DEPTH + "..24]");
            System.exit(2);
        }
        int stretch = maxDepth + 2;
        System.out.print("Garbage Collector Test\n");
        System.out.print(" Stretching memory with a binary tree of depth " + stretch + "\n");
        System.out.print(" Stretch tree check " + check(makeTree(stretch)) + "\n");

        System.out.print(" Creating a long-lived binary tree of depth " + maxDepth + "\n");
        Node longLived = newNode();
        populate(maxDepth, longLived);

        System.out.print(" Creating a long-lived array of " + ARRAY_SIZE / 2 + " doubles\n");
        double[] array = new double[ARRAY_SIZE / 2];
        for (int i = 0; i < ARRAY_SIZE / 2; ++i) array[i] = 1.0 / i;

        for (int d = MIN_DEPTH; d <= maxDepth; d += 2) timeConstruction(d);

        if (longLived == null || array[1000] != 1.0 / 1000) {
            System.out.print("Failed\n");
            System.exit(1);
        }
        System.out.print(String.format(Locale.ROOT,
                "Long-lived tree check %d, array[1000] %.6f\n", check(longLived), array[1000]));
        System.out.print("Nodes allocated " + nodesMade + "\n");
    }
}

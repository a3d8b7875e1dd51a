package org.eapo4j.parallel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;

/**
 * The c10d objects of one process: the {@code TCPStore} (served by rank 0) and the {@code ProcessGroupGloo} built
 * over it. Everything that touches c10d lives here, so that a single-process run never loads these classes.
 *
 * <p>Every failure becomes a {@link DistException} that names the operation; a failed collective is followed by a
 * short liveness check through the store (each surviving rank writes a key, then waits a little for the others'),
 * so that the message can name the ranks that did not answer. After a failure the group is marked broken.
 */
final class GlooGroup implements AutoCloseable {
    private static final String PREFIX = "eapo4j/";

    private final DistEnv env;
    private final long timeoutMs;
    private final TCPStore store;
    private final ProcessGroupGloo pg;
    private long sequence;          // collectives issued so far (the same on every rank: they run in lockstep)
    private String broken;          // why the group is unusable, or null
    private boolean closed;

    GlooGroup(DistEnv env) {
        this.env = env;
        this.timeoutMs = env.timeout().toMillis();
        String where = env.masterAddr() + ":" + env.masterPort();
        TCPStore s;
        try (TCPStoreOptions o = new TCPStoreOptions(); Milliseconds t = new Milliseconds(timeoutMs)) {
            o.port((short) env.masterPort());   // uint16_t on the C++ side: the bits of ports above 32767 survive
            o.isServer(env.rank() == 0);
            o.waitWorkers(false);
            o.timeout(t);
            s = Native.keep(new TCPStore(env.masterAddr(), o));
        } catch (RuntimeException e) {
            throw new DistException(env.rank() == 0
                    ? "rank 0 could not open the rendezvous store on " + where + " (port in use? MASTER_ADDR not "
                      + "an address of this machine?): " + firstLine(e)
                    : "rank " + env.rank() + " could not reach the rendezvous store of rank 0 at " + where
                      + " within " + timeoutMs + " ms (is rank 0 running, and MASTER_ADDR/MASTER_PORT right?): "
                      + firstLine(e), e);
        }
        store = s;
        setKey(PREFIX + "join/" + env.rank(), "1");
        ProcessGroupGloo g;
        try (ProcessGroupGloo.Options o = ProcessGroupGloo.Options.create(new Milliseconds(timeoutMs))) {
            o.devices().push_back(glooDevice(env.masterAddr()));
            g = Native.keep(new ProcessGroupGloo(store, env.rank(), env.worldSize(), o));
        } catch (RuntimeException e) {
            List<Integer> missing = missingKeys(PREFIX + "join/", 0);
            store.close();
            throw new DistException("rank " + env.rank() + ": the Gloo process group of " + env.worldSize()
                    + " ranks did not form within " + timeoutMs + " ms"
                    + (missing.isEmpty() ? "" : "; ranks that never joined: " + missing) + ": " + firstLine(e), e);
        }
        pg = g;
    }

    /**
     * Gloo's network device: loopback when the master is local (a one-machine run), else the interface named by
     * {@code GLOO_SOCKET_IFNAME} (the PyTorch convention), else the one this host name resolves to.
     */
    private static org.bytedeco.pytorch.gloo.Device glooDevice(String masterAddr) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) return ProcessGroupGloo.createDeviceForInterface(ifname.trim());
        if (isLoopback(masterAddr)) return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
        return ProcessGroupGloo.createDefaultDevice();
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Starts an in-place all-reduce of {@code t}; finish it with {@link #await}. */
    Pending allReduceAsync(Tensor t, Reduction op, String what) {
        long seq = begin(what);
        try (TensorVector tv = new TensorVector(t); AllreduceOptions o = new AllreduceOptions();
             ReduceOp r = new ReduceOp(redOp(op))) {
            o.reduceOp(r);
            return new Pending(pg.allreduce(tv, o), what, seq);
        } catch (RuntimeException e) {
            throw fail(what, seq, e);
        }
    }

    void allReduce(Tensor t, Reduction op, String what) {
        await(allReduceAsync(t, op, what));
    }

    /** In-place broadcast of {@code t} from {@code root}. */
    void broadcast(Tensor t, int root, String what) {
        long seq = begin(what);
        Pending p;
        try (TensorVector tv = new TensorVector(t); BroadcastOptions o = new BroadcastOptions()) {
            o.rootRank(root);
            p = new Pending(pg.broadcast(tv, o), what, seq);
        } catch (RuntimeException e) {
            throw fail(what, seq, e);
        }
        await(p);
    }

    /** Waits for a collective; its timeout is the process group's. */
    void await(Pending p) {
        try (Work w = p.work) {
            w._wait();
        } catch (RuntimeException e) {
            throw fail(p.what, p.seq, e);
        }
    }

    /** Publishes {@code value} under {@code key} for the other ranks. */
    void setKey(String key, String value) {
        try (ByteVector v = new ByteVector(value.getBytes(StandardCharsets.UTF_8))) {
            store.set(key, v);
        } catch (RuntimeException e) {
            throw storeFailure("publishing " + key, e);
        }
    }

    /** The value of {@code key}, waiting for a rank to set it at most the timeout. */
    String getKey(String key, String what) {
        try (ByteVector v = store.get(key)) {
            return new String(v.get(), StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw storeFailure(what, e);
        }
    }

    private DistException storeFailure(String what, RuntimeException e) {
        broken = what + " failed";
        return new DistException("rank " + env.rank() + ": " + what + " through the rendezvous store (rank 0) "
                + "failed or timed out after " + timeoutMs + " ms: " + firstLine(e), e);
    }

    private long begin(String what) {
        if (closed) throw new IllegalStateException("the process group is closed; cannot run " + what);
        if (broken != null)
            throw new DistException("rank " + env.rank() + ": the process group is broken (" + broken
                    + "); cannot run " + what);
        return ++sequence;
    }

    /**
     * Turns a c10d error into a message naming the ranks that do not answer a liveness check, then marks the group
     * broken. The check waits at most min(2 s, timeout/4) beyond the collective's own timeout.
     */
    private DistException fail(String what, long seq, RuntimeException e) {
        broken = what + " (collective #" + seq + ") failed";
        String culprit;
        try {
            String key = PREFIX + "alive/" + seq + "/";
            setKey(key + env.rank(), "1");
            long deadline = System.nanoTime() + probeMillis() * 1_000_000L;
            List<Integer> missing = missingKeys(key, deadline);
            culprit = missing.isEmpty()
                    ? "every rank answered a liveness check (a rank may have failed before this collective)"
                    : "rank" + (missing.size() > 1 ? "s " : " ") + join(missing) + " did not answer";
        } catch (RuntimeException storeDown) {
            culprit = env.rank() == 0 ? "the rendezvous store failed too"
                    : "rank 0 did not answer (its rendezvous store is unreachable)";
        }
        broken = what + " (collective #" + seq + ") failed; " + culprit;
        return new DistException("rank " + env.rank() + ": " + what + " (collective #" + seq + ") failed within "
                + timeoutMs + " ms: " + culprit + "; c10d: " + firstLine(e), e);
    }

    private long probeMillis() {
        return Math.min(2000, timeoutMs / 4);
    }

    /** Ranks whose {@code prefix + rank} key is absent, polling until {@code deadline} (System.nanoTime) or all set. */
    private List<Integer> missingKeys(String prefix, long deadline) {
        List<Integer> missing = new ArrayList<>();
        while (true) {
            missing.clear();
            for (int r = 0; r < env.worldSize(); r++) {
                try (StringVector k = new StringVector(prefix + r)) {
                    if (!store.check(k)) missing.add(r);
                }
            }
            if (missing.isEmpty() || System.nanoTime() >= deadline) return missing;
            try {
                Thread.sleep(50);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return missing;
            }
        }
    }

    /**
     * Frees the process group and the store. Rank 0 first waits (at most the timeout) until every rank has reached
     * close, since its store serves the others until then.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (broken == null) {
            try {
                store.add(PREFIX + "closing", 1);
                if (env.rank() == 0) {
                    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
                    while (store.add(PREFIX + "closing", 0) < env.worldSize() && System.nanoTime() < deadline)
                        Thread.sleep(20);
                }
            } catch (RuntimeException | InterruptedException e) {
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            }
        } else if (env.rank() == 0) {
            try {
                Thread.sleep(probeMillis());     // the other survivors' liveness checks still need the store
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pg.close();
        store.close();
    }

    private static ReduceOp.RedOpType redOp(Reduction r) {
        return switch (r) {
            case SUM -> ReduceOp.RedOpType.SUM;
            case MAX -> ReduceOp.RedOpType.MAX;
            case MIN -> ReduceOp.RedOpType.MIN;
        };
    }

    /** The first line of a c10d message (its C++ stack trace follows). */
    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static String join(List<Integer> ranks) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ranks.size(); i++) b.append(i == 0 ? "" : ", ").append(ranks.get(i));
        return b.toString();
    }

    /** An issued collective. */
    static final class Pending {
        final Work work;
        final String what;
        final long seq;

        Pending(Work work, String what, long seq) {
            this.work = work;
            this.what = what;
            this.seq = seq;
        }
    }
}

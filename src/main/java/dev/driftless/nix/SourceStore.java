package dev.driftless.nix;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Puts a commit's files into the Nix store before Nix evaluates them, as one NAR handed to a
 * {@code nix-store --serve --write} that stays running. Nix 2.8's own {@code path:} fetch reads
 * the whole tree into a buffer it grows and clears 64 KiB at a time for every few bytes of NAR:
 * 25 ms on a 500-host fleet before the first host is evaluated, the same again for every commit.
 * Given the tree's {@code narHash} and a store path that is valid, Nix uses that path and reads
 * nothing. The store checks the NAR against its content address before it registers it, so
 * what is in the store is what the NAR says; the NAR is the files Driftless wrote, or nothing is
 * added and Nix reads the files itself, as before.
 */
public final class SourceStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SourceStore.class);

    /** Larger trees go the way Nix takes them: this one is held in memory whole. */
    static final long LARGEST = 64L << 20;
    private static final String STORE_DIR = "/nix/store";
    private static final long SERVE_MAGIC_1 = 0x390c9deb;
    private static final long SERVE_MAGIC_2 = 0x5452eecb;
    private static final long CLIENT_VERSION = 0x205;
    private static final long ADD_TO_STORE_NAR = 9;

    private final Supplier<Map<String, String>> env;
    private final Duration timeout;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nix-store-serve-watchdog");
        t.setDaemon(true);
        return t;
    });
    private volatile Process serve;
    private volatile String errors = "";
    private volatile Thread stderr;
    private DataInputStream in;
    private OutputStream out;

    /** {@code env}: the environment of every nix call, asked for when the process starts. */
    public SourceStore(Supplier<Map<String, String>> env, Duration timeout) {
        this.env = env;
        this.timeout = timeout.compareTo(Duration.ofMinutes(1)) < 0 ? timeout : Duration.ofMinutes(1); // a fleet's files, not a build
    }

    /** What a tree became in the store. */
    public record Added(String storePath, String narHash) {}

    /** Adds {@code tree} to the store as {@code source}; empty when it could not, and Nix must read the tree itself. */
    public synchronized Optional<Added> add(Path tree) {
        byte[] nar;
        try {
            nar = Nar.of(tree, LARGEST);
        } catch (Nar.Unsupported e) {
            LOG.debugf("%s: Nix adds it to the store itself: %s", tree, e.getMessage());
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("%s: cannot read it as a NAR (%s); Nix adds it to the store itself", tree, e.getMessage());
            return Optional.empty();
        }
        byte[] hash = Nar.sha256(nar);
        String path = Nar.storePath(STORE_DIR, "source", hash);
        ScheduledFuture<?> kill;
        try {
            // Blocking pipes do not time out: a nix-store that hangs, starting or adding, is killed, which ends the wait.
            kill = watchdog.schedule(this::stopNow, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return Optional.empty(); // Driftless is stopping
        }
        try {
            start();
            send(path, hash, nar);
            long answer = readLong();
            if (answer != 1) {
                throw new IOException("nix-store --serve answered " + answer);
            }
            return Optional.of(new Added(path, Nar.sri(hash)));
        } catch (IOException | RuntimeException e) {
            // Not fatal: the evaluation reads the files itself. The process is started again for the next commit.
            awaitErrors();
            LOG.warnf("cannot add the commit's files to the Nix store through nix-store --serve (%s%s); Nix reads them itself, which"
                    + " is slower", e.getMessage(), errors.isEmpty() ? "" : ": " + errors);
            stopNow();
            return Optional.empty();
        } finally {
            kill.cancel(false);
        }
    }

    private void send(String path, byte[] hash, byte[] nar) throws IOException {
        writeLong(ADD_TO_STORE_NAR);
        writeString(path);
        writeString(""); // no deriver
        writeString("sha256:" + java.util.HexFormat.of().formatHex(hash));
        writeLong(0); // references: none
        writeLong(0); // registration time: now
        writeLong(nar.length);
        writeLong(0); // not "ultimate": not built here
        writeLong(0); // signatures: none; a source is trusted by its content address
        writeString("fixed:r:sha256:" + Nar.base32(hash));
        out.write(nar);
        out.flush();
    }

    private void start() throws IOException {
        if (serve != null && serve.isAlive()) {
            return;
        }
        stopNow();
        ProcessBuilder builder = new ProcessBuilder(List.of("nix-store", "--serve", "--write"));
        builder.environment().putAll(env.get());
        serve = builder.start();
        in = new DataInputStream(new BufferedInputStream(serve.getInputStream()));
        out = new BufferedOutputStream(serve.getOutputStream(), 1 << 16);
        stderr = drain(serve.getErrorStream());
        writeLong(SERVE_MAGIC_1);
        out.flush();
        if (readLong() != SERVE_MAGIC_2) {
            throw new IOException("nix-store --serve does not speak the serve protocol");
        }
        readLong(); // its version; the one command used here is the same in every version since Nix 2.3
        writeLong(CLIENT_VERSION);
        out.flush();
    }

    /** Keeps the end of what nix-store says on stderr, for the warning when it fails. */
    private Thread drain(InputStream stderr) {
        errors = "";
        Thread t = new Thread(() -> {
            try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(stderr, StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    String all = (errors.isEmpty() ? "" : errors + " ") + line.strip();
                    errors = all.length() > 2000 ? all.substring(all.length() - 2000) : all;
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, "nix-store-serve-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Gives a nix-store that failed a moment to say why: its stderr ends when it exits. */
    private void awaitErrors() {
        Thread reader = stderr;
        Process running = serve;
        try {
            if (running != null && running.waitFor(500, TimeUnit.MILLISECONDS) && reader != null) {
                reader.join(500);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The running nix-store's process id, for tests. */
    Optional<Long> pid() {
        Process running = serve;
        return running == null || !running.isAlive() ? Optional.empty() : Optional.of(running.pid());
    }

    /** Not synchronized: the watchdog calls it while {@link #add} waits on the process. */
    private void stopNow() {
        Process running = serve;
        if (running != null) {
            running.destroyForcibly();
        }
    }

    /**
     * Not synchronized: an {@link #add} may be waiting for nix's start-up checks, which end a
     * start-up that failed them by stopping the application, and that stop runs this.
     */
    @Override
    public void close() {
        watchdog.shutdownNow();
        stopNow();
    }

    private void writeLong(long n) throws IOException {
        for (int i = 0; i < 8; i++) {
            out.write((int) (n >>> (8 * i)) & 0xff);
        }
    }

    private void writeString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeLong(b.length);
        out.write(b);
        out.write(new byte[(8 - b.length % 8) % 8]);
    }

    private long readLong() throws IOException {
        byte[] b = new byte[8];
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new IOException("nix-store --serve ended", e);
        }
        long n = 0;
        for (int i = 7; i >= 0; i--) {
            n = (n << 8) | (b[i] & 0xff);
        }
        return n;
    }
}

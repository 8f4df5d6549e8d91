package dev.driftless.nix;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@code nix-store --serve --write} that stays running, and the few commands of its protocol
 * Driftless uses: the store's answers without a nix process started for each question (about
 * 15 ms apiece here). One exchange at a time; a process that fails an exchange is killed, and
 * the next exchange starts another.
 */
final class StoreServe implements AutoCloseable {

    private static final long SERVE_MAGIC_1 = 0x390c9deb;
    private static final long SERVE_MAGIC_2 = 0x5452eecb;
    /** 2.5: path infos carry narHash, ca and signatures; the same in every Nix since 2.3. */
    private static final long CLIENT_VERSION = 0x205;
    private static final long QUERY_PATH_INFOS = 2;
    private static final long QUERY_CLOSURE = 7;

    /** No exchange starts once the process was closed: Driftless is stopping. */
    static final class Stopping extends IOException {
        Stopping() {
            super("Driftless is stopping");
        }
    }

    /** One exchange with the running process. */
    @FunctionalInterface
    interface Exchange<T> {
        T run(Conn conn) throws IOException;
    }

    /** What the store knows of a valid path: what its signatures sign, its content address and its signatures. */
    record PathInfo(String path, String narHash, long narSize, List<String> references, String ca, List<String> sigs) {}

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
    private Conn conn;

    /** {@code env}: the environment of every nix call, asked for when the process starts. */
    StoreServe(Supplier<Map<String, String>> env, Duration timeout) {
        this.env = env;
        this.timeout = timeout.compareTo(Duration.ofMinutes(1)) < 0 ? timeout : Duration.ofMinutes(1); // store queries and sources, not builds
    }

    /**
     * Runs {@code exchange} on the running process, started if there is none. On failure the
     * process is killed, and the exception says what nix-store said on stderr.
     */
    synchronized <T> T call(Exchange<T> exchange) throws IOException {
        ScheduledFuture<?> kill;
        try {
            // Blocking pipes do not time out: a nix-store that hangs is killed, which ends the wait.
            kill = watchdog.schedule(this::stopNow, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            throw new Stopping();
        }
        try {
            start();
            return exchange.run(conn);
        } catch (IOException | RuntimeException e) {
            awaitErrors();
            stopNow();
            throw new IOException(e.getMessage() + (errors.isEmpty() ? "" : ": " + errors), e);
        } finally {
            kill.cancel(false);
        }
    }

    /** The closures of {@code paths} with what the store knows of each path; a path that is not valid is left out. */
    List<PathInfo> closureInfos(Collection<String> paths) throws IOException {
        return call(c -> {
            c.writeLong(QUERY_CLOSURE);
            c.writeLong(0); // not the outputs of derivations in it
            c.writeStrings(paths);
            c.flush();
            List<String> closure = c.readStrings();
            c.writeLong(QUERY_PATH_INFOS);
            c.writeStrings(closure);
            c.flush();
            List<PathInfo> infos = new ArrayList<>();
            for (String path; !(path = c.readString()).isEmpty(); ) {
                c.readString(); // deriver
                List<String> references = c.readStrings();
                c.readLong(); // download size
                long narSize = c.readLong();
                String narHash = c.readString();
                String ca = c.readString();
                infos.add(new PathInfo(path, narHash, narSize, references, ca, c.readStrings()));
            }
            return infos;
        });
    }

    private void start() throws IOException {
        if (serve != null && serve.isAlive()) {
            return;
        }
        stopNow();
        // Its answers are the store's now: a path's info is otherwise kept for a month (signatures added since, a path deleted).
        ProcessBuilder builder = new ProcessBuilder(List.of("nix-store", "--serve", "--write",
                "--option", "narinfo-cache-positive-ttl", "0", "--option", "narinfo-cache-negative-ttl", "0"));
        builder.environment().putAll(env.get());
        serve = builder.start();
        conn = new Conn(new DataInputStream(new BufferedInputStream(serve.getInputStream())),
                new BufferedOutputStream(serve.getOutputStream(), 1 << 16));
        stderr = drain(serve.getErrorStream());
        conn.writeLong(SERVE_MAGIC_1);
        conn.flush();
        if (conn.readLong() != SERVE_MAGIC_2) {
            throw new IOException("nix-store --serve does not speak the serve protocol");
        }
        conn.readLong(); // its version: the commands used here are the same in every version since Nix 2.3
        conn.writeLong(CLIENT_VERSION);
        conn.flush();
    }

    /** Keeps the end of what nix-store says on stderr, for the error when it fails. */
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

    /** Not synchronized: the watchdog calls it while {@link #call} waits on the process. */
    private void stopNow() {
        Process running = serve;
        if (running != null) {
            running.destroyForcibly();
        }
    }

    /**
     * Not synchronized: a {@link #call} may be waiting for nix's start-up checks, which end a
     * start-up that failed them by stopping the application, and that stop runs this.
     */
    @Override
    public void close() {
        watchdog.shutdownNow();
        stopNow();
    }

    /** The protocol's framing: little-endian 64-bit numbers, strings padded to 8 bytes. */
    static final class Conn {
        private final DataInputStream in;
        private final OutputStream out;

        Conn(DataInputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void writeLong(long n) throws IOException {
            for (int i = 0; i < 8; i++) {
                out.write((int) (n >>> (8 * i)) & 0xff);
            }
        }

        void writeString(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            writeLong(b.length);
            out.write(b);
            out.write(new byte[(8 - b.length % 8) % 8]);
        }

        void writeStrings(Collection<String> strings) throws IOException {
            writeLong(strings.size());
            for (String s : strings) {
                writeString(s);
            }
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
        }

        void flush() throws IOException {
            out.flush();
        }

        long readLong() throws IOException {
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

        String readString() throws IOException {
            long length = readLong();
            if (length < 0 || length > (64 << 20)) {
                throw new IOException("nix-store --serve sent a string of " + length + " bytes");
            }
            byte[] b = new byte[(int) length];
            in.readFully(b);
            in.skipNBytes((8 - length % 8) % 8);
            return new String(b, StandardCharsets.UTF_8);
        }

        List<String> readStrings() throws IOException {
            long count = readLong();
            if (count < 0 || count > 10_000_000) {
                throw new IOException("nix-store --serve sent a list of " + count + " strings");
            }
            List<String> strings = new ArrayList<>((int) Math.min(count, 4096));
            for (long i = 0; i < count; i++) {
                strings.add(readString());
            }
            return strings;
        }
    }
}

package dev.driftless.nix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
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
    private static final long ADD_TO_STORE_NAR = 9;

    private final StoreServe serve;

    SourceStore(StoreServe serve) {
        this.serve = serve;
    }

    /** With a nix-store of its own. {@code env}: the environment of every nix call, asked for when the process starts. */
    public SourceStore(java.util.function.Supplier<java.util.Map<String, String>> env, java.time.Duration timeout) {
        this(new StoreServe(env, timeout));
    }

    /** What a tree became in the store. */
    public record Added(String storePath, String narHash) {}

    /** Adds {@code tree} to the store as {@code source}; empty when it could not, and Nix must read the tree itself. */
    public Optional<Added> add(Path tree) {
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
        try {
            long answer = serve.call(conn -> {
                send(conn, path, hash, nar);
                return conn.readLong();
            });
            if (answer != 1) {
                throw new IOException("nix-store --serve answered " + answer);
            }
            return Optional.of(new Added(path, Nar.sri(hash)));
        } catch (StoreServe.Stopping e) {
            return Optional.empty();
        } catch (IOException e) {
            // Not fatal: the evaluation reads the files itself. The process is started again for the next commit.
            LOG.warnf("cannot add the commit's files to the Nix store through nix-store --serve (%s); Nix reads them itself, which"
                    + " is slower", e.getMessage());
            return Optional.empty();
        }
    }

    private static void send(StoreServe.Conn conn, String path, byte[] hash, byte[] nar) throws IOException {
        conn.writeLong(ADD_TO_STORE_NAR);
        conn.writeString(path);
        conn.writeString(""); // no deriver
        conn.writeString("sha256:" + java.util.HexFormat.of().formatHex(hash));
        conn.writeLong(0); // references: none
        conn.writeLong(0); // registration time: now
        conn.writeLong(nar.length);
        conn.writeLong(0); // not "ultimate": not built here
        conn.writeLong(0); // signatures: none; a source is trusted by its content address
        conn.writeString("fixed:r:sha256:" + Nar.base32(hash));
        conn.write(nar);
        conn.flush();
    }

    /** The running nix-store's process id, for tests. */
    java.util.Optional<Long> pid() {
        return serve.pid();
    }

    /** Stops the nix-store it shares: the owner of both closes it last. */
    @Override
    public void close() {
        serve.close();
    }
}

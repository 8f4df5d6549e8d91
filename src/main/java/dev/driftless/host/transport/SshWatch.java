package dev.driftless.host.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A long-lived command over the host's master connection that prints a line when the host's
 * current-system link or system profile changes, and a heartbeat every ten seconds otherwise: the
 * heartbeat makes the remote loop die of a broken pipe soon after this end is gone, so no watch
 * outlives the controller on the host for long. No inotify tools are assumed on the host: the
 * loop compares the two links with the shell's own {@code -ef} once a second and naps with bash's
 * {@code read -t} (a {@code sleep} elsewhere), so a quiet host forks nothing for it.
 */
final class SshWatch implements HostWatch {

    /** The loop for a host whose file system starts at {@code root} ("" for a machine; tests use a directory). */
    static String loop(String root) {
        String r = root.replace("'", "'\\''");
        return "R='" + r + "'; c=\"$R/run/current-system\" s=\"$R/nix/var/nix/profiles/system\"\n"
                // Process substitution is bash's, and a syntax error in a POSIX shell: try it where it cannot end the loop.
                + "if ( eval 'exec 3<> <(:)' ) 2>/dev/null; then eval 'exec 3<> <(:)'; nap() { read -t 1 -u 3; }; else nap() { sleep 1; }; fi\n"
                + "same() { if [ -z \"$2\" ]; then [ ! -e \"$1\" ]; else [ \"$1\" -ef \"$2\" ]; fi; }\n"
                + "while :; do\n"
                + "  a=$(readlink -e \"$c\" 2>/dev/null); b=$(readlink -e \"$s\" 2>/dev/null); echo \"$a $b\"; n=0\n"
                + "  while same \"$c\" \"$a\" && same \"$s\" \"$b\"; do nap; n=$((n + 1)); [ $n -lt 10 ] || { echo .; n=0; }; done\n"
                + "done";
    }

    static final String LOOP = loop("");

    private final Process process;

    private SshWatch(Process process) {
        this.process = process;
    }

    /** Starts {@code argv} (ssh joining the master, running {@link #LOOP}); null when it cannot start. */
    static SshWatch start(List<String> argv, Runnable changed) {
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            return null;
        }
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String last = null; // the first line is where the links start
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals(".") || line.equals(last)) {
                        continue; // a heartbeat, or a link the loop cannot settle on (dangling) printed again
                    }
                    if (last != null) {
                        changed.run();
                    }
                    last = line;
                }
            } catch (IOException | RuntimeException e) {
                // The watch ended: alive() says so, and the next reconcile starts another.
            } finally {
                process.destroy();
            }
        }, "ssh-watch");
        reader.setDaemon(true);
        reader.start();
        return new SshWatch(process);
    }

    @Override
    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
    }
}

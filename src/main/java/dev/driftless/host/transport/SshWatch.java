package dev.driftless.host.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A long-lived command over the host's master connection that prints a line when the host's
 * current-system link or system profile changes, and a heartbeat otherwise: the heartbeat makes
 * the remote loop die of a broken pipe within a second once this end is gone, so no watch
 * outlives the controller on the host. One readlink pair a second on the host, a few bytes on the
 * wire; no inotify tools needed there.
 */
final class SshWatch implements HostWatch {

    /** Prints the two links when they change (the first line is where they start), "." otherwise. */
    static final String LOOP = "p=; while :; do c=\"$(readlink /run/current-system) $(readlink /nix/var/nix/profiles/system)\";"
            + " if [ \"$c\" != \"$p\" ]; then echo \"$c\"; p=$c; else echo .; fi; sleep 1; done";

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
                boolean first = true;
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals(".")) {
                        continue;
                    }
                    if (!first) {
                        changed.run();
                    }
                    first = false;
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

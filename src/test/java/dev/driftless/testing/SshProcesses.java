package dev.driftless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The ssh processes that share connections through a control directory, seen from outside Driftless. */
public final class SshProcesses {

    private static final Pattern MASTER_PID = Pattern.compile("Master running \\(pid=(\\d+)\\)");

    private SshProcesses() {}

    /** Every ssh process, master or client, whose ControlPath is {@code <dir>/%C}. */
    public static List<Long> using(Path dir) {
        String mark = "ControlPath=" + dir + "/%C";
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/ssh")).orElse(false))
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(mark)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    /** The pid of the master listening on the one socket in {@code dir}, as {@code ssh -O check} tells it. */
    public static OptionalLong master(Path dir) {
        List<Path> sockets = sockets(dir);
        if (sockets.size() != 1) {
            return OptionalLong.empty();
        }
        String said = Shell.sh(dir, "ssh -F /dev/null -S \"$1\" -O check -- probe 2>&1 || true", sockets.get(0).toString());
        Matcher m = MASTER_PID.matcher(said);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    public static List<Path> sockets(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.filter(p -> !Files.isRegularFile(p) && !Files.isDirectory(p)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The directories that controllers made under a control base, in no particular order. */
    public static List<Path> controlDirs(Path base) {
        try (var entries = Files.list(base)) {
            return entries.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends every ssh process that uses a directory under {@code base}, and removes base: a test's clean-up after a failure. */
    public static void endAll(Path base) {
        if (!Files.isDirectory(base)) {
            return;
        }
        for (Path dir : controlDirs(base)) {
            using(dir).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
        Shell.sh(base.getParent(), "rm -rf \"$1\"", base.toString());
    }
}

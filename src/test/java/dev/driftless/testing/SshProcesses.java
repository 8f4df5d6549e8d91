package dev.driftless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The ssh processes that share connections through a control directory, seen from outside Driftless. */
public final class SshProcesses {

    private static final Pattern MASTER_PID = Pattern.compile("Master running \\(pid=(\\d+)\\)");
    /** How {@code ss -p} names a socket's process: {@code users:(("ssh",pid=123,fd=3))}. */
    private static final Pattern SOCKET_USER = Pattern.compile("pid=(\\d+)");

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

    /**
     * Every ssh process, master or client, that talks to an address in {@code prefix} (such as
     * {@code 198.19.7.}): by its open TCP connections, since a master that ControlPersist forked
     * rewrites its command line, and by its arguments, for a client still connecting.
     */
    public static List<Long> talkingTo(String prefix) {
        Set<Long> pids = new TreeSet<>();
        String sockets = Shell.sh(Path.of("/"), "ss -Htnp 2>/dev/null || true");
        for (String line : sockets.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 5 && cols[4].startsWith(prefix)) {
                Matcher m = SOCKET_USER.matcher(line);
                while (m.find()) {
                    pids.add(Long.parseLong(m.group(1)));
                }
            }
        }
        ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> List.of(args).stream().anyMatch(a -> a.contains(prefix))).orElse(false))
                .forEach(p -> pids.add(p.pid()));
        return pids.stream()
                .filter(pid -> ProcessHandle.of(pid).flatMap(p -> p.info().command()).map(c -> c.endsWith("/ssh")).orElse(false))
                .toList();
    }

    /** Ends every ssh process that {@link #talkingTo talks to} {@code prefix}: hosts that are gone must not keep masters alive. */
    public static void endTalkingTo(String prefix) {
        talkingTo(prefix).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
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

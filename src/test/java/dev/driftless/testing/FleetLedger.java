package dev.driftless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link SystemdFleet} made on this machine (containers, bridge, subnet, files), written
 * down as it is made, so that a later fleet cleans up after a JVM that was killed before its
 * shutdown hook could run. One file per fleet under /run/driftless-test/systemd-fleets.
 */
final class FleetLedger {

    private static final Path DIR = Path.of("/run/driftless-test/systemd-fleets");

    private final Path file;

    private FleetLedger(Path file) {
        this.file = file;
    }

    /** A ledger owned by this JVM. */
    static FleetLedger open(String id) {
        ProcessHandle self = ProcessHandle.current();
        FleetLedger ledger = new FleetLedger(DIR.resolve(id));
        try {
            Files.createDirectories(DIR);
            Files.writeString(ledger.file, "owner " + self.pid() + " " + startOf(self) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ledger;
    }

    void note(String kind, String... values) {
        try {
            Files.writeString(file, kind + " " + String.join(" ", values) + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.err.println("cannot remove " + file + ": " + e.getMessage());
        }
    }

    /** Undoes what the fleets of JVMs that are gone left behind. */
    static void sweep() {
        if (!Files.isDirectory(DIR)) {
            return;
        }
        try (var files = Files.list(DIR)) {
            for (Path f : files.toList()) {
                List<String[]> lines = Files.readAllLines(f).stream().map(l -> l.split(" ")).toList();
                if (!lines.isEmpty() && !ownerAlive(lines.get(0))) {
                    System.err.println("removing what a killed test JVM left of systemd fleet " + f.getFileName());
                    undo(lines);
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            System.err.println("cannot sweep " + DIR + ": " + e.getMessage());
        }
    }

    private static void undo(List<String[]> lines) {
        for (String[] l : lines) {
            switch (l[0]) {
                case "nspawn" -> killNspawn(Long.parseLong(l[2]), l[1]);
                case "net" -> SshProcesses.endTalkingTo(l[1]);
                default -> { }
            }
        }
        for (String[] l : lines) {
            switch (l[0]) {
                case "bridge" -> FleetBridge.remove(l[1]);
                case "nspawn" -> Shell.sh(Path.of("/"), "rm -rf \"/run/systemd/nspawn/propagate/$1\"", l[1]);
                case "base" -> Shell.sh(Path.of("/"), "chmod -R u+w \"$1\" 2>/dev/null; rm -rf \"$1\"", l[1]);
                default -> { }
            }
        }
    }

    /** Kills an nspawn of ours and its container, if that pid is still the same nspawn. */
    private static void killNspawn(long pid, String machine) {
        Optional<ProcessHandle> nspawn = ProcessHandle.of(pid);
        boolean ours = nspawn.flatMap(p -> p.info().arguments()).map(a -> List.of(a).contains("--machine=" + machine)).orElse(false);
        if (ours) {
            nspawn.get().children().forEach(ProcessHandle::destroyForcibly);
            nspawn.get().destroyForcibly();
        }
    }

    private static boolean ownerAlive(String[] owner) {
        return owner.length == 3 && ProcessHandle.of(Long.parseLong(owner[1])).map(p -> startOf(p).equals(owner[2])).orElse(false);
    }

    private static String startOf(ProcessHandle p) {
        return p.info().startInstant().map(i -> String.valueOf(i.toEpochMilli())).orElse("?");
    }
}

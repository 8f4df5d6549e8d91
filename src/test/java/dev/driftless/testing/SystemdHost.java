package dev.driftless.testing;

import static org.awaitility.Awaitility.await;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One host of a {@link SystemdFleet}: a systemd-nspawn container booted from the shared root file
 * system, with its own /nix, reached from outside through its init's namespaces (nsenter).
 */
final class SystemdHost {

    private static final Path ROOTFS_SCRIPT = Path.of("src/test/scripts/nspawn-rootfs.sh").toAbsolutePath();
    private static final Duration BOOT = Duration.ofMinutes(3);
    private static final Duration COMMAND = Duration.ofMinutes(2);
    private static final Set<String> BOOTED = Set.of("running", "degraded");

    final String name;
    /** The container's name, unique on this machine: nspawn names the host's end of the veth after it. */
    final String machine;
    final String ip;
    /** Holds {@code nix/}, bound on the host's /nix, and {@code console.log}. */
    final Path dir;
    private Process nspawn;
    private volatile ProcessHandle init;
    private volatile String bootState;

    SystemdHost(String name, String machine, String ip, Path dir) {
        this.name = name;
        this.machine = machine;
        this.ip = ip;
        this.dir = dir;
    }

    /** Builds the shared root file system when this recipe has none yet (minutes, once), and returns its path. */
    static Path rootfs() {
        long start = System.nanoTime();
        ProcessResult built = ProcessRunner.run(List.of("bash", ROOTFS_SCRIPT.toString()), Map.of(), Duration.ofMinutes(20));
        if (!built.ok()) {
            throw new AssertionError("building the root file system failed: " + built.explain());
        }
        double took = (System.nanoTime() - start) / 1e9;
        if (took > 5) {
            System.out.printf("systemd fleet: built the root file system %s in %.0f s%n", built.stdout().strip(), took);
        }
        return Path.of(built.stdout().strip());
    }

    /**
     * Starts the container's boot; {@link #awaitBooted} waits for it. The host's ed25519 key is made
     * here once and bound in, so it is the same key after a reboot, as a real machine's is.
     */
    long launch(Path rootfs, String bridge, Path nixConf) {
        try {
            Files.createDirectories(dir.resolve("nix"));
            Path keys = Files.createDirectories(dir.resolve("hostkeys"));
            Path key = keys.resolve("ssh_host_ed25519_key");
            if (!Files.exists(key)) {
                ProcessResult made = ProcessRunner.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@" + name,
                        "-f", key.toString()), Map.of(), Duration.ofSeconds(30));
                if (!made.ok()) {
                    throw new AssertionError("ssh-keygen for " + name + ": " + made.explain());
                }
            }
            List<String> command = List.of("systemd-nspawn", "--quiet", "--directory=" + rootfs, "--volatile=overlay", "--boot",
                    "--register=no", "--keep-unit", "--machine=" + machine, "--hostname=" + name, "--network-bridge=" + bridge,
                    "--bind=" + dir.resolve("nix") + ":/nix", "--bind-ro=" + nixConf + ":/etc/nix/nix.conf",
                    "--bind-ro=" + key + ":/etc/ssh/ssh_host_ed25519_key", "--bind-ro=" + key + ".pub:/etc/ssh/ssh_host_ed25519_key.pub",
                    "--console=read-only");
            nspawn = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            return nspawn.pid();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start systemd-nspawn for " + name, e);
        }
    }

    /** Waits until systemd inside has finished booting, gives the host its address; returns the boot state. */
    String awaitBooted() {
        init = await().atMost(BOOT).pollInterval(Duration.ofMillis(50)).until(this::findInit, Optional::isPresent).get();
        inside("ip addr add \"$1/24\" dev host0 && ip link set host0 up && ip link set lo up", ip);
        bootState = await().atMost(BOOT).pollInterval(Duration.ofMillis(200))
                .until(() -> inside("systemctl is-system-running --wait 2>/dev/null || true"), BOOTED::contains);
        return bootState;
    }

    /** Systemd as the container's PID 1: the child of nspawn that runs systemd (before it, nspawn's own helpers). */
    private Optional<ProcessHandle> findInit() {
        if (!nspawn.isAlive()) {
            throw new AssertionError("systemd-nspawn of " + name + " exited with " + nspawn.exitValue() + ":\n" + consoleTail());
        }
        return nspawn.children().filter(p -> "systemd".equals(comm(p.pid()))).findFirst();
    }

    /** Authorizes {@code publicKey} for root and deploy; returns the host's own ed25519 key line. */
    String authorize(String publicKey) {
        return inside("""
                install -d -m 700 /root/.ssh && printf '%s\\n' "$1" > /root/.ssh/authorized_keys
                install -d -m 700 -o deploy -g deploy /home/deploy/.ssh
                install -m 600 -o deploy -g deploy /root/.ssh/authorized_keys /home/deploy/.ssh/authorized_keys
                cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub
                """, publicKey.strip());
    }

    /** Runs a shell snippet inside the host, as root on its console would: no network, no ssh. */
    String inside(String script, String... args) {
        ProcessResult result = run(script, args);
        if (!result.ok()) {
            throw new AssertionError(name + ": `" + script.strip() + "` failed (" + result.exitCode() + "): " + result.stderr().strip());
        }
        return result.stdout().strip();
    }

    ProcessResult run(String script, String... args) {
        ProcessHandle pid1 = init;
        if (pid1 == null || !pid1.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        List<String> command = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(pid1.pid()), "-m", "-u", "-i", "-n", "-p",
                "--", "sh", "-ec", script, "sh"));
        command.addAll(List.of(args));
        return ProcessRunner.run(command, Map.of("LC_ALL", "C"), COMMAND);
    }

    String bootState() {
        return bootState;
    }

    Path console() {
        return dir.resolve("console.log");
    }

    long nspawnPid() {
        return nspawn == null ? -1 : nspawn.pid();
    }

    /** Asks the container to power off, as SIGTERM to nspawn does; {@link #awaitStopped} finishes the job. */
    void stop() {
        if (nspawn != null && nspawn.isAlive()) {
            nspawn.destroy();
        }
    }

    /** Waits for the power-off until {@code deadline} (System.nanoTime), then kills what is left. */
    void awaitStopped(long deadline) {
        if (nspawn == null) {
            return;
        }
        try {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!nspawn.waitFor(left, TimeUnit.NANOSECONDS)) {
                System.err.println(name + ": no power-off within the grace time, killing systemd-nspawn");
                nspawn.destroyForcibly();
                nspawn.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Killing PID 1 of a PID namespace ends everything in it.
        ProcessHandle pid1 = init;
        if (pid1 != null && pid1.isAlive()) {
            pid1.destroyForcibly();
        }
    }

    String consoleTail() {
        try {
            List<String> lines = Files.readAllLines(console());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no console log: " + e.getMessage() + ")";
        }
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), "comm")).strip();
        } catch (IOException gone) {
            return "";
        }
    }
}

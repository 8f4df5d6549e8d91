package dev.driftless.testing;

import static dev.driftless.testing.Shell.sh;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test hosts that boot a real systemd: Debian 12 containers (systemd-nspawn --boot) from a root
 * file system made once by src/test/scripts/nspawn-rootfs.sh and shared read-only, each with its
 * own /nix (a fresh store), on a bridge over a free /24 of 198.19.0.0/16 (namespace fleets use
 * 198.18.0.0/16). Root and the non-root user {@code deploy} log in with the client key; the
 * hosts' own keys are pinned in {@link #knownHosts}; Nix on the hosts trusts the signing key made
 * here, and its daemon takes closures from users it does not trust when they are signed.
 * Needs root. Everything it makes goes in {@link #close}, which a shutdown hook also runs.
 */
public final class SystemdFleet implements AutoCloseable {

    private static final AtomicInteger FLEETS = new AtomicInteger();
    private static final long STOP_GRACE_NANOS = Duration.ofSeconds(8).toNanos();
    private static final String FAILED_UNITS = "systemctl list-units --state=failed --no-legend --plain | cut -d' ' -f1 | paste -sd' '";

    private final String id;
    private final Path base;
    private final String net;
    private final String bridge;
    private final Map<String, SystemdHost> hosts = new LinkedHashMap<>();
    private final FleetLedger ledger;
    private final Thread shutdownHook = new Thread(this::close, "systemd-fleet-teardown");
    private final AtomicBoolean closed = new AtomicBoolean();
    private double bootSeconds;
    private Path rootfs;

    public SystemdFleet(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a systemd fleet needs at least one host");
        }
        FleetLedger.sweep();
        long n = ProcessHandle.current().pid() * 8 + FLEETS.getAndIncrement();
        this.id = "drt" + Long.toString(n % (36L * 36 * 36 * 36), 36);
        this.bridge = id + "br";
        this.ledger = FleetLedger.open(id);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            base = Files.createTempDirectory("driftless-systemd-");
            ledger.note("base", base.toString());
            this.rootfs = SystemdHost.rootfs();
            this.net = FleetBridge.claim(bridge, ledger);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                hosts.put(name, new SystemdHost(name, id + "h" + (i + 1), net + "." + (11 + i), base.resolve(name)));
            }
            sh(base, "ssh-keygen -q -t ed25519 -N '' -f client_key && nix key generate-secret --key-name driftless-test-1 > signing.sec"
                    + " && nix key convert-secret-to-public < signing.sec > signing.pub"
                    + " && { cat \"$1/etc/nix/nix.conf\"; printf 'trusted-public-keys = %s\\n' \"$(cat signing.pub)\"; } > nix.conf",
                    rootfs.toString());
            boot(rootfs);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | AssertionError e) {
            close();
            throw e;
        }
    }

    /** Root, systemd-nspawn, debootstrap (for the root file system) and nsenter. */
    public static boolean canRun() {
        return "0".equals(sh(Path.of("."), "id -u"))
                && sh(Path.of("."), "for c in systemd-nspawn debootstrap nsenter ss; do command -v \"$c\" || exit 0; done; echo all")
                        .endsWith("all");
    }

    private void boot(Path rootfs) throws IOException {
        long start = System.nanoTime();
        for (SystemdHost host : hosts.values()) {
            ledger.note("nspawn", host.machine, String.valueOf(host.launch(rootfs, bridge, base.resolve("nix.conf"))));
        }
        String clientKey = Files.readString(base.resolve("client_key.pub"));
        ExecutorService pool = Executors.newFixedThreadPool(hosts.size());
        try {
            List<CompletableFuture<String>> keys = new ArrayList<>();
            for (SystemdHost host : hosts.values()) {
                keys.add(CompletableFuture.supplyAsync(() -> {
                    host.awaitBooted();
                    return host.ip + " " + host.authorize(clientKey) + "\n";
                }, pool));
            }
            StringBuilder knownHosts = new StringBuilder();
            for (CompletableFuture<String> key : keys) {
                knownHosts.append(key.join());
            }
            Files.writeString(knownHosts(), knownHosts.toString());
        } catch (CompletionException e) {
            // The host's own failure (a dead nspawn, a boot that never ended) says more than the wrapper.
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            pool.shutdownNow();
        }
        for (String name : hosts.keySet()) {
            await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> ssh(name, "echo ok").equals("ok"));
        }
        bootSeconds = (System.nanoTime() - start) / 1e9;
        StringBuilder states = new StringBuilder();
        hosts.values().forEach(h -> states.append(' ').append(h.name).append('=').append(h.bootState())
                .append(h.bootState().equals("degraded") ? " (failed: " + h.inside(FAILED_UNITS) + ")" : ""));
        System.out.printf("systemd fleet %s: %d hosts booted and reachable by ssh in %.1f s (%s)%n", id, hosts.size(), bootSeconds,
                states.toString().strip());
    }

    /** Seconds from starting the containers until every host had booted and answered over ssh. */
    public double bootSeconds() {
        return bootSeconds;
    }

    /** What {@code systemctl is-system-running --wait} said at boot: {@code running} or {@code degraded}. */
    public String bootState(String host) {
        return host(host).bootState();
    }

    public String ip(String host) {
        return host(host).ip;
    }

    public String target(String host) {
        return target(host, "root");
    }

    public String target(String host, String user) {
        return "ssh://" + user + "@" + ip(host) + ":22";
    }

    /** {@code repo}'s configuration for a controller that reaches every host as root. */
    public Map<String, String> controllerConfig(FleetFixture repo) {
        return controllerConfig(repo, "root");
    }

    /**
     * {@code repo}'s configuration for a controller of these hosts: each reached over ssh as
     * {@code user} with its pinned key, closures signed with the key the hosts trust. Tests add
     * health checks, intervals and the API token.
     */
    public Map<String, String> controllerConfig(FleetFixture repo, String user) {
        Map<String, String> config = new HashMap<>(repo.config());
        config.keySet().removeIf(k -> k.startsWith("driftless.hosts."));
        hosts.keySet().forEach(host -> config.put("driftless.hosts." + host + ".target", target(host, user)));
        config.put("driftless.ssh.known-hosts-file", knownHosts().toString());
        config.put("driftless.ssh.private-key-file", clientKey().toString());
        config.put("driftless.nix.signing-key-file", signingKey().toString());
        return config;
    }

    public Path knownHosts() {
        return base.resolve("known_hosts");
    }

    public Path clientKey() {
        return base.resolve("client_key");
    }

    public Path signingKey() {
        return base.resolve("signing.sec");
    }

    /** The host's console output (systemd's boot messages), for a failing test's report. */
    public Path consoleLog(String host) {
        return host(host).console();
    }

    /** Runs a command on the host as root over SSH, as an admin logged in would; fails on a non-zero exit. */
    public String ssh(String host, String command) {
        return sshAs(host, "root", command);
    }

    public String sshAs(String host, String user, String command) {
        return sh(base, "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=\"$1\" -o ConnectTimeout=10"
                + " -o IdentitiesOnly=yes -i client_key \"$2@$3\" -- \"$4\"", knownHosts().toString(), user, ip(host), command);
    }

    /** Runs a shell snippet on the host as root without the network (on its console, as it were); fails on a non-zero exit. */
    public String console(String host, String script, String... args) {
        return host(host).inside(script, args);
    }

    /** {@code readlink -f /run/current-system} on the host, or null when it has none. */
    public String currentSystem(String host) {
        return link(host, "/run/current-system");
    }

    /** What the host booted: /run/booted-system, which the fixture's first activation sets. */
    public String bootedSystem(String host) {
        return link(host, "/run/booted-system");
    }

    /** What the host would boot next: the fixture's boot loader entry, set by {@code switch} and {@code boot}. */
    public String bootDefault(String host) {
        return link(host, "/boot/driftless-fixture-default");
    }

    private String link(String host, String path) {
        String target = console(host, "[ -L \"$1\" ] && readlink -f \"$1\" || true", path);
        return target.isEmpty() ? null : target;
    }

    /** The number of the generation the host's system profile points at; 0 for none. */
    public int generation(String host) {
        return HostDirs.generation(host(host).dir);
    }

    /** Every generation of the host's system profile, as {@code N -> path}. */
    public java.util.SortedMap<Integer, String> generations(String host) {
        return HostDirs.generations(host(host).dir);
    }

    /** Every run of a fixture generation's switch-to-configuration on the host, oldest first. */
    public List<FixtureSwitch> switches(String host) {
        return FixtureSwitch.parse(console(host, "cat /var/lib/driftless-fixture/switches 2>/dev/null || true"));
    }

    /** The host's journal for {@code unit}, as {@code journalctl -u} prints it. */
    public String journal(String host, String unit) {
        return console(host, "journalctl --no-pager -o short-iso -u \"$1\"", unit);
    }

    /** Puts {@code text} in /etc/sudoers.d/driftless, checked by visudo first: a file sudo refuses fails here. */
    public void installSudoers(String host, String text) {
        console(host, """
                printf '%s\\n' "$1" > /etc/sudoers.d/.driftless.new && chmod 440 /etc/sudoers.d/.driftless.new
                visudo -c -f /etc/sudoers.d/.driftless.new >&2 || { rm -f /etc/sudoers.d/.driftless.new; exit 1; }
                mv /etc/sudoers.d/.driftless.new /etc/sudoers.d/driftless
                """, text);
    }

    public void removeSudoers(String host) {
        console(host, "rm -f /etc/sudoers.d/driftless");
    }

    /**
     * Kills the host's per-connection sshd processes (not the listener): every SSH session to it,
     * a controller's shared connection included, drops mid-command as when a link dies, and what
     * those sessions started keeps running. Returns how many processes it killed.
     */
    public int killSessions(String host) {
        return Integer.parseInt(console(host, """
                listener=$(systemctl show -P MainPID ssh.service)
                n=0
                for p in $(pgrep -x sshd); do
                  [ "$p" = "$listener" ] || { kill -9 "$p" 2>/dev/null && n=$((n + 1)) || true; }
                done
                echo "$n"
                """));
    }

    /**
     * Reboots the host: its container powers off and boots again from the same root file system,
     * /nix and host key. /run starts empty, and the boot activates the system profile's generation
     * (the root file system's driftless-boot unit, as NixOS's stage 2 activates the boot entry's),
     * which becomes /run/booted-system. What lived only in the overlay (sudoers lines, the
     * fixture's record of switches) is gone, as on a volatile root.
     */
    public void reboot(String name) {
        SystemdHost h = host(name);
        h.stop();
        h.awaitStopped(System.nanoTime() + STOP_GRACE_NANOS);
        ledger.note("nspawn", h.machine, String.valueOf(h.launch(rootfs, bridge, base.resolve("nix.conf"))));
        h.awaitBooted();
        try {
            h.authorize(Files.readString(base.resolve("client_key.pub")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> ssh(name, "echo ok").equals("ok"));
    }

    /** Takes the host off the network: its link goes down, packets vanish, and everything on it keeps running. */
    public void cutOff(String host) {
        console(host, "ip link set host0 down");
    }

    /** Plugs a host {@link #cutOff cut off} back in. */
    public void plugIn(String host) {
        console(host, "ip link set host0 up && ip addr replace \"$1/24\" dev host0", ip(host));
    }

    private SystemdHost host(String host) {
        SystemdHost h = hosts.get(host);
        if (h == null) {
            throw new IllegalArgumentException("no systemd host " + host);
        }
        return h;
    }

    /**
     * Powers the hosts off (SIGTERM to nspawn, SIGKILL after a grace time), ends ssh processes
     * that still talk to them, removes the bridge and the files. Safe to call twice, and after a
     * constructor that failed half-way.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The hook runs anyway and finds the fleet closed.
            }
        }
        hosts.values().forEach(SystemdHost::stop);
        long deadline = System.nanoTime() + STOP_GRACE_NANOS;
        hosts.values().forEach(h -> h.awaitStopped(deadline));
        if (net != null) {
            SshProcesses.endTalkingTo(net + ".");
        }
        try {
            FleetBridge.remove(bridge);
            for (SystemdHost h : hosts.values()) {
                sh(Path.of("/"), "rm -rf \"/run/systemd/nspawn/propagate/$1\"", h.machine);
            }
            if (base != null) {
                sh(base.getParent(), "chmod -R u+w \"$1\" 2>/dev/null; rm -rf \"$1\"", base.toString());
            }
            ledger.delete();
        } catch (AssertionError e) {
            System.err.println("tearing down systemd fleet " + id + ": " + e.getMessage());
        }
    }
}

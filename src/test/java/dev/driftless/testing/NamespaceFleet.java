package dev.driftless.testing;

import static dev.driftless.testing.Shell.sh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real SSH hosts for tests: each a network namespace on a /24 of 198.18.0.0/15 with its own mount
 * namespace, its own /nix, /run and /etc/nix, and its own sshd (src/test/scripts/netns-fleet.sh).
 * The hosts trust a signing key made here, as an admin would add Driftless's key to
 * {@code nix.settings.trusted-public-keys}. Needs root.
 */
public final class NamespaceFleet implements AutoCloseable {

    private static final Path SCRIPT = Path.of("src/test/scripts/netns-fleet.sh").toAbsolutePath();

    private final Path base;
    private final String prefix;
    /** The first three octets of this fleet's /24, such as {@code 198.18.42}. */
    private final String net;
    private final List<String> names;

    public NamespaceFleet(List<String> names) {
        this.names = List.copyOf(names);
        this.prefix = "dl" + Long.toString(ProcessHandle.current().pid() % 46656, 36) + "x";
        this.net = freeSubnet();
        try {
            base = Files.createTempDirectory("driftless-ns-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sh(base, "ssh-keygen -q -t ed25519 -N '' -f client_key && nix key generate-secret --key-name driftless-test-1 > signing.sec"
                + " && nix key convert-secret-to-public < signing.sec > signing.pub");
        try {
            for (int i = 1; i <= names.size(); i++) {
                script("up", String.valueOf(i), "client_key.pub", sh(base, "cat signing.pub"));
            }
            StringBuilder knownHosts = new StringBuilder();
            for (int i = 1; i <= names.size(); i++) {
                knownHosts.append(ip(names.get(i - 1))).append(' ').append(hostKey(i)).append('\n');
            }
            Files.writeString(knownHosts(), knownHosts.toString());
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | AssertionError e) {
            close();
            throw e;
        }
    }

    /**
     * A /24 that no interface on this machine has: other test runs (other checkouts, other JVMs)
     * make namespace fleets at the same time, and two bridges on one subnet would steal each
     * other's routes. 198.18.0.0/24 stays for the bench and for older checkouts.
     */
    private static String freeSubnet() {
        String inUse = sh(Path.of("."), "ip -o -4 addr show");
        int start = (int) (ProcessHandle.current().pid() % 254);
        for (int k = 0; k < 254; k++) {
            String candidate = "198.18." + (1 + (start + k) % 254);
            if (!inUse.contains(" " + candidate + ".")) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free /24 left in 198.18.0.0/16 for test hosts");
    }

    /** Runs {@code netns-fleet.sh COMMAND DIR PREFIX ARGS...} on this fleet's subnet. */
    private String script(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(net, SCRIPT.toString(), command, base.toString(), prefix));
        all.addAll(List.of(args));
        StringBuilder line = new StringBuilder("NET=\"$1\" bash");
        for (int n = 2; n <= all.size(); n++) {
            line.append(" \"$").append(n > 9 ? "{" + n + "}" : n).append('"');
        }
        return sh(base, line.toString(), all.toArray(String[]::new));
    }

    public static boolean canRun() {
        return "0".equals(sh(Path.of("."), "id -u")) && Files.isExecutable(Path.of("/usr/sbin/sshd"));
    }

    public String ip(String host) {
        return net + "." + (10 + index(host));
    }

    public String target(String host) {
        return "ssh://root@" + ip(host) + ":22";
    }

    /**
     * {@code repo}'s configuration for a controller of these hosts: each reached over ssh with its
     * pinned key, and closures signed with the key the hosts trust. Tests add health checks,
     * intervals and the API token.
     */
    public java.util.Map<String, String> controllerConfig(FleetFixture repo) {
        java.util.Map<String, String> config = new java.util.HashMap<>(repo.config());
        config.keySet().removeIf(k -> k.startsWith("driftless.hosts."));
        names.forEach(host -> config.put("driftless.hosts." + host + ".target", target(host)));
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

    /** The public host key line of a host, as {@code ssh-keyscan} would print it without the name. */
    public String hostKey(int index) {
        return sh(base, "cut -d' ' -f1,2 \"$1\"", base.resolve("host" + index + "/ssh/host_ed25519.pub").toString());
    }

    public String hostKeyFingerprint(String host) {
        return sh(base, "ssh-keygen -lf \"$1\" | cut -d' ' -f2", base.resolve("host" + index(host) + "/ssh/host_ed25519.pub").toString());
    }

    /** Pins another host's key for {@code host}, as if the machine had been replaced. */
    public void pinWrongKey(String host, String keyOf) throws IOException {
        String wrong = ip(host) + " " + hostKey(index(keyOf)) + "\n";
        List<String> lines = new ArrayList<>(Files.readAllLines(knownHosts()));
        lines.removeIf(l -> l.startsWith(ip(host) + " "));
        lines.add(wrong.strip());
        Files.writeString(knownHosts(), String.join("\n", lines) + "\n");
    }

    public void stopSshd(String host) {
        script("stop", String.valueOf(index(host)));
    }

    public void startSshd(String host) {
        script("start", String.valueOf(index(host)));
    }

    /**
     * Takes the host off the network without telling anyone: its end of the cable goes down,
     * packets vanish, and its sshd and open sessions stay as they were, as when a host's switch
     * port dies or it drops off Wi-Fi.
     */
    public void cutOff(String host) {
        script("link", String.valueOf(index(host)), "down");
    }

    /** Plugs a host {@link #cutOff cut off} back in. */
    public void plugIn(String host) {
        script("link", String.valueOf(index(host)), "up");
    }

    /** Runs a command on the host as root, as an admin logged in over SSH would. */
    public String ssh(String host, String command) {
        return sh(base, "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=\"$1\" -i client_key root@\"$2\" -- \"$3\"",
                knownHosts().toString(), ip(host), command);
    }

    /** What the host runs, read from its own /run without going through Driftless. */
    public String currentSystem(String host) {
        return HostDirs.currentSystem(hostDir(host));
    }

    public int generation(String host) {
        return HostDirs.generation(hostDir(host));
    }

    /** The host's own store, which exists only in its mount namespace. */
    public List<String> storePaths(String host) {
        Path store = hostDir(host).resolve("nix/store");
        try (var paths = Files.list(store)) {
            return paths.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The host's /nix is {@code <dir>/nix} and its /run is {@code <dir>/run}. */
    private Path hostDir(String host) {
        return base.resolve("host" + index(host));
    }

    private int index(String host) {
        int i = names.indexOf(host);
        if (i < 0) {
            throw new IllegalArgumentException("no namespace host " + host);
        }
        return i + 1;
    }

    @Override
    public void close() {
        try {
            script("down", String.valueOf(names.size()));
        } catch (AssertionError e) {
            // Go on removing the files; what is left of the namespaces is in the message.
            System.err.println("tearing down the namespace fleet: " + e.getMessage());
        }
        sh(base.getParent(), "chmod -R u+w \"$1\" 2>/dev/null; rm -rf \"$1\"", base.toString());
    }
}

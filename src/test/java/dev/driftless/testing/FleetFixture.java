package dev.driftless.testing;

import static dev.driftless.testing.Shell.sh;
import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real fleet for tests: a Git repository made from a fleet flake ({@code examples/fleet} unless
 * told otherwise), one directory per host with its own store, and a data directory. Everything is
 * real Git and real Nix.
 */
public final class FleetFixture implements AutoCloseable {

    public static final List<String> HOSTS = List.of("db1", "web1", "web2");
    public static final Path EXAMPLE_FLEET = Path.of("examples/fleet");
    /** Generations that behave like NixOS's on hosts that boot systemd (see {@link SystemdFleet}). */
    public static final Path SYSTEMD_FLEET = Path.of("src/test/fleets/systemd");

    private final Path base;
    private final List<String> hosts;

    public FleetFixture() {
        this(HOSTS);
    }

    /** The example fleet plus a plain configuration for each of {@code hosts} it does not define. */
    public FleetFixture(List<String> hosts) {
        this(EXAMPLE_FLEET, hosts);
    }

    /** A copy of the fleet flake in {@code fleet} plus a plain configuration for each of {@code hosts} it does not define. */
    public FleetFixture(Path fleet, List<String> hosts) {
        this.hosts = List.copyOf(hosts);
        try {
            base = Files.createTempDirectory("driftless-fleet-");
            sh(base, "cp -r \"$1\" repo", fleet.toAbsolutePath().toString());
            for (String host : hosts) {
                Path file = repo().resolve("hosts").resolve(host + ".nix");
                if (!Files.exists(file)) {
                    Files.writeString(file, "{ motd = \"" + host + "\"; }\n");
                }
            }
            sh(base, "cd repo && git init -q -b main && git add -A && git commit -q -m 'initial fleet'");
            for (String host : hosts) {
                Files.createDirectories(hostRoot(host));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path repo() {
        return base.resolve("repo");
    }

    public Path dataDir() {
        return base.resolve("data");
    }

    public Path hostRoot(String host) {
        return base.resolve("hosts").resolve(host);
    }

    /** The configuration a Driftless process needs to manage this fleet quickly. */
    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("driftless.data-dir", dataDir().toString());
        config.put("driftless.git.url", "file://" + repo());
        config.put("driftless.git.branch", "main");
        config.put("driftless.git.poll-interval", "1s");
        config.put("driftless.reconcile.interval", "2s");
        config.put("driftless.nix.options", "substituters =,extra-sandbox-paths = /bin /usr /lib /lib64");
        for (String host : hosts) {
            config.put("driftless.hosts." + host + ".target", "local:" + hostRoot(host));
        }
        return config;
    }

    /** The API token the application generated into this fleet's data directory on its first start. */
    public String apiToken() {
        return tokenIn(dataDir());
    }

    /** A request that carries the API token, as every call under {@code /api/v1} but the webhooks needs. */
    public RequestSpecification api() {
        return given().auth().oauth2(apiToken());
    }

    /** The token in {@code <dataDir>/api-token}, where Driftless writes one when none is configured. */
    static String tokenIn(Path dataDir) {
        try {
            return Files.readString(dataDir.resolve("api-token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("no API token generated in " + dataDir + " yet", e);
        }
    }

    /** Writes a file in the repository and commits it; returns the new commit. */
    public String commit(String file, String content, String message) {
        try {
            Files.writeString(repo().resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sh(repo(), "git add -A && git commit -q -m \"$1\" && git rev-parse HEAD", message);
    }

    public List<String> hosts() {
        return hosts;
    }

    /** Writes several files in one commit; returns the new commit. */
    public String commit(Map<String, String> files, String message) {
        try {
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.writeString(repo().resolve(f.getKey()), f.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sh(repo(), "git add -A && git commit -q -m \"$1\" && git rev-parse HEAD", message);
    }

    /** Puts a host back on {@code path} by hand, as an operator repairing it would. */
    public void switchTo(String host, String path) {
        Path root = hostRoot(host);
        sh(base, """
                nix-env --store "local?root=$1" -p "$1/nix/var/nix/profiles/system" --set "$2"
                DRIFTLESS_HOST_ROOT="$1" "$1$2/bin/switch-to-configuration" switch
                """, root.toString(), path);
    }

    /** Force-pushes the branch back by {@code commits}, as {@code git push --force} of an older head would. */
    public String rewind(int commits) {
        return sh(repo(), "git reset -q --hard HEAD~" + commits + " && git rev-parse HEAD");
    }

    public String head() {
        return sh(repo(), "git rev-parse HEAD");
    }

    /** What the host runs, read from its directory without going through Driftless. */
    public String currentSystem(String host) {
        return HostDirs.currentSystem(hostRoot(host));
    }

    public int generation(String host) {
        return HostDirs.generation(hostRoot(host));
    }

    /** Every generation of the host's system profile, as {@code N -> path}, read from its links. */
    public java.util.SortedMap<Integer, String> generations(String host) {
        return HostDirs.generations(hostRoot(host));
    }

    /**
     * Does what a person does with {@code nixos-rebuild switch} on the host itself: builds a
     * configuration that is not in Git, makes it the next generation and activates it.
     */
    public String switchOutOfBand(String host, String motd) {
        Path scratch = base.resolve("by-hand-" + host);
        String path = sh(base, """
                rm -rf "$2" && cp -r repo "$2" && cd "$2" && rm -rf .git
                printf '{ motd = "%s"; }\\n' "$3" > hosts/$1.nix
                nix build --no-link --json "path:$2#nixosConfigurations.$1.config.system.build.toplevel" \
                  | sed -E 's/.*"out":"([^"]+)".*/\\1/'
                """, host, scratch.toString(), motd);
        Path root = hostRoot(host);
        sh(base, """
                nix copy --no-check-sigs --to "local?root=$1" "$2"
                nix-env --store "local?root=$1" -p "$1/nix/var/nix/profiles/system" --set "$2"
                DRIFTLESS_HOST_ROOT="$1" "$1$2/bin/switch-to-configuration" switch
                """, root.toString(), path);
        return path;
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(base)) {
            // Store paths are read-only; make them writable so the tree can go.
            sh(base.getParent(), "chmod -R u+w \"$1\" 2>/dev/null || true", base.toString());
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

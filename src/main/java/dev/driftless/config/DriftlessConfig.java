package dev.driftless.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything a user sets under {@code driftless.*}; the names are the external contract in DESIGN.md. */
@ConfigMapping(prefix = "driftless")
public interface DriftlessConfig {

    /** Where the Git mirror, the local store, the signing key and state live. */
    @WithDefault("${user.home}/.local/share/driftless")
    String dataDir();

    /**
     * What this process does: {@code controller} (source, rollouts, reconcile, API), {@code worker}
     * (evaluation and build jobs) or {@code all}, the standalone default.
     */
    @WithDefault("all")
    Role role();

    enum Role {
        CONTROLLER, WORKER, ALL;

        public boolean controls() {
            return this != WORKER;
        }

        public boolean works() {
            return this != CONTROLLER;
        }
    }

    /** {@code in-process} (standalone) or {@code kafka} (distributed); the {@code kafka} profile sets it. */
    @WithDefault("in-process")
    String bus();

    /** Distributed mode: jobs on Kafka, and controllers that share the fleet through their consumer group. */
    default boolean distributed() {
        return "kafka".equals(bus());
    }

    Startup startup();

    interface Startup {
        /**
         * Load the classes a start-up needs on a second thread ({@code dev.driftless.boot.StartupClasses}).
         * Read from the JVM's system properties or the environment ({@code DRIFTLESS_STARTUP_PRELOAD})
         * before the configuration exists, so {@code application.properties} cannot set it.
         */
        @WithDefault("true")
        boolean preload();
    }

    Kafka kafka();

    interface Kafka {
        /** Partitions of each topic Driftless creates; bounds how many workers share one job stream. */
        @WithDefault("8")
        int partitions();

        /** Replicas of each topic Driftless creates; -1 takes the broker's default. */
        @WithDefault("-1")
        short replicationFactor();

        /** How long a starting process waits for the broker before it gives up. */
        @WithDefault("60s")
        Duration startupTimeout();
    }

    Webhook webhook();

    /** Push webhooks; a provider is on once its secret is set. */
    interface Webhook {
        Optional<WebhookSecret> github();

        Optional<WebhookSecret> gitea();

        Optional<WebhookSecret> gitlab();

        Optional<WebhookSecret> generic();

        /** Larger payloads are refused with 413 before their signature is checked. */
        @WithDefault("1048576")
        int maxBodyBytes();
    }

    interface WebhookSecret {
        /** The shared secret (GitHub, Gitea, generic: the HMAC key; GitLab: the token it sends). */
        Optional<String> secret();

        /** A file holding the secret, for Kubernetes secrets and the like; read at start. */
        Optional<String> secretFile();
    }

    Build build();

    interface Build {
        /** Builds one process runs at once; in distributed mode each worker process adds as many. */
        @WithDefault("4")
        int concurrency();

        /**
         * Hosts built by one {@code nix build}. A commit's changed hosts are split into batches of
         * at most this many; each batch is one job (one worker's, in distributed mode), built and
         * signed in one go. Lower it to spread one commit's builds over more workers.
         */
        @WithDefault("100")
        int hostsPerBuild();

        /**
         * Whether a host whose drvPath changed is built the moment the evaluation reaches it, while
         * the rest of the commit is still evaluated (the commit's build then finds it done). Unset:
         * on when this process also runs the commit's builds (the in-process bus); off on the
         * Kafka bus, where another worker with its own store may build it.
         */
        java.util.Optional<Boolean> ahead();
    }

    Git git();

    /**
     * Hosts by name; the name is the attribute under {@code nixosConfigurations}. Usually the flake
     * declares the hosts (docs/inventory.md); a host here is managed even when the flake does not
     * name it, and a setting here overrides the flake's for that host.
     */
    Map<String, HostConfig> hosts();

    /** What hosts that set no target of their own get; see {@link HostsDefault#target}. */
    @io.smallrye.config.WithName("hosts-default")
    HostsDefault hostsDefault();

    interface HostsDefault {
        /**
         * A target pattern, {@code {name}} standing for the host's name, such as
         * {@code ssh://root@{name}.lan}. With it, a flake that declares no hosts has every
         * {@code nixosConfigurations} entry managed; and a declared host without a target gets it.
         */
        Optional<String> target();
    }

    Reconcile reconcile();

    /**
     * What to do about each deep drift check's drift, by check ({@code etc}, {@code units}):
     * {@code heal}, {@code report} (the default) or {@code ignore}. The generation itself is
     * {@code driftless.reconcile.policy}'s. See docs/drift.md.
     */
    @io.smallrye.config.WithName("drift")
    Map<String, String> drift();

    Deploy deploy();

    Nix nix();

    Ssh ssh();

    Api api();

    /** Notification targets by name, for people without Alertmanager. */
    @io.smallrye.config.WithName("notify")
    Map<String, NotifyTarget> notifications();

    interface NotifyTarget {
        /** {@code webhook} (the event as JSON), {@code slack} (incoming webhook) or {@code ntfy}. */
        @WithDefault("webhook")
        String type();

        /** Where to POST; it may hold a secret, so it is never logged. */
        String url();

        /** Event types to send, such as {@code incident.opened}; by default incidents and failed deployments. */
        Optional<List<String>> events();
    }

    interface Git {
        String url();

        @WithDefault("main")
        String branch();

        @WithDefault("15s")
        Duration pollInterval();

        /**
         * Deploy a head that does not contain the deployed commit (a force-push that rewrote or
         * rewound the branch). Off by default: such a head is refused and reported.
         */
        @WithDefault("false")
        boolean allowForcePush();

        /** For https:// remotes: a file holding an access token, read at each fetch so that it can rotate. */
        Optional<String> tokenFile();

        /**
         * For ssh:// remotes: the repository's own (read-only) deploy key. Workers fetch with it and
         * so never need the hosts' key; falls back to {@code driftless.ssh.private-key-file}.
         */
        Optional<String> sshKeyFile();

        /** The user name sent with the token; GitHub and Gitea take any, GitLab wants {@code oauth2} for OAuth tokens. */
        @WithDefault("x-access-token")
        String username();

        /** Deploy only heads signed by these keys; off while neither file is set. */
        Verify verify();
    }

    interface Verify {
        /** SSH signing keys, in git's allowed-signers format ({@code <principal> <key-type> <key>} per line). */
        Optional<String> allowedSignersFile();

        /** OpenPGP public keys, ASCII-armored, as {@code gpg --export --armor} writes them. */
        Optional<String> openpgpKeysFile();
    }

    interface HostConfig {
        /**
         * {@code local:<root-dir>} or {@code ssh://user@host:port}. Needed for a host the flake does
         * not declare; for one it declares, it overrides the flake's target.
         */
        Optional<String> target();

        /** Labels for the host, overriding the flake's; shown in the API. */
        Optional<List<String>> tags();

        /** This host's policy per deep drift check, overriding the flake's and {@code driftless.drift.*}. */
        Map<String, String> drift();

        /** Overrides {@code driftless.reconcile.policy} for this host. */
        Optional<String> policy();

        /**
         * Command run on the host after each switch; non-zero exit rolls the deployment back. The
         * check named {@code health-check}: it overrides {@code driftless.deploy.health-check} and a
         * fleet check of that name; {@code none} turns it off.
         */
        Optional<String> healthCheck();

        /** Overrides {@code driftless.deploy.sudo} for this host. */
        Optional<Boolean> sudo();

        /** Overrides {@code driftless.deploy.confirm-timeout} for this host. */
        Optional<Duration> confirmTimeout();

        /** Overrides {@code driftless.deploy.goal} for this host: {@code switch}, {@code boot} or {@code test}. */
        Optional<String> goal();

        /** This host's checks by name; one of the same name as a fleet check replaces it whole. */
        Map<String, Check> checks();
    }

    /**
     * One health check run after each switch and when a cut-short deployment is verified; a failing
     * check rolls the deployment back. Exactly one of {@code command}, {@code url} and {@code units}.
     */
    interface Check {
        /** A shell command run on the host; healthy when it exits 0. */
        Optional<String> command();

        /**
         * An http(s) URL the controller fetches with GET; healthy on a 2xx answer, or on
         * {@code expected-status}. Redirects are followed only on the same host; credentials in the
         * URL are sent as basic authentication and never shown.
         */
        Optional<String> url();

        /** For {@code url}: the one status that counts as healthy, instead of any 2xx. */
        Optional<Integer> expectedStatus();

        /** systemd units that must all be active, asked with {@code systemctl is-active} on the host. */
        Optional<List<String>> units();

        /** How long the check may take; defaults to {@code driftless.deploy.health-check-timeout}. */
        Optional<Duration> timeout();

        /** {@code false} turns the check off; a host turns off a fleet check of the same name this way. */
        @WithDefault("true")
        boolean enabled();
    }

    interface Reconcile {
        @WithDefault("30s")
        Duration interval();

        /** {@code heal} redeploys the committed generation; {@code report} only records drift. */
        @WithDefault("heal")
        String policy();

        /**
         * How often the {@code store} drift check verifies each host's running closure
         * ({@code nix-store --verify-path} reads every file of it); in between, its last finding
         * stands. A new generation is verified at its first resync.
         */
        @WithDefault("1h")
        Duration storeCheckInterval();

        /**
         * Watch each host for a generation switched by hand between resyncs: file-system
         * notifications for {@code local:} hosts, one long-lived command over the SSH master
         * connection for SSH hosts (a readlink pair a second there). The resync still runs.
         */
        @WithDefault("true")
        boolean watch();
    }

    interface Deploy {
        @WithDefault("4")
        int parallelism();

        /**
         * For SSH hosts reached as a user other than root: set the system profile and start the
         * switch through {@code sudo -n}. Closures are copied as that user, signed, so it need not be
         * a trusted Nix user. The host needs the sudoers lines the README gives.
         */
        @WithDefault("false")
        boolean sudo();

        /** Upper bound for one copy or activation command. */
        @WithDefault("10m")
        Duration timeout();

        /**
         * How long a stop (SIGTERM) waits for the host runs in progress to end, as a Kubernetes
         * controller finishes its reconciles: a switch is not cut off halfway, and its result is
         * recorded. Runs not started by then do not start; one still going is stopped, and the
         * next start observes what it left. Keep it below the service manager's stop timeout
         * (Kubernetes' terminationGracePeriodSeconds, 30 s by default).
         */
        @WithDefault("20s")
        Duration stopGrace();

        /**
         * How long after its switch ends a generation on an SSH host with systemd waits for the
         * controller's confirmation over a new connection; without it, the host's guard returns
         * the host to the generation it ran before. Covers the health checks, which run first.
         */
        @WithDefault("30s")
        Duration confirmTimeout();

        /**
         * How hosts take a generation, as {@code nixos-rebuild}'s actions: {@code switch} (activate
         * and make it the boot default), {@code boot} (make it the boot default, to run after the next
         * reboot) or {@code test} (activate without making it the boot default).
         */
        @WithDefault("switch")
        String goal();

        /**
         * A command run on every host after each switch, as the check named {@code health-check};
         * none by default, since the switch itself reports units that failed to start.
         */
        Optional<String> healthCheck();

        /** Upper bound for one health check that sets no timeout of its own. */
        @WithDefault("2m")
        Duration healthCheckTimeout();

        /** Health checks every host runs, by name; a host's check of the same name replaces one. */
        Map<String, Check> checks();
    }

    interface Ssh {
        /** Private key for SSH hosts; when absent, ssh's own defaults apply. */
        Optional<String> privateKeyFile();

        /**
         * The pinned host keys. A host whose key is missing or different is never deployed to.
         * Defaults to {@code <data-dir>/ssh/known_hosts}.
         */
        Optional<String> knownHostsFile();

        @WithDefault("10s")
        Duration connectTimeout();

        /**
         * How often ssh asks a silent host for a sign of life; after two unanswered asks (about
         * three intervals) the connection counts as dead, so a host that dropped off the network
         * turns Unreachable within seconds instead of hanging the commands on its shared connection.
         * Raise it on links so slow that a host's answer can queue longer than that.
         */
        @WithDefault("2s")
        Duration keepaliveInterval();

        /**
         * Where ssh keeps the sockets of shared connections: each controller start makes its own
         * 0700 directory under it and removes it at stop. It must belong to Driftless's user and be
         * closed to group and others. Defaults to {@code <data-dir>/ssh/control}, or to
         * {@code <tmp>/driftless-ssh-<uid>} when that path is too long for a Unix socket.
         */
        Optional<String> controlDir();
    }

    interface Api {
        /**
         * Bearer token for the API, at least 32 characters. When absent, one is generated into
         * {@code <data-dir>/api-token} on first start; that file must stay readable by its owner only.
         */
        Optional<String> token();

        /**
         * Ask the token for reads under {@code /api/v1} too, the event stream included; on by default,
         * since hosts, commits and incidents tell an attacker much about a fleet. Health and metrics
         * stay open for probes and scrapers.
         */
        @WithDefault("true")
        boolean protectReads();

        /**
         * Event streams ({@code GET /api/v1/events}) open at once; one more is answered 503. Each
         * holds a buffer of events in memory, so this bounds what readers can make the controller keep.
         */
        @WithDefault("32")
        int maxEventSubscribers();

        Oidc oidc();
    }

    /**
     * What an access token from the OIDC issuer must carry; the static token needs none of it.
     * The issuer and the audience are Quarkus's: {@code quarkus.oidc.auth-server-url},
     * {@code quarkus.oidc.token.audience}.
     */
    interface Oidc {
        /**
         * Where a token lists its roles or groups: a claim name, or a path of names separated by
         * {@code /} into nested claims, such as Keycloak's {@code realm_access/roles}.
         */
        @WithDefault("groups")
        String rolesClaim();

        /** A token needs one of these for sync and rollback (and may read). None set: OIDC tokens open nothing. */
        Optional<List<String>> writeRoles();

        /** Roles that may only read, when reads are protected; the write roles may read as well. */
        Optional<List<String>> readRoles();
    }

    interface Nix {
        /** Upper bound for one evaluation or build. */
        @WithDefault("30m")
        Duration timeout();

        /** Secret key that signs built closures; generated under the data dir when absent. */
        Optional<String> signingKeyFile();

        /**
         * Nix settings added to every call as lines of {@code NIX_CONFIG}, for example
         * {@code substituters =} on a machine without internet access.
         */
        Optional<List<String>> options();

        /**
         * Build commits without Nix's sandbox. Off by default: a derivation in a commit, or in a
         * flake input it updates, would otherwise run as the service user and could read the
         * signing key, the deploy key and the tokens. Turn on only for builders you trust.
         */
        @WithDefault("false")
        boolean allowUnsandboxed();

        /** Extra keys that hosts accept besides Driftless's own signing key. */
        Optional<List<String>> trustedPublicKeys();

        /**
         * A Nix store URL that hands built closures from workers to the controller when they do
         * not share a store: {@code file:///srv/nix-cache}, {@code s3://bucket}, {@code ssh-ng://cache}.
         * Workers copy each build there; the controller copies it from there before it deploys.
         */
        Optional<String> cache();

        /**
         * How many {@code nix eval} processes evaluate one commit at once. With 1 one process
         * evaluates every host, the cheapest for small fleets; with more, the hosts are dealt out to
         * that many processes that run side by side, as Colmena's eval-node-limit and nix-eval-jobs
         * do, so a fleet of real NixOS hosts evaluates on every core, and each process holds only
         * its share of the hosts in memory. 0 (the default) chooses: one process while the last
         * evaluation took under half a second, else one per core.
         */
        @WithDefault("0")
        int evalProcesses();
    }
}

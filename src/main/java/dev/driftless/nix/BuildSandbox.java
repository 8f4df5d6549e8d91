package dev.driftless.nix;

import dev.driftless.exec.ProcessResult;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Why builds are sandboxed, and how we know they are. A commit is untrusted input: any
 * derivation in it, or in a flake input it updates, runs a builder. Outside Nix's sandbox that
 * builder runs as the service user and can read the signing key, the deploy key and the
 * tokens under the data directory. These are the pure parts: the settings every call gets,
 * which user options weaken them, and what a probe build's outcome says.
 */
public final class BuildSandbox {

    /** Set after the inherited configuration and before the user's options, which may still weaken them knowingly. */
    static final List<String> SETTINGS = List.of(
            "sandbox = true",
            // A sandbox that cannot be set up must fail the build, not quietly run it unconfined.
            "sandbox-fallback = false",
            // Import-from-derivation builds during evaluation, where nothing else expects a build.
            "allow-import-from-derivation = false");

    static final String OPT_OUT = "driftless.nix.allow-unsandboxed=true";

    private BuildSandbox() {}

    /** The first user option that turns the sandbox off or makes it optional, if any. */
    static Optional<String> weakening(List<String> options) {
        return options.stream().map(String::strip).filter(option -> {
            int eq = option.indexOf('=');
            if (eq < 0) {
                return false;
            }
            String key = option.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = option.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
            return switch (key) {
                case "sandbox", "build-use-sandbox" -> !value.equals("true");
                case "sandbox-fallback", "allow-import-from-derivation" -> value.equals("true");
                default -> false;
            };
        }).findFirst();
    }

    /** What a probe build says about the sandbox. */
    enum Verdict { ISOLATED, EXPOSED, BROKEN }

    record Outcome(Verdict verdict, String detail) {}

    static final String PROBE_MARK = "driftless-probe:";

    /**
     * A derivation that fails when it can see {@code canary}, a directory that holds secrets
     * (the data directory). A nonce makes every probe a fresh build: a cached output proves nothing.
     */
    static String probeExpression(String canary, String nonce) {
        return "derivation { name = \"driftless-sandbox-probe\"; system = builtins.currentSystem; PATH = \"/usr/bin:/bin\";"
                + " nonce = " + nixString(nonce) + "; canary = " + nixString(canary) + "; builder = \"/bin/sh\";"
                + " args = [ \"-c\" " + nixString("if [ -e \"$canary\" ]; then echo \"" + PROBE_MARK
                        + " $canary is visible to builds\" >&2; exit 1; fi; echo isolated > $out") + " ]; }";
    }

    static Outcome judge(ProcessResult probe) {
        String stderr = probe.stderr();
        if (probe.ok()) {
            return new Outcome(Verdict.ISOLATED, "a probe build could not see the data directory");
        }
        if (stderr.contains(PROBE_MARK)) {
            return new Outcome(Verdict.EXPOSED, "a probe build could read the data directory, where keys and tokens live");
        }
        if (stderr.contains("executing '/bin/sh': No such file or directory")) {
            // The host's /bin/sh is not in the sandbox at all: builds are isolated. Fleets whose
            // builders are /bin/sh need extra-sandbox-paths; nixpkgs-based fleets need nothing.
            return new Outcome(Verdict.ISOLATED, "a probe build ran in a sandbox without the host's /bin/sh");
        }
        return new Outcome(Verdict.BROKEN, probe.explain());
    }

    private static String nixString(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("${", "\\${") + "\"";
    }
}

package dev.driftless.nix;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.config.DriftlessConfig;
import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link Nix} through the real {@code nix} command line. */
@ApplicationScoped
public class NixCli implements Nix {

    static final String TOPLEVEL_DRVS = "cs: builtins.mapAttrs (n: c: c.config.system.build.toplevel.drvPath) cs";

    private final NixSettings settings;
    private final Duration timeout;
    private final Optional<String> cache;
    private final ObjectMapper json = new ObjectMapper();

    NixCli(NixSettings settings, DriftlessConfig config) {
        this.settings = settings;
        this.timeout = config.nix().timeout();
        this.cache = config.nix().cache();
    }

    @Override
    public Map<String, String> evaluate(String flakeRef) throws NixFailure {
        ProcessResult result = nix("eval", "--json", flakeRef + "#nixosConfigurations", "--apply", TOPLEVEL_DRVS);
        try {
            return json.readValue(result.stdout(), new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new NixFailure("nix eval printed something that is not a map of drvPaths: " + abbreviate(result.stdout()));
        }
    }

    @Override
    public String build(String drvPath) throws NixFailure {
        ProcessResult result = nix("build", "--json", "--no-link", settings.derivationInstallable(drvPath));
        String out;
        try {
            JsonNode built = json.readTree(result.stdout());
            out = built.path(0).path("outputs").path("out").asText("");
        } catch (IOException e) {
            throw new NixFailure("nix build printed no JSON: " + abbreviate(result.stdout()));
        }
        if (!out.startsWith("/nix/store/")) {
            throw new NixFailure("nix build of " + drvPath + " returned no out path: " + abbreviate(result.stdout()));
        }
        nix("store", "sign", "--recursive", "--key-file", settings.signingKey().toString(), out);
        if (cache.isPresent()) {
            nix("copy", "--to", cache.get(), out);
        }
        return out;
    }

    @Override
    public void fetch(String outPath) throws NixFailure {
        if (cache.isEmpty()) {
            return; // one store: the worker built it where the controller deploys from
        }
        // The closure is signed with the fleet's key; this store accepts it on that signature alone.
        List<String> args = new java.util.ArrayList<>(List.of("copy"));
        settings.trustedKeys().forEach(key -> args.addAll(List.of("--extra-trusted-public-keys", key)));
        args.addAll(List.of("--from", cache.get(), outPath));
        nix(args.toArray(String[]::new));
    }

    private ProcessResult nix(String... args) throws NixFailure {
        List<String> command = new java.util.ArrayList<>(List.of("nix"));
        command.addAll(List.of(args));
        ProcessResult result = ProcessRunner.run(command, settings.env(), timeout);
        if (!result.ok()) {
            throw new NixFailure(result.explain());
        }
        return result;
    }

    private static String abbreviate(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}

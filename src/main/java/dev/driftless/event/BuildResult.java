package dev.driftless.event;

import java.util.List;
import java.util.Map;

/** The outcome of building one {@link BuildRequest}'s batch of toplevels. */
public sealed interface BuildResult {

    String sha();

    /** The batch's hosts and their drvPaths, as requested. */
    Map<String, String> drvPaths();

    /** Every host of the batch built: its out path by host. */
    record Built(String sha, Map<String, String> drvPaths, Map<String, String> outPaths) implements BuildResult {

        public Built {
            drvPaths = Map.copyOf(drvPaths);
            outPaths = Map.copyOf(outPaths);
        }
    }

    /** {@code failed}: the hosts whose toplevel does not build; final for that commit. */
    record Failed(String sha, Map<String, String> drvPaths, List<String> failed, String error) implements BuildResult {

        public Failed {
            drvPaths = Map.copyOf(drvPaths);
            failed = List.copyOf(failed);
        }
    }
}

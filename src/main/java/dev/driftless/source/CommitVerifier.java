package dev.driftless.source;

import java.util.Optional;

/** Decides by its signature whether a commit may be deployed. */
public interface CommitVerifier {

    /** Empty when {@code sha} may be deployed; otherwise the reason it may not, for people to read. */
    Optional<String> refusal(String sha);
}

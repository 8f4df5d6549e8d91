package dev.driftless.source;

/** The repository could not be fetched; the message names it and the cause, never a credential. */
public class GitFetchFailed extends Exception {

    public GitFetchFailed(String message, Throwable cause) {
        super(message, cause);
    }
}

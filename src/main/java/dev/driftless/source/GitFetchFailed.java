package dev.driftless.source;

import dev.driftless.secret.Redaction;

/** The repository could not be fetched; the message names it and the cause, never a credential. */
public class GitFetchFailed extends Exception {

    public GitFetchFailed(String message, Throwable cause) {
        // Whatever a caller puts in (a URL, a tool's own text), the message is what gets logged and recorded.
        super(Redaction.redact(message), cause);
    }
}

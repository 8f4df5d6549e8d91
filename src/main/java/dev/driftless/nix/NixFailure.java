package dev.driftless.nix;

import dev.driftless.secret.Redaction;

/** Nix refused: the message is the part of its stderr a person needs to fix the flake. */
public class NixFailure extends Exception {

    public NixFailure(String message) {
        // nix prints flake inputs and substituters with their URLs as written, credentials and all.
        super(Redaction.redact(message));
    }
}

package dev.driftless.nix;

/** Nix refused: the message is the part of its stderr a person needs to fix the flake. */
public class NixFailure extends Exception {

    public NixFailure(String message) {
        super(message);
    }
}

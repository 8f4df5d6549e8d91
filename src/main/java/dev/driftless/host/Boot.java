package dev.driftless.host;

/**
 * What a host booted and what it boots next, beside what it runs.
 *
 * @param booted         {@code /run/booted-system}, or null when the host does not say
 * @param bootDefault    what the system profile points at: on NixOS, the generation the boot loader starts next
 * @param rebootRequired the running generation's kernel, initrd or kernel modules are not the booted one's
 *                       (compared as comin compares them): only a reboot activates them
 */
public record Boot(String booted, String bootDefault, boolean rebootRequired) {

    /** The boot-time parts of a NixOS toplevel that a switch cannot change on a running system. */
    public static final java.util.List<String> PARTS = java.util.List.of("kernel", "initrd", "kernel-modules");
}

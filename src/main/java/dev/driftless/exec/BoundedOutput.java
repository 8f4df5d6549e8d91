package dev.driftless.exec;

import java.nio.charset.StandardCharsets;

/**
 * What a command wrote, kept within a fixed size: the first {@code headLimit} bytes and the
 * last {@code tailLimit}, with a marker that says how much was dropped between them. A flake
 * that traces in a loop, or a build that prints gigabytes, must not take the controller's heap
 * with it; the head holds what a parser reads and the tail holds the error that ended it.
 */
final class BoundedOutput {

    private final int headLimit;
    private final int tailLimit;
    /** Made only once the head is full: most commands never write that much, and a controller runs thousands. */
    private byte[] tail;
    private byte[] headBuffer = new byte[1024];
    private int headUsed;
    private int tailNext; // ring position of the next byte written to the tail
    private long total;

    BoundedOutput(int headLimit, int tailLimit) {
        this.headLimit = headLimit;
        this.tailLimit = tailLimit;
    }

    synchronized void write(byte[] bytes, int offset, int length) {
        total += length;
        int toHead = Math.min(length, headLimit - headUsed);
        if (toHead > 0) {
            ensureHead(headUsed + toHead);
            System.arraycopy(bytes, offset, headBuffer, headUsed, toHead);
            headUsed += toHead;
        }
        int rest = length - Math.max(0, toHead);
        if (rest <= 0 || tailLimit == 0) {
            return;
        }
        if (tail == null) {
            tail = new byte[tailLimit];
        }
        int from = offset + length - rest;
        if (rest >= tail.length) {
            System.arraycopy(bytes, from + rest - tail.length, tail, 0, tail.length);
            tailNext = 0;
            return;
        }
        int first = Math.min(rest, tail.length - tailNext);
        System.arraycopy(bytes, from, tail, tailNext, first);
        System.arraycopy(bytes, from + first, tail, 0, rest - first);
        tailNext = (tailNext + rest) % tail.length;
    }

    synchronized long dropped() {
        return Math.max(0, total - headUsed - tailLimit);
    }

    synchronized String text() {
        long beyondHead = total - headUsed;
        int tailUsed = (int) Math.min(beyondHead, tailLimit);
        byte[] ordered = new byte[tailUsed];
        int start = beyondHead > tailLimit ? tailNext : 0;
        for (int i = 0; i < tailUsed; i++) {
            ordered[i] = tail[(start + i) % tailLimit];
        }
        String text = new String(headBuffer, 0, headUsed, StandardCharsets.UTF_8);
        long dropped = beyondHead - tailUsed;
        if (dropped > 0) {
            text += "\n[driftless: " + dropped + " bytes of output dropped here; kept the first " + headUsed
                    + " and the last " + tailUsed + " of " + total + "]\n";
        }
        return text + new String(ordered, StandardCharsets.UTF_8);
    }

    private void ensureHead(int needed) {
        if (needed > headBuffer.length) {
            headBuffer = java.util.Arrays.copyOf(headBuffer, Math.min(headLimit, Math.max(needed, headBuffer.length * 2)));
        }
    }
}

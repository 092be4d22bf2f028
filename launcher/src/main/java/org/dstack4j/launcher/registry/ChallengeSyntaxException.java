package org.dstack4j.launcher.registry;

/** A {@code WWW-Authenticate} value that is not valid RFC 7235 syntax; the message gives the offset. */
public final class ChallengeSyntaxException extends Exception {
    public ChallengeSyntaxException(String message) {
        super(message);
    }
}

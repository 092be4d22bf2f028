package org.dstack4j.cluster.apps;

import java.util.Optional;
import java.util.function.Function;
import org.dstack4j.cluster.secret.KeyDerivation;

/** The node's secret, lent for one derivation ({@code NodeDaemon::withDerivation}); empty while it holds none. */
@FunctionalInterface
public interface DerivationSource {
    <T> Optional<T> withDerivation(Function<KeyDerivation, T> use);
}

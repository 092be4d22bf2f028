package org.dstack4j.cluster.contract;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** Base of the contract tests: one real anvil ({@link ClusterFixture}) per test class, killed after it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AnvilClusterTest {
    ClusterFixture f;

    @BeforeAll
    void startAnvil() throws Exception {
        f = new ClusterFixture();
    }

    @AfterAll
    void stopAnvil() {
        if (f != null) {
            f.close();
        }
    }
}

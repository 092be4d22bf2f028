package org.dstack4j.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void binaryUnits() throws Exception {
        assertThat(Sizes.bytes("64G", "--memory")).isEqualTo(64L << 30);
        assertThat(Sizes.bytes("64gib", "--memory")).isEqualTo(64L << 30);
        assertThat(Sizes.bytes("2048M", "--memory")).isEqualTo(2L << 30);
        assertThat(Sizes.bytes("1.5G", "--memory")).isEqualTo(3L << 29);
        assertThat(Sizes.bytes("4096", "--memory")).isEqualTo(4096);
        assertThat(Sizes.mebibytes("4G", "--swap")).isEqualTo(4096);
        assertThat(Sizes.mebibytes("512", "--swap")).isEqualTo(512);
    }

    @Test
    void notASizeNamesTheFlag() {
        for (String bad : List.of("lots", "", "-1G", "64X", "1.5", "9999999T")) {
            assertThatThrownBy(() -> Sizes.bytes(bad, "--memory")).as(bad).isInstanceOf(MeasureInputException.class)
                    .hasMessageContaining("--memory");
        }
        assertThatThrownBy(() -> Sizes.mebibytes("1.5K", "--swap")).isInstanceOf(MeasureInputException.class).hasMessageContaining("MiB");
    }
}

package org.dstack4j.dashboard.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HtmlTest {
    @Test
    void markupAndQuotesAreEscaped() {
        assertThat(Html.escape("<script>alert('x')</script> & \"q\""))
                .isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    }

    @Test
    void controlCharactersAreReplacedButNewlinesKept() {
        assertThat(Html.escape("a\u001B[31mb\u0000c\nd\te")).isEqualTo("a\uFFFD[31mb\uFFFDc\nd\te");
    }
}

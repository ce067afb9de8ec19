package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The served HTML body's one rewrite: elements that navigate or fetch by themselves become inert
 * unknown elements, in every spelling the HTML tokenizer reads as that tag; anything else is left
 * as sent. (What the browser then does with the document is {@link QuarantineDashboardTest}'s.)
 */
class QuarantineHtmlViewTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "<iframe src=x></iframe>|<portcullis-inert-iframe src=x></portcullis-inert-iframe>",
        "<IFRAME\tsrc=x>|<portcullis-inert-IFRAME\tsrc=x>",
        "\"<link\rrel=preconnect href=x>\"|\"<portcullis-inert-link\rrel=preconnect href=x>\"",
        "<link/rel=preconnect>|<portcullis-inert-link/rel=preconnect>",
        "<a href=x>pay</a>|<portcullis-inert-a href=x>pay</portcullis-inert-a>",
        "<svg><a href=x><text>t</text></a></svg>|<svg><portcullis-inert-a href=x><text>t</text></portcullis-inert-a></svg>",
        "<meta http-equiv=refresh content=0>|<portcullis-inert-meta http-equiv=refresh content=0>",
        "<object data=x></object><embed src=x><frame src=x><area href=x><base href=x><portal src=x>"
            + "|<portcullis-inert-object data=x></portcullis-inert-object><portcullis-inert-embed src=x>"
            + "<portcullis-inert-frame src=x><portcullis-inert-area href=x><portcullis-inert-base href=x><portcullis-inert-portal src=x>",
        "<abbr>a</abbr><address>b</address><img src=x><linked>|<abbr>a</abbr><address>b</address><img src=x><linked>",
        "a < b and <a2>|a < b and <a2>",
    })
    void elementsThatNavigateOrFetchBecomeInert(String sent, String served) {
        assertThat(QuarantineHtmlView.inert(sent)).isEqualTo(served);
    }
}
